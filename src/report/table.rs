//! The terminal report: score and gate first, a category table, then failed rules by
//! severity with their locations and a one-line fix. Fits 80 columns; plain when piped.

use super::{Report, RuleReport};
use crate::style::Paint;
use comfy_table::{CellAlignment, ContentArrangement, Table, presets};
use std::io::Write;

/// Findings shown per failed rule before "… and N more".
const MAX_FINDINGS_SHOWN: usize = 5;

fn score_text(score: Option<u8>, grade: Option<char>) -> String {
    match (score, grade) {
        (Some(s), Some(g)) => format!("{s} ({g})"),
        _ => "n/a".to_owned(),
    }
}

/// Report width: the table and wrapped text fit 80 columns.
const WIDTH: usize = 80;
/// Indent of the lines under a failed rule.
const INDENT: usize = 9;

fn first_paragraph(md: &str) -> String {
    md.split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Word-wraps `text` to `WIDTH`; the first line starts after `first` columns of prefix and
/// continuation lines are indented by `INDENT`.
/// Skipped rules sharing one reason are listed as one line from this many on.
const GROUP_SKIPPED: usize = 5;
/// Inconclusive rules sharing one reason are listed as one line from this many on.
const GROUP_INCONCLUSIVE: usize = 2;

fn wrap(text: &str, first: usize) -> String {
    let mut out = String::new();
    let mut col = first;
    for word in text.split(' ') {
        let len = word.chars().count();
        if !out.is_empty() && col + 1 + len > WIDTH {
            out.push('\n');
            out.push_str(&" ".repeat(INDENT));
            col = INDENT;
        } else if !out.is_empty() {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += len;
    }
    out
}

/// Writes the table report.
pub fn write(report: &Report, color: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let p = Paint { on: color };
    let s = &report.summary;
    let overall = &report.score.overall;
    writeln!(
        out,
        "{} {} · {} files\n{} rules: {} passed, {} failed, {} skipped, {} inconclusive",
        p.bold("readycheck"),
        report.tool.version,
        s.files,
        s.rules,
        s.passed,
        s.failed,
        s.skipped,
        s.inconclusive
    )?;
    writeln!(out)?;
    let gate = if report.gate.passed {
        p.green(&p.bold("PASSED"))
    } else {
        p.red(&p.bold("FAILED"))
    };
    writeln!(
        out,
        "Score {}   Gate {}",
        p.score(overall.score, &score_text(overall.score, overall.grade)),
        gate
    )?;
    for reason in &report.gate.reasons {
        writeln!(out, "  {} {}", p.red("✗"), wrap(reason, 4))?;
    }
    if let Some(line) = set_aside_line(report) {
        writeln!(out, "{}", p.dimmed(&wrap(&line, 0)))?;
    }
    for t in &report.targets {
        let mut notes = vec![t.source.describe().to_owned()];
        if t.credentials {
            notes.push("sent the --header values".to_owned());
        } else if t.source == crate::probe::TargetSource::RepositoryConfig {
            notes.push("probed without the --header values".to_owned());
        }
        notes.push(format!("{} requests", t.requests_sent));
        let line = format!("Target {}  ({})", t.url, notes.join(", "));
        writeln!(out, "{}", wrap(&line, 0))?;
        if let Some(why) = &t.no_answer {
            let line = format!("did not answer: {why}");
            writeln!(out, "  {} {}", p.red("✗"), wrap(&line, 4))?;
        }
        let recovered: Vec<&crate::probe::Retried> =
            t.retried.iter().filter(|r| r.answered).collect();
        if !recovered.is_empty() {
            let shown: Vec<String> = recovered
                .iter()
                .take(3)
                .map(|r| format!("{} ({} attempts)", r.request, r.attempts))
                .collect();
            let more = if recovered.len() > 3 { ", …" } else { "" };
            let line = format!(
                "flaky: {} request{} answered only after a retry: {}{more}",
                recovered.len(),
                if recovered.len() == 1 { "" } else { "s" },
                shown.join(", ")
            );
            writeln!(out, "  {} {}", p.yellow("!"), wrap(&line, 4))?;
        }
        if !t.throttled.is_empty() {
            let waited: u64 = t.throttled.iter().map(|w| w.waited_ms).sum();
            let given_up = t.throttled.iter().filter(|w| !w.honoured).count();
            let mut line = format!(
                "the service asked to slow down {} time{} (429): waited {:.1} s",
                t.throttled.len(),
                if t.throttled.len() == 1 { "" } else { "s" },
                waited as f64 / 1000.0
            );
            if given_up > 0 {
                line.push_str(&format!(
                    ", {given_up} wait{} past the deadline given up",
                    if given_up == 1 { "" } else { "s" }
                ));
            }
            writeln!(out, "  {} {}", p.yellow("!"), wrap(&line, 4))?;
        }
    }
    writeln!(out)?;

    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(80);
    table.set_header(vec![
        "Category", "Score", "Pass", "Fail", "Skip", "Inconcl.",
    ]);
    for (cat, t) in &report.score.by_category {
        table.add_row(vec![
            cat.as_str().to_owned(),
            score_text(t.score, t.grade),
            t.passed.to_string(),
            t.failed.to_string(),
            t.skipped.to_string(),
            t.inconclusive.to_string(),
        ]);
    }
    for i in 1..6 {
        if let Some(c) = table.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    if !color {
        table.force_no_tty();
    }
    writeln!(out, "{table}")?;

    let mut failed: Vec<&RuleReport> = report
        .results
        .iter()
        .filter(|r| r.outcome == "fail")
        .collect();
    failed.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    if !failed.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            p.bold(&format!("Failed rules ({})", failed.len()))
        )?;
        for r in failed {
            let sev = format!("{:<8}", r.severity.as_str().to_uppercase());
            writeln!(
                out,
                "{} {} {}\n{}{}",
                p.severity(r.severity, &sev),
                p.bold(&r.id),
                r.name,
                " ".repeat(INDENT),
                wrap(&r.title, INDENT)
            )?;
            let open: Vec<_> = r.findings.iter().filter(|f| f.waiver.is_none()).collect();
            for f in open.iter().take(MAX_FINDINGS_SHOWN) {
                let loc = f.location.display();
                let first = INDENT + loc.chars().count() + 2;
                writeln!(
                    out,
                    "{}{}  {}",
                    " ".repeat(INDENT),
                    p.cyan(&loc),
                    wrap(&f.message, first)
                )?;
            }
            if open.len() > MAX_FINDINGS_SHOWN {
                writeln!(
                    out,
                    "         … and {} more",
                    open.len() - MAX_FINDINGS_SHOWN
                )?;
            }
            writeln!(
                out,
                "{}{} {}",
                " ".repeat(INDENT),
                p.green("fix:"),
                wrap(&first_paragraph(&r.fix), INDENT + 5)
            )?;
            writeln!(
                out,
                "         {}",
                p.dimmed(&format!("readycheck explain {}", r.id))
            )?;
        }
    }
    let inconclusive: Vec<&RuleReport> = report
        .results
        .iter()
        .filter(|r| r.outcome == "inconclusive")
        .collect();
    if !inconclusive.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            p.bold(&format!("Inconclusive ({})", inconclusive.len()))
        )?;
        // Rules that could not run for one shared reason (a target that did not answer)
        // take one line.
        write_grouped(
            out,
            &inconclusive,
            GROUP_INCONCLUSIVE,
            &|s| p.yellow(s),
            &|s| s.to_owned(),
            &|group| {
                let live = if group.iter().all(|g| g.live) {
                    "live "
                } else {
                    ""
                };
                format!("{} {live}rules could not run", group.len())
            },
        )?;
    }
    let waived: Vec<(&RuleReport, &crate::finding::Finding)> = report
        .results
        .iter()
        .flat_map(|r| {
            r.findings
                .iter()
                .filter(|f| f.waiver.is_some())
                .map(move |f| (r, f))
        })
        .collect();
    if !waived.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            p.bold(&format!("Waived ({} findings, not counted)", waived.len()))
        )?;
        for (r, f) in waived.iter().take(10) {
            let reason = f.waiver.as_ref().map_or("", |w| w.reason.as_str());
            let line = format!("{} {}  {}", r.id, f.location.display(), reason);
            writeln!(out, "  {}", p.dimmed(&wrap(&line, 2)))?;
        }
        if waived.len() > 10 {
            writeln!(
                out,
                "  … and {} more (see --format json)",
                waived.len() - 10
            )?;
        }
    }
    for w in &report.warnings {
        writeln!(out, "{} {}", p.yellow("warning:"), wrap(w, 9))?;
    }
    let skipped: Vec<&RuleReport> = report
        .results
        .iter()
        .filter(|r| r.outcome == "skipped")
        .collect();
    if !skipped.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", p.bold(&format!("Skipped ({})", skipped.len())))?;
        // Rules skipped for one shared reason (all live rules without --url) take one line.
        write_grouped(
            out,
            &skipped,
            GROUP_SKIPPED,
            &|s| p.dimmed(s),
            &|s| p.dimmed(s),
            &|group| format!("{} rules", group.len()),
        )?;
    }
    if !report.skipped_paths.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            p.bold(&format!(
                "Not examined ({} paths)",
                report.skipped_paths.len()
            ))
        )?;
        // Grouped by reason: a tree of images is one line, not hundreds.
        let mut by_reason: Vec<(&str, Vec<&str>)> = Vec::new();
        for sp in &report.skipped_paths {
            match by_reason.iter_mut().find(|(r, _)| *r == sp.reason) {
                Some((_, paths)) => paths.push(&sp.path),
                None => by_reason.push((&sp.reason, vec![&sp.path])),
            }
        }
        by_reason.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(b.0)));
        for (reason, paths) in by_reason {
            let line = if paths.len() == 1 {
                format!("{}: {reason}", paths[0])
            } else {
                let shown: Vec<&str> = paths.iter().take(3).copied().collect();
                let more = if paths.len() > 3 { ", …" } else { "" };
                format!(
                    "{reason}: {} paths ({}{more})",
                    paths.len(),
                    shown.join(", ")
                )
            };
            writeln!(out, "  {}", wrap(&line, 2))?;
        }
    }
    Ok(())
}

/// Lists rules with their reasons; rules sharing one reason take one line from `min` on,
/// headed by `head(group)` and the first and last id. `id_paint` paints ids and heads,
/// `reason_paint` the reasons.
fn write_grouped(
    out: &mut dyn Write,
    rules: &[&RuleReport],
    min: usize,
    id_paint: &dyn Fn(&str) -> String,
    reason_paint: &dyn Fn(&str) -> String,
    head: &dyn Fn(&[&RuleReport]) -> String,
) -> std::io::Result<()> {
    let by_reason = by_reason(rules);
    for r in rules {
        let reason = r.reason.as_deref().unwrap_or("");
        let group = &by_reason[reason];
        if group.len() >= min {
            if std::ptr::eq(group[0], *r) {
                let head = format!(
                    "{} ({}…{})",
                    head(group),
                    group[0].id,
                    group[group.len() - 1].id
                );
                writeln!(
                    out,
                    "  {}: {}",
                    id_paint(&head),
                    reason_paint(&wrap(reason, 4 + head.chars().count()))
                )?;
            }
            continue;
        }
        writeln!(
            out,
            "  {} {}: {}",
            id_paint(&r.id),
            r.name,
            reason_paint(&wrap(reason, 4 + r.id.len() + r.name.len()))
        )?;
    }
    Ok(())
}

/// Rules by their outcome's reason.
fn by_reason<'a>(
    rules: &[&'a RuleReport],
) -> std::collections::BTreeMap<&'a str, Vec<&'a RuleReport>> {
    let mut map: std::collections::BTreeMap<&str, Vec<&RuleReport>> =
        std::collections::BTreeMap::new();
    for r in rules {
        map.entry(r.reason.as_deref().unwrap_or(""))
            .or_default()
            .push(r);
    }
    map
}

/// One line on what the rules set aside: `Set aside: test 412 files (tests/, e2e/) · dev
/// 2 files (.devcontainer/) · not judged: 1 build-tool image`.
fn set_aside_line(report: &Report) -> Option<String> {
    let scope = &report.scope;
    if scope.set_aside.is_empty() && scope.not_judged.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = scope
        .set_aside
        .iter()
        .map(|g| {
            let files = if g.files == 1 { "file" } else { "files" };
            let mut because: Vec<&str> = g.because.iter().take(3).map(String::as_str).collect();
            if g.because.len() > 3 {
                because.push("…");
            }
            format!("{} {} {files} ({})", g.role, g.files, because.join(", "))
        })
        .collect();
    for nj in &scope.not_judged {
        let what = if nj.count == 1 {
            nj.paths[0].clone()
        } else {
            format!("{} subjects", nj.count)
        };
        parts.push(format!("{what}: {}", nj.reason));
    }
    Some(format!("Set aside: {}", parts.join(" · ")))
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_80_columns_with_indent() {
        let text = "word ".repeat(40);
        let wrapped = wrap(text.trim_end(), 20);
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines.len() > 2);
        assert!(lines[0].len() + 20 <= 80);
        assert!(
            lines[1..]
                .iter()
                .all(|l| l.len() <= 80 && l.starts_with("         word"))
        );
    }
}
