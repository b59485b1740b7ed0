//! Command-line arguments (clap derive).

use crate::report::Format;
use crate::settings::FailOn;
use crate::style::ColorChoice;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  readycheck audit .                          audit the current repository
  readycheck audit --fail-on critical svc/    gate only on critical findings
  readycheck audit --min-score 80 --format json -o readiness.json
  readycheck audit --select DOCK,category:security --ignore DOCK007
  readycheck rules --category reliability
  readycheck explain DOCK001                  why a rule matters and how to fix it
  readycheck claims READINESS.md .            check a readiness document's ticks

Exit codes: 0 gate passed, 1 gate failed, 2 usage, config or rule error.";

/// readycheck: a production-readiness auditor.
///
/// Checks a repository (Dockerfiles, compose, Kubernetes, CI, docs, code signals) against
/// declarative rules, scores it and gates CI by exit code.
#[derive(Debug, Parser)]
#[command(name = "readycheck", version, about, long_about, after_help = EXAMPLES)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
    /// When to use colours (NO_COLOR and CLICOLOR_FORCE are honoured with `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a repository and gate on the result.
    Audit(AuditArgs),
    /// Verify a production-readiness document's claims against the repository.
    Claims(ClaimsArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// Explain one rule: why it matters, how to fix it, examples and references.
    Explain(ExplainArgs),
}

/// `readycheck audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Repository to audit.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Fail the gate on any finding at or above this severity [default: high].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOnArg>,
    /// Fail the gate when the overall score is below N.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub min_score: Option<u8>,
    /// Rules to run: ids, id prefixes, names, category:X, tag:X, ALL (comma-separated; replaces the config's list).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Vec<String>,
    /// Rules to leave out (adds to the config's list).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,
    /// Directory of extra rule files (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rule_dirs: Vec<PathBuf>,
    /// Config file [default: readycheck.toml at PATH].
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore every config file.
    #[arg(long)]
    pub no_config: bool,
    /// Also run preview rules.
    #[arg(long)]
    pub preview: bool,
    /// Inconclusive rules fail the gate.
    #[arg(long)]
    pub strict: bool,
    /// Always exit 0 when the audit ran (report only).
    #[arg(long)]
    pub exit_zero: bool,
    /// Leave out paths matching this gitignore-style glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Worker threads [default: one per core].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// `--fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Never fail on findings.
    None,
    /// Info and above.
    Info,
    /// Low and above.
    Low,
    /// Medium and above.
    Medium,
    /// High and above.
    High,
    /// Critical only.
    Critical,
}

impl From<FailOnArg> for FailOn {
    fn from(v: FailOnArg) -> FailOn {
        match v {
            FailOnArg::None => FailOn::None,
            FailOnArg::Info => FailOn::Info,
            FailOnArg::Low => FailOn::Low,
            FailOnArg::Medium => FailOn::Medium,
            FailOnArg::High => FailOn::High,
            FailOnArg::Critical => FailOn::Critical,
        }
    }
}

/// Formats of `rules` and `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocFormat {
    /// Terminal text.
    Table,
    /// JSON.
    Json,
    /// Markdown.
    Markdown,
}

/// `readycheck rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Only rules of this category.
    #[arg(long)]
    pub category: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DocFormat::Table)]
    pub format: DocFormat,
    /// Directory of extra rule files (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rule_dirs: Vec<PathBuf>,
}

/// `readycheck explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule id or name (case-insensitive).
    pub rule: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DocFormat::Table)]
    pub format: DocFormat,
    /// Directory of extra rule files (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rule_dirs: Vec<PathBuf>,
}

/// `readycheck claims`.
#[derive(Debug, Args)]
pub struct ClaimsArgs {
    /// The readiness document (Markdown).
    pub document: PathBuf,
    /// Repository the document describes; file references are relative to it.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Running service the document describes (repeatable; live probes are not part of
    /// this build yet, so claims only a probe could check stay unverifiable).
    #[arg(long, value_name = "URL")]
    pub url: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DocFormat::Table)]
    pub format: DocFormat,
    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Which verdicts fail the run (exit 1).
    #[arg(long, value_enum, default_value_t = ClaimsFailOn::Contradicted)]
    pub fail_on: ClaimsFailOn,
    /// Directory of extra rule files (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rule_dirs: Vec<PathBuf>,
    /// Config file [default: readycheck.toml at PATH].
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore every config file.
    #[arg(long)]
    pub no_config: bool,
    /// Also run preview rules.
    #[arg(long)]
    pub preview: bool,
}

/// `claims --fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClaimsFailOn {
    /// Any contradicted claim fails.
    Contradicted,
    /// Any contradicted or open claim fails.
    Open,
    /// Never fail (report only).
    Never,
}
