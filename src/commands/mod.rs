//! One module per subcommand.

pub mod audit;
pub mod claims;
pub mod explain;
pub mod rules;

use std::io::Write;

/// Writes to stdout, or to a file when one is given.
pub(crate) fn output(
    path: Option<&std::path::Path>,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    match path {
        Some(p) => {
            let file = std::fs::File::create(p)
                .with_context(|| format!("cannot write `{}`", p.display()))?;
            let mut w = std::io::BufWriter::new(file);
            f(&mut w).with_context(|| format!("cannot write `{}`", p.display()))?;
            w.flush()
                .with_context(|| format!("cannot write `{}`", p.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            f(&mut w)?;
            w.flush()?;
        }
    }
    Ok(())
}
