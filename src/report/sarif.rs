//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one `tool.driver.rules`
//! entry per rule run, one result per finding, relative locations under `%SRCROOT%`.

use super::{Report, RuleReport};
use crate::finding::{Finding, Location};
use crate::model::{Category, Severity};
use serde_json::{Value, json};

/// SARIF level of a severity.
#[must_use]
pub fn level(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (0–10) for security rules.
fn security_severity(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "9.5",
        Severity::High => "7.5",
        Severity::Medium => "5.0",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// A stable 64-bit FNV-1a hash, for fingerprints that must not change between runs.
#[must_use]
pub fn fnv1a(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The fingerprint of a finding: rule, file and message with digits folded, so that
/// findings keep their identity when unrelated edits move lines.
#[must_use]
pub fn fingerprint(rule: &str, f: &Finding) -> String {
    let path = f.location.path().unwrap_or("");
    let message: String = f
        .message
        .chars()
        .map(|c| if c.is_ascii_digit() { '0' } else { c })
        .collect();
    fnv1a(&format!("{rule}\u{0}{path}\u{0}{message}"))
}

fn rule_descriptor(r: &RuleReport) -> Value {
    let mut tags = vec![r.category.as_str().to_owned()];
    // SARIF requires unique tags; a rule may also tag itself with its category.
    for t in &r.tags {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    let mut props = json!({ "tags": tags, "precision": "high" });
    if r.category == Category::Security {
        props["security-severity"] = json!(security_severity(r.severity));
    }
    let help_uri = r.references.first().map(|x| x.url.clone());
    let mut d = json!({
        "id": r.id,
        "name": r.name,
        "shortDescription": { "text": r.title },
        "fullDescription": { "text": r.why.trim() },
        "help": {
            "text": format!("{}\n\nHow to fix: {}", r.why.trim(), r.fix.trim()),
            "markdown": format!("**{}**\n\n## Why it matters\n\n{}\n\n## How to fix\n\n{}", r.title, r.why.trim(), r.fix.trim()),
        },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": props,
    });
    if let Some(uri) = help_uri {
        d["helpUri"] = json!(uri);
    }
    d
}

fn physical(path: &str, line: Option<u32>, column: Option<u32>) -> Value {
    // A whole-file (or repository-level) finding is shown at the first line.
    let mut region = json!({ "startLine": line.unwrap_or(1) });
    if let (Some(_), Some(c)) = (line, column) {
        region["startColumn"] = json!(c);
    }
    json!({ "artifactLocation": { "uri": path, "uriBaseId": "%SRCROOT%" }, "region": region })
}

fn result(r: &RuleReport, index: usize, f: &Finding, anchor: &str) -> Value {
    let (location, message, extra) = match &f.location {
        Location::File { path, line, column } => {
            (physical(path, *line, *column), f.message.clone(), None)
        }
        // Code scanning needs a file for every result: repository-level findings are
        // anchored at the repository's README (or its root) without a region.
        Location::Repository => (physical(anchor, None, None), f.message.clone(), None),
        Location::Http { method, url } => (
            physical(anchor, None, None),
            format!("{method} {url}: {}", f.message),
            Some(json!({ "url": url, "method": method })),
        ),
    };
    let mut v = json!({
        "ruleId": r.id,
        "ruleIndex": index,
        "level": level(r.severity),
        "message": { "text": message },
        "locations": [{ "physicalLocation": location }],
        "partialFingerprints": { "readycheck/v1": fingerprint(&r.id, f) },
    });
    if let Some(extra) = extra {
        v["properties"] = extra;
    }
    if let Some(w) = &f.waiver {
        let kind = match w.kind {
            crate::finding::WaiverKind::Inline => "inSource",
            crate::finding::WaiverKind::Config | crate::finding::WaiverKind::Baseline => "external",
        };
        v["suppressions"] =
            json!([{ "kind": kind, "status": "accepted", "justification": w.reason }]);
    }
    v
}

/// Writes the SARIF log.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let rules: Vec<Value> = report.results.iter().map(rule_descriptor).collect();
    let mut results = Vec::new();
    for (i, r) in report.results.iter().enumerate() {
        // Waived rules keep their findings, marked as suppressed.
        for f in &r.findings {
            results.push(result(r, i, f, &report.anchor));
        }
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "readycheck",
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "informationUri": "https://github.com/readycheck/readycheck",
                "rules": rules,
            }},
            "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": "The root of the audited repository" } } },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [{ "executionSuccessful": true }],
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}
