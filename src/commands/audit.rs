//! `readycheck audit`: config → rules → walk → evaluate → score → report → exit status.

use crate::cli::AuditArgs;
use crate::collect::{DEFAULT_MAX_FILE_SIZE, WalkOptions, Workspace};
use crate::engine;
use crate::exit::ExitStatus;
use crate::model::Severity;
use crate::report::{self, Report};
use crate::rule::RuleSet;
use crate::score::{self, GateSettings};
use crate::settings::{self, FailOn, Loaded};
use anyhow::{Context, anyhow, bail};
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
    let loaded = if args.no_config {
        Loaded::default()
    } else {
        match settings::discover(root, args.config.as_deref()) {
            Some(path) => settings::load(&path).map_err(|e| anyhow!(e))?,
            None => Loaded::default(),
        }
    };
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
    let fail_on: FailOn = args
        .fail_on
        .map(Into::into)
        .or(cfg.gate.fail_on)
        .unwrap_or(FailOn::High);
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
    };
    Ok(Resolved {
        rules,
        chosen,
        gate,
        walk,
    })
}

/// Walks `root` and evaluates the chosen rules; returns the results and the workspace
/// (shared by `audit` and `claims`).
pub fn evaluate(
    root: &std::path::Path,
    resolved: &Resolved,
) -> anyhow::Result<(Vec<engine::RuleResult>, Workspace)> {
    let ws = Workspace::scan(root, Arc::clone(&resolved.rules.selectors), &resolved.walk)?;
    let results = engine::run(&resolved.rules, &resolved.chosen, &ws);
    Ok((results, ws))
}

/// Runs the audit and returns the report.
pub fn audit(root: &std::path::Path, resolved: &Resolved) -> anyhow::Result<Report> {
    let (results, ws) = evaluate(root, resolved)?;
    let score = score::score(&results);
    let verdict = score::gate(&results, &score, resolved.gate);
    Ok(Report::new(
        &results,
        score,
        verdict,
        ws.files().len(),
        ws.skipped(),
    ))
}

/// `readycheck audit`.
pub fn run(args: &AuditArgs, color: bool) -> anyhow::Result<ExitStatus> {
    let resolved = resolve(args)?;
    if let Some(n) = args.threads.filter(|n| *n > 0) {
        // Only the first pool configuration wins; later calls (tests) keep it.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    let report = audit(&args.path, &resolved)?;
    let color = color && args.output.is_none();
    super::output(args.output.as_deref(), |w| {
        report::render(&report, args.format, color, w)
    })?;
    Ok(if report.gate.passed || args.exit_zero {
        ExitStatus::Passed
    } else {
        ExitStatus::GateFailed
    })
}
