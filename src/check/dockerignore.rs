//! `dockerignore`: the `.dockerignore` of each Dockerfile's build context must leave out
//! given paths, evaluated with Docker's own matching rules (`crate::parse::dockerignore`).

use super::orchestration::{compose_globs, compose_index, join_rel, parent_dir};
use super::{
    Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError,
    default_dockerfile_excludes, default_dockerfile_globs, render,
};
use crate::collect::Workspace;
use crate::collect::select::SelectorId;
use crate::finding::Finding;
use crate::parse::dockerignore::DockerIgnore;
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde::Deserialize;
use std::sync::Arc;

/// One path the context must not contain.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// A path relative to the directory of each `when_files` match (or to the context
    /// root when `when_files` is empty) that must be excluded, e.g. `node_modules`.
    #[serde(default)]
    pub path: Option<String>,
    /// Only when files with these names exist in the context (`package.json`).
    #[serde(default)]
    pub when_files: Vec<String>,
    /// Files in the context matching these name globs must themselves be excluded
    /// (`*.pem`, `id_rsa`).
    #[serde(default)]
    pub existing: Vec<String>,
    /// Names that `existing` must not pick (`.env.example`).
    #[serde(default)]
    pub except: Vec<String>,
    /// A regex marking a `when_files` manifest as the root of a workspace whose members
    /// share one output folder at the root (Cargo's `[workspace]`): a member's `path` is
    /// then required at the nearest enclosing workspace root instead of beside it.
    #[serde(default)]
    pub workspace_root: Option<String>,
}

/// Parameters of `dockerignore`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Globs of the Dockerfiles whose contexts are judged (default: every naming scheme).
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    /// What must be excluded.
    #[serde(default)]
    pub require: Vec<Requirement>,
    /// Instead of judging ignore files: every build context must have one. A Dockerfile
    /// whose context (Compose `build.context`, a `docker build` in CI or a Makefile, else
    /// inferred from what it copies) has no `.dockerignore` (nor `<Dockerfile>.dockerignore`
    /// beside it) is a finding, one per context.
    #[serde(default)]
    pub present: bool,
    /// Finding message. Placeholders: `{path}` (context-relative), `{file}` (the ignore file).
    #[serde(default)]
    pub message: Option<String>,
}

struct Req {
    path: Option<String>,
    /// Empty when `when_files` is.
    when: GlobSet,
    existing: GlobSet,
    except: GlobSet,
    workspace_root: Option<Regex>,
}

/// Compiled `dockerignore`.
pub struct DockerignoreCheck {
    files: SelectorId,
    compose: SelectorId,
    require: Vec<Req>,
    present: bool,
    message: Option<String>,
}

/// The last segment of a path.
fn name_of(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// One set of name globs: a name matches when any glob does (one scan for all of them).
fn globs(field: &str, list: &[String]) -> Result<GlobSet, ParamError> {
    let mut set = GlobSetBuilder::new();
    for g in list {
        set.add(
            Glob::new(g)
                .map_err(|e| ParamError::at(field, format!("invalid glob `{g}`: {}", e.kind())))?,
        );
    }
    set.build()
        .map_err(|e| ParamError::at(field, format!("invalid globs: {e}")))
}

/// The `.dockerignore` files that apply to the Dockerfiles `dockerfiles`, sorted and
/// deduplicated; `compose` are the Compose files whose services name build contexts.
/// Services are looked up by Dockerfile in one map, not scanned per Dockerfile.
#[must_use]
pub fn ignore_files_of(cx: &CheckCx<'_>, dockerfiles: &[usize], compose: &[usize]) -> Vec<usize> {
    let ws = cx.workspace();
    let index = compose_index(cx, compose);
    let mut out: Vec<usize> = dockerfiles
        .iter()
        .filter_map(|&i| {
            let rel = ws.file(i).rel.as_str();
            find_dockerignore_in(ws, rel, &index.contexts_of(rel))
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// What reaches one build context: the files below the directory of its `.dockerignore`
/// that the file does not exclude, in path order.
#[derive(Debug)]
pub struct Reaching {
    /// The context directory (`""` at the root).
    pub context: String,
    /// Indices of the files in the context that the ignore file lets through.
    pub files: Vec<usize>,
}

impl Reaching {
    /// The context-relative paths of the files that reach the context.
    pub fn paths<'w>(&'w self, ws: &'w Workspace) -> impl Iterator<Item = &'w str> + 'w {
        let skip = if self.context.is_empty() {
            0
        } else {
            self.context.len() + 1
        };
        self.files.iter().map(move |&i| &ws.file(i).rel[skip..])
    }
}

/// What reaches the context of ignore file `ignore` (whose text is `text`), worked out
/// once per audit and shared by every rule that judges that context (DOCK017-DOCK019).
#[must_use]
pub fn reaching(ws: &Workspace, ignore: usize, di: &DockerIgnore) -> Arc<Reaching> {
    ws.memo(ignore as u64, || {
        let context = parent_dir(&ws.file(ignore).rel).to_owned();
        let files = reaching_in(ws.files(), |f| f.rel.as_str(), &context, di);
        Reaching { context, files }
    })
}

/// The indices of the items of `sorted` (sorted by `key`) below `context` that `di` does
/// not exclude: the context is found by binary search, and only its own items are visited.
pub fn reaching_in<T>(
    sorted: &[T],
    key: impl Fn(&T) -> &str,
    context: &str,
    di: &DockerIgnore,
) -> Vec<usize> {
    let range = crate::collect::range_under(sorted, &key, context);
    let skip = if context.is_empty() {
        0
    } else {
        context.len() + 1
    };
    let mut excluder = di.excluder();
    range
        .filter(|&i| !excluder.excludes(&key(&sorted[i])[skip..]))
        .collect()
}

/// The `.dockerignore` that applies to a Dockerfile, as `docker build` picks it:
/// `NAME.dockerignore` beside the Dockerfile, else the `.dockerignore` at the root of its
/// build context. The contexts are those Compose names (`compose`), those of the
/// `docker build` commands and `docker/build-push-action` steps of CI, make and scripts,
/// else the Dockerfile's own directory. A `.dockerignore` elsewhere does not apply.
#[must_use]
pub fn find_dockerignore_in(ws: &Workspace, dockerfile: &str, compose: &[String]) -> Option<usize> {
    if let Some(i) = ws.find(&format!("{dockerfile}.dockerignore")) {
        return Some(i);
    }
    let (contexts, _) = contexts_of(ws, dockerfile, compose);
    contexts.iter().find_map(|c| {
        if c.is_empty() {
            ws.find(".dockerignore")
        } else {
            ws.find(&format!("{c}/.dockerignore"))
        }
    })
}

/// The build contexts of a Dockerfile: those Compose (`compose`), CI and Makefiles name,
/// and whether any is named; without one, the inferred context.
fn contexts_of(ws: &Workspace, dockerfile: &str, compose: &[String]) -> (Vec<String>, bool) {
    let mut contexts: Vec<String> = compose.to_vec();
    if let Some(more) = super::orchestration::build_contexts(ws).get(dockerfile) {
        contexts.extend(more.iter().cloned());
    }
    if contexts.is_empty() {
        return (vec![inferred_context(ws, dockerfile)], false);
    }
    (contexts, true)
}

/// The build context of a Dockerfile nothing names one for: the nearest of its directory
/// and the directories above it in which the sources its `COPY`/`ADD` instructions name
/// exist (`docker/Dockerfile` that copies `src/` and `go.mod` is built from the root).
/// Without such sources, the Dockerfile's directory (what `docker build DIR` uses).
#[must_use]
pub fn inferred_context(ws: &Workspace, dockerfile: &str) -> String {
    let own = parent_dir(dockerfile).to_owned();
    let Some(df) = ws.find(dockerfile).and_then(|i| ws.dockerfile(i).ok()) else {
        return own;
    };
    let sources: Vec<String> = df
        .stages
        .iter()
        .flat_map(|s| s.instructions.iter())
        .filter_map(|i| i.context_copy())
        .flat_map(|(sources, _)| sources)
        .map(|w| w.trim_start_matches("./").trim_end_matches('/').to_owned())
        .filter(|w| {
            !w.is_empty()
                && w != "."
                && !w.contains(['*', '?', '$', '['])
                && !w.contains("://")
                && !w.starts_with("..")
        })
        .collect();
    if sources.is_empty() {
        return own;
    }
    let mut best: (usize, String) = (0, own.clone());
    let mut dir = own.as_str();
    loop {
        let found = sources
            .iter()
            .filter(|s| ws.has_path(&join_rel(dir, s).unwrap_or_default()))
            .count();
        if found == sources.len() {
            return dir.to_owned();
        }
        if found > best.0 {
            best = (found, dir.to_owned());
        }
        if dir.is_empty() {
            return best.1;
        }
        dir = parent_dir(dir);
    }
}

/// Where a manifest's output folder lives: beside the outermost manifest of the same
/// name, at or above it inside the context, that `root` marks as a workspace (a Cargo
/// workspace member builds into the workspace's `target/`), else beside the manifest.
fn workspace_base(ws: &Workspace, context: &str, manifest: &str, root: &Regex) -> String {
    let name = manifest.rsplit('/').next().unwrap_or(manifest);
    let mut base = parent_dir(manifest).to_owned();
    let mut dir = base.clone();
    loop {
        if let Some(full) = join_rel(&dir, name).and_then(|p| join_rel(context, &p))
            && let Some(i) = ws.find(&full)
            && ws.text(i).is_ok_and(|t| root.is_match(t))
        {
            base = dir.clone();
        }
        if dir.is_empty() {
            return base;
        }
        dir = parent_dir(&dir).to_owned();
    }
}

/// The `.dockerignore` of the nearest directory strictly above `dir`, if any.
fn ancestor_dockerignore(ws: &Workspace, dir: &str) -> Option<usize> {
    let mut d = dir;
    while !d.is_empty() {
        d = parent_dir(d);
        let path = if d.is_empty() {
            ".dockerignore".to_owned()
        } else {
            format!("{d}/.dockerignore")
        };
        if let Some(i) = ws.find(&path) {
            return Some(i);
        }
    }
    None
}

impl DockerignoreCheck {
    /// `present: true`: one finding per build context that has no ignore file, at its
    /// first Dockerfile; evidence for the contexts that have one.
    fn contexts_without(
        &self,
        cx: &mut CheckCx<'_>,
        dockerfiles: &[usize],
        compose: &[usize],
    ) -> Applicability {
        let ws = cx.workspace();
        let index = compose_index(cx, compose);
        // Context -> the Dockerfiles built from it that find no ignore file.
        let mut without: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for &i in dockerfiles {
            let rel = ws.file(i).rel.clone();
            let compose_ctx = index.contexts_of(&rel);
            cx.judged(1);
            if let Some(ig) = find_dockerignore_in(ws, &rel, &compose_ctx) {
                cx.evidence(Finding::file(
                    &ws.file(ig).rel,
                    format!("applies to `{rel}`"),
                ));
                continue;
            }
            let (contexts, named) = contexts_of(ws, &rel, &compose_ctx);
            let context = contexts.into_iter().next().unwrap_or_default();
            // Nothing names the context and what it copies is not in the repository (a
            // prebuilt binary): a script may build it from a directory above that has an
            // ignore file, so it is not judged.
            if !named && let Some(above) = ancestor_dockerignore(ws, &context) {
                cx.evidence(Finding::file(
                    &ws.file(above).rel,
                    format!("may apply to `{rel}` (its build context is not named)"),
                ));
                continue;
            }
            without.entry(context).or_default().push(rel);
        }
        for (context, files) in without {
            let place = if context.is_empty() {
                "the repository root".to_owned()
            } else {
                format!("`{context}/`")
            };
            let mut msg = render(
                self.message.as_deref().unwrap_or(
                    "no `.dockerignore` at {context}, the build context of this Dockerfile",
                ),
                &[("context", &place)],
            );
            if files.len() > 1 {
                msg.push_str(&format!(" (and of {} more)", files.len() - 1));
            }
            cx.report(Finding::file(&files[0], msg));
        }
        Applicability::Applicable
    }
}

impl CheckKind for DockerignoreCheck {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        let files = cx.files(
            "paths",
            &p.paths.unwrap_or_else(default_dockerfile_globs),
            &default_dockerfile_excludes(),
            false,
        )?;
        let mut require = Vec::new();
        if p.require.is_empty() && !p.present {
            return Err(ParamError::at(
                "require",
                "give `require` or `present: true`",
            ));
        }
        for r in p.require {
            if r.path.is_none() && r.existing.is_empty() {
                return Err(ParamError::at("require", "give `path` or `existing`"));
            }
            require.push(Req {
                path: r.path,
                when: globs("require.when_files", &r.when_files)?,
                existing: globs("require.existing", &r.existing)?,
                except: globs("require.except", &r.except)?,
                workspace_root: r
                    .workspace_root
                    .as_deref()
                    .map(Regex::new)
                    .transpose()
                    .map_err(|e| ParamError::at("require.workspace_root", e.to_string()))?,
            });
        }
        Ok(DockerignoreCheck {
            compose: cx.files("paths", &compose_globs(), &[], false)?,
            files,
            require,
            present: p.present,
            message: p.message,
        })
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let ws = cx.workspace();
        let dockerfiles = cx.consider(self.files);
        if dockerfiles.is_empty() {
            return Ok(Applicability::NotApplicable(
                "no Dockerfile in the repository".to_owned(),
            ));
        }
        let compose = cx.selected(self.compose);
        if self.present {
            return Ok(self.contexts_without(cx, dockerfiles, compose));
        }
        let ignore_files = ignore_files_of(cx, dockerfiles, compose);
        if ignore_files.is_empty() {
            return Ok(Applicability::NotApplicable(
                "no `.dockerignore` to judge".to_owned(),
            ));
        }
        for i in ignore_files {
            let Some(text) = cx.text(i) else { continue };
            let rel = ws.file(i).rel.clone();
            let di = DockerIgnore::parse(text);
            // The context is the directory of the ignore file.
            let reach = reaching(ws, i, &di);
            let context = reach.context.as_str();
            let in_context: Vec<&str> = reach.paths(ws).collect();
            let mut missing: Vec<(String, usize)> = Vec::new();
            for req in &self.require {
                let mut this: Vec<String> = Vec::new();
                if let Some(path) = &req.path {
                    let bases: Vec<String> = if req.when.is_empty() {
                        vec![String::new()]
                    } else {
                        in_context
                            .iter()
                            .filter(|r| req.when.is_match(name_of(r)))
                            .map(|r| match &req.workspace_root {
                                Some(root) => workspace_base(ws, context, r, root),
                                None => parent_dir(r).to_owned(),
                            })
                            .collect()
                    };
                    for b in bases {
                        if let Some(sample) = join_rel(&b, path)
                            && !di.excludes(&sample)
                        {
                            this.push(sample);
                        }
                    }
                }
                if !req.existing.is_empty() {
                    for r in &in_context {
                        let name = name_of(r);
                        if req.existing.is_match(name) && !req.except.is_match(name) {
                            missing.push(((*r).to_owned(), 0));
                        }
                    }
                }
                // One finding per required folder: the shallowest place, and how many more.
                this.sort_by_key(|p| (p.matches('/').count(), p.clone()));
                this.dedup();
                if let Some(first) = this.first() {
                    missing.push((first.clone(), this.len() - 1));
                }
            }
            missing.sort();
            missing.dedup();
            cx.judged(1);
            cx.reading(i);
            if missing.is_empty() {
                cx.evidence(Finding::file(&rel, "excludes every required path"));
            }
            for (m, more) in missing {
                let mut msg = render(
                    self.message
                        .as_deref()
                        .unwrap_or("`{file}` does not exclude `{path}`"),
                    &[("path", &m), ("file", &rel)],
                );
                if more > 0 {
                    msg.push_str(&format!(" (nor {more} more like it)"));
                }
                cx.report(Finding::file(&rel, msg));
            }
        }
        Ok(Applicability::Applicable)
    }
}

#[cfg(test)]
mod tests {
    use crate::check::Applicability;
    use crate::check::testing::{lines, run};

    const P: &str = "require:\n  - path: .git\n  - path: node_modules\n    when_files: [package.json]\n  - existing: ['*.pem', '.env*']\n    except: ['.env.example']";

    #[test]
    fn requirements_follow_the_context() {
        let (_, f, _) = run(
            "dockerignore",
            P,
            &[
                ("Dockerfile", "FROM node:20\n"),
                (".dockerignore", "node_modules\n"),
                ("web/package.json", "{}"),
                ("certs/dev.pem", "x"),
                (".env.example", "A="),
            ],
        );
        assert_eq!(
            lines(&f),
            vec![
                ".dockerignore: `.dockerignore` does not exclude `.git`",
                ".dockerignore: `.dockerignore` does not exclude `certs/dev.pem`",
                ".dockerignore: `.dockerignore` does not exclude `web/node_modules`",
            ]
        );
    }

    #[test]
    fn good_ignore_file_and_nested_context() {
        let (_, f, _) = run(
            "dockerignore",
            P,
            &[
                ("svc/api/Dockerfile", "FROM node:20\n"),
                ("svc/api/.dockerignore", ".git\n**/node_modules\n*.pem\n"),
                ("svc/api/package.json", "{}"),
                ("svc/api/key.pem", "x"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
        let (r, _, _) = run("dockerignore", P, &[("Dockerfile", "FROM a:1\n")]);
        assert!(matches!(r, Ok(Applicability::NotApplicable(_))));
    }

    #[test]
    fn compose_context_picks_the_context_root_ignore_file() {
        let (_, f, _) = run(
            "dockerignore",
            "require:\n  - path: .git",
            &[
                ("src/api/Dockerfile", "FROM node:20\n"),
                ("src/api/.dockerignore", "node_modules\n"),
                (".dockerignore", ".git\n"),
                (
                    "compose.yaml",
                    "services:\n  api:\n    build: {context: ., dockerfile: src/api/Dockerfile}\n",
                ),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    /// What reaches each context is found by binary search and a visit of that context's
    /// own files: over 400 contexts the work stays linear in the files plus
    /// `contexts · log(files)`. A scan of the whole file list per context (what DOCK017-019
    /// once did) visits 400 × 24 000 paths and fails the bound by two orders of magnitude.
    #[test]
    fn context_work_is_linear_in_files_and_contexts() {
        use super::{DockerIgnore, reaching_in};
        use std::cell::Cell;
        let contexts = 400;
        let mut paths: Vec<String> = Vec::new();
        for c in 0..contexts {
            let dir = format!("services/svc{c:03}");
            paths.push(format!("{dir}/.dockerignore"));
            paths.push(format!("{dir}/Dockerfile"));
            paths.push(format!("{dir}/.git/HEAD"));
            for k in 0..55 {
                paths.push(format!("{dir}/src/mod{k:02}.py"));
            }
            // A nested context inside every tenth one.
            if c % 10 == 0 {
                paths.push(format!("{dir}/worker/.dockerignore"));
                paths.push(format!("{dir}/worker/main.py"));
            }
        }
        paths.sort();
        let n = paths.len();
        let di = DockerIgnore::parse(".git\n**/*.pyc\n");
        let visits = Cell::new(0usize);
        fn counted<'p>(visits: &Cell<usize>, p: &'p str) -> &'p str {
            visits.set(visits.get() + 1);
            p
        }
        let mut reached = 0;
        let mut in_contexts = 0;
        for c in 0..contexts {
            let context = format!("services/svc{c:03}");
            let got = reaching_in(&paths, |p| counted(&visits, p), &context, &di);
            // Same answer as filtering the whole list.
            let prefix = format!("{context}/");
            let want: Vec<usize> = (0..n)
                .filter(|&i| {
                    paths[i]
                        .strip_prefix(&prefix)
                        .is_some_and(|r| !di.excludes(r))
                })
                .collect();
            assert_eq!(got, want, "{context}");
            reached += got.len();
            in_contexts += paths.iter().filter(|p| p.starts_with(&prefix)).count();
        }
        assert!(
            reached > 0 && reached < in_contexts,
            "nothing excluded or reached"
        );
        // Two binary searches per context, one key per visited path to test, one more to
        // read the path it keeps.
        let log = usize::BITS - n.leading_zeros();
        let bound = 2 * in_contexts + contexts * 2 * (log as usize + 2);
        assert!(
            visits.get() <= bound,
            "{} path reads for {contexts} contexts over {n} paths (bound {bound}): per-context work is no longer linear",
            visits.get()
        );
        assert!(
            bound < contexts * n / 50,
            "the bound would not catch a full scan"
        );
    }
}
