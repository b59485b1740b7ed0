//! One module per subcommand.

pub mod audit;
pub mod baseline;
pub mod claims;
pub mod explain;
pub mod init;
pub mod rules;
pub mod scope;

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

/// `readycheck completions SHELL`.
pub fn completions(args: &crate::cli::CompletionsArgs) -> anyhow::Result<crate::exit::ExitStatus> {
    use clap::CommandFactory;
    let mut cmd = crate::cli::Cli::command();
    output(None, |w| {
        clap_complete::generate(args.shell, &mut cmd, "readycheck", w);
        Ok(())
    })?;
    Ok(crate::exit::ExitStatus::Passed)
}

/// The man page as roff.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    use clap::CommandFactory;
    let mut buf = Vec::new();
    clap_mangen::Man::new(crate::cli::Cli::command()).render(&mut buf)?;
    Ok(buf)
}

/// `readycheck man`.
pub fn man() -> anyhow::Result<crate::exit::ExitStatus> {
    let page = man_page()?;
    output(None, |w| w.write_all(&page))?;
    Ok(crate::exit::ExitStatus::Passed)
}
