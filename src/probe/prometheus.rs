//! A strict parser for the Prometheus text exposition format (and OpenMetrics' `# EOF`):
//! `# HELP`, `# TYPE`, samples with escaped label values, `NaN`/`±Inf`, optional timestamps.
//! It reports the first malformed line with its number instead of dropping it.

use std::collections::BTreeSet;

/// What a valid exposition contained.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Exposition {
    /// Metric families (names declared by `# TYPE`, or sample names without a suffix).
    pub families: BTreeSet<String>,
    /// Number of samples.
    pub samples: usize,
}

/// A malformed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn valid_value(s: &str) -> bool {
    matches!(s, "NaN" | "+Inf" | "-Inf" | "Inf") || s.parse::<f64>().is_ok()
}

/// Parses `{a="x",b="y\"z"}` starting after `{`; returns the rest after `}`.
fn labels(mut s: &str) -> Result<&str, String> {
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix('}') {
            return Ok(rest);
        }
        let eq = s.find('=').ok_or("label without `=`")?;
        let name = s[..eq].trim();
        if !valid_name(name) || name.contains(':') {
            return Err(format!("invalid label name `{name}`"));
        }
        s = s[eq + 1..].trim_start();
        let mut chars = s.char_indices();
        if chars.next().map(|(_, c)| c) != Some('"') {
            return Err(format!("value of label `{name}` is not quoted"));
        }
        let mut end = None;
        let mut escaped = false;
        for (i, c) in chars {
            match (escaped, c) {
                (true, '\\' | '"' | 'n') => escaped = false,
                (true, other) => {
                    return Err(format!("invalid escape `\\{other}` in label `{name}`"));
                }
                (false, '\\') => escaped = true,
                (false, '"') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end.ok_or_else(|| format!("unterminated value of label `{name}`"))?;
        s = s[end + 1..].trim_start();
        if let Some(rest) = s.strip_prefix(',') {
            s = rest;
        } else if !s.starts_with('}') {
            return Err("expected `,` or `}` after a label".to_owned());
        }
    }
}

/// Parses an exposition.
pub fn parse(text: &str) -> Result<Exposition, ParseError> {
    let mut out = Exposition::default();
    let mut eof = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let err = |message: String| ParseError {
            line: i + 1,
            message,
        };
        if eof && !line.trim().is_empty() {
            return Err(err("content after `# EOF`".to_owned()));
        }
        if line.trim().is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut parts = comment.trim_start().splitn(3, ' ');
            match parts.next() {
                Some("EOF") if comment.trim() == "EOF" => eof = true,
                Some("TYPE") => {
                    let name = parts.next().unwrap_or("");
                    let kind = parts.next().unwrap_or("").trim();
                    if !valid_name(name) {
                        return Err(err(format!("invalid metric name `{name}` in TYPE")));
                    }
                    if ![
                        "counter",
                        "gauge",
                        "histogram",
                        "summary",
                        "untyped",
                        "unknown",
                        "info",
                        "stateset",
                        "gaugehistogram",
                    ]
                    .contains(&kind)
                    {
                        return Err(err(format!("unknown metric type `{kind}`")));
                    }
                    out.families.insert(name.to_owned());
                }
                Some("HELP") => {
                    let name = parts.next().unwrap_or("");
                    if !valid_name(name) {
                        return Err(err(format!("invalid metric name `{name}` in HELP")));
                    }
                }
                _ => {}
            }
            continue;
        }
        let name_end = line
            .find(|c: char| c == '{' || c.is_whitespace())
            .unwrap_or(line.len());
        let name = &line[..name_end];
        if !valid_name(name) {
            return Err(err(format!("invalid metric name `{name}`")));
        }
        let mut rest = &line[name_end..];
        if let Some(after) = rest.strip_prefix('{') {
            rest = labels(after).map_err(err)?;
        }
        let mut fields = rest.split_whitespace();
        let value = fields
            .next()
            .ok_or_else(|| err(format!("sample `{name}` has no value")))?;
        if !valid_value(value) {
            return Err(err(format!("`{value}` is not a sample value")));
        }
        if let Some(ts) = fields.next()
            && ts.parse::<f64>().is_err()
        {
            return Err(err(format!("`{ts}` is not a timestamp")));
        }
        if fields.next().is_some() {
            return Err(err("unexpected text after the timestamp".to_owned()));
        }
        out.samples += 1;
        let base = ["_bucket", "_sum", "_count", "_total", "_created", "_info"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .unwrap_or(name);
        if !out.families.contains(name) && !out.families.contains(base) {
            out.families.insert(base.to_owned());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_exposition_with_escapes_colons_and_specials() {
        let text = "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\nhttp_requests_total{path=\"/a}b\",code=\"200\"} 3 1700000000000\njob:http_requests:rate5m 0.5\nlatency_seconds_bucket{le=\"+Inf\"} 4\nlatency_seconds_sum NaN\ntemp{q=\"say \\\"hi\\\"\\n\"} -Inf\n# EOF\n";
        let e = parse(text).unwrap();
        assert_eq!(e.samples, 5);
        assert!(
            e.families.contains("http_requests_total")
                && e.families.contains("job:http_requests:rate5m")
                && e.families.contains("latency_seconds")
        );
    }

    #[test]
    fn malformed_lines_are_reported_with_their_number() {
        assert_eq!(parse("ok 1\nthis is not a metric\n").unwrap_err().line, 2);
        assert_eq!(parse("a{b=\"c} 1\n").unwrap_err().line, 1);
        assert_eq!(
            parse("a 1\n# TYPE a fancy\n").unwrap_err().message,
            "unknown metric type `fancy`"
        );
        assert!(parse("<html><body>hi</body></html>").is_err());
        assert!(parse("# EOF\na 1\n").is_err());
    }
}
