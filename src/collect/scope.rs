//! The scope model: every path of the audited tree has one role (`production`, `test`,
//! `dev`, `example`, `docs`, `vendor`, `generated`, `ci`), decided once, here, from path
//! conventions of the common stacks, `.gitattributes` (GitHub Linguist's
//! `linguist-vendored`, `linguist-generated`, `linguist-documentation`) and the `[scope]`
//! table of `readycheck.toml`. Rules declare the roles they judge; check kinds keep no
//! exclude lists of their own.

use super::select::normalize_glob;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a file is for.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Code, configuration and manifests of what is deployed.
    Production,
    /// Tests, test harnesses and their data.
    Test,
    /// Development containers and local tooling.
    Dev,
    /// Examples and samples shipped for users to copy.
    Example,
    /// Documentation.
    Docs,
    /// Third-party code kept in the repository.
    Vendor,
    /// Generated code.
    Generated,
    /// Continuous-integration configuration.
    Ci,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 8] = [
        Role::Production,
        Role::Test,
        Role::Dev,
        Role::Example,
        Role::Docs,
        Role::Vendor,
        Role::Generated,
        Role::Ci,
    ];

    /// The lowercase name used in rule files, config and reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Production => "production",
            Role::Test => "test",
            Role::Dev => "dev",
            Role::Example => "example",
            Role::Docs => "docs",
            Role::Vendor => "vendor",
            Role::Generated => "generated",
            Role::Ci => "ci",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    fn from_index(i: u8) -> Role {
        Role::ALL[usize::from(i) % Role::ALL.len()]
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of roles (the roles a rule judges).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoleSet(u8);

impl RoleSet {
    /// Production only: what a rule judges unless it says otherwise.
    pub const PRODUCTION: RoleSet = RoleSet(1);
    /// Every role.
    pub const ALL: RoleSet = RoleSet(0xff);

    /// The set of the given roles.
    #[must_use]
    pub fn of(roles: &[Role]) -> RoleSet {
        RoleSet::of_const(roles)
    }

    /// [`RoleSet::of`] in constant expressions.
    #[must_use]
    pub const fn of_const(roles: &[Role]) -> RoleSet {
        let mut bits = 0u8;
        let mut i = 0;
        while i < roles.len() {
            bits |= 1 << (roles[i] as u8);
            i += 1;
        }
        RoleSet(bits)
    }

    /// Whether a role is in the set.
    #[must_use]
    pub fn contains(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    /// The roles, in display order.
    #[must_use]
    pub fn roles(self) -> Vec<Role> {
        Role::ALL
            .into_iter()
            .filter(|r| self.contains(*r))
            .collect()
    }
}

impl Default for RoleSet {
    fn default() -> Self {
        RoleSet::PRODUCTION
    }
}

/// `[scope]` in `readycheck.toml`: gitignore-style globs per role, overriding the
/// conventions and `.gitattributes`. A path matched by globs of several roles takes the
/// role of the longest (most specific) glob.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeConfig {
    /// Paths that are production whatever their name (`contrib/deploy/`).
    #[serde(default)]
    pub production: Vec<String>,
    /// Paths that are tests.
    #[serde(default)]
    pub test: Vec<String>,
    /// Development tooling.
    #[serde(default)]
    pub dev: Vec<String>,
    /// Examples.
    #[serde(default)]
    pub example: Vec<String>,
    /// Documentation.
    #[serde(default)]
    pub docs: Vec<String>,
    /// Vendored code.
    #[serde(default)]
    pub vendor: Vec<String>,
    /// Generated code.
    #[serde(default)]
    pub generated: Vec<String>,
    /// CI configuration.
    #[serde(default)]
    pub ci: Vec<String>,
}

impl ScopeConfig {
    /// Each role's key in the config and its globs.
    #[must_use]
    pub fn lists(&self) -> [(&'static str, &Vec<String>); 8] {
        [
            ("production", &self.production),
            ("test", &self.test),
            ("dev", &self.dev),
            ("example", &self.example),
            ("docs", &self.docs),
            ("vendor", &self.vendor),
            ("generated", &self.generated),
            ("ci", &self.ci),
        ]
    }

    fn entries(&self) -> impl Iterator<Item = (Role, &String)> {
        [
            (Role::Production, &self.production),
            (Role::Test, &self.test),
            (Role::Dev, &self.dev),
            (Role::Example, &self.example),
            (Role::Docs, &self.docs),
            (Role::Vendor, &self.vendor),
            (Role::Generated, &self.generated),
            (Role::Ci, &self.ci),
        ]
        .into_iter()
        .flat_map(|(role, globs)| globs.iter().map(move |g| (role, g)))
    }
}

/// Why a path has its role.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Because {
    /// No convention matched.
    Default,
    /// A path convention (`tests/`, `*_test.go`, `.devcontainer/`).
    Convention {
        /// The convention as a pattern.
        pattern: String,
    },
    /// A `.gitattributes` line.
    Gitattributes {
        /// `.gitattributes` file and line.
        at: String,
        /// The attribute (`linguist-vendored`, `-linguist-generated`).
        attribute: String,
    },
    /// `[scope]` in the config file.
    Config {
        /// The glob that matched.
        pattern: String,
    },
    /// What the file holds, where the path tells nothing (a Compose file with a `sut`
    /// service is a test harness).
    Content {
        /// What was found.
        reason: String,
    },
}

impl fmt::Display for Because {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Because::Default => f.write_str("no convention matches"),
            Because::Convention { pattern } => write!(f, "`{pattern}`"),
            Because::Gitattributes { at, attribute } => write!(f, "{at} `{attribute}`"),
            Because::Config { pattern } => write!(f, "[scope] `{pattern}`"),
            Because::Content { reason } => f.write_str(reason),
        }
    }
}

/// One attribute line of a `.gitattributes` file.
#[derive(Debug)]
struct AttrLine {
    at: String,
    attribute: String,
    /// `Some(role)` sets the role, `None` clears a convention role of `kind`.
    kind: Role,
    set: bool,
}

/// The compiled scope: `.gitattributes` lines and `[scope]` globs.
#[derive(Debug, Default)]
pub struct Scope {
    attr_set: Option<GlobSet>,
    attr_lines: Vec<AttrLine>,
    /// The attribute line of each glob of `attr_set`.
    attr_owner: Vec<usize>,
    config_set: Option<GlobSet>,
    config: Vec<(Role, String)>,
}

/// A `.gitattributes` file's text and its repository-relative path.
pub struct AttributesFile<'a> {
    /// `.gitattributes` or `sub/dir/.gitattributes`.
    pub rel: &'a str,
    /// Its contents.
    pub text: &'a str,
}

fn glob(pattern: &str) -> Result<globset::Glob, String> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| format!("invalid glob `{pattern}`: {}", e.kind()))
}

impl Scope {
    /// Compiles the scope from `.gitattributes` files (root first, then deeper ones, as git
    /// applies them) and the `[scope]` config. Bad `.gitattributes` patterns are skipped
    /// (git ignores them too); bad `[scope]` globs are errors.
    pub fn new(attributes: &[AttributesFile<'_>], config: &ScopeConfig) -> Result<Scope, String> {
        let mut files: Vec<&AttributesFile<'_>> = attributes.iter().collect();
        files.sort_by_key(|f| (f.rel.matches('/').count(), f.rel));
        let mut builder = GlobSetBuilder::new();
        let mut lines = Vec::new();
        let mut owners = Vec::new();
        for f in files {
            let dir = super::parent(f.rel);
            for (n, line) in f.text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let mut parts = line.split_whitespace();
                let Some(pattern) = parts.next() else {
                    continue;
                };
                for attr in parts {
                    let Some((kind, set)) = linguist(attr) else {
                        continue;
                    };
                    let globs: Vec<globset::Glob> = scoped_patterns(dir, pattern)
                        .iter()
                        .filter_map(|p| glob(p).ok())
                        .collect();
                    if globs.is_empty() {
                        continue;
                    }
                    for g in globs {
                        builder.add(g);
                        owners.push(lines.len());
                    }
                    lines.push(AttrLine {
                        at: format!("{}:{}", f.rel, n + 1),
                        attribute: attr.to_owned(),
                        kind,
                        set,
                    });
                }
            }
        }
        let mut cbuilder = GlobSetBuilder::new();
        let mut config_entries = Vec::new();
        for (role, pattern) in config.entries() {
            cbuilder.add(glob(&normalize_glob(pattern)).map_err(|e| format!("[scope] {e}"))?);
            config_entries.push((role, pattern.clone()));
        }
        Ok(Scope {
            attr_set: if lines.is_empty() {
                None
            } else {
                Some(builder.build().map_err(|e| e.to_string())?)
            },
            attr_lines: lines,
            attr_owner: owners,
            config_set: if config_entries.is_empty() {
                None
            } else {
                Some(cbuilder.build().map_err(|e| e.to_string())?)
            },
            config: config_entries,
        })
    }

    /// The role of a relative path, and why.
    #[must_use]
    pub fn role(&self, rel: &str) -> (Role, Because) {
        if let Some(set) = &self.config_set {
            let hits = set.matches(rel);
            if let Some(&best) = hits.iter().max_by_key(|&&i| (self.config[i].1.len(), i)) {
                let (role, pattern) = &self.config[best];
                return (
                    *role,
                    Because::Config {
                        pattern: pattern.clone(),
                    },
                );
            }
        }
        let (mut role, mut because) = match convention(rel) {
            Some((role, pattern)) => (role, Because::Convention { pattern }),
            None => (Role::Production, Because::Default),
        };
        if let Some(set) = &self.attr_set {
            // The last matching line of each attribute decides, as in git.
            let mut last: [Option<usize>; 3] = [None; 3];
            for g in set.matches(rel) {
                let i = self.attr_owner[g];
                let slot = attr_slot(self.attr_lines[i].kind);
                last[slot] = Some(last[slot].map_or(i, |j| j.max(i)));
            }
            let decided: Vec<&AttrLine> = last
                .iter()
                .flatten()
                .map(|&i| &self.attr_lines[i])
                .collect();
            // Set attributes win in Linguist's order: vendored, generated, documentation.
            if let Some(l) = decided.iter().find(|l| l.set) {
                role = l.kind;
                because = Because::Gitattributes {
                    at: l.at.clone(),
                    attribute: l.attribute.clone(),
                };
            } else if let Some(l) = decided.iter().find(|l| !l.set && l.kind == role) {
                role = Role::Production;
                because = Because::Gitattributes {
                    at: l.at.clone(),
                    attribute: l.attribute.clone(),
                };
            }
        }
        (role, because)
    }
}

fn attr_slot(role: Role) -> usize {
    match role {
        Role::Vendor => 0,
        Role::Generated => 1,
        _ => 2,
    }
}

/// `linguist-vendored`, `-linguist-generated`, `linguist-documentation=false`, …
fn linguist(attr: &str) -> Option<(Role, bool)> {
    let (name, set) = if let Some(n) = attr.strip_prefix('-') {
        (n, false)
    } else if let Some((n, v)) = attr.split_once('=') {
        (n, !matches!(v, "false" | "0"))
    } else if attr.starts_with('!') {
        return None;
    } else {
        (attr, true)
    };
    let role = match name {
        "linguist-vendored" => Role::Vendor,
        "linguist-generated" => Role::Generated,
        "linguist-documentation" => Role::Docs,
        _ => return None,
    };
    Some((role, set))
}

/// A `.gitattributes` pattern as globs rooted at the repository: relative to the
/// attributes file's directory; without a `/` it matches at any depth below it; a match
/// of a directory covers what is below it.
fn scoped_patterns(dir: &str, pattern: &str) -> Vec<String> {
    let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
    let p = pattern.trim_start_matches('/').trim_end_matches('/');
    let p = if anchored {
        p.to_owned()
    } else {
        format!("**/{p}")
    };
    let p = if dir.is_empty() {
        p
    } else {
        format!("{dir}/{p}")
    };
    if p.ends_with("/**") {
        vec![p]
    } else {
        vec![format!("{p}/**"), p]
    }
}

/// Directory names (lower case, a leading `_` removed) and their role.
fn dir_role(name: &str) -> Option<Role> {
    Some(match name {
        "test" | "tests" | "__tests__" | "spec" | "specs" | "e2e" | "playwright" | "cypress"
        | "integration_test" | "integration_tests" | "integration-test" | "integration-tests"
        | "integrationtest" | "integrationtests" | "testdata" | "test-data" | "test_data"
        | "testing" | "fixtures" | "__fixtures__" | "__mocks__" | "__stubs__" | "mocks"
        | "buildsrc" | "component-test" | "component-tests" | "functional-tests"
        | "functional_tests" | "acceptance-tests" | "smoke-tests" | "smoke_tests"
        | "load-tests" | "loadtest" | "loadtests" | "perf-tests" | "testutil" | "testutils"
        | "test-utils" | "test_utils" | "testhelpers" | "test-helpers" | "benchmark"
        | "benchmarks" | "bench" | "benches" | "load-test" | "load_test" | "load_tests"
        | "loadtesting" => Role::Test,
        ".devcontainer" | "hack" | ".vscode" | ".idea" | ".husky" | "dev" | ".dev" | "devtools"
        | "dev-tools" | "development" => Role::Dev,
        // Coding-assistant configuration (skills, rules, prompts): developer tooling whose
        // reference documents describe other projects, not this repository.
        ".agents" | ".agent" | ".claude" | ".cursor" | ".windsurf" | ".codex" | ".gemini"
        | ".kiro" | ".roo" | ".clinerules" | ".continue" | ".junie" | ".amazonq" => Role::Dev,
        "examples" | "example" | "samples" | "sample" | "contrib" | "demo" | "demos"
        | "quickstart" | "quickstarts" | "tutorial" | "tutorials" => Role::Example,
        "docs" | "doc" | "documentation" | "website" | "site" | "docs-site" | "docsite"
        | "wiki" => Role::Docs,
        "vendor" | "third_party" | "third-party" | "thirdparty" => Role::Vendor,
        "dist" | "generated" | "__generated__" => Role::Generated,
        ".github" | ".gitlab" | ".circleci" | ".buildkite" | ".woodpecker" | ".drone"
        | ".azure-pipelines" | ".azuredevops" | ".tekton" | ".teamcity" | ".semaphore" => Role::Ci,
        _ => {
            let test_affix = [
                "-test",
                "_test",
                "-tests",
                "_tests",
                "-loadtest",
                "-benchmark",
                "-benchmarks",
                "_benchmarks",
            ]
            .iter()
            .any(|s| name.ends_with(s))
                || ["test-", "test_", "tests-", "tests_"]
                    .iter()
                    .any(|p| name.starts_with(p));
            // `push-examples/`, `api-demos/`: a folder of examples by its suffix, as
            // `examples/` is by its name. Not `_examples`: `blog_examples` can be a Python
            // package the application imports; a hyphenated name cannot.
            let example_affix = ["-examples", "-samples", "-demos"]
                .iter()
                .any(|s| name.ends_with(s));
            if test_affix {
                Role::Test
            } else if example_affix {
                Role::Example
            } else {
                return None;
            }
        }
    })
}

const JS_EXTS: &[&str] = &["js", "jsx", "ts", "tsx", "mjs", "cjs", "mts", "cts"];
const DOC_STEMS: &[&str] = &[
    "readme",
    "license",
    "licence",
    "copying",
    "changelog",
    "changes",
    "history",
    "contributing",
    "security",
    "code_of_conduct",
    "notice",
    "authors",
    "maintainers",
];

/// The tokens of a Compose or Dockerfile name (`docker-compose.e2e.yml` → docker, compose,
/// e2e, yml).
fn tokens(name: &str) -> impl Iterator<Item = &str> {
    name.split(['.', '-', '_']).filter(|t| !t.is_empty())
}

/// The role of a file by its name alone.
fn file_role(name: &str) -> Option<(Role, String)> {
    let lower = name.to_ascii_lowercase();
    let (stem, ext) = match lower.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, e),
        _ => (lower.as_str(), ""),
    };
    let conv = |role: Role, p: &str| Some((role, p.to_owned()));
    // Dockerfiles and Compose files named for a purpose.
    let is_dockerfile = lower.starts_with("dockerfile")
        || lower.ends_with(".dockerfile")
        || lower.starts_with("containerfile");
    let is_compose = (lower.starts_with("docker-compose") || lower.starts_with("compose"))
        && matches!(ext, "yml" | "yaml");
    if is_dockerfile || is_compose {
        for t in tokens(&lower) {
            match t {
                "test" | "tests" | "testing" | "e2e" | "integration" | "playwright" | "cypress"
                | "it" => {
                    return conv(Role::Test, &format!("*{t}* ({})", kind_name(is_compose)));
                }
                "ci" => {
                    return if is_compose {
                        conv(Role::Test, "*ci* (Compose file)")
                    } else {
                        conv(Role::Ci, "Dockerfile.ci")
                    };
                }
                "dev" | "develop" | "development" | "debug" | "local" | "devcontainer" => {
                    return conv(Role::Dev, &format!("*{t}* ({})", kind_name(is_compose)));
                }
                _ => {}
            }
        }
        return None;
    }
    // Env files named for a purpose: `.env.test`, `ci.env`, `.env.development.local`.
    if lower == ".env" || lower.starts_with(".env.") || ext == "env" {
        for t in tokens(&lower) {
            match t {
                "test" | "tests" | "testing" | "e2e" => {
                    return conv(Role::Test, &format!("*{t}* (env file)"));
                }
                "ci" => return conv(Role::Ci, "*ci* (env file)"),
                "dev" | "development" | "local" | "devcontainer" => {
                    return conv(Role::Dev, &format!("*{t}* (env file)"));
                }
                _ => {}
            }
        }
        return None;
    }
    if matches!(ext, "md" | "mdx" | "markdown" | "rst" | "adoc" | "asciidoc") {
        return conv(Role::Docs, &format!("*.{ext}"));
    }
    let bare_stem = lower.split('.').next().unwrap_or(&lower);
    if DOC_STEMS.contains(&bare_stem) && !matches!(ext, "py" | "js" | "ts" | "go" | "rs" | "java") {
        return conv(Role::Docs, &format!("{}*", bare_stem.to_ascii_uppercase()));
    }
    match lower.as_str() {
        "mkdocs.yml"
        | "mkdocs.yaml"
        | ".readthedocs.yml"
        | ".readthedocs.yaml"
        | "book.toml"
        | "antora.yml"
        | "docusaurus.config.js"
        | "docusaurus.config.ts" => {
            return conv(Role::Docs, name);
        }
        ".gitlab-ci.yml"
        | "azure-pipelines.yml"
        | "azure-pipelines.yaml"
        | "jenkinsfile"
        | ".travis.yml"
        | "bitbucket-pipelines.yml"
        | ".drone.yml"
        | ".woodpecker.yml"
        | "cloudbuild.yaml"
        | "cloudbuild.yml"
        | "appveyor.yml"
        | ".appveyor.yml"
        | "codecov.yml"
        | ".codecov.yml"
        | "renovate.json"
        | "renovate.json5"
        | ".renovaterc"
        | ".renovaterc.json"
        | ".mergify.yml" => return conv(Role::Ci, name),
        ".pre-commit-config.yaml"
        | ".pre-commit-config.yml"
        | "lefthook.yml"
        | ".lefthook.yml"
        | "lefthook.yaml"
        | "tiltfile"
        | ".envrc" => return conv(Role::Dev, name),
        "conftest.py" | "tests.py" => return conv(Role::Test, name),
        _ => {}
    }
    if ext == "py" && (stem.starts_with("test_") || stem.ends_with("_test")) {
        return conv(
            Role::Test,
            if stem.starts_with("test_") {
                "test_*.py"
            } else {
                "*_test.py"
            },
        );
    }
    if ext == "go" && stem.ends_with("_test") {
        return conv(Role::Test, "*_test.go");
    }
    if JS_EXTS.contains(&ext) {
        for marker in ["test", "spec", "e2e-spec", "cy"] {
            if stem.ends_with(&format!(".{marker}")) {
                return conv(Role::Test, &format!("*.{marker}.{ext}"));
            }
        }
        if stem.ends_with(".min") {
            return conv(Role::Generated, &format!("*.min.{ext}"));
        }
    }
    if matches!(ext, "java" | "kt") {
        let orig_stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
        for suffix in ["Test", "Tests", "IT"] {
            if orig_stem.ends_with(suffix) && orig_stem.len() > suffix.len() {
                return conv(Role::Test, &format!("*{suffix}.{ext}"));
            }
        }
    }
    if ext == "rb" && stem.ends_with("_spec") {
        return conv(Role::Test, "*_spec.rb");
    }
    if ext == "css" && stem.ends_with(".min") {
        return conv(Role::Generated, "*.min.css");
    }
    if (ext == "go" && (stem.ends_with(".pb") || stem.ends_with(".pb.gw")))
        || (ext == "py" && (stem.ends_with("_pb2") || stem.ends_with("_pb2_grpc")))
        || (ext == "pyi" && stem.ends_with("_pb2"))
        || stem.starts_with("zz_generated")
        || stem.ends_with(".generated")
        || stem.ends_with("_generated")
    {
        return conv(Role::Generated, &format!("generated code (`{name}`)"));
    }
    None
}

fn kind_name(compose: bool) -> &'static str {
    if compose {
        "Compose file"
    } else {
        "Dockerfile"
    }
}

/// The role a path's conventions give it, with the convention: the outermost directory
/// convention wins, then the file name.
#[must_use]
pub fn convention(rel: &str) -> Option<(Role, String)> {
    let mut segments: Vec<&str> = rel.split('/').collect();
    let name = segments.pop().unwrap_or(rel);
    let mut lower = String::new();
    let mut charts_at: Option<usize> = None;
    for (i, seg) in segments.iter().enumerate() {
        lower.clear();
        lower.push_str(&seg.to_ascii_lowercase());
        let key = if lower.starts_with('_') && !lower.starts_with("__") {
            &lower[1..]
        } else {
            lower.as_str()
        };
        // Below Maven/Gradle's `src/main/` the directories are packages
        // (`com/example/demo`, `org/acme/samples`), not conventions.
        if key == "main" && i > 0 && segments[i - 1].eq_ignore_ascii_case("src") {
            break;
        }
        if key == "charts" {
            // A chart's own `charts/` directory holds its dependencies (vendored subcharts).
            if charts_at.is_some_and(|j| i >= j + 2) {
                return Some((Role::Vendor, "charts/*/charts/".to_owned()));
            }
            charts_at = Some(i);
            continue;
        }
        if let Some(role) = dir_role(key) {
            return Some((role, format!("{seg}/")));
        }
    }
    file_role(name)
}

/// Counts of files per role, for summaries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleCounts(pub [usize; 8]);

impl RoleCounts {
    /// Adds a file of a role.
    pub fn add(&mut self, role: Role) {
        self.0[role as usize] += 1;
    }

    /// Non-zero counts in display order.
    #[must_use]
    pub fn nonzero(&self) -> Vec<(Role, usize)> {
        (0u8..8)
            .map(Role::from_index)
            .zip(self.0)
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(rel: &str) -> Role {
        Scope::default().role(rel).0
    }

    #[test]
    fn path_conventions_give_each_path_one_role() {
        for (path, want) in [
            ("Dockerfile", Role::Production),
            ("docker-compose.yml", Role::Production),
            ("deploy/compose/basic.yml", Role::Production),
            ("src/app/main.py", Role::Production),
            ("tests/docker-compose.yml", Role::Test),
            ("web/e2e/playwright.config.ts", Role::Test),
            ("playwright/Dockerfile", Role::Test),
            ("pkg/api/server_test.go", Role::Test),
            ("app/test_views.py", Role::Test),
            ("src/components/App.spec.tsx", Role::Test),
            ("src/test/java/com/acme/AppTest.java", Role::Test),
            ("src/integration-test/resources/application.yml", Role::Test),
            ("_integration-test/run.sh", Role::Test),
            ("docker-compose.e2e.yml", Role::Test),
            ("Dockerfile.playwright", Role::Test),
            ("buildSrc/build.gradle.kts", Role::Test),
            (".devcontainer/docker-compose.yml", Role::Dev),
            ("Dockerfile.dev", Role::Dev),
            ("docker/dev.Dockerfile", Role::Dev),
            ("compose.dev.yaml", Role::Dev),
            (".pre-commit-config.yaml", Role::Dev),
            ("frontend/.husky/pre-commit", Role::Dev),
            (".agents/skills/angular/references/cli.md", Role::Dev),
            ("dex/benchmark/compose.yaml", Role::Test),
            ("tools/syncstorage-loadtest/Dockerfile", Role::Test),
            ("packages/benchmarks/Dockerfile", Role::Test),
            (".claude/commands/deploy.md", Role::Dev),
            ("contrib/docker-compose/basic.yml", Role::Example),
            ("_examples/chi/main.go", Role::Example),
            (
                "extra/push-examples/javascript-fetch/index.js",
                Role::Example,
            ),
            ("code-samples/go/main.go", Role::Example),
            ("app/blog_examples/service.py", Role::Production),
            ("docs/docs/deploy.md", Role::Docs),
            ("website/docker-compose.yml", Role::Docs),
            ("README.md", Role::Docs),
            ("LICENSE", Role::Docs),
            ("src/README", Role::Docs),
            ("vendor/github.com/x/y.go", Role::Vendor),
            ("charts/app/charts/redis/values.yaml", Role::Vendor),
            ("charts/app/values.yaml", Role::Production),
            ("api/v1/service.pb.go", Role::Generated),
            ("dist/bundle.js", Role::Generated),
            (".github/workflows/ci.yml", Role::Ci),
            (".gitlab-ci.yml", Role::Ci),
            // The outermost convention wins.
            ("docs/examples/compose.yml", Role::Docs),
            ("examples/tests/x.py", Role::Example),
            // Not fooled by look-alikes.
            ("src/latest/app.py", Role::Production),
            ("contest/app.py", Role::Production),
            ("docker-compose.prod.yml", Role::Production),
            ("requirements.txt", Role::Production),
            ("src/security.py", Role::Production),
            ("docker-compose.override.yml", Role::Production),
            ("src/main/java/com/example/demo/App.java", Role::Production),
            (
                "src/main/java/org/acme/samples/docs/Api.java",
                Role::Production,
            ),
            (
                "src/main/resources/config/application.yml",
                Role::Production,
            ),
            (".env", Role::Production),
            (".env.production", Role::Production),
            (".env.test", Role::Test),
            ("config/ci.env", Role::Ci),
            (".env.development.local", Role::Dev),
            ("docker/development/compose.yml", Role::Dev),
            ("docs/development/setup.md", Role::Docs),
        ] {
            assert_eq!(role(path), want, "{path}");
        }
    }

    #[test]
    fn gitattributes_linguist_overrides_conventions() {
        let attrs = [
            AttributesFile {
                rel: ".gitattributes",
                text: "# comment\nthird/** linguist-vendored\n*.gen.ts linguist-generated=true\nvendor/ours/** -linguist-vendored\nnotes/* linguist-documentation\n",
            },
            AttributesFile {
                rel: "web/.gitattributes",
                text: "legacy/ linguist-vendored\n",
            },
        ];
        let scope = Scope::new(&attrs, &ScopeConfig::default()).unwrap();
        assert_eq!(scope.role("third/lib/a.js").0, Role::Vendor);
        assert_eq!(scope.role("src/api.gen.ts").0, Role::Generated);
        assert_eq!(scope.role("vendor/ours/main.go").0, Role::Production);
        assert_eq!(scope.role("vendor/theirs/main.go").0, Role::Vendor);
        assert_eq!(scope.role("notes/plan.txt").0, Role::Docs);
        assert_eq!(scope.role("web/legacy/x/y.js").0, Role::Vendor);
        assert_eq!(scope.role("legacy/x.js").0, Role::Production);
        let (_, because) = scope.role("third/lib/a.js");
        assert_eq!(because.to_string(), ".gitattributes:2 `linguist-vendored`");
    }

    #[test]
    fn config_scope_wins_and_the_most_specific_glob_decides() {
        let config = ScopeConfig {
            production: vec!["contrib/deploy/".into()],
            example: vec!["contrib/".into()],
            test: vec!["qa/".into()],
            ..ScopeConfig::default()
        };
        let scope = Scope::new(&[], &config).unwrap();
        assert_eq!(scope.role("contrib/deploy/compose.yml").0, Role::Production);
        assert_eq!(scope.role("contrib/other/compose.yml").0, Role::Example);
        assert_eq!(scope.role("qa/run.py").0, Role::Test);
        assert!(
            Scope::new(
                &[],
                &ScopeConfig {
                    test: vec!["a[".into()],
                    ..ScopeConfig::default()
                }
            )
            .is_err()
        );
    }

    #[test]
    fn role_sets() {
        let s = RoleSet::of(&[Role::Docs, Role::Ci]);
        assert!(s.contains(Role::Docs) && s.contains(Role::Ci) && !s.contains(Role::Production));
        assert_eq!(s.roles(), vec![Role::Docs, Role::Ci]);
        assert!(RoleSet::default().contains(Role::Production));
    }
}
