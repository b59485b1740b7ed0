//! `path_exists`: files that must exist (a README, an env example) or must not (a
//! committed `.env`), chosen by gitignore-style globs.

use super::{
    Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError, regex_param, render,
};
use crate::check::LazyRegex;
use crate::collect::select::SelectorId;
use crate::finding::Finding;
use crate::rule::condition::RawContains;
use serde::Deserialize;

/// Parameters of `path_exists`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Gitignore-style globs relative to the repository root: `README*` matches at any
    /// depth, `/README*` only at the root, `docs/` everything below `docs`.
    pub any_of: Vec<String>,
    /// Globs to leave out of `any_of`'s matches.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Match names case-insensitively (`readme.md`, `License`).
    #[serde(default)]
    pub case_insensitive: bool,
    /// Fail when a file matches instead of when none does (files that must not be committed).
    #[serde(default)]
    pub forbid: bool,
    /// Message for a finding. `{path}` is the offending file (with `forbid`), `{globs}` the globs.
    #[serde(default)]
    pub message: Option<String>,
    /// Without `forbid`: the requirement is also met by a file among `paths` whose text
    /// matches `pattern` (versioned migrations kept in code, with a version table), written
    /// like a `contains:` condition.
    #[serde(default)]
    pub or_text: Option<RawContains>,
    /// With `forbid`: a file is not reported when it has at least one line that is not
    /// blank or a `#` comment and every such line matches this regex (a bundler's
    /// `.env.production` that sets only public `VITE_…` variables).
    #[serde(default)]
    pub unless_every_line: Option<String>,
}

/// Compiled `path_exists`.
pub struct PathExists {
    files: SelectorId,
    forbid: bool,
    globs: String,
    message: Option<String>,
    or_text: Option<(SelectorId, LazyRegex)>,
    unless_every_line: Option<LazyRegex>,
}

impl CheckKind for PathExists {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        let files = cx.files("any_of", &p.any_of, &p.exclude, p.case_insensitive)?;
        let or_text = match p.or_text {
            Some(_) if p.forbid => {
                return Err(ParamError::at(
                    "or_text",
                    "cannot be combined with `forbid`",
                ));
            }
            Some(t) => Some((
                cx.files("or_text.paths", &t.paths, &t.exclude, false)?,
                super::regex_param("or_text.pattern", &t.pattern, false)?,
            )),
            None => None,
        };
        Ok(PathExists {
            files,
            forbid: p.forbid,
            globs: p.any_of.join("`, `"),
            message: p.message,
            or_text,
            unless_every_line: p
                .unless_every_line
                .as_deref()
                .map(|r| regex_param("unless_every_line", r, false))
                .transpose()?,
        })
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let ws = cx.workspace();
        let found = cx.consider(self.files);
        if self.forbid && found.is_empty() && !cx.workspace().set_aside(self.files).is_empty() {
            // Only files of roles the rule does not judge match: nothing to judge.
            return Ok(Applicability::NotApplicable(format!(
                "no file of the judged roles matches `{}`",
                self.globs
            )));
        }
        // The subject is the repository: whether it has (or must not have) such a file.
        cx.judged(1);
        if self.forbid {
            for &i in found {
                if self.every_line_allowed(ws, i) {
                    continue;
                }
                let path = &ws.file(i).rel;
                let tpl = self.message.as_deref().unwrap_or("`{path}` is present");
                cx.report(Finding::file(
                    path,
                    render(tpl, &[("path", path), ("globs", &self.globs)]),
                ));
            }
        } else if let Some(&first) = found.first() {
            let path = &ws.file(first).rel;
            cx.evidence(Finding::file(path, format!("`{path}` exists")));
        } else if let Some((path, line)) = self.text_alternative(cx) {
            cx.evidence(Finding::at(
                &path,
                line,
                1,
                format!("`{path}` qualifies by its content"),
            ));
        } else {
            let tpl = self
                .message
                .as_deref()
                .unwrap_or("no file matches `{globs}`");
            cx.report(Finding::repo(render(
                tpl,
                &[("globs", &self.globs), ("path", "")],
            )));
        }
        Ok(Applicability::Applicable)
    }
}

impl PathExists {
    /// The first file of `or_text` whose text matches, with the line of the match.
    fn text_alternative(&self, cx: &mut CheckCx<'_>) -> Option<(String, u32)> {
        let (files, pattern) = self.or_text.as_ref()?;
        let ws = cx.workspace();
        for &i in cx.consider(*files) {
            let Some(text) = cx.text(i) else { continue };
            if let Some(m) = pattern.find(text) {
                let (line, _) = crate::textpos::position_of(text, m.start());
                return Some((ws.file(i).rel.clone(), line));
            }
        }
        None
    }

    /// Whether `unless_every_line` lets file `i` through: it has active lines and each
    /// matches. An unreadable file is not let through.
    fn every_line_allowed(&self, ws: &crate::collect::Workspace, i: usize) -> bool {
        let Some(re) = &self.unless_every_line else {
            return false;
        };
        let Ok(text) = ws.text(i) else {
            return false;
        };
        let mut active = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .peekable();
        active.peek().is_some() && active.all(|l| re.is_match(l))
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{lines, run};

    #[test]
    fn missing_file_is_a_repository_finding() {
        let (_, f, _) = run(
            "path_exists",
            "any_of: [\"/README*\"]\ncase_insensitive: true",
            &[("docs/README.md", "x")],
        );
        assert_eq!(lines(&f), vec!["(repository): no file matches `/README*`"]);
        let (_, f, _) = run(
            "path_exists",
            "any_of: [\"/README*\"]\ncase_insensitive: true",
            &[("readme.rst", "x")],
        );
        assert!(f.is_empty());
    }

    #[test]
    fn forbid_reports_each_file() {
        let (_, f, _) = run(
            "path_exists",
            "any_of: [\".env\", \".env.*\"]\nexclude: [\".env.example\"]\nforbid: true",
            &[
                (".env", "A=1"),
                ("svc/.env.production", "A=1"),
                (".env.example", "A="),
            ],
        );
        assert_eq!(
            lines(&f),
            vec![
                ".env: `.env` is present",
                "svc/.env.production: `svc/.env.production` is present"
            ]
        );
    }
}
