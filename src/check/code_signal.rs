//! `code_signal`: per detected web stack (Python, Node, Go, Rust, Java), whether application
//! code shows a production signal (`present`: a health route, JSON logging, …) or a bad
//! pattern (`absent`: print-style logging, outbound calls without a timeout). Tests, scripts,
//! migrations, vendored, generated and example code and comment lines are never read.

use super::health_endpoints::{Declared, HealthContract};
use super::{
    Applicability, CheckCx, CheckError, CheckKind, CompileCx, OneOrMany, ParamError, render,
};
use crate::check::LazyRegex;
use crate::collect::select::SelectorId;
use crate::finding::Finding;
use crate::textpos::LineIndex;
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Whether the signal must be present or each match is a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// Some signal pattern must match in a detected stack; absence is one repository finding.
    Present,
    /// Every match (not excused) is a finding at its line and column.
    Absent,
}

/// A language stack whose web frameworks the kind recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stack {
    /// FastAPI, Flask, Django.
    Python,
    /// Express, Fastify, NestJS, Koa, Hono, Next.js.
    Node,
    /// net/http, Gin, Echo, Fiber, chi.
    Go,
    /// axum, actix-web, Rocket.
    Rust,
    /// Spring Boot (MVC or WebFlux), Armeria.
    Java,
}

/// Which files of a stack a pattern is searched in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Application source files (`*.py`, `*.js`/`*.ts`, `*.go`, `*.rs`, `*.java`/`*.kt`).
    #[default]
    Code,
    /// Dependency manifests (`requirements*.txt`, `requirements/*.txt`, `pyproject.toml`,
    /// `Pipfile`, `package.json`, `go.mod`, `Cargo.toml`, `pom.xml`, `build.gradle*`,
    /// `gradle.properties`, `libs.versions.toml`).
    Manifest,
    /// Configuration files (`*.ini`/`*.cfg`/`*.toml`/`*.conf`, `Procfile`, `*.sh`,
    /// `Dockerfile*` and `uwsgi*.yml` for Python, `application*.properties|yml`, any
    /// `src/main/resources/*.yml|yaml|properties` and `logback*.xml`/`log4j2*.xml` for Java, `.env.example`, `*.prisma` and
    /// `next.config.*` for Node).
    Config,
    /// The relative paths (not the contents) of the stack's source files, components
    /// (`*.tsx`, `*.jsx`) included: file-based routes such as Next.js
    /// `pages/api/health.ts` or `app/api/health/route.ts`, and error pages
    /// (`app/global-error.tsx`). Filters that read a file's text do not apply.
    Path,
}

/// One pattern that counts as the signal (or, with `absent`, as a violation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    /// Regex (Rust syntax, multi-line mode). A named group `at` sets the reported column.
    pub pattern: String,
    /// Which files to search (default `code`).
    #[serde(default, rename = "in")]
    pub scope: Scope,
    /// A match ending in `(` or `{` is excused when this regex matches inside the balanced
    /// call, literal or block (e.g. `timeout\s*=`); calls may span lines.
    #[serde(default)]
    pub unless_call: Option<String>,
    /// A match ending in `(` or `{` only counts when this regex matches inside the balanced
    /// call, literal or block it opens: `asyncpg.create_pool(` with `max_size=`, a
    /// middleware function whose body sets a security header, a `recover()` block that
    /// writes JSON.
    #[serde(default)]
    pub if_call: Option<String>,
    /// The pattern only counts in files that also match this regex (e.g. `reqwest`), or
    /// every regex of a list.
    #[serde(default)]
    pub if_file: Option<OneOrMany<String>>,
    /// Files matching this regex are skipped (CLI entry points, files setting a timeout).
    #[serde(default)]
    pub skip_file_if: Option<String>,
    /// …unless they also match this regex (a `package main` that starts a server).
    #[serde(default)]
    pub keep_file_if: Option<String>,
    /// With `absent`: a match is excused when the next non-blank line matches this regex
    /// (a `--version` print followed by `os.Exit(0)`).
    #[serde(default)]
    pub unless_next_line: Option<String>,
    /// The pattern is ignored everywhere when this regex matches any code file of the stack
    /// (e.g. `axios.defaults.timeout`).
    #[serde(default)]
    pub unless_repo: Option<String>,
    /// The pattern is ignored everywhere when this regex matches any configuration file of
    /// the stack (e.g. `management.tracing.enabled=false` switches Spring tracing off).
    #[serde(default)]
    pub unless_config: Option<String>,
}

/// Parameters of `code_signal`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// `present` or `absent`.
    pub expect: Expect,
    /// Per stack (`python`, `node`, `go`, `rust`, `java`): the patterns, any of which is the
    /// signal. Detected stacks without an entry are not evaluated.
    pub signals: BTreeMap<Stack, Vec<Signal>>,
    /// Per stack: the rule applies to a stack only when one of these matches (e.g. a database
    /// driver is used). Stacks without an entry always apply.
    #[serde(default)]
    pub only_if: BTreeMap<Stack, Vec<Signal>>,
    /// Skip reason when `only_if` removes every stack.
    #[serde(default)]
    pub only_if_reason: Option<String>,
    /// More gitignore-style globs to leave out, on top of the built-in exclusions.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Finding message. `{frameworks}` names the detected frameworks, `{match}` the matched
    /// text (with `absent`).
    #[serde(default)]
    pub message: Option<String>,
    /// With `present`: also read the health contract the repository declares (Dockerfile
    /// `HEALTHCHECK` URLs, compose `healthcheck.test`, Kubernetes `httpGet.path`). A declared
    /// path whose route is found in code counts as the signal, with both as evidence; when no
    /// signal is found, each declared path is reported where it is declared, as declared
    /// but without a route in code, instead of one repository finding.
    #[serde(default)]
    pub health_contract: bool,
    /// With `present`: where a missing signal is reported when no `only_if` match places
    /// it. `entry` (default): at the application's entry point (the first use of a detected
    /// framework, in an entry module when there is one); `repository`: the repository as a
    /// whole (a rule whose gap another rule places, through `passes:`).
    #[serde(default)]
    pub report_at: ReportAt,
    /// Per stack: where a missing signal is reported, before the entry point: the first
    /// match of these (the first ad-hoc settings read for a settings schema, the logger set
    /// up for structured logging). They do not decide whether the rule applies.
    #[serde(default)]
    pub anchor: BTreeMap<Stack, Vec<Signal>>,
}

/// `report_at` of `code_signal`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportAt {
    /// The application's entry point.
    #[default]
    Entry,
    /// The repository.
    Repository,
}

/// Paths of production role that are still not server code: scripts, migrations, build
/// output, front-end assets and tool configuration. (Tests, examples, docs, vendored and
/// generated code are set aside by the scope model, `collect::scope`.) Tool configuration
/// (`TOOL_CONFIGS`) is left out of code but may be read as configuration.
pub const DEFAULT_EXCLUDES: &[&str] = &[
    "**/scripts/**",
    "**/script/**",
    "**/migrations/**",
    "**/alembic/**",
    "**/build/**",
    "**/benches/**",
    "*.d.ts",
    "*.min.js",
    "*.gen.go",
    "**/frontend/**",
    "**/client/**",
    "**/public/**",
    "**/static/**",
    "**/management/commands/**",
    // Helpers of Django management commands (`management/merge_command.py`).
    "**/management/*.py",
    "manage.py",
    "noxfile.py",
    "fabfile.py",
    "gulpfile.*",
    "Gruntfile.*",
    "build.{js,mjs,cjs}",
    "build.rs",
    "**/src/bin/**",
];

/// Tool configuration files: not application code, but `next.config.*` is where Next.js
/// sets response headers, so configuration scope still reads them.
pub const TOOL_CONFIGS: &[&str] = &[
    "{webpack,jest,vite,vitest,babel,eslint,rollup,tailwind,postcss,next,nuxt,playwright,prettier,svelte,astro,karma,commitlint,lint-staged}.config.*",
];

struct StackDef {
    stack: Stack,
    code: &'static [&'static str],
    manifest: &'static [&'static str],
    config: &'static [&'static str],
    comments: &'static [&'static str],
    /// Globs of the files whose paths `in: path` patterns match (file-based routes).
    paths: &'static [&'static str],
    /// (fact name, display name, manifest regex, code regex): a framework is detected when
    /// some code file uses it (the code regex) and, where a manifest regex is given, a
    /// manifest declares it too. A dependency that no code imports is not a service built
    /// on it.
    frameworks: &'static [(&'static str, &'static str, &'static str, &'static str)],
}

/// The recognised stacks and how their frameworks are detected; mirrored by the framework
/// facts in `rules/facts.yaml`.
const STACKS: &[StackDef] = &[
    StackDef {
        stack: Stack::Python,
        code: &["*.py"],
        paths: &["*.py"],
        manifest: &[
            "requirements*.txt",
            "**/requirements/*.txt",
            "pyproject.toml",
            "Pipfile",
            "setup.cfg",
        ],
        // How the app is served is configured in ini files, but also in the command lines
        // of Procfiles, entrypoint scripts and Dockerfiles (`uwsgi --die-on-term`,
        // `gunicorn --graceful-timeout`).
        config: &[
            "*.ini",
            "*.cfg",
            "*.toml",
            "*.conf",
            "Procfile",
            "*.sh",
            "Dockerfile",
            "Dockerfile.*",
            "uwsgi*.yml",
            "uwsgi*.yaml",
        ],
        comments: &["#"],
        // An import is the evidence for Python: dependencies may be declared in `setup.py`
        // or a lock file that is not read.
        frameworks: &[
            (
                "fastapi",
                "FastAPI",
                "",
                r"(?m)^\s*(from|import)\s+fastapi\b",
            ),
            ("flask", "Flask", "", r"(?m)^\s*(from|import)\s+flask\b"),
            ("django", "Django", "", r"(?m)^\s*(from|import)\s+django\b"),
        ],
    },
    StackDef {
        stack: Stack::Node,
        code: &["*.js", "*.mjs", "*.cjs", "*.ts", "*.mts", "*.cts"],
        // File-based routes and error pages (Next.js, Remix) are also components.
        paths: &[
            "*.js", "*.mjs", "*.cjs", "*.ts", "*.mts", "*.cts", "*.jsx", "*.tsx",
        ],
        manifest: &["package.json"],
        config: &[".env.example", ".env.sample", "*.prisma", "next.config.*"],
        comments: &["//", "/*", "*"],
        frameworks: &[
            (
                "express",
                "Express",
                r#""express"\s*:"#,
                r#"(?m)(\bfrom\s+|\brequire\(\s*|\bimport\(\s*|^\s*import\s+)["']express["']"#,
            ),
            (
                "fastify",
                "Fastify",
                r#""fastify"\s*:"#,
                r#"(?m)(\bfrom\s+|\brequire\(\s*|\bimport\(\s*|^\s*import\s+)["']fastify["']"#,
            ),
            (
                "nestjs",
                "NestJS",
                r#""@nestjs/core"\s*:"#,
                r#"(?m)(\bfrom\s+|\brequire\(\s*|\bimport\(\s*)["']@nestjs/core["']"#,
            ),
            (
                "koa",
                "Koa",
                r#""koa"\s*:"#,
                r#"(?m)(\bfrom\s+|\brequire\(\s*|\bimport\(\s*|^\s*import\s+)["']koa["']"#,
            ),
            (
                "hono",
                "Hono",
                r#""hono"\s*:"#,
                r#"(?m)(\bfrom\s+|\brequire\(\s*|\bimport\(\s*)["']hono(/[\w./-]+)?["']"#,
            ),
            (
                "nextjs",
                "Next.js",
                r#""next"\s*:"#,
                r#"(?m)(\bfrom\s+|\brequire\(\s*|\bimport\(\s*)["']next(/[\w./-]+)?["']"#,
            ),
        ],
    },
    StackDef {
        stack: Stack::Go,
        code: &["*.go"],
        paths: &["*.go"],
        manifest: &["go.mod"],
        config: &[],
        comments: &["//", "/*", "*"],
        frameworks: &[
            (
                "gin",
                "Gin",
                r"github\.com/gin-gonic/gin\b",
                r#""github\.com/gin-gonic/gin""#,
            ),
            (
                "echo",
                "Echo",
                r"github\.com/labstack/echo\b",
                r#""github\.com/labstack/echo(/v\d+)?""#,
            ),
            (
                "fiber",
                "Fiber",
                r"github\.com/gofiber/fiber\b",
                r#""github\.com/gofiber/fiber(/v\d+)?""#,
            ),
            (
                "chi",
                "chi",
                r"github\.com/go-chi/chi\b",
                r#""github\.com/go-chi/chi(/v\d+)?""#,
            ),
            (
                "go_http",
                "net/http",
                "",
                r"http\.ListenAndServe(TLS)?\(|http\.Server\s*\{",
            ),
        ],
    },
    StackDef {
        stack: Stack::Rust,
        code: &["*.rs"],
        paths: &["*.rs"],
        // Only `[dependencies]` counts: a test server in dev-dependencies is not a service.
        manifest: &["Cargo.toml"],
        config: &[],
        comments: &["//", "/*", "*"],
        frameworks: &[
            (
                "axum",
                "axum",
                r"(?m)^\[(?:workspace\.)?dependencies\]\n(?:[^\[\n][^\n]*\n|\n)*?\s*axum(?:\.workspace)?\s*=|^\[(?:workspace\.)?dependencies\.axum\]",
                r"\baxum\s*::|\buse\s+axum\b",
            ),
            (
                "actix",
                "actix-web",
                r"(?m)^\[(?:workspace\.)?dependencies\]\n(?:[^\[\n][^\n]*\n|\n)*?\s*actix-web(?:\.workspace)?\s*=|^\[(?:workspace\.)?dependencies\.actix-web\]",
                r"\bactix_web\s*::|\buse\s+actix_web\b",
            ),
            (
                "rocket",
                "Rocket",
                r"(?m)^\[(?:workspace\.)?dependencies\]\n(?:[^\[\n][^\n]*\n|\n)*?\s*rocket(?:\.workspace)?\s*=|^\[(?:workspace\.)?dependencies\.rocket\]",
                r"\brocket\s*::|\buse\s+rocket\b|\bextern\s+crate\s+rocket\b",
            ),
        ],
    },
    StackDef {
        stack: Stack::Java,
        code: &["*.java", "*.kt"],
        paths: &["*.java", "*.kt"],
        // `gradle.properties` and version catalogs carry the Spring Boot version.
        manifest: &[
            "pom.xml",
            "build.gradle",
            "build.gradle.kts",
            "gradle.properties",
            "libs.versions.toml",
        ],
        config: &[
            "application*.properties",
            "application*.yml",
            "application*.yaml",
            "bootstrap*.yml",
            // Spring reads other names too (`spring.config.name`, imported files).
            "**/src/main/resources/*.yml",
            "**/src/main/resources/*.yaml",
            "**/src/main/resources/*.properties",
            "logback*.xml",
            "log4j2*.xml",
        ],
        comments: &["//", "/*", "*"],
        frameworks: &[
            (
                "spring_boot",
                "Spring Boot",
                r"spring-boot-starter-web(flux|mvc)?\b",
                r"(?m)^\s*import\s+org\.springframework\.",
            ),
            (
                "armeria",
                "Armeria",
                r"\bcom\.linecorp\.armeria\b",
                r"(?m)^\s*import\s+com\.linecorp\.armeria\.server\.",
            ),
            // Jakarta REST resources, whatever runs them: Jersey, RESTEasy, Quarkus REST,
            // Dropwizard, Helidon MP, Open Liberty.
            (
                "jaxrs",
                "Jakarta REST",
                r"jersey-(server|container|bom)|resteasy|jakarta\.ws\.rs-api|javax\.ws\.rs-api|quarkus-rest|dropwizard-core|helidon-microprofile",
                r"(?m)^\s*import\s+(jakarta|javax)\.ws\.rs\.",
            ),
            (
                "micronaut",
                "Micronaut",
                r"micronaut-http-server",
                r"(?m)^\s*import\s+io\.micronaut\.http\.",
            ),
            (
                "javalin",
                "Javalin",
                r"\bjavalin\b",
                r"(?m)^\s*import\s+io\.javalin\.",
            ),
            (
                "jetty",
                "Jetty",
                r"jetty-(server|servlet|ee\d*-servlet)",
                r"(?m)^\s*import\s+org\.eclipse\.jetty\.server\.",
            ),
            (
                "vertx_web",
                "Vert.x Web",
                r"vertx-web\b",
                r"(?m)^\s*import\s+io\.vertx\.(ext\.web|core\.http)\.",
            ),
        ],
    },
];

struct CompiledStack {
    def: &'static StackDef,
    code: SelectorId,
    paths: SelectorId,
    manifest: SelectorId,
    config: Option<SelectorId>,
    /// Position in `STACKS`, for [`CompiledStack::frameworks`].
    index: usize,
}

impl CompiledStack {
    /// Framework detection regexes, the same for every rule: compiled once per process,
    /// when the first rule that needs them is evaluated.
    fn frameworks(&self) -> &'static FrameworkRegexes {
        &framework_regexes()[self.index]
    }
}

struct CompiledSignal {
    pattern: LazyRegex,
    scope: Scope,
    unless_call: Option<LazyRegex>,
    if_call: Option<LazyRegex>,
    if_file: Vec<LazyRegex>,
    skip_file_if: Option<LazyRegex>,
    keep_file_if: Option<LazyRegex>,
    unless_repo: Option<LazyRegex>,
    unless_config: Option<LazyRegex>,
    unless_next_line: Option<LazyRegex>,
}

impl CompiledSignal {
    /// A bare pattern over the stack's code, with no filters.
    fn code(pattern: LazyRegex) -> CompiledSignal {
        CompiledSignal {
            pattern,
            scope: Scope::Code,
            unless_call: None,
            if_call: None,
            if_file: Vec::new(),
            skip_file_if: None,
            keep_file_if: None,
            unless_repo: None,
            unless_config: None,
            unless_next_line: None,
        }
    }
}

impl CompiledStack {
    /// The files a scope searches, if the stack has any.
    fn selector(&self, scope: Scope) -> Option<SelectorId> {
        match scope {
            Scope::Code => Some(self.code),
            Scope::Path => Some(self.paths),
            Scope::Manifest => Some(self.manifest),
            Scope::Config => self.config,
        }
    }
}

/// Compiled `code_signal`.
pub struct CodeSignal {
    expect: Expect,
    stacks: Vec<CompiledStack>,
    signals: BTreeMap<Stack, Vec<CompiledSignal>>,
    only_if: BTreeMap<Stack, Vec<CompiledSignal>>,
    only_if_reason: String,
    message: Option<String>,
    contract: Option<HealthContract>,
    report_at: ReportAt,
    anchor: BTreeMap<Stack, Vec<CompiledSignal>>,
}

const MAX_FINDINGS: usize = 500;

fn re(field: &str, p: &str) -> Result<LazyRegex, ParamError> {
    super::signal_regex(field, p)
}

fn opt_re(field: &str, p: Option<&str>) -> Result<Option<LazyRegex>, ParamError> {
    p.map(|p| re(field, p)).transpose()
}

fn globs(g: &[&str]) -> Vec<String> {
    g.iter().map(|s| (*s).to_owned()).collect()
}

fn compile_signals(
    field: &str,
    raw: BTreeMap<Stack, Vec<Signal>>,
) -> Result<BTreeMap<Stack, Vec<CompiledSignal>>, ParamError> {
    let mut out = BTreeMap::new();
    for (stack, list) in raw {
        let mut v = Vec::new();
        for s in list {
            v.push(CompiledSignal {
                pattern: re(&format!("{field}.pattern"), &s.pattern)?,
                scope: s.scope,
                unless_call: opt_re("unless_call", s.unless_call.as_deref())?,
                if_call: opt_re("if_call", s.if_call.as_deref())?,
                if_file: s
                    .if_file
                    .map(|f| f.to_vec())
                    .unwrap_or_default()
                    .iter()
                    .map(|p| re("if_file", p))
                    .collect::<Result<_, _>>()?,
                skip_file_if: opt_re("skip_file_if", s.skip_file_if.as_deref())?,
                keep_file_if: opt_re("keep_file_if", s.keep_file_if.as_deref())?,
                unless_repo: opt_re("unless_repo", s.unless_repo.as_deref())?,
                unless_config: opt_re("unless_config", s.unless_config.as_deref())?,
                unless_next_line: opt_re("unless_next_line", s.unless_next_line.as_deref())?,
            });
        }
        out.insert(stack, v);
    }
    Ok(out)
}

/// Per stack (in `STACKS` order): display name, manifest regex, code regex.
type FrameworkRegexes = Vec<(&'static str, Option<Regex>, Option<Regex>)>;

fn framework_regexes() -> &'static [FrameworkRegexes] {
    static CELL: std::sync::OnceLock<Vec<FrameworkRegexes>> = std::sync::OnceLock::new();
    CELL.get_or_init(|| {
        let compile = |p: &str| Regex::new(p).expect("built-in framework regex");
        STACKS
            .iter()
            .map(|def| {
                def.frameworks
                    .iter()
                    .map(|(_, display, m, c)| {
                        let m = (!m.is_empty()).then(|| compile(m));
                        let c = (!c.is_empty()).then(|| compile(c));
                        (*display, m, c)
                    })
                    .collect()
            })
            .collect()
    })
}

impl CheckKind for CodeSignal {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        if p.signals.is_empty() {
            return Err(ParamError::at(
                "signals",
                "at least one stack needs signals",
            ));
        }
        if p.health_contract && p.expect != Expect::Present {
            return Err(ParamError::at(
                "health_contract",
                "only applies with `expect: present`",
            ));
        }
        let contract = if p.health_contract {
            Some(HealthContract::register(cx)?)
        } else {
            None
        };
        let mut config_exclude = globs(DEFAULT_EXCLUDES);
        config_exclude.extend(p.exclude.iter().cloned());
        let mut exclude = config_exclude.clone();
        exclude.extend(globs(TOOL_CONFIGS));
        let mut stacks = Vec::new();
        for (i, def) in STACKS.iter().enumerate() {
            let code = cx.files("exclude", &globs(def.code), &exclude, false)?;
            let paths = cx.files("exclude", &globs(def.paths), &exclude, false)?;
            let manifest = cx.files("exclude", &globs(def.manifest), &exclude, false)?;
            let config = if def.config.is_empty() {
                None
            } else {
                Some(cx.files("exclude", &globs(def.config), &config_exclude, false)?)
            };
            stacks.push(CompiledStack {
                def,
                code,
                paths,
                manifest,
                config,
                index: i,
            });
        }
        Ok(CodeSignal {
            expect: p.expect,
            stacks,
            signals: compile_signals("signals", p.signals)?,
            only_if: compile_signals("only_if", p.only_if)?,
            only_if_reason: p
                .only_if_reason
                .unwrap_or_else(|| "the condition in `only_if` does not hold".to_owned()),
            message: p.message,
            contract,
            report_at: p.report_at,
            anchor: compile_signals("anchor", p.anchor)?,
        })
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let mut detected: Vec<(&CompiledStack, Vec<&'static str>)> = Vec::new();
        for st in &self.stacks {
            let names = self.detect(cx, st);
            if !names.is_empty() {
                detected.push((st, names));
            }
        }
        if detected.is_empty() {
            // Framework code that only tests or examples use is no service, and the reason
            // says where it was set aside.
            let ws = cx.workspace();
            let aside: Vec<String> = self
                .stacks
                .iter()
                .flat_map(|st| {
                    ws.set_aside(st.code).iter().filter_map(move |&i| {
                        let used = ws.text(i).is_ok_and(|t| {
                            st.frameworks()
                                .iter()
                                .any(|(_, _, c)| c.as_ref().is_some_and(|c| c.is_match(t)))
                        });
                        used.then(|| format!("`{}` ({})", ws.file(i).rel, ws.role(i)))
                    })
                })
                .take(3)
                .collect();
            let mut reason = format!("no recognised web framework ({})", all_framework_names());
            if !aside.is_empty() {
                reason.push_str(&format!(
                    " in production code; framework code is set aside: {}",
                    aside.join(", ")
                ));
            }
            return Ok(Applicability::NotApplicable(reason));
        }
        let all_names = names_of(&detected);
        detected.retain(|(st, _)| self.signals.contains_key(&st.def.stack));
        if detected.is_empty() {
            return Ok(Applicability::NotApplicable(format!(
                "no signal is defined for {all_names}"
            )));
        }
        // The first match of `only_if` (the database opened, …) is where a missing signal
        // is reported: the gap is there, not in the repository at large.
        let mut anchor: Option<Hit> = None;
        detected.retain(|(st, _)| match self.only_if.get(&st.def.stack) {
            None => true,
            Some(sigs) => sigs.iter().any(|s| {
                if anchor.is_some() {
                    return !self.matches(cx, st, s, false).is_empty();
                }
                // The anchor is the first match in an entry module (`settings/main.py`, not
                // `settings/ci.py`), else the first match.
                let hits = self.matches(cx, st, s, true);
                let found = !hits.is_empty();
                anchor = hits.into_iter().min_by_key(|h| entry_rank(&h.path));
                found
            }),
        });
        if detected.is_empty() {
            return Ok(Applicability::NotApplicable(self.only_if_reason.clone()));
        }
        let names = names_of(&detected);
        // The subjects are the files of the detected stacks that the signals search.
        for (st, _) in &detected {
            for sel in self.signals[&st.def.stack]
                .iter()
                .filter_map(|s| st.selector(s.scope))
                .collect::<std::collections::BTreeSet<_>>()
            {
                cx.subjects(sel);
            }
        }
        match self.expect {
            Expect::Present => {
                let mut found = false;
                for (st, _) in &detected {
                    for s in &self.signals[&st.def.stack] {
                        if let Some(hit) = self.matches(cx, st, s, false).into_iter().next() {
                            found = true;
                            cx.evidence(Finding::at(
                                &hit.path,
                                hit.line,
                                hit.col,
                                format!("`{}` found", hit.text),
                            ));
                        }
                    }
                }
                let unrouted = match &self.contract {
                    Some(c) => self.cross_check(cx, c, &detected, &mut found),
                    None => Vec::new(),
                };
                if !found && cx.problems.is_empty() {
                    if unrouted.is_empty() {
                        let tpl = self
                            .message
                            .as_deref()
                            .unwrap_or("no signal found for {frameworks}");
                        let message = render(tpl, &[("frameworks", &names)]);
                        if anchor.is_none() && self.report_at == ReportAt::Entry {
                            anchor = self.place(cx, &detected);
                        }
                        cx.report(match &anchor {
                            Some(a) => Finding::at(&a.path, a.line, a.col, message),
                            None => Finding::repo(message),
                        });
                    }
                    // An orchestrator requests these paths: saying that no endpoint exists
                    // would contradict the rules that read those declarations.
                    for d in unrouted {
                        let message = if route_regex(&d.path).is_none() {
                            format!(
                                "the health check declared at `{}` requests the root page `{}`, and no health endpoint was found in {names} code",
                                d.source, d.path
                            )
                        } else {
                            format!(
                                "`{}` is declared at `{}` but no route for it was found in {names} code",
                                d.path, d.source
                            )
                        };
                        cx.report(Finding::at(&d.file, d.line, 1, message));
                    }
                }
            }
            Expect::Absent => {
                for (st, _) in &detected {
                    for s in &self.signals[&st.def.stack] {
                        for hit in self.matches(cx, st, s, true) {
                            if cx.findings.len() >= MAX_FINDINGS {
                                break;
                            }
                            let tpl = self.message.as_deref().unwrap_or("`{match}` found");
                            let msg = render(tpl, &[("match", &hit.text), ("frameworks", &names)]);
                            cx.report(Finding::at(&hit.path, hit.line, hit.col, msg));
                        }
                    }
                }
            }
        }
        Ok(Applicability::Applicable)
    }
}

impl CodeSignal {
    /// Where a missing signal is reported when no `only_if` match places it: the first
    /// match of the rule's `anchor` patterns, else the application's entry point.
    fn place(
        &self,
        cx: &mut CheckCx<'_>,
        detected: &[(&CompiledStack, Vec<&'static str>)],
    ) -> Option<Hit> {
        for (st, _) in detected {
            for s in self.anchor.get(&st.def.stack).into_iter().flatten() {
                if let Some(hit) = self.matches(cx, st, s, false).into_iter().next() {
                    return Some(hit);
                }
            }
        }
        let key = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for (st, names) in detected {
                // The code selector too: a rule's own `exclude` changes what is searched.
                (st.index, st.code, names).hash(&mut h);
            }
            h.finish()
        };
        // The same for every rule of the audit that detects these frameworks.
        (*cx.workspace().memo(key, || entry_anchor(cx, detected))).clone()
    }
}

/// The application's entry point: the first use of a detected framework in a file named
/// like an entry module (`main`, `app`, `server`, `index`, `*Application`, `settings`, …),
/// else in the shallowest file, so the finding points at the code that builds the app.
fn entry_anchor(cx: &CheckCx<'_>, detected: &[(&CompiledStack, Vec<&'static str>)]) -> Option<Hit> {
    let ws = cx.workspace();
    let mut best: Option<((u8, usize, String), Hit)> = None;
    for (st, names) in detected {
        let clients = Clients::of(ws, st);
        for (name, _, code) in st.frameworks() {
            let Some(code) = code.as_ref().filter(|_| names.contains(name)) else {
                continue;
            };
            for &i in ws.selected(st.code) {
                let rel = &ws.file(i).rel;
                if clients.holds(rel) {
                    continue;
                }
                let Ok(text) = ws.text(i) else { continue };
                let Some(m) = code.find(text) else { continue };
                let key = (entry_rank(rel), rel.matches('/').count(), rel.clone());
                if best.as_ref().is_none_or(|(k, _)| key < *k) {
                    let line = u32::try_from(text[..m.start()].matches('\n').count() + 1)
                        .unwrap_or(u32::MAX);
                    let hit = Hit {
                        path: rel.clone(),
                        line,
                        col: 1,
                        text: String::new(),
                    };
                    best = Some((key, hit));
                }
            }
        }
    }
    best.map(|(_, hit)| hit)
}

/// 0 for a file named like an application's entry module, 1 otherwise.
fn entry_rank(rel: &str) -> u8 {
    let file = rel.rsplit('/').next().unwrap_or(rel);
    let stem = file.split('.').next().unwrap_or(file).to_ascii_lowercase();
    let entry = matches!(
        stem.as_str(),
        "main"
            | "app"
            | "server"
            | "index"
            | "application"
            | "asgi"
            | "wsgi"
            | "settings"
            | "__main__"
    ) || stem.ends_with("application");
    u8::from(!entry)
}

/// A match of a signal.
#[derive(Clone)]
struct Hit {
    path: String,
    line: u32,
    col: u32,
    text: String,
}

fn all_framework_names() -> String {
    STACKS
        .iter()
        .flat_map(|s| s.frameworks.iter().map(|f| f.1))
        .collect::<Vec<_>>()
        .join(", ")
}

fn names_of(detected: &[(&CompiledStack, Vec<&'static str>)]) -> String {
    detected
        .iter()
        .flat_map(|(_, n)| n.iter().map(|n| format!("`{n}`")))
        .collect::<Vec<_>>()
        .join(", ")
}

impl CodeSignal {
    /// Looks for a route in code for every health path the repository declares. Routed
    /// paths count as the signal (`found`), with the declaration and the route as evidence;
    /// the declarations without a route are returned.
    fn cross_check(
        &self,
        cx: &mut CheckCx<'_>,
        contract: &HealthContract,
        detected: &[(&CompiledStack, Vec<&'static str>)],
        found: &mut bool,
    ) -> Vec<Declared> {
        let mut unrouted = Vec::new();
        for d in contract.declared(cx.workspace()) {
            // The root page answers whatever the code routes: it is reported, not looked up.
            let Some(route) = route_regex(&d.path) else {
                unrouted.push(d);
                continue;
            };
            let signal = CompiledSignal::code(route.into());
            let hit = detected
                .iter()
                .find_map(|(st, _)| self.matches(cx, st, &signal, false).into_iter().next());
            match hit {
                Some(hit) => {
                    *found = true;
                    cx.evidence(Finding::at(
                        &d.file,
                        d.line,
                        1,
                        format!("health check requests `{}`", d.path),
                    ));
                    cx.evidence(Finding::at(
                        &hit.path,
                        hit.line,
                        hit.col,
                        format!("route `{}` serves the declared `{}`", hit.text, d.path),
                    ));
                }
                None => unrouted.push(d),
            }
        }
        unrouted
    }

    fn detect(&self, cx: &mut CheckCx<'_>, st: &CompiledStack) -> Vec<&'static str> {
        let ws = cx.workspace();
        let clients = Clients::of(ws, st);
        let mut names = Vec::new();
        for (name, m, c) in st.frameworks() {
            let declared = m.as_ref().is_none_or(|m| {
                ws.selected(st.manifest).iter().any(|&i| {
                    !clients.holds(&ws.file(i).rel) && ws.text(i).is_ok_and(|t| m.is_match(t))
                })
            });
            // A declared dependency counts only when some code uses it (rustdesk-server
            // lists axum in Cargo.toml, yet no source file imports it). Components count
            // (`import Link from 'next/link'` in a page).
            let used = declared
                && c.as_ref().is_some_and(|c| {
                    ws.selected(st.paths).iter().any(|&i| {
                        !clients.holds(&ws.file(i).rel)
                            && ws.text(i).is_ok_and(|t| !is_generated(t) && c.is_match(t))
                    })
                });
            if used {
                names.push(*name);
            }
        }
        names
    }

    /// Every non-excused match of a signal (only the first when `all` is false).
    fn matches(
        &self,
        cx: &mut CheckCx<'_>,
        st: &CompiledStack,
        s: &CompiledSignal,
        all: bool,
    ) -> Vec<Hit> {
        let ws = cx.workspace();
        let Some(sel) = st.selector(s.scope) else {
            return Vec::new();
        };
        if let (Some(u), Some(config)) = (&s.unless_config, st.config)
            && ws
                .selected(config)
                .iter()
                .any(|&i| ws.text(i).is_ok_and(|t| u.is_match(t)))
        {
            return Vec::new();
        }
        if let Some(u) = &s.unless_repo {
            use rayon::prelude::*;
            let excused = ws
                .selected(st.code)
                .par_iter()
                .any(|&i| ws.text(i).is_ok_and(|t| u.is_match(t)));
            if excused {
                return Vec::new();
            }
        }
        // Rust modules compiled only for tests (`#[cfg(test)] mod db_perf;`) live in files
        // of their own; those files are test code whatever their path.
        let test_modules = if st.def.stack == Stack::Rust && s.scope == Scope::Code {
            rust_test_modules(ws, st.code)
        } else {
            Vec::new()
        };
        let clients = Clients::of(ws, st);
        // Every file of the stack may be searched: spread them over the pool. Results keep
        // file order, so reports are deterministic.
        use rayon::prelude::*;
        let scan = |i: usize| -> Vec<Hit> {
            let mut hits = Vec::new();
            let rel = &ws.file(i).rel;
            if s.scope == Scope::Path {
                if let Some(m) = s.pattern.find(rel) {
                    let text = if m.as_str().is_empty() {
                        rel.as_str()
                    } else {
                        m.as_str()
                    };
                    hits.push(Hit {
                        path: rel.clone(),
                        line: 1,
                        col: 1,
                        text: text.chars().take(80).collect(),
                    });
                }
                return hits;
            }
            if test_modules.iter().any(|t| is_under(rel, t)) {
                return hits;
            }
            if clients.holds(rel) {
                return hits;
            }
            let Ok(text) = ws.text(i) else { return hits };
            if s.scope == Scope::Code && is_generated(text) {
                return hits;
            }
            if st.def.stack == Stack::Node && s.scope == Scope::Code && is_browser_code(text) {
                return hits;
            }
            if s.if_file.iter().any(|r| !r.is_match(text)) {
                return hits;
            }
            if s.skip_file_if.as_ref().is_some_and(|r| r.is_match(text))
                && !s.keep_file_if.as_ref().is_some_and(|r| r.is_match(text))
            {
                return hits;
            }
            // Comment lines are only worked out once the pattern matches somewhere.
            let mut comments: Option<Option<_>> = None;
            let mut index: Option<LineIndex> = None;
            for caps in s.pattern.captures_iter(text) {
                let Some(m) = caps.get(0) else { continue };
                let at = caps.name("at").unwrap_or(m);
                let idx = index.get_or_insert_with(|| LineIndex::new(text));
                let (line, col) = idx.position(text, at.start());
                let c = comments.get_or_insert_with(|| {
                    (s.scope != Scope::Manifest).then(|| {
                        let mut c = comment_lines(text, st.def.comments);
                        if st.def.stack == Stack::Rust {
                            c.extend(rust_test_block_lines(text));
                        }
                        c
                    })
                });
                if let Some(c) = c {
                    let lt = idx.line_text(text, line).trim_start();
                    if c.contains(&line) || st.def.comments.iter().any(|p| lt.starts_with(p)) {
                        continue;
                    }
                }
                // A violation is code: `print(` inside a message that suggests a command
                // (`'… python3 -c "print(secrets.token_urlsafe())"'`) is text.
                if self.expect == Expect::Absent && s.scope == Scope::Code {
                    let line_start = text[..at.start()].rfind('\n').map_or(0, |n| n + 1);
                    if in_string(&text[line_start..at.start()], st.def.stack) {
                        continue;
                    }
                }
                if s.unless_call.is_some() || s.if_call.is_some() {
                    let call = call_text(text, m.end(), st.def.stack);
                    if s.unless_call.as_ref().is_some_and(|u| u.is_match(call))
                        || s.if_call.as_ref().is_some_and(|r| !r.is_match(call))
                    {
                        continue;
                    }
                }
                if let Some(u) = &s.unless_next_line
                    && next_line(text, m.end()).is_some_and(|l| u.is_match(l))
                {
                    continue;
                }
                let shown: String = at
                    .as_str()
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .unwrap_or("")
                    .chars()
                    .take(80)
                    .collect();
                hits.push(Hit {
                    path: ws.file(i).rel.clone(),
                    line,
                    col,
                    text: shown,
                });
                if !all {
                    return hits;
                }
            }
            hits
        };
        let files = ws.selected(sel);
        if all {
            files
                .par_iter()
                .map(|&i| scan(i))
                .collect::<Vec<_>>()
                .into_iter()
                .flatten()
                .collect()
        } else {
            files
                .par_iter()
                .find_map_first(|&i| scan(i).into_iter().next())
                .into_iter()
                .collect()
        }
    }
}

/// A regex for the route literals that can serve a declared path: the path itself or any
/// tail of it that starts at a segment (`/api/v1/health` may be `"/health"` in a router
/// mounted under `/api/v1`), in any quotes, with an optional trailing slash. `None` for the
/// root page, which any application answers.
pub(crate) fn route_regex(declared: &str) -> Option<Regex> {
    static VAR: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let var = VAR.get_or_init(|| {
        Regex::new(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*").expect("built-in regex")
    });
    if !declared.starts_with('/') {
        return None;
    }
    // A prefix chosen at deploy time (`/${CONTEXT_PATH}health`) is not part of the route
    // the code declares.
    let declared = var.replace_all(declared, "");
    let path = declared.split(['?', '#']).next().unwrap_or("");
    let mut path = path.to_owned();
    while path.contains("//") {
        path = path.replace("//", "/");
    }
    let path = path.trim_end_matches('/');
    if path.is_empty() {
        return None;
    }
    let tails: Vec<String> = path
        .match_indices('/')
        .map(|(i, _)| regex::escape(&path[i..]))
        .collect();
    // Django and Rails-style URL patterns are written without the leading slash:
    // `path("health", …)`, `re_path(r"^health/?$", …)`.
    let bare: Vec<String> = path
        .match_indices('/')
        .map(|(i, _)| regex::escape(&path[i + 1..]))
        .collect();
    Regex::new(&format!(
        r#"["'`](?:{})/?["'`]|\b(?:path|re_path|url)\(\s*r?["']\^?(?:{})/?\$?["']"#,
        tails.join("|"),
        bare.join("|")
    ))
    .ok()
}

/// Module paths (`crates/db/src/perf`, for `perf.rs` and `perf/`) that a Rust file declares
/// only for tests: `#[cfg(test)] mod perf;`.
fn rust_test_modules(ws: &crate::collect::Workspace, code: SelectorId) -> Vec<String> {
    static DECL: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let decl = DECL.get_or_init(|| {
        Regex::new(r"(?m)^\s*#\[cfg\(test\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;")
            .expect("built-in regex")
    });
    let mut out = Vec::new();
    for &i in ws.selected(code) {
        let Ok(text) = ws.text(i) else { continue };
        if !text.contains("cfg(test)") {
            continue;
        }
        let rel = &ws.file(i).rel;
        let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel.as_str()));
        // `lib.rs`, `main.rs` and `mod.rs` declare modules beside them; `foo.rs` in `foo/`.
        let base = match name {
            "lib.rs" | "main.rs" | "mod.rs" => dir.to_owned(),
            _ => {
                let stem = name.trim_end_matches(".rs");
                if dir.is_empty() {
                    stem.to_owned()
                } else {
                    format!("{dir}/{stem}")
                }
            }
        };
        for caps in decl.captures_iter(text) {
            let m = &caps[1];
            out.push(if base.is_empty() {
                m.to_owned()
            } else {
                format!("{base}/{m}")
            });
        }
    }
    out
}

/// The packages of a workspace that are command-line tools or browser, mobile and desktop
/// front ends: not the service, so neither their manifests nor their code are read.
struct Clients {
    /// Every package directory of the stack, and whether it is a client.
    packages: Vec<(String, bool)>,
}

impl Clients {
    fn of(ws: &crate::collect::Workspace, st: &CompiledStack) -> Clients {
        let packages = match st.def.stack {
            Stack::Node => node_packages(ws, st.manifest),
            Stack::Rust => rust_crates(ws, st.manifest),
            _ => Vec::new(),
        };
        Clients { packages }
    }

    /// Whether the file at `rel` belongs to a client package (its deepest package).
    fn holds(&self, rel: &str) -> bool {
        self.packages
            .iter()
            .filter(|(d, _)| {
                d.is_empty()
                    || rel
                        .strip_prefix(d.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
            .max_by_key(|(d, _)| d.len())
            .is_some_and(|(_, client)| *client)
    }
}

/// Every Node package of the workspace (the directory of each `package.json`, `""` at the
/// root) and whether it is a client rather than the service: a workspace package without a
/// server framework that is a command-line tool (a `bin` entry) or a browser, mobile or
/// desktop front end (a UI library among its dependencies). The root package is always the
/// service.
fn node_packages(ws: &crate::collect::Workspace, manifest: SelectorId) -> Vec<(String, bool)> {
    const UI: &[&str] = &[
        "vue",
        "react-dom",
        "@angular/core",
        "svelte",
        "solid-js",
        "preact",
        "react-native",
        "expo",
        "electron",
    ];
    const SERVER: &[&str] = &[
        "express",
        "fastify",
        "koa",
        "@nestjs/core",
        "hono",
        "next",
        "@remix-run/node",
        "@remix-run/serve",
        "@react-router/node",
        "@react-router/serve",
        "@sveltejs/kit",
        "nuxt",
        "@hapi/hapi",
    ];
    let mut out = Vec::new();
    for &i in ws.selected(manifest) {
        let rel = &ws.file(i).rel;
        let Some(dir) = rel.strip_suffix("package.json") else {
            continue;
        };
        let Ok(text) = ws.text(i) else { continue };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
            continue;
        };
        let has = |names: &[&str]| {
            names
                .iter()
                .any(|n| json.get("dependencies").and_then(|d| d.get(n)).is_some())
        };
        let dir = dir.trim_end_matches('/');
        // A package that serves (n8n's `packages/cli` has a `bin` and runs Express) is
        // the service whatever else it ships.
        let client = !dir.is_empty() && (json.get("bin").is_some() || has(UI)) && !has(SERVER);
        out.push((dir.to_owned(), client));
    }
    out
}

/// Whether a Node source file is front-end code: it imports a browser or mobile UI library
/// (React, Vue, Svelte, Angular, …, or Sentry's browser SDKs).
fn is_browser_code(text: &str) -> bool {
    static UI: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    UI.get_or_init(|| {
        Regex::new(r#"(?m)(\bfrom\s+|\brequire\(\s*|^\s*import\s+)["'](react|react-dom|react-native|vue|svelte|preact|solid-js|@angular/core|mobx-react(-lite)?|@sentry/(react|browser|vue|angular|svelte|react-native))(/[\w./-]*)?["']"#)
            .expect("built-in regex")
    })
    .is_match(text)
}

/// Every Rust crate of the workspace (the directory of each `Cargo.toml`) and whether it is
/// a desktop front end rather than the service: a member crate whose `[dependencies]` name
/// a GUI toolkit (Tauri's `src-tauri`, egui's `eframe`, iced, Slint). The root crate is
/// always the service.
fn rust_crates(ws: &crate::collect::Workspace, manifest: SelectorId) -> Vec<(String, bool)> {
    static GUI: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let gui = GUI.get_or_init(|| {
        Regex::new(r"(?m)^\[dependencies\]\n(?:[^\[\n][^\n]*\n|\n)*?\s*(tauri|eframe|iced|slint)(\.workspace)?\s*=")
            .expect("built-in regex")
    });
    let mut out = Vec::new();
    for &i in ws.selected(manifest) {
        let rel = &ws.file(i).rel;
        let Some(dir) = rel.strip_suffix("Cargo.toml") else {
            continue;
        };
        let dir = dir.trim_end_matches('/');
        let client = !dir.is_empty() && ws.text(i).is_ok_and(|t| gui.is_match(t));
        out.push((dir.to_owned(), client));
    }
    out
}

/// Whether `rel` is the module file `module.rs` or lies under `module/`.
fn is_under(rel: &str, module: &str) -> bool {
    rel.strip_prefix(module)
        .is_some_and(|rest| rest == ".rs" || rest.starts_with('/'))
}

/// 1-based numbers of the lines of inline Rust modules compiled only for tests
/// (`#[cfg(test)] mod tests { … }`).
fn rust_test_block_lines(text: &str) -> std::collections::BTreeSet<u32> {
    static OPEN: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let open = OPEN.get_or_init(|| {
        Regex::new(r"(?m)^\s*#\[cfg\(test\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{")
            .expect("built-in regex")
    });
    let mut out = std::collections::BTreeSet::new();
    if !text.contains("cfg(test)") {
        return out;
    }
    let idx = LineIndex::new(text);
    for m in open.find_iter(text) {
        let body = balanced(text, m.end(), Stack::Rust, text.len());
        let (first, _) = idx.position(text, m.start());
        let (last, _) = idx.position(text, m.end() + body.len());
        out.extend(first..=last);
    }
    out
}

/// The next non-blank line after the line holding `offset`.
fn next_line(text: &str, offset: usize) -> Option<&str> {
    let rest = &text[offset..];
    let after = &rest[rest.find('\n')? + 1..];
    after.lines().find(|l| !l.trim().is_empty())
}

/// Whether the end of `prefix` (a line up to a match) is inside a string literal opened on
/// that line. Backslash escapes are honoured; in Rust a `'` is a char literal or a lifetime,
/// not a string.
fn in_string(prefix: &str, stack: Stack) -> bool {
    let chars: Vec<char> = prefix.chars().collect();
    let mut quote: Option<char> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(_) if c == '\\' => i += 1,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' => quote = Some(c),
                // A char literal (`'"'`, `'\''`) is skipped whole; a lifetime is no quote.
                '\'' if matches!(stack, Stack::Rust | Stack::Java) => {
                    if chars.get(i + 1) == Some(&'\\') {
                        i += 2;
                        while i < chars.len() && chars[i] != '\'' {
                            i += 1;
                        }
                    } else if chars.get(i + 2) == Some(&'\'') {
                        i += 2;
                    }
                }
                '\'' => quote = Some(c),
                '`' if matches!(stack, Stack::Node | Stack::Go) => quote = Some(c),
                _ => {}
            },
        }
        i += 1;
    }
    quote.is_some()
}

/// Whether a file says it was generated (`Code generated … DO NOT EDIT`, `@generated`).
fn is_generated(text: &str) -> bool {
    text.lines().take(5).any(|l| {
        l.contains("DO NOT EDIT") || l.contains("@generated") || l.contains("auto-generated")
    })
}

/// 1-based numbers of lines inside block comments (`/* … */`) or Python docstrings.
fn comment_lines(text: &str, prefixes: &[&str]) -> std::collections::BTreeSet<u32> {
    let python = prefixes == ["#"];
    let mut out = std::collections::BTreeSet::new();
    let mut close: Option<&str> = None;
    for (n, line) in text.lines().enumerate() {
        let n = crate::textpos::to_u32(n + 1);
        let t = line.trim_start();
        if let Some(end) = close {
            out.insert(n);
            if line.contains(end) {
                close = None;
            }
            continue;
        }
        if python {
            let t = t.trim_start_matches(['r', 'b', 'u', 'f', 'R', 'B', 'U', 'F']);
            for q in ["\"\"\"", "'''"] {
                if let Some(rest) = t.strip_prefix(q) {
                    out.insert(n);
                    if !rest.contains(q) {
                        close = Some(q);
                    }
                    break;
                }
            }
        } else if let Some(rest) = t.strip_prefix("/*") {
            out.insert(n);
            if !rest.contains("*/") {
                close = Some("*/");
            }
        }
    }
    out
}

/// The text of the call, literal or block opened at the end of a match (balanced `(`/`{`,
/// strings and comments skipped), or the rest of the line when the match does not end in an
/// opener. In Rust a `'` opens a string only as a char literal (`'a` is a lifetime).
fn call_text(text: &str, end: usize, stack: Stack) -> &str {
    balanced(text, end, stack, 8192)
}

/// [`call_text`] reading at most `max` bytes.
fn balanced(text: &str, end: usize, stack: Stack, max: usize) -> &str {
    let bytes = text.as_bytes();
    let opener = if end > 0 { bytes[end - 1] } else { 0 };
    let closer = match opener {
        b'(' => b')',
        b'{' => b'}',
        _ => {
            let stop = text[end..].find('\n').map_or(text.len(), |n| end + n);
            return &text[end..stop];
        }
    };
    let hash_comments = stack == Stack::Python;
    let mut depth = 1usize;
    let mut i = end;
    let mut limit = end.saturating_add(max).min(bytes.len());
    while !text.is_char_boundary(limit) {
        limit -= 1;
    }
    let mut quote: Option<u8> = None;
    let skip_line = |i: usize| text[i..limit].find('\n').map_or(limit, |n| i + n);
    while i < limit {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        if let Some(q) = quote {
            if b == b'\\' {
                i += 1;
            } else if b == q {
                quote = None;
            }
        } else if hash_comments && b == b'#' || !hash_comments && b == b'/' && next == b'/' {
            i = skip_line(i);
            continue;
        } else if !hash_comments && b == b'/' && next == b'*' {
            i = text
                .get(i + 2..limit)
                .and_then(|t| t.find("*/"))
                .map_or(limit, |n| i + 2 + n + 2);
            continue;
        } else if b == b'\'' && stack == Stack::Rust {
            // A char literal (`'x'`, `'\n'`) is skipped whole; a lifetime (`'a`) is not a quote.
            if next == b'\\' {
                i = text
                    .get(i + 2..limit)
                    .and_then(|t| t.find('\''))
                    .map_or(limit, |n| i + 2 + n);
            } else if bytes.get(i + 2) == Some(&b'\'') {
                i += 2;
            }
        } else if b == b'"' || b == b'\'' || b == b'`' {
            quote = Some(b);
        } else if b == opener {
            depth += 1;
        } else if b == closer {
            depth -= 1;
            if depth == 0 {
                return &text[end..i];
            }
        }
        i += 1;
    }
    &text[end..limit]
}

#[cfg(test)]
mod tests {
    use crate::check::Applicability;
    use crate::check::testing::{lines, run};

    const TIMEOUT: &str = "expect: absent\nmessage: '`{match}` has no timeout'\nsignals:\n  python:\n    - pattern: '\\brequests\\.(get|post)\\('\n      unless_call: 'timeout\\s*=|\\*\\*'\n";

    #[test]
    fn absent_balances_multi_line_calls() {
        let (_, f, _) = run(
            "code_signal",
            TIMEOUT,
            &[
                ("requirements.txt", "fastapi==0.115\nrequests\n"),
                (
                    "app/client.py",
                    "import requests\nfrom fastapi import FastAPI\nr = requests.get(\n    url,\n    params={'a': (1, 2)},\n    timeout=5,\n)\nq = requests.post(url, json={'x': ')'})\n# requests.get(x)\n",
                ),
                ("tests/test_client.py", "requests.get(x)\n"),
            ],
        );
        assert_eq!(
            lines(&f),
            vec!["app/client.py:8:5: `requests.post(` has no timeout"]
        );
    }

    #[test]
    fn present_names_frameworks_and_skips_unknown_stacks() {
        let p = "expect: present\nmessage: no health route for {frameworks}\nsignals:\n  node:\n    - pattern: '[\"''](/health)[\"'']'\n";
        let (_, f, _) = run(
            "code_signal",
            p,
            &[
                ("package.json", "{\"dependencies\": {\"express\": \"4\"}}"),
                (
                    "src/app.js",
                    "const express = require('express');\n// app.get('/health')\n",
                ),
            ],
        );
        assert_eq!(
            lines(&f),
            vec!["src/app.js:1:1: no health route for `Express`"]
        );
        let (_, f, _) = run(
            "code_signal",
            p,
            &[
                ("package.json", "{\"dependencies\": {\"express\": \"4\"}}"),
                (
                    "src/app.js",
                    "const express = require('express');\napp.use('/health', r)\n",
                ),
            ],
        );
        assert!(f.is_empty());
        let (r, _, _) = run(
            "code_signal",
            p,
            &[("package.json", "{\"dependencies\": {\"hapi\": \"4\"}}")],
        );
        assert!(
            matches!(r, Ok(Applicability::NotApplicable(m)) if m.starts_with("no recognised web framework"))
        );
        let (r, _, _) = run(
            "code_signal",
            p,
            &[
                ("requirements.txt", "flask\n"),
                ("app.py", "from flask import Flask\n"),
            ],
        );
        assert_eq!(
            r.unwrap(),
            Applicability::NotApplicable("no signal is defined for `Flask`".into())
        );
    }

    #[test]
    fn only_if_skips_and_file_filters_apply() {
        let p = "expect: absent\nonly_if_reason: no database\nonly_if:\n  python:\n    - pattern: create_engine\nsignals:\n  python:\n    - pattern: '\\bprint\\('\n      skip_file_if: '__main__'\n";
        let files = [
            ("requirements.txt", "django>=4\n"),
            ("app/urls.py", "from django.urls import path\n"),
            ("app/x.py", "print(1)\n"),
        ];
        let (r, _, _) = run("code_signal", p, &files);
        assert_eq!(
            r.unwrap(),
            Applicability::NotApplicable("no database".into())
        );
        let (_, f, _) = run(
            "code_signal",
            p,
            &[
                ("requirements.txt", "django>=4\n"),
                ("app/urls.py", "from django.urls import path\n"),
                (
                    "app/db.py",
                    "create_engine(u)\n\"\"\"\nprint(2)\n\"\"\"\nprint(3)\n",
                ),
                (
                    "app/cli.py",
                    "print(1)\nif __name__ == '__main__':\n    pass\n",
                ),
            ],
        );
        assert_eq!(lines(&f), vec!["app/db.py:5:1: `print(` found"]);
    }

    #[test]
    fn django_environ_is_not_django_and_go_http_is_detected_from_code() {
        let p = "expect: present\nsignals:\n  python: [{pattern: x}]\n  go: [{pattern: 'Shutdown\\('}]\n";
        let (r, _, _) = run(
            "code_signal",
            p,
            &[("requirements.txt", "django-environ\n")],
        );
        assert!(matches!(r, Ok(Applicability::NotApplicable(_))));
        let (_, f, _) = run(
            "code_signal",
            p,
            &[
                ("go.mod", "module x\n"),
                (
                    "main.go",
                    "package main\nfunc main() { http.ListenAndServe(\":8080\", nil) }\n",
                ),
            ],
        );
        assert_eq!(
            lines(&f),
            vec!["main.go:2:1: no signal found for `net/http`"]
        );
    }

    /// A missing signal is reported at the entry module that uses the framework, not at
    /// the shallowest file that happens to import it; `report_at: repository` keeps the
    /// repository.
    #[test]
    fn missing_signal_is_placed_at_the_entry_module() {
        let p = "expect: present\nsignals:\n  node:\n    - pattern: 'helmet'\n";
        let pkg = (
            "package.json",
            r#"{"dependencies": {"express": "^4.19.0"}}"#,
        );
        let files = [
            pkg,
            (
                "routes.js",
                "const express = require('express');\nmodule.exports = express.Router();\n",
            ),
            (
                "src/api/server.js",
                "// the app\nconst express = require('express');\nconst app = express();\n",
            ),
        ];
        let (_, f, _) = run("code_signal", p, &files);
        assert_eq!(
            lines(&f),
            vec!["src/api/server.js:2:1: no signal found for `Express`"]
        );
        let p =
            "expect: present\nreport_at: repository\nsignals:\n  node:\n    - pattern: 'helmet'\n";
        let (_, f, _) = run("code_signal", p, &files);
        assert_eq!(
            lines(&f),
            vec!["(repository): no signal found for `Express`"]
        );
        // An `anchor` match comes first: the place the gap is about.
        let p = "expect: present\nanchor:\n  node:\n    - pattern: 'Router\\('\nsignals:\n  node:\n    - pattern: 'helmet'\n";
        let (_, f, _) = run("code_signal", p, &files);
        assert_eq!(
            lines(&f),
            vec!["routes.js:2:26: no signal found for `Express`"]
        );
    }

    /// The `only_if` match that places a missing signal is the one in an entry module.
    #[test]
    fn only_if_places_the_gap_at_its_entry_module_match() {
        let p = "expect: present\nonly_if:\n  python:\n    - pattern: 'DATABASES\\s*='\nsignals:\n  python:\n    - pattern: 'CONN_MAX_AGE'\n";
        let files = [
            ("app/views.py", "from django.http import HttpResponse\n"),
            ("settings/ci.py", "DATABASES = {}\n"),
            ("settings/main.py", "import os\nDATABASES = {}\n"),
        ];
        let (_, f, _) = run("code_signal", p, &files);
        assert_eq!(
            lines(&f),
            vec!["settings/main.py:2:1: no signal found for `Django`"]
        );
    }

    #[test]
    fn if_call_and_unless_call_read_the_balanced_block_past_comments_and_lifetimes() {
        let p = "expect: present\nsignals:\n  rust:\n    - pattern: 'impl\\s+IntoResponse\\s+for\\s+\\w*Error\\b[^{]*\\{'\n      if_call: 'Json\\('\n      unless_call: '=>\\s*StatusCode::\\w+\\.into_response\\(\\)'\n";
        let cargo = ("Cargo.toml", "[dependencies]\naxum = \"0.8\"\n");
        // An apostrophe in a comment and a lifetime do not end the block early.
        let good = "use axum::Json;\nimpl IntoResponse for AppError {\n    // don't leak internals\n    fn into_response(self) -> Response<'static> {\n        (self.status(), Json(self.body())).into_response()\n    }\n}\n";
        let (_, f, _) = run("code_signal", p, &[cargo, ("src/error.rs", good)]);
        assert!(f.is_empty(), "{f:?}");
        let bare = "use axum::Json;\nimpl IntoResponse for AppError {\n    fn into_response(self) -> Response {\n        match self {\n            AppError::Bad(e) => (StatusCode::BAD_REQUEST, Json(e)).into_response(),\n            _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),\n        }\n    }\n}\n";
        let (_, f, _) = run("code_signal", p, &[cargo, ("src/error.rs", bare)]);
        assert_eq!(
            lines(&f),
            vec!["src/error.rs:1:1: no signal found for `axum`"]
        );
        let text_only = "use axum::Json;\nimpl IntoResponse for AppError {\n    fn into_response(self) -> Response {\n        (StatusCode::BAD_REQUEST, \"bad\").into_response()\n    }\n}\n// Json(x) after the block does not count\n";
        let (_, f, _) = run("code_signal", p, &[cargo, ("src/error.rs", text_only)]);
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn unless_config_and_if_file_lists() {
        let p = "expect: present\nsignals:\n  java:\n    - pattern: micrometer-tracing\n      in: manifest\n      unless_config: '(?m)^management\\.tracing\\.enabled=false'\n  node:\n    - pattern: 'validate\\(this\\)'\n      if_file: [class-validator, 'class\\s+Env']\n";
        let pom = ("pom.xml", "spring-boot-starter-web\nmicrometer-tracing\n");
        let app = (
            "src/main/java/App.java",
            "import org.springframework.boot.SpringApplication;\n",
        );
        let (_, f, _) = run("code_signal", p, &[pom, app]);
        assert!(f.is_empty());
        let off = (
            "src/main/resources/application.properties",
            "management.tracing.enabled=false\n",
        );
        let (_, f, _) = run("code_signal", p, &[pom, app, off]);
        assert_eq!(f.len(), 1);
        let pkg = ("package.json", "{\"dependencies\": {\"koa\": \"2\"}}");
        let (_, f, _) = run(
            "code_signal",
            p,
            &[
                pkg,
                (
                    "env.ts",
                    "import Koa from 'koa';\nimport { validate } from 'class-validator';\nclass Env { c() { validate(this) } }\n",
                ),
            ],
        );
        assert!(f.is_empty());
        let (_, f, _) = run(
            "code_signal",
            p,
            &[
                pkg,
                (
                    "user.ts",
                    "import Koa from 'koa';\nimport { validate } from 'class-validator';\nclass User { c() { validate(this) } }\n",
                ),
            ],
        );
        assert_eq!(f.len(), 1);
    }

    /// Covers issue #20: CODE001 never says no health endpoint exists when an orchestrator
    /// requests one; a declared path is looked up in code, and reported where it is declared.
    #[test]
    fn health_contract_is_cross_checked_with_routes() {
        let p = "expect: present\nhealth_contract: true\nmessage: no health endpoint in {frameworks} code\nsignals:\n  python:\n    - pattern: '\"/healthz\"'\n";
        let req = ("requirements.txt", "flask==3.0.3\n");
        let docker = |url: &str| {
            format!("FROM python:3.12.7-slim\nHEALTHCHECK CMD curl -fsS {url} || exit 1\n")
        };
        let d = docker("http://localhost:${PORT:-8000}/api/v1/up?full=1");
        let (r, f, _) = run(
            "code_signal",
            p,
            &[
                req,
                (
                    "app.py",
                    "from flask import Flask\n@app.get('/up')\ndef up(): ...\n",
                ),
                ("Dockerfile", &d),
            ],
        );
        assert_eq!(r.unwrap(), Applicability::Applicable);
        assert!(f.is_empty(), "{f:?}");
        let (_, f, _) = run(
            "code_signal",
            p,
            &[
                req,
                ("app.py", "from flask import Flask\n# @app.get('/up')\n"),
                ("Dockerfile", &d),
            ],
        );
        assert_eq!(
            lines(&f),
            vec![
                "Dockerfile:2:1: `/api/v1/up?full=1` is declared at `Dockerfile:2` but no route for it was found in `Flask` code"
            ]
        );
        let root = docker("http://127.0.0.1:8000");
        let (_, f, _) = run(
            "code_signal",
            p,
            &[
                req,
                ("app.py", "from flask import Flask\n"),
                ("Dockerfile", &root),
            ],
        );
        assert_eq!(
            lines(&f),
            vec![
                "Dockerfile:2:1: the health check declared at `Dockerfile:2` requests the root page `/`, and no health endpoint was found in `Flask` code"
            ]
        );
        // Without a declaration the finding is placed at the entry point.
        let (_, f, _) = run(
            "code_signal",
            p,
            &[req, ("app.py", "from flask import Flask\n")],
        );
        assert_eq!(
            lines(&f),
            vec!["app.py:1:1: no health endpoint in `Flask` code"]
        );
    }

    /// rustdesk-server lists axum in Cargo.toml but no source uses it: a declared
    /// dependency is a framework only when code uses it too.
    #[test]
    fn a_declared_framework_must_be_used_by_code() {
        let p = "expect: present\nsignals:\n  rust: [{pattern: 'with_graceful_shutdown'}]\n";
        let cargo = (
            "Cargo.toml",
            "[dependencies]\naxum = \"0.8\"\ntokio = \"1\"\n",
        );
        let (r, f, _) = run(
            "code_signal",
            p,
            &[cargo, ("src/main.rs", "fn main() { relay::run(); }\n")],
        );
        assert!(
            matches!(r, Ok(Applicability::NotApplicable(ref m)) if m.starts_with("no recognised web framework")),
            "{r:?}"
        );
        assert!(f.is_empty());
        // A use only in a test is not a use.
        let (r, _, _) = run(
            "code_signal",
            p,
            &[
                cargo,
                ("src/main.rs", "fn main() {}\n"),
                ("tests/api.rs", "use axum::Router;\n"),
            ],
        );
        assert!(matches!(r, Ok(Applicability::NotApplicable(_))), "{r:?}");
        let (r, f, _) = run(
            "code_signal",
            p,
            &[cargo, ("src/main.rs", "use axum::Router;\nfn main() {}\n")],
        );
        assert_eq!(r.unwrap(), Applicability::Applicable);
        assert_eq!(
            lines(&f),
            vec!["src/main.rs:1:1: no signal found for `axum`"]
        );
        // Imported but never declared (a vendored copy, a stray file) is not enough either.
        let (r, _, _) = run(
            "code_signal",
            p,
            &[
                ("Cargo.toml", "[dependencies]\ntokio = \"1\"\n"),
                ("src/main.rs", "use axum::Router;\n"),
            ],
        );
        assert!(matches!(r, Ok(Applicability::NotApplicable(_))), "{r:?}");
    }

    #[test]
    fn path_scope_matches_file_based_routes_and_components() {
        let p = "expect: present\nsignals:\n  node:\n    - pattern: '(^|/)pages/api/health\\.ts$|(^|/)app/global-error\\.tsx$'\n      in: path\n";
        let pkg = ("package.json", "{\"dependencies\": {\"next\": \"15\"}}");
        let route = (
            "apps/web/pages/api/users.ts",
            "import type { NextApiRequest } from 'next';\n",
        );
        let (r, f, _) = run(
            "code_signal",
            p,
            &[
                pkg,
                route,
                ("apps/web/pages/api/health.ts", "export default h;\n"),
            ],
        );
        assert_eq!(r.unwrap(), Applicability::Applicable);
        assert!(f.is_empty(), "{f:?}");
        // The path, not the text: a component that mentions the route is not one.
        let (_, f, _) = run(
            "code_signal",
            p,
            &[
                pkg,
                route,
                (
                    "apps/web/lib/links.ts",
                    "const u = 'pages/api/health.ts';\n",
                ),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        let (_, f, _) = run(
            "code_signal",
            p,
            &[pkg, route, ("src/app/global-error.tsx", "'use client';\n")],
        );
        assert!(f.is_empty(), "{f:?}");
        // A test file at a matching path is not a route.
        let (_, f, _) = run(
            "code_signal",
            p,
            &[
                pkg,
                route,
                ("tests/pages/api/health.ts", "export default h;\n"),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
    }

    #[test]
    fn rust_modules_compiled_only_for_tests_are_not_read() {
        let p = "expect: absent\nsignals:\n  rust:\n    - pattern: 'println!'\n";
        let cargo = ("Cargo.toml", "[dependencies]\nactix-web = \"4\"\n");
        let lib = "use actix_web::App;\n#[cfg(test)]\nmod db_perf;\nmod routes;\n\n#[cfg(test)]\n#[allow(clippy::unwrap_used)]\nmod tests {\n    fn f() {\n        let c = '{';\n        println!(\"{c}\");\n    }\n}\n\npub fn start() {\n    println!(\"up\");\n}\n";
        let (_, f, _) = run(
            "code_signal",
            p,
            &[
                cargo,
                ("crates/post/src/lib.rs", lib),
                (
                    "crates/post/src/db_perf/mod.rs",
                    "fn a() { println!(\"x\"); }\n",
                ),
                (
                    "crates/post/src/db_perf/series.rs",
                    "fn b() { println!(\"y\"); }\n",
                ),
                (
                    "crates/post/src/db_perf_tools.rs",
                    "fn c() { println!(\"z\"); }\n",
                ),
                (
                    "crates/post/src/routes.rs",
                    "#[cfg(test)]\nmod bench;\nfn d() { println!(\"w\"); }\n",
                ),
                (
                    "crates/post/src/routes/bench.rs",
                    "fn e() { println!(\"v\"); }\n",
                ),
            ],
        );
        assert_eq!(
            lines(&f),
            vec![
                "crates/post/src/db_perf_tools.rs:1:10: `println!` found",
                "crates/post/src/lib.rs:16:5: `println!` found",
                "crates/post/src/routes.rs:3:10: `println!` found",
            ]
        );
    }

    /// `next.config.*` is tool configuration: never read as code, but read as configuration.
    #[test]
    fn tool_configs_are_configuration_not_code() {
        let p = "expect: present\nsignals:\n  node:\n    - pattern: 'X-Frame-Options'\n      in: config\n";
        let absent = "expect: absent\nsignals:\n  node:\n    - pattern: 'console\\.log\\('\n";
        let files = [
            ("package.json", "{\"dependencies\": {\"next\": \"15\"}}"),
            (
                "src/middleware.ts",
                "import { NextResponse } from 'next/server';\n",
            ),
            (
                "next.config.js",
                "console.log('building');\nmodule.exports = { async headers() { return [{ key: 'X-Frame-Options' }]; } };\n",
            ),
        ];
        let (_, f, _) = run("code_signal", p, &files);
        assert!(f.is_empty(), "{f:?}");
        let (_, f, _) = run("code_signal", absent, &files);
        assert!(f.is_empty(), "{f:?}");
    }

    /// Covers hoppscotch: a workspace's CLI package and browser front end are not the
    /// service, while the root package always is.
    #[test]
    fn node_cli_and_front_end_packages_are_not_the_service() {
        let p = "expect: absent\nsignals:\n  node:\n    - pattern: 'axios\\.get\\('\n";
        let (_, f, _) = run(
            "code_signal",
            p,
            &[
                (
                    "package.json",
                    "{\"bin\": {\"svc\": \"bin/svc.js\"}, \"dependencies\": {\"express\": \"4\"}}",
                ),
                (
                    "src/app.js",
                    "const express = require('express');\naxios.get(u);\n",
                ),
                (
                    "packages/cli/package.json",
                    "{\"bin\": {\"hopp\": \"bin/hopp.js\"}}",
                ),
                ("packages/cli/src/run.ts", "axios.get(u);\n"),
                (
                    "packages/web/package.json",
                    "{\"dependencies\": {\"vue\": \"3\"}}",
                ),
                ("packages/web/src/gist.ts", "axios.get(u);\n"),
                (
                    "packages/web/server/package.json",
                    "{\"dependencies\": {\"vue\": \"3\", \"express\": \"4\"}}",
                ),
                ("packages/web/server/ssr.ts", "axios.get(u);\n"),
            ],
        );
        assert_eq!(
            lines(&f),
            vec![
                "packages/web/server/ssr.ts:1:1: `axios.get(` found",
                "src/app.js:2:1: `axios.get(` found",
            ]
        );
    }

    #[test]
    fn absent_matches_inside_a_string_on_their_line_are_text() {
        use super::{Stack, in_string};
        assert!(in_string(
            "raise E('run: python -c \"import s; ",
            Stack::Python
        ));
        assert!(!in_string("x = 'it\\'s'; ", Stack::Python));
        assert!(!in_string(
            "let c = '\"'; let d = '\\''; fn f<'a>(x: &'a str) { ",
            Stack::Rust
        ));
        assert!(in_string("let s = \"a {", Stack::Rust));
        assert!(in_string("const s = `echo ", Stack::Node));
        assert!(!in_string("fmt.Sprintf(\"%d\", n); ", Stack::Go));
        assert!(!in_string("String s = \"a\\\"b\"; ", Stack::Java));
    }

    /// Covers hoppscotch: the `src-tauri` crates of its desktop apps are not the service.
    #[test]
    fn rust_desktop_crates_are_not_the_service() {
        let p = "expect: absent\nsignals:\n  rust:\n    - pattern: 'Client::new\\(\\)'\n";
        let (_, f, _) = run(
            "code_signal",
            p,
            &[
                (
                    "Cargo.toml",
                    "[workspace]\nmembers = [\"server\", \"desktop/src-tauri\"]\n",
                ),
                ("server/Cargo.toml", "[dependencies]\naxum = \"0.8\"\n"),
                (
                    "server/src/main.rs",
                    "use axum::Router;\nlet c = Client::new();\n",
                ),
                (
                    "desktop/src-tauri/Cargo.toml",
                    "[build-dependencies]\ntauri-build = \"2\"\n\n[dependencies]\ntauri = \"2\"\n",
                ),
                ("desktop/src-tauri/src/lib.rs", "let c = Client::new();\n"),
            ],
        );
        assert_eq!(
            lines(&f),
            vec!["server/src/main.rs:2:9: `Client::new()` found"]
        );
    }
}
