//! Terminal styling that switches off cleanly: `--color`, `NO_COLOR`, `CLICOLOR_FORCE`, TTY.

use std::io::IsTerminal;

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Whether to colour stdout.
#[must_use]
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else if set("CLICOLOR_FORCE") || set("FORCE_COLOR") {
                true
            } else {
                std::io::stdout().is_terminal()
                    && std::env::var("TERM").map_or(true, |t| t != "dumb")
            }
        }
    }
}

/// Applies styles only when colour is on.
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    /// Colour on or off.
    pub on: bool,
}

macro_rules! style {
    ($($name:ident),+) => {
        impl Paint {
            $(
                #[doc = concat!("Applies `", stringify!($name), "` when colour is on.")]
                #[must_use]
                pub fn $name(self, s: &str) -> String {
                    use owo_colors::OwoColorize;
                    if self.on { s.$name().to_string() } else { s.to_owned() }
                }
            )+
        }
    };
}

style!(bold, dimmed, red, green, yellow, blue, magenta, cyan);

impl Paint {
    /// Colours a severity label.
    #[must_use]
    pub fn severity(self, sev: crate::model::Severity, s: &str) -> String {
        use crate::model::Severity;
        match sev {
            Severity::Critical => self.magenta(&self.bold(s)),
            Severity::High => self.red(&self.bold(s)),
            Severity::Medium => self.yellow(s),
            Severity::Low => self.blue(s),
            Severity::Info => self.dimmed(s),
        }
    }

    /// Colours a score by grade.
    #[must_use]
    pub fn score(self, score: Option<u8>, s: &str) -> String {
        match score {
            Some(90..) => self.green(&self.bold(s)),
            Some(70..=89) => self.yellow(&self.bold(s)),
            Some(_) => self.red(&self.bold(s)),
            None => self.dimmed(s),
        }
    }
}
