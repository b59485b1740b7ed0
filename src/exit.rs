//! The process exit codes: the only place that knows their numbers.

use std::process::ExitCode;

/// How a run ended, as CI sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// The audit completed and the gate passed (exit 0).
    Passed,
    /// The audit completed and a gate condition failed (exit 1).
    GateFailed,
    /// Nothing could be audited: usage, config or rule error, unreadable root (exit 2).
    Error,
}

impl ExitStatus {
    /// The numeric exit code.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Passed => 0,
            ExitStatus::GateFailed => 1,
            ExitStatus::Error => 2,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}
