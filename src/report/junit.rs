//! JUnit XML for GitLab, Jenkins and other test-report viewers: one test suite per
//! category, one test case per rule; failures list the findings, skipped rules say why,
//! inconclusive rules are errors.

use super::{Report, RuleReport};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Escapes text for XML attributes and content (and drops characters XML 1.0 forbids).
#[must_use]
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

fn case(r: &RuleReport) -> String {
    let mut s = String::new();
    let name = xml_escape(&format!("{} {}", r.id, r.name));
    let _ = write!(
        s,
        "    <testcase classname=\"{}\" name=\"{name}\"",
        r.category.as_str()
    );
    match r.outcome.as_str() {
        "fail" => {
            let n = r.findings.len();
            let body: Vec<String> = r
                .findings
                .iter()
                .filter(|f| f.waiver.is_none())
                .map(|f| format!("{}  {}", f.location.display(), f.message))
                .collect();
            let _ = write!(
                s,
                ">\n      <failure type=\"{}\" message=\"{}\">{}\n\nHow to fix: {}</failure>\n    </testcase>\n",
                r.severity.as_str(),
                xml_escape(&format!(
                    "{n} finding{}: {}",
                    if n == 1 { "" } else { "s" },
                    r.title
                )),
                xml_escape(&body.join("\n")),
                xml_escape(r.fix.trim())
            );
        }
        "skipped" | "waived" => {
            let _ = write!(
                s,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                xml_escape(r.reason.as_deref().unwrap_or(""))
            );
        }
        "inconclusive" => {
            let _ = write!(
                s,
                ">\n      <error type=\"inconclusive\" message=\"{}\"/>\n    </testcase>\n",
                xml_escape(r.reason.as_deref().unwrap_or(""))
            );
        }
        _ => s.push_str("/>\n"),
    }
    s
}

/// Writes the JUnit XML report.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut suites: BTreeMap<_, Vec<&RuleReport>> = BTreeMap::new();
    for r in &report.results {
        suites.entry(r.category).or_default().push(r);
    }
    let count = |rs: &[&RuleReport], o: &str| rs.iter().filter(|r| r.outcome == o).count();
    let all: Vec<&RuleReport> = report.results.iter().collect();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<testsuites name=\"readycheck\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        all.len(),
        count(&all, "fail"),
        count(&all, "inconclusive"),
        count(&all, "skipped") + count(&all, "waived")
    );
    for (cat, rules) in &suites {
        let _ = writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            cat.as_str(),
            rules.len(),
            count(rules, "fail"),
            count(rules, "inconclusive"),
            count(rules, "skipped") + count(rules, "waived")
        );
        for r in rules {
            s.push_str(&case(r));
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    out.write_all(s.as_bytes())
}
