//! Markdown for `$GITHUB_STEP_SUMMARY` and pull-request comments: score, grade, gate,
//! category table, and failed rules with their findings (collapsed) and fixes.

use super::{Report, RuleReport};
use crate::model::Severity;
use std::fmt::Write as _;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn icon(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "🟣",
        Severity::High => "🔴",
        Severity::Medium => "🟠",
        Severity::Low => "🔵",
        Severity::Info => "⚪",
    }
}

fn score_text(score: Option<u8>, grade: Option<char>) -> String {
    match (score, grade) {
        (Some(s), Some(g)) => format!("{s} ({g})"),
        _ => "n/a".to_owned(),
    }
}

/// Writes the Markdown report.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut s = String::new();
    let o = &report.score.overall;
    let gate = if report.gate.passed {
        "✅ gate passed"
    } else {
        "❌ gate failed"
    };
    let _ = writeln!(
        s,
        "## readycheck: {} — {gate}\n",
        score_text(o.score, o.grade)
    );
    let m = &report.summary;
    let _ = writeln!(
        s,
        "{} rules on {} files: **{} passed**, **{} failed**, {} skipped, {} inconclusive.\n",
        m.rules, m.files, m.passed, m.failed, m.skipped, m.inconclusive
    );
    for reason in &report.gate.reasons {
        let _ = writeln!(s, "> ❌ {}", cell(reason));
    }
    if !report.gate.reasons.is_empty() {
        s.push('\n');
    }
    for t in &report.targets {
        let mut notes = vec![t.source.describe().to_owned()];
        if t.credentials {
            notes.push("sent the `--header` values".to_owned());
        } else if t.source == crate::probe::TargetSource::RepositoryConfig {
            notes.push("probed without the `--header` values".to_owned());
        }
        if let Some(why) = &t.no_answer {
            notes.push(format!("**did not answer**: {why}"));
        }
        let recovered = t.retried.iter().filter(|r| r.answered).count();
        if recovered > 0 {
            notes.push(format!("{recovered} flaky (answered after a retry)"));
        }
        let _ = writeln!(
            s,
            "- Target `{}`: {}",
            cell(&t.url),
            cell(&notes.join(", "))
        );
    }
    if !report.targets.is_empty() {
        s.push('\n');
    }
    s.push_str("| Category | Score | Pass | Fail | Skip | Inconclusive |\n|---|---:|---:|---:|---:|---:|\n");
    for (cat, t) in &report.score.by_category {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            cat.as_str(),
            score_text(t.score, t.grade),
            t.passed,
            t.failed,
            t.skipped,
            t.inconclusive
        );
    }
    let mut failed: Vec<&RuleReport> = report
        .results
        .iter()
        .filter(|r| r.outcome == "fail")
        .collect();
    failed.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    if !failed.is_empty() {
        let _ = writeln!(
            s,
            "\n### Failed rules\n\n| Severity | Rule | Title | Findings |\n|---|---|---|---:|"
        );
        for r in &failed {
            let _ = writeln!(
                s,
                "| {} {} | `{}` {} | {} | {} |",
                icon(r.severity),
                r.severity.as_str(),
                r.id,
                r.name,
                cell(&r.title),
                r.findings.len()
            );
        }
        s.push('\n');
        for r in &failed {
            let n = r.findings.len();
            let _ = writeln!(
                s,
                "<details><summary><code>{}</code> {} — {n} finding{}</summary>\n",
                r.id,
                r.name,
                if n == 1 { "" } else { "s" }
            );
            for f in r.findings.iter().filter(|f| f.waiver.is_none()) {
                let _ = writeln!(
                    s,
                    "- `{}` {}",
                    f.location.display().replace('`', "'"),
                    cell(&f.message)
                );
            }
            let _ = writeln!(
                s,
                "\n**Fix:** {}\n\n`readycheck explain {}`\n</details>\n",
                r.fix.trim().replace('\n', " "),
                r.id
            );
        }
    }
    let skipped = m.skipped + m.inconclusive;
    if skipped > 0 {
        let _ = writeln!(
            s,
            "\n<details><summary>{skipped} rules skipped or inconclusive</summary>\n"
        );
        for r in report
            .results
            .iter()
            .filter(|r| r.outcome == "skipped" || r.outcome == "inconclusive")
        {
            let _ = writeln!(
                s,
                "- `{}` {} ({}): {}",
                r.id,
                r.name,
                r.outcome,
                cell(r.reason.as_deref().unwrap_or(""))
            );
        }
        s.push_str("</details>\n");
    }
    out.write_all(s.as_bytes())
}
