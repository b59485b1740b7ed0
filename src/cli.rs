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
  readycheck audit --report sarif=readycheck.sarif --report junit=readycheck.xml
  readycheck audit --select DOCK,category:security --ignore DOCK007
  readycheck audit . --url https://staging.example.com --header 'Authorization: Bearer ${TOKEN}'
  readycheck probe http://127.0.0.1:8080
  readycheck rules --category reliability
  readycheck explain DOCK001                  why a rule matters and how to fix it
  readycheck baseline . -o readycheck-baseline.json && readycheck audit --baseline readycheck-baseline.json
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
    /// Record today's findings so that later audits (`--baseline FILE`) gate only on new ones.
    Baseline(AuditArgs),
    /// Write a commented `readycheck.toml` tailored to the repository.
    Init(InitArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    Man,
    /// Probe running services only (no repository): health, headers, CORS, TLS, metrics.
    Probe(ProbeArgs),
    /// Print the role (production, test, dev, example, docs, vendor, generated, ci) of every
    /// path the rules read, and why, so that a wrong guess can be fixed in `[scope]`.
    Scope(ScopeArgs),
}

/// `readycheck scope`.
#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// Repository.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// `table` or `json`.
    #[arg(long, value_enum, default_value_t = ScopeFormat::Table)]
    pub format: ScopeFormat,
    /// Only paths of these roles (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "ROLE")]
    pub role: Vec<crate::collect::scope::Role>,
    /// Every file of the tree, not only those a rule reads.
    #[arg(long)]
    pub all: bool,
    /// Config file [default: readycheck.toml at PATH].
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Use no config file.
    #[arg(long)]
    pub no_config: bool,
    /// Gitignore-style glob to leave out (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
}

/// Output of `readycheck scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScopeFormat {
    /// One line per path, grouped by role.
    Table,
    /// `[{path, role, because}]`.
    Json,
}

/// `readycheck probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Base URLs of the services (added to any `--url`).
    #[arg(required_unless_present = "urls", value_name = "URL")]
    pub targets: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Fail the gate on findings at or above this severity [default: high].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Inconclusive rules fail the gate.
    #[arg(long)]
    pub strict: bool,
    /// Rules to run (ids, prefixes, names).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Vec<String>,
    /// Rules to leave out.
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,
    /// Always exit 0 when the probes ran (report only), even for a target that did not answer.
    #[arg(long)]
    pub exit_zero: bool,
    #[command(flatten)]
    pub live: LiveArgs,
}

/// `readycheck init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Repository to configure.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Overwrite an existing `readycheck.toml`.
    #[arg(long)]
    pub force: bool,
}

/// `readycheck completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
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
    /// Also write the report in another format to a file, e.g. `sarif=readycheck.sarif`
    /// (repeatable; table, json, sarif, junit, markdown, github, html).
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report_arg)]
    pub reports: Vec<(Format, PathBuf)>,
    /// Fail the gate on any finding at or above this severity [default: high].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
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
    /// Gate only on findings that are not in this baseline file (see `readycheck baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Disregard inline suppressions, config waivers and the baseline: show everything.
    #[arg(long)]
    pub no_ignore: bool,
    #[command(flatten)]
    pub live: LiveArgs,
}

/// Live probing options (shared by `audit` and `probe`).
#[derive(Debug, Args, Default, Clone)]
pub struct LiveArgs {
    /// Probe a running service too (repeatable; also `[target] url` in the config).
    #[arg(long = "url", value_name = "URL")]
    pub urls: Vec<String>,
    /// Header sent with every probe, `Name: value`; `${VAR}` is read from the environment.
    /// Values are never printed.
    #[arg(long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Which live expectations apply [default: api].
    #[arg(long, value_enum)]
    pub profile: Option<crate::probe::Profile>,
    /// Per-request timeout in seconds [default: 5].
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Overall deadline of all probes in seconds [default: 30].
    #[arg(long, value_name = "SECONDS")]
    pub deadline: Option<f64>,
    /// Requests in flight at once [default: 8].
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Accept certificates that do not verify (the report says so).
    #[arg(long)]
    pub insecure: bool,
    /// Allow probe methods other than GET, HEAD and OPTIONS.
    #[arg(long)]
    pub allow_unsafe_methods: bool,
    /// Follow redirects to other hosts.
    #[arg(long)]
    pub allow_cross_host_redirects: bool,
    /// Also trust the CA certificates in this PEM file (an internal CA); repeatable.
    #[arg(long = "ca-cert", value_name = "PEM")]
    pub ca_certs: Vec<PathBuf>,
    /// Another origin (`https://host[:port]`) that may receive the `--header` values,
    /// besides those of the `--url`s (repeatable). Targets from the repository's config get
    /// no headers unless their origin is listed here.
    #[arg(long = "header-origin", value_name = "ORIGIN")]
    pub header_origins: Vec<String>,
    /// Do not probe the `[target] url`s of the audited repository's config.
    #[arg(long)]
    pub no_config_targets: bool,
    /// Times an idempotent request that got no answer is tried again, with backoff,
    /// inside the deadline [default: 2].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: Option<u32>,
    /// Requests per target at most, `10/s` (default), `600/m`, or `0` for unlimited.
    #[arg(long, value_name = "RATE")]
    pub rate: Option<String>,
}

fn parse_report_arg(s: &str) -> Result<(Format, PathBuf), String> {
    let (format, path) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not FORMAT=PATH"))?;
    if path.is_empty() {
        return Err(format!("`{s}` has no path"));
    }
    Ok((format.parse()?, PathBuf::from(path)))
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
    /// Live probing of the service the document describes (`--url`, `--header`, …);
    /// without a URL, claims only a probe could check stay unverifiable.
    #[command(flatten)]
    pub live: LiveArgs,
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
