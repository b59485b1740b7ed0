//! The `readycheck` binary: parse arguments, run, map the result to an exit code.

use clap::Parser;
use readycheck::ExitStatus;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match readycheck::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors.
            return if e.use_stderr() {
                ExitStatus::Error.into()
            } else {
                ExitStatus::Passed.into()
            };
        }
    };
    match readycheck::run(&cli) {
        Ok(status) => status.into(),
        Err(err) if readycheck::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(std::io::stderr().lock(), "readycheck: error: {err:#}");
            ExitStatus::Error.into()
        }
    }
}
