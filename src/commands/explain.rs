//! `readycheck explain ID|NAME`: a rule's why, fix, examples and references, rendered from
//! the same YAML the engine runs, so the documentation cannot drift from the behaviour.

use crate::cli::{DocFormat, ExplainArgs};
use crate::exit::ExitStatus;
use crate::rule::{ExampleExpect, Rule, RuleSet};
use crate::style::Paint;
use anyhow::anyhow;
use std::fmt::Write as _;

/// The rule as JSON, for `rules --format json` and `explain --format json`.
#[must_use]
pub fn rule_json(r: &Rule) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "name": r.name,
        "title": r.title,
        "category": r.category,
        "severity": r.severity,
        "weight": r.weight,
        "status": r.status.as_str(),
        "since": r.since,
        "tags": r.tags,
        "check": { "kind": r.kind, "params": r.params },
        "why": r.why,
        "fix": r.fix,
        "examples": r.examples,
        "references": r.references,
        "claims": r.claims,
        "source": r.source,
    })
}

/// For live rules: how they run and which profiles they apply to.
fn live_line(r: &Rule) -> Option<String> {
    if !r.check.is_live() {
        return None;
    }
    let profiles = if r.profiles.is_empty() {
        "every profile".to_owned()
    } else {
        let names: Vec<&str> = r.profiles.iter().map(|p| p.as_str()).collect();
        format!("profiles {}", names.join(", "))
    };
    Some(format!(
        "live probe (needs --url or `readycheck probe`) · {profiles}"
    ))
}

/// An example server route, one line.
fn route_line(path: &str, route: &crate::rule::ServerRoute) -> String {
    let mut parts = vec![format!("{path} → {}", route.status)];
    for (k, v) in &route.headers {
        parts.push(format!("{k}: {v}"));
    }
    if !route.body.is_empty() {
        let body: String = route.body.chars().take(60).collect();
        parts.push(format!("body {body:?}"));
    }
    parts.join(" · ")
}

/// The rule as Markdown (also the content of `docs/rules/<ID>.md`).
#[must_use]
pub fn markdown(r: &Rule) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {} · {}\n\n**{}**\n", r.id, r.name, r.title);
    let _ = writeln!(
        s,
        "{} · severity {} · weight {} · check `{}` · {} since {}\n",
        r.category,
        r.severity,
        r.weight,
        r.kind,
        r.status.as_str(),
        r.since
    );
    if let Some(l) = live_line(r) {
        let _ = writeln!(s, "{l}\n");
    }
    let _ = writeln!(s, "## Why it matters\n\n{}\n", r.why.trim());
    let _ = writeln!(s, "## How to fix\n\n{}\n", r.fix.trim());
    let _ = writeln!(s, "## Examples\n");
    for e in &r.examples {
        let mark = match e.expect {
            ExampleExpect::Fail => "✗ fails",
            ExampleExpect::Pass => "✓ passes",
            ExampleExpect::Skip => "– skipped",
        };
        let _ = writeln!(s, "{mark}: {}\n", e.name);
        for (path, content) in &e.files {
            let _ = writeln!(s, "`{path}`\n\n```\n{}\n```\n", content.trim_end());
        }
        for (path, route) in e.server.iter().flatten() {
            let _ = writeln!(s, "- server: `{}`", route_line(path, route));
        }
    }
    if !r.references.is_empty() {
        let _ = writeln!(s, "## References\n");
        for rf in &r.references {
            let _ = writeln!(s, "- [{}]({})", rf.title, rf.url);
        }
    }
    s
}

fn terminal(r: &Rule, p: Paint) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} · {}", p.bold(&r.id), p.bold(&r.name));
    let _ = writeln!(s, "{}", r.title);
    let _ = writeln!(
        s,
        "{} · severity {} · weight {} · check {} · {} since {}",
        r.category,
        p.severity(r.severity, r.severity.as_str()),
        r.weight,
        r.kind,
        r.status.as_str(),
        r.since
    );
    if let Some(l) = live_line(r) {
        let _ = writeln!(s, "{}", p.dimmed(&l));
    }
    let _ = writeln!(s, "\n{}\n{}", p.bold("Why it matters"), r.why.trim_end());
    let _ = writeln!(s, "\n{}\n{}", p.bold("How to fix"), r.fix.trim_end());
    let _ = writeln!(s, "\n{}", p.bold("Examples"));
    for e in &r.examples {
        let mark = match e.expect {
            ExampleExpect::Fail => p.red("✗ fails"),
            ExampleExpect::Pass => p.green("✓ passes"),
            ExampleExpect::Skip => p.dimmed("– skipped"),
        };
        let _ = writeln!(s, "{mark}: {}", e.name);
        for (path, content) in &e.files {
            let _ = writeln!(s, "    {}", p.cyan(path));
            for (i, line) in content.lines().enumerate() {
                let _ = writeln!(s, "    {:>3} │ {line}", i + 1);
            }
        }
    }
    if !r.references.is_empty() {
        let _ = writeln!(s, "\n{}", p.bold("References"));
        for rf in &r.references {
            let _ = writeln!(s, "- {} <{}>", rf.title, rf.url);
        }
    }
    s
}

/// `readycheck explain`.
pub fn run(args: &ExplainArgs, color: bool) -> anyhow::Result<ExitStatus> {
    let set = RuleSet::load(&args.rule_dirs).map_err(|e| anyhow!(e))?;
    let Some(rule) = set.find(&args.rule) else {
        let hint = set
            .suggest(&args.rule)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Err(anyhow!(
            "no rule `{}`{hint} (see `readycheck rules`)",
            args.rule
        ));
    };
    let text = match args.format {
        DocFormat::Json => {
            let mut t = serde_json::to_string_pretty(&rule_json(rule))?;
            t.push('\n');
            t
        }
        DocFormat::Markdown => markdown(rule),
        DocFormat::Table => terminal(rule, Paint { on: color }),
    };
    super::output(None, |w| w.write_all(text.as_bytes()))?;
    Ok(ExitStatus::Passed)
}
