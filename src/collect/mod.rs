//! Walks the audited repository once and serves file contents and parsed documents to the
//! check kinds: each file is read at most once and parsed at most once, on first use.

pub mod scope;
pub mod select;

use crate::parse::dockerfile::{Dockerfile, DockerfileError};
use crate::parse::yaml::{Node, YamlError};
use ignore::WalkBuilder;
use scope::{AttributesFile, Because, Role, Scope, ScopeConfig};
use select::{SelectorId, Selectors};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Directories that never hold code or config we audit; skipped by name.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "bower_components",
    "vendor",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".terraform",
    ".gradle",
    ".next",
    ".nuxt",
    ".cache",
    "site-packages",
];

/// Default cap on the size of a file we read.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 * 1024 * 1024;

/// One regular file found by the walk.
#[derive(Debug, Clone)]
pub struct FileEntry {
    /// Path relative to the root, `/`-separated.
    pub rel: String,
    /// Path to open when it is not `root/rel` (a name that is not valid UTF-8, whose `rel`
    /// is lossy); kept only then, since 50 000 paths cost megabytes.
    pub abs: Option<PathBuf>,
}

/// Why a file's contents are not available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    /// Contains NUL bytes.
    Binary,
    /// Larger than the size cap.
    TooLarge {
        /// Its size.
        size: u64,
        /// The cap.
        cap: u64,
    },
    /// Could not be read.
    Unreadable(String),
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileProblem::Binary => f.write_str("binary content"),
            FileProblem::TooLarge { size, cap } => {
                write!(
                    f,
                    "{} is over the {} size cap",
                    human_size(*size),
                    human_size(*cap)
                )
            }
            FileProblem::Unreadable(e) => write!(f, "unreadable: {e}"),
        }
    }
}

/// Formats a byte count for messages.
#[must_use]
pub fn human_size(n: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let f = n as f64;
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", f / (1024.0 * 1024.0))
    } else if n >= 1024 {
        format!("{:.1} KiB", f / 1024.0)
    } else {
        format!("{n} B")
    }
}

/// A path the audit did not look into, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct SkippedPath {
    /// Relative path.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// Options of the walk.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Gitignore-style globs to leave out.
    pub exclude: Vec<String>,
    /// Files larger than this are not read.
    pub max_file_size: u64,
    /// Walker threads (0: one per core).
    pub threads: usize,
    /// `[scope]` of the config: roles given to paths by the user.
    pub scope: ScopeConfig,
    /// `[actions] policies` of the config: how GitHub Actions must be pinned, by owner.
    pub action_policies: std::collections::BTreeMap<String, crate::check::action_pin::PinPolicy>,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            exclude: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            threads: 0,
            scope: ScopeConfig::default(),
            action_policies: std::collections::BTreeMap::new(),
        }
    }
}

/// The parent directory of a relative path (`""` at the root).
#[must_use]
pub fn parent(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

/// The audited repository: its file index and lazily filled caches.
pub struct Workspace {
    root: PathBuf,
    files: Vec<FileEntry>,
    /// The role of each file.
    roles: Vec<Role>,
    /// Roles given by content where the path gave none (`set_aside_test_harnesses`).
    content_roles: std::collections::BTreeMap<usize, Because>,
    scope: Scope,
    selections: Vec<Vec<usize>>,
    /// Per selector: files its globs match whose role it does not judge.
    set_aside: Vec<Vec<usize>>,
    /// Whether more than one reader selects a file (then its text is cached).
    shared: Vec<bool>,
    selectors: Arc<Selectors>,
    texts: Vec<OnceLock<Result<String, FileProblem>>>,
    yaml: Vec<OnceLock<Result<Arc<Vec<Node>>, YamlError>>>,
    dockerfiles: Vec<OnceLock<Result<Arc<Dockerfile>, DockerfileError>>>,
    walk_skipped: Vec<SkippedPath>,
    max_file_size: u64,
    /// Models derived from many files (e.g. Compose projects), built once per audit.
    memo: Memo,
    action_policies: std::collections::BTreeMap<String, crate::check::action_pin::PinPolicy>,
}

/// A type-keyed store of derived models shared by every rule of one audit.
type Memo = std::sync::Mutex<
    std::collections::HashMap<
        (std::any::TypeId, u64),
        Arc<OnceLock<Arc<dyn std::any::Any + Send + Sync>>>,
    >,
>;

impl fmt::Debug for Workspace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Workspace")
            .field("root", &self.root)
            .field("files", &self.files.len())
            .finish()
    }
}

/// An error that stops the audit before it starts.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    /// The root is missing or not a directory.
    #[error("cannot audit `{path}`: {reason}")]
    Root {
        /// The root as given.
        path: String,
        /// Why.
        reason: String,
    },
    /// An exclude glob is invalid.
    #[error("invalid exclude pattern: {0}")]
    Exclude(String),
    /// A `[scope]` glob is invalid.
    #[error("invalid config: {0}")]
    Scope(String),
}

fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut out = String::new();
    for (i, c) in rel.components().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&c.as_os_str().to_string_lossy());
    }
    out
}

impl Workspace {
    /// Walks `root` once and classifies every file against `selectors`.
    pub fn scan(
        root: &Path,
        selectors: Arc<Selectors>,
        options: &WalkOptions,
    ) -> Result<Workspace, WalkError> {
        let meta = std::fs::metadata(root).map_err(|e| WalkError::Root {
            path: root.display().to_string(),
            reason: e.kind().to_string(),
        })?;
        if !meta.is_dir() {
            return Err(WalkError::Root {
                path: root.display().to_string(),
                reason: "not a directory".to_owned(),
            });
        }
        std::fs::read_dir(root).map_err(|e| WalkError::Root {
            path: root.display().to_string(),
            reason: e.kind().to_string(),
        })?;
        let mut overrides = ignore::overrides::OverrideBuilder::new(root);
        for pattern in &options.exclude {
            overrides
                .add(&format!("!{pattern}"))
                .map_err(|e| WalkError::Exclude(e.to_string()))?;
        }
        let overrides = overrides
            .build()
            .map_err(|e| WalkError::Exclude(e.to_string()))?;
        let excluded = overrides.clone();

        let mut builder = WalkBuilder::new(root);
        // `ignore` skips dotfiles by default, but `.github/`, `.dockerignore` and
        // `.env.example` are exactly what several rules inspect.
        builder
            .hidden(false)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(true)
            .require_git(false)
            .follow_links(false)
            .overrides(overrides)
            .add_custom_ignore_filename(".readycheckignore")
            .threads(options.threads)
            .filter_entry(|e| {
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                if !is_dir || e.depth() == 0 {
                    return true;
                }
                let name = e.file_name().to_string_lossy();
                // A virtualenv under any name carries `pyvenv.cfg`.
                !SKIPPED_DIRS.contains(&name.as_ref()) && !e.path().join("pyvenv.cfg").is_file()
            });

        let found: Mutex<(Vec<FileEntry>, Vec<SkippedPath>)> = Mutex::new((Vec::new(), Vec::new()));
        let root_buf = root.to_path_buf();
        let root_canon = std::fs::canonicalize(root).ok();
        builder.build_parallel().run(|| {
            let found = &found;
            let root = &root_buf;
            let root_canon = &root_canon;
            Box::new(move |entry| {
                let mut guard = found
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                match entry {
                    Ok(entry) => {
                        let Some(ft) = entry.file_type() else {
                            return ignore::WalkState::Continue;
                        };
                        if ft.is_dir() {
                            return ignore::WalkState::Continue;
                        }
                        let rel = rel_path(root, entry.path());
                        if ft.is_symlink() {
                            // A link into the tree is audited: a link to a folder there, a
                            // link to a file under its own name too (a `.dockerignore` that
                            // links to `.gitignore` is what Docker reads).
                            let target = std::fs::canonicalize(entry.path())
                                .ok()
                                .filter(|t| root_canon.as_ref().is_some_and(|r| t.starts_with(r)));
                            match target {
                                Some(t) if t.is_file() => {
                                    guard.0.push(FileEntry { rel, abs: None })
                                }
                                Some(_) => {}
                                None => guard.1.push(SkippedPath {
                                    path: rel,
                                    reason: "symbolic link, not followed".to_owned(),
                                }),
                            }
                        } else if ft.is_file() {
                            // No `stat` here: the size is learned when (if) the file is read.
                            let abs = entry.path().to_str().is_none().then(|| entry.into_path());
                            guard.0.push(FileEntry { rel, abs });
                        } else {
                            guard.1.push(SkippedPath {
                                path: rel,
                                reason: "not a regular file".to_owned(),
                            });
                        }
                    }
                    Err(err) => guard.1.push(walk_error(root, &err)),
                }
                ignore::WalkState::Continue
            })
        });
        let (mut files, mut walk_skipped) = found
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        files.extend(tracked_but_ignored(root, &excluded));
        files.sort_by(|a, b| a.rel.cmp(&b.rel));
        files.dedup_by(|a, b| a.rel == b.rel);
        walk_skipped.sort();
        walk_skipped.dedup();
        let scope = build_scope(root, &files, &options.scope)?;
        let mut ws = Workspace::from_files(
            root.to_path_buf(),
            files,
            walk_skipped,
            selectors,
            options.max_file_size,
            scope,
        );
        ws.action_policies.clone_from(&options.action_policies);
        Ok(ws)
    }

    /// A workspace with no files, for probing without a repository.
    #[must_use]
    pub fn empty(selectors: Arc<Selectors>) -> Workspace {
        Workspace::from_files(
            PathBuf::from("."),
            Vec::new(),
            Vec::new(),
            selectors,
            DEFAULT_MAX_FILE_SIZE,
            Scope::default(),
        )
    }

    fn from_files(
        root: PathBuf,
        files: Vec<FileEntry>,
        walk_skipped: Vec<SkippedPath>,
        selectors: Arc<Selectors>,
        max_file_size: u64,
        scope: Scope,
    ) -> Workspace {
        use rayon::prelude::*;
        let classes: Vec<(Role, Vec<u32>)> = files
            .par_iter()
            .map_init(Vec::new, |scratch, f| {
                (scope.role(&f.rel).0, selectors.classify(&f.rel, scratch))
            })
            .collect();
        let mut selections = vec![Vec::new(); selectors.len()];
        let mut set_aside = vec![Vec::new(); selectors.len()];
        let mut shared = Vec::with_capacity(classes.len());
        let mut roles = Vec::with_capacity(classes.len());
        for (i, (role, ids)) in classes.into_iter().enumerate() {
            roles.push(role);
            let mut readers = 0u32;
            for id in ids {
                let id = id as usize;
                if selectors.takes(id, role) {
                    readers += selectors.uses(id);
                    selections[id].push(i);
                } else {
                    set_aside[id].push(i);
                }
            }
            shared.push(readers > 1);
        }
        let n = files.len();
        let mut ws = Workspace {
            root,
            files,
            roles,
            scope,
            set_aside,
            selections,
            shared,
            selectors,
            texts: (0..n).map(|_| OnceLock::new()).collect(),
            yaml: (0..n).map(|_| OnceLock::new()).collect(),
            dockerfiles: (0..n).map(|_| OnceLock::new()).collect(),
            walk_skipped,
            max_file_size,
            memo: Memo::default(),
            action_policies: std::collections::BTreeMap::new(),
            content_roles: std::collections::BTreeMap::new(),
        };
        ws.add_compose_by_content();
        ws.set_aside_test_harnesses();
        ws
    }

    /// Puts file `i` in selector `id`'s selection or set-aside list by the file's role
    /// (both lists stay sorted; a file already there is not added twice).
    fn place(&mut self, id: usize, i: usize) {
        let list = if self.selectors.takes(id, self.roles[i]) {
            &mut self.selections[id]
        } else {
            &mut self.set_aside[id]
        };
        if let Err(at) = list.binary_search(&i) {
            list.insert(at, i);
        }
    }

    /// Files that only their content can place, moved to the test role: Compose files whose
    /// services include `sut` (the "system under test" of Docker Hub's automated tests and
    /// of CI smoke-test harnesses), and Go files compiled only with a test build tag
    /// (`//go:build e2etest`: fixtures and test services that sit in the production tree
    /// but never ship in the production binary). Only files that no convention, attribute
    /// or `[scope]` glob placed, and that some selector reads.
    fn set_aside_test_harnesses(&mut self) {
        use crate::parse::yaml::Value;
        let compose = self.unplaced(
            (0..self.selectors.len())
                .filter(|&id| self.selectors.takes_compose_content(id))
                .flat_map(|id| self.selections[id].iter().copied())
                .collect(),
        );
        for i in compose {
            let Ok(docs) = self.yaml(i) else { continue };
            let harness = docs.iter().any(|d| {
                matches!(d.get("services").map(|s| &s.value), Some(Value::Map(m)) if m.iter().any(|(k, _)| k.name == "sut"))
            });
            if harness {
                self.move_to_test(
                    i,
                    "a Compose service named `sut` (a test harness)".to_owned(),
                );
            }
        }
        let go = self.unplaced(
            (0..self.files.len())
                .filter(|&i| {
                    self.files[i].rel.ends_with(".go")
                        && self.selections.iter().any(|s| s.binary_search(&i).is_ok())
                })
                .collect(),
        );
        for i in go {
            let Ok(text) = self.text(i) else { continue };
            if let Some(tag) = go_test_build_tag(text) {
                self.move_to_test(
                    i,
                    format!("built only with the test build tag `{tag}` (`//go:build`)"),
                );
            }
        }
    }

    /// The production files among `files` (sorted, without repeats) that the path left at
    /// the default role: the ones content may still place.
    fn unplaced(&self, mut files: Vec<usize>) -> Vec<usize> {
        files.sort_unstable();
        files.dedup();
        files.retain(|&i| {
            self.roles[i] == Role::Production
                && matches!(self.scope.role(&self.files[i].rel).1, Because::Default)
        });
        files
    }

    /// Gives file `i` the test role for a reason read from its content, and re-places it
    /// in every selector that had selected it.
    fn move_to_test(&mut self, i: usize, reason: String) {
        self.roles[i] = Role::Test;
        self.content_roles.insert(i, Because::Content { reason });
        for id in 0..self.selectors.len() {
            if let Ok(at) = self.selections[id].binary_search(&i) {
                self.selections[id].remove(at);
                self.place(id, i);
            }
        }
    }

    /// How GitHub Actions must be pinned, by owner pattern, from the config.
    #[must_use]
    pub fn action_policies(
        &self,
    ) -> &std::collections::BTreeMap<String, crate::check::action_pin::PinPolicy> {
        &self.action_policies
    }

    /// Adds to the Compose selectors every other YAML file whose content is a Compose file
    /// (`contrib/docker-compose/basic.yml`, `src/main/docker/app.yml`): a path cannot tell.
    /// Only files with a top-level `services:` line are parsed; their text stays cached for
    /// the rules that read them next.
    fn add_compose_by_content(&mut self) {
        use rayon::prelude::*;
        let ids: Vec<usize> = (0..self.selectors.len())
            .filter(|&id| self.selectors.takes_compose_content(id))
            .collect();
        if ids.is_empty() {
            return;
        }
        let named = |rel: &str| {
            let name = rel.rsplit('/').next().unwrap_or(rel);
            name.starts_with("docker-compose") || name.starts_with("compose.")
        };
        let candidates: Vec<usize> = (0..self.files.len())
            .filter(|&i| {
                let rel = &self.files[i].rel;
                (rel.ends_with(".yml") || rel.ends_with(".yaml"))
                    && !named(rel)
                    && !rel.starts_with(".github/")
            })
            .collect();
        let found: Vec<usize> = candidates
            .into_par_iter()
            .filter(|&i| self.text(i).is_ok_and(is_compose_text))
            .collect();
        for i in found {
            self.shared[i] = true;
            for &id in &ids {
                self.place(id, i);
            }
        }
    }

    /// A model derived from the workspace, built once per `key` and type (rules that need
    /// the same Compose projects or build contexts share one build). The store's lock is
    /// not held while `build` runs; a rule that asks for a model another rule is building
    /// waits for it rather than building it again (three rules starting together on the
    /// same contexts would otherwise do the work three times). `build` must not use rayon:
    /// a worker waiting inside it could pick up a rule asking for the same model.
    pub fn memo<T: std::any::Any + Send + Sync>(
        &self,
        key: u64,
        build: impl FnOnce() -> T,
    ) -> Arc<T> {
        let id = (std::any::TypeId::of::<T>(), key);
        let cell = match self.memo.lock() {
            Ok(mut m) => Arc::clone(m.entry(id).or_default()),
            Err(_) => return Arc::new(build()),
        };
        let built = cell.get_or_init(|| {
            let t: Arc<dyn std::any::Any + Send + Sync> = Arc::new(build());
            t
        });
        Arc::clone(built)
            .downcast::<T>()
            .unwrap_or_else(|_| unreachable!("memo entries are keyed by their type"))
    }

    /// The audited root.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every file, sorted by path.
    #[must_use]
    pub fn files(&self) -> &[FileEntry] {
        &self.files
    }

    /// The file at an index.
    #[must_use]
    pub fn file(&self, i: usize) -> &FileEntry {
        &self.files[i]
    }

    /// Indices of the files a selector matched, in path order.
    #[must_use]
    pub fn selected(&self, id: SelectorId) -> &[usize] {
        &self.selections[id.0]
    }

    /// Indices of the files a selector's globs matched but whose role it does not judge.
    #[must_use]
    pub fn set_aside(&self, id: SelectorId) -> &[usize] {
        &self.set_aside[id.0]
    }

    /// The role of file `i`.
    #[must_use]
    pub fn role(&self, i: usize) -> Role {
        self.roles[i]
    }

    /// The role of a relative path and why (for paths of files and of directories).
    #[must_use]
    pub fn role_of(&self, rel: &str) -> (Role, Because) {
        if let Some(i) = self.find(rel)
            && let Some(because) = self.content_roles.get(&i)
        {
            return (self.roles[i], because.clone());
        }
        self.scope.role(rel)
    }

    /// Every file that some selector's globs match (whatever its role), in path order:
    /// the paths the rules would read.
    #[must_use]
    pub fn read_paths(&self) -> Vec<usize> {
        let mut hit = vec![false; self.files.len()];
        for list in self.selections.iter().chain(&self.set_aside) {
            for &i in list {
                hit[i] = true;
            }
        }
        (0..self.files.len()).filter(|&i| hit[i]).collect()
    }

    /// The globs of a selector, for messages.
    #[must_use]
    pub fn describe(&self, id: SelectorId) -> &str {
        self.selectors.describe(id)
    }

    /// The index of a file by relative path.
    #[must_use]
    pub fn find(&self, rel: &str) -> Option<usize> {
        self.files
            .binary_search_by(|f| f.rel.as_str().cmp(rel))
            .ok()
    }

    /// Whether a relative path is a file of the tree or a directory holding one.
    #[must_use]
    pub fn has_path(&self, rel: &str) -> bool {
        let rel = rel.trim_end_matches('/');
        if rel.is_empty() || self.find(rel).is_some() {
            return true;
        }
        !self.under(rel).is_empty()
    }

    /// The indices of the files below directory `dir` (`""`: every file). Paths are sorted,
    /// so the files below a directory are one contiguous range, found by two binary
    /// searches: asking what a build context holds costs `log(files)`, not `files`.
    #[must_use]
    pub fn under(&self, dir: &str) -> std::ops::Range<usize> {
        range_under(&self.files, |f| f.rel.as_str(), dir)
    }

    /// The path to open for file `i`.
    fn abs_path(&self, i: usize) -> std::borrow::Cow<'_, Path> {
        let f = &self.files[i];
        match &f.abs {
            Some(p) => std::borrow::Cow::Borrowed(p.as_path()),
            None => std::borrow::Cow::Owned(self.root.join(&f.rel)),
        }
    }

    /// The text of a file, read on first use. Invalid UTF-8 is replaced, NUL bytes mean binary.
    pub fn text(&self, i: usize) -> Result<&str, &FileProblem> {
        self.texts[i]
            .get_or_init(|| read_capped(&self.abs_path(i), self.max_file_size).and_then(decode))
            .as_deref()
            .map(|s| s.strip_prefix('\u{feff}').unwrap_or(s))
    }

    /// Runs `f` on the text of a file. A file that only one reader selects is read without
    /// being cached, so a scan of the whole tree does not keep the tree in memory; failures
    /// are always recorded so that `skipped()` reports them.
    pub fn with_text<T>(&self, i: usize, f: impl FnOnce(&str) -> T) -> Result<T, FileProblem> {
        let cell = &self.texts[i];
        if self.shared[i] || cell.get().is_some() {
            return self.text(i).map(f).map_err(Clone::clone);
        }
        match read_capped(&self.abs_path(i), self.max_file_size).and_then(decode) {
            Ok(text) => Ok(f(text.strip_prefix('\u{feff}').unwrap_or(&text))),
            Err(p) => {
                let _ = cell.set(Err(p.clone()));
                Err(p)
            }
        }
    }

    /// The YAML documents of a file, parsed on first use.
    pub fn yaml(&self, i: usize) -> Result<Arc<Vec<Node>>, Problem> {
        let text = self.text(i).map_err(|p| Problem::File(p.clone()))?;
        self.yaml[i]
            .get_or_init(|| crate::parse::yaml::parse_documents(text).map(Arc::new))
            .clone()
            .map_err(|e| Problem::Parse {
                pos: e.pos.map(|p| (p.line, p.col)),
                message: e.message,
            })
    }

    /// The Dockerfile model of a file, parsed on first use.
    pub fn dockerfile(&self, i: usize) -> Result<Arc<Dockerfile>, Problem> {
        let text = self.text(i).map_err(|p| Problem::File(p.clone()))?;
        self.dockerfiles[i]
            .get_or_init(|| Dockerfile::parse(text).map(Arc::new))
            .clone()
            .map_err(|e| Problem::Parse {
                pos: e.pos.map(|p| (p.line, p.col)),
                message: e.message,
            })
    }

    /// Every path the audit could not look into: walk errors, links, special files, and
    /// files whose contents were needed but were binary, too large or unreadable.
    #[must_use]
    pub fn skipped(&self) -> Vec<SkippedPath> {
        let mut out = self.walk_skipped.clone();
        for (i, cell) in self.texts.iter().enumerate() {
            if let Some(Err(p)) = cell.get() {
                out.push(SkippedPath {
                    path: self.files[i].rel.clone(),
                    reason: p.to_string(),
                });
            }
        }
        out.sort();
        out
    }
}

/// The range of `sorted` (sorted by `key`) whose keys lie below directory `dir`: those that
/// start with `dir/` (every item when `dir` is empty). Two binary searches; `key` is called
/// O(log n) times, which the tests count.
pub fn range_under<T>(sorted: &[T], key: impl Fn(&T) -> &str, dir: &str) -> std::ops::Range<usize> {
    let dir = dir.trim_end_matches('/');
    if dir.is_empty() {
        return 0..sorted.len();
    }
    let prefix = format!("{dir}/");
    let start = sorted.partition_point(|f| key(f) < prefix.as_str());
    // Every key with the prefix sorts before any key after it that lacks it.
    let len = sorted[start..].partition_point(|f| key(f).starts_with(&prefix));
    start..start + len
}

/// Whether a YAML text is a Compose file: a top-level `services:` mapping whose entries are
/// services (an `image:` name or a `build:`), and no Kubernetes or workflow keys.
#[must_use]
pub fn is_compose_text(text: &str) -> bool {
    use crate::parse::yaml::Value;
    if !text.lines().any(|l| l.trim_end() == "services:") {
        return false;
    }
    let Ok(docs) = crate::parse::yaml::parse_documents(text) else {
        return false;
    };
    docs.iter().any(|doc| {
        if ["apiVersion", "kind", "jobs", "stages"]
            .iter()
            .any(|k| doc.get(k).is_some())
        {
            return false;
        }
        let Some(Value::Map(services)) = doc.get("services").map(|s| &s.value) else {
            return false;
        };
        services.iter().any(|(_, svc)| {
            svc.get("build").is_some()
                || svc
                    .get("image")
                    .is_some_and(|i| matches!(i.value, Value::Scalar(_)))
        })
    })
}

/// Files that git tracks although an ignore file matches them: the walk honours
/// `.gitignore`, but ignore rules never apply to tracked files (git's own semantics), and a
/// committed `.env` listed in `.gitignore` is exactly what must not be missed. Needs `git`
/// on the `PATH` and a work tree; without them nothing is added.
fn tracked_but_ignored(root: &Path, excluded: &ignore::overrides::Override) -> Vec<FileEntry> {
    let Ok(out) = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--ignored",
            "--exclude-standard",
        ])
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
    else {
        return Vec::new();
    };
    if !out.status.success() {
        return Vec::new();
    }
    let custom = {
        let mut b = ignore::gitignore::GitignoreBuilder::new(root);
        b.add(root.join(".readycheckignore"));
        b.build().ok()
    };
    out.stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .filter_map(|p| std::str::from_utf8(p).ok())
        .filter(|rel| !rel.split('/').any(|seg| SKIPPED_DIRS.contains(&seg)))
        .filter(|rel| {
            let path = root.join(rel);
            std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file())
                && !excluded.matched(&path, false).is_ignore()
                && !custom
                    .as_ref()
                    .is_some_and(|c| c.matched_path_or_any_parents(rel, false).is_ignore())
        })
        .map(|rel| FileEntry {
            rel: rel.to_owned(),
            abs: None,
        })
        .collect()
}

/// The scope of a tree: its `.gitattributes` files (read here, once; they are tiny) and the
/// `[scope]` of the config.
fn build_scope(root: &Path, files: &[FileEntry], config: &ScopeConfig) -> Result<Scope, WalkError> {
    let texts: Vec<(String, String)> = files
        .iter()
        .filter(|f| f.rel == ".gitattributes" || f.rel.ends_with("/.gitattributes"))
        .filter_map(|f| {
            let bytes = read_capped(&root.join(&f.rel), 1024 * 1024).ok()?;
            Some((f.rel.clone(), String::from_utf8_lossy(&bytes).into_owned()))
        })
        .collect();
    let attrs: Vec<AttributesFile<'_>> = texts
        .iter()
        .map(|(rel, text)| AttributesFile { rel, text })
        .collect();
    Scope::new(&attrs, config).map_err(WalkError::Scope)
}

/// Text from bytes: NUL bytes in the first 8 KiB mean binary; invalid UTF-8 is replaced.
fn decode(bytes: Vec<u8>) -> Result<String, FileProblem> {
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(FileProblem::Binary);
    }
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Reads a file, refusing (without reading them) files larger than `cap` bytes.
fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, FileProblem> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| FileProblem::Unreadable(e.kind().to_string());
    let file = std::fs::File::open(path).map_err(unreadable)?;
    // Sized from the open file's length: growing by doubling would leave up to half of
    // every cached text unused (tens of MB over a large tree). The length is only a hint
    // (special files report 0, files change), so the read is still capped.
    let hint = file.metadata().map_or(0, |m| m.len());
    if hint > cap {
        return Err(FileProblem::TooLarge { size: hint, cap });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0).saturating_add(1));
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > cap {
        // The file grew after its length was read (or reports none): measure it again.
        let size = std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        return Err(FileProblem::TooLarge { size, cap });
    }
    Ok(bytes)
}

/// Why a document could not be examined.
#[derive(Debug, Clone)]
pub enum Problem {
    /// The file's contents are not available.
    File(FileProblem),
    /// The contents did not parse.
    Parse {
        /// Line and column, when known.
        pos: Option<(u32, u32)>,
        /// The parser's message.
        message: String,
    },
}

impl Problem {
    /// Describes the problem for a file, e.g. `Dockerfile:3:1: unknown instruction`.
    #[must_use]
    pub fn describe(&self, rel: &str) -> String {
        match self {
            Problem::File(p) => format!("`{rel}` was not read ({p})"),
            Problem::Parse {
                pos: Some((l, c)),
                message,
            } => format!("`{rel}:{l}:{c}` does not parse: {message}"),
            Problem::Parse { pos: None, message } => format!("`{rel}` does not parse: {message}"),
        }
    }
}

fn walk_error(root: &Path, err: &ignore::Error) -> SkippedPath {
    fn find(err: &ignore::Error) -> (Option<&Path>, String) {
        match err {
            ignore::Error::WithPath { path, err } => (Some(path.as_path()), find(err).1),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                find(err)
            }
            ignore::Error::Loop { child, .. } => {
                (Some(child.as_path()), "symbolic link loop".to_owned())
            }
            ignore::Error::Io(e) => (None, e.kind().to_string()),
            other => (None, other.to_string()),
        }
    }
    let (path, reason) = find(err);
    SkippedPath {
        path: path.map_or_else(|| ".".to_owned(), |p| rel_path(root, p)),
        reason,
    }
}

/// The test tag that a Go file's build constraint requires (`//go:build e2etest`,
/// `//go:build integration && linux`, `// +build e2e`), if any. Only the header before the
/// `package` clause is read; a negated tag (`!e2e`) builds the file without it.
fn go_test_build_tag(text: &str) -> Option<String> {
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("package ") {
            return None;
        }
        let expr = t
            .strip_prefix("//go:build ")
            .or_else(|| t.strip_prefix("// +build "));
        let Some(expr) = expr else { continue };
        let tag = expr
            .split(|c: char| c.is_whitespace() || "&|(),".contains(c))
            .filter(|w| !w.is_empty() && !w.starts_with('!'))
            .find(|w| {
                let w = w.to_ascii_lowercase();
                w.contains("test")
                    || w.starts_with("e2e")
                    || w.starts_with("integration")
                    || w == "mock"
                    || w == "mocks"
            });
        if let Some(tag) = tag {
            return Some(tag.to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn go_test_build_tags() {
        use super::go_test_build_tag as t;
        assert_eq!(
            t("//go:build e2etest\n\npackage service\n").as_deref(),
            Some("e2etest")
        );
        assert_eq!(
            t("// Copyright\n//go:build linux && integration\npackage x\n").as_deref(),
            Some("integration")
        );
        assert_eq!(t("// +build e2e\n\npackage x\n").as_deref(), Some("e2e"));
        assert_eq!(t("//go:build !e2etest\npackage x\n"), None);
        assert_eq!(t("//go:build linux\npackage x\n"), None);
        assert_eq!(t("package x\n//go:build e2e\n"), None);
    }

    use super::*;
    use crate::collect::select::SelectorRegistry;

    fn workspace(
        files: &[(&str, &[u8])],
        readers: usize,
    ) -> (tempfile::TempDir, Workspace, SelectorId) {
        let dir = tempfile::tempdir().unwrap();
        for (p, c) in files {
            std::fs::write(dir.path().join(p), c).unwrap();
        }
        let mut reg = SelectorRegistry::default();
        let mut id = None;
        for _ in 0..readers {
            id = Some(
                reg.register(&["*.txt".into()], &[], false, scope::RoleSet::ALL)
                    .unwrap(),
            );
        }
        let ws = Workspace::scan(
            dir.path(),
            Arc::new(reg.build().unwrap()),
            &WalkOptions::default(),
        )
        .unwrap();
        (dir, ws, id.unwrap())
    }

    #[test]
    fn single_reader_files_are_not_cached_but_failures_are_recorded() {
        let (_d, ws, sel) = workspace(&[("a.txt", b"hello"), ("b.txt", b"\0bin")], 1);
        let files = ws.selected(sel).to_vec();
        assert_eq!(ws.with_text(files[0], str::len), Ok(5));
        assert!(
            ws.texts[files[0]].get().is_none(),
            "text of a single-reader file was cached"
        );
        assert_eq!(ws.with_text(files[1], str::len), Err(FileProblem::Binary));
        assert_eq!(
            ws.skipped(),
            vec![SkippedPath {
                path: "b.txt".into(),
                reason: "binary content".into()
            }]
        );
    }

    #[test]
    fn shared_files_are_read_once_and_cached() {
        let (_d, ws, sel) = workspace(&[("a.txt", b"hello")], 2);
        let i = ws.selected(sel)[0];
        assert_eq!(ws.with_text(i, str::len), Ok(5));
        assert!(ws.texts[i].get().is_some());
        assert_eq!(ws.text(i), Ok("hello"));
    }

    #[test]
    fn oversized_files_are_refused_with_their_size() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("big.txt"), vec![b'a'; 5000]).unwrap();
        assert_eq!(
            read_capped(&dir.path().join("big.txt"), 1000),
            Err(FileProblem::TooLarge {
                size: 5000,
                cap: 1000
            })
        );
        assert_eq!(
            read_capped(&dir.path().join("big.txt"), 5000).map(|b| b.len()),
            Ok(5000)
        );
    }
}
