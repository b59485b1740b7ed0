//! `secret_scan`: hardcoded credentials. Three detectors share one pass over each file:
//! provider patterns given as params (AWS, GitHub, Slack, … adapted from gitleaks' MIT
//! rules), generic assignments of a literal to a secret-named variable gated by length
//! and Shannon entropy, and secret-named environment reads that fall back to a literal
//! (`os.getenv("SECRET_KEY", "dev")`, `process.env.JWT_SECRET || "x"`). Values are always
//! masked in messages.

use super::{Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError, regex_param};
use crate::collect::FileProblem;
use crate::collect::select::SelectorId;
use crate::finding::{Finding, mask};

/// A secret as shown in messages: one line, masked, at most 32 characters of stars.
#[must_use]
pub fn shown(secret: &str) -> String {
    let flat: String = secret.split_whitespace().collect::<Vec<_>>().join("");
    let masked = mask(&flat);
    let n = masked.chars().count();
    if n <= 40 {
        return masked;
    }
    let head: String = masked.chars().take(4).collect();
    let tail: String = masked.chars().skip(n - 4).collect();
    format!("{head}{}{tail}", "*".repeat(32))
}

use crate::textpos::LineIndex;
use regex::Regex;
use serde::Deserialize;

/// One provider pattern.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    /// What the secret is, for messages (`AWS access key id`).
    pub name: String,
    /// The regex; the named group `secret` (else the whole match) is the value, and an
    /// optional group `name` the variable that holds it (named in the message).
    pub regex: String,
}

/// Generic `name = "literal"` detection.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignments {
    /// Case-insensitive regex the *end* of a variable name must match (`secret|password|…`).
    pub names: String,
    /// Shortest value reported.
    #[serde(default = "default_min_length")]
    pub min_length: usize,
    /// Lowest Shannon entropy (bits per character) reported.
    #[serde(default = "default_min_entropy")]
    pub min_entropy: f64,
    /// Also report env reads of such names that fall back to a literal (any non-empty value).
    #[serde(default)]
    pub fallbacks: bool,
    /// Case-insensitive regex: an assigned value it matches is not a secret (identifiers,
    /// paths, URLs). Provider patterns ignore it.
    #[serde(default)]
    pub ignore_values: Option<String>,
}

fn default_min_length() -> usize {
    8
}
fn default_min_entropy() -> f64 {
    3.0
}

/// Parameters of `secret_scan`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Globs of files to scan.
    pub paths: Vec<String>,
    /// Globs to leave out (lockfiles, tests, fixtures, env examples).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Provider patterns.
    #[serde(default)]
    pub patterns: Vec<Pattern>,
    /// Generic secret-named assignments.
    #[serde(default)]
    pub assignments: Option<Assignments>,
    /// Case-insensitive regex: a value it matches is a placeholder, not a secret.
    #[serde(default)]
    pub placeholders: Option<String>,
    /// A match is ignored when this regex matches its line or one of the two lines before
    /// it (`example:` blocks of API docs, `# fake key for the demo`).
    #[serde(default)]
    pub unless_context: Option<String>,
    /// With no file to scan the rule passes (nothing of the kind is committed) instead of
    /// being skipped.
    #[serde(default)]
    pub pass_without_files: bool,
}

struct CompiledAssignments {
    assign: Regex,
    fallback: Vec<Regex>,
    min_length: usize,
    min_entropy: f64,
    ignore_values: Option<Regex>,
}

/// Compiled `secret_scan`.
pub struct SecretScan {
    files: SelectorId,
    patterns: Vec<(String, Regex)>,
    assignments: Option<CompiledAssignments>,
    placeholders: Option<Regex>,
    unless_context: Option<Regex>,
    pass_without_files: bool,
}

/// Shannon entropy of a string in bits per character.
#[must_use]
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = f64::from(n);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

const MAX_FINDINGS: usize = 500;

impl CheckKind for SecretScan {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        let files = cx.files("paths", &p.paths, &p.exclude, false)?;
        let mut patterns = Vec::new();
        for (i, pat) in p.patterns.iter().enumerate() {
            patterns.push((
                pat.name.clone(),
                regex_param(&format!("patterns[{i}].regex"), &pat.regex, false)?,
            ));
        }
        let assignments = p
            .assignments
            .map(|a| -> Result<CompiledAssignments, ParamError> {
                regex_param("assignments.names", &a.names, true)?;
                let n = &a.names;
                // name [: type] (= | := | : | =>) "literal"
                let assign = regex_param(
                    "assignments.names",
                    &format!(
                        r#"(?P<name>\b[A-Za-z0-9_.\-]*(?:{n}))["']?\s*(?::\s*[A-Za-z_][\w\[\], |.]*\s*=|:=|=>|=|:)\s*[rbfu]?(?P<q>["'`])(?P<secret>[^"'`\n]*)["'`]"#
                    ),
                    true,
                )?;
                let name = format!(r#"(?P<name>[A-Za-z0-9_]*(?:{n}))"#);
                let lit = r#"["'`](?P<secret>[^"'`\n]*)["'`]"#;
                let fallback = [
                    format!(r#"(?:getenv|environ\.get|env\.get|Getenv|env::var)\(\s*["']{name}["']\s*,\s*{lit}"#),
                    format!(r#"process\.env(?:\.{name}|\[\s*["'`]{name2}["'`]\s*\])\s*(?:\|\||\?\?)\s*{lit}"#, name2 = name.replace("?P<name>", "?P<name2>")),
                    // Python's `os.environ.get("X") or "literal"`.
                    format!(r#"(?:getenv|environ\.get)\(\s*["']{name}["']\s*\)\s*or\s*{lit}"#),
                ]
                .iter()
                .map(|f| regex_param("assignments.names", f, true))
                .collect::<Result<Vec<_>, _>>()?;
                let ignore_values = a
                    .ignore_values
                    .as_deref()
                    .map(|r| regex_param("assignments.ignore_values", r, false))
                    .transpose()?;
                Ok(CompiledAssignments {
                    ignore_values,
                    assign,
                    fallback: if a.fallbacks { fallback } else { Vec::new() },
                    min_length: a.min_length,
                    min_entropy: a.min_entropy,
                })
            })
            .transpose()?;
        let placeholders = p
            .placeholders
            .as_deref()
            .map(|r| regex_param("placeholders", r, true))
            .transpose()?;
        let unless_context = p
            .unless_context
            .as_deref()
            .map(|r| regex_param("unless_context", r, false))
            .transpose()?;
        Ok(SecretScan {
            files,
            patterns,
            assignments,
            placeholders,
            unless_context,
            pass_without_files: p.pass_without_files,
        })
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let ws = cx.workspace();
        let files = cx.subjects(self.files);
        if files.is_empty() {
            if self.pass_without_files {
                // The repository is the subject: it holds no such file.
                cx.judged(1);
                return Ok(Applicability::Applicable);
            }
            return Ok(Applicability::NotApplicable("no file to scan".to_owned()));
        }
        for &i in files {
            // Binary and oversized files are not source: skipped silently, not inconclusive.
            let text = match ws.text(i) {
                Ok(t) => t,
                Err(FileProblem::Binary | FileProblem::TooLarge { .. }) => continue,
                Err(_) => {
                    let Some(t) = cx.text(i) else { continue };
                    t
                }
            };
            let rel = &ws.file(i).rel;
            let mut hits: Vec<(usize, String)> = Vec::new();
            for (name, re) in &self.patterns {
                for c in re.captures_iter(text) {
                    let m = c.name("secret").or_else(|| c.get(0)).expect("match");
                    if self.is_placeholder(m.as_str()) {
                        continue;
                    }
                    // A pattern with a `name` group says which variable holds the value.
                    let msg = match c.name("name") {
                        Some(var) => format!(
                            "`{}` is set to a {name} `{}`",
                            var.as_str(),
                            shown(m.as_str())
                        ),
                        None => format!("hardcoded {name} `{}`", shown(m.as_str())),
                    };
                    hits.push((m.start(), msg));
                }
            }
            if let Some(a) = &self.assignments {
                for re in &a.fallback {
                    for c in re.captures_iter(text) {
                        let var = c.name("name").or_else(|| c.name("name2")).expect("name");
                        let v = c.name("secret").expect("secret");
                        if v.as_str().trim().is_empty() {
                            continue;
                        }
                        hits.push((
                            v.start(),
                            format!(
                                "`{}` falls back to a hardcoded value `{}`",
                                var.as_str(),
                                shown(v.as_str())
                            ),
                        ));
                    }
                }
                for c in a.assign.captures_iter(text) {
                    let var = c.name("name").expect("name");
                    let v = c.name("secret").expect("secret");
                    let value = v.as_str();
                    // Length in characters; a value with non-ASCII letters is prose (a
                    // translated "password" label), not a generated secret.
                    if value.chars().count() < a.min_length
                        || value.contains(char::is_whitespace)
                        || value.chars().any(|c| !c.is_ascii() && c.is_alphabetic())
                        || shannon_entropy(value) < a.min_entropy
                        || self.is_placeholder(value)
                        || a.ignore_values.as_ref().is_some_and(|r| r.is_match(value))
                        || hits.iter().any(|(o, _)| *o == v.start())
                    {
                        continue;
                    }
                    hits.push((
                        v.start(),
                        format!("`{}` is set to a literal `{}`", var.as_str(), shown(value)),
                    ));
                }
            }
            hits.sort();
            hits.dedup_by_key(|h| h.0);
            let mut index: Option<LineIndex> = None;
            for (offset, msg) in hits {
                if cx.findings.len() >= MAX_FINDINGS {
                    break;
                }
                let idx = index.get_or_insert_with(|| LineIndex::new(text));
                let (line, col) = idx.position(text, offset);
                if let Some(u) = &self.unless_context
                    && (line.saturating_sub(2)..=line)
                        .filter(|&l| l >= 1)
                        .any(|l| u.is_match(idx.line_text(text, l)))
                {
                    continue;
                }
                cx.report(Finding::at(rel, line, col, msg));
            }
        }
        Ok(Applicability::Applicable)
    }
}

impl SecretScan {
    fn is_placeholder(&self, value: &str) -> bool {
        self.placeholders
            .as_ref()
            .is_some_and(|p| p.is_match(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{lines, run};

    #[test]
    fn entropy_is_bits_per_char() {
        assert!(shannon_entropy("") == 0.0);
        assert!(shannon_entropy("aaaa") == 0.0);
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
        assert!(shannon_entropy("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz") > 4.0);
    }

    const P: &str = r#"paths: ["*"]
exclude: [tests/, ".env.example"]
patterns:
  - name: AWS access key id
    regex: '\b(?P<secret>(?:AKIA|ASIA)[A-Z0-9]{16})\b'
  - name: GitHub token
    regex: '\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b'
assignments:
  names: 'secret|secret_?key|password|token|api_?key'
  fallbacks: true
placeholders: '(?i)(example|changeme$|^x+$|dummy|^your[-_]|^<.*>$|\$\{|\{\{)'"#;

    #[test]
    fn finds_and_masks() {
        let (_, f, _) = run(
            "secret_scan",
            P,
            &[
                (
                    "app/settings.py",
                    "AWS = 'AKIAZ7QWERTYUIOPLKJH'\nEXAMPLE = 'AKIAIOSFODNN7EXAMPLE'\nSECRET_KEY = os.getenv(\"SECRET_KEY\", \"dev-secret\")\nPASSWORD = os.environ.get(\"DB_PASSWORD\", \"\")\ndb_password: str = \"Zx9!kQ2#mP7v\"\napi_key = \"changeme\"\ntoken = \"${TOKEN}\"\n",
                ),
                (
                    "src/a.js",
                    "const s = process.env.JWT_SECRET || 'changeme-not';\nif (password === \"abcdefghij\") {}\n",
                ),
                ("tests/test_a.py", "AWS = 'AKIAZ7QWERTYUIOPLKJH'\n"),
            ],
        );
        assert_eq!(
            lines(&f),
            vec![
                "app/settings.py:1:8: hardcoded AWS access key id `AKIA************LKJH`",
                "app/settings.py:3:39: `SECRET_KEY` falls back to a hardcoded value `de********`",
                "app/settings.py:5:21: `db_password` is set to a literal `Zx**********`",
                "src/a.js:1:38: `JWT_SECRET` falls back to a hardcoded value `ch**********`",
            ]
        );
    }
}
