//! The readiness score and the CI gate, computed once from the rule results.
//!
//! `score = round(100 × Σ weight(pass) / Σ weight(pass + fail))`; skipped and inconclusive
//! rules are left out of both sums. A rule counts once, whatever its number of findings.

use crate::engine::{Outcome, RuleResult};
use crate::model::{Category, Severity};
use serde::Serialize;
use std::collections::BTreeMap;

/// Score of a set of rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// 0–100, or `None` when nothing with weight was evaluated.
    pub score: Option<u8>,
    /// A–F, or `None` with the score.
    pub grade: Option<char>,
    /// Σ weight of passing rules.
    pub earned: u32,
    /// Σ weight of passing and failing rules.
    pub possible: u32,
    /// Rules that passed.
    pub passed: u32,
    /// Rules that failed.
    pub failed: u32,
    /// Rules skipped as not applicable.
    pub skipped: u32,
    /// Rules that could not decide.
    pub inconclusive: u32,
    /// Rules whose every finding is waived.
    pub waived: u32,
}

impl Tally {
    fn add(&mut self, r: &RuleResult) {
        let w = u32::from(r.rule.weight);
        match r.outcome {
            Outcome::Pass => {
                self.passed += 1;
                self.earned += w;
                self.possible += w;
            }
            Outcome::Fail => {
                self.failed += 1;
                self.possible += w;
            }
            Outcome::Skipped(_) => self.skipped += 1,
            Outcome::Inconclusive(_) => self.inconclusive += 1,
            Outcome::Waived(_) => self.waived += 1,
        }
    }

    fn finish(&mut self) {
        if self.possible > 0 {
            let pct = (f64::from(self.earned) * 100.0 / f64::from(self.possible)).round();
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let s = pct.clamp(0.0, 100.0) as u8;
            self.score = Some(s);
            self.grade = Some(grade(s));
        }
    }
}

/// A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, F below.
#[must_use]
pub fn grade(score: u8) -> char {
    match score {
        90.. => 'A',
        80..=89 => 'B',
        70..=79 => 'C',
        60..=69 => 'D',
        _ => 'F',
    }
}

/// Overall and per-category scores.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Score {
    /// Over every evaluated rule.
    pub overall: Tally,
    /// Per category that has at least one rule.
    pub by_category: BTreeMap<Category, Tally>,
}

/// Computes the score.
#[must_use]
pub fn score(results: &[RuleResult]) -> Score {
    let mut s = Score::default();
    for r in results {
        s.overall.add(r);
        s.by_category.entry(r.rule.category).or_default().add(r);
    }
    s.overall.finish();
    s.by_category.values_mut().for_each(Tally::finish);
    s
}

/// Gate settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GateSettings {
    /// Fail on any finding at or above this severity (`None`: never on findings).
    pub fail_on: Option<Severity>,
    /// Fail when the overall score is below this.
    pub min_score: Option<u8>,
    /// Treat inconclusive rules as failures.
    pub strict: bool,
}

/// The gate's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct GateVerdict {
    /// Whether CI should pass.
    pub passed: bool,
    /// The severity threshold used.
    pub fail_on: Option<Severity>,
    /// The minimum score used.
    pub min_score: Option<u8>,
    /// Whether inconclusive rules fail the gate.
    pub strict: bool,
    /// Why it failed, one line each.
    pub reasons: Vec<String>,
}

/// Applies the gate to results and score.
#[must_use]
pub fn gate(results: &[RuleResult], score: &Score, settings: GateSettings) -> GateVerdict {
    let mut reasons = Vec::new();
    if let Some(threshold) = settings.fail_on {
        let failing: Vec<&RuleResult> = results
            .iter()
            .filter(|r| r.outcome == Outcome::Fail && r.rule.severity >= threshold)
            .collect();
        if !failing.is_empty() {
            // Waived findings never count.
            let n: usize = failing
                .iter()
                .map(|r| r.findings.iter().filter(|f| f.waiver.is_none()).count())
                .sum();
            let ids: Vec<&str> = failing.iter().map(|r| r.rule.id.as_str()).collect();
            reasons.push(format!(
                "{n} finding{} at or above `{threshold}` ({})",
                if n == 1 { "" } else { "s" },
                ids.join(", ")
            ));
        }
    }
    if let (Some(min), Some(s)) = (settings.min_score, score.overall.score)
        && s < min
    {
        reasons.push(format!("score {s} is below the minimum {min}"));
    }
    if settings.strict {
        let ids: Vec<&str> = results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Inconclusive(_)))
            .map(|r| r.rule.id.as_str())
            .collect();
        if !ids.is_empty() {
            reasons.push(format!(
                "{} inconclusive rule{} with --strict ({})",
                ids.len(),
                if ids.len() == 1 { "" } else { "s" },
                ids.join(", ")
            ));
        }
    }
    GateVerdict {
        passed: reasons.is_empty(),
        fail_on: settings.fail_on,
        min_score: settings.min_score,
        strict: settings.strict,
        reasons,
    }
}

/// A probe target that never answered fails the gate, whatever the rules selected and
/// their severities: a CI step that probes a service that is down must not go green.
pub fn gate_on_targets(verdict: &mut GateVerdict, targets: &[crate::probe::Target]) {
    for t in targets {
        if let Some(why) = &t.no_answer {
            verdict
                .reasons
                .push(format!("the service at {} did not answer: {why}", t.base));
            verdict.passed = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::grade;

    #[test]
    fn grades() {
        assert_eq!(grade(100), 'A');
        assert_eq!(grade(90), 'A');
        assert_eq!(grade(89), 'B');
        assert_eq!(grade(60), 'D');
        assert_eq!(grade(59), 'F');
    }
}
