//! `readycheck claims`: parse a readiness document into claims, map each claim to the rules
//! whose `claims:` phrases it uses, and judge it with the audit's results and the files it
//! points at.
//!
//! Matching is data-driven: the phrases come from the rule files; text is normalised
//! (lowercase words, plural `s` dropped, compounds joined so "health check" matches
//! "healthcheck"); when a claim matches several rules, the rules whose area (the folder of
//! the rule file: docker, compose, k8s…) the claim or its headings mention win; a list item that matches no rule is matched again
//! with its innermost heading in front ("HEALTHCHECK" under "Docker").

pub mod named;
pub mod parse;
mod phrase;

use crate::engine::{Outcome, RuleResult};
use crate::rule::Rule;
use parse::{Claim, Mark, words};
use phrase::{Phrase, stem};
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

/// The deployment areas a whole document mentions: the tie-break of last resort when a
/// phrase belongs to rules of several areas ("non-root" in a document about a Dockerfile).
#[derive(Debug, Clone, Default)]
pub struct DocContext {
    areas: Vec<&'static str>,
}

impl DocContext {
    /// Reads the areas of a document's text.
    #[must_use]
    pub fn of(text: &str) -> DocContext {
        DocContext {
            areas: phrase::areas_in(&phrase::tokenize(text).words),
        }
    }
}

/// One compiled phrase of one rule.
struct RulePhrase {
    rule: usize,
    phrase: Phrase,
    /// Shared by three or more rules ("security headers"): a group name that yields to
    /// the group's members when a claim names two or more of them.
    group: bool,
}

/// Maps claim text to rules through their `claims:` phrases.
pub struct Matcher<'a> {
    rules: Vec<&'a Rule>,
    /// Each rule's area: the folder its file lives in (`rules/docker/…` → docker).
    areas: Vec<String>,
    phrases: Vec<RulePhrase>,
}

/// One place a phrase matched.
#[derive(Debug, Clone, Copy)]
struct Hit {
    phrase: usize,
    start: usize,
    end: usize,
    /// Routes and spread parts are never covered by a longer match, nor cover one.
    route: bool,
}

/// Code spans that hold an image reference (`node:20-alpine`, `gcr.io/x/y:nonroot`) say
/// which image, not what it does.
fn drop_image_refs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, seg) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let image = i % 2 == 1
            && seg.split_once(':').is_some_and(|(name, tag)| {
                !name.is_empty()
                    && !tag.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
                    && tag.chars().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | ':')
                    })
            });
        if image {
            out.push_str(&" ".repeat(seg.len()));
        } else {
            out.push_str(seg);
        }
    }
    out
}

/// Text of at most this many tokens leans on its heading ("CSP" under "Security headers").
const TERSE: usize = 2;

impl<'a> Matcher<'a> {
    /// Builds the matcher over rules.
    #[must_use]
    pub fn new(rules: impl IntoIterator<Item = &'a Rule>) -> Matcher<'a> {
        let rules: Vec<&Rule> = rules.into_iter().collect();
        let areas: Vec<String> = rules
            .iter()
            .map(|r| r.source.rsplit('/').nth(1).unwrap_or("").to_owned())
            .collect();
        let mut phrases: Vec<RulePhrase> = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            for p in &r.claims {
                if let Some(phrase) = Phrase::compile(p, &areas[i])
                    && !phrases.iter().any(|q| q.rule == i && q.phrase == phrase)
                {
                    phrases.push(RulePhrase {
                        rule: i,
                        phrase,
                        group: false,
                    });
                }
            }
        }
        let shared: Vec<bool> = phrases
            .iter()
            .map(|p| phrases.iter().filter(|q| q.phrase == p.phrase).count() >= 3)
            .collect();
        for (p, g) in phrases.iter_mut().zip(shared) {
            p.group = g;
        }
        Matcher {
            rules,
            areas,
            phrases,
        }
    }

    /// Hits of every phrase in `text`. A phrase whose area word was moved out needs that
    /// area in `claim_areas` (text and headings); when one word is all that is left
    /// ("probes" of "Kubernetes probes"), in `text_areas` (the claim's own words).
    fn hits(&self, text: &str, claim_areas: &[&str], text_areas: &[&str]) -> Vec<Hit> {
        let toks = phrase::tokenize(text);
        let mut hits = Vec::new();
        for (i, p) in self.phrases.iter().enumerate() {
            for (start, end, route) in
                phrase::spans(&p.phrase, text, &toks, claim_areas, text_areas)
            {
                hits.push(Hit {
                    phrase: i,
                    start,
                    end,
                    route,
                });
            }
        }
        hits
    }

    /// The rules a claim maps to, by id order.
    #[must_use]
    pub fn rules_for(&self, claim: &Claim, doc: &DocContext) -> Vec<&'a Rule> {
        let text = drop_image_refs(&claim.text);
        let heading_toks = phrase::tokenize(&claim.headings.join(" \n "));
        let mut around = phrase::tokenize(&text).words;
        let text_areas = phrase::areas_in(&around);
        around.extend(heading_toks.words);
        let claim_areas = phrase::areas_in(&around);
        let mut hits = self.hits(&text, &claim_areas, &text_areas);
        if hits.is_empty()
            && claim.in_list
            && phrase::tokenize(&text).words.len() <= TERSE
            && let Some(h) = claim.headings.last()
        {
            // Terse items lean on their heading: "CSP" under "Security Headers".
            hits = self.hits(&format!("{h} {text}"), &claim_areas, &claim_areas);
        }
        // A longer match covers the shorter ones inside it: "Content-Security-Policy"
        // is not a "security policy", "TLS 1.2" is not just "TLS".
        let covered = |h: &Hit| {
            !h.route
                && hits.iter().any(|g| {
                    !g.route
                        && g.start <= h.start
                        && g.end >= h.end
                        && g.end - g.start > h.end - h.start
                })
        };
        let mut alive: Vec<Hit> = hits.iter().filter(|h| !covered(h)).copied().collect();
        // A group name yields to its members: "Security headers (HSTS, X-Frame-Options)"
        // claims those two, not every header rule.
        let specific = |rule: usize, alive: &[Hit]| {
            alive
                .iter()
                .any(|h| self.phrases[h.phrase].rule == rule && !self.phrases[h.phrase].group)
        };
        let drop_groups: Vec<usize> = alive
            .iter()
            .filter(|h| self.phrases[h.phrase].group)
            .filter(|h| {
                let members: Vec<usize> = self
                    .phrases
                    .iter()
                    .filter(|q| q.phrase == self.phrases[h.phrase].phrase)
                    .map(|q| q.rule)
                    .collect();
                members.iter().filter(|r| specific(**r, &alive)).count() >= 2
            })
            .map(|h| h.phrase)
            .collect();
        alive.retain(|h| !drop_groups.contains(&h.phrase));
        // Words several areas' phrases match go to the area the claim, its section or else
        // the document names ("non-root" about a Dockerfile is not about a pod).
        let score = |rule: usize| {
            let area = self.areas[rule].as_str();
            if claim_areas.contains(&area) {
                2
            } else if doc.areas.contains(&area) {
                1
            } else {
                0
            }
        };
        // Rules of other areas lose to the best-placed one; rules of no area (code, live
        // checks) lose only to an area the claim or its section names ("readiness probe"
        // under a Kubernetes heading is the pod's probe).
        let mut keep: Vec<bool> = vec![true; alive.len()];
        for (i, h) in alive.iter().enumerate() {
            let rule = self.phrases[h.phrase].rule;
            // The rivals: rules matched on the same words of the claim.
            let best = alive
                .iter()
                .filter(|g| (g.start, g.end, g.route) == (h.start, h.end, h.route))
                .map(|g| self.phrases[g.phrase].rule)
                .filter(|r| phrase::is_area(&self.areas[*r]))
                .map(score)
                .max()
                .unwrap_or(0);
            keep[i] = if phrase::is_area(&self.areas[rule]) {
                best == 0 || score(rule) == best
            } else {
                best < 2
            };
        }
        let mut ids: Vec<usize> = alive
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(h, _)| self.phrases[h.phrase].rule)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut rules: Vec<&Rule> = ids.into_iter().map(|i| self.rules[i]).collect();
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
    // (stem, the claim's own word) pairs.
    let mut significant: Vec<(String, String)> = words(&prose)
        .split(' ')
        .filter(|w| w.len() >= 4 && !STOPWORDS.contains(w))
        .map(|w| (stem(w), w.to_owned()))
        .collect();
    // The longest words say the most ("middleware" before "security").
    significant.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
    significant.dedup_by(|a, b| a.0 == b.0);
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
    for (w, word) in &significant {
        for (i, (lw, compact)) in lines.iter().enumerate() {
            if lw.split(' ').any(|t| stem(t) == *w) || compact.contains(w.as_str()) {
                return Some((u32::try_from(i + 1).unwrap_or(u32::MAX), word.clone()));
            }
        }
    }
    None
}

/// Judges every claim against the audit results and the repository at `root`.
#[must_use]
pub fn judge(
    claims: &[Claim],
    matcher: &Matcher<'_>,
    doc: &DocContext,
    results: &[RuleResult],
    root: &Path,
    doc_name: &str,
) -> Vec<ClaimResult> {
    let by_id: BTreeMap<&str, &RuleResult> =
        results.iter().map(|r| (r.rule.id.as_str(), r)).collect();
    let tree = named::Tree::index(root);
    claims
        .iter()
        .map(|c| judge_one(c, matcher, doc, &by_id, &tree, root, doc_name))
        .collect()
}

fn judge_one(
    claim: &Claim,
    matcher: &Matcher<'_>,
    doc: &DocContext,
    by_id: &BTreeMap<&str, &RuleResult>,
    tree: &named::Tree,
    root: &Path,
    doc_name: &str,
) -> ClaimResult {
    let rules = matcher.rules_for(claim, doc);
    let mut evidence = Vec::new();
    let mapped: Vec<&RuleResult> = rules
        .iter()
        .filter_map(|r| by_id.get(r.id.as_str()).copied())
        .collect();
    let mut missing = Vec::new();
    let mut shown = Vec::new();
    let ev = |status: &str, location: String, message: String| Evidence {
        rule: None,
        status: status.to_owned(),
        location,
        message,
    };
    for (f, line) in &claim.files {
        let Some(found) = tree.find(f) else {
            missing.push(f.clone());
            let closest = tree
                .closest(f)
                .map_or_else(String::new, |q| format!("; `{q}` has that name"));
            evidence.push(ev(
                "missing",
                format!("{doc_name}:{line}"),
                format!("`{f}` does not exist{closest}"),
            ));
            continue;
        };
        let p = root.join(&found);
        shown.push(found.clone());
        if p.is_dir() {
            evidence.push(ev(
                "exists",
                format!("{}/", found.trim_end_matches('/')),
                "directory exists".to_owned(),
            ));
        } else if let Some((l, word)) = file_mentions(&p, &claim.text) {
            evidence.push(ev(
                "exists",
                format!("{found}:{l}"),
                format!("mentions `{word}`"),
            ));
        } else {
            evidence.push(ev("exists", found.clone(), "file exists".to_owned()));
        }
    }
    // A route no code literal declares may still be served (an instrumentation library's
    // `/metrics`): it contradicts only when no deciding rule passed.
    let mut missing_routes = Vec::new();
    for route in named::routes_in(&claim.text) {
        match tree.route(&route) {
            named::RouteLookup::Declared(at) => {
                shown.push(route.clone());
                evidence.push(ev("exists", at, format!("route for `{route}` declared")));
            }
            named::RouteLookup::Undeclared => {
                missing_routes.push(route.clone());
                evidence.push(ev(
                    "missing",
                    "(code)".to_owned(),
                    format!("no route for `{route}` is declared in the code"),
                ));
            }
            named::RouteLookup::Unknown => {}
        }
    }
    // Variables: those of a fenced `.env` block, and names in a claim about the
    // environment, looked up in the env examples (and the code's reads, as evidence).
    let w = words(&claim.text);
    let about_env = ["env", "environment", "variable", "variables", "documented"]
        .iter()
        .any(|k| w.split(' ').any(|t| t == *k));
    let mut vars = claim.env_vars.clone();
    if about_env {
        for v in named::env_vars_in(&claim.text) {
            if !vars.contains(&v) {
                vars.push(v);
            }
        }
    }
    let examples = tree.example_names();
    let mut undocumented = Vec::new();
    if !examples.is_empty() {
        let mut documented = Vec::new();
        let mut first = None;
        for v in &vars {
            match tree.example_declaring(v) {
                Some(file) => {
                    first.get_or_insert(file.to_owned());
                    documented.push(format!("`{v}`"));
                }
                None => {
                    undocumented.push(v.clone());
                    let read = tree
                        .code_read(v)
                        .map_or_else(String::new, |at| format!(" (read at `{at}`)"));
                    evidence.push(ev(
                        "missing",
                        examples[0].to_owned(),
                        format!("`{v}` is not in `{}`{read}", examples.join("`, `")),
                    ));
                }
            }
        }
        if let Some(file) = first {
            evidence.push(ev(
                "exists",
                file,
                format!("documents {}", documented.join(", ")),
            ));
        }
    }
    let mut mismatched = Vec::new();
    for (key, value) in named::settings_in(&claim.text) {
        if let Some((at, actual)) = tree.setting(&key) {
            if actual == value {
                shown.push(key.clone());
                evidence.push(ev("exists", at, format!("sets `{key}` to {actual}")));
            } else {
                mismatched.push(key.clone());
                evidence.push(ev(
                    "mismatch",
                    at,
                    format!("`{key}` is {actual}, the document says {value}"),
                ));
            }
        }
    }
    for r in &mapped {
        evidence.extend(rule_evidence(r));
    }
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
    } else if !missing.is_empty() {
        (
            Verdict::Contradicted,
            format!("`{}` not found in the repository", missing.join("`, `")),
        )
    } else if !missing_routes.is_empty() && passed == 0 {
        (
            Verdict::Contradicted,
            format!("no route for `{}` in the code", missing_routes.join("`, `")),
        )
    } else if !mismatched.is_empty() {
        (
            Verdict::Contradicted,
            format!("`{}` differs from the repository", mismatched.join("`, `")),
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
