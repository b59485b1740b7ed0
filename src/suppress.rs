//! Waivers: inline `readycheck: ignore[ID] reason` comments, `[[waivers]]` in the config and
//! the `--baseline` file. Waived findings stay in every report, marked, and do not count in
//! the score or the gate; a rule whose every finding is waived is `waived`. Unused, expired
//! and reason-less waivers produce warnings.

use crate::baseline::Baseline;
use crate::collect::Workspace;
use crate::engine::{Outcome, RuleResult};
use crate::finding::{Location, Waiver, WaiverKind};
use crate::settings::WaiverConfig;
use globset::{Glob, GlobMatcher};
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// A config waiver ready to match findings.
#[derive(Debug)]
pub struct ConfigWaiver {
    rule: String,
    paths: Vec<GlobMatcher>,
    url: Option<String>,
    reason: String,
    expires: Option<String>,
    label: String,
}

/// Compiles config waivers; errors are config errors (exit 2).
pub fn compile(
    waivers: &[WaiverConfig],
    rule_known: impl Fn(&str) -> bool,
) -> Result<Vec<ConfigWaiver>, String> {
    let mut out = Vec::new();
    for (i, w) in waivers.iter().enumerate() {
        let at = format!("waivers[{i}] (rule `{}`)", w.rule);
        if w.reason.trim().is_empty() {
            return Err(format!(
                "{at}: `reason` must say why the finding is acceptable"
            ));
        }
        if !rule_known(&w.rule) {
            return Err(format!("{at}: no rule `{}`", w.rule));
        }
        let mut paths = Vec::new();
        for p in &w.paths {
            let g = Glob::new(&crate::collect::select::normalize_glob(p))
                .map_err(|e| format!("{at}: invalid glob `{p}`: {}", e.kind()))?;
            paths.push(g.compile_matcher());
        }
        let expires = match &w.expires {
            Some(d) => {
                let text = d.to_string();
                if text.len() < 10
                    || !text.as_bytes()[..10].iter().enumerate().all(|(j, b)| {
                        if j == 4 || j == 7 {
                            *b == b'-'
                        } else {
                            b.is_ascii_digit()
                        }
                    })
                {
                    return Err(format!("{at}: `expires` must be a date like 2026-12-31"));
                }
                Some(text[..10].to_owned())
            }
            None => None,
        };
        out.push(ConfigWaiver {
            rule: w.rule.clone(),
            paths,
            url: w.url.clone(),
            reason: w.reason.trim().to_owned(),
            expires,
            label: if w.paths.is_empty() {
                at
            } else {
                format!("{at} for `{}`", w.paths.join("`, `"))
            },
        });
    }
    Ok(out)
}

/// Today's date as `YYYY-MM-DD` (UTC), or `READYCHECK_TODAY` when set (for tests).
#[must_use]
pub fn today() -> String {
    if let Ok(d) = std::env::var("READYCHECK_TODAY") {
        return d;
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date(i64::try_from(secs / 86_400).unwrap_or(0))
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
#[must_use]
pub fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn directive() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(#|//|--|<!--|/\*|;)\s*readycheck:\s*ignore\[([^\]]*)\](.*)$")
            .expect("static regex")
    })
}

/// The comment markers that can open a directive in a file, by its name: `#` for
/// Dockerfiles, YAML, Python, shell, TOML; `//` and `/*` for JS/TS, Go, Rust, Java, C#;
/// `--` for SQL; `<!--` for Markdown and HTML. Unknown file types accept any of them.
#[must_use]
pub fn comment_markers(path: &str) -> &'static [&'static str] {
    const HASH: &[&str] = &["#"];
    const SLASH: &[&str] = &["//", "/*"];
    const DASH: &[&str] = &["--"];
    const HTML: &[&str] = &["<!--"];
    const INI: &[&str] = &["#", ";"];
    const ANY: &[&str] = &["#", "//", "--", "<!--", "/*", ";"];
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if name.contains("dockerfile")
        || name.contains("containerfile")
        || name == "makefile"
        || name.starts_with(".env")
        || name.ends_with("ignore")
    {
        return HASH;
    }
    match name.rsplit_once('.').map_or("", |(_, ext)| ext) {
        "yml" | "yaml" | "py" | "pyi" | "sh" | "bash" | "zsh" | "toml" | "rb" | "tf" | "hcl"
        | "r" | "pl" | "ps1" | "nix" | "mk" | "env" | "properties" => HASH,
        "ini" | "cfg" | "conf" => INI,
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" | "go" | "rs" | "java"
        | "cs" | "kt" | "kts" | "scala" | "swift" | "c" | "h" | "cc" | "cpp" | "hpp" | "dart"
        | "groovy" | "gradle" | "php" | "proto" | "jsonc" => SLASH,
        "sql" | "lua" | "hs" => DASH,
        "md" | "markdown" | "html" | "htm" | "xml" | "svg" | "vue" => HTML,
        _ => ANY,
    }
}

/// An inline directive found on a line of the file at `path`: the rules it names and its
/// reason. The comment marker must be one the file's language uses, and must start the
/// line or follow whitespace, so `"// readycheck: …"` inside a string literal is not one.
fn parse_directive(path: &str, line: &str) -> Option<(Vec<String>, String)> {
    let caps = directive().captures(line)?;
    let marker = caps.get(1)?;
    if !comment_markers(path).contains(&marker.as_str()) {
        return None;
    }
    if !line[..marker.start()]
        .chars()
        .next_back()
        .is_none_or(char::is_whitespace)
    {
        return None;
    }
    let ids = caps[2]
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let reason = caps[3]
        .trim()
        .trim_end_matches("-->")
        .trim_end_matches("*/")
        .trim()
        .to_owned();
    Some((ids, reason))
}

fn is_comment_only(path: &str, line: &str) -> bool {
    let t = line.trim_start();
    comment_markers(path).iter().any(|m| t.starts_with(m))
}

/// Applies every waiver to the results and returns the warnings.
pub fn apply(
    results: &mut [RuleResult],
    ws: &Workspace,
    config: &[ConfigWaiver],
    baseline: Option<&Baseline>,
    inline: bool,
    today: &str,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut used = vec![false; config.len()];
    // Directives that covered a finding, and the files that have findings (the only ones
    // read for directives), to report unused directives afterwards.
    let mut used_inline: BTreeSet<(String, usize)> = BTreeSet::new();
    let mut files: BTreeSet<String> = BTreeSet::new();
    let mut ran: BTreeSet<String> = BTreeSet::new();
    let mut baseline_hits: BTreeSet<String> = BTreeSet::new();
    let fingerprints = baseline.map(|_| crate::baseline::fingerprints(results, ws));
    for (ri, result) in results.iter_mut().enumerate() {
        let (id, name) = (result.rule.id.clone(), result.rule.name.clone());
        let names_rule = |s: &str| s.eq_ignore_ascii_case(&id) || s.eq_ignore_ascii_case(&name);
        ran.insert(id.to_ascii_lowercase());
        ran.insert(name.to_ascii_lowercase());
        for (fi, f) in result.findings.iter_mut().enumerate() {
            if let Some(p) = f.location.path() {
                files.insert(p.to_owned());
            }
            if inline
                && let Location::File {
                    path,
                    line: Some(line),
                    ..
                } = &f.location
                && let Some(i) = ws.find(path)
                && let Ok(text) = ws.text(i)
            {
                let lines: Vec<&str> = text.lines().collect();
                let here = lines.get(*line as usize - 1).copied().unwrap_or("");
                let above = (*line as usize)
                    .checked_sub(2)
                    .and_then(|j| lines.get(j))
                    .copied()
                    .filter(|l| is_comment_only(path, l));
                let line_no = *line as usize;
                let candidates = [Some((line_no, here)), above.map(|a| (line_no - 1, a))];
                for (at, candidate) in candidates.into_iter().flatten() {
                    if let Some((ids, reason)) = parse_directive(path, candidate)
                        && ids.iter().any(|s| names_rule(s))
                    {
                        if !reason.is_empty() {
                            used_inline.insert((path.clone(), at));
                        }
                        if reason.is_empty() {
                            warnings.push(format!("{path}:{line}: `readycheck: ignore[{}]` has no reason; not applied", ids.join(",")));
                        } else if f.waiver.is_none() {
                            f.waiver = Some(Waiver {
                                kind: WaiverKind::Inline,
                                reason,
                            });
                        }
                    }
                }
            }
            if f.waiver.is_none() {
                for (wi, w) in config.iter().enumerate() {
                    if !names_rule(&w.rule) {
                        continue;
                    }
                    let matches = match &f.location {
                        Location::File { path, .. } => {
                            w.url.is_none()
                                && (w.paths.is_empty() || w.paths.iter().any(|g| g.is_match(path)))
                        }
                        Location::Http { url, .. } => {
                            w.paths.is_empty()
                                && w.url.as_ref().is_none_or(|u| url.starts_with(u.as_str()))
                        }
                        Location::Repository => w.paths.is_empty() && w.url.is_none(),
                    };
                    if !matches {
                        continue;
                    }
                    used[wi] = true;
                    if w.expires.as_deref().is_some_and(|e| e < today) {
                        continue;
                    }
                    f.waiver = Some(Waiver {
                        kind: WaiverKind::Config,
                        reason: w.reason.clone(),
                    });
                    break;
                }
            }
            // Any finding still present keeps its baseline entry alive, even when an inline
            // comment or a config waiver covers it now.
            if let (Some(b), Some(fps)) = (baseline, &fingerprints)
                && let Some(fp) = fps.get(&(ri, fi))
                && b.contains(fp)
            {
                baseline_hits.insert(fp.clone());
            }
            if f.waiver.is_none()
                && let (Some(b), Some(fps)) = (baseline, &fingerprints)
                && fps.get(&(ri, fi)).is_some_and(|fp| b.contains(fp))
            {
                f.waiver = Some(Waiver {
                    kind: WaiverKind::Baseline,
                    reason: "in the baseline".to_owned(),
                });
            }
        }
        let total = result.findings.len();
        let waived = result
            .findings
            .iter()
            .filter(|f| f.waiver.is_some())
            .count();
        if total > 0 && waived == total {
            let mut reasons: Vec<String> = result
                .findings
                .iter()
                .filter_map(|f| f.waiver.as_ref())
                .map(|w| w.reason.clone())
                .collect();
            reasons.sort();
            reasons.dedup();
            result.outcome = Outcome::Waived(format!(
                "{total} finding{} waived: {}",
                if total == 1 { "" } else { "s" },
                reasons.join("; ")
            ));
        }
    }
    if let Some(b) = baseline {
        let stale = b
            .findings
            .iter()
            .filter(|e| !baseline_hits.contains(&e.fingerprint))
            .count();
        // Only meaningful when every rule ran: with --select, absent entries may belong to
        // rules left out.
        let all_rules_ran = b
            .findings
            .iter()
            .all(|e| ran.contains(&e.rule.to_ascii_lowercase()));
        if stale > 0 && all_rules_ran {
            warnings.push(format!(
                "{stale} baseline {} no longer {} a finding (fixed or changed); run `readycheck baseline` again to drop {}",
                if stale == 1 { "entry" } else { "entries" },
                if stale == 1 { "matches" } else { "match" },
                if stale == 1 { "it" } else { "them" }
            ));
        }
    }
    if inline {
        for path in &files {
            let Some(text) = ws.find(path).and_then(|i| ws.text(i).ok()) else {
                continue;
            };
            for (n, l) in text.lines().enumerate() {
                if let Some((ids, reason)) = parse_directive(path, l)
                    && !reason.is_empty()
                    && !used_inline.contains(&(path.clone(), n + 1))
                    // A directive for a rule that did not run (--select) may well be used.
                    && ids.iter().all(|i| ran.contains(&i.to_ascii_lowercase()))
                {
                    warnings.push(format!(
                        "{path}:{}: `readycheck: ignore[{}]` matched no finding; remove it",
                        n + 1,
                        ids.join(",")
                    ));
                }
            }
        }
    }
    for (w, used) in config.iter().zip(used) {
        if w.expires.as_deref().is_some_and(|e| e < today) {
            warnings.push(format!(
                "{} expired on {}; its findings count again",
                w.label,
                w.expires.as_deref().unwrap_or("")
            ));
        } else if !used {
            warnings.push(format!("{} matched no finding; remove it", w.label));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_in_each_comment_syntax() {
        for (path, line) in [
            (
                "Dockerfile",
                "RUN make # readycheck: ignore[DOCK001] dev image",
            ),
            (
                "k8s/app.yaml",
                "  image: x # readycheck: ignore[DOCK001] dev image",
            ),
            ("app.py", "# readycheck: ignore[DOCK001] dev image"),
            (
                "src/app.ts",
                "x = 1  // readycheck: ignore[DOCK001] dev image",
            ),
            ("main.go", "/* readycheck: ignore[DOCK001] dev image */"),
            ("db/init.sql", "-- readycheck: ignore[DOCK001] dev image"),
            (
                "README.md",
                "<!-- readycheck: ignore[DOCK001] dev image -->",
            ),
            ("notes.txt", "// readycheck: ignore[DOCK001] dev image"),
        ] {
            assert_eq!(
                parse_directive(path, line),
                Some((vec!["DOCK001".to_owned()], "dev image".to_owned())),
                "{path}: {line}"
            );
        }
        assert_eq!(
            parse_directive("Dockerfile", "# readycheck: ignore[A001, root-user]"),
            Some((
                vec!["A001".to_owned(), "root-user".to_owned()],
                String::new()
            ))
        );
        assert_eq!(
            parse_directive("Dockerfile", "readycheck: ignore[X] not in a comment"),
            None
        );
    }

    #[test]
    fn directives_need_the_file_languages_comment_syntax() {
        // `#` is not a comment in JavaScript, `//` is not one in YAML or SQL.
        assert_eq!(parse_directive("app.js", "# readycheck: ignore[X] y"), None);
        assert_eq!(
            parse_directive("a.yaml", "// readycheck: ignore[X] y"),
            None
        );
        assert_eq!(parse_directive("a.sql", "# readycheck: ignore[X] y"), None);
        assert_eq!(
            parse_directive("README.md", "# readycheck: ignore[X] y"),
            None
        );
        assert!(!is_comment_only("app.js", "# readycheck: ignore[X] y"));
    }

    #[test]
    fn directive_text_inside_a_string_is_not_a_comment() {
        assert_eq!(
            parse_directive("t.rs", r#"let s = "// readycheck: ignore[X] y";"#),
            None
        );
        assert_eq!(
            parse_directive("a.yaml", "k: a#readycheck: ignore[X] y"),
            None
        );
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_416), "2025-11-24");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }
}
