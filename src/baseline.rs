//! Baselines: today's findings recorded so that a legacy repository can gate only on new
//! ones. Fingerprints use the rule, the file, the message with digits folded and the
//! normalised source line, plus an occurrence index; never line numbers, so unrelated edits
//! that move lines keep findings matched, and identical findings in two files stay apart.

use crate::collect::Workspace;
use crate::engine::RuleResult;
use crate::finding::Location;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// Format version of baseline files.
pub const BASELINE_VERSION: u32 = 1;

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    /// Rule id.
    pub rule: String,
    /// File, when the finding is in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The message when recorded (for people reading the file).
    pub message: String,
    /// The fingerprint.
    pub fingerprint: String,
}

/// A baseline file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Baseline {
    /// Format version.
    pub version: u32,
    /// Recorded findings, sorted.
    pub findings: Vec<Entry>,
    #[serde(skip)]
    set: BTreeSet<String>,
}

impl Baseline {
    /// Builds a baseline from audit results (waived findings are not recorded).
    #[must_use]
    pub fn record(results: &[RuleResult], ws: &Workspace) -> Baseline {
        let fps = fingerprints(results, ws);
        let mut findings = Vec::new();
        for (ri, r) in results.iter().enumerate() {
            for (fi, f) in r.findings.iter().enumerate() {
                if f.waiver.is_none() {
                    findings.push(Entry {
                        rule: r.rule.id.clone(),
                        path: f.location.path().map(str::to_owned),
                        message: f.message.clone(),
                        fingerprint: fps[&(ri, fi)].clone(),
                    });
                }
            }
        }
        findings.sort();
        let set = findings.iter().map(|e| e.fingerprint.clone()).collect();
        Baseline {
            version: BASELINE_VERSION,
            findings,
            set,
        }
    }

    /// Reads a baseline file.
    pub fn load(path: &std::path::Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline `{}`: {e}", path.display()))?;
        let mut b: Baseline = serde_json::from_str(&text)
            .map_err(|e| format!("invalid baseline `{}`: {e}", path.display()))?;
        if b.version != BASELINE_VERSION {
            return Err(format!(
                "baseline `{}` has version {}, expected {BASELINE_VERSION}",
                path.display(),
                b.version
            ));
        }
        b.set = b.findings.iter().map(|e| e.fingerprint.clone()).collect();
        Ok(b)
    }

    /// Whether a fingerprint is recorded.
    #[must_use]
    pub fn contains(&self, fingerprint: &str) -> bool {
        self.set.contains(fingerprint)
    }
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| if c.is_ascii_digit() { '0' } else { c })
        .collect()
}

/// The fingerprint of every finding, keyed by (result index, finding index).
#[must_use]
pub fn fingerprints(results: &[RuleResult], ws: &Workspace) -> HashMap<(usize, usize), String> {
    let mut out = HashMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (ri, r) in results.iter().enumerate() {
        for (fi, f) in r.findings.iter().enumerate() {
            let (path, source) = match &f.location {
                Location::File { path, line, .. } => {
                    let source = line
                        .and_then(|l| {
                            ws.find(path)
                                .and_then(|i| ws.text(i).ok())
                                .and_then(|t| t.lines().nth(l as usize - 1))
                        })
                        .map(normalise)
                        .unwrap_or_default();
                    (path.clone(), source)
                }
                Location::Http { url, .. } => (url.clone(), String::new()),
                Location::Repository => (String::new(), String::new()),
            };
            let key = format!(
                "{}\u{0}{path}\u{0}{}\u{0}{source}",
                r.rule.id,
                normalise(&f.message)
            );
            let n = seen.entry(key.clone()).or_insert(0);
            *n += 1;
            out.insert(
                (ri, fi),
                crate::report::sarif::fnv1a(&format!("{key}\u{0}{n}")),
            );
        }
    }
    out
}
