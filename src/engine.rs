//! Runs the selected rules over a workspace: conditions first, then the check, in parallel;
//! derives each rule's outcome from what the check reported.

use crate::check::{Applicability, CheckCx, CheckError, SetAside};
use crate::collect::Workspace;
use crate::finding::{Finding, Location};
use crate::rule::condition::Evaluator;
use crate::rule::{Rule, RuleSet};
use rayon::prelude::*;
use serde::Serialize;
use std::sync::Arc;

/// How a rule ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "snake_case")]
pub enum Outcome {
    /// Applied and found nothing wrong.
    Pass,
    /// Found at least one violation.
    Fail,
    /// Did not apply.
    Skipped(String),
    /// Could not decide.
    Inconclusive(String),
    /// Failed, but every finding is waived (inline, config or baseline).
    Waived(String),
}

impl Outcome {
    /// `pass`, `fail`, `skipped`, `inconclusive`.
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Skipped(_) => "skipped",
            Outcome::Inconclusive(_) => "inconclusive",
            Outcome::Waived(_) => "waived",
        }
    }

    /// The reason of a skipped or inconclusive outcome.
    #[must_use]
    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Skipped(r) | Outcome::Inconclusive(r) | Outcome::Waived(r) => Some(r),
            _ => None,
        }
    }
}

/// The result of one rule.
#[derive(Debug, Clone)]
pub struct RuleResult {
    /// The rule.
    pub rule: Arc<Rule>,
    /// Outcome.
    pub outcome: Outcome,
    /// Violations, sorted.
    pub findings: Vec<Finding>,
    /// Why it passed (files found, compliant subjects), sorted.
    pub evidence: Vec<Finding>,
    /// How many subjects the check judged.
    pub judged: usize,
    /// Files it judged (at most 50 of them, by path), sorted.
    pub judged_files: Vec<String>,
    /// Subjects it did not judge and why, sorted by path.
    pub set_aside: Vec<SetAside>,
}

/// What a static check reported, before it becomes an outcome.
pub(crate) struct Reported {
    pub(crate) applicability: Result<Applicability, CheckError>,
    pub(crate) findings: Vec<Finding>,
    pub(crate) evidence: Vec<Finding>,
    pub(crate) problems: Vec<String>,
    pub(crate) judged: usize,
    pub(crate) set_aside: Vec<SetAside>,
}

/// Summarises what was set aside for a skip reason: `2 test files (`tests/compose.yml`,
/// `e2e/compose.yml`), 1 dev file (`.devcontainer/compose.yml`)`.
#[must_use]
pub fn set_aside_summary(set_aside: &[SetAside]) -> String {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for s in set_aside {
        let label = s
            .role
            .map_or_else(|| s.reason.clone(), |r| format!("{r} file"));
        match groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, paths)) => paths.push(&s.path),
            None => groups.push((label, vec![&s.path])),
        }
    }
    groups
        .iter()
        .map(|(label, paths)| {
            let shown: Vec<String> = paths.iter().take(3).map(|p| format!("`{p}`")).collect();
            let more = if paths.len() > 3 {
                format!(", … {} more", paths.len() - 3)
            } else {
                String::new()
            };
            let label = if paths.len() > 1 && label.ends_with(" file") {
                format!("{} {label}s", paths.len())
            } else if paths.len() > 1 {
                format!("{} × {label}", paths.len())
            } else {
                label.clone()
            };
            format!("{label} ({}{more})", shown.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The outcome of what a check reported. A rule passes only when it judged at least one
/// subject (or recorded evidence) and found nothing wrong; when every subject was set
/// aside it is skipped with that reason, so it never lifts the score.
pub(crate) fn outcome(r: &Reported) -> Outcome {
    let aside = || set_aside_summary(&r.set_aside);
    match &r.applicability {
        Err(e) if r.findings.is_empty() => Outcome::Inconclusive(e.0.clone()),
        Ok(Applicability::NotApplicable(reason)) if r.findings.is_empty() => {
            if !r.problems.is_empty() {
                Outcome::Inconclusive(r.problems.join("; "))
            } else if r.set_aside.is_empty() {
                Outcome::Skipped(reason.clone())
            } else {
                Outcome::Skipped(format!("{reason}; set aside: {}", aside()))
            }
        }
        _ if !r.findings.is_empty() => Outcome::Fail,
        _ if !r.problems.is_empty() => Outcome::Inconclusive(r.problems.join("; ")),
        _ if r.judged > 0 || !r.evidence.is_empty() => Outcome::Pass,
        _ if !r.set_aside.is_empty() => {
            Outcome::Skipped(format!("nothing left to judge; set aside: {}", aside()))
        }
        _ => Outcome::Skipped("nothing to judge".to_owned()),
    }
}

/// Evaluates one rule.
#[must_use]
pub fn evaluate(rule: &Arc<Rule>, ws: &Workspace, conditions: &Evaluator<'_>) -> RuleResult {
    let done = |outcome, findings, evidence| RuleResult {
        rule: Arc::clone(rule),
        outcome,
        findings,
        evidence,
        judged: 0,
        judged_files: Vec::new(),
        set_aside: Vec::new(),
    };
    for c in &rule.applies {
        if let Err(reason) = conditions.holds(c) {
            return done(Outcome::Skipped(reason), Vec::new(), Vec::new());
        }
    }
    let mut cx = CheckCx::new(ws);
    let applicability = rule.check.evaluate(&mut cx);
    let judged = cx.judged_count();
    let judged_files: Vec<String> = cx
        .judged_files()
        .into_iter()
        .take(50)
        .map(|i| ws.file(i).rel.clone())
        .collect();
    let CheckCx {
        mut findings,
        mut evidence,
        problems,
        mut set_aside,
        ..
    } = cx;
    findings.sort();
    findings.dedup();
    evidence.sort();
    evidence.dedup();
    set_aside.sort();
    let reported = Reported {
        applicability,
        findings,
        evidence,
        problems,
        judged,
        set_aside,
    };
    RuleResult {
        rule: Arc::clone(rule),
        outcome: outcome(&reported),
        findings: reported.findings,
        evidence: reported.evidence,
        judged,
        judged_files,
        set_aside: reported.set_aside,
    }
}

/// Evaluates the chosen rules in parallel; results come back in rule-id order. Live rules
/// run once per target (none: skipped, saying how to give one).
#[must_use]
pub fn run(set: &RuleSet, chosen: &[usize], ws: &Workspace) -> Vec<RuleResult> {
    run_with_targets(set, chosen, ws, &[])
}

/// The requests every chosen live rule needs, deduplicated.
#[must_use]
pub fn live_requests(
    set: &RuleSet,
    chosen: &[usize],
    ws: &Workspace,
) -> Vec<crate::probe::RequestSpec> {
    let mut all: Vec<_> = chosen
        .iter()
        .filter(|&&i| set.rules[i].check.is_live())
        .flat_map(|&i| set.rules[i].check.requests(ws))
        .collect();
    all.sort();
    all.dedup();
    all
}

/// Like [`run`], with live targets already probed.
#[must_use]
pub fn run_with_targets(
    set: &RuleSet,
    chosen: &[usize],
    ws: &Workspace,
    targets: &[crate::probe::Target],
) -> Vec<RuleResult> {
    let conditions = Evaluator::new(&set.facts, ws);
    // `READYCHECK_TIMING=1` prints each rule's evaluation time to stderr (slowest first).
    let timing = crate::timing::enabled();
    let run = |indices: &[usize]| -> Vec<(RuleResult, std::time::Duration)> {
        indices
            .par_iter()
            .map(|&i| {
                let rule = &set.rules[i];
                let started = std::time::Instant::now();
                let result = if rule.check.is_live() {
                    evaluate_live(rule, ws, targets)
                } else {
                    evaluate(rule, ws, &conditions)
                };
                (result, started.elapsed())
            })
            .collect()
    };
    // Rules that read another rule's verdict (`passes:`) run after it; a rule they name
    // that was not chosen runs too, unreported.
    let (later, mut first): (Vec<usize>, Vec<usize>) = chosen
        .iter()
        .partition(|&&i| set.rules[i].depends_on().next().is_some());
    let needed: std::collections::BTreeSet<&str> = later
        .iter()
        .flat_map(|&i| set.rules[i].depends_on())
        .collect();
    let hidden: Vec<usize> = (0..set.rules.len())
        .filter(|i| needed.contains(set.rules[*i].id.as_str()) && !chosen.contains(i))
        .collect();
    first.extend(&hidden);
    let mut timed = run(&first);
    if !later.is_empty() {
        conditions.set_verdicts(
            timed
                .iter()
                .filter(|(r, _)| needed.contains(r.rule.id.as_str()))
                .map(|(r, _)| (r.rule.id.clone(), verdict(r)))
                .collect(),
        );
        // A dependent rule's repository-wide gap is reported where the rule it depends on
        // found its subject (CODE002's missing readiness endpoint at the health route).
        let anchors: std::collections::BTreeMap<String, Location> = timed
            .iter()
            .filter(|(r, _)| needed.contains(r.rule.id.as_str()))
            .filter_map(|(r, _)| {
                let at = r
                    .evidence
                    .iter()
                    .find(|e| matches!(e.location, Location::File { .. }))?;
                Some((r.rule.id.clone(), at.location.clone()))
            })
            .collect();
        let mut dependents = run(&later);
        for (r, _) in &mut dependents {
            let Some(at) = r.rule.depends_on().find_map(|id| anchors.get(id)) else {
                continue;
            };
            for f in &mut r.findings {
                if f.location == Location::Repository {
                    f.location = at.clone();
                }
            }
            r.findings.sort();
        }
        timed.extend(dependents);
        timed.retain(|(r, _)| !hidden.iter().any(|&h| Arc::ptr_eq(&set.rules[h], &r.rule)));
    }
    if timing {
        timed.sort_by_key(|t| std::cmp::Reverse(t.1));
        for (r, d) in &timed {
            eprintln!("{:>9.1} ms  {}", d.as_secs_f64() * 1000.0, r.rule.id);
        }
    }
    let mut results: Vec<RuleResult> = timed.into_iter().map(|(r, _)| r).collect();
    results.sort_by(|a, b| a.rule.id.cmp(&b.rule.id));
    results
}

/// A rule's verdict as a `passes:` condition reads it: `Ok` when it passed, otherwise the
/// skip reason of the rules that depend on it.
fn verdict(r: &RuleResult) -> Result<(), String> {
    let id = &r.rule.id;
    match &r.outcome {
        Outcome::Pass => Ok(()),
        Outcome::Fail | Outcome::Waived(_) => Err(format!("`{id}` fails: {}", r.rule.title)),
        // The reason it does not apply holds for the dependent rule too ("no recognised
        // web framework").
        Outcome::Skipped(why) => Err(why.clone()),
        Outcome::Inconclusive(why) => Err(format!("`{id}` could not decide: {why}")),
    }
}

/// Evaluates a live rule on every target and merges the outcomes: any finding fails it,
/// otherwise an undecided target makes it inconclusive.
fn evaluate_live(rule: &Arc<Rule>, ws: &Workspace, targets: &[crate::probe::Target]) -> RuleResult {
    let done = |outcome, findings, evidence| RuleResult {
        rule: Arc::clone(rule),
        outcome,
        findings,
        evidence,
        judged: 0,
        judged_files: Vec::new(),
        set_aside: Vec::new(),
    };
    if targets.is_empty() {
        return done(
            Outcome::Skipped("no live target: pass --url URL".to_owned()),
            Vec::new(),
            Vec::new(),
        );
    }
    let (mut findings, mut evidence, mut undecided, mut skipped, mut applicable) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), 0);
    for target in targets {
        if !rule.profiles.is_empty() && !rule.profiles.contains(&target.profile) {
            skipped.push(format!(
                "does not apply to the `{}` profile",
                target.profile.as_str()
            ));
            continue;
        }
        let mut cx = CheckCx::for_target(ws, target);
        let applicability = rule.check.evaluate(&mut cx);
        let CheckCx {
            findings: f,
            evidence: e,
            problems,
            ..
        } = cx;
        let had_findings = !f.is_empty();
        findings.extend(f);
        evidence.extend(e);
        // A target that never answered makes every rule that could not decide say so in
        // the same words, so that the report shows them as one group, not one line each.
        let why = |detail: String| match &target.no_answer {
            Some(no) => format!("the target did not answer: {} ({no})", target.base),
            None => detail,
        };
        match applicability {
            Err(err) if !had_findings => undecided.push(why(format!("{}: {}", target.base, err.0))),
            Ok(Applicability::NotApplicable(reason)) if !had_findings && problems.is_empty() => {
                // "No health endpoint answered" from a service that answered nothing is
                // not a skip: the rule could not run.
                let silenced = target.no_answer.as_ref().is_some_and(|no| {
                    rule.check
                        .requests(ws)
                        .iter()
                        .any(|spec| matches!(target.response(spec), Some(Err(e)) if &e.0 == no))
                });
                if silenced {
                    undecided.push(why(reason));
                } else {
                    skipped.push(reason);
                }
            }
            _ if !had_findings && !problems.is_empty() => undecided.push(why(problems.join("; "))),
            _ => applicable += 1,
        }
    }
    findings.sort();
    findings.dedup();
    evidence.sort();
    evidence.dedup();
    let outcome = if !findings.is_empty() {
        Outcome::Fail
    } else if !undecided.is_empty() {
        Outcome::Inconclusive(undecided.join("; "))
    } else if applicable == 0 {
        skipped.dedup();
        Outcome::Skipped(skipped.join("; "))
    } else {
        Outcome::Pass
    };
    RuleResult {
        judged: applicable,
        ..done(outcome, findings, evidence)
    }
}
