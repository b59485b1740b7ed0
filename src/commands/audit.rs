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
    /// Live targets (base URLs), none for a static audit.
    pub urls: Vec<String>,
    /// Probe settings.
    pub probe: crate::probe::ProbeSettings,
}

/// Resolves the live options from the command line and `[target]` in the config.
pub fn resolve_live(
    live: &crate::cli::LiveArgs,
    cfg: &settings::TargetConfig,
) -> anyhow::Result<(Vec<String>, crate::probe::ProbeSettings)> {
    use crate::probe::{ProbeSettings, normalize_url, parse_header};
    let mut urls: Vec<String> = if live.urls.is_empty() {
        cfg.url.as_ref().map(|u| u.to_vec()).unwrap_or_default()
    } else {
        live.urls.clone()
    };
    urls = urls
        .iter()
        .map(|u| normalize_url(u))
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow!(e))?;
    urls.dedup();
    let mut headers = Vec::new();
    for (k, v) in &cfg.headers {
        headers.push(parse_header(&format!("{k}: {v}")).map_err(|e| anyhow!(e))?);
    }
    for h in &live.headers {
        headers.push(parse_header(h).map_err(|e| anyhow!(e))?);
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
    };
    Ok((urls, settings))
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
    let mut rules = RuleSet::load(&dirs).map_err(|e| anyhow!(e))?;
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
    let (urls, probe) = resolve_live(&args.live, &cfg.target)?;
    Ok(Resolved {
        rules,
        chosen,
        gate,
        walk,
        waivers,
        baseline,
        inline: !ignore_all,
        urls,
        probe,
    })
}

/// Walks the repository and evaluates the chosen rules, with waivers applied.
pub fn evaluate(
    root: &std::path::Path,
    resolved: &Resolved,
) -> anyhow::Result<(Workspace, Vec<engine::RuleResult>, Vec<String>)> {
    let ws = Workspace::scan(root, Arc::clone(&resolved.rules.selectors), &resolved.walk)?;
    evaluate_in(ws, resolved)
}

fn evaluate_in(
    ws: Workspace,
    resolved: &Resolved,
) -> anyhow::Result<(Workspace, Vec<engine::RuleResult>, Vec<String>)> {
    let targets = if resolved.urls.is_empty() {
        Vec::new()
    } else {
        let requests = engine::live_requests(&resolved.rules, &resolved.chosen, &ws);
        crate::probe::client::probe(&resolved.urls, &requests, &resolved.probe)
            .map_err(|e| anyhow!(e))?
    };
    let mut results = engine::run_with_targets(&resolved.rules, &resolved.chosen, &ws, &targets);
    let warnings = suppress::apply(
        &mut results,
        &ws,
        &resolved.waivers,
        resolved.baseline.as_ref(),
        resolved.inline,
        &suppress::today(),
    );
    Ok((ws, results, warnings))
}

/// Runs the audit and returns the report.
pub fn audit(root: &std::path::Path, resolved: &Resolved) -> anyhow::Result<Report> {
    let (ws, results, warnings) = evaluate(root, resolved)?;
    let score = score::score(&results);
    let verdict = score::gate(&results, &score, resolved.gate);
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
    ))
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
    let (urls, probe) = resolve_live(&live_args, &settings::TargetConfig::default())?;
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
        probe,
    };
    let ws = Workspace::empty(Arc::clone(&resolved.rules.selectors));
    let (ws, results, warnings) = evaluate_in(ws, &resolved)?;
    let score = score::score(&results);
    let verdict = score::gate(&results, &score, resolved.gate);
    let report = Report::new(
        &results,
        score,
        verdict,
        ws.files().len(),
        Vec::new(),
        "README.md".to_owned(),
        warnings,
        report::ScopeSummary::default(),
    );
    super::output(None, |w| report::render(&report, args.format, color, w))?;
    Ok(if report.gate.passed {
        ExitStatus::Passed
    } else {
        ExitStatus::GateFailed
    })
}
