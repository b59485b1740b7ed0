//! A small `.env` parser that keeps line numbers (dotenvy does not, and it substitutes
//! `$VAR` from the auditor's own environment; see CRATES.md §6). Accepts `export ` prefixes,
//! single and double quotes, `#` comments, empty values and duplicate keys.

/// One `KEY=value` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEntry {
    /// The variable name.
    pub key: String,
    /// The value with quotes removed (escapes in double quotes are kept as written).
    pub value: String,
    /// 1-based line.
    pub line: u32,
    /// Whether the entry was commented out (`# KEY=value`): documented but not set.
    pub commented: bool,
}

/// Whether `s` is a valid variable name.
#[must_use]
pub fn is_var_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
}

/// Parses an env file. Lines that are not assignments are ignored; a commented line of the
/// form `# KEY=value` is returned with `commented: true` (example files document optional
/// variables that way).
#[must_use]
pub fn parse(text: &str) -> Vec<EnvEntry> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, raw)) = lines.next() {
        let mut line = raw.trim();
        let mut commented = false;
        if let Some(rest) = line.strip_prefix('#') {
            commented = true;
            line = rest.trim_start();
        }
        if let Some(rest) = line.strip_prefix("export ") {
            line = rest.trim_start();
        }
        let Some((key, rest)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim_end();
        if !is_var_name(key) || (commented && key.contains(['.', '-'])) {
            continue;
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                // A quoted value may span lines (double quotes only, as dotenv allows).
                let body = &rest[1..];
                if let Some(end) = find_close(body, q) {
                    body[..end].to_owned()
                } else if q == '"' && !commented {
                    let mut acc = body.to_owned();
                    for (_, more) in lines.by_ref() {
                        acc.push('\n');
                        if let Some(end) = find_close(more, q) {
                            acc.push_str(&more[..end]);
                            break;
                        }
                        acc.push_str(more);
                    }
                    acc
                } else {
                    body.to_owned()
                }
            }
            _ => strip_comment(rest).trim_end().to_owned(),
        };
        out.push(EnvEntry {
            key: key.to_owned(),
            value,
            line: u32::try_from(n + 1).unwrap_or(u32::MAX),
            commented,
        });
    }
    out
}

fn find_close(s: &str, q: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && q == '"' {
            escaped = true;
        } else if c == q {
            return Some(i);
        }
    }
    None
}

/// An unquoted value ends at ` #` (a comment after whitespace).
fn strip_comment(s: &str) -> &str {
    let b = s.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'#' && (i == 0 || b[i - 1].is_ascii_whitespace()) {
            return &s[..i];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(text: &str) -> Vec<(String, String, u32, bool)> {
        parse(text)
            .into_iter()
            .map(|e| (e.key, e.value, e.line, e.commented))
            .collect()
    }

    #[test]
    fn parses_the_usual_shapes() {
        let t = "# comment\n\nexport A=1\nB = \"two words\" # c\nC='x#y'\nD=\nE=plain # note\nA=dup\n# OPT=maybe\nnot a line\n#### heading\n";
        assert_eq!(
            kv(t),
            vec![
                ("A".into(), "1".into(), 3, false),
                ("B".into(), "two words".into(), 4, false),
                ("C".into(), "x#y".into(), 5, false),
                ("D".into(), String::new(), 6, false),
                ("E".into(), "plain".into(), 7, false),
                ("A".into(), "dup".into(), 8, false),
                ("OPT".into(), "maybe".into(), 9, true),
            ]
        );
    }

    #[test]
    fn multiline_double_quotes_keep_line_of_key() {
        let t = "K=\"a\nb\"\nL=2\n";
        assert_eq!(
            kv(t),
            vec![
                ("K".into(), "a\nb".into(), 1, false),
                ("L".into(), "2".into(), 3, false)
            ]
        );
    }

    #[test]
    fn never_panics_on_odd_input() {
        for t in [
            "=",
            "\"",
            "#=",
            "A=\"",
            "A='",
            "export",
            "é=1",
            "A=\u{feff}",
        ] {
            let _ = parse(t);
        }
    }
}
