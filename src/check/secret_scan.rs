//! `secret_scan`: hardcoded credentials. Detectors share one pass over each file: provider
//! patterns given as params (AWS, GitHub, Slack, … adapted from gitleaks' MIT rules), and
//! secret-named values in the places a service keeps them: literal assignments, env reads
//! that fall back to a literal (`os.getenv("SECRET_KEY", "dev")`, `process.env.X || "x"`),
//! config-library defaults (viper `SetDefault`, zod/joi/yup `.default(…)`, pydantic
//! settings, Spring `${name:default}`) and committed configuration files (`key: value`,
//! `key=value`). A name only says where to look: every value is classified (`classify`)
//! and only one that looks real, or a human-chosen default, is reported. One value is one
//! finding, at its first place, naming the others. Values are always masked.

mod classify;

pub use classify::shannon_entropy;

use super::{Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError, regex_param};
use crate::check::LazyRegex;
use crate::collect::FileProblem;
use crate::collect::select::{SelectorId, normalize_glob};
use crate::finding::{Finding, mask};
use crate::textpos::LineIndex;
use classify::{Class, Thresholds, classify, public_identifier};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use indexmap::IndexMap;
use regex::{Captures, Regex};
use serde::Deserialize;

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

/// One provider pattern.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    /// What the secret is, for messages (`AWS access key id`).
    pub name: String,
    /// The regex; the named group `secret` (else the whole match) is the value, and an
    /// optional group `name` the variable that holds it (named in the message; the value
    /// is then classified like an assignment, and placeholders are not reported).
    pub regex: String,
}

/// Secret-named values: literals, fallbacks, library defaults and configuration files.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignments {
    /// Case-insensitive regex the *end* of a variable or key name must match
    /// (`secret|password|…`).
    pub names: String,
    /// Shortest value that can look generated.
    #[serde(default = "default_min_length")]
    pub min_length: usize,
    /// Lowest Shannon entropy (bits per character) of a value that looks generated.
    #[serde(default = "default_min_entropy")]
    pub min_entropy: f64,
    /// Also report defaults: env reads that fall back to a literal, config-library
    /// defaults (viper, zod, joi, yup, pydantic settings, Spring `${name:default}`).
    /// A default is reported when it looks real or was chosen by a person (not a
    /// placeholder); a plain literal only when it looks real.
    #[serde(default)]
    pub fallbacks: bool,
    /// Case-insensitive regex: a value it matches is not a secret (identifiers, paths,
    /// URLs). Provider patterns ignore it.
    #[serde(default)]
    pub ignore_values: Option<String>,
    /// Globs of the service's own configuration files (`application.properties`,
    /// `configuration/base.yaml`): their values are the defaults every deployment that does
    /// not override them runs with, so a human-chosen value there is reported like a
    /// default.
    #[serde(default)]
    pub config_files: Vec<String>,
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
    /// Secret-named values.
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

/// Where a secret-named value was found, which decides what is reported and how it is said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// `name = "literal"`: reported only when the value looks real.
    Literal,
    /// An env read that falls back to a literal.
    Fallback,
    /// A config library's default; the label names the library.
    Default(&'static str),
    /// A value in one of the service's own configuration files.
    ConfigFile,
}

/// A compiled detector of secret-named values.
struct Detector {
    re: LazyRegex,
    position: Position,
    /// File extensions it runs on (`None`: every file).
    exts: Option<&'static [&'static str]>,
}

struct CompiledAssignments {
    detectors: Vec<Detector>,
    min_length: usize,
    min_entropy: f64,
    fallbacks: bool,
    ignore_values: Option<LazyRegex>,
    config_files: Option<GlobSet>,
}

/// Compiled `secret_scan`.
pub struct SecretScan {
    files: SelectorId,
    patterns: Vec<(String, LazyRegex)>,
    assignments: Option<CompiledAssignments>,
    placeholders: Option<LazyRegex>,
    unless_context: Option<LazyRegex>,
    pass_without_files: bool,
}

const MAX_FINDINGS: usize = 500;
/// How many other places a message names before it says "and N more".
const MAX_ALSO: usize = 5;

/// Formats whose `key: value` / `key=value` lines hold unquoted values.
const UNQUOTED_EXTS: &[&str] = &["yaml", "yml", "properties", "ini", "cfg", "conf"];
/// Files where Spring property placeholders (`${name:default}`) are resolved.
const SPRING_EXTS: &[&str] = &["properties", "yaml", "yml", "java", "kt", "groovy", "xml"];
const PYTHON_EXTS: &[&str] = &["py"];
const GO_EXTS: &[&str] = &["go"];
const JS_EXTS: &[&str] = &["js", "mjs", "cjs", "ts", "mts", "cts", "jsx", "tsx"];

fn build_detectors(n: &str) -> Result<Vec<Detector>, ParamError> {
    let name = format!(r"(?P<name>[A-Za-z0-9_.\-]*(?:{n}))");
    let lit = r#"["'`](?P<secret>[^"'`\n]*)["'`]"#;
    let d = |re: String, position, exts| -> Result<Detector, ParamError> {
        Ok(Detector {
            re: regex_param("assignments.names", &re, true)?,
            position,
            exts,
        })
    };
    Ok(vec![
        // Env reads with a fallback: getenv("X", "lit"), os.environ.get("X", "lit"),
        // configService.get("X", "lit"), env::var, decouple/environ `config("X", default="lit")`.
        d(
            format!(
                r#"(?:\bgetenv|\bGetenv|\benv::var|\.get(?:<[^>\n]*>)?)\(\s*["']{name}["']\s*,\s*{lit}"#
            ),
            Position::Fallback,
            None,
        )?,
        d(
            format!(
                r#"\b(?:config|env(?:\.\w+)?)\(\s*["']{name}["']\s*,\s*(?:[A-Za-z_]\w*\s*=\s*[\w.\[\]]+\s*,\s*)*(?:default\s*=\s*)?{lit}"#
            ),
            Position::Fallback,
            Some(PYTHON_EXTS),
        )?,
        d(
            format!(
                r#"process\.env(?:\.{name}|\[\s*["'`]{name2}["'`]\s*\])\s*(?:\|\||\?\?)\s*{lit}"#,
                name2 = name.replace("?P<name>", "?P<name2>")
            ),
            Position::Fallback,
            None,
        )?,
        // Python's `os.environ.get("X") or "literal"`.
        d(
            format!(r#"(?:getenv|environ\.get)\(\s*["']{name}["']\s*\)\s*or\s*{lit}"#),
            Position::Fallback,
            Some(PYTHON_EXTS),
        )?,
        // Go's `if secret == "" { secret = "literal" }` (the two names are compared in code).
        d(
            format!(
                r#"\bif\s+{name}\s*==\s*""\s*\{{\s*(?P<name2>[A-Za-z_][\w.]*)\s*=\s*"(?P<secret>[^"\n]*)""#
            ),
            Position::Fallback,
            Some(GO_EXTS),
        )?,
        // viper.SetDefault("jwt.secret", "literal").
        d(
            format!(r#"\bSetDefault\(\s*"{name}"\s*,\s*(?:\[\]byte\(\s*)?"(?P<secret>[^"\n]*)""#),
            Position::Default("viper `SetDefault`"),
            Some(GO_EXTS),
        )?,
        // zod / joi / yup schemas: `JWT_SECRET: z.string().min(32).default("literal")`, the
        // chain may continue on following lines that start with `.`.
        d(
            format!(
                r#"(?P<name>\b[A-Za-z0-9_]*(?:{n}))["']?\s*:\s*(?P<lib>z|Joi|joi|yup|Yup)(?:\.[^\n;.]*|\n[ \t]*)*?\.default\(\s*{lit}"#
            ),
            Position::Default("schema `.default`"),
            Some(JS_EXTS),
        )?,
        // Spring property placeholders with a default: `${jwt.secret:literal}`.
        d(
            format!(r#"\$\{{{name}:(?P<secret>[^-=?+}}\n][^}}\n]*)\}}"#),
            Position::Default("Spring `${…:default}`"),
            Some(SPRING_EXTS),
        )?,
        // …and a secret-named key whose placeholder has a default:
        // `spring.datasource.password=${DB_PASS:literal}`.
        d(
            format!(
                r#"(?m)^[ \t]*{name}[ \t]*[:=][ \t]*["']?\$\{{(?P<source>[A-Za-z0-9_.\-]+):(?P<secret>[^-=?+}}\n][^}}\n]*)\}}"#
            ),
            Position::Default("Spring `${…:default}`"),
            Some(SPRING_EXTS),
        )?,
        // Plain assignments last, so a match that is also a default is reported as one.
        // The name and its separator share a line: `? 'a_password'\n : 'other'` is a
        // ternary, not a key.
        // name [: type] (= | := | => | :) [wrapper(] "literal": code, JSON, quoted YAML/TOML.
        d(
            format!(
                r#"(?P<name>\b[A-Za-z0-9_.\-]*(?:{n}))(?P<nq>["']?)[ \t]*(?P<sep>:\s*[A-Za-z_][\w\[\], |.]*\s*=|:=|=>|=|:)\s*(?P<wrap>(?:\[\]byte|SecretStr|SecretBytes|Secret(?:String|Box)?::(?:new|from)|String::from|Field)\(\s*(?:default\s*=\s*)?)?[rbfu]?(?P<q>["'`])(?P<secret>[^"'`\n]*)["'`]"#
            ),
            Position::Literal,
            None,
        )?,
        // Unquoted `key: value` (YAML) and `key=value` / `key: value` (.properties, INI).
        d(
            format!(
                r#"(?m)^[ \t]*(?:-[ \t]+)?{name}[ \t]*[:=][ \t]*(?P<secret>[^ \t\r\n"'`#&*!|>{{\[$%@,][^\r\n]*?)[ \t]*\r?$"#
            ),
            Position::Literal,
            Some(UNQUOTED_EXTS),
        )?,
    ])
}

fn config_globs(globs: &[String]) -> Result<Option<GlobSet>, ParamError> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(
            GlobBuilder::new(&normalize_glob(g))
                .literal_separator(true)
                .case_insensitive(true)
                .build()
                .map_err(|e| {
                    ParamError::at(
                        "assignments.config_files",
                        format!("invalid glob `{g}`: {}", e.kind()),
                    )
                })?,
        );
    }
    b.build()
        .map(Some)
        .map_err(|e| ParamError::at("assignments.config_files", e.to_string()))
}

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
                let ignore_values = a
                    .ignore_values
                    .as_deref()
                    .map(|r| regex_param("assignments.ignore_values", r, false))
                    .transpose()?;
                Ok(CompiledAssignments {
                    detectors: build_detectors(&a.names)?,
                    min_length: a.min_length,
                    min_entropy: a.min_entropy,
                    fallbacks: a.fallbacks,
                    ignore_values,
                    config_files: config_globs(&a.config_files)?,
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
        // Every place each value was found, in path order, so one value is one finding.
        let mut found: IndexMap<String, Vec<(String, u32, u32, String)>> = IndexMap::new();
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
            if not_service_file(rel, text).is_some() {
                continue;
            }
            let ci_file = ws.role(i) == crate::collect::scope::Role::Ci;
            let mut hits = self.pattern_hits(text);
            if let Some(a) = &self.assignments {
                self.assignment_hits(a, rel, text, &mut hits);
            }
            hits.sort_by_key(|h| h.0);
            hits.dedup_by_key(|h| h.0);
            let mut index: Option<LineIndex> = None;
            for (offset, value, msg) in hits {
                let idx = index.get_or_insert_with(|| LineIndex::new(text));
                let (line, col) = idx.position(text, offset);
                if ci_file && in_test_env_block(text, offset) {
                    continue;
                }
                if let Some(u) = &self.unless_context
                    && (line.saturating_sub(2)..=line)
                        .filter(|&l| l >= 1)
                        .any(|l| u.is_match(idx.line_text(text, l)))
                {
                    continue;
                }
                found
                    .entry(value)
                    .or_default()
                    .push((rel.clone(), line, col, msg));
            }
        }
        for places in found.values() {
            if cx.findings.len() >= MAX_FINDINGS {
                break;
            }
            let (rel, line, col, msg) = &places[0];
            cx.report(Finding::at(
                rel,
                *line,
                *col,
                with_other_places(msg, &places[1..]),
            ));
        }
        Ok(Applicability::Applicable)
    }
}

/// The message of a value's first place, naming the places it also appears.
fn with_other_places(msg: &str, others: &[(String, u32, u32, String)]) -> String {
    if others.is_empty() {
        return msg.to_owned();
    }
    let mut named: Vec<String> = others
        .iter()
        .take(MAX_ALSO)
        .map(|(p, l, _, _)| format!("{p}:{l}"))
        .collect();
    if others.len() > MAX_ALSO {
        named.push(format!("and {} more", others.len() - MAX_ALSO));
    }
    format!("{msg} (also at {})", named.join(", "))
}

/// Files that hold requests or test steps rather than the service's configuration,
/// recognised by name or content where a path role cannot tell: API-client collections
/// (Postman, Insomnia, Bruno, HTTP-client request files) and smoke-test scripts.
fn not_service_file(rel: &str, text: &str) -> Option<&'static str> {
    let base = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    let ext = base.rsplit_once('.').map_or("", |(_, e)| e);
    if base.contains(".postman_collection")
        || base.contains(".postman_environment")
        || base.contains(".postman_globals")
        || (ext == "json"
            && (text.contains("schema.getpostman.com")
                || text.contains("\"_postman_id\"")
                || text.contains("\"_postman_variable_scope\"")))
    {
        return Some("a Postman collection");
    }
    if (text.contains("\"__export_format\"") && text.contains("insomnia"))
        || text.contains("collection.insomnia.rest/")
        || base.starts_with("insomnia")
    {
        return Some("an Insomnia export");
    }
    if ext == "bru" || ext == "http" || ext == "rest" || base.starts_with("http-client.") {
        return Some("an HTTP-client request file");
    }
    if base.contains("smoke") {
        return Some("a smoke-test script");
    }
    None
}

static TEST_ENV: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(
        r#"(?i)^\s*-?\s*["']?(?:NODE_ENV|RAILS_ENV|RACK_ENV|APP_ENV|FLASK_ENV|ENV|ENVIRONMENT|GO_ENV|MIX_ENV|ASPNETCORE_ENVIRONMENT|SPRING_PROFILES_ACTIVE|DJANGO_SETTINGS_MODULE)["']?\s*[:=]\s*["']?[\w.]*\b(?:test|testing|ci)\b"#,
    )
    .expect("valid regex")
});

/// Whether the match at `offset` sits in a YAML mapping (a CI job's `env:`) that also sets
/// the environment to test (`NODE_ENV: test`, `RAILS_ENV: test`): values there configure
/// the test run against throw-away services, not a deployment.
fn in_test_env_block(text: &str, offset: usize) -> bool {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let indent = |l: &str| l.len() - l.trim_start().len();
    let line = text[start..].lines().next().unwrap_or("");
    let own = indent(line);
    let sibling = |l: &str| {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            return None;
        }
        Some(indent(l))
    };
    let mut before = text[..start].lines().rev();
    let mut after = text[start..].lines().skip(1);
    let scan = |lines: &mut dyn Iterator<Item = &str>| {
        for l in lines {
            match sibling(l) {
                None => {}
                Some(n) if n < own => return false,
                Some(n) if n == own && TEST_ENV.is_match(l) => return true,
                Some(_) => {}
            }
        }
        false
    };
    TEST_ENV.is_match(line) || scan(&mut before) || scan(&mut after)
}

/// Whether the text before a match on its line makes it a comment.
fn in_comment(text: &str, offset: usize) -> bool {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = text[start..offset].trim_start();
    ["#", "//", "/*", "*", "--", ";", "<!--", "!", "%", "rem "]
        .iter()
        .any(|c| before.starts_with(c))
}

/// One candidate: offset of the value, the value, the message.
type Hit = (usize, String, String);

impl SecretScan {
    fn thresholds<'a>(&'a self, a: Option<&'a CompiledAssignments>) -> Thresholds<'a> {
        Thresholds {
            min_length: a.map_or(default_min_length(), |a| a.min_length),
            min_entropy: a.map_or(default_min_entropy(), |a| a.min_entropy),
            placeholders: self.placeholders.as_deref(),
            ignore_values: a.and_then(|a| a.ignore_values.as_deref()),
        }
    }

    fn pattern_hits(&self, text: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (name, re) in &self.patterns {
            for c in re.captures_iter(text) {
                let m = c.name("secret").or_else(|| c.get(0)).expect("match");
                let value = m.as_str();
                if self
                    .placeholders
                    .as_ref()
                    .is_some_and(|p| p.is_match(value))
                {
                    continue;
                }
                let var = c.name("name").map_or("", |v| v.as_str());
                if public_identifier(value, var, text, m.start()).is_some() {
                    continue;
                }
                // A pattern with a `name` group says which variable holds the value, and
                // that value is judged like an assignment's.
                let msg = if var.is_empty() {
                    format!("hardcoded {name} `{}`", shown(value))
                } else {
                    let class = classify(value, &self.thresholds(self.assignments.as_ref()));
                    let kind = match class {
                        Class::RealLooking => " that looks real",
                        Class::HumanChosen => ", a human-chosen value",
                        Class::Placeholder | Class::NotSecret(_) => continue,
                    };
                    format!("`{var}` is set to a {name} `{}`{kind}", shown(value))
                };
                hits.push((m.start(), value.to_owned(), msg));
            }
        }
        hits
    }

    fn assignment_hits(&self, a: &CompiledAssignments, rel: &str, text: &str, hits: &mut Vec<Hit>) {
        let ext = rel
            .rsplit_once('.')
            .map_or("", |(_, e)| e)
            .to_ascii_lowercase();
        let config_file = a.config_files.as_ref().is_some_and(|g| g.is_match(rel));
        let pydantic = ext == "py" && text.contains("BaseSettings");
        let t = self.thresholds(Some(a));
        for det in &a.detectors {
            if det.exts.is_some_and(|e| !e.contains(&ext.as_str())) {
                continue;
            }
            if !a.fallbacks && det.position != Position::Literal {
                continue;
            }
            for c in det.re.captures_iter(text) {
                let Some((var, v, position)) = candidate(&c, det.position) else {
                    continue;
                };
                let mut value = v.as_str();
                if det.exts == Some(UNQUOTED_EXTS) {
                    // A YAML or INI comment after the value is not part of it.
                    value = value.split(" #").next().unwrap_or(value).trim_end();
                }
                let position = match position {
                    _ if in_comment(text, v.start()) => Position::Literal,
                    Position::Literal if pydantic && typed(&c) => {
                        Position::Default("pydantic settings")
                    }
                    Position::Literal if config_file && a.fallbacks => Position::ConfigFile,
                    p => p,
                };
                if hits.iter().any(|h| h.0 == v.start())
                    || public_identifier(value, var, text, v.start()).is_some()
                {
                    continue;
                }
                let class = classify(value, &t);
                let reported = match (position, class) {
                    (_, Class::RealLooking) => true,
                    (Position::Literal, _) => false,
                    (_, c) => c == Class::HumanChosen,
                };
                if !reported {
                    continue;
                }
                let kind = kind_phrase(class).unwrap_or_default();
                let shown = shown(value);
                let msg = match position {
                    Position::Literal => format!("`{var}` is set to a literal `{shown}`{kind}"),
                    Position::Fallback => {
                        format!("`{var}` falls back to a hardcoded value `{shown}`{kind}")
                    }
                    Position::Default(lib) => {
                        format!("`{var}` has a hardcoded default `{shown}` ({lib}){kind}")
                    }
                    Position::ConfigFile => format!(
                        "`{var}` is set to `{shown}` in a committed configuration file{kind}"
                    ),
                };
                hits.push((v.start(), value.to_owned(), msg));
            }
        }
    }
}

/// The variable, the value and the position of one detector match, or `None` when the
/// match is not an assignment after all (markup, a Go check of another variable).
fn candidate<'t>(
    c: &Captures<'t>,
    position: Position,
) -> Option<(&'t str, regex::Match<'t>, Position)> {
    let var = c.name("name").or_else(|| c.name("name2"))?.as_str();
    let v = c.name("secret")?;
    // `${env:VAR}`, `${file:…}`: the OpenTelemetry Collector's (and others') way to name a
    // source, not a Spring placeholder with a default.
    let source_prefix = |s: &str| {
        [
            "env", "file", "http", "https", "yaml", "sys", "vault", "secret", "secrets",
        ]
        .contains(&s.to_ascii_lowercase().as_str())
    };
    let placeholder_named =
        c.get(0).is_some_and(|m| m.as_str().starts_with("${")) && source_prefix(var);
    if c.name("source").is_some_and(|s| source_prefix(s.as_str())) || placeholder_named {
        return None;
    }
    // Go's `if a == "" { b = "x" }` defaults `a` only when `b` is `a`.
    if let (Some(a), Some(b)) = (c.name("name"), c.name("name2"))
        && a.as_str() != b.as_str()
    {
        return None;
    }
    // `name="Password" :placeholder="…"`: a quoted name followed by `:attr=` is an HTML or
    // Vue attribute, not a typed assignment.
    if let (Some(nq), Some(sep)) = (c.name("nq"), c.name("sep"))
        && !nq.as_str().is_empty()
        && sep.as_str().starts_with(':')
        && sep.as_str().contains('=')
    {
        return None;
    }
    Some((var, v, position))
}

/// Whether an assignment carries a type annotation (`SECRET: str = "…"`), as a settings
/// class field does.
fn typed(c: &Captures<'_>) -> bool {
    c.name("sep")
        .is_some_and(|s| s.as_str().starts_with(':') && s.as_str().contains('='))
        || c.name("wrap").is_some()
}

/// How a reported value is described; `None` for values that are not reported.
fn kind_phrase(class: Class) -> Option<&'static str> {
    match class {
        Class::RealLooking => Some(" that looks like a real credential"),
        Class::HumanChosen => Some(", a human-chosen value"),
        Class::Placeholder | Class::NotSecret(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{lines, run};

    const P: &str = r#"paths: ["*"]
exclude: [tests/, ".env.example"]
patterns:
  - name: AWS access key id
    regex: '\b(?P<secret>(?:AKIA|ASIA)[A-Z0-9]{16})\b'
  - name: GitHub token
    regex: '\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b'
assignments:
  names: 'secret|secret_?key|password|token|api_?key'
  min_length: 10
  min_entropy: 3.2
  fallbacks: true
  config_files: [application.properties, "configuration/base.yaml"]
placeholders: '(?i)(example|changeme$|^x+$|dummy|^your[-_]|^<.*>$|\$\{|\{\{)'"#;

    fn scan(files: &[(&str, &str)]) -> Vec<String> {
        let (_, f, _) = run("secret_scan", P, files);
        lines(&f)
    }

    #[test]
    fn finds_and_masks() {
        assert_eq!(
            scan(&[
                (
                    "app/settings.py",
                    "AWS = 'AKIAZ7QWERTYUIOPLKJH'\nEXAMPLE = 'AKIAIOSFODNN7EXAMPLE'\nSECRET_KEY = os.getenv(\"SECRET_KEY\", \"you-will-never-guess\")\nPASSWORD = os.environ.get(\"DB_PASSWORD\", \"\")\ndb_password: str = \"Zx9!kQ2#mP7v\"\napi_key = \"changeme\"\ntoken = \"${TOKEN}\"\n",
                ),
                (
                    "src/a.js",
                    "const s = process.env.JWT_SECRET || 'changeme-not';\nif (password === \"abcdefghij\") {}\n",
                ),
                ("tests/test_a.py", "AWS = 'AKIAZ7QWERTYUIOPLKJH'\n"),
            ]),
            vec![
                "app/settings.py:1:8: hardcoded AWS access key id `AKIA************LKJH`",
                "app/settings.py:3:39: `SECRET_KEY` falls back to a hardcoded value `you-************uess`, a human-chosen value",
                "app/settings.py:5:21: `db_password` is set to a literal `Zx**********` that looks like a real credential",
            ]
        );
    }

    /// Covers issue #20: a name alone is never a finding.
    #[test]
    fn names_alone_are_not_findings() {
        assert!(
            scan(&[
                (
                    "authenticators.go",
                    "const (\n\tICloudKeychain = \"fbfc3007-154e-4ecc-8c0b-6e020557d7bd\"\n\tWindowsHello = \"08987058-cadc-4b81-b6e1-30de50dcbe96\"\n\tOnePassword = \"bada5566-a7aa-401f-bd96-45619a55120d\"\n)\n",
                ),
                (
                    "src/Login.vue",
                    "<el-input v-model=\"form.password\" name=\"Password\" :placeholder=\"t3Xk9QzL2wPm7vR4\" />\n",
                ),
                (
                    "app/oauth.py",
                    "def login():\n    \"\"\"Usage: client_secret = \"Enter_the_Client_Secret_Here\"\"\"\"\n",
                ),
                ("app/sql.py", "password = '{password_hash}'\n"),
                (
                    "otel/otelcol-config.yml",
                    "receivers:\n  postgresql:\n    password: ${env:POSTGRES_MONITORING_PASSWORD}\n",
                ),
                (
                    "k8s/secret.yaml",
                    "kind: Secret\ndata:\n  db_password: cGFzc3dvcmQ=\n",
                ),
            ])
            .is_empty()
        );
    }

    /// Covers issue #20: one leaked value is one finding that names its other places.
    #[test]
    fn one_value_is_one_finding_with_its_other_places() {
        let key = "ub9V6ntqsC57Uzp2QmBx";
        assert_eq!(
            scan(&[
                ("a/settings.py", &format!("SECRET_KEY = \"{key}\"\n")),
                (
                    "b/config.go",
                    &format!("var jwtSecret = []byte(\"{key}\")\n")
                ),
                ("c/app.js", &format!("const apiKey = '{key}';\n")),
            ]),
            vec![
                "a/settings.py:1:15: `SECRET_KEY` is set to a literal `ub9V************QmBx` that looks like a real credential (also at b/config.go:1, c/app.js:1)"
            ]
        );
    }

    #[test]
    fn library_defaults_and_config_files_report_chosen_values() {
        assert_eq!(
            scan(&[
                (
                    "cmd/main.go",
                    "viper.SetDefault(\"jwt-secret\", \"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\")\nviper.SetDefault(\"db.password\", \"postgres\")\n",
                ),
                (
                    "src/env.ts",
                    "export const env = z.object({\n  JWT_SECRET: z.string().min(8).default('lifetrack-secret'),\n  API_KEY: z.string().default(''),\n});\n",
                ),
                (
                    "configuration/base.yaml",
                    "application:\n  hmac_secret: \"super-long-and-secret-random-key-needed-to-verify-message-integrity\"\ndatabase:\n  password: \"password\"\n",
                ),
                (
                    "src/main/resources/application.properties",
                    "spring.datasource.password=${DB_PASS:petclinic}\napp.jwtSecret= ======BezKoder=Spring======\n",
                ),
                (
                    "app/config.py",
                    "class Settings(BaseSettings):\n    SECRET: SecretStr = SecretStr('lifetrack-secret')\n"
                ),
            ]),
            vec![
                "app/config.py:2:36: `SECRET` has a hardcoded default `life********cret` (pydantic settings), a human-chosen value (also at src/env.ts:2)",
                "cmd/main.go:1:33: `jwt-secret` has a hardcoded default `eyJh****************************VCJ9` (viper `SetDefault`) that looks like a real credential",
                "configuration/base.yaml:2:17: `hmac_secret` is set to `supe********************************rity` in a committed configuration file, a human-chosen value",
                "src/main/resources/application.properties:2:16: `app.jwtSecret` is set to `====*******************====` in a committed configuration file, a human-chosen value",
            ]
        );
    }

    #[test]
    fn api_client_collections_and_smoke_scripts_are_set_aside() {
        let token = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
        assert!(
            scan(&[
                ("api/App.postman_collection.json", &format!("{{\"token\": \"{token}\"}}\n")),
                (
                    "docs-api/requests.json",
                    &format!("{{\"info\": {{\"schema\": \"https://schema.getpostman.com/json/collection/v2.1.0/collection.json\"}}, \"t\": \"{token}\"}}\n"),
                ),
                ("insomnia.json", &format!("{{\"__export_format\": 4, \"__export_source\": \"insomnia.desktop.app\", \"t\": \"{token}\"}}\n")),
                ("scripts/smoke-test.sh", &format!("TOKEN={token}\n")),
            ])
            .is_empty()
        );
    }
}
