//! `readycheck claims DOC.md [PATH]`: verify a readiness document against the repository.
//! The audit is the audit command's own (`resolve` + `audit`); this module only parses the
//! document, maps claims to rules, judges them and renders the verdicts.

use crate::claims::{self, ClaimResult, ClaimsSummary, DocContext, Matcher, Verdict};
use crate::cli::{AuditArgs, ClaimsArgs, ClaimsFailOn, DocFormat};
use crate::exit::ExitStatus;
use crate::style::Paint;
use anyhow::{Context, bail};
use serde::Serialize;
use std::io::Write;

/// Version of the claims JSON format.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything a renderer needs.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimsReport {
    /// Format version.
    pub schema_version: u32,
    /// The document, as given.
    pub document: String,
    /// The repository, as given.
    pub path: String,
    /// Live targets probed (`--url`).
    pub urls: Vec<String>,
    /// Counts and truthfulness.
    pub summary: ClaimsSummary,
    /// One entry per claim, in document order.
    pub claims: Vec<ClaimResult>,
}

/// Largest document read.
const MAX_DOC: u64 = 8 << 20;

/// `readycheck claims`.
pub fn run(args: &ClaimsArgs, color: bool) -> anyhow::Result<ExitStatus> {
    let report = build(args)?;
    let color = color && args.output.is_none();
    super::output(args.output.as_deref(), |w| match args.format {
        DocFormat::Table => write_table(&report, color, w),
        DocFormat::Json => {
            serde_json::to_writer_pretty(&mut *w, &report)?;
            writeln!(w)
        }
        DocFormat::Markdown => write_markdown(&report, w),
    })?;
    let s = &report.summary;
    let failed = match args.fail_on {
        ClaimsFailOn::Contradicted => s.contradicted > 0,
        ClaimsFailOn::Open => s.contradicted > 0 || s.open > 0,
        ClaimsFailOn::Never => false,
    };
    Ok(if failed {
        ExitStatus::GateFailed
    } else {
        ExitStatus::Passed
    })
}

/// Reads the document, runs the audit and judges every claim.
pub fn build(args: &ClaimsArgs) -> anyhow::Result<ClaimsReport> {
    use std::io::Read;
    let doc_path = &args.document;
    if doc_path.is_dir() {
        bail!("cannot read `{}`: it is a directory", doc_path.display());
    }
    let file = std::fs::File::open(doc_path)
        .with_context(|| format!("cannot read `{}`", doc_path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_DOC)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read `{}`", doc_path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let parsed = claims::parse::parse(&text);

    let audit_args = AuditArgs {
        path: args.path.clone(),
        format: crate::report::Format::Json,
        output: None,
        fail_on: None,
        min_score: None,
        select: Vec::new(),
        ignore: Vec::new(),
        rule_dirs: args.rule_dirs.clone(),
        config: args.config.clone(),
        no_config: args.no_config,
        preview: args.preview,
        strict: false,
        exit_zero: true,
        exclude: Vec::new(),
        threads: None,
        reports: Vec::new(),
        baseline: None,
        no_ignore: false,
        live: args.live.clone(),
    };
    let resolved = super::audit::resolve(&audit_args)?;
    let (_, results, _, _) = super::audit::evaluate(&args.path, &resolved)?;
    let chosen: Vec<&crate::rule::Rule> = resolved
        .chosen
        .iter()
        .map(|&i| resolved.rules.rules[i].as_ref())
        .collect();
    let matcher = Matcher::new(chosen);
    let doc_name = doc_path.file_name().map_or_else(
        || doc_path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let doc = DocContext::of(&text);
    let judged = claims::judge(&parsed, &matcher, &doc, &results, &args.path, &doc_name);
    Ok(ClaimsReport {
        schema_version: SCHEMA_VERSION,
        document: doc_path.display().to_string(),
        path: args.path.display().to_string(),
        urls: args.live.urls.clone(),
        summary: ClaimsSummary::of(&judged),
        claims: judged,
    })
}

fn summary_line(s: &ClaimsSummary) -> String {
    let truth = match s.percent() {
        Some(p) => format!(
            "truthfulness {p}% ({} of {} checkable claims hold)",
            s.verified,
            s.verified + s.contradicted
        ),
        None => "truthfulness n/a (no claim could be checked)".to_owned(),
    };
    format!(
        "{} claims: {} verified, {} contradicted, {} unverifiable, {} open; {truth}",
        s.claims, s.verified, s.contradicted, s.unverifiable, s.open
    )
}

fn evidence_line(e: &claims::Evidence) -> String {
    let who = e
        .rule
        .as_deref()
        .map_or_else(String::new, |r| format!("{r} "));
    format!("{who}{}: {} {}", e.status, e.location, e.message)
}

/// Report width.
const WIDTH: usize = 80;
/// Column where claim text and evidence start.
const INDENT: usize = 20;

fn wrap(text: &str, first: usize) -> String {
    let mut out = String::new();
    let mut col = first;
    for word in text.split(' ') {
        let len = word.chars().count();
        if !out.is_empty() && col + 1 + len > WIDTH {
            out.push('\n');
            out.push_str(&" ".repeat(INDENT));
            col = INDENT;
        } else if !out.is_empty() {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += len;
    }
    out
}

fn write_table(r: &ClaimsReport, color: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let p = Paint { on: color };
    writeln!(out, "Claims in {} checked against {}", r.document, r.path)?;
    if !r.urls.is_empty() {
        writeln!(out, "live targets: {}", r.urls.join(", "))?;
    }
    writeln!(out)?;
    writeln!(out, "{:>5}  {:<12} CLAIM / EVIDENCE", "LINE", "VERDICT")?;
    for c in &r.claims {
        let verdict = format!("{:<12}", c.verdict.as_str());
        let verdict = match c.verdict {
            Verdict::Verified => p.green(&verdict),
            Verdict::Contradicted => p.red(&verdict),
            Verdict::Unverifiable => p.yellow(&verdict),
            Verdict::Open => p.dimmed(&verdict),
        };
        writeln!(out, "{:>5}  {verdict} {}", c.line, wrap(&c.text, INDENT))?;
        let shown: Vec<&claims::Evidence> = match c.verdict {
            Verdict::Contradicted => c
                .evidence
                .iter()
                .filter(|e| e.status == "fail" || e.status == "missing")
                .collect(),
            Verdict::Open => Vec::new(),
            _ => c.evidence.iter().collect(),
        };
        if shown.is_empty() && c.verdict != Verdict::Verified {
            let reason = format!("({})", c.reason);
            writeln!(
                out,
                "{}{}",
                " ".repeat(INDENT),
                p.dimmed(&wrap(&reason, INDENT))
            )?;
        }
        for e in shown {
            writeln!(
                out,
                "{}{}",
                " ".repeat(INDENT),
                wrap(&evidence_line(e), INDENT)
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{}", summary_line(&r.summary))?;
    Ok(())
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn write_markdown(r: &ClaimsReport, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "# Claims in `{}`\n", md_cell(&r.document))?;
    writeln!(out, "{}\n", summary_line(&r.summary))?;
    writeln!(out, "| Line | Verdict | Claim | Evidence |")?;
    writeln!(out, "|---:|---|---|---|")?;
    for c in &r.claims {
        let ev: Vec<String> = match c.verdict {
            Verdict::Open => vec![c.reason.clone()],
            _ if c.evidence.is_empty() => vec![c.reason.clone()],
            _ => c.evidence.iter().map(evidence_line).collect(),
        };
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            c.line,
            c.verdict.as_str(),
            md_cell(&c.text),
            md_cell(&ev.join("<br>"))
        )?;
    }
    Ok(())
}
