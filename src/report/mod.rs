//! One report model, many renderers. The model is computed once from the audit; renderers
//! only format it.

pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod table;

use crate::check::SetAside;
use crate::collect::scope::{Because, Role};
use crate::collect::{SkippedPath, Workspace};
use crate::engine::RuleResult;
use crate::finding::Finding;
use crate::model::{Category, Severity};
use crate::rule::Reference;
use crate::score::{GateVerdict, Score};
use serde::Serialize;

/// Version of the JSON report format.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything a renderer needs.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Format version.
    pub schema_version: u32,
    /// Tool name and version.
    pub tool: Tool,
    /// Counts.
    pub summary: Summary,
    /// Scores.
    pub score: Score,
    /// CI gate.
    pub gate: GateVerdict,
    /// One entry per rule, by id.
    pub results: Vec<RuleReport>,
    /// Paths the audit could not look into.
    pub skipped_paths: Vec<SkippedPath>,
    /// Warnings about the audit's own configuration (unused or expired waivers).
    pub warnings: Vec<String>,
    /// What the rules judged and what was set aside, by role.
    pub scope: ScopeSummary,
    /// The live targets probed: where each came from, whether it got the `--header`
    /// values, whether it answered, and the requests that needed retries or waits.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetReport>,
    /// The file that stands for the repository where a format needs a file for a
    /// repository-level finding (SARIF): the root README, else `.`.
    #[serde(skip)]
    pub anchor: String,
}

/// One probed target as reported.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    /// Base URL.
    pub url: String,
    /// `command_line`, `operator_config` or `repository_config`.
    pub source: crate::probe::TargetSource,
    /// Whether the `--header` values were sent to it.
    pub credentials: bool,
    /// Whether any request got an HTTP answer.
    pub answered: bool,
    /// Why not, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_answer: Option<String>,
    /// HTTP requests sent (retries and redirect hops included).
    pub requests_sent: u32,
    /// Requests that needed more than one attempt: flaky evidence.
    pub retried: Vec<crate::probe::Retried>,
    /// Waits the service asked for (429 `Retry-After`).
    pub throttled: Vec<crate::probe::Throttled>,
}

/// Tool identification.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    /// `readycheck`.
    pub name: String,
    /// Crate version.
    pub version: String,
}

/// Counts for the header.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Rules run.
    pub rules: usize,
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped.
    pub skipped: usize,
    /// Inconclusive.
    pub inconclusive: usize,
    /// Rules whose every finding is waived.
    pub waived: usize,
    /// Findings covered by a waiver (they do not count).
    pub waived_findings: usize,
    /// Findings in all.
    pub findings: usize,
    /// Files the walk found.
    pub files: usize,
}

/// One rule's result with the metadata a reader needs.
#[derive(Debug, Clone, Serialize)]
pub struct RuleReport {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Category.
    pub category: Category,
    /// Severity.
    pub severity: Severity,
    /// Weight.
    pub weight: u8,
    /// Check kind.
    pub check: String,
    /// `pass`, `fail`, `skipped`, `inconclusive`.
    pub outcome: String,
    /// Why skipped or inconclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Violations.
    pub findings: Vec<Finding>,
    /// Why it passed.
    pub evidence: Vec<Finding>,
    /// How many subjects (files, services, workloads) it judged.
    pub judged: usize,
    /// The files it judged, when its subjects are files (at most 50).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub judged_files: Vec<String>,
    /// Subjects it did not judge and why (at most 50; `set_aside_count` has them all).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub set_aside: Vec<SetAside>,
    /// How many subjects were set aside.
    #[serde(skip_serializing_if = "is_zero")]
    pub set_aside_count: usize,
    /// How to fix (Markdown).
    pub fix: String,
    /// Why it matters (Markdown).
    pub why: String,
    /// Tags.
    pub tags: Vec<String>,
    /// References.
    pub references: Vec<Reference>,
    /// Whether the rule probes a live target.
    #[serde(skip)]
    pub live: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Per-rule set-aside lists are capped in reports (the counts are exact).
const SET_ASIDE_SHOWN: usize = 50;

/// The scope of the audit as reported: which roles were set aside, and every read path's role.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScopeSummary {
    /// Files that some rule would have read but whose role it does not judge, by role.
    pub set_aside: Vec<SetAsideGroup>,
    /// Subjects set aside by the checks themselves (tool images, Helm templates), by reason.
    pub not_judged: Vec<NotJudged>,
    /// The role of every path that any rule reads, by path.
    pub paths: std::collections::BTreeMap<String, Role>,
}

/// Files of one role that were set aside.
#[derive(Debug, Clone, Serialize)]
pub struct SetAsideGroup {
    /// The role.
    pub role: Role,
    /// How many files.
    pub files: usize,
    /// Where they are: the convention folders (`web/e2e/`), name patterns (`*_test.go`),
    /// `.gitattributes` lines or `[scope]` globs that gave them the role, most files first.
    pub because: Vec<String>,
}

/// Subjects a check set aside for one reason.
#[derive(Debug, Clone, Serialize)]
pub struct NotJudged {
    /// Why.
    pub reason: String,
    /// Paths (at most 10).
    pub paths: Vec<String>,
    /// How many.
    pub count: usize,
}

/// Where a path's role comes from, as shown: `web/e2e/` for a folder convention.
fn origin(rel: &str, because: &Because) -> String {
    match because {
        Because::Convention { pattern } if pattern.ends_with('/') => {
            let dir = pattern.trim_end_matches('/');
            let mut prefix = String::new();
            for seg in rel.split('/') {
                prefix.push_str(seg);
                prefix.push('/');
                if seg == dir {
                    return prefix;
                }
            }
            pattern.clone()
        }
        Because::Convention { pattern } => pattern.clone(),
        Because::Gitattributes { at, attribute } => format!("{at} {attribute}"),
        Because::Config { pattern } => format!("[scope] {pattern}"),
        Because::Content { reason } => reason.clone(),
        Because::Default => String::new(),
    }
}

/// Works out the scope summary of an audit.
#[must_use]
pub fn scope_summary(ws: &Workspace, results: &[RuleResult]) -> ScopeSummary {
    use std::collections::{BTreeMap, BTreeSet};
    let mut by_role: BTreeMap<Role, (BTreeSet<&str>, BTreeMap<String, usize>)> = BTreeMap::new();
    let mut not_judged: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in results {
        for s in &r.set_aside {
            match s.role {
                // Docs and CI files are judged by the rules about them; they are set aside
                // only by the rules about code, which is no news.
                Some(Role::Docs | Role::Ci) => {}
                Some(role) => {
                    let slot = by_role.entry(role).or_default();
                    if slot.0.insert(s.path.as_str()) {
                        let (_, because) = ws.role_of(&s.path);
                        *slot.1.entry(origin(&s.path, &because)).or_default() += 1;
                    }
                }
                None => {
                    not_judged
                        .entry(s.reason.as_str())
                        .or_default()
                        .insert(s.path.as_str());
                }
            }
        }
    }
    let set_aside = by_role
        .into_iter()
        .map(|(role, (files, origins))| {
            let mut because: Vec<(String, usize)> = origins.into_iter().collect();
            because.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            SetAsideGroup {
                role,
                files: files.len(),
                because: because.into_iter().map(|(o, _)| o).collect(),
            }
        })
        .collect();
    let not_judged = not_judged
        .into_iter()
        .map(|(reason, paths)| NotJudged {
            reason: reason.to_owned(),
            count: paths.len(),
            paths: paths.into_iter().take(10).map(str::to_owned).collect(),
        })
        .collect();
    let paths = ws
        .read_paths()
        .into_iter()
        .map(|i| (ws.file(i).rel.clone(), ws.role(i)))
        .collect();
    ScopeSummary {
        set_aside,
        not_judged,
        paths,
    }
}

impl Report {
    /// Builds the report.
    #[must_use]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        results: &[RuleResult],
        score: Score,
        gate: GateVerdict,
        files: usize,
        skipped_paths: Vec<SkippedPath>,
        anchor: String,
        warnings: Vec<String>,
        scope: ScopeSummary,
    ) -> Report {
        let count = |label: &str| {
            results
                .iter()
                .filter(|r| r.outcome.label() == label)
                .count()
        };
        let summary = Summary {
            rules: results.len(),
            passed: count("pass"),
            failed: count("fail"),
            skipped: count("skipped"),
            inconclusive: count("inconclusive"),
            waived: count("waived"),
            waived_findings: results
                .iter()
                .flat_map(|r| &r.findings)
                .filter(|f| f.waiver.is_some())
                .count(),
            findings: results.iter().map(|r| r.findings.len()).sum(),
            files,
        };
        let results = results
            .iter()
            .map(|r| RuleReport {
                id: r.rule.id.clone(),
                name: r.rule.name.clone(),
                title: r.rule.title.clone(),
                category: r.rule.category,
                severity: r.rule.severity,
                weight: r.rule.weight,
                check: r.rule.kind.to_owned(),
                outcome: r.outcome.label().to_owned(),
                reason: r.outcome.reason().map(str::to_owned),
                findings: r.findings.clone(),
                evidence: r.evidence.clone(),
                judged: r.judged,
                judged_files: r.judged_files.clone(),
                set_aside: r.set_aside.iter().take(SET_ASIDE_SHOWN).cloned().collect(),
                set_aside_count: r.set_aside.len(),
                fix: r.rule.fix.clone(),
                why: r.rule.why.clone(),
                tags: r.rule.tags.clone(),
                references: r.rule.references.clone(),
                live: r.rule.check.is_live(),
            })
            .collect();
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "readycheck".to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            },
            summary,
            score,
            gate,
            results,
            skipped_paths,
            warnings,
            scope,
            anchor,
            targets: Vec::new(),
        }
    }

    /// Adds the probed targets.
    #[must_use]
    pub fn with_targets(mut self, targets: &[crate::probe::Target]) -> Report {
        self.targets = targets
            .iter()
            .map(|t| TargetReport {
                url: t.base.clone(),
                source: t.source,
                credentials: t.credentials,
                answered: t.no_answer.is_none(),
                no_answer: t.no_answer.clone(),
                requests_sent: t.requests_sent,
                retried: t.retried.clone(),
                throttled: t.throttled.clone(),
            })
            .collect();
        self
    }
}

/// Output formats of `audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable terminal report.
    Table,
    /// Versioned, deterministic JSON.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// JUnit XML (GitLab, Jenkins).
    Junit,
    /// Markdown (step summaries, PR comments).
    Markdown,
    /// GitHub Actions annotations.
    Github,
    /// A self-contained HTML page.
    Html,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        <Format as clap::ValueEnum>::from_str(s, true)
    }
}

/// Renders a report in a format.
pub fn render(
    report: &Report,
    format: Format,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Table => table::write(report, color, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Markdown => markdown::write(report, out),
        Format::Github => github::write(report, out),
        Format::Html => html::write(report, out),
    }
}
