//! GitHub Actions workflow commands, so findings appear inline on the pull request:
//! `::error file=…,line=…,col=…,title=…::message`, one per finding.

use super::Report;
use crate::finding::Location;
use crate::model::Severity;

/// Escapes a workflow-command message (GitHub's `escapeData`).
#[must_use]
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value (GitHub's `escapeProperty`).
#[must_use]
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "notice",
    }
}

/// Writes the annotations and a summary line.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for r in report.results.iter().filter(|r| r.outcome == "fail") {
        let title = escape_property(&format!("{} {}: {}", r.id, r.name, r.title));
        for f in r.findings.iter().filter(|f| f.waiver.is_none()) {
            let mut props = Vec::new();
            let mut message = f.message.clone();
            match &f.location {
                Location::File { path, line, column } => {
                    props.push(format!("file={}", escape_property(path)));
                    if let Some(l) = line {
                        props.push(format!("line={l}"));
                    }
                    if let Some(c) = column {
                        props.push(format!("col={c}"));
                    }
                }
                Location::Http { method, url } => message = format!("{method} {url}: {message}"),
                Location::Repository => {}
            }
            props.push(format!("title={title}"));
            writeln!(
                out,
                "::{} {}::{}",
                command(r.severity),
                props.join(","),
                escape_data(&message)
            )?;
        }
    }
    let o = &report.score.overall;
    let score = o.score.map_or_else(
        || "n/a".to_owned(),
        |s| format!("{s}/100 ({})", o.grade.unwrap_or('?')),
    );
    let verdict = if report.gate.passed {
        "passed".to_owned()
    } else {
        format!("failed: {}", report.gate.reasons.join("; "))
    };
    writeln!(
        out,
        "readycheck: score {score}, {} failed, {} passed, {} skipped, {} inconclusive; gate {}",
        report.summary.failed,
        report.summary.passed,
        report.summary.skipped,
        report.summary.inconclusive,
        escape_data(&verdict)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("a%b\nc\r"), "a%25b%0Ac%0D");
        assert_eq!(escape_property("x:y,z%"), "x%3Ay%2Cz%25");
    }
}
