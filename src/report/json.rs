//! The JSON report: `schema_version`, sorted, relative paths, no timestamps.

use super::Report;

/// Writes the report as pretty JSON with a trailing newline.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
