//! Rules: loading the YAML rule files (built-in ones embedded in the binary, plus user
//! directories), validating every one of them with file:line:col errors collected before
//! anything runs, and choosing which rules an audit uses.

pub mod condition;

use crate::check::{Check, CheckSpec, CompileCx};
use crate::collect::select::{SelectorRegistry, Selectors};
use crate::model::{Category, RuleStatus, Severity};
use crate::parse::yaml::{self, Hit, KeyPath, Node, Resolved};
use condition::{Condition, Fact, RawCondition, RawFact};
use include_dir::{Dir, include_dir};
use indexmap::IndexMap;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// The built-in rule set, embedded at build time.
static BUILTIN: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/rules");

/// Id prefixes reserved for built-in rules, one per area.
pub const BUILTIN_PREFIXES: &[&str] = &[
    "DOCK", "COMP", "KUBE", "CONF", "CI", "TEST", "DOCS", "CODE", "HTTP",
];

/// A rule example: files (or later a server) and whether the rule must pass or fail on them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// Short description, used as the test name.
    pub name: String,
    /// `pass` or `fail`.
    pub expect: ExampleExpect,
    /// Exact number of findings expected when failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<usize>,
    /// Files of a tiny repository: path → content.
    #[serde(default)]
    pub files: IndexMap<String, String>,
    /// For live rules: the routes of a test server (path → response).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<IndexMap<String, ServerRoute>>,
    /// For live rules: serve the example over TLS with a certificate from a test CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ExampleTls>,
    /// For live rules: probe with `--allow-unsafe-methods`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_unsafe_methods: bool,
    /// For live rules: extra `--header`s sent with every probe.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probe_headers: Vec<String>,
    /// For live rules: the target profile (default `api`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<crate::probe::Profile>,
}

/// The certificate of an example TLS server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleTls {
    /// Names the certificate is valid for (default `127.0.0.1`).
    #[serde(default = "loopback")]
    pub names: Vec<String>,
    /// Start of validity in days from now (default -30).
    #[serde(default = "minus_thirty")]
    pub valid_from_days: i64,
    /// End of validity in days from now (default 365).
    #[serde(default = "a_year")]
    pub valid_to_days: i64,
    /// Whether the test CA is trusted (`--ca-cert`; default true).
    #[serde(default = "yes")]
    pub trusted: bool,
    /// Serve no TLS at all but answer every hello with a `protocol_version` alert, as a
    /// TLS 1.0-only server does.
    #[serde(default)]
    pub legacy_only: bool,
}

fn loopback() -> Vec<String> {
    vec!["127.0.0.1".to_owned()]
}
fn minus_thirty() -> i64 {
    -30
}
fn a_year() -> i64 {
    365
}
fn yes() -> bool {
    true
}

/// One route of an example server; paths not listed answer 404 with a plain body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerRoute {
    /// Status code.
    #[serde(default = "ok_status")]
    pub status: u16,
    /// Response headers.
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    /// Response body.
    #[serde(default)]
    pub body: String,
    /// Delay before answering, in milliseconds.
    #[serde(default)]
    pub delay_ms: u64,
    /// Methods served (others answer 405); empty: every method.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Request headers copied into the response (e.g. `X-Request-ID`, `Origin` as
    /// `Access-Control-Allow-Origin` via `echo_as`).
    #[serde(default)]
    pub echo: Vec<String>,
    /// Request header → response header copies (`Origin: Access-Control-Allow-Origin`).
    #[serde(default)]
    pub echo_as: IndexMap<String, String>,
}

fn ok_status() -> u16 {
    200
}

/// Expected outcome of an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExampleExpect {
    /// The rule passes.
    Pass,
    /// The rule fails.
    Fail,
    /// The rule is skipped (does not apply).
    Skip,
}

/// A reference link.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Names the source.
    pub title: String,
    /// An https URL.
    pub url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    name: String,
    title: String,
    category: Category,
    severity: Severity,
    weight: Option<u8>,
    #[serde(default)]
    weight_reason: Option<String>,
    #[serde(default)]
    status: RuleStatus,
    since: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    applies: Vec<RawCondition>,
    /// Required (checked in `load`); an `Option` so checks can be compiled apart.
    check: Option<CheckSpec>,
    why: String,
    fix: String,
    #[serde(default)]
    examples: Vec<Example>,
    #[serde(default)]
    references: Vec<Reference>,
    #[serde(default)]
    claims: Vec<String>,
    #[serde(default)]
    deprecated_by: Option<String>,
    #[serde(default)]
    profiles: Vec<crate::probe::Profile>,
    /// The roles of the files the rule judges (default: production).
    #[serde(default)]
    roles: Vec<crate::collect::scope::Role>,
}

/// A validated, compiled rule.
pub struct Rule {
    /// `DOCK001`.
    pub id: String,
    /// `unpinned-base-image`.
    pub name: String,
    /// One line.
    pub title: String,
    /// Category.
    pub category: Category,
    /// Severity (after config overrides).
    pub severity: Severity,
    /// Score weight 0–10.
    pub weight: u8,
    /// Why the weight departs from the convention, if it does.
    pub weight_reason: Option<String>,
    /// Maturity.
    pub status: RuleStatus,
    /// Version that introduced it.
    pub since: String,
    /// Free tags.
    pub tags: Vec<String>,
    /// Conditions under which it applies.
    pub applies: Vec<Condition>,
    /// The check kind's name.
    pub kind: &'static str,
    /// The check params as JSON, for `explain --format json`.
    pub params: serde_json::Value,
    /// The compiled check.
    pub check: Check,
    /// Why it matters (Markdown).
    pub why: String,
    /// How to fix it (Markdown).
    pub fix: String,
    /// Examples.
    pub examples: Vec<Example>,
    /// References.
    pub references: Vec<Reference>,
    /// Phrases a readiness document uses for what this rule verifies.
    pub claims: Vec<String>,
    /// Replacement of a deprecated rule.
    pub deprecated_by: Option<String>,
    /// Where the rule was loaded from (`rules/docker/DOCK001-….yaml` or a user path).
    pub source: String,
    /// Whether it is built in.
    pub builtin: bool,
    /// Live rules only: the target profiles it applies to (empty: all).
    pub profiles: Vec<crate::probe::Profile>,
    /// The roles of the files it judges.
    pub roles: crate::collect::scope::RoleSet,
}

impl Rule {
    /// The ids of the rules whose verdicts this rule's `applies` reads (`passes:`).
    pub fn depends_on(&self) -> impl Iterator<Item = &str> {
        self.applies.iter().filter_map(|c| match c {
            Condition::Passes(id) => Some(id.as_str()),
            _ => None,
        })
    }
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// An error in a rule file, located.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LoadError {
    /// File.
    pub path: String,
    /// Line and column, when known.
    pub pos: Option<(u32, u32)>,
    /// What is wrong.
    pub message: String,
    /// The offending source line, for display.
    pub source_line: Option<String>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some((l, c)) => write!(f, "{}:{l}:{c}: {}", self.path, self.message)?,
            None => write!(f, "{}: {}", self.path, self.message)?,
        }
        if let (Some(src), Some((l, c))) = (&self.source_line, self.pos) {
            let gutter = l.to_string().len();
            write!(
                f,
                "\n{:gutter$} |\n{l} | {src}\n{:gutter$} | {}^",
                "",
                "",
                " ".repeat((c as usize).saturating_sub(1))
            )?;
        }
        Ok(())
    }
}

/// All errors found while loading rules.
#[derive(Debug, Clone)]
pub struct LoadErrors(pub Vec<LoadError>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} error{} in rule files; nothing was audited",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            write!(f, "\n  --> {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}

/// The loaded rules with their facts and the compiled file selectors.
pub struct RuleSet {
    /// Rules sorted by id.
    pub rules: Vec<Arc<Rule>>,
    /// Facts.
    pub facts: Vec<Fact>,
    /// Every file selector any rule or fact uses.
    pub selectors: Arc<Selectors>,
}

impl fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rules.len())
            .finish_non_exhaustive()
    }
}

/// A rule file's text and where it came from.
#[derive(Debug, Clone)]
pub struct Source {
    /// Display path.
    pub path: String,
    /// Contents.
    pub text: String,
    /// Built in or user-supplied.
    pub builtin: bool,
}

/// The embedded rule files.
#[must_use]
pub fn builtin_sources() -> Vec<Source> {
    fn walk(dir: &Dir<'_>, out: &mut Vec<Source>) {
        for f in dir.files() {
            let p = f.path().to_string_lossy().replace('\\', "/");
            if p.ends_with(".yaml") || p.ends_with(".yml") {
                out.push(Source {
                    path: format!("rules/{p}"),
                    text: f.contents_utf8().unwrap_or("").to_owned(),
                    builtin: true,
                });
            }
        }
        for d in dir.dirs() {
            walk(d, out);
        }
    }
    let mut out = Vec::new();
    walk(&BUILTIN, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Rule files under a user directory (`*.yaml`, `*.yml`, recursively).
pub fn dir_sources(dir: &Path) -> Result<Vec<Source>, LoadError> {
    let err = |m: String| LoadError {
        path: dir.display().to_string(),
        pos: None,
        message: m,
        source_line: None,
    };
    if !dir.is_dir() {
        return Err(err(
            "rule directory does not exist or is not a directory".to_owned()
        ));
    }
    let mut out = Vec::new();
    for entry in ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .follow_links(false)
        .build()
    {
        let entry = entry.map_err(|e| err(e.to_string()))?;
        let p = entry.path();
        let is_yaml = p.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if entry.file_type().is_some_and(|t| t.is_file()) && is_yaml {
            let text = std::fs::read_to_string(p).map_err(|e| LoadError {
                path: p.display().to_string(),
                pos: None,
                message: format!("cannot read: {e}"),
                source_line: None,
            })?;
            out.push(Source {
                path: p.display().to_string(),
                text,
                builtin: false,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn line_of(text: &str, line: u32) -> Option<String> {
    text.lines()
        .nth((line as usize).checked_sub(1)?)
        .map(str::to_owned)
}

fn located(src: &Source, pos: Option<(u32, u32)>, message: String) -> LoadError {
    LoadError {
        path: src.path.clone(),
        source_line: pos.and_then(|(l, _)| line_of(&src.text, l)),
        pos,
        message,
    }
}

/// Position of a key path's value (or its deepest existing ancestor) in a parsed rule file.
fn pos_in(tree: Option<&Node>, path: &str) -> Option<(u32, u32)> {
    let tree = tree?;
    let kp = KeyPath::parse(path).ok()?;
    let root = Hit {
        node: tree,
        key: None,
        index: None,
    };
    let p = match yaml::resolve(root, &kp.segments) {
        Resolved::Found(h) => h[0].node.pos,
        Resolved::Missing(h) => h.pos(),
    };
    Some((p.line, p.col))
}

fn to_json(node: &Node) -> serde_json::Value {
    use crate::parse::yaml::{Scalar, Value};
    match &node.value {
        Value::Null => serde_json::Value::Null,
        Value::Scalar(Scalar::Bool(b)) => serde_json::Value::Bool(*b),
        Value::Scalar(Scalar::Int(i)) => i64::try_from(*i)
            .map_or_else(|_| serde_json::Value::String(i.to_string()), |v| v.into()),
        Value::Scalar(Scalar::Float(f)) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Scalar(Scalar::Str(s)) => serde_json::Value::String(s.clone()),
        Value::Seq(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.name.clone(), to_json(v)))
                .collect(),
        ),
    }
}

mod builtin_json {
    include!(concat!(env!("OUT_DIR"), "/builtin_json.rs"));
}

/// The JSON form of an embedded rule file, made by `build.rs`: (the file, its params).
fn builtin_json(path: &str) -> Option<(&'static str, &'static str)> {
    static INDEX: std::sync::LazyLock<std::collections::HashMap<&str, (&str, &str)>> =
        std::sync::LazyLock::new(|| {
            builtin_json::BUILTIN_JSON
                .iter()
                .map(|&(p, json, params)| (p, (json, params)))
                .collect()
        });
    INDEX.get(path).copied()
}

/// A rule file's YAML tree, for locating errors and reading params. Files loaded from
/// their JSON form parse it only if an error has to be placed.
#[derive(Default)]
struct Tree(std::sync::OnceLock<Option<Node>>);

impl Tree {
    fn parsed(node: Node) -> Tree {
        Tree(std::sync::OnceLock::from(Some(node)))
    }

    fn get(&self, src: &Source) -> Option<&Node> {
        self.0
            .get_or_init(|| {
                yaml::parse_documents(&src.text)
                    .ok()
                    .filter(|d| d.len() == 1)
                    .and_then(|mut d| d.pop())
            })
            .as_ref()
    }
}

struct Parsed {
    raw: RawRule,
    tree: Tree,
    src: Source,
    /// `check.params`, for `explain --format json`.
    params: serde_json::Value,
}

/// A fact's definition, with the file it came from.
type RawFactIn = (String, RawFact, Source, Arc<Tree>);

/// One rule file, deserialised.
enum Loaded {
    Facts(Vec<RawFactIn>),
    Rule(Box<Parsed>),
    Failed(LoadError),
}

/// Loads an embedded rule file from its JSON form; `Err` gives the source back when there
/// is none or it does not deserialise, so that the YAML path reports the error in place.
fn load_json(src: Source) -> Result<Loaded, Source> {
    let Some((json, params)) = builtin_json(&src.path) else {
        return Err(src);
    };
    if src.path.rsplit('/').next() == Some(FACTS_FILE) {
        let Ok(map) = serde_json::from_str::<IndexMap<String, RawFact>>(json) else {
            return Err(src);
        };
        let tree = Arc::new(Tree::default());
        return Ok(Loaded::Facts(
            map.into_iter()
                .map(|(k, v)| (k, v, src.clone(), Arc::clone(&tree)))
                .collect(),
        ));
    }
    match (
        serde_json::from_str::<RawRule>(json),
        serde_json::from_str::<serde_json::Value>(params),
    ) {
        (Ok(raw), Ok(params)) => Ok(Loaded::Rule(Box::new(Parsed {
            raw,
            tree: Tree::default(),
            src,
            params,
        }))),
        _ => Err(src),
    }
}

/// Loads a rule file from its YAML, every error located.
fn load_yaml(src: Source) -> Loaded {
    let tree = match yaml::parse_documents(&src.text) {
        Ok(mut docs) if docs.len() == 1 => docs.remove(0),
        Ok(docs) => {
            return Loaded::Failed(located(
                &src,
                None,
                format!("expected one YAML document, found {}", docs.len()),
            ));
        }
        Err(e) => {
            return Loaded::Failed(located(&src, e.pos.map(|p| (p.line, p.col)), e.message));
        }
    };
    let failed = |e: &serde_saphyr::Error| {
        let e = yaml::yaml_error(e);
        Loaded::Failed(located(&src, e.pos.map(|p| (p.line, p.col)), e.message))
    };
    if src.path.rsplit('/').next() == Some(FACTS_FILE) {
        return match serde_saphyr::from_str_with_options::<IndexMap<String, RawFact>>(
            &src.text,
            yaml::options(),
        ) {
            Ok(map) => {
                let tree = Arc::new(Tree::parsed(tree));
                Loaded::Facts(
                    map.into_iter()
                        .map(|(k, v)| (k, v, src.clone(), Arc::clone(&tree)))
                        .collect(),
                )
            }
            Err(e) => failed(&e),
        };
    }
    match serde_saphyr::from_str_with_options::<RawRule>(&src.text, yaml::options()) {
        Ok(raw) => {
            let params = tree
                .get("check")
                .and_then(|c| c.get("params"))
                .map_or(serde_json::Value::Null, to_json);
            Loaded::Rule(Box::new(Parsed {
                raw,
                tree: Tree::parsed(tree),
                src,
                params,
            }))
        }
        Err(e) => failed(&e),
    }
}

const FACTS_FILE: &str = "facts.yaml";

/// The role set of a `roles:` list (empty: production).
fn roles_of(roles: &[crate::collect::scope::Role]) -> crate::collect::scope::RoleSet {
    if roles.is_empty() {
        crate::collect::scope::RoleSet::PRODUCTION
    } else {
        crate::collect::scope::RoleSet::of(roles)
    }
}

impl RuleSet {
    /// Loads the built-in rules plus user rule directories; every error is collected.
    pub fn load(extra_dirs: &[std::path::PathBuf]) -> Result<RuleSet, LoadErrors> {
        let mut sources = crate::timing::phase("embedded sources", builtin_sources);
        let mut errors = Vec::new();
        for dir in extra_dirs {
            match dir_sources(dir) {
                Ok(s) => sources.extend(s),
                Err(e) => errors.push(e),
            }
        }
        match RuleSet::from_sources(sources) {
            Ok(set) if errors.is_empty() => Ok(set),
            Ok(_) => Err(LoadErrors(errors)),
            Err(LoadErrors(mut more)) => {
                errors.append(&mut more);
                errors.sort();
                Err(LoadErrors(errors))
            }
        }
    }

    /// Loads rules from sources (files named `facts.yaml` define facts).
    #[allow(clippy::too_many_lines)]
    pub fn from_sources(sources: Vec<Source>) -> Result<RuleSet, LoadErrors> {
        RuleSet::from_sources_compiling(sources, false)
    }

    /// [`RuleSet::from_sources`]; `eager_builtins` compiles the embedded rules' regexes at
    /// once too (the tests do, so that compiling them on first use cannot fail).
    fn from_sources_compiling(
        sources: Vec<Source>,
        eager_builtins: bool,
    ) -> Result<RuleSet, LoadErrors> {
        let mut errors = Vec::new();
        // `passes:` conditions met while compiling: (rule id, rule named, error placed at it).
        let mut passes_at: Vec<(String, String, LoadError)> = Vec::new();
        let mut raw_facts: Vec<RawFactIn> = Vec::new();
        let mut parsed: Vec<Parsed> = Vec::new();
        // Parsing the rule files is most of what loading costs once regexes are compiled
        // on first use. Embedded files come from their JSON form (made at build time),
        // user files from YAML; in parallel, then gathered in source order.
        let loaded: Vec<Loaded> = crate::timing::phase("parse rule files", || {
            use rayon::prelude::*;
            sources
                .into_par_iter()
                .map(|src| {
                    if src.builtin {
                        load_json(src).unwrap_or_else(load_yaml)
                    } else {
                        load_yaml(src)
                    }
                })
                .collect()
        });
        for l in loaded {
            match l {
                Loaded::Facts(f) => raw_facts.extend(f),
                Loaded::Rule(p) => parsed.push(*p),
                Loaded::Failed(e) => errors.push(e),
            }
        }

        let registry = std::sync::Mutex::new(SelectorRegistry::default());
        let fact_index: BTreeMap<String, usize> = raw_facts
            .iter()
            .enumerate()
            .map(|(i, (n, ..))| (n.clone(), i))
            .collect();
        let mut facts = Vec::new();
        for (name, raw, src, tree) in &raw_facts {
            let roles = roles_of(&raw.roles);
            let mut compile_all = |list: &[condition::RawCondition], field: &str| {
                let mut out = Vec::new();
                for (j, c) in list.iter().enumerate() {
                    if let condition::RawCondition::Passes(id) = c {
                        errors.push(located(
                            src,
                            pos_in(tree.get(src), &format!("{name}.{field}[{j}]")),
                            format!(
                                "`passes: {id}` is a rule's condition (in `applies`), not a fact's"
                            ),
                        ));
                        continue;
                    }
                    let compiled =
                        crate::check::compiling_eagerly(eager_builtins || !src.builtin, || {
                            condition::compile(
                                c,
                                &fact_index,
                                &mut CompileCx::new(&registry, roles),
                            )
                        });
                    match compiled {
                        Ok(c) => out.push(c),
                        Err(e) => errors.push(located(
                            src,
                            pos_in(tree.get(src), &format!("{name}.{field}[{j}]")),
                            e.message,
                        )),
                    }
                }
                out
            };
            let any_of = compile_all(&raw.any_of, "any_of");
            let all_of = compile_all(&raw.all_of, "all_of");
            facts.push(Fact {
                name: name.clone(),
                description: raw.description.clone(),
                when_false: raw.when_false.clone(),
                when_true: raw
                    .when_true
                    .clone()
                    .unwrap_or_else(|| format!("the repository is {}", raw.description)),
                any_of,
                all_of,
            });
        }
        if let Some(cycle) = fact_cycle(&facts) {
            errors.push(LoadError {
                path: "facts.yaml".into(),
                pos: None,
                message: format!("facts refer to each other in a cycle through `{cycle}`"),
                source_line: None,
            });
        }

        let id_re = Regex::new(r"^[A-Z]{2,4}[0-9]{3}$").expect("static regex");
        let name_re = Regex::new(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$").expect("static regex");
        let semver_re = Regex::new(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$").expect("static regex");
        let mut rules = Vec::new();
        let mut seen_ids: BTreeMap<String, String> = BTreeMap::new();
        let mut seen_names: BTreeMap<String, String> = BTreeMap::new();
        // Compiling the checks (regexes, globs) is the expensive part of loading: in parallel.
        let mut parsed = parsed;
        let kinds: Vec<Option<&'static str>> = parsed
            .iter()
            .map(|p| p.raw.check.as_ref().map(CheckSpec::kind_name))
            .collect();
        let compiled: Vec<Option<Result<Check, crate::check::ParamError>>> =
            crate::timing::phase("compile checks", || {
                use rayon::prelude::*;
                parsed
                    .par_iter_mut()
                    .map(|p| {
                        let roles = roles_of(&p.raw.roles);
                        // Embedded rules' regexes are compiled on first use; user rules' now,
                        // so that their errors are reported before the run.
                        let check = p.raw.check.take();
                        crate::check::compiling_eagerly(eager_builtins || !p.src.builtin, || {
                            check.map(|c| c.compile(&mut CompileCx::new(&registry, roles)))
                        })
                    })
                    .collect()
            });
        for (
            (
                Parsed {
                    raw,
                    tree,
                    src,
                    params,
                },
                compiled,
            ),
            kind,
        ) in parsed.into_iter().zip(compiled).zip(kinds)
        {
            let n_before = errors.len();
            let at = |field: &str| pos_in(tree.get(&src), field);
            let mut err = |field: &str, msg: String| errors.push(located(&src, at(field), msg));
            if !id_re.is_match(&raw.id) {
                err(
                    "id",
                    format!(
                        "id `{}` must be 2–4 capital letters and 3 digits (e.g. `DOCK001`)",
                        raw.id
                    ),
                );
            } else {
                let prefix = raw.id.trim_end_matches(|c: char| c.is_ascii_digit());
                if src.builtin && !BUILTIN_PREFIXES.contains(&prefix) {
                    err(
                        "id",
                        format!(
                            "built-in id prefix `{prefix}` is not one of {}",
                            BUILTIN_PREFIXES.join(", ")
                        ),
                    );
                }
                if !src.builtin && BUILTIN_PREFIXES.contains(&prefix) {
                    err(
                        "id",
                        format!(
                            "user rule id `{}` uses the built-in prefix `{prefix}`; choose another prefix",
                            raw.id
                        ),
                    );
                }
            }
            if let Some(first) = seen_ids.insert(raw.id.clone(), src.path.clone()) {
                err("id", format!("duplicate id `{}` (also in {first})", raw.id));
            }
            if !name_re.is_match(&raw.name) {
                err("name", format!("name `{}` must be kebab-case", raw.name));
            }
            if [
                "no-",
                "disallow-",
                "banned-",
                "use-",
                "pin-",
                "add-",
                "enable-",
            ]
            .iter()
            .any(|p| raw.name.starts_with(p))
            {
                err(
                    "name",
                    format!(
                        "name `{}` must name the problem, not the fix or a prohibition",
                        raw.name
                    ),
                );
            }
            if let Some(first) = seen_names.insert(raw.name.clone(), src.path.clone()) {
                err(
                    "name",
                    format!("duplicate name `{}` (also in {first})", raw.name),
                );
            }
            if raw.title.chars().count() > 80
                || raw.title.ends_with('.')
                || raw.title.trim().is_empty()
            {
                err(
                    "title",
                    "title must be one line of at most 80 characters without a trailing period"
                        .to_owned(),
                );
            }
            let weight = raw.weight.unwrap_or_else(|| raw.severity.default_weight());
            if weight > 10 {
                err("weight", format!("weight {weight} is over 10"));
            }
            if raw.severity == Severity::Info && weight != 0 {
                err("weight", "an `info` rule must have weight 0".to_owned());
            }
            if !semver_re.is_match(&raw.since) {
                err(
                    "since",
                    format!("`since: {}` is not a version like 0.1.0", raw.since),
                );
            }
            if raw.why.trim().is_empty() {
                err("why", "`why` must not be empty".to_owned());
            }
            if raw.fix.trim().is_empty() {
                err("fix", "`fix` must not be empty".to_owned());
            }
            let fails = raw
                .examples
                .iter()
                .filter(|e| e.expect == ExampleExpect::Fail)
                .count();
            let passes = raw
                .examples
                .iter()
                .filter(|e| e.expect == ExampleExpect::Pass)
                .count();
            if fails == 0 || passes == 0 {
                err(
                    "examples",
                    format!(
                        "a rule needs at least one failing and one passing example ({fails} failing, {passes} passing)"
                    ),
                );
            }
            for (i, r) in raw.references.iter().enumerate() {
                if !r.url.starts_with("https://") {
                    err(
                        &format!("references[{i}].url"),
                        format!("reference `{}` is not an https URL", r.url),
                    );
                }
            }
            if raw.status == RuleStatus::Deprecated && raw.deprecated_by.is_none() {
                err(
                    "status",
                    "a deprecated rule needs `deprecated_by`".to_owned(),
                );
            }
            let mut applies = Vec::new();
            let roles = roles_of(&raw.roles);
            for (i, c) in raw.applies.iter().enumerate() {
                if let condition::RawCondition::Passes(dep) = c {
                    // Judged once every rule is known; the error is placed here.
                    passes_at.push((
                        raw.id.clone(),
                        dep.clone(),
                        located(&src, at(&format!("applies[{i}]")), String::new()),
                    ));
                }
                match condition::compile(c, &fact_index, &mut CompileCx::new(&registry, roles)) {
                    Ok(c) => applies.push(c),
                    Err(e) => errors.push(located(&src, at(&format!("applies[{i}]")), e.message)),
                }
            }
            let (Some(kind), Some(compiled)) = (kind, compiled) else {
                errors.push(located(&src, None, "missing field `check`".to_owned()));
                continue;
            };
            let check = match compiled {
                Ok(c) => Some(c),
                Err(e) => {
                    let field = e.field.as_deref().map_or_else(
                        || "check.params".to_owned(),
                        |f| format!("check.params.{f}"),
                    );
                    errors.push(located(&src, at(&field), format!("{field}: {}", e.message)));
                    None
                }
            };
            if errors.len() > n_before {
                continue;
            }
            let Some(check) = check else { continue };
            rules.push(Rule {
                id: raw.id,
                name: raw.name,
                title: raw.title,
                category: raw.category,
                severity: raw.severity,
                weight,
                weight_reason: raw.weight_reason,
                status: raw.status,
                since: raw.since,
                tags: raw.tags,
                applies,
                kind,
                params,
                check,
                why: raw.why,
                fix: raw.fix,
                examples: raw.examples,
                references: raw.references,
                claims: raw.claims,
                deprecated_by: raw.deprecated_by,
                source: src.path.clone(),
                builtin: src.builtin,
                profiles: raw.profiles,
                roles,
            });
        }
        // `passes:` names an existing rule that depends on no rule itself (one level: the
        // engine runs the rules named first, then the rules that name them).
        for (id, dep, mut error) in passes_at {
            let problem = match rules.iter().find(|o| o.id == dep) {
                None => format!("`passes: {dep}` names no rule"),
                Some(_) if dep == id => format!("`passes: {dep}` names the rule itself"),
                Some(o) if o.depends_on().next().is_some() => format!(
                    "`passes: {dep}` names a rule that itself depends on another rule's verdict"
                ),
                Some(_) => continue,
            };
            error.message = problem;
            errors.push(error);
        }
        for r in &rules {
            if let Some(by) = &r.deprecated_by
                && !rules.iter().any(|o| &o.id == by)
            {
                errors.push(LoadError {
                    path: r.source.clone(),
                    pos: None,
                    message: format!("`deprecated_by: {by}` names no rule"),
                    source_line: None,
                });
            }
        }
        let registry = registry
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let selectors = match crate::timing::phase("build selectors", || registry.build()) {
            Ok(s) => Arc::new(s),
            Err(e) => {
                errors.push(LoadError {
                    path: "rules".into(),
                    pos: None,
                    message: e,
                    source_line: None,
                });
                return Err(LoadErrors(errors));
            }
        };
        if !errors.is_empty() {
            errors.sort();
            return Err(LoadErrors(errors));
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(RuleSet {
            rules: rules.into_iter().map(Arc::new).collect(),
            facts,
            selectors,
        })
    }

    /// Finds a rule by id or name, case-insensitively.
    #[must_use]
    pub fn find(&self, key: &str) -> Option<&Arc<Rule>> {
        self.rules
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(key) || r.name.eq_ignore_ascii_case(key))
    }

    /// The id or name closest to a mistyped key.
    #[must_use]
    pub fn suggest(&self, key: &str) -> Option<String> {
        let key = key.to_ascii_lowercase();
        self.rules
            .iter()
            .flat_map(|r| [r.id.clone(), r.name.clone()])
            .map(|c| {
                (
                    strsim::damerau_levenshtein(&key, &c.to_ascii_lowercase()),
                    c,
                )
            })
            .filter(|(d, c)| *d <= (c.len() / 3).max(2))
            .min()
            .map(|(_, c)| c)
    }

    /// Indices of the rules chosen by `select` (ids, id prefixes, names, `category:X`,
    /// `tag:X`, `ALL`; empty means every stable rule) minus `ignore`.
    pub fn select(
        &self,
        select: &[String],
        ignore: &[String],
        preview: bool,
    ) -> Result<Vec<usize>, String> {
        let matcher = |sel: &str| -> Result<Vec<usize>, String> {
            let hits: Vec<usize> = self
                .rules
                .iter()
                .enumerate()
                .filter(|(_, r)| selector_matches(sel, r))
                .map(|(i, _)| i)
                .collect();
            if hits.is_empty() {
                let hint = self
                    .suggest(sel)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                return Err(format!("rule selector `{sel}` matches no rule{hint}"));
            }
            Ok(hits)
        };
        let mut chosen: Vec<usize> = if select.is_empty() {
            self.rules
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    r.status == RuleStatus::Stable || (preview && r.status == RuleStatus::Preview)
                })
                .map(|(i, _)| i)
                .collect()
        } else {
            let mut v = Vec::new();
            for s in select {
                v.extend(matcher(s)?);
            }
            v
        };
        for s in ignore {
            let drop = matcher(s)?;
            chosen.retain(|i| !drop.contains(i));
        }
        chosen.sort_unstable();
        chosen.dedup();
        Ok(chosen)
    }
}

fn selector_matches(sel: &str, r: &Rule) -> bool {
    if sel.eq_ignore_ascii_case("ALL") {
        return true;
    }
    if let Some(cat) = sel.strip_prefix("category:") {
        return r.category.as_str().eq_ignore_ascii_case(cat);
    }
    if let Some(tag) = sel.strip_prefix("tag:") {
        return r.tags.iter().any(|t| t.eq_ignore_ascii_case(tag));
    }
    // `DOCK` or `DOCK0` select by id prefix; prefixes are written in capitals so that a
    // lowercase rule name is never mistaken for one.
    let prefix_like = sel.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && sel
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    r.id.eq_ignore_ascii_case(sel)
        || (prefix_like && r.id.starts_with(sel))
        || r.name.eq_ignore_ascii_case(sel)
}

fn fact_cycle(facts: &[Fact]) -> Option<String> {
    fn visit(i: usize, facts: &[Fact], state: &mut [u8]) -> Option<usize> {
        if state[i] == 1 {
            return Some(i);
        }
        if state[i] == 2 {
            return None;
        }
        state[i] = 1;
        for c in facts[i].any_of.iter().chain(&facts[i].all_of) {
            if let Condition::Fact(j) | Condition::NotFact(j) = c
                && let Some(x) = visit(*j, facts, state)
            {
                return Some(x);
            }
        }
        state[i] = 2;
        None
    }
    let mut state = vec![0u8; facts.len()];
    (0..facts.len())
        .find_map(|i| visit(i, facts, &mut state))
        .map(|i| facts[i].name.clone())
}

#[cfg(test)]
mod lazy_tests {
    use super::{RuleSet, builtin_sources};

    /// The embedded rules' regexes are compiled on first use, where an invalid one would
    /// panic: every one of them is compiled here, so none can be invalid.
    #[test]
    fn embedded_rules_compile_eagerly() {
        let set = RuleSet::from_sources_compiling(builtin_sources(), true);
        assert!(set.is_ok(), "{:?}", set.err());
        assert!(crate::check::eager(), "eager compilation is the default");
    }

    /// Every embedded rule file loads from the JSON form `build.rs` made of it (none falls
    /// back to parsing YAML at start-up), and that form says what the YAML says: the same
    /// rule, fields, order and params, or the same facts.
    #[test]
    fn embedded_json_is_the_yaml() {
        use super::{Loaded, load_json, load_yaml};
        let shown = |l: &Loaded| match l {
            Loaded::Rule(p) => format!("{:?} {}", p.raw, p.params),
            Loaded::Facts(f) => f
                .iter()
                .map(|(name, fact, ..)| format!("{name}: {fact:?}"))
                .collect::<Vec<_>>()
                .join("\n"),
            Loaded::Failed(e) => panic!("{e}"),
        };
        let sources = builtin_sources();
        assert!(sources.len() > 100, "{} embedded files", sources.len());
        for src in sources {
            let Ok(json) = load_json(src.clone()) else {
                panic!("{} has no JSON form or it does not deserialise", src.path);
            };
            assert_eq!(shown(&json), shown(&load_yaml(src.clone())), "{}", src.path);
        }
    }

    /// A user rule's invalid regex is still an error at load time, located in its file.
    #[test]
    fn user_rules_compile_eagerly() {
        let mut sources = builtin_sources();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("X001.yaml");
        let text = "id: XYZ001\nname: broken-pattern\ntitle: Broken\ncategory: security\nseverity: low\nsince: 0.1.0\ncheck:\n  kind: text_match\n  params:\n    paths: ['*.txt']\n    pattern: '(unclosed'\n    expect: absent\nwhy: w\nfix: f\nexamples:\n  - name: a\n    expect: fail\n    files: {a.txt: '(unclosed'}\n  - name: b\n    expect: pass\n    files: {a.txt: ok}\n";
        std::fs::write(&path, text).unwrap();
        sources.extend(super::dir_sources(dir.path()).unwrap());
        let errors = RuleSet::from_sources(sources).unwrap_err();
        let shown = format!("{errors:?}");
        assert!(
            shown.contains("X001.yaml") && shown.contains("invalid regex"),
            "{shown}"
        );
    }
}
