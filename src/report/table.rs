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

fn first_line(md: &str) -> String {
    let para = md
        .split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if para.chars().count() > 200 {
        format!("{}…", para.chars().take(199).collect::<String>())
    } else {
        para
    }
}

/// Writes the table report.
pub fn write(report: &Report, color: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let p = Paint { on: color };
    let s = &report.summary;
    let overall = &report.score.overall;
    writeln!(
        out,
        "{} {} · {} rules: {} passed, {} failed, {} skipped, {} inconclusive · {} files",
        p.bold("readycheck"),
        report.tool.version,
        s.rules,
        s.passed,
        s.failed,
        s.skipped,
        s.inconclusive,
        s.files
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
        writeln!(out, "  {} {reason}", p.red("✗"))?;
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
                "{} {} {} — {}",
                p.severity(r.severity, &sev),
                p.bold(&r.id),
                r.name,
                r.title
            )?;
            for f in r.findings.iter().take(MAX_FINDINGS_SHOWN) {
                writeln!(
                    out,
                    "         {}  {}",
                    p.cyan(&f.location.display()),
                    f.message
                )?;
            }
            if r.findings.len() > MAX_FINDINGS_SHOWN {
                writeln!(
                    out,
                    "         … and {} more",
                    r.findings.len() - MAX_FINDINGS_SHOWN
                )?;
            }
            writeln!(out, "         {} {}", p.green("fix:"), first_line(&r.fix))?;
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
        for r in inconclusive {
            writeln!(
                out,
                "  {} {}: {}",
                p.yellow(&r.id),
                r.name,
                r.reason.as_deref().unwrap_or("")
            )?;
        }
    }
    let skipped: Vec<&RuleReport> = report
        .results
        .iter()
        .filter(|r| r.outcome == "skipped")
        .collect();
    if !skipped.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", p.bold(&format!("Skipped ({})", skipped.len())))?;
        for r in skipped {
            writeln!(
                out,
                "  {} {}: {}",
                p.dimmed(&r.id),
                r.name,
                p.dimmed(r.reason.as_deref().unwrap_or(""))
            )?;
        }
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
        for sp in report.skipped_paths.iter().take(10) {
            writeln!(out, "  {}: {}", sp.path, sp.reason)?;
        }
        if report.skipped_paths.len() > 10 {
            writeln!(
                out,
                "  … and {} more (see --format json)",
                report.skipped_paths.len() - 10
            )?;
        }
    }
    Ok(())
}
