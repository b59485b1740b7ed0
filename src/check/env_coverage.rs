//! `env_coverage`: environment variables the code reads but no env example declares.
//!
//! Reads are collected per language from the file name: Python (`os.getenv`,
//! `os.environ[...]`, `os.environ.get`, pydantic `BaseSettings` fields with a literal
//! `env_prefix`), JavaScript/TypeScript (`process.env.X`, `process.env['X']`, destructuring
//! from `process.env`), Go (`os.Getenv`, `os.LookupEnv`), Rust (`env::var`, `env::var_os`;
//! `env!` is compile time and ignored), Spring `application*.properties|yml` (`${X}` with
//! upper-case names) and compose files (`${X}`, `${X:-default}`; `$${X}` is an escape).
//! Every example file found is parsed and the union of declared names (commented-out
//! `# X=` lines included) is compared with the reads. Spring `application*.properties|yml`
//! given as examples document the variables they read with a default (`${X:default}`).
//! Assignments (`os.environ["X"] = …`, `process.env.X = …`) are not reads; Java reads are
//! `System.getenv("X")` and `@Value("${X}")`; Starlette `Config` and python-decouple reads
//! are `config("X")`. Each missing variable is reported
//! once, at its first read in path order.

use super::orchestration::parent_dir;
use super::{Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError, render};
use crate::collect::select::SelectorId;
use crate::finding::Finding;
use crate::textpos::LineIndex;
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

/// Parameters of `env_coverage`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Globs of application code and config whose variable reads are collected.
    pub code: Vec<String>,
    /// Globs to leave out of `code` (tests, scripts, migrations, vendored code).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Globs of env example files (`.env.example`, …); none found means not applicable.
    pub examples: Vec<String>,
    /// Variables never reported (platform-provided); a trailing `*` matches a prefix.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Also report variables read with a default in code (the message says so).
    #[serde(default = "yes")]
    pub report_defaulted: bool,
    /// Finding message: `{var}`, `{examples}` (the example files that apply, quoted) and `{default}`
    /// (`" (read with a default)"` or empty).
    #[serde(default)]
    pub message: Option<String>,
}

fn yes() -> bool {
    true
}

/// Compiled `env_coverage`.
pub struct EnvCoverage {
    code: SelectorId,
    examples: SelectorId,
    ignore: Vec<String>,
    report_defaulted: bool,
    message: String,
    globs: String,
}

/// One variable read in code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// Variable name.
    pub var: String,
    /// Byte offset of the name.
    pub offset: usize,
    /// Whether the code supplies a default.
    pub defaulted: bool,
}

/// The languages whose reads are recognised, chosen from a file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// `*.py`
    Python,
    /// `*.js`, `*.ts`, …
    Node,
    /// `*.go`
    Go,
    /// `*.rs`
    Rust,
    /// `*.java`, `*.kt`
    Java,
    /// `application*.properties|yml|yaml`
    Spring,
    /// compose files
    Compose,
}

impl Lang {
    /// The language of a path, if reads in it are understood.
    #[must_use]
    pub fn of(rel: &str) -> Option<Lang> {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
        match ext {
            "py" => Some(Lang::Python),
            "js" | "mjs" | "cjs" | "ts" | "mts" | "cts" | "jsx" | "tsx" => Some(Lang::Node),
            "go" => Some(Lang::Go),
            "rs" => Some(Lang::Rust),
            "java" | "kt" => Some(Lang::Java),
            "properties" | "yml" | "yaml" if name.starts_with("application") => Some(Lang::Spring),
            "yml" | "yaml" if name.starts_with("docker-compose") || name.starts_with("compose") => {
                Some(Lang::Compose)
            }
            _ => None,
        }
    }
}

const NAME: &str = r"[A-Za-z_][A-Za-z0-9_]*";

macro_rules! re {
    ($name:ident, $pat:expr) => {
        static $name: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(&$pat).expect("built-in regex"));
    };
}

re!(
    PY_CALL,
    format!(r#"\bos\.(?:getenv|environ\.get)\(\s*["']({NAME})["']\s*(,)?"#)
);
re!(
    PY_INDEX,
    format!(r#"\bos\.environ\[\s*["']({NAME})["']\s*\]"#)
);
re!(
    PY_SETTINGS,
    r"(?m)^([ \t]*)class\s+\w+\s*\(\s*(?:[\w.]*\.)?BaseSettings\b[^)]*\)\s*:"
);
re!(
    PY_FIELD,
    r"^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*[^=]+?\s*(=.*)?$"
);
// django-environ / environs: `env("X")`, `env.bool("X", default=False)`, `env.db("X")`.
re!(
    PY_ENVIRON,
    r#"\benv(?:\.(?:bool|str|int|float|list|tuple|dict|json|url|db|db_url|cache|cache_url|email|email_url|search_url|path|decimal|bytes|timedelta|date|datetime|uuid|enum|log_level))?\(\s*["']([A-Z][A-Z0-9_]*)["']\s*(,)?"#
);
// Starlette `Config` and python-decouple: `config("X", cast=bool, default=False)`.
re!(PY_CONFIG, r#"\bconfig\(\s*["']([A-Z][A-Z0-9_]*)["']"#);
re!(PY_PREFIX, r#"env_prefix\s*[=:]\s*["']([A-Za-z0-9_]*)["']"#);
re!(
    JS_DOT,
    format!(r"\bprocess\.env\.({NAME})(\s*(?:\|\||\?\?))?")
);
re!(
    JS_INDEX,
    format!(r#"\bprocess\.env\[\s*["'`]({NAME})["'`]\s*\](\s*(?:\|\||\?\?))?"#)
);
re!(
    JS_DESTRUCT,
    r"(?:const|let|var)\s*\{([^}]*)\}\s*=\s*process\.env\b"
);
re!(
    GO_CALL,
    format!(r#"\bos\.(?:Getenv|LookupEnv)\(\s*"({NAME})"\s*\)"#)
);
re!(
    RS_CALL,
    format!(r#"\b(?:env|dotenvy?)::var(?:_os)?\(\s*"({NAME})"\s*\)(\s*\.\s*unwrap_or)?"#)
);
re!(
    JAVA_GETENV,
    format!(r#"\bSystem\.getenv\(\s*"({NAME})"\s*\)"#)
);
// Spring `@Value("${X}")` / `@Value("${X:default}")` (Kotlin escapes the `$`).
re!(
    JAVA_VALUE,
    r#"@Value\(\s*"[^"\n]*?\\?\$\{([A-Z][A-Z0-9_]*)(:[^}]*)?\}"#
);
re!(SPRING, r"\$\{([A-Z][A-Z0-9_]*)(:[^}]*)?\}");
re!(COMPOSE, format!(r"\$\{{({NAME})(:?[-?+][^}}]*)?\}}"));

/// Collects the variable reads in one file.
#[must_use]
pub fn reads(lang: Lang, text: &str) -> Vec<Read> {
    let mut out = Vec::new();
    let mut push = |m: regex::Match<'_>, defaulted: bool| {
        out.push(Read {
            var: m.as_str().to_owned(),
            offset: m.start(),
            defaulted,
        });
    };
    match lang {
        Lang::Python => {
            for c in PY_CALL.captures_iter(text) {
                push(c.get(1).expect("group"), c.get(2).is_some());
            }
            for c in PY_INDEX.captures_iter(text) {
                let whole = c.get(0).expect("match");
                // `os.environ["X"] = …` and `del os.environ["X"]` write, they do not read.
                if is_assignment(&text[whole.end()..])
                    || text[..whole.start()]
                        .trim_end_matches([' ', '\t'])
                        .ends_with("del")
                {
                    continue;
                }
                push(c.get(1).expect("group"), false);
            }
            // Starlette `Config` and python-decouple: `config` is a common name, so only
            // where one of them (or a project module re-exporting `config`) is imported.
            if text.contains("decouple")
                || text.contains("starlette.config")
                || text.contains("Config(")
                || text.contains("import config")
            {
                for c in PY_CONFIG.captures_iter(text) {
                    let whole = c.get(0).expect("match");
                    let args = call_args(&text[whole.end()..]);
                    push(c.get(1).expect("group"), DEFAULT_KW.is_match(args));
                }
            }
            // Only in a module that uses django-environ or environs, directly or through a
            // project module (`from config.env import env`): `env` is a common name.
            if text.contains("environ") || text.contains("import env") {
                for c in PY_ENVIRON.captures_iter(text) {
                    push(c.get(1).expect("group"), c.get(2).is_some());
                }
            }
            for r in settings_fields(text) {
                out.push(r);
            }
        }
        Lang::Node => {
            for re in [&*JS_DOT, &*JS_INDEX] {
                for c in re.captures_iter(text) {
                    // `process.env.X = …` sets the variable for child code; not a read.
                    if c.get(2).is_none() && is_assignment(&text[c.get(0).expect("match").end()..])
                    {
                        continue;
                    }
                    push(c.get(1).expect("group"), c.get(2).is_some());
                }
            }
            for c in JS_DESTRUCT.captures_iter(text) {
                let body = c.get(1).expect("group");
                let mut at = body.start();
                for part in body.as_str().split(',') {
                    let name = part.trim().split([':', '=']).next().unwrap_or("").trim();
                    let lead = part.len() - part.trim_start().len();
                    if crate::parse::env::is_var_name(name) && !name.contains(['.', '-']) {
                        out.push(Read {
                            var: name.to_owned(),
                            offset: at + lead,
                            defaulted: part.contains('='),
                        });
                    }
                    at += part.len() + 1;
                }
            }
        }
        Lang::Go => {
            for c in GO_CALL.captures_iter(text) {
                push(c.get(1).expect("group"), false);
            }
        }
        Lang::Rust => {
            for c in RS_CALL.captures_iter(text) {
                push(c.get(1).expect("group"), c.get(2).is_some());
            }
        }
        Lang::Java => {
            for c in JAVA_GETENV.captures_iter(text) {
                push(c.get(1).expect("group"), false);
            }
            for c in JAVA_VALUE.captures_iter(text) {
                push(c.get(1).expect("group"), c.get(2).is_some());
            }
        }
        Lang::Spring => {
            for c in SPRING.captures_iter(text) {
                push(c.get(1).expect("group"), c.get(2).is_some());
            }
        }
        Lang::Compose => {
            for c in COMPOSE.captures_iter(text) {
                let whole = c.get(0).expect("match");
                if text[..whole.start()].ends_with('$') {
                    continue;
                }
                let d = c.get(2).map(|m| m.as_str());
                let defaulted = d.is_some_and(|d| !d.trim_start_matches(':').starts_with('?'));
                push(c.get(1).expect("group"), defaulted);
            }
        }
    }
    out.retain(|r| !in_comment(lang, text, r.offset));
    out.sort_by_key(|r| r.offset);
    out
}

re!(DEFAULT_KW, r"\bdefault\s*=");

/// Whether the text after an expression assigns to it (`= v`, not `==`, `=>` or `=~`).
fn is_assignment(after: &str) -> bool {
    let rest = after.trim_start_matches([' ', '\t']);
    rest.starts_with('=') && !rest[1..].starts_with(['=', '>', '~'])
}

/// The arguments of a call whose opening parenthesis and first argument were matched:
/// the text up to the closing parenthesis at depth zero (at most 400 bytes).
fn call_args(after: &str) -> &str {
    let mut depth = 0usize;
    for (i, c) in after.char_indices() {
        if i > 400 {
            return &after[..i];
        }
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => return &after[..i],
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    after
}

/// pydantic `BaseSettings` classes: each annotated field is a variable, upper-cased,
/// prefixed with a literal `env_prefix`.
fn settings_fields(text: &str) -> Vec<Read> {
    let mut out = Vec::new();
    for c in PY_SETTINGS.captures_iter(text) {
        let indent = c.get(1).map_or(0, |m| m.as_str().len());
        let start = c.get(0).expect("match").end();
        let mut body_indent: Option<usize> = None;
        let mut fields = Vec::new();
        let mut prefix = String::new();
        let mut offset = start;
        for line in text[start..].split_inclusive('\n') {
            let here = offset;
            offset += line.len();
            let content = line.trim_end();
            if content.trim().is_empty() || content.trim_start().starts_with('#') {
                continue;
            }
            let ind = content.len() - content.trim_start().len();
            if ind <= indent {
                break;
            }
            if let Some(p) = PY_PREFIX.captures(content) {
                prefix = p[1].to_owned();
            }
            let bi = *body_indent.get_or_insert(ind);
            if ind != bi {
                continue;
            }
            if let Some(f) = PY_FIELD.captures(content.trim_start()) {
                let name = &f[1];
                if name == "model_config" || name.starts_with('_') {
                    continue;
                }
                fields.push((name.to_owned(), here + ind, f.get(2).is_some()));
            }
        }
        for (name, off, defaulted) in fields {
            out.push(Read {
                var: format!("{prefix}{name}").to_ascii_uppercase(),
                offset: off,
                defaulted,
            });
        }
    }
    out
}

fn in_comment(lang: Lang, text: &str, offset: usize) -> bool {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let head = text[start..offset].trim_start();
    match lang {
        Lang::Python | Lang::Spring | Lang::Compose => head.starts_with('#'),
        Lang::Node | Lang::Go | Lang::Rust | Lang::Java => {
            head.starts_with("//") || head.starts_with("/*") || head.starts_with('*')
        }
    }
}

impl CheckKind for EnvCoverage {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        let code = cx.files("code", &p.code, &p.exclude, false)?;
        let examples = cx.files("examples", &p.examples, &[], false)?;
        Ok(EnvCoverage {
            code,
            examples,
            ignore: p.ignore,
            report_defaulted: p.report_defaulted,
            message: p.message.unwrap_or_else(|| {
                "`{var}` is read{default} but not declared in {examples}".to_owned()
            }),
            globs: p.examples.join("`, `"),
        })
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let ws = cx.workspace();
        let examples = cx.consider(self.examples);
        if examples.is_empty() {
            return Ok(Applicability::NotApplicable(format!(
                "no env example (`{}`) to compare with",
                self.globs
            )));
        }
        // Declared names per directory holding examples. In a monorepo each service has its
        // own example: code is compared with the examples of its directory and every
        // ancestor (a root example of shared variables counts for all), never with a
        // sibling service's. Code with no example above it is compared with all of them.
        let mut by_dir: BTreeMap<&str, (Vec<&str>, HashSet<String>)> = BTreeMap::new();
        for &i in examples {
            let Some(text) = cx.text(i) else { continue };
            let rel = ws.file(i).rel.as_str();
            let declared: Vec<String> = if Lang::of(rel) == Some(Lang::Spring) {
                // Spring documents a variable where it reads it with a default
                // (`${DB_URL:jdbc:…}`); a profile without one documents nothing.
                let names: Vec<String> = reads(Lang::Spring, text)
                    .into_iter()
                    .filter(|r| r.defaulted)
                    .map(|r| r.var)
                    .collect();
                if names.is_empty() {
                    continue;
                }
                names
            } else {
                crate::parse::env::parse(text)
                    .into_iter()
                    .map(|e| e.key.to_ascii_uppercase())
                    .collect()
            };
            let slot = by_dir.entry(example_dir(rel)).or_default();
            slot.0.push(rel);
            slot.1.extend(declared);
        }
        if by_dir.is_empty() {
            return Ok(Applicability::NotApplicable(format!(
                "no env example (`{}`) to compare with",
                self.globs
            )));
        }
        let all_dirs: Vec<&str> = by_dir.keys().copied().collect();
        // Scopes (lists of example directories) by the code file's directory, memoised.
        let mut scope_of_dir: HashMap<&str, usize> = HashMap::new();
        let mut scopes: Vec<Vec<&str>> = Vec::new();
        // First read of each missing variable per scope, in path order.
        let mut first: BTreeMap<(usize, String), (usize, usize, Read)> = BTreeMap::new();
        let mut order = 0usize;
        // Each code file's scope first (cheap, memoised per directory), then the reads over
        // the pool (the regex work dominates), keeping only undocumented ones, merged in
        // path order.
        let mut code: Vec<(usize, Lang, usize)> = Vec::new();
        for &i in cx.subjects(self.code) {
            let rel = ws.file(i).rel.as_str();
            let Some(lang) = Lang::of(rel) else { continue };
            let dir = parent_dir(rel);
            let scope = *scope_of_dir.entry(dir).or_insert_with(|| {
                let mut dirs: Vec<&str> =
                    ancestors(dir).filter(|d| by_dir.contains_key(d)).collect();
                if dirs.is_empty() {
                    dirs.clone_from(&all_dirs);
                }
                match scopes.iter().position(|s| *s == dirs) {
                    Some(k) => k,
                    None => {
                        scopes.push(dirs);
                        scopes.len() - 1
                    }
                }
            });
            code.push((i, lang, scope));
        }
        use rayon::prelude::*;
        let undocumented = |r: &Read, scope: usize| {
            let key = r.var.to_ascii_uppercase();
            !self.ignored(&r.var) && !scopes[scope].iter().any(|d| by_dir[d].1.contains(&key))
        };
        let per_file: Vec<(usize, usize, Result<Vec<Read>, String>)> = code
            .par_iter()
            .map(|&(i, lang, scope)| {
                let got = ws
                    .text(i)
                    .map(|t| {
                        let mut r = reads(lang, t);
                        r.retain(|r| undocumented(r, scope));
                        r
                    })
                    .map_err(|p| format!("`{}` was not read ({p})", ws.file(i).rel));
                (i, scope, got)
            })
            .collect();
        for (i, scope, got) in per_file {
            let file_reads = match got {
                Ok(r) => r,
                Err(problem) => {
                    cx.problem(problem);
                    continue;
                }
            };
            for r in file_reads {
                order += 1;
                let defaulted = r.defaulted;
                first
                    .entry((scope, r.var.clone()))
                    // A read without a default anywhere makes the variable required.
                    .and_modify(|slot| slot.2.defaulted &= defaulted)
                    .or_insert((order, i, r));
            }
        }
        let lists: Vec<String> = scopes
            .iter()
            .map(|dirs| {
                let files: Vec<&str> = dirs
                    .iter()
                    .flat_map(|d| by_dir[d].0.iter().copied())
                    .collect();
                name_list(&files)
            })
            .collect();
        let mut found: Vec<_> = first
            .into_iter()
            .map(|((scope, _), v)| (scope, v))
            .collect();
        found.sort_by_key(|(_, (o, _, _))| *o);
        for (scope, (_, i, r)) in found {
            if r.defaulted && !self.report_defaulted {
                continue;
            }
            let rel = &ws.file(i).rel;
            let Some(text) = cx.text(i) else { continue };
            let (line, col) = LineIndex::new(text).position(text, r.offset);
            let default = if r.defaulted {
                " (with a default in code)"
            } else {
                ""
            };
            let msg = render(
                &self.message,
                &[
                    ("var", &r.var),
                    ("examples", &lists[scope]),
                    ("default", default),
                ],
            );
            cx.report(Finding::at(rel, line, col, msg));
        }
        Ok(Applicability::Applicable)
    }
}

/// The directory an example documents: its own, or for Spring configuration the module
/// that holds `src/main/resources/` (whose code lives in `src/main/java/`).
fn example_dir(rel: &str) -> &str {
    match rel.find("src/main/resources/") {
        Some(0) => "",
        Some(k) => rel[..k].trim_end_matches('/'),
        None => parent_dir(rel),
    }
}

/// A directory and its ancestors, nearest first, ending with the root (`""`).
fn ancestors(dir: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(dir);
    std::iter::from_fn(move || {
        let d = next?;
        next = if d.is_empty() {
            None
        } else {
            Some(parent_dir(d))
        };
        Some(d)
    })
}

/// Example file names for a message: all of them up to three, else the first two and a count
/// (a monorepo fallback scope can hold hundreds).
fn name_list(files: &[&str]) -> String {
    let quoted = |f: &[&str]| {
        f.iter()
            .map(|x| format!("`{x}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if files.len() <= 3 {
        quoted(files)
    } else {
        format!("{} and {} more", quoted(&files[..2]), files.len() - 2)
    }
}

impl EnvCoverage {
    fn ignored(&self, var: &str) -> bool {
        self.ignore.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => var.starts_with(prefix),
            None => p == var,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{lines, run};

    fn names(lang: Lang, text: &str) -> Vec<(String, bool)> {
        reads(lang, text)
            .into_iter()
            .map(|r| (r.var, r.defaulted))
            .collect()
    }

    #[test]
    fn python_reads_and_settings() {
        let t = r#"import os
A = os.getenv("A")
B = os.environ["B"]
C = os.environ.get('C', "")
# D = os.getenv("D")
import environ
env = environ.Env()
E = env("E_KEY")
F = env.bool("F_FLAG", default=False)
class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_")
    database_url: str
    debug: bool = False
    API_V1_STR: str = "/api/v1"

    def helper(self) -> str:
        x: int = 1
        return x
other: str = "x"
"#;
        assert_eq!(
            names(Lang::Python, t),
            vec![
                ("A".into(), false),
                ("B".into(), false),
                ("C".into(), true),
                ("E_KEY".into(), false),
                ("F_FLAG".into(), true),
                ("APP_DATABASE_URL".into(), false),
                ("APP_DEBUG".into(), true),
                ("APP_API_V1_STR".into(), true),
            ]
        );
    }

    #[test]
    fn environ_reads_through_a_project_env_module_but_not_any_env_call() {
        let via_module = "from config.env import env\nKEY = env(\"SECRET_KEY\")\n";
        assert_eq!(
            names(Lang::Python, via_module),
            vec![("SECRET_KEY".into(), false)]
        );
        // `env` without django-environ or environs in sight is someone else's function.
        let unrelated = "def env(name):\n    return name\nX = env(\"NOT_A_READ\")\n";
        assert!(names(Lang::Python, unrelated).is_empty());
    }

    #[test]
    fn node_go_rust_spring_compose() {
        let js = "const a = process.env.A_URL;\nconst b = process.env['B'] || 'x';\nconst { C, D: dee, E = 1 } = process.env;\n// process.env.F\n";
        assert_eq!(
            names(Lang::Node, js),
            vec![
                ("A_URL".into(), false),
                ("B".into(), true),
                ("C".into(), false),
                ("D".into(), false),
                ("E".into(), true)
            ]
        );
        let go = "v := os.Getenv(\"G\")\n_, ok := os.LookupEnv(\"H\")\n";
        assert_eq!(
            names(Lang::Go, go),
            vec![("G".into(), false), ("H".into(), false)]
        );
        let rs = "let a = std::env::var(\"R\")?;\nlet b = env::var_os(\"S\");\nlet c = env!(\"CARGO_PKG_NAME\");\nlet d = env::var(\"T\").unwrap_or(\"x\".into());\n";
        assert_eq!(
            names(Lang::Rust, rs),
            vec![("R".into(), false), ("S".into(), false), ("T".into(), true)]
        );
        let sp = "spring.datasource.url=${DB_URL}\nserver.port=${PORT:8080}\nx=${spring.application.name}\n";
        assert_eq!(
            names(Lang::Spring, sp),
            vec![("DB_URL".into(), false), ("PORT".into(), true)]
        );
        let co = "environment:\n  A: ${A}\n  B: ${B:-x}\n  C: $${C}\n  D: ${D:?required}\n";
        assert_eq!(
            names(Lang::Compose, co),
            vec![("A".into(), false), ("B".into(), true), ("D".into(), false)]
        );
    }

    const P: &str = "code: [\"*.py\", \"*.js\", \"docker-compose*.yml\"]\nexclude: [tests/]\nexamples: [.env.example]\nignore: [PATH, \"GITHUB_*\"]";

    #[test]
    fn reports_each_missing_variable_once_at_first_read() {
        let (_, f, _) = run(
            "env_coverage",
            P,
            &[
                (
                    ".env.example",
                    "export DATABASE_URL=\"postgres://\"\n# OPTIONAL=\n",
                ),
                (
                    "app/a.py",
                    "import os\nx = os.environ['SECRET_KEY']\ny = os.getenv('DATABASE_URL')\nz = os.getenv('OPTIONAL')\np = os.getenv('PATH')\nq = os.getenv('GITHUB_SHA')\n",
                ),
                (
                    "app/b.py",
                    "import os\nx = os.getenv('SECRET_KEY')\nw = os.getenv('LOG_LEVEL', 'info')\n",
                ),
                ("tests/test_a.py", "import os\nos.environ['TEST_ONLY']\n"),
            ],
        );
        assert_eq!(
            lines(&f),
            vec![
                "app/a.py:2:17: `SECRET_KEY` is read but not declared in `.env.example`",
                "app/b.py:3:16: `LOG_LEVEL` is read (with a default in code) but not declared in `.env.example`",
            ]
        );
    }

    #[test]
    fn monorepo_services_are_compared_with_their_own_examples() {
        let (_, f, _) = run(
            "env_coverage",
            P,
            &[
                (".env.example", "SHARED_TOKEN=\n"),
                ("services/a/.env.example", "A_URL=\n"),
                ("services/b/.env.example", "B_URL=\n"),
                ("services/c/.env.example", "C_URL=\n"),
                ("services/d/.env.example", "D_URL=\n"),
                // A's own and the shared root variable pass; B's does not belong to A.
                (
                    "services/a/app/main.py",
                    "import os\nos.getenv('A_URL')\nos.getenv('SHARED_TOKEN')\nos.getenv('B_URL')\n",
                ),
                // The same missing name in two services is two findings, one per service.
                ("services/a/x.py", "import os\nos.environ['MISSING']\n"),
                (
                    "services/b/y.py",
                    "import os\nos.environ['MISSING']\nos.getenv('A_URL')\n",
                ),
            ],
        );
        assert_eq!(
            lines(&f),
            vec![
                "services/a/app/main.py:4:12: `B_URL` is read but not declared in `services/a/.env.example`, `.env.example`",
                "services/a/x.py:2:13: `MISSING` is read but not declared in `services/a/.env.example`, `.env.example`",
                "services/b/y.py:2:13: `MISSING` is read but not declared in `services/b/.env.example`, `.env.example`",
                "services/b/y.py:3:12: `A_URL` is read but not declared in `services/b/.env.example`, `.env.example`",
            ]
        );
        // Code with no example above it is compared with all of them (no root example here).
        let (_, f, _) = run(
            "env_coverage",
            P,
            &[
                ("services/a/.env.example", "A_URL=\n"),
                ("services/b/.env.example", "B_URL=\n"),
                ("services/c/.env.example", "C_URL=\n"),
                ("services/d/.env.example", "D_URL=\n"),
                (
                    "libs/common.py",
                    "import os\nos.getenv('B_URL')\nos.getenv('NOWHERE')\n",
                ),
            ],
        );
        assert_eq!(
            lines(&f),
            vec![
                "libs/common.py:3:12: `NOWHERE` is read but not declared in `services/a/.env.example`, `services/b/.env.example` and 2 more",
            ]
        );
    }

    #[test]
    fn without_example_is_not_applicable() {
        let (r, f, _) = run("env_coverage", P, &[("a.py", "os.environ['X']\n")]);
        assert!(matches!(r, Ok(Applicability::NotApplicable(_))));
        assert!(f.is_empty());
    }

    /// Covers issue #20: assignments are not reads, `config("X")` is.
    #[test]
    fn only_reads_are_reads() {
        let py = "import os\nos.environ[\"TZ_SET\"] = \"UTC\"\nos.environ['PLAIN'] == 'x'\ndel os.environ[\"GONE\"]\nA = os.environ[\"READ\"]\n";
        assert_eq!(
            names(Lang::Python, py),
            vec![("PLAIN".into(), false), ("READ".into(), false)]
        );
        let js = "process.env.SET_HERE = '1';\nif (process.env.CMP === 'a') {}\nprocess.env.DEF ||= 'x';\nconst f = () => process.env.ARROW;\n";
        assert_eq!(
            names(Lang::Node, js),
            vec![
                ("CMP".into(), false),
                ("DEF".into(), true),
                ("ARROW".into(), false)
            ]
        );
        let starlette = "from starlette.config import Config\nconfig = Config('.env')\nDEBUG = config('DEBUG', cast=bool, default=False)\nDB = config(\"DATABASE_URL\", cast=URL)\n";
        assert_eq!(
            names(Lang::Python, starlette),
            vec![("DEBUG".into(), true), ("DATABASE_URL".into(), false)]
        );
        let decouple =
            "from decouple import config, Csv\nHOSTS = config('ALLOWED_HOSTS', cast=Csv())\n";
        assert_eq!(
            names(Lang::Python, decouple),
            vec![("ALLOWED_HOSTS".into(), false)]
        );
        // Without Starlette, decouple or an imported `config`, `config(...)` is someone else's.
        assert!(names(Lang::Python, "X = config('NOT_A_READ')\n").is_empty());
        let java = "String u = System.getenv(\"DB_URL\");\n@Value(\"${API_KEY:}\") String key;\n@Value(\"${app.name}\") String n;\n";
        assert_eq!(
            names(Lang::Java, java),
            vec![("DB_URL".into(), false), ("API_KEY".into(), true)]
        );
    }

    /// Covers issue #20: Spring configuration that reads `${VAR:default}` documents `VAR`
    /// for the module it configures.
    #[test]
    fn spring_defaults_document_their_variables() {
        let p = "code: [\"*.java\", \"application*.properties\"]\nexamples: [.env.example, \"application*.properties\"]";
        let (r, f, _) = run(
            "env_coverage",
            p,
            &[
                (
                    "src/main/resources/application-mysql.properties",
                    "spring.datasource.url=${MYSQL_URL:jdbc:mysql://localhost/petclinic}\nspring.datasource.password=${MYSQL_PASS}\n",
                ),
                (
                    "src/main/java/app/Config.java",
                    "String a = System.getenv(\"MYSQL_URL\");\nString b = System.getenv(\"UNDOCUMENTED\");\n",
                ),
            ],
        );
        assert!(matches!(r, Ok(Applicability::Applicable)));
        assert_eq!(
            lines(&f),
            vec![
                "src/main/java/app/Config.java:2:27: `UNDOCUMENTED` is read but not declared in `src/main/resources/application-mysql.properties`",
                "src/main/resources/application-mysql.properties:2:30: `MYSQL_PASS` is read but not declared in `src/main/resources/application-mysql.properties`",
            ]
        );
        // A Spring file with no `${VAR:default}` is not an example.
        let (r, _, _) = run(
            "env_coverage",
            p,
            &[(
                "src/main/resources/application.properties",
                "spring.datasource.url=${DB_URL}\n",
            )],
        );
        assert!(matches!(r, Ok(Applicability::NotApplicable(_))));
    }
}
