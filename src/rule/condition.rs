//! When a rule applies: conditions in a rule's `applies:` list and the named facts
//! (`rules/facts.yaml`) they can refer to. A rule whose conditions do not hold is skipped
//! with a reason instead of failing.

use crate::check::{CompileCx, ParamError, regex_param};
use crate::collect::Workspace;
use crate::collect::select::SelectorId;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One condition as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawCondition {
    /// A named fact holds.
    Fact(String),
    /// A named fact does not hold.
    NotFact(String),
    /// At least one file matches these globs.
    Files(Vec<String>),
    /// No file matches these globs.
    NoFiles(Vec<String>),
    /// At least one file among `paths` contains a match of `pattern`.
    Contains(RawContains),
    /// Another rule (by id) passes on the same repository: a rule about a refinement of
    /// a practice judges only where the practice itself was found (a readiness endpoint
    /// only where a health endpoint is), so the two verdicts cannot contradict each other.
    /// Only in a rule's `applies`, and the rule named must not depend on another rule.
    Passes(String),
}

/// `contains:` condition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContains {
    /// Globs of the files to search.
    pub paths: Vec<String>,
    /// Globs to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Regex to find.
    pub pattern: String,
}

/// A fact as written in `facts.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFact {
    /// What the fact means, for docs.
    pub description: String,
    /// Skip reason of a rule that needs the fact when it does not hold.
    pub when_false: String,
    /// Skip reason of a rule that needs the fact not to hold when it does.
    #[serde(default)]
    pub when_true: Option<String>,
    /// The fact holds when any of these hold…
    pub any_of: Vec<RawCondition>,
    /// …and every one of these holds too (a framework declared in a manifest and also
    /// imported by code).
    #[serde(default)]
    pub all_of: Vec<RawCondition>,
    /// The roles of the files its conditions look at (default: production).
    #[serde(default)]
    pub roles: Vec<crate::collect::scope::Role>,
}

/// A compiled condition.
#[derive(Debug)]
pub enum Condition {
    /// Fact by index.
    Fact(usize),
    /// Negated fact by index.
    NotFact(usize),
    /// Some file matches.
    Files(SelectorId),
    /// No file matches.
    NoFiles(SelectorId),
    /// Some file contains a match.
    Contains(SelectorId, crate::check::LazyRegex, String),
    /// The rule of this id passes (evaluated before the rules that depend on it).
    Passes(String),
}

/// A compiled fact.
#[derive(Debug)]
pub struct Fact {
    /// Its name.
    pub name: String,
    /// What it means.
    pub description: String,
    /// Skip reason when it is false.
    pub when_false: String,
    /// Skip reason when it is true.
    pub when_true: String,
    /// Any of these.
    pub any_of: Vec<Condition>,
    /// And all of these.
    pub all_of: Vec<Condition>,
}

/// Compiles a condition; facts are resolved by name.
pub fn compile(
    raw: &RawCondition,
    facts: &BTreeMap<String, usize>,
    cx: &mut CompileCx<'_>,
) -> Result<Condition, ParamError> {
    let fact = |name: &str| {
        facts.get(name).copied().ok_or_else(|| {
            let known: Vec<&str> = facts.keys().map(String::as_str).collect();
            ParamError {
                field: None,
                message: format!("unknown fact `{name}` (known: {})", known.join(", ")),
            }
        })
    };
    Ok(match raw {
        RawCondition::Fact(n) => Condition::Fact(fact(n)?),
        RawCondition::NotFact(n) => Condition::NotFact(fact(n)?),
        RawCondition::Files(globs) => Condition::Files(cx.files("files", globs, &[], false)?),
        RawCondition::NoFiles(globs) => {
            Condition::NoFiles(cx.files("no_files", globs, &[], false)?)
        }
        RawCondition::Contains(c) => Condition::Contains(
            cx.files("contains.paths", &c.paths, &c.exclude, false)?,
            regex_param("contains.pattern", &c.pattern, false)?,
            c.pattern.clone(),
        ),
        RawCondition::Passes(id) => Condition::Passes(id.clone()),
    })
}

/// Evaluates conditions and facts against one workspace, each fact at most once.
pub struct Evaluator<'a> {
    facts: &'a [Fact],
    cache: Vec<OnceLock<bool>>,
    ws: &'a Workspace,
    /// The verdicts `passes:` conditions read: rule id → `Ok` when it passed, else why not.
    verdicts: OnceLock<BTreeMap<String, Result<(), String>>>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator over a workspace.
    #[must_use]
    pub fn new(facts: &'a [Fact], ws: &'a Workspace) -> Self {
        Evaluator {
            facts,
            cache: facts.iter().map(|_| OnceLock::new()).collect(),
            ws,
            verdicts: OnceLock::new(),
        }
    }

    /// Gives `passes:` conditions the verdicts of the rules they name; set once, after
    /// those rules ran and before the rules that depend on them.
    pub fn set_verdicts(&self, verdicts: BTreeMap<String, Result<(), String>>) {
        // A second call would only repeat the same verdicts.
        let _ = self.verdicts.set(verdicts);
    }

    /// Whether a fact holds.
    pub fn fact(&self, i: usize) -> bool {
        *self.cache[i].get_or_init(|| {
            let f = &self.facts[i];
            f.any_of.iter().any(|c| self.holds(c).is_ok())
                && f.all_of.iter().all(|c| self.holds(c).is_ok())
        })
    }

    /// `Ok` when the condition holds, otherwise the reason it does not.
    pub fn holds(&self, c: &Condition) -> Result<(), String> {
        match c {
            Condition::Fact(i) => {
                if self.fact(*i) {
                    Ok(())
                } else {
                    Err(self.facts[*i].when_false.clone())
                }
            }
            Condition::NotFact(i) => {
                if self.fact(*i) {
                    Err(self.facts[*i].when_true.clone())
                } else {
                    Ok(())
                }
            }
            Condition::Files(sel) => {
                if self.ws.selected(*sel).is_empty() {
                    Err(format!("no file matches `{}`", self.ws.describe(*sel)))
                } else {
                    Ok(())
                }
            }
            Condition::NoFiles(sel) => match self.ws.selected(*sel).first() {
                Some(&i) => Err(format!("`{}` exists", self.ws.file(i).rel)),
                None => Ok(()),
            },
            Condition::Contains(sel, re, pattern) => {
                // A fact such as "imports FastAPI" may search every source file: spread
                // the files over the pool (`any` stops at the first match).
                use rayon::prelude::*;
                let found = self
                    .ws
                    .selected(*sel)
                    .par_iter()
                    .any(|&i| self.ws.with_text(i, |t| re.is_match(t)).unwrap_or(false));
                if found {
                    Ok(())
                } else {
                    Err(format!(
                        "no file matching `{}` contains `{pattern}`",
                        self.ws.describe(*sel)
                    ))
                }
            }
            Condition::Passes(id) => match self.verdicts.get().and_then(|v| v.get(id)) {
                Some(verdict) => verdict.clone(),
                None => Err(format!(
                    "`{id}` was not evaluated before the rules that need it"
                )),
            },
        }
    }
}
