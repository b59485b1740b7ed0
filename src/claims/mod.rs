//! `readycheck claims`: parse a readiness document into claims, map each claim to the rules
//! whose `claims:` phrases it uses, and judge it with the audit's results and the files it
//! points at.
//!
//! Matching is data-driven: the phrases come from the rule files; text is normalised
//! (lowercase words, plural `s` dropped, compounds joined so "health check" matches
//! "healthcheck"); when a claim matches several rules, the rules whose area (the folder of
//! the rule file: docker, compose, k8s…) the claim or its headings mention win; a list item that matches no rule is matched again
//! with its innermost heading in front ("HEALTHCHECK" under "Docker").

pub mod parse;

use crate::engine::{Outcome, RuleResult};
use crate::rule::Rule;
use parse::{Claim, Mark, words};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The verdict on one claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A rule that covers the claim passes, or the file it points at shows it.
    Verified,
    /// A rule that covers the claim fails, or a file it says it created does not exist.
    Contradicted,
    /// Nothing available can check it.
    Unverifiable,
    /// The document itself marks it as not done.
    Open,
}

impl Verdict {
    /// Lowercase name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::Contradicted => "contradicted",
            Verdict::Unverifiable => "unverifiable",
            Verdict::Open => "open",
        }
    }
}

/// One piece of evidence behind a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The rule, when the evidence comes from one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// `pass`, `fail`, `skipped`, `inconclusive`, `missing` (file) or `exists` (file).
    pub status: String,
    /// `path:line:col`, `path`, `(repository)`.
    pub location: String,
    /// One line.
    pub message: String,
}

/// One judged claim.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimResult {
    /// 1-based line in the document.
    pub line: u32,
    /// The claim text.
    pub text: String,
    /// Headings above it, joined with ` > `.
    pub section: String,
    /// What the document marks it as.
    pub mark: Mark,
    /// The verdict.
    pub verdict: Verdict,
    /// Ids of the rules the claim maps to.
    pub rules: Vec<String>,
    /// Files the claim points at.
    pub files: Vec<String>,
    /// Why (for unverifiable and open claims), or a one-line summary.
    pub reason: String,
    /// Findings, rule evidence, file checks.
    pub evidence: Vec<Evidence>,
}

/// Counts and the truthfulness score.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimsSummary {
    /// Claims in all.
    pub claims: usize,
    /// Verified.
    pub verified: usize,
    /// Contradicted.
    pub contradicted: usize,
    /// Unverifiable.
    pub unverifiable: usize,
    /// Open.
    pub open: usize,
    /// verified / (verified + contradicted), when anything was checkable.
    pub truthfulness: Option<f64>,
}

impl ClaimsSummary {
    /// Computes the counts.
    #[must_use]
    pub fn of(claims: &[ClaimResult]) -> ClaimsSummary {
        let n = |v: Verdict| claims.iter().filter(|c| c.verdict == v).count();
        let verified = n(Verdict::Verified);
        let contradicted = n(Verdict::Contradicted);
        let checkable = verified + contradicted;
        #[allow(clippy::cast_precision_loss)]
        let truthfulness = (checkable > 0)
            .then(|| ((verified as f64 / checkable as f64) * 1000.0).round() / 1000.0);
        ClaimsSummary {
            claims: claims.len(),
            verified,
            contradicted,
            unverifiable: n(Verdict::Unverifiable),
            open: n(Verdict::Open),
            truthfulness,
        }
    }

    /// The truthfulness as a whole percentage.
    #[must_use]
    pub fn percent(&self) -> Option<u32> {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        self.truthfulness.map(|t| (t * 100.0).round() as u32)
    }
}

/// General vocabulary equivalences applied to claim text and phrases alike (not rule
/// knowledge: which rule a phrase belongs to lives in the rule files).
const SYNONYMS: &[(&str, &str)] = &[
    ("k8s", "kubernetes"),
    ("kube", "kubernetes"),
    ("dockerfile", "docker dockerfile"),
    ("dockerfiles", "docker dockerfile"),
    ("docker compose", "compose docker compose"),
    ("gh actions", "github actions"),
    ("cicd", "ci cd"),
    ("licence", "license"),
];

/// Small words that never carry a claim's meaning when looking into a file.
const STOPWORDS: &[&str] = &[
    "with",
    "from",
    "that",
    "this",
    "have",
    "been",
    "into",
    "onto",
    "for",
    "and",
    "the",
    "all",
    "are",
    "was",
    "were",
    "added",
    "created",
    "implemented",
    "configured",
    "enabled",
    "setup",
    "file",
    "files",
    "using",
    "used",
    "uses",
    "production",
    "ready",
    "complete",
    "completed",
    "done",
    "full",
    "fully",
    "proper",
    "properly",
    "support",
    "supports",
    "status",
    "location",
    "feature",
    "features",
    "implementation",
    "system",
    "service",
    "services",
    "application",
];

/// Normalised tokens: lowercase words, synonyms applied, trailing plural `s` dropped.
fn tokens(s: &str) -> Vec<String> {
    let mut w = format!(" {} ", words(s));
    for (from, to) in SYNONYMS {
        let from = format!(" {} ", words(from));
        if w.contains(&from) {
            w = w.replace(&from, &format!(" {to} "));
        }
    }
    w.split_whitespace()
        .filter(|t| !FILLER.contains(t))
        .map(stem)
        .collect()
}

/// Words dropped before matching so "no private keys in the repository" matches the
/// phrase "no private keys in repository".
const FILLER: &[&str] = &[
    "the", "a", "an", "our", "all", "every", "each", "its", "their", "is", "are", "be", "been",
];

fn stem(w: &str) -> String {
    if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
        w[..w.len() - 1].to_owned()
    } else {
        w.to_owned()
    }
}

/// Whether the phrase (tokens) occurs in `hay` as a run of whole tokens, compounds joined:
/// the concatenation of the phrase equals the concatenation of a window of `hay`.
fn phrase_in(hay: &[String], phrase: &[String]) -> bool {
    let target: String = phrase.concat();
    if target.is_empty() {
        return false;
    }
    for i in 0..hay.len() {
        let mut acc = String::new();
        for t in &hay[i..] {
            acc.push_str(t);
            if acc.len() > target.len() || !target.starts_with(&acc) {
                break;
            }
            if acc == target {
                return true;
            }
        }
    }
    false
}

/// A rule's matching data.
struct RuleKey<'a> {
    rule: &'a Rule,
    phrases: Vec<Vec<String>>,
    context: Vec<String>,
}

/// Maps claim text to rules through their `claims:` phrases.
pub struct Matcher<'a> {
    keys: Vec<RuleKey<'a>>,
}

impl<'a> Matcher<'a> {
    /// Builds the matcher over rules.
    #[must_use]
    pub fn new(rules: impl IntoIterator<Item = &'a Rule>) -> Matcher<'a> {
        let keys = rules
            .into_iter()
            .map(|rule| RuleKey {
                rule,
                phrases: rule
                    .claims
                    .iter()
                    .map(|p| tokens(p))
                    .filter(|t| !t.is_empty())
                    .collect(),
                // The rule's area: the folder its file lives in (`rules/docker/…` → docker).
                context: rule
                    .source
                    .rsplit('/')
                    .nth(1)
                    .map(tokens)
                    .unwrap_or_default(),
            })
            .collect();
        Matcher { keys }
    }

    fn direct(&self, text: &str) -> Vec<usize> {
        let t = tokens(text);
        self.keys
            .iter()
            .enumerate()
            .filter(|(_, k)| k.phrases.iter().any(|p| phrase_in(&t, p)))
            .map(|(i, _)| i)
            .collect()
    }

    /// The rules a claim maps to, by id order.
    #[must_use]
    pub fn rules_for(&self, claim: &Claim) -> Vec<&'a Rule> {
        let mut hits = self.direct(&claim.text);
        if hits.is_empty()
            && claim.in_list
            && let Some(h) = claim.headings.last()
        {
            // Terse items lean on their heading: "CSP" under "Security Headers",
            // "HEALTHCHECK" under "Docker".
            hits = self.direct(&format!("{h} {}", claim.text));
        }
        if hits.len() > 1 {
            let context = tokens(&format!("{} {}", claim.headings.join(" "), claim.text));
            let score = |i: &usize| {
                self.keys[*i]
                    .context
                    .iter()
                    .filter(|c| context.contains(c))
                    .count()
            };
            let best = hits.iter().map(score).max().unwrap_or(0);
            hits.retain(|i| score(i) == best);
        }
        let mut rules: Vec<&Rule> = hits.into_iter().map(|i| self.keys[i].rule).collect();
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        rules
    }
}

/// Findings or evidence shown per rule.
const MAX_SHOWN: usize = 3;
/// Largest file read to look for what a claim says.
const MAX_READ: u64 = 1 << 20;

fn rule_evidence(r: &RuleResult) -> Vec<Evidence> {
    let ev = |status: &str, location: String, message: String| Evidence {
        rule: Some(r.rule.id.clone()),
        status: status.to_owned(),
        location,
        message,
    };
    match &r.outcome {
        // A waiver accepts a problem; it does not make a claim about it true.
        Outcome::Fail | Outcome::Waived(_) => r
            .findings
            .iter()
            .take(MAX_SHOWN)
            .map(|f| ev("fail", f.location.display(), f.message.clone()))
            .collect(),
        Outcome::Pass => {
            let mut v: Vec<Evidence> = r
                .evidence
                .iter()
                .take(MAX_SHOWN)
                .map(|f| ev("pass", f.location.display(), f.message.clone()))
                .collect();
            if v.is_empty() {
                v.push(ev(
                    "pass",
                    "(repository)".to_owned(),
                    format!("`{}` found nothing wrong", r.rule.name),
                ));
            }
            v
        }
        Outcome::Skipped(reason) => vec![ev("skipped", "(repository)".to_owned(), reason.clone())],
        Outcome::Inconclusive(reason) => {
            vec![ev(
                "inconclusive",
                "(repository)".to_owned(),
                reason.clone(),
            )]
        }
    }
}

/// What a referenced file shows: the first line mentioning a significant word of the claim.
fn file_mentions(path: &Path, claim_text: &str) -> Option<(u32, String)> {
    use std::io::Read;
    // Words of the claim without its paths (the file's own name says nothing).
    let prose: String = claim_text
        .split('`')
        .enumerate()
        .filter(|(i, seg)| i % 2 == 0 || !parse::looks_like_path(seg))
        .map(|(_, seg)| seg)
        .collect::<Vec<_>>()
        .join(" ");
    let mut significant: Vec<String> = words(&prose)
        .split(' ')
        .filter(|w| w.len() >= 4 && !STOPWORDS.contains(w))
        .map(stem)
        .collect();
    // The longest words say the most ("middleware" before "security").
    significant.sort_by_key(|w| std::cmp::Reverse(w.len()));
    significant.dedup();
    if significant.is_empty() {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    let mut buf = Vec::new();
    file.take(MAX_READ).read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    let lines: Vec<(String, String)> = text
        .lines()
        .map(|line| {
            let lw = words(line);
            let compact: String = lw.split(' ').collect();
            (lw, compact)
        })
        .collect();
    for w in &significant {
        for (i, (lw, compact)) in lines.iter().enumerate() {
            if lw.split(' ').any(|t| stem(t) == *w) || compact.contains(w.as_str()) {
                return Some((u32::try_from(i + 1).unwrap_or(u32::MAX), w.clone()));
            }
        }
    }
    None
}

/// For a claim made of a fenced `.env` block: looks each variable up in the files the
/// mapped rules found (e.g. the env example `CONF001` reported as evidence). Returns the
/// variables none of them mentions; adds the evidence.
fn check_env_vars(
    claim: &Claim,
    mapped: &[&RuleResult],
    root: &Path,
    evidence: &mut Vec<Evidence>,
) -> Vec<String> {
    use std::io::Read;
    if claim.env_vars.is_empty() {
        return Vec::new();
    }
    let mut files: Vec<&str> = mapped
        .iter()
        .filter(|r| r.outcome == Outcome::Pass)
        .flat_map(|r| r.evidence.iter().filter_map(|e| e.location.path()))
        .collect();
    files.sort_unstable();
    files.dedup();
    if files.is_empty() {
        return Vec::new();
    }
    let mut texts = Vec::new();
    for f in &files {
        let mut buf = Vec::new();
        if let Ok(file) = std::fs::File::open(root.join(f))
            && file.take(MAX_READ).read_to_end(&mut buf).is_ok()
        {
            texts.push(String::from_utf8_lossy(&buf).into_owned());
        }
    }
    let defines = |text: &str, var: &str| {
        text.lines().any(|l| {
            let l = l.trim_start().trim_start_matches('#').trim_start();
            let l = l.strip_prefix("export ").unwrap_or(l);
            l.strip_prefix(var)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
    };
    let (found, missing): (Vec<&String>, Vec<&String>) = claim
        .env_vars
        .iter()
        .partition(|v| texts.iter().any(|t| defines(t, v)));
    let shown = files.join("`, `");
    if !found.is_empty() {
        let names: Vec<String> = found.iter().map(|v| format!("`{v}`")).collect();
        evidence.push(Evidence {
            rule: None,
            status: "exists".to_owned(),
            location: files[0].to_owned(),
            message: format!("documents {}", names.join(", ")),
        });
    }
    for v in &missing {
        evidence.push(Evidence {
            rule: None,
            status: "missing".to_owned(),
            location: files[0].to_owned(),
            message: format!("`{v}` is not in `{shown}`"),
        });
    }
    missing.into_iter().cloned().collect()
}

/// Judges every claim against the audit results and the repository at `root`.
#[must_use]
pub fn judge(
    claims: &[Claim],
    matcher: &Matcher<'_>,
    results: &[RuleResult],
    root: &Path,
    doc_name: &str,
) -> Vec<ClaimResult> {
    let by_id: BTreeMap<&str, &RuleResult> =
        results.iter().map(|r| (r.rule.id.as_str(), r)).collect();
    claims
        .iter()
        .map(|c| judge_one(c, matcher, &by_id, root, doc_name))
        .collect()
}

fn judge_one(
    claim: &Claim,
    matcher: &Matcher<'_>,
    by_id: &BTreeMap<&str, &RuleResult>,
    root: &Path,
    doc_name: &str,
) -> ClaimResult {
    let rules = matcher.rules_for(claim);
    let mut evidence = Vec::new();
    let mapped: Vec<&RuleResult> = rules
        .iter()
        .filter_map(|r| by_id.get(r.id.as_str()).copied())
        .collect();
    let mut missing = Vec::new();
    let mut shown = Vec::new();
    let mut silent = Vec::new();
    for (f, line) in &claim.files {
        let p = root.join(f);
        if !p.exists() {
            missing.push(f.clone());
            evidence.push(Evidence {
                rule: None,
                status: "missing".to_owned(),
                location: format!("{doc_name}:{line}"),
                message: format!("`{f}` does not exist"),
            });
        } else if p.is_dir() {
            shown.push(f.clone());
            evidence.push(Evidence {
                rule: None,
                status: "exists".to_owned(),
                location: format!("{}/", f.trim_end_matches('/')),
                message: "directory exists".to_owned(),
            });
        } else if let Some((l, word)) = file_mentions(&p, &claim.text) {
            shown.push(f.clone());
            evidence.push(Evidence {
                rule: None,
                status: "exists".to_owned(),
                location: format!("{f}:{l}"),
                message: format!("mentions `{word}`"),
            });
        } else {
            silent.push(f.clone());
            evidence.push(Evidence {
                rule: None,
                status: "exists".to_owned(),
                location: f.clone(),
                message: "exists but does not mention what the claim says".to_owned(),
            });
        }
    }
    for r in &mapped {
        evidence.extend(rule_evidence(r));
    }
    let undocumented = check_env_vars(claim, &mapped, root, &mut evidence);
    let failed: Vec<&str> = mapped
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail | Outcome::Waived(_)))
        .map(|r| r.rule.id.as_str())
        .collect();
    let passed = mapped.iter().filter(|r| r.outcome == Outcome::Pass).count();
    let (verdict, reason) = if claim.mark == Mark::Open {
        (
            Verdict::Open,
            "the document marks it as not done".to_owned(),
        )
    } else if !failed.is_empty() {
        (
            Verdict::Contradicted,
            format!("{} failed", failed.join(", ")),
        )
    } else if !undocumented.is_empty() {
        (
            Verdict::Contradicted,
            format!("`{}` not documented", undocumented.join("`, `")),
        )
    } else if claim.asserts_creation && !missing.is_empty() {
        (
            Verdict::Contradicted,
            format!("claimed file `{}` does not exist", missing.join("`, `")),
        )
    } else if passed == 0 && !shown.is_empty() {
        let mut why = format!("`{}` shows it", shown.join("`, `"));
        if !mapped.is_empty() {
            let ids: Vec<&str> = mapped.iter().map(|r| r.rule.id.as_str()).collect();
            why.push_str(&format!(" ({} did not run to a result)", ids.join(", ")));
        }
        (Verdict::Verified, why)
    } else if passed > 0 {
        let ids: Vec<&str> = mapped
            .iter()
            .filter(|r| r.outcome == Outcome::Pass)
            .map(|r| r.rule.id.as_str())
            .collect();
        (Verdict::Verified, format!("{} passed", ids.join(", ")))
    } else if !mapped.is_empty() {
        let why: Vec<String> = mapped
            .iter()
            .map(|r| {
                format!(
                    "{} {}: {}",
                    r.rule.id,
                    r.outcome.label(),
                    r.outcome.reason().unwrap_or("")
                )
            })
            .collect();
        (Verdict::Unverifiable, why.join("; "))
    } else if !rules.is_empty() {
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        (
            Verdict::Unverifiable,
            format!("{} not run in this audit", ids.join(", ")),
        )
    } else if !silent.is_empty() {
        (
            Verdict::Unverifiable,
            format!(
                "`{}` exists but does not mention it; no rule covers the claim",
                silent.join("`, `")
            ),
        )
    } else {
        (
            Verdict::Unverifiable,
            "no rule covers this claim".to_owned(),
        )
    };
    ClaimResult {
        line: claim.line,
        text: claim.text.clone(),
        section: claim.headings.join(" > "),
        mark: claim.mark,
        verdict,
        rules: rules.iter().map(|r| r.id.clone()).collect(),
        files: claim.files.iter().map(|(f, _)| f.clone()).collect(),
        reason,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        tokens(s)
    }

    #[test]
    fn phrases_match_compounds_plurals_and_synonyms() {
        assert!(phrase_in(
            &toks("Health checks configured"),
            &toks("healthcheck")
        ));
        assert!(phrase_in(&toks("HEALTHCHECK added"), &toks("health check")));
        assert!(phrase_in(&toks("Runs as non-root"), &toks("nonroot")));
        assert!(phrase_in(
            &toks("K8s readiness probes"),
            &toks("kubernetes")
        ));
        assert!(phrase_in(
            &toks("`.env.example` created"),
            &toks(".env.example")
        ));
        assert!(!phrase_in(
            &toks("environment example"),
            &toks(".env.example")
        ));
        assert!(!phrase_in(
            &toks("Train the operations team"),
            &toks("operations guide")
        ));
        assert!(!phrase_in(&toks("readme"), &toks("")));
    }
}
