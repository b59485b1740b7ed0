//! `path_exists`: files that must exist (a README, an env example) or must not (a
//! committed `.env`), chosen by gitignore-style globs; some files count only for what they
//! contain (Spring configuration that documents its variables).

use super::{
    Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError, regex_param, render,
};
use crate::collect::select::SelectorId;
use crate::finding::Finding;
use crate::textpos::position_of;
use regex::Regex;
use serde::Deserialize;

/// Files that count as present only when their text matches a pattern.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Containing {
    /// Gitignore-style globs of the candidate files (`application*.properties`).
    pub paths: Vec<String>,
    /// The regex a candidate must contain (`\$\{[A-Z_]+:[^}]*\}`).
    pub pattern: String,
}

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
    /// Without `forbid`: more files that count, each only when its text matches.
    #[serde(default)]
    pub or_containing: Option<Containing>,
    /// Message for a finding. `{path}` is the offending file (with `forbid`), `{globs}` the globs.
    #[serde(default)]
    pub message: Option<String>,
}

/// Compiled `path_exists`.
pub struct PathExists {
    files: SelectorId,
    containing: Option<(SelectorId, Regex)>,
    forbid: bool,
    globs: String,
    message: Option<String>,
}

impl CheckKind for PathExists {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        let files = cx.files("any_of", &p.any_of, &p.exclude, p.case_insensitive)?;
        let containing = match p.or_containing {
            Some(_) if p.forbid => {
                return Err(ParamError::at(
                    "or_containing",
                    "`or_containing` only applies without `forbid`",
                ));
            }
            Some(c) => Some((
                cx.files("or_containing.paths", &c.paths, &[], p.case_insensitive)?,
                regex_param("or_containing.pattern", &c.pattern, false)?,
            )),
            None => None,
        };
        Ok(PathExists {
            files,
            containing,
            forbid: p.forbid,
            globs: p.any_of.join("`, `"),
            message: p.message,
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
        } else if let Some(f) = self.first_containing(cx) {
            cx.evidence(f);
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
    /// The first `or_containing` file whose text matches, as evidence at the match.
    fn first_containing(&self, cx: &mut CheckCx<'_>) -> Option<Finding> {
        let (files, pattern) = self.containing.as_ref()?;
        let ws = cx.workspace();
        for &i in cx.consider(*files) {
            let Some(text) = cx.text(i) else { continue };
            if let Some(m) = pattern.find(text) {
                let path = &ws.file(i).rel;
                let (line, col) = position_of(text, m.start());
                return Some(Finding::at(
                    path,
                    line,
                    col,
                    format!("`{}` in `{path}`", m.as_str()),
                ));
            }
        }
        None
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

    #[test]
    fn files_that_count_for_their_content() {
        let p = "any_of: [.env.example]\nor_containing:\n  paths: [\"application*.properties\"]\n  pattern: '\\$\\{[A-Z_]+:[^}]*\\}'";
        let (_, f, _) = run(
            "path_exists",
            p,
            &[(
                "src/main/resources/application-mysql.properties",
                "spring.datasource.url=${MYSQL_URL:jdbc:mysql://localhost/app}\n",
            )],
        );
        assert!(f.is_empty());
        let (_, f, _) = run(
            "path_exists",
            p,
            &[(
                "src/main/resources/application.properties",
                "spring.datasource.url=${MYSQL_URL}\n",
            )],
        );
        assert_eq!(
            lines(&f),
            vec!["(repository): no file matches `.env.example`"]
        );
    }
}
