//! `readycheck.toml`: discovery, strict parsing (unknown keys are errors with their line),
//! and merging with the command line (CLI > environment > file > defaults).

use crate::model::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Names searched at the audited root, in order.
pub const CONFIG_NAMES: &[&str] = &[
    "readycheck.toml",
    ".readycheck.toml",
    ".github/readycheck.toml",
];

/// The config file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Format version; only 1 exists.
    #[serde(default)]
    pub version: Option<u32>,
    /// Rule selection and overrides.
    #[serde(default)]
    pub rules: RulesConfig,
    /// CI gate.
    #[serde(default)]
    pub gate: GateConfig,
    /// The walk.
    #[serde(default)]
    pub scan: ScanConfig,
    /// Accepted findings, each with a reason.
    #[serde(default)]
    pub waivers: Vec<WaiverConfig>,
    /// The live service to probe.
    #[serde(default)]
    pub target: TargetConfig,
    /// Roles of paths where the conventions guess wrong.
    #[serde(default)]
    pub scope: crate::collect::scope::ScopeConfig,
    /// GitHub Actions policies.
    #[serde(default)]
    pub actions: ActionsConfig,
}

/// `[actions]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionsConfig {
    /// How `uses:` must be pinned, by `owner/repo`, `owner/*` or `*` (zizmor's
    /// `unpinned-uses` policies): `hash-pin`, `ref-pin` or `any`.
    #[serde(default)]
    pub policies: std::collections::BTreeMap<String, crate::check::action_pin::PinPolicy>,
}

/// `[target]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    /// Base URL (or several).
    #[serde(default)]
    pub url: Option<crate::check::OneOrMany<String>>,
    /// Headers sent with every probe; values may use `${VAR}`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// `public-web`, `api` or `internal`.
    #[serde(default)]
    pub profile: Option<crate::probe::Profile>,
    /// Per-request timeout in milliseconds.
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

/// `[[waivers]]`: findings of `rule` in `paths` (or at `url`) are accepted for `reason`,
/// until `expires`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverConfig {
    /// Rule id or name.
    pub rule: String,
    /// Gitignore-style globs of the files it covers (none: the whole repository).
    #[serde(default)]
    pub paths: Vec<String>,
    /// URL prefix of the live findings it covers.
    #[serde(default)]
    pub url: Option<String>,
    /// Why the finding is acceptable (required).
    pub reason: String,
    /// Last day the waiver applies (`2026-12-31`).
    #[serde(default)]
    pub expires: Option<toml::value::Datetime>,
}

/// `[rules]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Ids, prefixes, names, `category:X`, `tag:X`; empty means every stable rule.
    #[serde(default)]
    pub select: Vec<String>,
    /// Rules to leave out.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Also run preview rules.
    #[serde(default)]
    pub preview: bool,
    /// Severity per rule id or name.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Directories of user rule files, relative to the config file.
    #[serde(default)]
    pub extra_dirs: Vec<PathBuf>,
}

/// Severity threshold of the gate, or `none` (config key and `--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum FailOn {
    /// Findings never fail the gate (only `min_score` can).
    None,
    /// Info and above.
    Info,
    /// Low and above.
    Low,
    /// Medium and above.
    Medium,
    /// High and above.
    High,
    /// Critical only.
    Critical,
}

impl FailOn {
    /// The severity threshold, if any.
    #[must_use]
    pub fn severity(self) -> Option<Severity> {
        match self {
            FailOn::None => None,
            FailOn::Info => Some(Severity::Info),
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
        }
    }
}

/// `[gate]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    /// Fail on findings at or above this severity (default `high`).
    #[serde(default)]
    pub fail_on: Option<FailOn>,
    /// Fail below this score.
    #[serde(default)]
    pub min_score: Option<u8>,
    /// Inconclusive rules fail the gate.
    #[serde(default)]
    pub strict: bool,
}

/// `[scan]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    /// Gitignore-style globs to leave out of the audit (e.g. `fixtures/`).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Files larger than this many bytes are not read.
    #[serde(default)]
    pub max_file_size: Option<u64>,
}

/// A config file and where it was found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Parsed contents.
    pub config: Config,
    /// Its path, if one was loaded.
    pub path: Option<PathBuf>,
    /// Whether the file is inside the audited repository (after resolving symlinks): its
    /// contents are then the repository's, not the operator's, and carry no authority.
    pub repository: bool,
}

/// Finds the config file to use: `explicit` > `READYCHECK_CONFIG` > the names at `root`.
#[must_use]
pub fn discover(root: &Path, explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("READYCHECK_CONFIG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    CONFIG_NAMES
        .iter()
        .map(|n| root.join(n))
        .find(|p| p.is_file())
}

/// The config of an audit of `root`: none with `no_config`, else the discovered file.
pub fn load_for(root: &Path, explicit: Option<&Path>, no_config: bool) -> Result<Loaded, String> {
    if no_config {
        return Ok(Loaded::default());
    }
    let Some(path) = discover(root, explicit) else {
        return Ok(Loaded::default());
    };
    let mut loaded = load(&path)?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read config `{}`: {e}", path.display()))?;
    let root_canon = std::fs::canonicalize(root)
        .map_err(|e| format!("cannot resolve `{}`: {e}", root.display()))?;
    loaded.repository = std::fs::canonicalize(&path).is_ok_and(|p| p.starts_with(&root_canon));
    check_paths(&loaded, &text, &root_canon)?;
    Ok(loaded)
}

/// One step of a key path into a TOML document.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Line and column of the value at a key path (1:1 when it cannot be found).
fn position(text: &str, steps: &[Step<'_>]) -> (u32, u32) {
    use toml::de::{DeTable, DeValue};
    let Ok(doc) = DeTable::parse(text) else {
        return (1, 1);
    };
    let mut span = doc.span();
    let mut value: Option<&DeValue<'_>> = None;
    let mut table = Some(doc.get_ref());
    for step in steps {
        let next = match (step, value) {
            (Step::Key(k), _) => table.and_then(|t| {
                t.iter()
                    .find(|(key, _)| key.get_ref().as_ref() == *k)
                    .map(|(_, v)| v)
            }),
            (Step::Index(i), Some(DeValue::Array(a))) => a.get(*i),
            _ => None,
        };
        let Some(next) = next else { break };
        span = next.span();
        value = Some(next.get_ref());
        table = match next.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => None,
        };
    }
    crate::textpos::position_of(text, span.start)
}

/// Resolves `rel` against `base` the way the file system will: `..` and symlinks
/// (every existing prefix is canonicalised), the rest lexically.
fn resolve_path(base: &Path, rel: &Path) -> PathBuf {
    use std::path::Component;
    let mut cur = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
    for c in rel.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => cur = PathBuf::from("/"),
            Component::CurDir => {}
            Component::ParentDir => {
                cur.pop();
            }
            Component::Normal(part) => {
                cur.push(part);
                if let Ok(real) = std::fs::canonicalize(&cur) {
                    cur = real;
                }
            }
        }
    }
    cur
}

/// The part of a gitignore-style glob before its first wildcard, as a path from the root.
fn literal_prefix(glob: &str) -> (PathBuf, bool) {
    let mut prefix = PathBuf::new();
    let mut dotdot = false;
    for seg in glob.trim_start_matches('/').split('/') {
        if seg == ".." {
            dotdot = true;
        }
        if seg.contains(['*', '?', '[', '{', '\\']) {
            break;
        }
        prefix.push(seg);
    }
    (prefix, dotdot)
}

/// Every path of a repository's config must stay inside the audited root after `..` and
/// symlinks are resolved: `rules.extra_dirs` (of a config inside the repository: the
/// operator's own config may point anywhere), waiver `paths` and `[scope]` globs.
fn check_paths(loaded: &Loaded, text: &str, root: &Path) -> Result<(), String> {
    let Some(file) = loaded.path.as_deref() else {
        return Ok(());
    };
    let name = file.display().to_string();
    let cfg = &loaded.config;
    let mut errors = Vec::new();
    let outside = |what: String, value: &str, steps: &[Step<'_>], resolved: &Path| {
        let (line, col) = position(text, steps);
        format!(
            "invalid config {name}:{line}:{col}: {what} `{value}` resolves to `{}`, outside the audited repository `{}`; paths in a repository's config must stay inside it",
            resolved.display(),
            root.display()
        )
    };
    if loaded.repository {
        let base = file.parent().unwrap_or(Path::new("."));
        for (i, dir) in cfg.rules.extra_dirs.iter().enumerate() {
            let resolved = resolve_path(base, dir);
            if !resolved.starts_with(root) {
                errors.push(outside(
                    "`rules.extra_dirs`".to_owned(),
                    &dir.display().to_string(),
                    &[Step::Key("rules"), Step::Key("extra_dirs"), Step::Index(i)],
                    &resolved,
                ));
            }
        }
    }
    let mut globs: Vec<(String, &str, Vec<Step<'_>>)> = Vec::new();
    for (i, w) in cfg.waivers.iter().enumerate() {
        for (j, p) in w.paths.iter().enumerate() {
            globs.push((
                format!("`waivers[{i}].paths`"),
                p,
                vec![
                    Step::Key("waivers"),
                    Step::Index(i),
                    Step::Key("paths"),
                    Step::Index(j),
                ],
            ));
        }
    }
    for (role, list) in cfg.scope.lists() {
        for (j, g) in list.iter().enumerate() {
            globs.push((
                format!("`scope.{role}`"),
                g,
                vec![Step::Key("scope"), Step::Key(role), Step::Index(j)],
            ));
        }
    }
    for (what, glob, steps) in globs {
        let (prefix, dotdot) = literal_prefix(glob);
        let resolved = resolve_path(root, &prefix);
        if dotdot || !resolved.starts_with(root) {
            errors.push(outside(what, glob, &steps, &resolved));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// Reads and validates a config file. Errors name the file, line and column.
pub fn load(path: &Path) -> Result<Loaded, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read config `{}`: {e}", path.display()))?;
    let config = parse(&text, &path.display().to_string())?;
    Ok(Loaded {
        config,
        path: Some(path.to_path_buf()),
        repository: false,
    })
}

/// Parses and validates config text; `name` is used in error messages.
pub fn parse(text: &str, name: &str) -> Result<Config, String> {
    let config: Config = toml::from_str(text).map_err(|e| {
        let (line, col) = e
            .span()
            .map_or((1, 1), |s| crate::textpos::position_of(text, s.start));
        format!("invalid config {name}:{line}:{col}: {}", e.message())
    })?;
    if let Some(v) = config.version
        && v != 1
    {
        return Err(format!(
            "invalid config {name}: `version = {v}` is not supported (only 1)"
        ));
    }
    for key in config.actions.policies.keys() {
        let mut parts = key.split('/');
        let well_formed = key == "*"
            || (parts.next().is_some_and(|o| !o.is_empty() && o != "*")
                && parts.next().is_some_and(|r| !r.is_empty())
                && parts.next().is_none());
        if !well_formed {
            return Err(format!(
                "invalid config {name}: `actions.policies` key `{key}` is not `owner/repo`, `owner/*` or `*`"
            ));
        }
    }
    if let Some(s) = config.gate.min_score
        && s > 100
    {
        return Err(format!(
            "invalid config {name}: `gate.min_score = {s}` is over 100"
        ));
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::{Step, literal_prefix, position, resolve_path};
    use std::path::{Path, PathBuf};

    #[test]
    fn glob_prefixes() {
        assert_eq!(
            literal_prefix("/contrib/deploy/"),
            (PathBuf::from("contrib/deploy"), false)
        );
        assert_eq!(literal_prefix("src/**/*.py"), (PathBuf::from("src"), false));
        assert_eq!(literal_prefix("**/x"), (PathBuf::new(), false));
        assert!(literal_prefix("a/../../etc").1);
    }

    #[test]
    fn paths_resolve_dotdot_and_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(root.join("a")).unwrap();
        assert_eq!(resolve_path(&root, Path::new("a/../b")), root.join("b"));
        assert!(!resolve_path(&root, Path::new("../x")).starts_with(&root));
        let out = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(out.path(), root.join("link")).unwrap();
        assert!(!resolve_path(&root, Path::new("link/rules")).starts_with(&root));
    }

    #[test]
    fn positions_of_nested_values() {
        let text = "version = 1\n[rules]\nextra_dirs = [\"a\", \"../b\"]\n\n[[waivers]]\nrule = \"X\"\n\n[[waivers]]\npaths = [\"p\"]\n";
        let at = |steps: &[Step<'_>]| position(text, steps);
        assert_eq!(
            at(&[Step::Key("rules"), Step::Key("extra_dirs"), Step::Index(1)]),
            (3, 20)
        );
        assert_eq!(
            at(&[
                Step::Key("waivers"),
                Step::Index(1),
                Step::Key("paths"),
                Step::Index(0)
            ]),
            (9, 10)
        );
    }
}
