//! Check kinds: the Rust code behind `check.kind` in rule files. A kind is compiled once per
//! rule (params validated, regexes and globs built) and evaluated once per run. Kinds never
//! know which rule they serve; anything rule-specific is a parameter.

pub mod action_pin;
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
pub mod images;
pub mod k8s_workload;
pub mod orchestration;
pub mod path_exists;
pub mod prometheus_exposition;
pub mod secret_scan;
pub mod text_match;
pub mod tls_certificate;
pub mod yaml_field;

use crate::collect::Workspace;
use crate::collect::scope::{Role, RoleSet};
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
    /// The roles of the files the rule judges (its `roles:`; production by default).
    pub roles: RoleSet,
}

impl<'a> CompileCx<'a> {
    /// A context for a rule (or fact) that judges files of `roles`.
    #[must_use]
    pub fn new(selectors: &'a std::sync::Mutex<SelectorRegistry>, roles: RoleSet) -> Self {
        CompileCx { selectors, roles }
    }

    /// Registers the files a check reads (those of the rule's roles; the others are set
    /// aside); `field` names the parameter for error messages.
    pub fn files(
        &mut self,
        field: &str,
        include: &[String],
        exclude: &[String],
        case_insensitive: bool,
    ) -> Result<SelectorId, ParamError> {
        let roles = self.roles;
        self.files_of(field, include, exclude, case_insensitive, roles)
    }

    /// Like [`CompileCx::files`] for files of other roles than the rule's (a Dockerfile
    /// rule that consults every `.dockerignore`, whatever its role).
    pub fn files_of(
        &mut self,
        field: &str,
        include: &[String],
        exclude: &[String],
        case_insensitive: bool,
        roles: RoleSet,
    ) -> Result<SelectorId, ParamError> {
        self.selectors
            .lock()
            .map_err(|_| ParamError::at(field, "selector registry poisoned"))?
            .register(include, exclude, case_insensitive, roles)
            .map_err(|m| ParamError::at(field, m))
    }
}

/// A subject (file) a rule did not judge, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct SetAside {
    /// Relative path.
    pub path: String,
    /// The file's role when that is why (a `test` file for a rule of `production`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Why, in words (`dev file (\`.devcontainer/\`)`, `a code-generation tool image`).
    pub reason: String,
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

/// A rule's regex parameter, compiled on first use. Compiling every regex of the rule set
/// was most of the start-up of a small audit (and of `explain`), while a run only matches
/// the patterns of rules whose files exist. User rule files are compiled eagerly
/// ([`compiling_eagerly`]), so their errors are still reported, located, before the run;
/// the embedded rules are compiled in full by the test suite.
#[derive(Debug, Clone)]
pub struct LazyRegex {
    /// The pattern as built (word boundaries made ASCII).
    source: String,
    case_insensitive: bool,
    cell: std::sync::OnceLock<regex::Regex>,
}

impl LazyRegex {
    /// The pattern, without compiling it (what `Regex::as_str` would give).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the pattern has a capture group of this name; read from the pattern's text
    /// when it is not compiled yet (`(?P<name>` or `(?<name>`).
    #[must_use]
    pub fn has_group(&self, name: &str) -> bool {
        match self.cell.get() {
            Some(re) => re.capture_names().any(|n| n == Some(name)),
            None => {
                self.source.contains(&format!("(?P<{name}>"))
                    || self.source.contains(&format!("(?<{name}>"))
            }
        }
    }

    fn build(source: &str, case_insensitive: bool) -> Result<regex::Regex, regex::Error> {
        regex::RegexBuilder::new(source)
            .multi_line(true)
            .case_insensitive(case_insensitive)
            .size_limit(1 << 22)
            .build()
    }
}

impl From<regex::Regex> for LazyRegex {
    /// A regex built elsewhere (at evaluation time), already compiled.
    fn from(re: regex::Regex) -> Self {
        LazyRegex {
            source: re.as_str().to_owned(),
            case_insensitive: false,
            cell: std::sync::OnceLock::from(re),
        }
    }
}

impl std::ops::Deref for LazyRegex {
    type Target = regex::Regex;

    fn deref(&self) -> &regex::Regex {
        self.cell.get_or_init(|| {
            // Only embedded rules are compiled lazily, and the test suite compiles every
            // one of their patterns (`rule::tests::embedded_rules_compile_eagerly`).
            Self::build(&self.source, self.case_insensitive)
                .unwrap_or_else(|e| panic!("embedded rule regex `{}`: {e}", self.source))
        })
    }
}

thread_local! {
    static EAGER: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Whether regex parameters compiled now on this thread are compiled at once.
#[must_use]
pub fn eager() -> bool {
    EAGER.with(std::cell::Cell::get)
}

/// Runs `f` (a rule's compilation) with its regex parameters compiled now (`eager`) or on
/// first use. Eager is the default, so only code that asks for laziness gets it.
pub fn compiling_eagerly<T>(eager: bool, f: impl FnOnce() -> T) -> T {
    let before = EAGER.with(|e| e.replace(eager));
    let out = f();
    EAGER.with(|e| e.set(before));
    out
}

/// Compiles a regex parameter (now, or on first use for the embedded rules: see
/// [`LazyRegex`]). `message` turns the regex crate's error into the parameter's error.
fn lazy_regex(
    pattern: &str,
    case_insensitive: bool,
    message: impl FnOnce(&regex::Error) -> String,
) -> Result<LazyRegex, String> {
    let source = ascii_word_boundaries(pattern).into_owned();
    let cell = std::sync::OnceLock::new();
    if eager() {
        let re = LazyRegex::build(&source, case_insensitive).map_err(|e| message(&e))?;
        let _ = cell.set(re);
    }
    Ok(LazyRegex {
        source,
        case_insensitive,
        cell,
    })
}

/// Compiles a regex parameter.
pub fn regex_param(
    field: &str,
    pattern: &str,
    case_insensitive: bool,
) -> Result<LazyRegex, ParamError> {
    lazy_regex(pattern, case_insensitive, |e| {
        format!("invalid regex `{pattern}`: {}", one_line(&e.to_string()))
    })
    .map_err(|m| ParamError::at(field, m))
}

/// Like [`regex_param`], with the message code signals have always given.
pub fn signal_regex(field: &str, pattern: &str) -> Result<LazyRegex, ParamError> {
    lazy_regex(pattern, false, |e| {
        format!("invalid regex: {e}").replace('\n', " ")
    })
    .map_err(|m| ParamError::at(field, m))
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
    /// Files handed to the check as the subjects it judges.
    pub(crate) subjects: Vec<usize>,
    /// Subjects (not) judged, by path: set aside by role or by the kind.
    pub(crate) set_aside: Vec<SetAside>,
    /// Subjects judged that are not files (services, workloads, workflows).
    pub(crate) judged_other: usize,
    /// Files whose subjects were judged (reported with the result, not counted).
    pub(crate) read: Vec<usize>,
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
            subjects: Vec::new(),
            set_aside: Vec::new(),
            judged_other: 0,
            read: Vec::new(),
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

    /// The files a selector matched (of the roles it was registered for), to consult.
    #[must_use]
    pub fn selected(&self, id: SelectorId) -> &'a [usize] {
        self.ws.selected(id)
    }

    /// The files a selector matched, as the subjects the rule judges: a rule with no
    /// finding passes only when it judged at least one subject. Files the globs match but
    /// whose role the rule does not judge are recorded as set aside.
    pub fn subjects(&mut self, id: SelectorId) -> &'a [usize] {
        let files = self.consider(id);
        self.subjects.extend_from_slice(files);
        files
    }

    /// Like [`CheckCx::subjects`] for files that hold the subjects (documents, services,
    /// workflows) rather than being them: the files of other roles are recorded as set
    /// aside, and the check counts what it judged with [`CheckCx::judged`].
    pub fn consider(&mut self, id: SelectorId) -> &'a [usize] {
        let ws = self.ws;
        for &i in ws.set_aside(id) {
            let rel = &ws.file(i).rel;
            if self.set_aside.iter().any(|s| s.path == *rel) {
                continue;
            }
            let (role, because) = ws.role_of(rel);
            self.set_aside.push(SetAside {
                path: rel.clone(),
                role: Some(role),
                reason: format!("{role} file ({because})"),
            });
        }
        ws.selected(id)
    }

    /// Records that the check did not judge a subject file, and why (a tool image, a
    /// template it cannot render).
    pub fn set_aside(&mut self, path: &str, reason: impl Into<String>) {
        let reason = reason.into();
        if self
            .set_aside
            .iter()
            .any(|s| s.path == path && s.reason == reason)
        {
            return;
        }
        self.set_aside.push(SetAside {
            path: path.to_owned(),
            role: None,
            reason,
        });
    }

    /// Takes back one subject counted with [`CheckCx::judged`] that turned out not to be
    /// judgeable, recording why.
    pub fn retract_judged(&mut self, path: &str, reason: impl Into<String>) {
        self.judged_other = self.judged_other.saturating_sub(1);
        self.set_aside(path, reason);
    }

    /// Records that the check judged `n` subjects that are not files of its own selection
    /// (Compose services, workflows, responses).
    pub fn judged(&mut self, n: usize) {
        self.judged_other += n;
    }

    /// How many subjects were judged: subject files not set aside, plus other subjects.
    #[must_use]
    pub fn judged_count(&self) -> usize {
        let aside: std::collections::HashSet<&str> =
            self.set_aside.iter().map(|s| s.path.as_str()).collect();
        let mut files: Vec<usize> = self
            .subjects
            .iter()
            .copied()
            .filter(|&i| !aside.contains(self.ws.file(i).rel.as_str()))
            .collect();
        files.sort_unstable();
        files.dedup();
        files.len() + self.judged_other
    }

    /// Records that the subjects of file `i` are being judged (for the report; the check
    /// counts them with [`CheckCx::judged`]).
    pub fn reading(&mut self, i: usize) {
        self.read.push(i);
    }

    /// The files whose subjects were judged (not set aside as a whole), sorted.
    #[must_use]
    pub fn judged_files(&self) -> Vec<usize> {
        let aside: std::collections::HashSet<&str> = self
            .set_aside
            .iter()
            .filter(|s| {
                s.role.is_some() || !self.read.iter().any(|&i| self.ws.file(i).rel == s.path)
            })
            .map(|s| s.path.as_str())
            .collect();
        let mut files: Vec<usize> = self
            .subjects
            .iter()
            .chain(&self.read)
            .copied()
            .filter(|&i| !aside.contains(self.ws.file(i).rel.as_str()))
            .collect();
        files.sort_unstable();
        files.dedup();
        files
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
            self.subjects.extend(part.subjects);
            self.read.extend(part.read);
            self.judged_other += part.judged_other;
            for s in part.set_aside {
                if !self.set_aside.contains(&s) {
                    self.set_aside.push(s);
                }
            }
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
    ActionPin => action_pin::ActionPin,
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
        "Dockerfile-*",
        "Containerfile-*",
        "Containerfile",
        "Containerfile.*",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// Files that match the Dockerfile globs but are not Dockerfiles (which Dockerfiles are
/// judged is the scope model's decision, not an exclude list's).
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

    const KIND_TEST_ROLES: RoleSet =
        RoleSet::of_const(&[Role::Production, Role::Docs, Role::Ci, Role::Dev]);

    /// Compiles `params` (YAML) for `kind`, for a rule of `roles`, and evaluates it on a
    /// temporary tree of `files`; `f` reads the context afterwards.
    fn with_run<T>(
        kind: &str,
        params: &str,
        files: &[(&str, &str)],
        roles: RoleSet,
        f: impl FnOnce(Result<Applicability, CheckError>, CheckCx<'_>) -> T,
    ) -> T {
        let yaml = format!("kind: {kind}\nparams:\n{}", indent(params));
        let spec: CheckSpec = serde_saphyr::from_str(&yaml).unwrap_or_else(|e| panic!("{e}"));
        let reg = std::sync::Mutex::new(SelectorRegistry::default());
        let check = spec
            .compile(&mut CompileCx::new(&reg, roles))
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
        f(r, cx)
    }

    /// Compiles `params` (YAML) for `kind` and evaluates it on `files`. Kind tests are
    /// about the kind's logic: production, docs, CI and dev files are its input, tests and
    /// examples are set aside (roles are tested in `collect::scope`, by `set_aside_tests`
    /// and by the rule examples).
    pub(crate) fn run(
        kind: &str,
        params: &str,
        files: &[(&str, &str)],
    ) -> (Result<Applicability, CheckError>, Vec<Finding>, Vec<String>) {
        with_run(kind, params, files, KIND_TEST_ROLES, |r, cx| {
            let mut findings = cx.findings;
            findings.sort();
            (r, findings, cx.problems)
        })
    }

    /// Like [`run`], and derives the rule outcome as the engine does.
    pub(crate) fn outcome(
        kind: &str,
        params: &str,
        files: &[(&str, &str)],
    ) -> crate::engine::Outcome {
        outcome_with(kind, params, files, KIND_TEST_ROLES)
    }

    /// The outcome of `kind` for a rule that judges `roles`.
    pub(crate) fn outcome_with(
        kind: &str,
        params: &str,
        files: &[(&str, &str)],
        roles: RoleSet,
    ) -> crate::engine::Outcome {
        with_run(kind, params, files, roles, |applicability, cx| {
            let judged = cx.judged_count();
            crate::engine::outcome(&crate::engine::Reported {
                applicability,
                findings: cx.findings,
                evidence: cx.evidence,
                problems: cx.problems,
                judged,
                set_aside: cx.set_aside,
            })
        })
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

#[cfg(test)]
mod set_aside_tests {
    //! For every static check kind: when every subject of a rule is set aside (files of
    //! roles the rule does not judge), the rule is skipped with that reason, never passed.
    use super::testing::outcome_with;
    use crate::collect::scope::RoleSet;
    use crate::engine::Outcome;

    fn skipped_naming(kind: &str, params: &str, files: &[(&str, &str)], path: &str) {
        let o = outcome_with(kind, params, files, RoleSet::PRODUCTION);
        match &o {
            Outcome::Skipped(reason) => assert!(
                reason.contains(path),
                "{kind}: the skip reason does not name `{path}`: {reason}"
            ),
            other => panic!("{kind}: expected skipped, got {other:?}"),
        }
    }

    #[test]
    fn every_kind_skips_when_every_subject_was_set_aside() {
        skipped_naming(
            "text_match",
            "paths: [\"*.py\"]\npattern: 'DEBUG = True'\nexpect: absent",
            &[("tests/settings.py", "X = 1\n")],
            "tests/settings.py",
        );
        skipped_naming(
            "yaml_field",
            "paths: [\"*.yaml\"]\ndocuments: {kind: [Deployment]}\nat: spec.replicas\nexpect: exists",
            &[(
                "examples/k8s.yaml",
                "kind: Deployment\nspec: {replicas: 2}\n",
            )],
            "examples/k8s.yaml",
        );
        let root = "instruction: USER\nexpect: present";
        skipped_naming(
            "dockerfile_instruction",
            root,
            &[(".devcontainer/Dockerfile", "FROM node:22\nUSER node\n")],
            ".devcontainer/Dockerfile",
        );
        skipped_naming(
            "dockerfile_instruction",
            root,
            &[(
                "Dockerfile",
                "FROM node:22\nUSER node\nCMD [\"npx\", \"playwright\", \"test\"]\n",
            )],
            "test-runner image",
        );
        skipped_naming(
            "dockerfile_base_image",
            "{}",
            &[("e2e/Dockerfile", "FROM node:22.1.0\n")],
            "e2e/Dockerfile",
        );
        skipped_naming(
            "dockerfile_base_image",
            "{}",
            &[("Dockerfile", "ARG BASE\nFROM ${BASE}\nCMD [\"./app\"]\n")],
            "chosen at build time",
        );
        skipped_naming(
            "ci_command",
            "pattern: pytest\nci_files: [\"ci/**/*.yml\"]\nmessage: no tests",
            &[("ci/tests/pipeline.yml", "steps: [{run: pytest}]\n")],
            "ci/tests/pipeline.yml",
        );
        skipped_naming(
            "code_signal",
            "expect: absent\nsignals:\n  python:\n    - pattern: 'print\\('",
            &[
                (
                    "pyproject.toml",
                    "[project]\ndependencies = [\n  \"fastapi>=0.110\",\n]\n",
                ),
                (
                    "tests/test_app.py",
                    "from fastapi.testclient import TestClient\nprint('x')\n",
                ),
            ],
            "tests/test_app.py",
        );
        skipped_naming(
            "companion_file",
            "groups:\n  - manifest: [package.json]\n    any_of: [package-lock.json]\nmessage: no lockfile",
            &[("examples/web/package.json", "{}")],
            "examples/web/package.json",
        );
        skipped_naming(
            "compose_service",
            "test:\n  present:\n    any_of: [healthcheck.test]",
            &[(
                ".devcontainer/docker-compose.yml",
                "services:\n  app:\n    image: node:22\n",
            )],
            ".devcontainer/docker-compose.yml",
        );
        skipped_naming(
            "compose_service",
            "test:\n  present:\n    any_of: [healthcheck.test]\n    exempt_when: {restart: '^no$'}",
            &[(
                "docker-compose.yml",
                "services:\n  seed:\n    image: app:1\n    restart: \"no\"\n",
            )],
            "service `seed` is exempt",
        );
        skipped_naming(
            "k8s_workload",
            "test:\n  require:\n    all_of: [{at: resources.limits.memory}]",
            &[(
                "tests/k8s/deploy.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: a:1}]\n",
            )],
            "tests/k8s/deploy.yaml",
        );
        skipped_naming(
            "k8s_workload",
            "test:\n  require:\n    all_of: [{at: resources.limits.memory}]",
            &[(
                "charts/a/templates/deploy.yaml",
                "kind: Deployment\n{{- if .Values.x }}\n  a: {{ .Values.y }}\n{{- end }}\n",
            )],
            "Helm template",
        );
        skipped_naming(
            "dockerignore",
            "require:\n  - path: .git",
            &[
                ("playwright/Dockerfile", "FROM node:22\n"),
                ("playwright/.dockerignore", "node_modules\n"),
            ],
            "playwright/Dockerfile",
        );
        skipped_naming(
            "env_coverage",
            "code: [\"*.py\"]\nexamples: [.env.example]",
            &[
                (".env.example", "A=1\n"),
                ("tests/conftest.py", "import os\nos.getenv('B')\n"),
            ],
            "tests/conftest.py",
        );
        skipped_naming(
            "secret_scan",
            "paths: [\"*.py\"]\npatterns:\n  - name: AWS access key\n    regex: 'AKIA[0-9A-Z]{16}'",
            // readycheck: ignore[CONF005] a fake, pattern-valid key for the test
            &[("tests/test_aws.py", "K = 'AKIAIOSFODNN7EXAMPLF'\n")],
            "tests/test_aws.py",
        );
        skipped_naming(
            "path_exists",
            "any_of: [\".env\"]\nforbid: true",
            &[(".devcontainer/.env", "A=1\n")],
            "",
        );
    }

    #[test]
    fn a_required_file_that_exists_only_outside_production_is_missing() {
        // `path_exists` judges the repository itself: a README only under `examples/`
        // does not make the repository's README exist.
        let o = outcome_with(
            "path_exists",
            "any_of: [\"/README*\", \"examples/README*\"]",
            &[("examples/README.md", "# demo\n")],
            RoleSet::PRODUCTION,
        );
        assert_eq!(o, Outcome::Fail);
    }
}
