//! `text_match`: a regex that must appear somewhere in the selected files (`present`), or
//! must appear nowhere (`absent`, one finding per match with its line and column).

use super::{
    Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError, regex_param, render,
};
use crate::collect::Workspace;
use crate::collect::select::SelectorId;
use crate::finding::{Finding, mask};
use crate::textpos::LineIndex;
use regex::Regex;
use serde::Deserialize;

/// Whether the pattern must be found or must not be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// At least one selected file must contain a match (with `per_file`: every file).
    Present,
    /// No selected file may contain a match; each match is a finding.
    Absent,
}

/// Parameters of `text_match`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Gitignore-style globs choosing the files to search.
    pub paths: Vec<String>,
    /// Globs to leave out (tests, fixtures, vendored code).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The regex (Rust syntax; `^`/`$` match at line boundaries).
    pub pattern: String,
    /// `present` or `absent`.
    pub expect: Expect,
    /// Case-insensitive matching (pattern and globs).
    #[serde(default)]
    pub case_insensitive: bool,
    /// A match is ignored when this regex matches the line it is on (placeholders, opt-outs).
    #[serde(default)]
    pub unless_line: Option<String>,
    /// Only files in which this regex also matches are searched (e.g. a CORS wildcard only
    /// where credentials are enabled in the same file).
    #[serde(default)]
    pub only_if_file_matches: Option<String>,
    /// Lines whose first non-blank characters are one of these are ignored (`#`, `//`).
    #[serde(default)]
    pub comment_prefixes: Vec<String>,
    /// With `present`: every selected file must match, not just one.
    #[serde(default)]
    pub per_file: bool,
    /// With `present`: fail rather than skip when no file is selected.
    #[serde(default)]
    pub fail_without_files: bool,
    /// Show matched text masked (`AKIA************MPLE`); for secrets.
    #[serde(default)]
    pub mask: bool,
    /// With `mask`: named captures shown in clear (e.g. the variable name).
    #[serde(default)]
    pub reveal: Vec<String>,
    /// Finding message. `{match}` is the matched text, `{1}`…`{9}` and named groups are
    /// captures, `{path}` the file, `{paths}` the globs.
    #[serde(default)]
    pub message: Option<String>,
}

/// Compiled `text_match`.
pub struct TextMatch {
    files: SelectorId,
    pattern: Regex,
    unless: Option<Regex>,
    only_if: Option<Regex>,
    comment_prefixes: Vec<String>,
    expect: Expect,
    per_file: bool,
    fail_without_files: bool,
    mask: bool,
    reveal: Vec<String>,
    message: Option<String>,
    paths: String,
}

/// Upper bound of findings per rule, so that a pathological file cannot flood a report.
const MAX_FINDINGS: usize = 500;

impl CheckKind for TextMatch {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        let files = cx.files("paths", &p.paths, &p.exclude, p.case_insensitive)?;
        let pattern = regex_param("pattern", &p.pattern, p.case_insensitive)?;
        let unless = p
            .unless_line
            .as_deref()
            .map(|u| regex_param("unless_line", u, p.case_insensitive))
            .transpose()?;
        let only_if = p
            .only_if_file_matches
            .as_deref()
            .map(|u| regex_param("only_if_file_matches", u, p.case_insensitive))
            .transpose()?;
        if p.per_file && p.expect == Expect::Absent {
            return Err(ParamError::at(
                "per_file",
                "`per_file` only applies to `expect: present`",
            ));
        }
        Ok(TextMatch {
            files,
            pattern,
            unless,
            only_if,
            comment_prefixes: p.comment_prefixes,
            expect: p.expect,
            per_file: p.per_file,
            fail_without_files: p.fail_without_files,
            mask: p.mask,
            reveal: p.reveal,
            message: p.message,
            paths: p.paths.join("`, `"),
        })
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let ws = cx.workspace();
        let files = cx.subjects(self.files);
        if files.is_empty() {
            if self.expect == Expect::Present && self.fail_without_files {
                let msg = self
                    .message
                    .as_deref()
                    .unwrap_or("no file matches `{paths}`");
                cx.report(Finding::repo(render(msg, &[("paths", &self.paths)])));
                return Ok(Applicability::Applicable);
            }
            return Ok(Applicability::NotApplicable(format!(
                "no file matches `{}`",
                self.paths
            )));
        }
        if self.expect == Expect::Absent {
            // Every file is searched: spread them over the pool (rules already run in
            // parallel, but one rule such as a secret scan can select the whole tree).
            use rayon::prelude::*;
            let scans: Vec<(Vec<Finding>, Option<String>)> =
                files.par_iter().map(|&i| self.scan_absent(ws, i)).collect();
            for (findings, problem) in scans {
                if let Some(p) = problem {
                    cx.problem(p);
                }
                for f in findings {
                    if cx.findings.len() >= MAX_FINDINGS {
                        break;
                    }
                    cx.report(f);
                }
            }
            return Ok(Applicability::Applicable);
        }
        if !self.per_file {
            // One match anywhere is enough: search the files in parallel, keep the first
            // match in file order (deterministic), and report unreadable files only when
            // nothing matched.
            use rayon::prelude::*;
            let scans: Vec<Result<Option<Finding>, String>> = files
                .par_iter()
                .map(|&i| {
                    let rel = &ws.file(i).rel;
                    ws.with_text(i, |text| self.first_match(text, rel))
                        .map_err(|p| format!("`{rel}` was not read ({p})"))
                })
                .collect();
            let mut problems = Vec::new();
            for scan in scans {
                match scan {
                    Ok(Some(f)) => {
                        cx.evidence(f);
                        return Ok(Applicability::Applicable);
                    }
                    Ok(None) => {}
                    Err(p) => problems.push(p),
                }
            }
            for p in problems {
                cx.problem(p);
            }
            if cx.problems.is_empty() {
                let msg = self
                    .message
                    .as_deref()
                    .unwrap_or("no file matching `{paths}` has a match");
                cx.report(Finding::repo(render(msg, &[("paths", &self.paths)])));
            }
            return Ok(Applicability::Applicable);
        }
        let mut any = false;
        let mut missing = Vec::new();
        for &i in files {
            let Some(text) = cx.text(i) else { continue };
            if self.only_if.as_ref().is_some_and(|r| !r.is_match(text)) {
                continue;
            }
            let rel = &ws.file(i).rel;
            let mut index: Option<LineIndex> = None;
            let mut found_here = false;
            for caps in self.pattern.captures_iter(text) {
                let Some(m) = caps.get(0) else { continue };
                let idx = index.get_or_insert_with(|| LineIndex::new(text));
                let (line, col) = idx.position(text, m.start());
                if self.is_excused(idx.line_text(text, line)) {
                    continue;
                }
                found_here = true;
                cx.evidence(Finding::at(
                    rel,
                    line,
                    col,
                    format!("`{}` found", self.shown(m.as_str())),
                ));
                break;
            }
            any |= found_here;
            if !found_here {
                missing.push(i);
            }
            if any && !self.per_file {
                break;
            }
        }
        if self.expect == Expect::Present {
            if self.per_file {
                for i in missing {
                    if ws.text(i).is_ok() {
                        let rel = &ws.file(i).rel;
                        let msg = self.message.as_deref().unwrap_or("`{path}` has no match");
                        cx.report(Finding::file(
                            rel,
                            render(msg, &[("path", rel), ("paths", &self.paths)]),
                        ));
                    }
                }
            } else if !any && cx.problems.is_empty() {
                let msg = self
                    .message
                    .as_deref()
                    .unwrap_or("no file matching `{paths}` has a match");
                cx.report(Finding::repo(render(msg, &[("paths", &self.paths)])));
            }
        }
        Ok(Applicability::Applicable)
    }
}

impl TextMatch {
    /// The first non-excused match in a text, as evidence.
    fn first_match(&self, text: &str, rel: &str) -> Option<Finding> {
        if self.only_if.as_ref().is_some_and(|r| !r.is_match(text)) {
            return None;
        }
        let mut index: Option<LineIndex> = None;
        for m in self.pattern.find_iter(text) {
            let idx = index.get_or_insert_with(|| LineIndex::new(text));
            let (line, col) = idx.position(text, m.start());
            if self.is_excused(idx.line_text(text, line)) {
                continue;
            }
            return Some(Finding::at(
                rel,
                line,
                col,
                format!("`{}` found", self.shown(m.as_str())),
            ));
        }
        None
    }

    /// Every non-excused match in one file, or why the file could not be read.
    fn scan_absent(&self, ws: &Workspace, i: usize) -> (Vec<Finding>, Option<String>) {
        let rel = &ws.file(i).rel;
        let scanned = ws.with_text(i, |text| {
            let mut out = Vec::new();
            if self.only_if.as_ref().is_some_and(|r| !r.is_match(text)) {
                return out;
            }
            let mut index: Option<LineIndex> = None;
            for caps in self.pattern.captures_iter(text) {
                let Some(m) = caps.get(0) else { continue };
                let idx = index.get_or_insert_with(|| LineIndex::new(text));
                let (line, col) = idx.position(text, m.start());
                if self.is_excused(idx.line_text(text, line)) {
                    continue;
                }
                out.push(Finding::at(rel, line, col, self.message_for(&caps, rel)));
                if out.len() >= MAX_FINDINGS {
                    break;
                }
            }
            out
        });
        match scanned {
            Ok(findings) => (findings, None),
            Err(p) => (Vec::new(), Some(format!("`{rel}` was not read ({p})"))),
        }
    }

    fn is_excused(&self, line: &str) -> bool {
        let trimmed = line.trim_start();
        self.comment_prefixes
            .iter()
            .any(|p| trimmed.starts_with(p.as_str()))
            || self.unless.as_ref().is_some_and(|u| u.is_match(line))
    }

    fn shown(&self, s: &str) -> String {
        self.shown_as(s, self.mask)
    }

    fn shown_as(&self, s: &str, masked: bool) -> String {
        let one_line: String = s.lines().next().unwrap_or("").chars().take(120).collect();
        if masked { mask(&one_line) } else { one_line }
    }

    fn message_for(&self, caps: &regex::Captures<'_>, rel: &str) -> String {
        let whole = self.shown(caps.get(0).map_or("", |m| m.as_str()));
        let Some(tpl) = &self.message else {
            return format!("`{whole}` found");
        };
        let mut owned: Vec<(String, String)> =
            vec![("match".into(), whole), ("path".into(), rel.to_owned())];
        for (i, name) in self.pattern.capture_names().enumerate().skip(1) {
            let value = caps.get(i).map_or("", |m| m.as_str());
            let masked = self.mask && !name.is_some_and(|n| self.reveal.iter().any(|r| r == n));
            let value = self.shown_as(value, masked);
            owned.push((i.to_string(), value.clone()));
            if let Some(n) = name {
                owned.push((n.to_owned(), value));
            }
        }
        let vars: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        render(tpl, &vars)
    }
}

#[cfg(test)]
mod tests {
    use crate::check::Applicability;
    use crate::check::testing::{lines, run};

    #[test]
    fn absent_reports_every_match_with_position() {
        let (_, f, _) = run(
            "text_match",
            "paths: [\"*.py\"]\npattern: 'print\\('\nexpect: absent\ncomment_prefixes: [\"#\"]",
            &[("app/main.py", "x = 1\n  print(x)\n# print(y)\nprint(z)\n")],
        );
        assert_eq!(
            lines(&f),
            vec![
                "app/main.py:2:3: `print(` found",
                "app/main.py:4:1: `print(` found"
            ]
        );
    }

    #[test]
    fn present_passes_on_first_match_and_skips_without_files() {
        let p = "paths: [\"*.py\"]\npattern: 'signal\\.SIGTERM'\nexpect: present\nmessage: no SIGTERM handler";
        let (_, f, _) = run(
            "text_match",
            p,
            &[("a.py", "import signal\nsignal.signal(signal.SIGTERM, h)\n")],
        );
        assert!(f.is_empty());
        let (_, f, _) = run("text_match", p, &[("a.py", "pass\n")]);
        assert_eq!(lines(&f), vec!["(repository): no SIGTERM handler"]);
        let (r, _, _) = run("text_match", p, &[("a.go", "x")]);
        assert!(matches!(r, Ok(Applicability::NotApplicable(_))));
    }

    #[test]
    fn captures_masking_and_unless() {
        let p = "paths: [\"*.env\"]\npattern: '(?P<key>[A-Z_]+)=(?P<value>\\S+)'\nexpect: absent\nmask: true\nreveal: [key]\nunless_line: changeme\nmessage: '`{key}` is set to `{value}`'";
        let (_, f, _) = run(
            "text_match",
            p,
            &[(
                "prod.env",
                "API_TOKEN=ghp_abcdefghijklmnop1234\nPASSWORD=changeme\n",
            )],
        );
        assert_eq!(
            lines(&f),
            vec!["prod.env:1:1: `API_TOKEN` is set to `ghp_****************1234`"]
        );
    }

    #[test]
    fn binary_files_are_problems_not_matches() {
        let (_, f, problems) = run(
            "text_match",
            "paths: [\"*.txt\"]\npattern: x\nexpect: absent",
            &[("a.txt", "x\0x")],
        );
        assert!(f.is_empty());
        assert_eq!(problems, vec!["`a.txt` was not read (binary content)"]);
    }
}
