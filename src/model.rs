//! Small closed vocabularies shared by rules, findings, scores and reports.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a violation is; drives the gate and the default weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational: never fails a gate, weight 0.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// All severities, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The default score weight of a rule of this severity (scorecard's 10/7.5/5/2.5, rounded).
    #[must_use]
    pub fn default_weight(self) -> u8 {
        match self {
            Severity::Info => 0,
            Severity::Low => 2,
            Severity::Medium => 5,
            Severity::High => 7,
            Severity::Critical => 10,
        }
    }

    /// The lowercase name used in files and on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a lowercase severity name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str() == s.to_ascii_lowercase())
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What part of readiness a rule protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Attack surface, secrets, privileges.
    Security,
    /// Staying up: health checks, limits, restarts, pinning.
    Reliability,
    /// Logs, metrics, traces, error tracking.
    Observability,
    /// Running it day to day: config, shutdown, runbooks.
    Operability,
    /// Build and release pipeline.
    Delivery,
    /// Docs a production service needs.
    Documentation,
}

impl Category {
    /// All categories in report order.
    pub const ALL: [Category; 6] = [
        Category::Security,
        Category::Reliability,
        Category::Observability,
        Category::Operability,
        Category::Delivery,
        Category::Documentation,
    ];

    /// The lowercase name used in files and on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::Reliability => "reliability",
            Category::Observability => "observability",
            Category::Operability => "operability",
            Category::Delivery => "delivery",
            Category::Documentation => "documentation",
        }
    }

    /// Parses a lowercase category name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL
            .into_iter()
            .find(|v| v.as_str() == s.to_ascii_lowercase())
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Maturity of a rule.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    /// Enabled by default.
    #[default]
    Stable,
    /// Only run when selected explicitly or with preview enabled.
    Preview,
    /// Kept for its id; replaced by `deprecated_by`.
    Deprecated,
}

impl RuleStatus {
    /// The lowercase name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Stable => "stable",
            RuleStatus::Preview => "preview",
            RuleStatus::Deprecated => "deprecated",
        }
    }
}
