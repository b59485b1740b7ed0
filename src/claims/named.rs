//! Named things are evidence of their own: the paths, routes, environment variables and
//! `key=value` settings a claim names are looked up in the audited tree, whatever rule the
//! claim maps to.

use crate::check::code_signal::route_regex;
use crate::check::env_coverage::{Lang, reads};
use regex::Regex;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::LazyLock;

/// Largest file read while looking things up.
const MAX_READ: u64 = 1 << 20;
/// Most paths indexed (a huge tree is cut, never walked forever).
const MAX_PATHS: usize = 100_000;

/// Manifests that make their directory a sub-project root (a monorepo's `apps/api/`).
const MANIFESTS: &[&str] = &[
    "package.json",
    "pyproject.toml",
    "requirements.txt",
    "go.mod",
    "Cargo.toml",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "Gemfile",
    "composer.json",
    "Dockerfile",
];

/// What the code says about a route a claim names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteLookup {
    /// A route literal for it, at `file:line`.
    Declared(String),
    /// Code was read and no route literal serves it.
    Undeclared,
    /// No code to look in (or the root page, which any application answers).
    Unknown,
}

/// The audited tree, indexed once for every claim.
#[derive(Debug, Default)]
pub struct Tree {
    /// Every file and directory, relative, `/`-separated (directories end without `/`).
    paths: BTreeSet<String>,
    /// Sub-project roots, relative (`apps/agent-api`).
    roots: Vec<String>,
    /// Code files whose routes and variable reads are understood.
    code: Vec<(String, Lang)>,
    /// Env example files (`.env.example`, `apps/x/.env.sample`) and the variables each sets.
    examples: Vec<(String, Vec<(String, String)>)>,
    /// Text of the code and config files, read once on first use.
    root: std::path::PathBuf,
}

fn read(path: &Path) -> Option<String> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let mut buf = Vec::new();
    file.take(MAX_READ).read_to_end(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// Whether a file name is an env example (`.env.example`, `.env.sample`, `env.template`).
fn is_env_example(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.starts_with(".env.") || n.starts_with("env."))
        && ["example", "sample", "template", "dist", "defaults"]
            .iter()
            .any(|w| n.contains(w))
}

/// `KEY=value` lines of an env file (commented-out assignments document a key too).
fn env_assignments(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let l = line.trim_start().trim_start_matches('#').trim_start();
        let l = l.strip_prefix("export ").unwrap_or(l);
        if let Some((k, v)) = l.split_once('=') {
            let k = k.trim();
            if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.push((k.to_owned(), v.trim().trim_matches(['"', '\'']).to_owned()));
            }
        }
    }
    out
}

impl Tree {
    /// Walks `root` (gitignore-aware, hidden files included, `.git` skipped).
    #[must_use]
    pub fn index(root: &Path) -> Tree {
        let mut tree = Tree {
            root: root.to_path_buf(),
            ..Tree::default()
        };
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        for entry in walker.flatten() {
            if tree.paths.len() >= MAX_PATHS {
                break;
            }
            let Ok(rel) = entry.path().strip_prefix(root) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if rel.is_empty() {
                continue;
            }
            let name = rel.rsplit('/').next().unwrap_or(&rel).to_owned();
            let is_file = entry.file_type().is_some_and(|t| t.is_file());
            if is_file {
                if MANIFESTS.contains(&name.as_str())
                    && let Some((dir, _)) = rel.rsplit_once('/')
                    && !tree.roots.iter().any(|r| r == dir)
                {
                    tree.roots.push(dir.to_owned());
                }
                if is_env_example(&name) {
                    let vars = read(entry.path())
                        .map(|t| env_assignments(&t))
                        .unwrap_or_default();
                    tree.examples.push((rel.clone(), vars));
                }
                if let Some(lang) = Lang::of(&rel) {
                    tree.code.push((rel.clone(), lang));
                }
            }
            tree.paths.insert(rel);
        }
        tree.roots.sort();
        tree
    }

    /// Where a named path is: itself, or under a sub-project root.
    #[must_use]
    pub fn find(&self, path: &str) -> Option<String> {
        let p = path.trim_start_matches("./").trim_end_matches('/');
        if self.paths.contains(p) {
            return Some(p.to_owned());
        }
        self.roots
            .iter()
            .map(|r| format!("{r}/{p}"))
            .find(|q| self.paths.contains(q))
    }

    /// The existing path with the same file name that shares the most trailing components
    /// with `path` (the shortest on a tie).
    #[must_use]
    pub fn closest(&self, path: &str) -> Option<String> {
        let p = path.trim_start_matches("./").trim_end_matches('/');
        let comps: Vec<&str> = p.split('/').collect();
        let name = *comps.last()?;
        self.paths
            .iter()
            .filter(|q| q.rsplit('/').next() == Some(name))
            .map(|q| {
                let shared = q
                    .split('/')
                    .rev()
                    .zip(comps.iter().rev())
                    .take_while(|(a, b)| a == *b)
                    .count();
                (std::cmp::Reverse(shared), q.len(), q.clone())
            })
            .min()
            .map(|(_, _, q)| q)
    }

    /// Where code declares a route for `route`.
    #[must_use]
    pub fn route(&self, route: &str) -> RouteLookup {
        let Some(re) = route_regex(route) else {
            return RouteLookup::Unknown;
        };
        let code: Vec<&(String, Lang)> = self
            .code
            .iter()
            .filter(|(_, l)| !matches!(l, Lang::Spring | Lang::Compose))
            .collect();
        if code.is_empty() {
            return RouteLookup::Unknown;
        }
        for (rel, _) in code {
            if let Some(text) = read(&self.root.join(rel))
                && let Some(m) = re.find(&text)
            {
                let line = text[..m.start()].matches('\n').count() + 1;
                return RouteLookup::Declared(format!("{rel}:{line}"));
            }
        }
        RouteLookup::Undeclared
    }

    /// The env example files, for messages.
    #[must_use]
    pub fn example_names(&self) -> Vec<&str> {
        self.examples.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The env example that declares `var`, if any.
    #[must_use]
    pub fn example_declaring(&self, var: &str) -> Option<&str> {
        self.examples
            .iter()
            .find(|(_, vars)| vars.iter().any(|(k, _)| k == var))
            .map(|(n, _)| n.as_str())
    }

    /// The first code file that reads `var`: `file:line`.
    #[must_use]
    pub fn code_read(&self, var: &str) -> Option<String> {
        for (rel, lang) in &self.code {
            let Some(text) = read(&self.root.join(rel)) else {
                continue;
            };
            if let Some(r) = reads(*lang, &text).into_iter().find(|r| r.var == var) {
                let line = text[..r.offset.min(text.len())].matches('\n').count() + 1;
                return Some(format!("{rel}:{line}"));
            }
        }
        None
    }

    /// A value set for `key` (any case) in an env example or code/config file:
    /// `(location, value)`.
    #[must_use]
    pub fn setting(&self, key: &str) -> Option<(String, String)> {
        for (name, vars) in &self.examples {
            if let Some((_, v)) = vars.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
                return Some((name.clone(), v.clone()));
            }
        }
        let re = Regex::new(&format!(
            r#"(?i)\b{}\b["']?\s*[:=]\s*["']?(\d+(?:\.\d+)?)\b"#,
            regex::escape(key)
        ))
        .ok()?;
        for (rel, _) in &self.code {
            let Some(text) = read(&self.root.join(rel)) else {
                continue;
            };
            if let Some(c) = re.captures(&text)
                && let (Some(all), Some(v)) = (c.get(0), c.get(1))
            {
                let line = text[..all.start()].matches('\n').count() + 1;
                return Some((format!("{rel}:{line}"), v.as_str().to_owned()));
            }
        }
        None
    }
}

static ROUTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\b(?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)\s+`?|`)(/[A-Za-z0-9_\-./{}:]*)")
        .expect("built-in regex")
});
static ENV_VAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b").expect("built-in regex"));
static SETTING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"`([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(\d+(?:\.\d+)?)`|\b([A-Za-z_][A-Za-z0-9_]*)=(\d+(?:\.\d+)?)\b")
        .expect("built-in regex")
});

/// The routes a claim names: after an HTTP method, or a code span that starts with `/`.
#[must_use]
pub fn routes_in(text: &str) -> Vec<String> {
    let mut v: Vec<String> = ROUTE
        .captures_iter(text)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str().trim_end_matches(['`', '.', ',']).to_owned())
        .filter(|r| r.len() > 1 && !r.contains("//") && r.matches('/').count() <= 6)
        .collect();
    v.dedup();
    v
}

/// Environment variable names a claim names (`MAX_POOL_SIZE`, `APP_ENV`).
#[must_use]
pub fn env_vars_in(text: &str) -> Vec<String> {
    let mut v: Vec<String> = ENV_VAR
        .find_iter(text)
        .map(|m| m.as_str().to_owned())
        .filter(|s| s.len() >= 4)
        .collect();
    let mut seen = BTreeSet::new();
    v.retain(|s| seen.insert(s.clone()));
    v
}

/// `key=number` settings a claim states (`pool_size=20`, `` `MAX_POOL_SIZE=20` ``).
#[must_use]
pub fn settings_in(text: &str) -> Vec<(String, String)> {
    SETTING
        .captures_iter(text)
        .filter_map(|c| {
            let k = c.get(1).or_else(|| c.get(3))?;
            let v = c.get(2).or_else(|| c.get(4))?;
            Some((k.as_str().to_owned(), v.as_str().to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_claims() {
        assert_eq!(
            routes_in("`GET /health/live` and `/metrics`, GET /readyz"),
            vec!["/health/live", "/metrics", "/readyz"]
        );
        assert!(routes_in("60 req/min, and/or `app/main.py`").is_empty());
        assert_eq!(
            env_vars_in("documented: APP_ENV, LOG_LEVEL, `MAX_POOL_SIZE=20` and HTTP"),
            vec!["APP_ENV", "LOG_LEVEL", "MAX_POOL_SIZE"]
        );
        assert_eq!(
            settings_in("pool (`pool_size=20`, max_overflow=10) 60 req/min"),
            vec![
                ("pool_size".to_owned(), "20".to_owned()),
                ("max_overflow".to_owned(), "10".to_owned())
            ]
        );
    }

    #[test]
    fn closest_shares_the_most_trailing_components() {
        let mut t = Tree::default();
        for p in [
            "a/x/util.py",
            "b/util.py",
            "apps/api/app/util.py",
            "apps/api/app",
        ] {
            t.paths.insert(p.to_owned());
        }
        t.roots.push("apps/api".to_owned());
        assert_eq!(
            t.find("app/util.py").as_deref(),
            Some("apps/api/app/util.py")
        );
        assert_eq!(t.find("app/nope.py"), None);
        assert_eq!(t.closest("lib/x/util.py").as_deref(), Some("a/x/util.py"));
        assert_eq!(t.closest("util.py").as_deref(), Some("b/util.py"));
        assert_eq!(t.closest("nothing.rs"), None);
    }
}
