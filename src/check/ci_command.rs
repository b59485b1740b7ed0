//! `ci_command`: some command that CI runs must match a pattern (a test runner, a linter,
//! a security scanner). Commands are extracted from every CI system's format (GitHub
//! Actions `run:`/`uses:`, GitLab/Travis/Bitbucket `script:`, CircleCI `run:`/`command:`,
//! Azure `script:`/`bash:`, Jenkinsfile text) and followed one level: `npm run ci` reads the
//! `ci` script of `package.json`, `make check` reads the `check:` recipe of the Makefile,
//! `just test` the justfile recipe, and `./scripts/ci.sh` that script.

use super::{Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError, regex_param};
use crate::check::LazyRegex;
use crate::collect::scope::{Role, RoleSet};
use crate::collect::select::SelectorId;
use crate::finding::Finding;
use crate::parse::yaml::{Node, Value};
use regex::Regex;
use serde::Deserialize;
use std::sync::LazyLock;

/// Parameters of `ci_command`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Regex that some CI command (or a script it calls) must match.
    pub pattern: String,
    /// Case-insensitive matching.
    #[serde(default)]
    pub case_insensitive: bool,
    /// Globs of the CI files to read; default: every CI system's usual location.
    #[serde(default)]
    pub ci_files: Option<Vec<String>>,
    /// Follow `npm run X`, `make X`, `just X` and script paths one level. Default true.
    #[serde(default = "default_true")]
    pub resolve: bool,
    /// A match does not count when the line it is on also matches this regex
    /// (`mvn package -DskipTests` builds without testing).
    #[serde(default)]
    pub unless_line: Option<String>,
    /// Finding message when nothing matches; `{path}` is the first CI file.
    pub message: String,
    /// Tools whose configuration decides whether they do what `pattern` asks: a CI command
    /// matching `command` counts when one of `files` matches `pattern` (golangci-lint with
    /// `gosec` enabled is a security scan).
    #[serde(default)]
    pub via_config: Vec<ViaConfig>,
}

/// One `via_config` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViaConfig {
    /// Regex a CI command (or a script it calls) matches when it runs the tool.
    pub command: String,
    /// Globs of the tool's configuration files.
    pub files: Vec<String>,
    /// Regex the configuration matches when the tool does what the rule asks.
    pub pattern: String,
    /// A configuration that also matches this regex does not count (every linter enabled,
    /// but `gosec` disabled).
    #[serde(default)]
    pub unless: Option<String>,
}

/// Compiled [`ViaConfig`].
struct CompiledVia {
    command: LazyRegex,
    files: SelectorId,
    pattern: LazyRegex,
    unless: Option<LazyRegex>,
}

fn default_true() -> bool {
    true
}

/// The usual CI file locations.
#[must_use]
pub fn default_ci_globs() -> Vec<String> {
    [
        "/.github/workflows/*.yml",
        "/.github/workflows/*.yaml",
        "/.github/actions/**/action.yml",
        "/.github/actions/**/action.yaml",
        "/.gitlab-ci.yml",
        "/.gitlab/ci/*.yml",
        "/.circleci/config.yml",
        "/azure-pipelines.yml",
        "/.azure-pipelines/*.yml",
        "/bitbucket-pipelines.yml",
        "/Jenkinsfile",
        "/.travis.yml",
        "/.buildkite/pipeline.yml",
        "/.drone.yml",
        "/.woodpecker.yml",
        "/.woodpecker/*.yml",
        "/cloudbuild.yaml",
        "/buildspec.yml",
        "/appveyor.yml",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// Compiled `ci_command`.
pub struct CiCommand {
    ci: SelectorId,
    manifests: SelectorId,
    pattern: LazyRegex,
    unless_line: Option<LazyRegex>,
    resolve: bool,
    message: String,
    via_config: Vec<CompiledVia>,
}

/// YAML keys whose values are commands in some CI format.
const COMMAND_KEYS: &[&str] = &[
    "run",
    "script",
    "scripts",
    "before_script",
    "after_script",
    "before_install",
    "install",
    "before_deploy",
    "command",
    "commands",
    "bash",
    "pwsh",
    "powershell",
    "cmd",
    "args",
    "entrypoint",
    "uses",
    "task",
    "pipe",
    "orbs",
];

impl CiCommand {
    /// The first match of `pattern` whose line does not match `unless_line`.
    fn find<'t>(&self, text: &'t str) -> Option<regex::Match<'t>> {
        self.pattern.find_iter(text).find(|m| {
            self.unless_line.as_ref().is_none_or(|u| {
                let start = text[..m.start()].rfind('\n').map_or(0, |i| i + 1);
                let end = text[m.end()..]
                    .find('\n')
                    .map_or(text.len(), |i| m.end() + i);
                !u.is_match(&text[start..end])
            })
        })
    }

    /// What in `text` does what the rule asks, as evidence shows it: the pattern's match;
    /// with `via`, a `via_config` tool run with a configuration that does it. `configs`
    /// holds, per `via_config` entry, the configuration file found (looked up once).
    fn what_runs(
        &self,
        cx: &CheckCx<'_>,
        text: &str,
        via: bool,
        configs: &[std::cell::OnceCell<Option<String>>],
    ) -> Option<String> {
        if !via {
            return self.find(text).map(|m| format!("`{}`", m.as_str().trim()));
        }
        let ws = cx.workspace();
        self.via_config.iter().zip(configs).find_map(|(v, config)| {
            let m = v.command.find(text)?;
            let config = config.get_or_init(|| {
                cx.selected(v.files)
                    .iter()
                    .find(|&&i| {
                        ws.text(i).is_ok_and(|t| {
                            v.pattern.is_match(t)
                                && !v.unless.as_ref().is_some_and(|u| u.is_match(t))
                        })
                    })
                    .map(|&i| ws.file(i).rel.clone())
            });
            config
                .as_ref()
                .map(|c| format!("`{}`, configured by `{c}`", m.as_str().trim()))
        })
    }
}

impl CheckKind for CiCommand {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        let globs = p.ci_files.unwrap_or_else(default_ci_globs);
        let ci = cx.files("ci_files", &globs, &[], false)?;
        let manifests = cx.files_of(
            "ci_files",
            &[
                "package.json".to_owned(),
                "Makefile".to_owned(),
                "makefile".to_owned(),
                "GNUmakefile".to_owned(),
                "justfile".to_owned(),
                "Justfile".to_owned(),
            ],
            &["node_modules/".to_owned(), "vendor/".to_owned()],
            false,
            // Scripts and make targets a pipeline calls are production files.
            RoleSet::of(&[Role::Production, Role::Ci, Role::Dev]),
        )?;
        Ok(CiCommand {
            ci,
            manifests,
            pattern: regex_param("pattern", &p.pattern, p.case_insensitive)?,
            unless_line: p
                .unless_line
                .as_deref()
                .map(|r| regex_param("unless_line", r, p.case_insensitive))
                .transpose()?,
            resolve: p.resolve,
            message: p.message,
            via_config: p
                .via_config
                .iter()
                .map(|v| {
                    Ok(CompiledVia {
                        command: regex_param("via_config.command", &v.command, p.case_insensitive)?,
                        files: cx.files_of(
                            "via_config.files",
                            &v.files,
                            &["node_modules/".to_owned(), "vendor/".to_owned()],
                            false,
                            RoleSet::of(&[Role::Production, Role::Ci, Role::Dev]),
                        )?,
                        pattern: regex_param("via_config.pattern", &v.pattern, p.case_insensitive)?,
                        unless: v
                            .unless
                            .as_deref()
                            .map(|r| regex_param("via_config.unless", r, p.case_insensitive))
                            .transpose()?,
                    })
                })
                .collect::<Result<_, ParamError>>()?,
        })
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let ws = cx.workspace();
        let files = cx.subjects(self.ci);
        if files.is_empty() {
            return Ok(Applicability::NotApplicable(
                "no CI configuration in the repository".to_owned(),
            ));
        }
        let mut commands: Vec<(String, u32, u32, String)> = Vec::new();
        for &i in files {
            let rel = ws.file(i).rel.clone();
            let is_yaml = rel.ends_with(".yml") || rel.ends_with(".yaml");
            if is_yaml {
                let Some(docs) = cx.yaml(i) else { continue };
                for doc in docs.iter() {
                    collect_commands(doc, false, &mut |n, text| {
                        commands.push((rel.clone(), n.pos.line, n.pos.col, text));
                    });
                }
            } else if let Some(text) = cx.text(i) {
                for (n, line) in text.lines().enumerate() {
                    commands.push((
                        rel.clone(),
                        u32::try_from(n + 1).unwrap_or(u32::MAX),
                        1,
                        line.to_owned(),
                    ));
                }
            }
        }
        let configs: Vec<std::cell::OnceCell<Option<String>>> =
            self.via_config.iter().map(|_| Default::default()).collect();
        // A command that matches outright wins over a tool that does it by configuration.
        for via in [false, true] {
            for (rel, line, col, cmd) in &commands {
                if let Some(what) = self.what_runs(cx, cmd, via, &configs) {
                    cx.evidence(Finding::at(rel, *line, *col, format!("CI runs {what}")));
                    return Ok(Applicability::Applicable);
                }
            }
        }
        if self.resolve {
            let manifests: Vec<usize> = cx.selected(self.manifests).to_vec();
            for (rel, line, col, cmd) in &commands {
                for cmd_line in cmd.lines() {
                    for (target, body) in self.resolve_line(cx, cmd_line, &manifests) {
                        let what = self
                            .what_runs(cx, &body, false, &configs)
                            .or_else(|| self.what_runs(cx, &body, true, &configs));
                        if let Some(what) = what {
                            cx.evidence(Finding::at(
                                rel,
                                *line,
                                *col,
                                format!("CI runs {what} via {target}"),
                            ));
                            return Ok(Applicability::Applicable);
                        }
                    }
                }
            }
        }
        if !cx.problems.is_empty() {
            return Ok(Applicability::Applicable);
        }
        // Report at a pipeline, not at a composite action it uses.
        let target = files
            .iter()
            .copied()
            .find(|&i| !ws.file(i).rel.starts_with(".github/actions/"))
            .unwrap_or(files[0]);
        let first = ws.file(target).rel.clone();
        let message = super::render(&self.message, &[("path", &first)]);
        // A workflow's `on:` (or a pipeline's first key) is where the missing step belongs.
        let at = cx.yaml(target).and_then(|docs| {
            docs.iter().find_map(|doc| match &doc.value {
                Value::Map(entries) => entries
                    .iter()
                    .find(|(k, _)| k.name == "on")
                    .or_else(|| entries.first())
                    .map(|(k, _)| k.pos),
                _ => None,
            })
        });
        cx.report(match at {
            Some(pos) if first.ends_with(".yml") || first.ends_with(".yaml") => {
                Finding::at(&first, pos.line, pos.col, message)
            }
            _ => Finding::file(&first, message),
        });
        Ok(Applicability::Applicable)
    }
}

static NPM_RUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?:npm|pnpm|yarn|bun)(?:\s+--?[\w-]+(?:=\S+)?)*\s+(?:run(?:-script)?\s+)?([\w:.\-]+)",
    )
    .expect("valid regex")
});
static MAKE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(make|just)((?:\s+(?:-[\w-]+(?:\s+\S+)?|[\w.\-]+))*)").expect("valid regex")
});
static LOCAL_ACTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^uses:\s*["']?(\./[\w.\-/]*)["']?\s*$"#).expect("valid regex"));
static SCRIPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?:^|[\s;&|'"(])(\.?/?[\w.\-/]+\.(?:sh|bash|py|ps1))\b|(?:^|[\s;&|'"(])\./([\w.\-/]+)"#,
    )
    .expect("valid regex")
});

impl CiCommand {
    /// The bodies that one command line leads to: package.json scripts, make/just recipes,
    /// script files. Each with a label for evidence.
    fn resolve_line(
        &self,
        cx: &mut CheckCx<'_>,
        line: &str,
        manifests: &[usize],
    ) -> Vec<(String, String)> {
        let ws = cx.workspace();
        let mut out = Vec::new();
        for caps in NPM_RUN.captures_iter(line) {
            let name = &caps[1];
            for &i in manifests {
                let rel = ws.file(i).rel.clone();
                if !rel.ends_with("package.json") {
                    continue;
                }
                let Some(text) = cx.text(i) else { continue };
                let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
                    continue;
                };
                if let Some(script) = json
                    .get("scripts")
                    .and_then(|s| s.get(name))
                    .and_then(serde_json::Value::as_str)
                {
                    let mut body = script.to_owned();
                    // One more hop inside package.json: `"ci": "npm run test:unit"`.
                    for inner in NPM_RUN.captures_iter(script) {
                        if let Some(s) = json
                            .get("scripts")
                            .and_then(|s| s.get(&inner[1]))
                            .and_then(serde_json::Value::as_str)
                        {
                            body.push('\n');
                            body.push_str(s);
                        }
                    }
                    out.push((format!("`{rel}` script `{name}`"), body));
                }
            }
        }
        for caps in MAKE.captures_iter(line) {
            let tool = &caps[1];
            let targets: Vec<&str> = caps[2]
                .split_whitespace()
                .filter(|t| !t.starts_with('-') && !t.contains('='))
                .collect();
            for &i in manifests {
                let rel = ws.file(i).rel.clone();
                let base = rel.rsplit('/').next().unwrap_or(&rel).to_ascii_lowercase();
                let is_make = base.contains("makefile");
                if (tool == "make") != is_make || rel.ends_with("package.json") {
                    continue;
                }
                let Some(text) = cx.text(i) else { continue };
                let wanted: Vec<&str> = if targets.is_empty() {
                    first_target(text).into_iter().collect()
                } else {
                    targets.clone()
                };
                for t in wanted {
                    if let Some(body) = recipe_with_prerequisites(text, t) {
                        out.push((format!("`{rel}` target `{t}`"), body));
                    }
                }
            }
        }
        for caps in SCRIPT.captures_iter(line) {
            let path = caps
                .get(1)
                .or_else(|| caps.get(2))
                .map_or("", |m| m.as_str());
            let rel = path.trim_start_matches("./").trim_start_matches('/');
            if let Some(i) = ws.find(rel)
                && let Some(text) = cx.text(i)
            {
                out.push((format!("`{rel}`"), text.to_owned()));
            }
        }
        // A local action (`uses: ./` or `uses: ./.github/actions/x`): its `action.yml`.
        if let Some(caps) = LOCAL_ACTION.captures(line) {
            let dir = caps[1].trim_start_matches("./").trim_end_matches('/');
            for name in ["action.yml", "action.yaml"] {
                let rel = if dir.is_empty() {
                    name.to_owned()
                } else {
                    format!("{dir}/{name}")
                };
                if let Some(i) = ws.find(&rel)
                    && let Some(text) = cx.text(i)
                {
                    out.push((format!("`{rel}`"), text.to_owned()));
                }
            }
        }
        // One more hop: a package.json script or make recipe that runs a script file.
        let mut scripts = Vec::new();
        for (label, body) in &out {
            for caps in SCRIPT.captures_iter(body) {
                let path = caps
                    .get(1)
                    .or_else(|| caps.get(2))
                    .map_or("", |m| m.as_str());
                let rel = path.trim_start_matches("./").trim_start_matches('/');
                if scripts.len() < 16
                    && let Some(i) = ws.find(rel)
                    && let Some(text) = cx.text(i)
                {
                    scripts.push((format!("{label} and `{rel}`"), text.to_owned()));
                }
            }
        }
        out.extend(scripts);
        out
    }
}

/// Walks a YAML tree and hands every string under a command key to `f`.
fn collect_commands(node: &Node, under_command: bool, f: &mut dyn FnMut(&Node, String)) {
    match &node.value {
        Value::Scalar(s) if under_command => f(node, s.text()),
        Value::Seq(items) => {
            for item in items {
                collect_commands(item, under_command, f);
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries {
                let is_cmd = COMMAND_KEYS.contains(&k.name.as_str());
                if k.name == "uses"
                    && let Some(t) = v.scalar_text()
                {
                    f(v, format!("uses: {t}"));
                    continue;
                }
                collect_commands(v, is_cmd || (under_command && k.name != "name"), f);
            }
        }
        _ => {}
    }
}

/// The first target of a Makefile (what `make` with no target builds).
fn first_target(text: &str) -> Option<&str> {
    text.lines().find_map(|l| {
        let (name, _) = l.split_once(':')?;
        let name = name.trim();
        (!l.starts_with(['\t', ' ', '#', '.'])
            && !name.is_empty()
            && !l.contains(":=")
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || "_-./".contains(c)))
        .then_some(name)
    })
}

/// The recipe of `target` followed into its prerequisites and the `make X` / `$(MAKE) X` /
/// `just X` lines of its body, two levels deep (`check: lint test`).
fn recipe_with_prerequisites(text: &str, target: &str) -> Option<String> {
    let mut body = recipe(text, target)?;
    let mut frontier = vec![(target.to_owned(), body.clone())];
    let mut seen = vec![target.to_owned()];
    for _ in 0..2 {
        let mut next = Vec::new();
        for (_, b) in &frontier {
            let prereqs = b.lines().next().unwrap_or("");
            let mut names: Vec<String> = prereqs
                .split_whitespace()
                .filter(|n| !n.starts_with(['$', '|', '-']) && !n.contains('='))
                .map(str::to_owned)
                .collect();
            for caps in SUBMAKE.captures_iter(b) {
                names.extend(
                    caps[1]
                        .split_whitespace()
                        .filter(|t| !t.starts_with('-') && !t.contains('='))
                        .map(str::to_owned),
                );
            }
            for n in names {
                if seen.contains(&n) || seen.len() > 64 {
                    continue;
                }
                seen.push(n.clone());
                if let Some(r) = recipe(text, &n) {
                    body.push('\n');
                    body.push_str(&r);
                    next.push((n, r));
                }
            }
        }
        frontier = next;
    }
    Some(body)
}

static SUBMAKE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\$\(MAKE\)|\$\{MAKE\}|\bmake|\bjust)((?:[ \t]+[\w.\-]+)+)")
        .expect("valid regex")
});

/// The recipe of `target` in a Makefile or justfile: its prerequisites' names and the
/// indented lines below it.
fn recipe(text: &str, target: &str) -> Option<String> {
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        if l.starts_with([' ', '\t', '#']) {
            continue;
        }
        let Some((head, rest)) = l.split_once(':') else {
            continue;
        };
        if rest.starts_with('=') {
            continue;
        }
        // justfile recipes may take parameters: `test *ARGS:`.
        let names: Vec<&str> = head.split_whitespace().collect();
        let is_just_head = names.first() == Some(&target);
        if !(names.contains(&target) && (names.len() == 1 || is_just_head)) {
            continue;
        }
        let mut body = rest.to_owned();
        for r in lines.by_ref() {
            if r.starts_with(['\t', ' ']) {
                body.push('\n');
                body.push_str(r.trim());
            } else if r.trim().is_empty() {
                continue;
            } else {
                break;
            }
        }
        return Some(body);
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::check::Applicability;
    use crate::check::testing::{lines, run};

    const TESTS: &str =
        "pattern: '\\b(pytest|jest|go test|cargo test)\\b'\nmessage: CI runs no tests\n";

    #[test]
    fn direct_run_step_passes() {
        let (r, f, _) = run(
            "ci_command",
            TESTS,
            &[(
                ".github/workflows/ci.yml",
                "on: push\njobs:\n  t:\n    steps:\n      - run: |\n          pip install .\n          pytest -q\n",
            )],
        );
        assert_eq!(r.unwrap(), Applicability::Applicable);
        assert!(f.is_empty(), "{:?}", lines(&f));
    }

    #[test]
    fn npm_run_ci_follows_package_json() {
        let (_, f, _) = run(
            "ci_command",
            TESTS,
            &[
                (
                    ".github/workflows/ci.yml",
                    "on: push\njobs:\n  t:\n    steps:\n      - run: npm run ci\n",
                ),
                (
                    "package.json",
                    r#"{"scripts": {"ci": "npm run unit", "unit": "jest --ci"}}"#,
                ),
            ],
        );
        assert!(f.is_empty(), "{:?}", lines(&f));
    }

    #[test]
    fn make_target_recipe_is_read() {
        let (_, f, _) = run(
            "ci_command",
            TESTS,
            &[
                (
                    ".gitlab-ci.yml",
                    "check:\n  script:\n    - make lint check\n",
                ),
                (
                    "Makefile",
                    "build:\n\tgo build ./...\n\ncheck: build\n\tgo test ./...\n",
                ),
            ],
        );
        assert!(f.is_empty(), "{:?}", lines(&f));
    }

    #[test]
    fn script_file_is_read() {
        let (_, f, _) = run(
            "ci_command",
            TESTS,
            &[
                (
                    "Jenkinsfile",
                    "pipeline { stages { stage('t') { steps { sh './ci/run.sh' } } } }\n",
                ),
                ("ci/run.sh", "#!/bin/sh\ncargo test --locked\n"),
            ],
        );
        assert!(f.is_empty(), "{:?}", lines(&f));
    }

    #[test]
    fn build_only_ci_fails_at_the_ci_file() {
        let (_, f, _) = run(
            "ci_command",
            TESTS,
            &[
                (
                    ".circleci/config.yml",
                    "jobs:\n  b:\n    steps:\n      - run:\n          name: test\n          command: npm run build\n",
                ),
                ("package.json", r#"{"scripts": {"build": "tsc"}}"#),
            ],
        );
        assert_eq!(
            lines(&f),
            vec![".circleci/config.yml:1:1: CI runs no tests"]
        );
    }

    #[test]
    fn step_names_do_not_count() {
        let (_, f, _) = run(
            "ci_command",
            TESTS,
            &[(
                ".github/workflows/ci.yml",
                "on: push\njobs:\n  t:\n    steps:\n      - name: pytest\n        run: echo hi\n",
            )],
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn no_ci_is_not_applicable() {
        let (r, _, _) = run("ci_command", TESTS, &[("README.md", "x\n")]);
        assert!(matches!(r.unwrap(), Applicability::NotApplicable(_)));
    }

    #[test]
    fn make_prerequisites_are_followed() {
        let (_, f, _) = run(
            "ci_command",
            "pattern: 'ruff check'\nmessage: no lint in `{path}`",
            &[
                (".gitlab-ci.yml", "check:\n  script:\n    - make check\n"),
                (
                    "Makefile",
                    "check: lint test\n\nlint:\n\t$(MAKE) ruff\n\nruff:\n\truff check .\n\ntest:\n\tpytest\n",
                ),
            ],
        );
        assert!(f.is_empty(), "{:?}", lines(&f));
    }

    #[test]
    fn missing_step_is_reported_at_on() {
        let (_, f, _) = run(
            "ci_command",
            "pattern: pytest\nmessage: no tests in `{path}`",
            &[(
                ".github/workflows/ci.yml",
                "name: ci\non: push\njobs:\n  b:\n    steps:\n      - run: make build\n",
            )],
        );
        assert_eq!(
            lines(&f),
            vec![".github/workflows/ci.yml:2:1: no tests in `.github/workflows/ci.yml`"]
        );
    }

    #[test]
    fn script_file_called_by_a_package_json_script_is_read() {
        let (_, f, _) = run(
            "ci_command",
            "pattern: 'npm run lint'\nmessage: no lint",
            &[
                (
                    ".github/workflows/ci.yml",
                    "on: push\njobs:\n  t:\n    steps:\n      - run: npm run test:static\n",
                ),
                (
                    "package.json",
                    r#"{"scripts": {"test:static": "bash test/run-static.sh relational"}}"#,
                ),
                (
                    "test/run-static.sh",
                    "#!/bin/sh\nnpm run lint\nnpm run build\n",
                ),
            ],
        );
        assert!(f.is_empty(), "{:?}", lines(&f));
    }

    #[test]
    fn local_action_is_read() {
        let (_, f, _) = run(
            "ci_command",
            "pattern: pytest\nmessage: no tests",
            &[
                (
                    ".github/workflows/ci.yml",
                    "on: push\njobs:\n  t:\n    steps:\n      - uses: './'\n",
                ),
                (
                    "action.yaml",
                    "runs:\n  using: composite\n  steps:\n    - run: pytest _integration-test/\n      shell: bash\n",
                ),
            ],
        );
        assert!(f.is_empty(), "{:?}", lines(&f));
    }
}
