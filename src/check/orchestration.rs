//! What the orchestrator files say about images: Compose services (base file and overlays
//! merged per directory), Kubernetes workloads and their containers, and which Dockerfile a
//! service or container runs. Shared by the Dockerfile, Compose and Kubernetes kinds.

use super::CheckCx;
use crate::parse::dockerfile::expand;
use crate::parse::yaml::{Hit, Key, Node, Pos, Value};
use std::sync::{Arc, OnceLock};

/// Parsed documents of one file, by relative path.
pub type FileDocs = (String, Arc<Vec<Node>>);

/// Compose files: the usual names and YAML files that are Compose files by content.
#[must_use]
pub fn compose_globs() -> Vec<String> {
    vec![crate::collect::select::COMPOSE.to_owned()]
}

/// Globs of YAML files that may hold Kubernetes manifests.
#[must_use]
pub fn k8s_globs() -> Vec<String> {
    vec!["*.yaml".to_owned(), "*.yml".to_owned()]
}

/// YAML files that are never Kubernetes manifests.
#[must_use]
pub fn k8s_excludes() -> Vec<String> {
    [
        ".github/",
        ".gitlab-ci.yml",
        "docker-compose*",
        "compose*",
        "mkdocs.yml",
        ".pre-commit-config.yaml",
        "Chart.yaml",
        "values*.yaml",
        "values*.yml",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// The base file names of a Compose project; other Compose files in the same directory are
/// overlays merged onto them (`docker-compose.override.yml`, `compose.prod.yaml`).
const COMPOSE_BASES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// One service of a Compose project, as written in each file and merged.
#[derive(Debug, Clone)]
pub struct ComposeService {
    /// Service name.
    pub name: String,
    /// The file where the service is first defined (the base file when it has it).
    pub file: String,
    /// Position of the service key in that file.
    pub pos: Pos,
    /// Directory of the Compose files (`""` at the root).
    pub dir: String,
    /// The service with every overlay merged in (maps merged, lists appended).
    pub merged: Node,
    /// Each file's own definition: file, key position, node.
    pub fragments: Vec<(String, Pos, Node)>,
    /// Variables of the project's `.env` file (Compose reads it for `${VAR}` substitution).
    pub env: Arc<Vec<(String, Option<String>)>>,
    /// `dockerfile()`, `build_target()` and `image()`, worked out once: rules match every
    /// Dockerfile against every service, so recomputing them was quadratic work (a third of
    /// an audit's instructions on a 200-service tree).
    pub cache: ServiceCache,
}

/// Lazily computed facts of a merged service (filled after every overlay is merged).
#[derive(Debug, Clone, Default)]
pub struct ServiceCache {
    dockerfile: OnceLock<Option<String>>,
    target: OnceLock<Option<String>>,
    image: OnceLock<Option<String>>,
}

/// Parses a `.env` file: `KEY=VALUE` lines, `export` prefixes, quotes and comments.
#[must_use]
pub fn parse_env(text: &str) -> Vec<(String, Option<String>)> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_prefix("export ").unwrap_or(l);
            if l.starts_with('#') {
                return None;
            }
            let (k, v) = l.split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                .unwrap_or(v);
            Some((k.trim().to_owned(), Some(v.to_owned())))
        })
        .collect()
}

/// The parent directory of a relative path (`""` at the root).
#[must_use]
pub fn parent_dir(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

/// Joins and normalizes `/`-separated relative paths; `None` when it leaves the root.
#[must_use]
pub fn join_rel(base: &str, rel: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for seg in base.split('/').chain(rel.split('/')) {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            s => out.push(s),
        }
    }
    Some(out.join("/"))
}

/// Expands `${VAR:-default}` with its default; `None` when a variable has no default.
#[must_use]
pub fn with_defaults(text: &str) -> Option<String> {
    if text.contains("${") && text.contains(":?") {
        return None;
    }
    expand(text, &[])
}

fn merge(base: &mut Node, over: &Node) {
    match (&mut base.value, &over.value) {
        (Value::Map(b), Value::Map(o)) => {
            for (k, v) in o {
                match b.iter_mut().find(|(bk, _)| bk.name == k.name) {
                    Some((_, bv)) => merge(bv, v),
                    None => b.push((k.clone(), v.clone())),
                }
            }
        }
        (Value::Seq(b), Value::Seq(o)) => b.extend(o.iter().cloned()),
        _ => *base = over.clone(),
    }
}

/// Every Compose service in the selected files, overlays merged into their base file's
/// services per directory. Files that do not parse are recorded as problems.
pub fn compose_services(cx: &mut CheckCx<'_>, files: &[usize]) -> Vec<ComposeService> {
    compose_services_with(cx, files, true)
}

/// The Compose services of `files` as context (unparsable files left out), built once per
/// audit and shared by every rule that asks for the same files.
pub fn compose_context(cx: &CheckCx<'_>, files: &[usize]) -> Arc<Vec<ComposeService>> {
    use std::hash::{Hash, Hasher};
    let ws = cx.workspace();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    files.hash(&mut h);
    ws.memo(h.finish(), || {
        let mut scratch = CheckCx::new(ws);
        compose_services_with(&mut scratch, files, false)
    })
}

/// The services of [`compose_context`] with an index by the Dockerfile each builds, made
/// in one pass over the services and shared by every rule: matching Dockerfiles to
/// services costs `services + dockerfiles`, not their product.
#[derive(Debug)]
pub struct ComposeIndex {
    /// Every service, as [`compose_context`] lists them.
    pub services: Arc<Vec<ComposeService>>,
    by_dockerfile: std::collections::HashMap<String, Vec<usize>>,
}

impl ComposeIndex {
    /// The services that build `dockerfile` (repository-relative), in list order.
    pub fn building<'s>(&'s self, dockerfile: &str) -> impl Iterator<Item = &'s ComposeService> {
        self.by_dockerfile
            .get(dockerfile)
            .into_iter()
            .flatten()
            .map(|&k| &self.services[k])
    }

    /// The build contexts those services give `dockerfile`.
    #[must_use]
    pub fn contexts_of(&self, dockerfile: &str) -> Vec<String> {
        self.building(dockerfile)
            .filter_map(ComposeService::context)
            .collect()
    }
}

/// [`ComposeIndex`] of the Compose files `files`, built once per audit.
pub fn compose_index(cx: &CheckCx<'_>, files: &[usize]) -> Arc<ComposeIndex> {
    use std::hash::{Hash, Hasher};
    let services = compose_context(cx, files);
    let mut h = std::collections::hash_map::DefaultHasher::new();
    files.hash(&mut h);
    cx.workspace().memo(h.finish(), || {
        let mut by_dockerfile: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (k, s) in services.iter().enumerate() {
            if let Some(d) = s.dockerfile() {
                by_dockerfile.entry(d.to_owned()).or_default().push(k);
            }
        }
        ComposeIndex {
            services,
            by_dockerfile,
        }
    })
}

/// Like [`compose_services`]; with `strict: false` unparsable files are silently left out
/// (for checks that only consult Compose as extra context).
pub fn compose_services_with(
    cx: &mut CheckCx<'_>,
    files: &[usize],
    strict: bool,
) -> Vec<ComposeService> {
    let ws = cx.workspace();
    let mut by_dir: Vec<(String, Vec<FileDocs>)> = Vec::new();
    for &i in files {
        let docs = if strict { cx.yaml(i) } else { ws.yaml(i).ok() };
        let Some(docs) = docs else { continue };
        let rel = ws.file(i).rel.clone();
        let dir = parent_dir(&rel).to_owned();
        match by_dir.iter_mut().find(|(d, _)| *d == dir) {
            Some((_, list)) => list.push((rel, docs)),
            None => by_dir.push((dir, vec![(rel, docs)])),
        }
    }
    let mut out = Vec::new();
    for (dir, mut list) in by_dir {
        let env_path = if dir.is_empty() {
            ".env".to_owned()
        } else {
            format!("{dir}/.env")
        };
        let env = Arc::new(
            ws.find(&env_path)
                .and_then(|i| ws.text(i).ok())
                .map(parse_env)
                .unwrap_or_default(),
        );
        let base_rank = |rel: &str| {
            let name = rel.rsplit('/').next().unwrap_or(rel);
            COMPOSE_BASES
                .iter()
                .position(|b| *b == name)
                .unwrap_or(COMPOSE_BASES.len())
        };
        list.sort_by(|a, b| base_rank(&a.0).cmp(&base_rank(&b.0)).then(a.0.cmp(&b.0)));
        let has_base = list
            .first()
            .is_some_and(|(r, _)| base_rank(r) < COMPOSE_BASES.len());
        let mut project: Vec<ComposeService> = Vec::new();
        for (rel, docs) in &list {
            let mut this_file: Vec<ComposeService> = Vec::new();
            for doc in docs.iter() {
                let Some(Value::Map(services)) = doc.get("services").map(|s| &s.value) else {
                    continue;
                };
                for (key, node) in services {
                    let target = if has_base {
                        &mut project
                    } else {
                        &mut this_file
                    };
                    add_fragment(target, &dir, rel, key, node, &env);
                }
            }
            out.extend(this_file);
        }
        out.extend(project);
    }
    out
}

fn add_fragment(
    list: &mut Vec<ComposeService>,
    dir: &str,
    rel: &str,
    key: &Key,
    node: &Node,
    env: &Arc<Vec<(String, Option<String>)>>,
) {
    match list.iter_mut().find(|s| s.name == key.name) {
        Some(s) => {
            merge(&mut s.merged, node);
            s.fragments.push((rel.to_owned(), key.pos, node.clone()));
        }
        None => list.push(ComposeService {
            name: key.name.clone(),
            file: rel.to_owned(),
            pos: key.pos,
            dir: dir.to_owned(),
            merged: node.clone(),
            fragments: vec![(rel.to_owned(), key.pos, node.clone())],
            env: Arc::clone(env),
            cache: ServiceCache::default(),
        }),
    }
}

impl ComposeService {
    /// Substitutes `${VAR}` from the project's `.env`, then `${VAR:-default}` defaults;
    /// `None` when a variable stays unknown.
    #[must_use]
    pub fn resolve(&self, text: &str) -> Option<String> {
        if text.contains("${") && text.contains(":?") {
            return None;
        }
        expand(text, &self.env)
    }

    /// The repository-relative build context directory, when the service builds locally.
    #[must_use]
    pub fn context(&self) -> Option<String> {
        let build = self.merged.get("build")?;
        let context = match &build.value {
            Value::Scalar(_) => build.scalar_text()?,
            Value::Map(_) => build
                .get("context")
                .and_then(Node::scalar_text)
                .unwrap_or_else(|| ".".to_owned()),
            _ => return None,
        };
        let context = self.resolve(&context)?;
        if context.contains("://") || context.starts_with("git@") {
            return None;
        }
        join_rel(&self.dir, &context)
    }

    /// The repository-relative Dockerfile this service builds, when it builds a local one.
    #[must_use]
    pub fn dockerfile(&self) -> Option<&str> {
        self.cache
            .dockerfile
            .get_or_init(|| self.compute_dockerfile())
            .as_deref()
    }

    fn compute_dockerfile(&self) -> Option<String> {
        let context = self.context()?;
        let dockerfile = self
            .merged
            .get("build")?
            .get("dockerfile")
            .and_then(Node::scalar_text)
            .unwrap_or_else(|| "Dockerfile".to_owned());
        let dockerfile = self.resolve(&dockerfile)?;
        if dockerfile.starts_with('/') {
            return None;
        }
        join_rel(&context, &dockerfile)
    }

    /// The `build.target` stage (lower-cased), when the service builds one.
    #[must_use]
    pub fn build_target(&self) -> Option<&str> {
        self.cache
            .target
            .get_or_init(|| self.compute_build_target())
            .as_deref()
    }

    fn compute_build_target(&self) -> Option<String> {
        self.merged
            .get("build")?
            .get("target")
            .and_then(Node::scalar_text)
            .and_then(|t| self.resolve(&t))
            .map(|t| t.to_ascii_lowercase())
    }

    /// The `image:` of the merged service, as written.
    #[must_use]
    pub fn image(&self) -> Option<&str> {
        self.cache
            .image
            .get_or_init(|| self.merged.get("image").and_then(Node::scalar_text))
            .as_deref()
    }
}

/// Options of `docker build` / `docker buildx build` that take a value.
const BUILD_VALUE_OPTS: &[&str] = &[
    "-t",
    "--tag",
    "--build-arg",
    "--target",
    "--platform",
    "--cache-from",
    "--cache-to",
    "--label",
    "--secret",
    "--ssh",
    "-o",
    "--output",
    "--progress",
    "--network",
    "--iidfile",
    "--builder",
    "--build-context",
    "--metadata-file",
    "--provenance",
    "--sbom",
    "--attest",
    "--annotation",
    "--add-host",
    "--shm-size",
    "--ulimit",
    "--allow",
    "-m",
    "--memory",
    "--cpu-shares",
    "--isolation",
    "--cgroup-parent",
];

/// Build contexts named by CI, make and scripts, by repository-relative Dockerfile:
/// `docker build -f docker/api.Dockerfile .` makes the root the context of
/// `docker/api.Dockerfile`; a `docker/build-push-action` step's `context:` and `file:` too.
/// Worked out once per audit.
#[must_use]
pub fn build_contexts(
    ws: &crate::collect::Workspace,
) -> Arc<std::collections::BTreeMap<String, Vec<String>>> {
    use crate::collect::scope::Role;
    ws.memo(0x0b17_c0de, || {
        let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        let mut add = |dockerfile: String, context: String| {
            let list = out.entry(dockerfile).or_default();
            if !list.contains(&context) {
                list.push(context);
            }
        };
        for (i, f) in ws.files().iter().enumerate() {
            let name = f.rel.rsplit('/').next().unwrap_or(&f.rel);
            let yaml =
                ws.role(i) == Role::Ci && (name.ends_with(".yml") || name.ends_with(".yaml"));
            let script = ws.role(i) == Role::Ci
                || matches!(
                    name,
                    "Makefile"
                        | "makefile"
                        | "GNUmakefile"
                        | "justfile"
                        | "Justfile"
                        | "Taskfile.yml"
                )
                || name.ends_with(".sh");
            if !(yaml || script) {
                continue;
            }
            let Ok(text) = ws.text(i) else { continue };
            if !text.contains("build") {
                continue;
            }
            // Make recipes run in the Makefile's directory; CI steps and scripts at the root.
            let base = if name.eq_ignore_ascii_case("makefile") || name == "GNUmakefile" {
                parent_dir(&f.rel)
            } else {
                ""
            };
            for (dockerfile, context) in docker_build_commands(text) {
                let Some(context) = join_rel(base, &context) else {
                    continue;
                };
                let dockerfile = match dockerfile {
                    Some(d) => join_rel(base, &d),
                    None => join_rel(&context, "Dockerfile"),
                };
                if let Some(d) = dockerfile {
                    add(d, context);
                }
            }
            if yaml && text.contains("build-push-action") {
                for (dockerfile, context) in build_push_steps(text) {
                    let Some(context) = join_rel("", &context) else {
                        continue;
                    };
                    let dockerfile = match dockerfile {
                        Some(d) => join_rel("", &d),
                        None => join_rel(&context, "Dockerfile"),
                    };
                    if let Some(d) = dockerfile {
                        add(d, context);
                    }
                }
            }
        }
        out
    })
}

/// `(dockerfile, context)` of each `docker build` command line in a text; arguments with
/// variables are left out (their value is not known here).
fn docker_build_commands(text: &str) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    let joined = text.replace("\\\n", " ");
    for line in joined.lines() {
        let mut rest = line;
        while let Some(at) = rest.find("docker") {
            let after = &rest[at + "docker".len()..];
            rest = after;
            let words: Vec<&str> = after
                .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | ')' | '`'))
                .filter(|w| !w.is_empty())
                .collect();
            let start = match words.as_slice() {
                ["build", ..] => 1,
                ["buildx", "build", ..] | ["image", "build", ..] => 2,
                _ => continue,
            };
            let mut file = None;
            let mut context = None;
            let mut k = start;
            while k < words.len() {
                let w = words[k].trim_matches(['"', '\'']);
                if w == "-f" || w == "--file" {
                    file = words
                        .get(k + 1)
                        .map(|f| f.trim_matches(['"', '\'']).to_owned());
                    k += 2;
                    continue;
                }
                if let Some(f) = w.strip_prefix("--file=") {
                    file = Some(f.to_owned());
                } else if BUILD_VALUE_OPTS.contains(&w) {
                    k += 1;
                } else if w.starts_with('-') {
                } else {
                    context = Some(w.to_owned());
                    break;
                }
                k += 1;
            }
            let Some(context) = context else { continue };
            let unknown = |s: &str| s.contains('$') || s.contains("://") || s == "-";
            if unknown(&context) || file.as_deref().is_some_and(unknown) {
                continue;
            }
            out.push((file, context));
        }
    }
    out
}

/// `(file, context)` of the `docker/build-push-action` steps of a workflow.
fn build_push_steps(text: &str) -> Vec<(Option<String>, String)> {
    let Ok(docs) = crate::parse::yaml::parse_documents(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    fn walk(n: &Node, out: &mut Vec<(Option<String>, String)>) {
        match &n.value {
            Value::Map(entries) => {
                let uses = n.get("uses").and_then(Node::scalar_text);
                if uses.is_some_and(|u| u.starts_with("docker/build-push-action")) {
                    let with = n.get("with");
                    let get = |k: &str| with.and_then(|w| w.get(k)).and_then(Node::scalar_text);
                    let context = get("context").unwrap_or_else(|| ".".to_owned());
                    let file = get("file");
                    let unknown = |s: &str| s.contains("${{") || s.contains("://");
                    if !unknown(&context) && !file.as_deref().is_some_and(unknown) {
                        out.push((file, context));
                    }
                }
                for (_, v) in entries {
                    walk(v, out);
                }
            }
            Value::Seq(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    for d in docs.iter() {
        walk(d, &mut out);
    }
    out
}

/// The stages that can ship from a Dockerfile: the last stage plus every `build.target`
/// of the Compose services that build it.
#[must_use]
pub fn shipped_stages<'a>(
    df: &'a crate::parse::dockerfile::Dockerfile,
    dockerfile: &str,
    compose: &ComposeIndex,
) -> Vec<&'a crate::parse::dockerfile::Stage> {
    let targets: Vec<&str> = compose
        .building(dockerfile)
        .filter_map(ComposeService::build_target)
        .collect();
    df.stages
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            *i + 1 == df.stages.len() || s.name.as_deref().is_some_and(|n| targets.contains(&n))
        })
        .map(|(_, s)| s)
        .collect()
}

/// The repository name part of an image reference: `ghcr.io/acme/api:1.2@sha256:…` → `api`.
#[must_use]
pub fn image_short_name(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last).to_ascii_lowercase()
}

/// Whether an image name plausibly is the one built from `dockerfile` (repository-relative):
/// its short name equals a directory on the Dockerfile's path, the `NAME` of `NAME.Dockerfile` or
/// `Dockerfile.NAME`, or for a root Dockerfile the repository directory name.
#[must_use]
pub fn image_matches_dockerfile(image: &str, dockerfile: &str, root_names: &[String]) -> bool {
    let short = image_short_name(image);
    if short.is_empty() || short.contains('$') {
        return false;
    }
    let file = dockerfile.rsplit('/').next().unwrap_or(dockerfile);
    let lower = file.to_ascii_lowercase();
    let stem = lower
        .strip_suffix(".dockerfile")
        .or_else(|| lower.strip_prefix("dockerfile."))
        .or_else(|| lower.strip_prefix("containerfile."));
    if stem == Some(short.as_str()) {
        return true;
    }
    let dir = parent_dir(dockerfile);
    if dir.is_empty() {
        return root_names.iter().any(|n| n.eq_ignore_ascii_case(&short));
    }
    // Any directory on the way counts: `src/cartservice/src/Dockerfile` builds `cartservice`.
    dir.split('/').any(|d| d.eq_ignore_ascii_case(&short))
}

/// The names the project at the root goes by, for images built from a root Dockerfile:
/// the directory's name and the name its manifest gives it (`go.mod` module, `package.json`,
/// `Cargo.toml` or `pyproject.toml` name), since a checkout may be named otherwise.
#[must_use]
pub fn root_names(ws: &crate::collect::Workspace) -> Arc<Vec<String>> {
    ws.memo(0x0007_2007, || {
        let mut names: Vec<String> = ws
            .root()
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .into_iter()
            .collect();
        let text = |rel: &str| ws.find(rel).and_then(|i| ws.text(i).ok());
        let mut add = |n: &str| {
            let n = n.trim().trim_matches(['"', '\'']);
            let n = n.rsplit('/').next().unwrap_or(n);
            if !n.is_empty() && !names.iter().any(|x| x.eq_ignore_ascii_case(n)) {
                names.push(n.to_owned());
            }
        };
        if let Some(m) =
            text("go.mod").and_then(|t| t.lines().find_map(|l| l.trim().strip_prefix("module ")))
        {
            // `github.com/acme/api/v2`: the name before a major-version suffix.
            let m = m.trim();
            let m = m
                .rsplit_once('/')
                .filter(|(_, last)| {
                    last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit())
                })
                .map_or(m, |(head, _)| head);
            add(m);
        }
        for (file, key) in [
            ("package.json", "\"name\""),
            ("Cargo.toml", "name"),
            ("pyproject.toml", "name"),
        ] {
            if let Some(t) = text(file)
                && let Some(line) = t.lines().find(|l| l.trim_start().starts_with(key))
                && let Some((_, v)) = line.split_once([':', '='])
            {
                add(v.trim().trim_end_matches(','));
            }
        }
        names
    })
}

/// One Kubernetes workload document.
#[derive(Debug, Clone, Copy)]
pub struct Workload<'a> {
    /// The whole document.
    pub doc: &'a Node,
    /// `kind`.
    pub kind: &'a str,
    /// `metadata.name` (empty when missing).
    pub name: &'a str,
    /// The pod spec.
    pub pod: &'a Node,
}

/// Position to report a workload at: its `metadata.name` value, else the document start.
#[must_use]
pub fn workload_pos(doc: &Node) -> Pos {
    doc.get("metadata")
        .and_then(|m| m.get("name"))
        .map_or(doc.pos, |n| n.pos)
}

fn str_of(node: Option<&Node>) -> &str {
    match node.map(|n| &n.value) {
        Some(Value::Scalar(crate::parse::yaml::Scalar::Str(s))) => s,
        _ => "",
    }
}

/// The workload view of a document whose `kind` is one of `kinds`.
#[must_use]
pub fn workload<'a>(doc: &'a Node, kinds: &[String]) -> Option<Workload<'a>> {
    let kind = str_of(doc.get("kind"));
    if !kinds.iter().any(|k| k == kind) {
        return None;
    }
    let spec = doc.get("spec")?;
    let pod = match kind {
        "Pod" => spec,
        "CronJob" => spec
            .get("jobTemplate")?
            .get("spec")?
            .get("template")?
            .get("spec")?,
        _ => spec.get("template")?.get("spec")?,
    };
    Some(Workload {
        doc,
        kind,
        name: str_of(doc.get("metadata").and_then(|m| m.get("name"))),
        pod,
    })
}

impl<'a> Workload<'a> {
    /// The containers (and init containers when asked) that name an image; a container
    /// without `image` is a patch fragment (kustomize), not something that runs.
    #[must_use]
    pub fn containers(&self, init: bool) -> Vec<Hit<'a>> {
        let mut keys = vec!["containers"];
        if init {
            keys.push("initContainers");
        }
        let mut out = Vec::new();
        for key in keys {
            if let Some(Value::Seq(items)) = self.pod.get(key).map(|n| &n.value) {
                for (i, node) in items.iter().enumerate() {
                    if node.get("image").is_some() {
                        out.push(Hit {
                            node,
                            key: None,
                            index: Some(i),
                        });
                    }
                }
            }
        }
        out
    }
}

/// Whether a YAML file is a Helm template (Go templates make it invalid YAML).
#[must_use]
pub fn is_helm_template(rel: &str, text: &str) -> bool {
    (rel.starts_with("templates/") || rel.contains("/templates/")) && text.contains("{{")
}

/// Whether the text plausibly holds a Kubernetes object (cheap test before parsing).
#[must_use]
pub fn looks_like_k8s(text: &str) -> bool {
    text.contains("apiVersion") && text.contains("kind")
}

/// Kubernetes manifests among `files`: parsed documents per file, and the Helm templates
/// that were left out. Files without `apiVersion`/`kind` are not parsed at all.
pub fn k8s_documents(cx: &mut CheckCx<'_>, files: &[usize]) -> (Vec<FileDocs>, Vec<String>) {
    k8s_documents_with(cx, files, true)
}

/// Like [`k8s_documents`]; with `strict: false` unparsable files are silently left out.
pub fn k8s_documents_with(
    cx: &mut CheckCx<'_>,
    files: &[usize],
    strict: bool,
) -> (Vec<FileDocs>, Vec<String>) {
    let ws = cx.workspace();
    let mut docs = Vec::new();
    let mut helm = Vec::new();
    for &i in files {
        let rel = ws.file(i).rel.clone();
        let Ok(text) = ws.text(i) else { continue };
        if is_helm_template(&rel, text) {
            helm.push(rel);
            continue;
        }
        if !looks_like_k8s(text) {
            continue;
        }
        let parsed = if strict { cx.yaml(i) } else { ws.yaml(i).ok() };
        if let Some(d) = parsed {
            docs.push((rel, d));
        }
    }
    (docs, helm)
}

/// Whether two nodes hold the same value (positions ignored).
#[must_use]
pub fn same_value(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Null, Value::Null) => true,
        (Value::Scalar(x), Value::Scalar(y)) => x == y,
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.iter()
                        .find(|(k2, _)| k2.name == k.name)
                        .is_some_and(|(_, v2)| same_value(v, v2))
                })
        }
        _ => false,
    }
}

/// Tag and digest problems of an image reference; `None` when pinned.
#[must_use]
pub fn image_pin_problem(image: &str, floating: &[String], require_digest: bool) -> Option<String> {
    let (_, digest) = super::dockerfile_base_image::split_image(image);
    if require_digest {
        return digest
            .is_none()
            .then(|| "is not pinned by digest".to_owned());
    }
    tag_problem(image, floating)
}

/// Images of an operating system: their tags name OS releases (`debian:bookworm-slim`,
/// `ubuntu:24.04`), so a release codename pins them.
const OS_IMAGES: &[&str] = &[
    "debian",
    "ubuntu",
    "alpine",
    "busybox",
    "fedora",
    "centos",
    "rockylinux",
    "almalinux",
    "amazonlinux",
    "oraclelinux",
    "archlinux",
    "leap",
    "tumbleweed",
    "photon",
    "ubi",
    "ubi8",
    "ubi9",
    "ubi10",
    "ubi-minimal",
    "ubi-micro",
    "clearlinux",
    "mageia",
    "kalilinux",
];

/// Tags of OS images that follow a moving release.
const ROLLING_OS_TAGS: &[&str] = &[
    "sid",
    "unstable",
    "testing",
    "rolling",
    "edge",
    "rawhide",
    "tumbleweed",
    "devel",
];

/// Whether one `-`-separated part of a tag only names an OS or its variant.
fn distro_token(t: &str) -> bool {
    const NAMES: &[&str] = &[
        "alpine",
        "slim",
        "bookworm",
        "bullseye",
        "buster",
        "stretch",
        "jessie",
        "trixie",
        "forky",
        "sid",
        "jammy",
        "noble",
        "focal",
        "bionic",
        "xenial",
        "oracular",
        "plucky",
        "windowsservercore",
        "nanoserver",
        "ltsc2019",
        "ltsc2022",
        "ltsc2025",
        "ubi",
        "ubi8",
        "ubi9",
        "minimal",
        "noble-slim",
        "jammy-slim",
        "chainguard",
        "wolfi",
        "distroless",
        "musl",
        "glibc",
        "debian",
        "ubuntu",
    ];
    NAMES.contains(&t)
        || t.strip_prefix("alpine")
            .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// What is wrong with an image reference's tag, if anything: no tag, a floating tag, a
/// rolling OS release, or a tag that names only the OS (`golang:alpine`, `node:trixie`,
/// `python:slim-bookworm`): that pins the distribution, not the runtime. A digest pins all.
#[must_use]
pub fn tag_problem(image: &str, floating: &[String]) -> Option<String> {
    let (tag, digest) = super::dockerfile_base_image::split_image(image);
    if digest.is_some() {
        return None;
    }
    let Some(tag) = tag.filter(|t| !t.is_empty()) else {
        return Some("has no tag (means `latest`)".to_owned());
    };
    let t = tag.to_ascii_lowercase();
    if floating.iter().any(|f| f.eq_ignore_ascii_case(&t)) {
        return Some(format!("uses the floating tag `{tag}`"));
    }
    let repo = image_short_name(image);
    if OS_IMAGES.contains(&repo.as_str()) {
        return t
            .split('-')
            .any(|p| ROLLING_OS_TAGS.contains(&p))
            .then(|| format!("follows the rolling release `{tag}`"));
    }
    // `lts-alpine`, `current-slim`: a floating word and OS variants name no version either.
    let floating_word = |p: &str| floating.iter().any(|f| f.eq_ignore_ascii_case(p));
    if t.split('-').all(|p| distro_token(p) || floating_word(p)) {
        return Some(format!(
            "uses the tag `{tag}`, which names only the OS: `{repo}` itself floats"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_that_name_only_the_os_float() {
        let f: Vec<String> = vec!["latest".into(), "lts".into()];
        for floating in [
            "golang:trixie",
            "golang:alpine3.23",
            "node:alpine",
            "python:slim-bookworm",
            "rabbitmq:alpine",
            "debian:sid-slim",
            "eclipse-temurin:jammy",
            "node:lts-alpine",
            "nginx",
            "redis:latest",
        ] {
            assert!(tag_problem(floating, &f).is_some(), "{floating}");
        }
        for pinned in [
            "golang:1.23-alpine3.20",
            "node:22.11.0-alpine",
            "python:3.12-slim-bookworm",
            "debian:bookworm-slim",
            "ubuntu:noble",
            "alpine:3.20",
            "postgres:16.3-alpine",
            "ghcr.io/acme/api:1.2.3",
            "nginx@sha256:0123",
        ] {
            assert_eq!(tag_problem(pinned, &f), None, "{pinned}");
        }
    }

    #[test]
    fn docker_build_commands_name_their_dockerfile_and_context() {
        assert_eq!(
            docker_build_commands("\tdocker build -t acme/api:$(V) -f docker/api.Dockerfile .\n"),
            vec![(Some("docker/api.Dockerfile".to_owned()), ".".to_owned())]
        );
        assert_eq!(
            docker_build_commands(
                "run: docker buildx build --platform linux/amd64 --push services/web"
            ),
            vec![(None, "services/web".to_owned())]
        );
        assert!(docker_build_commands("docker build -f $DF $CTX").is_empty());
        assert!(docker_build_commands("docker compose build").is_empty());
        let wf = "jobs:\n  b:\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          file: deploy/Dockerfile\n";
        assert_eq!(
            build_push_steps(wf),
            vec![(Some("deploy/Dockerfile".to_owned()), ".".to_owned())]
        );
    }

    #[test]
    fn paths_join_and_normalize() {
        assert_eq!(
            join_rel("app", "./api/Dockerfile").as_deref(),
            Some("app/api/Dockerfile")
        );
        assert_eq!(
            join_rel("deploy", "../Dockerfile").as_deref(),
            Some("Dockerfile")
        );
        assert_eq!(join_rel("", "../x"), None);
    }

    #[test]
    fn images_correspond_to_dockerfiles() {
        assert!(image_matches_dockerfile(
            "gcr.io/x/frontend:v1",
            "src/frontend/Dockerfile",
            &["repo".to_owned()]
        ));
        assert!(image_matches_dockerfile(
            "api",
            "docker/api.Dockerfile",
            &["repo".to_owned()]
        ));
        assert!(image_matches_dockerfile(
            "acme/worker@sha256:00",
            "Dockerfile.worker",
            &["repo".to_owned()]
        ));
        assert!(image_matches_dockerfile(
            "acme/shop:1",
            "Dockerfile",
            &["shop".to_owned()]
        ));
        assert!(image_matches_dockerfile(
            "acme/shop:1",
            "Dockerfile",
            &["acme__shop".to_owned(), "shop".to_owned()]
        ));
        assert!(!image_matches_dockerfile(
            "postgres:16",
            "Dockerfile",
            &["shop".to_owned()]
        ));
    }

    #[test]
    fn pin_problems() {
        let f = vec!["latest".to_owned()];
        assert!(image_pin_problem("redis", &f, false).is_some());
        assert!(image_pin_problem("redis:latest", &f, false).is_some());
        assert!(image_pin_problem("rustlang/rust:latest-rust-1.80.1", &f, false).is_none());
        assert!(image_pin_problem("localhost:5000/api", &f, false).is_some());
        assert!(image_pin_problem("redis:7.2", &f, true).is_some());
    }

    #[test]
    fn env_files_parse_like_compose() {
        let env = parse_env("# c\nexport A=1\nB=\"two words\"\nC='x'\nD=\n");
        assert_eq!(env[0], ("A".to_owned(), Some("1".to_owned())));
        assert_eq!(env[1].1.as_deref(), Some("two words"));
        assert_eq!(env[2].1.as_deref(), Some("x"));
        assert_eq!(env[3].1.as_deref(), Some(""));
    }
}
