//! `readycheck baseline [PATH] -o FILE`: record today's findings.

use crate::baseline::Baseline;
use crate::cli::AuditArgs;
use crate::exit::ExitStatus;
use anyhow::anyhow;
use std::io::Write as _;

/// `readycheck baseline`.
pub fn run(args: &AuditArgs) -> anyhow::Result<ExitStatus> {
    let out = args.output.as_deref().ok_or_else(|| {
        anyhow!("`readycheck baseline` needs `-o FILE` (e.g. `-o readycheck-baseline.json`)")
    })?;
    let mut resolved = super::audit::resolve(args)?;
    // Record what is there now, regardless of an older baseline.
    resolved.baseline = None;
    let (ws, results, warnings, _) = super::audit::evaluate(&args.path, &resolved)?;
    for w in &warnings {
        let _ = writeln!(std::io::stderr().lock(), "readycheck: warning: {w}");
    }
    let baseline = Baseline::record(&results, &ws);
    let mut text = serde_json::to_string_pretty(&baseline)?;
    text.push('\n');
    super::write_atomic(out, |w| w.write_all(text.as_bytes()))?;
    let _ = writeln!(
        std::io::stderr().lock(),
        "readycheck: recorded {} findings in {}",
        baseline.findings.len(),
        out.display()
    );
    Ok(ExitStatus::Passed)
}
