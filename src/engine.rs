//! Runs the selected rules over a workspace: conditions first, then the check, in parallel;
//! derives each rule's outcome from what the check reported.

use crate::check::{Applicability, CheckCx};
use crate::collect::Workspace;
use crate::finding::Finding;
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
}

/// Evaluates one rule.
#[must_use]
pub fn evaluate(rule: &Arc<Rule>, ws: &Workspace, conditions: &Evaluator<'_>) -> RuleResult {
    let done = |outcome, findings, evidence| RuleResult {
        rule: Arc::clone(rule),
        outcome,
        findings,
        evidence,
    };
    for c in &rule.applies {
        if let Err(reason) = conditions.holds(c) {
            return done(Outcome::Skipped(reason), Vec::new(), Vec::new());
        }
    }
    let mut cx = CheckCx::new(ws);
    let applicability = rule.check.evaluate(&mut cx);
    let CheckCx {
        mut findings,
        mut evidence,
        problems,
        ..
    } = cx;
    findings.sort();
    findings.dedup();
    evidence.sort();
    evidence.dedup();
    let outcome = match applicability {
        Err(e) if findings.is_empty() => Outcome::Inconclusive(e.0),
        Ok(Applicability::NotApplicable(reason)) if findings.is_empty() => {
            if problems.is_empty() {
                Outcome::Skipped(reason)
            } else {
                Outcome::Inconclusive(problems.join("; "))
            }
        }
        _ if !findings.is_empty() => Outcome::Fail,
        _ if !problems.is_empty() => Outcome::Inconclusive(problems.join("; ")),
        _ => Outcome::Pass,
    };
    done(outcome, findings, evidence)
}

/// Evaluates the chosen rules in parallel; results come back in rule-id order.
#[must_use]
pub fn run(set: &RuleSet, chosen: &[usize], ws: &Workspace) -> Vec<RuleResult> {
    let conditions = Evaluator::new(&set.facts, ws);
    let mut results: Vec<RuleResult> = chosen
        .par_iter()
        .map(|&i| evaluate(&set.rules[i], ws, &conditions))
        .collect();
    results.sort_by(|a, b| a.rule.id.cmp(&b.rule.id));
    results
}
