//! Check kinds: the Rust code behind `check.kind` in rule files. A kind is compiled once per
//! rule (params validated, regexes and globs built) and evaluated once per run. Kinds never
//! know which rule they serve; anything rule-specific is a parameter.

pub mod ci_command;
pub mod code_signal;
pub mod companion_file;
pub mod compose_service;
pub mod dockerfile_base_image;
pub mod dockerfile_instruction;
pub mod dockerignore;
pub mod env_coverage;
pub mod health_endpoints;
pub mod http_cors;
pub mod http_probe;
pub mod https_redirect;
pub mod k8s_workload;
pub mod orchestration;
pub mod path_exists;
pub mod prometheus_exposition;
pub mod secret_scan;
pub mod text_match;
pub mod tls_certificate;
pub mod yaml_field;

use crate::collect::Workspace;
use crate::collect::select::{SelectorId, SelectorRegistry};
use crate::finding::Finding;
use crate::parse::dockerfile::Dockerfile;
use crate::parse::yaml::Node;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// Context given to `compile`: where file selectors are registered. Rules compile in
/// parallel, so the registry is shared behind a lock (registration is a tiny part of it).
pub struct CompileCx<'a> {
    /// The shared selector registry.
    pub selectors: &'a std::sync::Mutex<SelectorRegistry>,
}

impl CompileCx<'_> {
    /// Registers the files a check reads; `field` names the parameter for error messages.
    pub fn files(
        &mut self,
        field: &str,
        include: &[String],
        exclude: &[String],
        case_insensitive: bool,
    ) -> Result<SelectorId, ParamError> {
        self.selectors
            .lock()
            .map_err(|_| ParamError::at(field, "selector registry poisoned"))?
            .register(include, exclude, case_insensitive)
            .map_err(|m| ParamError::at(field, m))
    }
}

/// A parameter that passed serde but is still invalid.
#[derive(Debug, Clone)]
pub struct ParamError {
    /// Key path of the parameter inside `check.params`, when one is to blame.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl ParamError {
    /// An error about one parameter.
    pub fn at(field: &str, message: impl Into<String>) -> ParamError {
        ParamError {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }
}

/// Rewrites `\b` and `\B` (outside character classes) to their ASCII forms `(?-u:\b)` and
/// `(?-u:\B)`. Rule patterns look for code, config and command lines, where a word is
/// ASCII; the Unicode word boundary cannot run in the regex crate's fast DFAs once a file
/// holds a non-ASCII byte, and the fallback engine made one rule 20× slower on a real
/// repository (see benches/). `\\b` (an escaped backslash) is left alone.
#[must_use]
pub fn ascii_word_boundaries(pattern: &str) -> std::borrow::Cow<'_, str> {
    if !pattern.contains("\\b") && !pattern.contains("\\B") {
        return std::borrow::Cow::Borrowed(pattern);
    }
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    let mut class_depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(b @ ('b' | 'B')) if class_depth == 0 => {
                    out.push_str("(?-u:\\");
                    out.push(b);
                    out.push(')');
                }
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            '[' => {
                class_depth += 1;
                out.push(c);
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Compiles a regex parameter.
pub fn regex_param(
    field: &str,
    pattern: &str,
    case_insensitive: bool,
) -> Result<regex::Regex, ParamError> {
    regex::RegexBuilder::new(&ascii_word_boundaries(pattern))
        .multi_line(true)
        .case_insensitive(case_insensitive)
        .size_limit(1 << 22)
        .build()
        .map_err(|e| {
            ParamError::at(
                field,
                format!("invalid regex `{pattern}`: {}", one_line(&e.to_string())),
            )
        })
}

/// The regex crate's multi-line error reduced to its last `error: …` line.
fn one_line(s: &str) -> String {
    s.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map_or_else(
            || {
                s.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            },
            str::to_owned,
        )
}

/// Whether the rule had anything to look at. Pass or fail is derived from the findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applicability {
    /// The check ran on something.
    Applicable,
    /// Nothing to check (e.g. no Dockerfile): the rule is skipped with this reason.
    NotApplicable(String),
}

/// The check could not decide; the rule becomes inconclusive with this reason.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct CheckError(pub String);

/// What a check kind sees while it evaluates, and where it reports.
pub struct CheckCx<'a> {
    ws: &'a Workspace,
    target: Option<&'a crate::probe::Target>,
    pub(crate) findings: Vec<Finding>,
    pub(crate) evidence: Vec<Finding>,
    pub(crate) problems: Vec<String>,
}

impl<'a> CheckCx<'a> {
    /// A context over a workspace.
    #[must_use]
    pub fn new(ws: &'a Workspace) -> Self {
        CheckCx {
            ws,
            target: None,
            findings: Vec::new(),
            evidence: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// The repository.
    #[must_use]
    pub fn workspace(&self) -> &'a Workspace {
        self.ws
    }

    /// A context for a live rule on one target.
    #[must_use]
    pub fn for_target(ws: &'a Workspace, target: &'a crate::probe::Target) -> Self {
        CheckCx {
            target: Some(target),
            ..CheckCx::new(ws)
        }
    }

    /// The live target, for live kinds.
    pub fn target(&self) -> Result<&'a crate::probe::Target, CheckError> {
        self.target
            .ok_or_else(|| CheckError("no live target".to_owned()))
    }

    /// The files a selector matched.
    #[must_use]
    pub fn selected(&self, id: SelectorId) -> &'a [usize] {
        self.ws.selected(id)
    }

    /// Reports a violation.
    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Records why the rule passed (shown as evidence, used by `claims`).
    pub fn evidence(&mut self, note: Finding) {
        self.evidence.push(note);
    }

    /// Records an input the check could not examine; with no findings the rule is inconclusive.
    pub fn problem(&mut self, what: String) {
        self.problems.push(what);
    }

    /// Runs `f` on each file in parallel, each with a context of its own, then gathers
    /// what they reported in file order (so output stays deterministic). For kinds whose
    /// per-file work (reading, parsing) dominates.
    pub fn for_each_file_par<F>(&mut self, files: &[usize], f: F)
    where
        F: Fn(&mut CheckCx<'a>, usize) + Sync,
    {
        use rayon::prelude::*;
        let ws = self.ws;
        let parts: Vec<CheckCx<'a>> = files
            .par_iter()
            .map(|&i| {
                let mut cx = CheckCx::new(ws);
                f(&mut cx, i);
                cx
            })
            .collect();
        for part in parts {
            self.findings.extend(part.findings);
            self.evidence.extend(part.evidence);
            self.problems.extend(part.problems);
        }
    }

    /// The text of a file, or `None` after recording why it is unavailable.
    pub fn text(&mut self, i: usize) -> Option<&'a str> {
        match self.ws.text(i) {
            Ok(t) => Some(t),
            Err(p) => {
                let rel = &self.ws.file(i).rel;
                self.problems.push(format!("`{rel}` was not read ({p})"));
                None
            }
        }
    }

    /// The YAML documents of a file, or `None` after recording why not.
    pub fn yaml(&mut self, i: usize) -> Option<Arc<Vec<Node>>> {
        self.ws
            .yaml(i)
            .map_err(|p| self.problems.push(p.describe(&self.ws.file(i).rel)))
            .ok()
    }

    /// The parsed Dockerfile, or `None` after recording why not.
    pub fn dockerfile(&mut self, i: usize) -> Option<Arc<Dockerfile>> {
        self.ws
            .dockerfile(i)
            .map_err(|p| self.problems.push(p.describe(&self.ws.file(i).rel)))
            .ok()
    }
}

/// The Rust implementation behind one `check.kind`.
pub trait CheckKind: Sized + Send + Sync {
    /// The `check.params` mapping (unknown keys rejected).
    type Params: DeserializeOwned;

    /// Whether the kind talks to a running service (then it runs once per `--url` target).
    const LIVE: bool = false;

    /// The requests a live kind needs; made once for all rules before evaluation.
    fn requests(&self, _ws: &Workspace) -> Vec<crate::probe::RequestSpec> {
        Vec::new()
    }

    /// Validates params beyond serde and precomputes what `evaluate` needs.
    fn compile(params: Self::Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError>;

    /// Examines the repository and reports one finding per violation through `cx`.
    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError>;
}

/// Fills `{name}` placeholders in a message template.
#[must_use]
pub fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if vars.iter().any(|(k, _)| *k == &after[..close]) => {
                let key = &after[..close];
                out.push_str(vars.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| v));
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Declares every check kind once: the `CheckSpec` enum read from rule files, the compiled
/// `Check` enum, and their dispatch. Adding a kind is one line here plus its module.
macro_rules! kinds {
    ($($variant:ident => $module:ident :: $kind:ident),+ $(,)?) => {
        /// `check:` as written in a rule file: `kind` picks the variant, `params` its parameters.
        #[derive(Debug, Deserialize)]
        #[serde(tag = "kind", content = "params", rename_all = "snake_case", deny_unknown_fields)]
        pub enum CheckSpec {
            $(
                #[allow(missing_docs)]
                $variant($module::Params),
            )+
        }

        /// A compiled check (one per rule, so variant sizes do not matter).
        #[allow(clippy::large_enum_variant)]
        pub enum Check {
            $(
                #[allow(missing_docs)]
                $variant($module::$kind),
            )+
        }

        /// Names of every check kind, as written in rule files.
        pub const KIND_NAMES: &[&str] = &[$(stringify!($module)),+];

        impl CheckSpec {
            /// The kind's name.
            #[must_use]
            pub fn kind_name(&self) -> &'static str {
                match self { $(CheckSpec::$variant(_) => stringify!($module)),+ }
            }

            /// Compiles the params into a runnable check.
            pub fn compile(self, cx: &mut CompileCx<'_>) -> Result<Check, ParamError> {
                match self { $(CheckSpec::$variant(p) => $module::$kind::compile(p, cx).map(Check::$variant)),+ }
            }
        }

        impl Check {
            /// Whether the check probes a live target.
            #[must_use]
            pub fn is_live(&self) -> bool {
                match self { $(Check::$variant(_) => <$module::$kind as CheckKind>::LIVE),+ }
            }

            /// The requests a live check needs.
            #[must_use]
            pub fn requests(&self, ws: &Workspace) -> Vec<crate::probe::RequestSpec> {
                match self { $(Check::$variant(k) => k.requests(ws)),+ }
            }

            /// Runs the check.
            pub fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
                match self { $(Check::$variant(k) => k.evaluate(cx)),+ }
            }
        }
    };
}

kinds! {
    PathExists => path_exists::PathExists,
    TextMatch => text_match::TextMatch,
    YamlField => yaml_field::YamlField,
    DockerfileInstruction => dockerfile_instruction::DockerfileInstruction,
    DockerfileBaseImage => dockerfile_base_image::DockerfileBaseImage,
    CiCommand => ci_command::CiCommand,
    CodeSignal => code_signal::CodeSignal,
    CompanionFile => companion_file::CompanionFile,
    ComposeService => compose_service::ComposeServiceCheck,
    K8sWorkload => k8s_workload::K8sWorkload,
    Dockerignore => dockerignore::DockerignoreCheck,
    HttpProbe => http_probe::HttpProbe,
    HttpCors => http_cors::HttpCors,
    HttpsRedirect => https_redirect::HttpsRedirect,
    TlsCertificate => tls_certificate::TlsCertificate,
    PrometheusExposition => prometheus_exposition::PrometheusExposition,
    HealthEndpoints => health_endpoints::HealthEndpoints,
    EnvCoverage => env_coverage::EnvCoverage,
    SecretScan => secret_scan::SecretScan,
}

/// Globs that find Dockerfiles under every common naming scheme.
#[must_use]
pub fn default_dockerfile_globs() -> Vec<String> {
    [
        "Dockerfile",
        "dockerfile",
        "*.Dockerfile",
        "*.dockerfile",
        "Dockerfile.*",
        "Containerfile",
        "Containerfile.*",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// Files that match the Dockerfile globs but are not Dockerfiles.
#[must_use]
pub fn default_dockerfile_excludes() -> Vec<String> {
    [
        "*.dockerignore",
        "*.md",
        "*.txt",
        "*.sh",
        "*.yml",
        "*.yaml",
        "*.json",
        "*.bak",
        "*.orig",
        "*.swp",
        "*.j2",
        "*.tpl",
        "*.tmpl",
        "*.erb",
        // Development containers and test harnesses are not deployed images.
        "**/.devcontainer/",
        "Dockerfile.dev",
        "Dockerfile.debug",
        "Dockerfile.development",
        "Dockerfile.test",
        "*.dev.Dockerfile",
        "*.debug.Dockerfile",
        "Dockerfile.playwright",
        "Dockerfile.cypress",
        "Dockerfile.e2e",
        "**/test/",
        "**/tests/",
        "**/e2e/",
        "**/testdata/",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// One value or a list of values in params.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A single value.
    One(T),
    /// A list.
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    /// As a list.
    #[must_use]
    pub fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(v) => vec![v.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Runs one check kind on inline files, as hadolint's `ruleCatches` does.
    use super::*;
    use crate::collect::{WalkOptions, Workspace};

    /// Compiles `params` (YAML) for `kind` and evaluates it on `files`.
    pub(crate) fn run(
        kind: &str,
        params: &str,
        files: &[(&str, &str)],
    ) -> (Result<Applicability, CheckError>, Vec<Finding>, Vec<String>) {
        let yaml = format!("kind: {kind}\nparams:\n{}", indent(params));
        let spec: CheckSpec = serde_saphyr::from_str(&yaml).unwrap_or_else(|e| panic!("{e}"));
        let reg = std::sync::Mutex::new(SelectorRegistry::default());
        let check = spec
            .compile(&mut CompileCx { selectors: &reg })
            .unwrap_or_else(|e| panic!("{}", e.message));
        let reg = reg.into_inner().unwrap();
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content).unwrap();
        }
        let ws = Workspace::scan(
            dir.path(),
            Arc::new(reg.build().unwrap()),
            &WalkOptions::default(),
        )
        .unwrap();
        let mut cx = CheckCx::new(&ws);
        let r = check.evaluate(&mut cx);
        let mut findings = cx.findings;
        findings.sort();
        (r, findings, cx.problems)
    }

    fn indent(s: &str) -> String {
        s.lines().map(|l| format!("  {l}\n")).collect()
    }

    /// The findings' `line: message` strings, for terse asserts.
    pub(crate) fn lines(findings: &[Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| format!("{}: {}", f.location.display(), f.message))
            .collect()
    }
}

#[cfg(test)]
mod boundary_tests {
    use super::ascii_word_boundaries as a;

    #[test]
    fn word_boundaries_become_ascii_outside_classes_only() {
        assert_eq!(a(r"\bfoo\B"), r"(?-u:\b)foo(?-u:\B)");
        assert_eq!(a(r"\\b[\b]x"), r"\\b[\b]x");
        assert_eq!(a(r"[\]]\b"), r"[\]](?-u:\b)");
        assert_eq!(a("plain"), "plain");
        // The rewritten pattern compiles and keeps matching ASCII words next to non-ASCII text.
        let re = super::regex_param("p", r"\bk6 run\b", false).unwrap();
        assert!(re.is_match("é k6 run script.js"));
        assert!(!re.is_match("xk6 run"));
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn templates_fill_known_placeholders_only() {
        assert_eq!(
            render("`{a}` and {b} {c}", &[("a", "x"), ("b", "y")]),
            "`x` and y {c}"
        );
    }
}
