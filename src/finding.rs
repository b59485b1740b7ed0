//! Findings: one violation of one rule at one place.

use serde::Serialize;

/// Where a finding or a piece of evidence is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Location {
    /// The repository as a whole (e.g. "no README").
    Repository,
    /// A file, optionally a position in it.
    File {
        /// Relative, `/`-separated path.
        path: String,
        /// 1-based line.
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<u32>,
        /// 1-based column.
        #[serde(skip_serializing_if = "Option::is_none")]
        column: Option<u32>,
    },
    /// An HTTP request made to a live target.
    Http {
        /// The method.
        method: String,
        /// The full URL.
        url: String,
    },
}

impl Location {
    /// `path:line:col`, `path`, `GET url` or `.` for the repository.
    #[must_use]
    pub fn display(&self) -> String {
        match self {
            Location::Repository => "(repository)".to_owned(),
            Location::File {
                path,
                line: Some(l),
                column: Some(c),
            } => format!("{path}:{l}:{c}"),
            Location::File {
                path,
                line: Some(l),
                column: None,
            } => format!("{path}:{l}"),
            Location::File { path, .. } => path.clone(),
            Location::Http { method, url } => format!("{method} {url}"),
        }
    }

    /// The file path, when the location is in a file.
    #[must_use]
    pub fn path(&self) -> Option<&str> {
        match self {
            Location::File { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The line, when known.
    #[must_use]
    pub fn line(&self) -> Option<u32> {
        match self {
            Location::File { line, .. } => *line,
            _ => None,
        }
    }
}

/// One located statement: a violation when a check reports it, evidence when it explains a pass.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Finding {
    /// Where.
    pub location: Location,
    /// One line, lowercase start, no trailing period, values in backticks.
    pub message: String,
    /// Set when an inline suppression, a config waiver or the baseline covers the finding;
    /// never set by check kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Waiver>,
}

/// Why a finding does not count.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Waiver {
    /// Where the waiver comes from.
    pub kind: WaiverKind,
    /// The reason given.
    pub reason: String,
}

/// Source of a waiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaiverKind {
    /// `# readycheck: ignore[ID] reason` in the file.
    Inline,
    /// `[[waivers]]` in `readycheck.toml`.
    Config,
    /// Recorded in the `--baseline` file.
    Baseline,
}

impl Finding {
    /// A finding about the repository as a whole.
    pub fn repo(message: impl Into<String>) -> Finding {
        Finding {
            location: Location::Repository,
            message: message.into(),
            waiver: None,
        }
    }

    /// A finding about a whole file.
    pub fn file(path: &str, message: impl Into<String>) -> Finding {
        Finding {
            location: Location::File {
                path: path.to_owned(),
                line: None,
                column: None,
            },
            message: message.into(),
            waiver: None,
        }
    }

    /// A finding at a position in a file.
    pub fn at(path: &str, line: u32, column: u32, message: impl Into<String>) -> Finding {
        Finding {
            location: Location::File {
                path: path.to_owned(),
                line: Some(line),
                column: Some(column),
            },
            message: message.into(),
            waiver: None,
        }
    }
}

/// Masks a secret for display: the first and last four characters of long values survive,
/// everything else becomes `*` (`AKIA************MPLE`).
#[must_use]
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let n = chars.len();
    if n >= 16 {
        let head: String = chars[..4].iter().collect();
        let tail: String = chars[n - 4..].iter().collect();
        format!("{head}{}{tail}", "*".repeat(n - 8))
    } else if n >= 8 {
        let head: String = chars[..2].iter().collect();
        format!("{head}{}", "*".repeat(n - 2))
    } else {
        "*".repeat(n.max(4))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_little() {
        assert_eq!(mask("AKIAIOSFODNN7EXAMPLE"), "AKIA************MPLE");
        assert_eq!(mask("hunter22"), "hu******");
        assert_eq!(mask("abc"), "****");
    }
}
