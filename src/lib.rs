//! readycheck: a production-readiness auditor. Loads declarative rules, walks a repository
//! once, evaluates the rules in parallel, scores the result and gates CI by exit code.

pub mod baseline;
pub mod check;
pub mod claims;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod engine;
pub mod exit;
pub mod finding;
pub mod model;
pub mod parse;
pub mod probe;
pub mod report;
pub mod rule;
pub mod score;
pub mod settings;
pub mod style;
pub mod suppress;
pub mod textpos;
pub mod timing;

pub use exit::ExitStatus;

/// Runs a parsed command line.
pub fn run(cli: &cli::Cli) -> anyhow::Result<ExitStatus> {
    let color = style::use_color(cli.color);
    match &cli.command {
        cli::Command::Audit(args) => commands::audit::run(args, color),
        cli::Command::Claims(args) => commands::claims::run(args, color),
        cli::Command::Rules(args) => commands::rules::run(args),
        cli::Command::Explain(args) => commands::explain::run(args, color),
        cli::Command::Baseline(args) => commands::baseline::run(args),
        cli::Command::Init(args) => commands::init::run(args),
        cli::Command::Completions(args) => commands::completions(args),
        cli::Command::Man => commands::man(),
        cli::Command::Probe(args) => commands::audit::probe(args, color),
        cli::Command::Scope(args) => commands::scope::run(args),
    }
}

/// Whether an error is a closed stdout (`readycheck audit | head`), which is not a failure.
#[must_use]
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
