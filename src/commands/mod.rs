//! One module per subcommand.

pub mod audit;
pub mod baseline;
pub mod claims;
pub mod explain;
pub mod init;
pub mod rules;
pub mod scope;

use std::io::Write;

/// Writes a file atomically: into a temporary file in the same directory, flushed to disk,
/// then renamed over `path` (`tempfile`'s `persist`). A reader sees the old file or the new
/// one, never half of one; on any failure the old file is left as it was and the error
/// names `path`. An existing file's permissions are kept.
pub(crate) fn write_atomic(
    path: &std::path::Path,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    let ctx = || format!("cannot write `{}`", path.display());
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".readycheck-").suffix(".tmp");
    let kept = std::fs::metadata(path).ok().map(|m| m.permissions());
    #[cfg(unix)]
    let fresh = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::Permissions::from_mode(0o644)
    };
    #[cfg(unix)]
    builder.permissions(kept.clone().unwrap_or(fresh));
    let tmp = builder.tempfile_in(dir).with_context(ctx)?;
    let mut w = std::io::BufWriter::new(tmp);
    f(&mut w).with_context(ctx)?;
    let tmp = w
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(ctx)?;
    tmp.as_file().sync_all().with_context(ctx)?;
    if let Some(perm) = kept {
        let _ = std::fs::set_permissions(tmp.path(), perm);
    }
    tmp.persist(path).map_err(|e| e.error).with_context(ctx)?;
    Ok(())
}

/// Writes to stdout, or atomically to a file when one is given.
pub(crate) fn output(
    path: Option<&std::path::Path>,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match path {
        Some(p) => write_atomic(p, f)?,
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
