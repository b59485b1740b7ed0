//! `companion_file`: a file that needs another next to it (a manifest and its lockfile:
//! `package.json` and `package-lock.json`, `go.mod` and `go.sum`, `Cargo.toml` and
//! `Cargo.lock`). Each matching manifest is a subject; its directory, or with `search_up`
//! any ancestor up to the root (workspaces, monorepos), must hold one of the companions.

use super::render;
use super::{Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError, regex_param};
use crate::check::LazyRegex;
use crate::collect::Workspace;
use crate::collect::select::SelectorId;
use crate::finding::Finding;
use serde::Deserialize;

/// One kind of manifest and the files that may accompany it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Globs of the manifests (`package.json`, `requirements*.txt`).
    pub manifest: Vec<String>,
    /// Paths relative to the manifest's directory, one of which must exist
    /// (`package-lock.json`, `yarn.lock`); a trailing `/` means a non-empty folder.
    pub any_of: Vec<String>,
    /// Only manifests whose text matches this regex (`go.mod` with a `require`).
    #[serde(default)]
    pub if_contains: Option<String>,
    /// Leave out manifests whose text matches this regex (a requirements file that pins
    /// every line is its own lockfile).
    #[serde(default)]
    pub unless_contains: Option<String>,
    /// Only manifests next to one of these paths (`src/main.rs`, `src/bin/`: a binary crate).
    #[serde(default)]
    pub if_sibling: Vec<String>,
}

/// Parameters of `companion_file`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The manifest kinds.
    pub groups: Vec<Group>,
    /// Globs to leave out (`node_modules/`, `vendor/`, test fixtures).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// A companion in an ancestor directory counts too. Default true.
    #[serde(default = "default_true")]
    pub search_up: bool,
    /// Finding message; `{path}` is the manifest, `{expected}` the companions.
    pub message: String,
}

fn default_true() -> bool {
    true
}

struct CompiledGroup {
    manifests: SelectorId,
    any_of: Vec<String>,
    if_contains: Option<LazyRegex>,
    unless_contains: Option<LazyRegex>,
    if_sibling: Vec<String>,
}

/// Compiled `companion_file`.
pub struct CompanionFile {
    groups: Vec<CompiledGroup>,
    search_up: bool,
    message: String,
}

/// Whether `rel` is a file, or (with a trailing `/`) a folder holding at least one file.
fn exists(ws: &Workspace, rel: &str) -> bool {
    if let Some(dir) = rel.strip_suffix('/') {
        let prefix = format!("{dir}/");
        let files = ws.files();
        let at = files.partition_point(|f| f.rel.as_str() < prefix.as_str());
        files.get(at).is_some_and(|f| f.rel.starts_with(&prefix))
    } else {
        ws.find(rel).is_some()
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

fn parent(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

impl CheckKind for CompanionFile {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        if p.groups.is_empty() {
            return Err(ParamError::at("groups", "needs at least one group"));
        }
        let mut groups = Vec::new();
        for g in p.groups {
            if g.any_of.is_empty() {
                return Err(ParamError::at("groups.any_of", "needs at least one path"));
            }
            groups.push(CompiledGroup {
                manifests: cx.files("groups.manifest", &g.manifest, &p.exclude, false)?,
                any_of: g.any_of,
                if_contains: g
                    .if_contains
                    .as_deref()
                    .map(|r| regex_param("groups.if_contains", r, false))
                    .transpose()?,
                unless_contains: g
                    .unless_contains
                    .as_deref()
                    .map(|r| regex_param("groups.unless_contains", r, false))
                    .transpose()?,
                if_sibling: g.if_sibling,
            });
        }
        Ok(CompanionFile {
            groups,
            search_up: p.search_up,
            message: p.message,
        })
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let ws = cx.workspace();
        let mut subjects = 0;
        for g in &self.groups {
            for &i in cx.consider(g.manifests) {
                let rel = ws.file(i).rel.clone();
                let dir = parent(&rel);
                if !g.if_sibling.is_empty()
                    && !g.if_sibling.iter().any(|s| exists(ws, &join(dir, s)))
                {
                    continue;
                }
                if g.if_contains.is_some() || g.unless_contains.is_some() {
                    let Some(text) = cx.text(i) else { continue };
                    if g.if_contains.as_ref().is_some_and(|r| !r.is_match(text)) {
                        continue;
                    }
                    if g.unless_contains.as_ref().is_some_and(|r| r.is_match(text)) {
                        subjects += 1;
                        continue;
                    }
                }
                subjects += 1;
                cx.reading(i);
                let mut here = Some(dir);
                let mut found = None;
                while let Some(d) = here {
                    if let Some(c) = g.any_of.iter().map(|c| join(d, c)).find(|c| exists(ws, c)) {
                        found = Some(c);
                        break;
                    }
                    here = if self.search_up && !d.is_empty() {
                        Some(parent(d))
                    } else {
                        None
                    };
                }
                if let Some(c) = found {
                    cx.evidence(Finding::file(&rel, format!("`{c}` accompanies `{rel}`")));
                } else {
                    let expected = format!("`{}`", g.any_of.join("`, `"));
                    cx.report(Finding::file(
                        &rel,
                        render(&self.message, &[("path", &rel), ("expected", &expected)]),
                    ));
                }
            }
        }
        if subjects == 0 {
            return Ok(Applicability::NotApplicable(
                "no manifest that needs a companion file".to_owned(),
            ));
        }
        cx.judged(subjects);
        Ok(Applicability::Applicable)
    }
}

#[cfg(test)]
mod tests {
    use crate::check::Applicability;
    use crate::check::testing::{lines, run};

    const P: &str = r#"
groups:
  - manifest: [package.json]
    any_of: [package-lock.json, yarn.lock]
  - manifest: [go.mod]
    if_contains: '(?m)^require\b'
    any_of: [go.sum]
  - manifest: [Cargo.toml]
    if_sibling: [src/main.rs, src/bin/]
    any_of: [Cargo.lock]
  - manifest: [requirements.txt]
    unless_contains: '\A(\s*(#.*)?\n|\s*[\w.\-\[\],]+==\S+\s*\n)*\z'
    any_of: [poetry.lock]
exclude: [node_modules/]
message: "`{path}` has none of {expected}"
"#;

    #[test]
    fn missing_companion_is_reported_at_the_manifest() {
        let (r, f, _) = run("companion_file", P, &[("web/package.json", "{}")]);
        assert!(matches!(r, Ok(Applicability::Applicable)));
        assert_eq!(
            lines(&f),
            vec![
                "web/package.json: `web/package.json` has none of `package-lock.json`, `yarn.lock`"
            ]
        );
    }

    #[test]
    fn companion_in_an_ancestor_counts() {
        let (_, f, _) = run(
            "companion_file",
            P,
            &[
                ("packages/a/package.json", "{}"),
                ("yarn.lock", "#\n"),
                ("package.json", "{}"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn conditions_choose_the_subjects() {
        let (r, f, _) = run(
            "companion_file",
            P,
            &[
                ("go.mod", "module x\n\ngo 1.23\n"),
                ("lib/Cargo.toml", "[package]\n"),
                ("lib/src/lib.rs", "\n"),
                ("node_modules/x/package.json", "{}"),
            ],
        );
        assert!(matches!(r, Ok(Applicability::NotApplicable(_))), "{r:?}");
        assert!(f.is_empty());
        let (_, f, _) = run(
            "companion_file",
            P,
            &[
                ("Cargo.toml", "[package]\n"),
                ("src/bin/x.rs", "fn main() {}\n"),
            ],
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn a_fully_pinned_requirements_file_is_its_own_lock() {
        let (r, f, _) = run(
            "companion_file",
            P,
            &[(
                "requirements.txt",
                "# app\nfastapi==0.115.0\nuvicorn[standard]==0.30.0\n",
            )],
        );
        assert!(matches!(r, Ok(Applicability::Applicable)));
        assert!(f.is_empty(), "{f:?}");
        let (_, f, _) = run(
            "companion_file",
            P,
            &[("requirements.txt", "fastapi>=0.100\n")],
        );
        assert_eq!(f.len(), 1);
    }
}
