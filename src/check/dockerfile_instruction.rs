//! `dockerfile_instruction`: predicates on Dockerfile instructions that know the stages:
//! "the final image has a non-root `USER`", "no shell-form `CMD`", "no `ADD` of a URL".
//! The final stage includes the earlier stages it is built `FROM`; a builder stage that the
//! final image does not derive from never counts.

use super::dockerignore::find_dockerignore_in;
use super::images::judged_dockerfiles;
use super::orchestration::{
    compose_context, compose_globs, compose_index, image_matches_dockerfile, k8s_documents_with,
    k8s_excludes, k8s_globs, shipped_stages, workload,
};
use super::{
    Applicability, CheckCx, CheckError, CheckKind, CompileCx, OneOrMany, ParamError,
    default_dockerfile_excludes, default_dockerfile_globs, regex_param, render,
};
use crate::check::LazyRegex;
use crate::collect::Workspace;
use crate::collect::select::SelectorId;
use crate::finding::Finding;
use crate::parse::dockerfile::{Dockerfile, Form, Instr, Stage};
use crate::parse::yaml::{Hit, KeyPath, Node, Resolved, Value, resolve};
use serde::Deserialize;

/// Which stages are examined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StageScope {
    /// The last stage and the stages it is built from: what ships.
    #[default]
    Final,
    /// Every stage on its own.
    All,
}

/// Which occurrences count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Occurrence {
    /// Every matching instruction.
    #[default]
    All,
    /// Only the last instruction with that keyword in scope (the one that takes effect, as
    /// for `USER`, `CMD`, `HEALTHCHECK`).
    Last,
}

/// Whether the instruction must be there or must not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// At least one selected instruction must be in scope.
    Present,
    /// Every selected instruction is a finding.
    Absent,
}

/// Command form filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormFilter {
    /// `CMD cmd args`.
    Shell,
    /// `CMD ["cmd", "args"]`.
    Exec,
    /// Whatever leaves a shell as PID 1: the shell form, or an exec form that runs
    /// `sh -c` / `bash -c` — unless the script `exec`s its command.
    ShellProcess,
}

/// Parameters of `dockerfile_instruction`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Globs of the Dockerfiles (default: every common naming scheme).
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    /// Globs to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Keyword or keywords, e.g. `USER` or `[CMD, ENTRYPOINT]`.
    pub instruction: OneOrMany<String>,
    /// `final` (default) or `all`.
    #[serde(default)]
    pub stage: StageScope,
    /// `all` (default) or `last`.
    #[serde(default)]
    pub occurrence: Occurrence,
    /// Only instructions in this form.
    #[serde(default)]
    pub form: Option<FormFilter>,
    /// Only instructions whose arguments (heredoc bodies included) match this regex.
    #[serde(default)]
    pub args_match: Option<String>,
    /// Only instructions whose arguments do not match this regex.
    #[serde(default)]
    pub args_not_match: Option<String>,
    /// Only instructions with this `--flag` (`from`, `chown`, `mount`); `!from` means without it.
    #[serde(default)]
    pub flag: Option<String>,
    /// `present` or `absent`.
    pub expect: Expect,
    /// With `present`: a scope whose base image matches this regex needs no such instruction
    /// (e.g. distroless `:nonroot` images already set a non-root user).
    #[serde(default)]
    pub exempt_base_images: Option<String>,
    /// Finding message for an offending instruction. Placeholders: `{instruction}`,
    /// `{args}`, `{stage}`, `{image}`.
    #[serde(default)]
    pub message: Option<String>,
    /// With `present`: message when the scope has no such instruction at all.
    #[serde(default)]
    pub missing_message: Option<String>,
    /// With `present`: the orchestrator may declare the same thing for the image instead
    /// (e.g. a Compose `healthcheck` or Kubernetes probes). The Dockerfile passes when a
    /// Compose service that builds it (or runs an image named after it) has one of the
    /// `compose` key paths, or a Kubernetes container running an image named after it has
    /// one of the `kubernetes` key paths.
    #[serde(default)]
    pub satisfied_by: Option<SatisfiedBy>,
    /// Judge only Dockerfiles whose build context has no `.dockerignore`.
    #[serde(default)]
    pub only_without_dockerignore: bool,
    /// A scope that has any instruction whose `KEYWORD args` matches this regex is not
    /// judged (e.g. `ENV PIP_NO_CACHE_DIR=1` makes every `pip install` cache-free).
    #[serde(default)]
    pub exempt_when_scope_has: Option<String>,
    /// In the `final` scope, shipped stages whose name matches this regex are not judged
    /// (development or test stages such as `dev-envs`).
    #[serde(default)]
    pub exempt_stages: Option<String>,
    /// Judge a Dockerfile only when a file beside it matches, e.g.
    /// `{path: package.json, pattern: '"devDependencies"'}`.
    #[serde(default)]
    pub only_when_sibling_matches: Option<SiblingMatch>,
}

/// A file next to the Dockerfile and a regex its text must match.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiblingMatch {
    /// File name relative to the Dockerfile's directory.
    pub path: String,
    /// Regex on its text.
    pub pattern: String,
}

/// Orchestrator declarations that stand in for a Dockerfile instruction.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SatisfiedBy {
    /// Key paths below a Compose service, e.g. `[healthcheck.test]`.
    #[serde(default)]
    pub compose: Vec<String>,
    /// Key paths below a Kubernetes container, e.g. `[livenessProbe, readinessProbe]`.
    #[serde(default)]
    pub kubernetes: Vec<String>,
}

/// Compiled `dockerfile_instruction`.
pub struct DockerfileInstruction {
    files: SelectorId,
    keywords: Vec<String>,
    scope: StageScope,
    occurrence: Occurrence,
    form: Option<FormFilter>,
    args_match: Option<LazyRegex>,
    args_not_match: Option<LazyRegex>,
    flag: Option<(String, bool)>,
    expect: Expect,
    exempt: Option<LazyRegex>,
    message: Option<String>,
    missing_message: Option<String>,
    satisfied_by: Option<Orchestrated>,
    compose_files: SelectorId,
    only_without_dockerignore: bool,
    exempt_scope: Option<LazyRegex>,
    exempt_stages: Option<LazyRegex>,
    sibling: Option<(String, LazyRegex)>,
}

struct Orchestrated {
    compose_files: SelectorId,
    compose: Vec<Declared>,
    k8s_files: SelectorId,
    kubernetes: Vec<Declared>,
}

/// One `satisfied_by` entry: `key.path` or `key.path=regex`; for Kubernetes a `pod.`
/// prefix reads the pod spec instead of the container.
struct Declared {
    path: KeyPath,
    pod: bool,
    value: Option<LazyRegex>,
}

const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

impl CheckKind for DockerfileInstruction {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        let mut exclude = default_dockerfile_excludes();
        exclude.extend(p.exclude);
        let files = cx.files(
            "paths",
            &p.paths.unwrap_or_else(default_dockerfile_globs),
            &exclude,
            false,
        )?;
        let keywords: Vec<String> = p
            .instruction
            .to_vec()
            .iter()
            .map(|k| k.to_ascii_uppercase())
            .collect();
        if let Some(bad) = keywords.iter().find(|k| !KEYWORDS.contains(&k.as_str())) {
            return Err(ParamError::at(
                "instruction",
                format!("`{bad}` is not a Dockerfile instruction (FROM is judged per stage)"),
            ));
        }
        let flag = p.flag.map(|f| match f.strip_prefix('!') {
            Some(name) => (name.trim_start_matches("--").to_owned(), false),
            None => (f.trim_start_matches("--").to_owned(), true),
        });
        let satisfied_by = match p.satisfied_by {
            None => None,
            Some(sb) => {
                let parse = |list: &[String]| -> Result<Vec<Declared>, ParamError> {
                    list.iter()
                        .map(|a| {
                            let (path, value) = match a.split_once('=') {
                                Some((p, v)) => (p, Some(regex_param("satisfied_by", v, false)?)),
                                None => (a.as_str(), None),
                            };
                            let (path, pod) = match path.strip_prefix("pod.") {
                                Some(rest) => (rest, true),
                                None => (path, false),
                            };
                            Ok(Declared {
                                path: KeyPath::parse(path)
                                    .map_err(|e| ParamError::at("satisfied_by", e))?,
                                pod,
                                value,
                            })
                        })
                        .collect()
                };
                Some(Orchestrated {
                    compose_files: cx.files("satisfied_by", &compose_globs(), &[], false)?,
                    compose: parse(&sb.compose)?,
                    k8s_files: cx.files("satisfied_by", &k8s_globs(), &k8s_excludes(), false)?,
                    kubernetes: parse(&sb.kubernetes)?,
                })
            }
        };
        let sibling = match p.only_when_sibling_matches {
            Some(m) => Some((
                m.path,
                regex_param("only_when_sibling_matches.pattern", &m.pattern, false)?,
            )),
            None => None,
        };
        Ok(DockerfileInstruction {
            sibling,
            exempt_stages: p
                .exempt_stages
                .as_deref()
                .map(|r| regex_param("exempt_stages", r, true))
                .transpose()?,
            compose_files: cx.files("paths", &compose_globs(), &[], false)?,
            satisfied_by,
            only_without_dockerignore: p.only_without_dockerignore,
            exempt_scope: p
                .exempt_when_scope_has
                .as_deref()
                .map(|r| regex_param("exempt_when_scope_has", r, false))
                .transpose()?,
            files,
            keywords,
            scope: p.stage,
            occurrence: p.occurrence,
            form: p.form,
            args_match: p
                .args_match
                .as_deref()
                .map(|r| regex_param("args_match", r, false))
                .transpose()?,
            args_not_match: p
                .args_not_match
                .as_deref()
                .map(|r| regex_param("args_not_match", r, false))
                .transpose()?,
            flag,
            expect: p.expect,
            exempt: p
                .exempt_base_images
                .as_deref()
                .map(|r| regex_param("exempt_base_images", r, false))
                .transpose()?,
            message: p.message,
            missing_message: p.missing_message,
        })
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let ws = cx.workspace();
        let judged = judged_dockerfiles(cx, self.files);
        if judged.is_empty() {
            return Ok(Applicability::NotApplicable(
                "no Dockerfile to judge".to_owned(),
            ));
        }
        let judged_before = cx.judged_other;
        for (i, df) in judged {
            let rel = &ws.file(i).rel;
            if self.only_without_dockerignore
                && let Some(di) = {
                    let compose = cx.selected(self.compose_files);
                    find_dockerignore_in(ws, rel, &compose_index(cx, compose).contexts_of(rel))
                }
            {
                cx.judged(1);
                cx.evidence(Finding::file(
                    rel,
                    format!("build context has `{}`", ws.file(di).rel),
                ));
                continue;
            }
            if let Some((name, re)) = &self.sibling {
                let dir = crate::check::orchestration::parent_dir(rel);
                let path = if dir.is_empty() {
                    name.clone()
                } else {
                    format!("{dir}/{name}")
                };
                let hit = ws
                    .find(&path)
                    .and_then(|j| ws.text(j).ok())
                    .is_some_and(|t| re.is_match(t));
                if !hit {
                    // Not a subject of this rule (e.g. no devDependencies to leave out).
                    continue;
                }
            }
            match self.scope {
                StageScope::Final => {
                    // Compose may build another stage than the last (`build.target`).
                    let compose = compose_index(cx, cx.selected(self.compose_files));
                    let shipped = shipped_stages(&df, rel, &compose);
                    for stage in shipped {
                        if let Some(re) = &self.exempt_stages
                            && stage.name.as_deref().is_some_and(|n| re.is_match(n))
                        {
                            cx.set_aside(
                                rel,
                                format!("{} is a development stage", stage_label(stage)),
                            );
                            continue;
                        }
                        self.check_scope(cx, rel, &df, stage);
                    }
                }
                StageScope::All => {
                    for stage in &df.stages {
                        self.check_scope(cx, rel, &df, stage);
                    }
                }
            }
        }
        if cx.judged_other == judged_before
            && cx.findings.is_empty()
            && let Some((name, re)) = &self.sibling
        {
            return Ok(Applicability::NotApplicable(format!(
                "no Dockerfile has a `{name}` beside it matching `{}`",
                re.as_str()
            )));
        }
        Ok(Applicability::Applicable)
    }
}

/// Whether a `CMD`/`ENTRYPOINT` leaves a shell as PID 1 (which does not forward SIGTERM).
fn shell_is_pid1<'w>(instr: &Instr, script: &dyn Fn(&str) -> Option<&'w str>) -> bool {
    match instr.form {
        Form::Shell => !last_command_execs(&instr.args),
        Form::Exec => {
            // Exec-form arguments come joined by spaces: `/bin/sh -c node server.js`.
            let mut words = instr.args.split_whitespace();
            let first = words.next().unwrap_or("");
            let shell = matches!(
                first.rsplit('/').next().unwrap_or(first),
                "sh" | "bash" | "ash" | "dash" | "zsh"
            );
            if !shell {
                return false;
            }
            match words.next() {
                Some("-c") => {
                    let rest: String = words.collect::<Vec<_>>().join(" ");
                    !last_command_execs(&rest)
                }
                // `sh start.sh`: the shell runs the script as PID 1; it hands PID 1 on only
                // if the script `exec`s its command (or forwards signals with `trap`).
                // A script that cannot be found in the build context is not judged.
                Some(path) if !path.starts_with('-') => {
                    script(path).is_some_and(|text| !script_hands_over(text))
                }
                _ => false,
            }
        }
        Form::None => false,
    }
}

/// Whether the last command of a `sh -c` string (after the last top-level `&&`, `||`,
/// `;` or newline, quotes respected) is `exec …`.
fn last_command_execs(script: &str) -> bool {
    let b = script.as_bytes();
    let mut quote: Option<u8> = None;
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(b'"') if c == b'\\' => i += 1,
            Some(_) => {}
            None => match c {
                b'"' | b'\'' => quote = Some(c),
                b'\\' => i += 1,
                b';' | b'\n' => start = i + 1,
                b'&' | b'|' if b.get(i + 1) == Some(&c) => {
                    start = i + 2;
                    i += 1;
                }
                _ => {}
            },
        }
        i += 1;
    }
    let last = script.get(start..).unwrap_or("");
    let last = last.trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'');
    last == "exec" || last.starts_with("exec ")
}

/// Whether a shell script hands PID 1 to its command: a line that `exec`s a program (not
/// a redirection-only `exec >log`), or a `trap` that forwards signals.
fn script_hands_over(text: &str) -> bool {
    text.lines().map(str::trim_start).any(|l| {
        if l.starts_with('#') {
            return false;
        }
        if l.starts_with("trap ") {
            return true;
        }
        l.strip_prefix("exec ").is_some_and(|rest| {
            let rest = rest.trim_start();
            !(rest.is_empty()
                || rest.starts_with('>')
                || rest.starts_with('<')
                || rest.starts_with(|c: char| c.is_ascii_digit())
                    && rest[1..].starts_with(['>', '<']))
        })
    })
}

/// The text of the build-context file that the stages `COPY` (or `ADD`) to where `path`
/// (as the command names it) lands: matched by file name, the source resolved in the
/// inferred build context, then beside the Dockerfile.
fn copied_script<'w>(
    ws: &'w Workspace,
    dockerfile: &str,
    lineage: &[&Stage],
    path: &str,
) -> Option<&'w str> {
    let name = path.rsplit('/').next().filter(|n| !n.is_empty())?;
    let context = super::dockerignore::inferred_context(ws, dockerfile);
    let dir = super::orchestration::parent_dir(dockerfile);
    lineage
        .iter()
        .flat_map(|s| s.instructions.iter())
        .filter_map(|i| {
            let (srcs, dest) = i.context_copy()?;
            let dest_names_it = dest.rsplit('/').next() == Some(name);
            srcs.iter()
                .filter(|s| s.rsplit('/').next() == Some(name) || dest_names_it)
                .find_map(|src| {
                    [context.as_str(), dir].iter().find_map(|base| {
                        let full = super::orchestration::join_rel(base, src)?;
                        let idx = ws.find(&full)?;
                        ws.text(idx).ok()
                    })
                })
        })
        .last()
}

/// How messages name a stage: `stage \`build\``, or for an unnamed one its place and
/// base image, `stage 2 (FROM alpine:3.24, line 7)` (counted from 1).
fn stage_label(stage: &Stage) -> String {
    match &stage.name {
        Some(n) => format!("stage `{n}`"),
        None => format!(
            "stage {} (FROM {}, line {})",
            stage.index + 1,
            stage.image,
            stage.from_pos.line
        ),
    }
}

impl DockerfileInstruction {
    /// The first capture group of `args_match` in the instruction (empty without one).
    fn capture(&self, instr: &Instr) -> String {
        self.args_match
            .as_ref()
            .and_then(|r| r.captures(&instr.args))
            .and_then(|c| c.iter().skip(1).flatten().next())
            .map_or(String::new(), |m| m.as_str().chars().take(80).collect())
    }

    /// Where a Compose service or Kubernetes container running this Dockerfile's image
    /// declares one of the `satisfied_by` key paths.
    fn orchestrator_declares(&self, cx: &mut CheckCx<'_>, dockerfile: &str) -> Option<String> {
        let sb = self.satisfied_by.as_ref()?;
        let ws = cx.workspace();
        let root_name = crate::check::orchestration::root_names(ws);
        let has = |node: &Node, pod: Option<&Node>, decls: &[Declared]| {
            decls.iter().find_map(|d| {
                let base = if d.pod { pod? } else { node };
                let root = Hit {
                    node: base,
                    key: None,
                    index: None,
                };
                match resolve(root, &d.path.segments) {
                    Resolved::Found(h)
                        if !matches!(h[0].node.value, Value::Null)
                            && d.value.as_ref().is_none_or(|re| {
                                h[0].node.scalar_text().is_some_and(|t| re.is_match(&t))
                            }) =>
                    {
                        let scope = if d.pod { "pod " } else { "" };
                        Some(match h[0].node.scalar_text() {
                            Some(v) => format!("{scope}{}: {v}", d.path.text),
                            None => format!("{scope}{}", d.path.text),
                        })
                    }
                    _ => None,
                }
            })
        };
        if !sb.compose.is_empty() {
            let files = cx.selected(sb.compose_files);
            for svc in compose_context(cx, files).iter() {
                let runs_it = match svc.dockerfile() {
                    Some(d) => d == dockerfile,
                    None => svc
                        .image()
                        .is_some_and(|i| image_matches_dockerfile(i, dockerfile, &root_name[..])),
                };
                if runs_it && let Some(key) = has(&svc.merged, None, &sb.compose) {
                    return Some(format!(
                        "Compose service `{}` in `{}` declares `{key}` for this image",
                        svc.name, svc.file
                    ));
                }
            }
        }
        if !sb.kubernetes.is_empty() {
            let files = cx.selected(sb.k8s_files);
            let (docs, _) = k8s_documents_with(cx, files, false);
            let kinds: Vec<String> = [
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "Job",
                "CronJob",
                "Pod",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect();
            for (rel, file_docs) in &docs {
                for doc in file_docs.iter() {
                    let Some(w) = workload(doc, &kinds) else {
                        continue;
                    };
                    for c in w.containers(false) {
                        let image = c
                            .node
                            .get("image")
                            .and_then(Node::scalar_text)
                            .unwrap_or_default();
                        if image_matches_dockerfile(&image, dockerfile, &root_name[..])
                            && let Some(key) = has(c.node, Some(w.pod), &sb.kubernetes)
                        {
                            return Some(format!(
                                "container `{}` of {} `{}` in `{rel}` declares `{key}` for this image",
                                c.label(),
                                w.kind,
                                w.name
                            ));
                        }
                    }
                }
            }
        }
        None
    }

    fn keyword_matches(&self, instr: &Instr) -> bool {
        self.keywords.iter().any(|k| k == instr.keyword)
    }

    fn filters_match<'w>(&self, instr: &Instr, script: &dyn Fn(&str) -> Option<&'w str>) -> bool {
        if let Some(form) = self.form {
            let ok = match form {
                FormFilter::Shell => instr.form == Form::Shell,
                FormFilter::Exec => instr.form == Form::Exec,
                FormFilter::ShellProcess => shell_is_pid1(instr, script),
            };
            if !ok {
                return false;
            }
        }
        if let Some((name, want)) = &self.flag
            && instr.flags.iter().any(|(n, _)| n == name) != *want
        {
            return false;
        }
        let text = if instr.heredocs.is_empty() {
            std::borrow::Cow::Borrowed(instr.args.as_str())
        } else {
            std::borrow::Cow::Owned(format!("{}\n{}", instr.args, instr.heredocs.join("\n")))
        };
        self.args_match.as_ref().is_none_or(|r| r.is_match(&text))
            && self
                .args_not_match
                .as_ref()
                .is_none_or(|r| !r.is_match(&text))
    }

    fn check_scope(&self, cx: &mut CheckCx<'_>, rel: &str, df: &Dockerfile, stage: &Stage) {
        cx.judged(1);
        // In the final scope the instructions of parent stages come first, as Docker applies them.
        let lineage: Vec<&Stage> = match self.scope {
            StageScope::Final => df.lineage(stage).into_iter().rev().collect(),
            StageScope::All => vec![stage],
        };
        if let Some(re) = &self.exempt_scope
            && let Some(hit) = lineage
                .iter()
                .flat_map(|s| s.instructions.iter())
                .find(|i| re.is_match(&format!("{} {}", i.keyword, i.args)))
        {
            cx.evidence(Finding::at(
                rel,
                hit.pos.line,
                hit.pos.col,
                format!("{} is exempt by `{}`", stage_label(stage), hit.keyword),
            ));
            return;
        }
        let all: Vec<(&Stage, &Instr)> = lineage
            .iter()
            .flat_map(|s| s.instructions.iter().map(move |i| (*s, i)))
            .filter(|(_, i)| self.keyword_matches(i))
            .collect();
        let considered: Vec<(&Stage, &Instr)> = match self.occurrence {
            Occurrence::All => all.clone(),
            Occurrence::Last => all.last().copied().into_iter().collect(),
        };
        let ws = cx.workspace();
        let script = |path: &str| copied_script(ws, rel, &lineage, path);
        let selected: Vec<(&Stage, &Instr)> = considered
            .iter()
            .copied()
            .filter(|(_, i)| self.filters_match(i, &script))
            .collect();
        let root = df.root_image(stage);
        let vars = |instr: Option<&Instr>, st: &Stage| -> Vec<(String, String)> {
            let args: String = instr.map_or(String::new(), |i| i.args.chars().take(80).collect());
            vec![
                (
                    "instruction".into(),
                    instr.map_or_else(|| self.keywords.join("/"), |i| i.keyword.to_owned()),
                ),
                ("args".into(), args),
                ("stage".into(), stage_label(st)),
                ("image".into(), root.effective_image().to_owned()),
                ("1".into(), instr.map_or(String::new(), |i| self.capture(i))),
            ]
        };
        let fill = |tpl: &str, v: &[(String, String)]| {
            let v: Vec<(&str, &str)> = v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            render(tpl, &v)
        };
        match self.expect {
            Expect::Absent => {
                for (st, instr) in selected {
                    let default = "`{instruction} {args}` in {stage}";
                    let msg = fill(
                        self.message.as_deref().unwrap_or(default),
                        &vars(Some(instr), st),
                    );
                    cx.report(Finding::at(rel, instr.pos.line, instr.pos.col, msg));
                }
            }
            Expect::Present => {
                if let Some((_, instr)) = selected.last() {
                    cx.evidence(Finding::at(
                        rel,
                        instr.pos.line,
                        instr.pos.col,
                        format!("`{} {}`", instr.keyword, instr.args),
                    ));
                    return;
                }
                if considered.is_empty() && root.effective_image().contains('$') {
                    // The base image is chosen at build time and may set the instruction
                    // itself (USER and HEALTHCHECK are inherited): unknowable here.
                    cx.retract_judged(
                        rel,
                        format!(
                            "base image `{}` is chosen at build time (an `ARG` without a default)",
                            root.image
                        ),
                    );
                    return;
                }
                if considered.is_empty()
                    && let Some(note) = self.orchestrator_declares(cx, rel)
                {
                    cx.evidence(Finding::at(
                        rel,
                        stage.from_pos.line,
                        stage.from_pos.col,
                        note,
                    ));
                    return;
                }
                if self
                    .exempt
                    .as_ref()
                    .is_some_and(|r| r.is_match(root.effective_image()))
                {
                    let pos = root.image_pos;
                    cx.evidence(Finding::at(
                        rel,
                        pos.line,
                        pos.col,
                        format!("base image `{}` is exempt", root.effective_image()),
                    ));
                    return;
                }
                let (pos, instr) = match considered.last() {
                    Some((_, i)) => (i.pos, Some(*i)),
                    None => (stage.from_pos, None),
                };
                let template = match (instr, self.scope) {
                    (Some(_), _) => self
                        .message
                        .as_deref()
                        .unwrap_or("`{instruction} {args}` in {stage}"),
                    (None, StageScope::Final) => self
                        .missing_message
                        .as_deref()
                        .unwrap_or("{stage} has no `{instruction}`"),
                    (None, StageScope::All) => self
                        .missing_message
                        .as_deref()
                        .unwrap_or("{stage} has no `{instruction}`"),
                };
                let msg = fill(template, &vars(instr, stage));
                cx.report(Finding::at(rel, pos.line, pos.col, msg));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_last_command_of_a_shell_string_decides_and_scripts_hand_over_by_exec_or_trap() {
        assert!(super::last_command_execs("migrate && exec node server.js"));
        assert!(super::last_command_execs("\"a; b\" || exec app"));
        assert!(!super::last_command_execs("exec migrate; node server.js"));
        // Separators inside quotes do not split.
        assert!(!super::last_command_execs("echo 'x && exec y'"));
        assert!(super::script_hands_over(
            "#!/bin/sh\nmigrate\nexec \"$@\"\n"
        ));
        assert!(super::script_hands_over(
            "trap 'kill -TERM $pid' TERM\nnode a.js & pid=$!\nwait\n"
        ));
        assert!(!super::script_hands_over(
            "exec >/proc/1/fd/1 2>&1\nexec 2>err.log\nnode a.js\n"
        ));
        assert!(!super::script_hands_over("# exec node a.js\nnode a.js\n"));
    }

    use crate::check::Applicability;
    use crate::check::testing::{lines, run};

    const NON_ROOT: &str = "instruction: USER\noccurrence: last\nargs_not_match: '^(root|0)(:.*)?$'\nexpect: present\nexempt_base_images: ':nonroot$'";

    #[test]
    fn builder_stage_user_does_not_count() {
        let df = "FROM node:20 AS build\nUSER node\nRUN npm ci\nFROM node:20-slim\nCOPY --from=build /app /app\n";
        let (_, f, _) = run("dockerfile_instruction", NON_ROOT, &[("Dockerfile", df)]);
        assert_eq!(
            lines(&f),
            vec!["Dockerfile:4:1: stage 2 (FROM node:20-slim, line 4) has no `USER`"]
        );
    }

    #[test]
    fn user_inherited_from_parent_stage_counts() {
        let df = "FROM node:20 AS base\nUSER node\nFROM base\nCMD [\"node\"]\n";
        let (_, f, _) = run("dockerfile_instruction", NON_ROOT, &[("Dockerfile", df)]);
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn last_user_root_is_reported_at_the_user_line() {
        let df = "FROM debian:12\nUSER app\nRUN id\nUSER root\n";
        let (_, f, _) = run("dockerfile_instruction", NON_ROOT, &[("Dockerfile", df)]);
        assert_eq!(
            lines(&f),
            vec!["Dockerfile:4:1: `USER root` in stage 1 (FROM debian:12, line 1)"]
        );
    }

    #[test]
    fn distroless_nonroot_is_exempt_and_scratch_is_not() {
        let (_, f, _) = run(
            "dockerfile_instruction",
            NON_ROOT,
            &[("Dockerfile", "FROM gcr.io/distroless/static:nonroot\n")],
        );
        assert!(f.is_empty());
        let (_, f, _) = run(
            "dockerfile_instruction",
            NON_ROOT,
            &[("Dockerfile", "FROM scratch\nCOPY app /app\n")],
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn absent_shell_form_entrypoint_in_any_dockerfile_name() {
        let p = "instruction: [CMD, ENTRYPOINT]\noccurrence: last\nform: shell\nexpect: absent";
        let (_, f, _) = run(
            "dockerfile_instruction",
            p,
            &[
                ("api.Dockerfile", "FROM a:1\nCMD node server.js\n"),
                ("Containerfile", "FROM a:1\nCMD [\"x\"]\n"),
            ],
        );
        assert_eq!(
            lines(&f),
            vec!["api.Dockerfile:2:1: `CMD node server.js` in stage 1 (FROM a:1, line 1)"]
        );
    }

    #[test]
    fn heredoc_bodies_are_matched() {
        let p =
            "instruction: RUN\nstage: all\nargs_match: 'curl[^|]*\\|\\s*(ba)?sh'\nexpect: absent";
        let (_, f, _) = run(
            "dockerfile_instruction",
            p,
            &[(
                "Dockerfile",
                "FROM a:1\nRUN <<EOF\ncurl -fsSL https://x.sh | sh\nEOF\n",
            )],
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn no_dockerfile_is_not_applicable_and_bad_one_is_a_problem() {
        let (r, _, _) = run("dockerfile_instruction", NON_ROOT, &[("README.md", "x")]);
        assert!(matches!(r, Ok(Applicability::NotApplicable(_))));
        let (_, f, problems) = run(
            "dockerfile_instruction",
            NON_ROOT,
            &[("Dockerfile", "FROM a:1\nBOGUS x\n")],
        );
        assert!(f.is_empty());
        assert_eq!(problems.len(), 1, "{problems:?}");
        let (_, _, problems) = run(
            "dockerfile_instruction",
            NON_ROOT,
            &[("Dockerfile", "\0\0binary")],
        );
        assert_eq!(problems, vec!["`Dockerfile` was not read (binary content)"]);
    }

    #[test]
    fn compose_target_stage_is_judged_and_dev_stages_are_exempt() {
        let p = format!("{NON_ROOT}\nexempt_stages: '^dev-envs$'");
        let df = "FROM node:20 AS runtime\nEXPOSE 3000\nFROM runtime AS dev-envs\nUSER root\n";
        let compose = "services:\n  app:\n    build: {context: ., target: runtime}\n";
        let (_, f, _) = run(
            "dockerfile_instruction",
            &p,
            &[("Dockerfile", df), ("compose.yaml", compose)],
        );
        assert_eq!(
            lines(&f),
            vec!["Dockerfile:1:1: stage `runtime` has no `USER`"]
        );
    }

    #[test]
    fn tool_images_and_sibling_conditions_are_not_judged() {
        let outcome = crate::check::testing::outcome(
            "dockerfile_instruction",
            NON_ROOT,
            &[(
                "gen/Dockerfile",
                "FROM golang:1.22\nRUN go install x@v1\nENTRYPOINT [\"protoc\"]\n",
            )],
        );
        assert!(
            matches!(&outcome, crate::engine::Outcome::Skipped(r) if r.contains("build-tool image")),
            "{outcome:?}"
        );
        // Without `EXPOSE`, an image that runs a server is judged all the same.
        let (_, f, _) = run(
            "dockerfile_instruction",
            NON_ROOT,
            &[(
                "Dockerfile",
                "FROM python:3.12\nCMD [\"gunicorn\", \"app:app\"]\n",
            )],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        let p = "instruction: RUN\nargs_match: 'npm ci'\nexpect: absent\nonly_when_sibling_matches: {path: package.json, pattern: devDependencies}";
        let (_, f, _) = run(
            "dockerfile_instruction",
            p,
            &[
                ("a/Dockerfile", "FROM node:20\nRUN npm ci\n"),
                ("a/package.json", "{\"devDependencies\": {\"x\": \"1\"}}"),
                ("b/Dockerfile", "FROM node:20\nRUN npm ci\n"),
                ("b/package.json", "{}"),
            ],
        );
        assert_eq!(
            lines(&f),
            vec!["a/Dockerfile:2:1: `RUN npm ci` in stage 1 (FROM node:20, line 1)"]
        );
    }

    #[test]
    fn capture_placeholder_names_the_variable_not_the_value() {
        let p = "instruction: ENV\nstage: all\nargs_match: '(\\w*TOKEN)=(\\S+)'\nexpect: absent\nmessage: '`{1}` is set'";
        let (_, f, _) = run(
            "dockerfile_instruction",
            p,
            &[("Dockerfile", "FROM a:1\nENV GH_TOKEN=ghp_secretvalue123\n")],
        );
        assert_eq!(lines(&f), vec!["Dockerfile:2:1: `GH_TOKEN` is set"]);
    }
}
