//! One report model, many renderers. The model is computed once from the audit; renderers
//! only format it.

pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod table;

use crate::collect::SkippedPath;
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
    /// The file that stands for the repository where a format needs a file for a
    /// repository-level finding (SARIF): the root README, else `.`.
    #[serde(skip)]
    pub anchor: String,
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
    /// How to fix (Markdown).
    pub fix: String,
    /// Why it matters (Markdown).
    pub why: String,
    /// Tags.
    pub tags: Vec<String>,
    /// References.
    pub references: Vec<Reference>,
}

impl Report {
    /// Builds the report.
    #[must_use]
    pub fn new(
        results: &[RuleResult],
        score: Score,
        gate: GateVerdict,
        files: usize,
        skipped_paths: Vec<SkippedPath>,
        anchor: String,
        warnings: Vec<String>,
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
                fix: r.rule.fix.clone(),
                why: r.rule.why.clone(),
                tags: r.rule.tags.clone(),
                references: r.rule.references.clone(),
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
            anchor,
        }
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
