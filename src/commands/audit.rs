//! `readycheck audit`: config → rules → walk → evaluate → score → report → exit status.

use crate::baseline::Baseline;
use crate::cli::AuditArgs;
use crate::collect::{DEFAULT_MAX_FILE_SIZE, WalkOptions, Workspace};
use crate::engine;
use crate::exit::ExitStatus;
use crate::model::Severity;
use crate::report::{self, Report};
use crate::rule::RuleSet;
use crate::score::{self, GateSettings};
use crate::settings::{self, FailOn};
use crate::suppress;
use anyhow::{Context, anyhow, bail};
use std::io::Write as _;
use std::sync::Arc;

/// Everything an audit needs, resolved from CLI and config.
#[derive(Debug)]
pub struct Resolved {
    /// Rule set with overrides applied.
    pub rules: RuleSet,
    /// Indices of the chosen rules.
    pub chosen: Vec<usize>,
    /// Gate settings.
    pub gate: GateSettings,
    /// Walk options.
    pub walk: WalkOptions,
    /// Config waivers.
    pub waivers: Vec<suppress::ConfigWaiver>,
    /// The baseline to gate against, if any.
    pub baseline: Option<Baseline>,
    /// Whether inline suppressions apply.
    pub inline: bool,
    /// Live targets, none for a static audit.
    pub urls: Vec<crate::probe::TargetSpec>,
    /// Warnings about the run's own settings (credentials not sent to a target).
    pub live_warnings: Vec<String>,
    /// Probe settings.
    pub probe: crate::probe::ProbeSettings,
}

/// Who wrote the `[target]` table a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigTrust {
    /// The audited repository's own config: its URLs get no credentials, its headers are
    /// not used.
    Repository,
    /// A config file outside the audited repository, chosen by the person running readycheck.
    Operator,
}

/// Resolves the live options from the command line and `[target]` in the config. The
/// `--header` values go only to the origins of the `--url`s and of `--header-origin`;
/// authority-carrying settings (`--ca-cert`, `--insecure`, `--allow-unsafe-methods`,
/// cross-host redirects) exist only on the command line. Returns the targets, the probe
/// settings and warnings for the report.
pub fn resolve_live(
    live: &crate::cli::LiveArgs,
    cfg: &settings::TargetConfig,
    trust: ConfigTrust,
) -> anyhow::Result<(
    Vec<crate::probe::TargetSpec>,
    crate::probe::ProbeSettings,
    Vec<String>,
)> {
    use crate::probe::{ProbeSettings, TargetSource, TargetSpec, normalize_url, parse_header};
    let mut warnings = Vec::new();
    let normalize = |u: &String| normalize_url(u).map_err(|e| anyhow!(e));
    let mut targets: Vec<TargetSpec> = if !live.urls.is_empty() {
        live.urls
            .iter()
            .map(|u| Ok(TargetSpec::command_line(&normalize(u)?)))
            .collect::<anyhow::Result<_>>()?
    } else if live.no_config_targets {
        Vec::new()
    } else {
        let source = match trust {
            ConfigTrust::Repository => TargetSource::RepositoryConfig,
            ConfigTrust::Operator => TargetSource::OperatorConfig,
        };
        cfg.url
            .as_ref()
            .map(|u| u.to_vec())
            .unwrap_or_default()
            .iter()
            .map(|u| {
                Ok(TargetSpec {
                    base: normalize(u)?,
                    source,
                })
            })
            .collect::<anyhow::Result<_>>()?
    };
    targets.dedup_by(|a, b| a.base == b.base);
    let mut headers = Vec::new();
    if trust == ConfigTrust::Repository {
        if !cfg.headers.is_empty() {
            warnings.push(format!(
                "`[target] headers` in the repository's config ({}) are not sent: header values carry authority, so they come only from `--header` (see the threat model in SECURITY.md)",
                cfg.headers.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ));
        }
    } else {
        for (k, v) in &cfg.headers {
            headers.push(parse_header(&format!("{k}: {v}")).map_err(|e| anyhow!(e))?);
        }
    }
    for h in &live.headers {
        headers.push(parse_header(h).map_err(|e| anyhow!(e))?);
    }
    let mut header_origins: Vec<String> = targets
        .iter()
        .filter(|t| t.source != TargetSource::RepositoryConfig)
        .filter_map(|t| crate::probe::origin(&t.base))
        .collect();
    for o in &live.header_origins {
        header_origins.push(crate::probe::parse_origin(o).map_err(|e| anyhow!(e))?);
    }
    header_origins.sort();
    header_origins.dedup();
    if !headers.is_empty() {
        for t in &targets {
            let trusted =
                crate::probe::origin(&t.base).is_some_and(|o| header_origins.contains(&o));
            if !trusted {
                warnings.push(format!(
                    "`{}` comes {} and is probed without the --header values (pass `--url {}` or `--header-origin` to send them)",
                    t.base,
                    t.source.describe(),
                    t.base
                ));
            }
        }
    }
    let secs = |v: Option<f64>, name: &str| -> anyhow::Result<Option<std::time::Duration>> {
        match v {
            Some(s) if !(s.is_finite() && s > 0.0 && s <= 3600.0) => {
                bail!("--{name} must be between 0 and 3600 seconds")
            }
            Some(s) => Ok(Some(std::time::Duration::from_secs_f64(s))),
            None => Ok(None),
        }
    };
    let mut ca_certs = Vec::new();
    for path in &live.ca_certs {
        ca_certs.extend(crate::probe::client::load_ca_certs(path).map_err(|e| anyhow!(e))?);
    }
    let defaults = ProbeSettings::default();
    let rate = match &live.rate {
        Some(r) => crate::probe::parse_rate(r).map_err(|e| anyhow!(e))?,
        None => defaults.rate,
    };
    let settings = ProbeSettings {
        timeout: secs(live.timeout, "timeout")?
            .or(cfg.timeout_ms.map(std::time::Duration::from_millis))
            .unwrap_or(defaults.timeout),
        deadline: secs(live.deadline, "deadline")?.unwrap_or(defaults.deadline),
        concurrency: live
            .concurrency
            .unwrap_or(defaults.concurrency)
            .clamp(1, 64),
        headers,
        insecure: live.insecure,
        allow_unsafe_methods: live.allow_unsafe_methods,
        allow_cross_host_redirects: live.allow_cross_host_redirects,
        profile: live.profile.or(cfg.profile).unwrap_or_default(),
        ca_certs,
        header_origins,
        retries: live.retries.unwrap_or(defaults.retries),
        rate,
    };
    Ok((targets, settings, warnings))
}

/// Resolves config and rules for an audit of `args.path`.
pub fn resolve(args: &AuditArgs) -> anyhow::Result<Resolved> {
    let root = &args.path;
    if !root.exists() {
        bail!(
            "cannot audit `{}`: no such file or directory",
            root.display()
        );
    }
    let loaded =
        settings::load_for(root, args.config.as_deref(), args.no_config).map_err(|e| anyhow!(e))?;
    let cfg = &loaded.config;
    let base = loaded
        .path
        .as_deref()
        .and_then(|p| p.parent())
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let mut dirs: Vec<std::path::PathBuf> =
        cfg.rules.extra_dirs.iter().map(|d| base.join(d)).collect();
    dirs.extend(args.rule_dirs.iter().cloned());
    let mut rules =
        crate::timing::phase("load rules", || RuleSet::load(&dirs)).map_err(|e| anyhow!(e))?;
    for (key, sev) in &cfg.rules.severity {
        let idx = rules
            .rules
            .iter()
            .position(|r| r.id.eq_ignore_ascii_case(key) || r.name.eq_ignore_ascii_case(key))
            .ok_or_else(|| {
                anyhow!("invalid config: `rules.severity` names unknown rule `{key}`")
            })?;
        let rule = Arc::get_mut(&mut rules.rules[idx]).context("rule set is shared")?;
        rule.severity = *sev;
        if *sev == Severity::Info {
            rule.weight = 0;
        }
    }
    let select = if args.select.is_empty() {
        cfg.rules.select.clone()
    } else {
        args.select.clone()
    };
    let mut ignore = cfg.rules.ignore.clone();
    ignore.extend(args.ignore.iter().cloned());
    let chosen = rules
        .select(&select, &ignore, args.preview || cfg.rules.preview)
        .map_err(|e| anyhow!(e))?;
    let fail_on: FailOn = args.fail_on.or(cfg.gate.fail_on).unwrap_or(FailOn::High);
    let gate = GateSettings {
        fail_on: fail_on.severity(),
        min_score: args.min_score.or(cfg.gate.min_score),
        strict: args.strict || cfg.gate.strict,
    };
    let mut exclude = cfg.scan.exclude.clone();
    exclude.extend(args.exclude.iter().cloned());
    let walk = WalkOptions {
        exclude,
        max_file_size: cfg.scan.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
        threads: args.threads.unwrap_or(0),
        scope: cfg.scope.clone(),
        action_policies: cfg.actions.policies.clone(),
    };
    let ignore_all = args.no_ignore;
    let waivers = if ignore_all {
        Vec::new()
    } else {
        suppress::compile(&cfg.waivers, |key| rules.find(key).is_some()).map_err(|e| {
            let file = loaded
                .path
                .as_deref()
                .map_or_else(|| "config".to_owned(), |p| p.display().to_string());
            anyhow!("invalid config {file}: {e}")
        })?
    };
    let baseline = match (&args.baseline, ignore_all) {
        (Some(path), false) => Some(Baseline::load(path).map_err(|e| anyhow!(e))?),
        _ => None,
    };
    let trust = if loaded.repository {
        ConfigTrust::Repository
    } else {
        ConfigTrust::Operator
    };
    let (urls, probe, live_warnings) = resolve_live(&args.live, &cfg.target, trust)?;
    Ok(Resolved {
        rules,
        chosen,
        gate,
        walk,
        waivers,
        baseline,
        inline: !ignore_all,
        urls,
        live_warnings,
        probe,
    })
}

/// What an evaluation produced: the workspace, the rule results (waivers applied), the
/// warnings and the probed targets.
pub type Evaluated = (
    Workspace,
    Vec<engine::RuleResult>,
    Vec<String>,
    Vec<crate::probe::Target>,
);

/// Walks the repository and evaluates the chosen rules, with waivers applied.
pub fn evaluate(root: &std::path::Path, resolved: &Resolved) -> anyhow::Result<Evaluated> {
    let ws = crate::timing::phase("walk", || {
        Workspace::scan(root, Arc::clone(&resolved.rules.selectors), &resolved.walk)
    })?;
    evaluate_in(ws, resolved)
}

fn evaluate_in(ws: Workspace, resolved: &Resolved) -> anyhow::Result<Evaluated> {
    let targets = if resolved.urls.is_empty() {
        Vec::new()
    } else {
        let requests = engine::live_requests(&resolved.rules, &resolved.chosen, &ws);
        crate::probe::client::probe(&resolved.urls, &requests, &resolved.probe)
            .map_err(|e| anyhow!(e))?
    };
    let mut results = crate::timing::phase("evaluate", || {
        engine::run_with_targets(&resolved.rules, &resolved.chosen, &ws, &targets)
    });
    let mut warnings = resolved.live_warnings.clone();
    warnings.extend(suppress::apply(
        &mut results,
        &ws,
        &resolved.waivers,
        resolved.baseline.as_ref(),
        resolved.inline,
        &suppress::today(),
    ));
    Ok((ws, results, warnings, targets))
}

/// Runs the audit and returns the report.
pub fn audit(root: &std::path::Path, resolved: &Resolved) -> anyhow::Result<Report> {
    let (ws, results, warnings, targets) = evaluate(root, resolved)?;
    let score = score::score(&results);
    let mut verdict = score::gate(&results, &score, resolved.gate);
    score::gate_on_targets(&mut verdict, &targets);
    let anchor = [
        "README.md",
        "README",
        "README.rst",
        "README.txt",
        "readme.md",
    ]
    .iter()
    .find(|n| ws.find(n).is_some())
    .map_or_else(|| ".".to_owned(), |n| (*n).to_owned());
    let scope = report::scope_summary(&ws, &results);
    Ok(Report::new(
        &results,
        score,
        verdict,
        ws.files().len(),
        ws.skipped(),
        anchor,
        warnings,
        scope,
    )
    .with_targets(&targets))
}

/// `readycheck audit`.
pub fn run(args: &AuditArgs, color: bool) -> anyhow::Result<ExitStatus> {
    if let Some(n) = args.threads.filter(|n| *n > 0) {
        // Before anything uses the pool (rules are compiled in parallel in `resolve`):
        // only the first pool configuration wins; later calls (tests) keep it.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    let resolved = resolve(args)?;
    let report = audit(&args.path, &resolved)?;
    for w in &report.warnings {
        let _ = writeln!(std::io::stderr().lock(), "readycheck: warning: {w}");
    }
    let color = color && args.output.is_none();
    super::output(args.output.as_deref(), |w| {
        report::render(&report, args.format, color, w)
    })?;
    for (format, path) in &args.reports {
        super::output(Some(path), |w| report::render(&report, *format, false, w))?;
    }
    Ok(if report.gate.passed || args.exit_zero {
        ExitStatus::Passed
    } else {
        ExitStatus::GateFailed
    })
}

/// `readycheck probe URL...`: the live rules alone, no repository.
pub fn probe(args: &crate::cli::ProbeArgs, color: bool) -> anyhow::Result<ExitStatus> {
    let rules = RuleSet::load(&[]).map_err(|e| anyhow!(e))?;
    let live: Vec<String> = rules
        .rules
        .iter()
        .filter(|r| r.check.is_live())
        .map(|r| r.id.clone())
        .collect();
    let select = if args.select.is_empty() {
        live.clone()
    } else {
        args.select.clone()
    };
    let chosen: Vec<usize> = rules
        .select(&select, &args.ignore, false)
        .map_err(|e| anyhow!(e))?
        .into_iter()
        .filter(|&i| rules.rules[i].check.is_live())
        .collect();
    let mut live_args = args.live.clone();
    live_args.urls.extend(args.targets.iter().cloned());
    let (urls, probe, live_warnings) = resolve_live(
        &live_args,
        &settings::TargetConfig::default(),
        ConfigTrust::Operator,
    )?;
    let gate = GateSettings {
        fail_on: args.fail_on.unwrap_or(FailOn::High).severity(),
        min_score: None,
        strict: args.strict,
    };
    let resolved = Resolved {
        rules,
        chosen,
        gate,
        walk: WalkOptions::default(),
        waivers: Vec::new(),
        baseline: None,
        inline: false,
        urls,
        live_warnings,
        probe,
    };
    let ws = Workspace::empty(Arc::clone(&resolved.rules.selectors));
    let (ws, results, warnings, targets) = evaluate_in(ws, &resolved)?;
    let score = score::score(&results);
    let mut verdict = score::gate(&results, &score, resolved.gate);
    score::gate_on_targets(&mut verdict, &targets);
    let report = Report::new(
        &results,
        score,
        verdict,
        ws.files().len(),
        Vec::new(),
        "README.md".to_owned(),
        warnings,
        report::ScopeSummary::default(),
    )
    .with_targets(&targets);
    super::output(None, |w| report::render(&report, args.format, color, w))?;
    Ok(if report.gate.passed || args.exit_zero {
        ExitStatus::Passed
    } else {
        ExitStatus::GateFailed
    })
}
