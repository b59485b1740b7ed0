//! `text_match`: a regex that must appear somewhere in the selected files (`present`), or
//! must appear nowhere (`absent`, one finding per match with its line and column).
//!
//! The regex is either one `pattern` or a table of `forms`: named regexes, one per
//! spelling of the same fact across stacks (`cors()`, `CorsLayer::permissive()`,
//! `@CrossOrigin`), each limited to some files and excused by what its call contains. A
//! form whose regex captures a `via` group matches a name (`allow_origins=settings.all_hosts`)
//! rather than a value: it counts only where one of the `defaults` templates finds that
//! name given the offending value (`all_hosts: list[str] = ["*"]`), in any selected file.

use super::{
    Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError, regex_param, render,
};
use crate::check::LazyRegex;
use crate::collect::Workspace;
use crate::collect::select::SelectorId;
use crate::finding::{Finding, mask};
use crate::textpos::LineIndex;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::RegexSet;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// Whether the pattern must be found or must not be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// At least one selected file must contain a match (with `per_file`: every file).
    Present,
    /// No selected file may contain a match; each match is a finding.
    Absent,
}

/// One entry of a table of forms.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    /// What the form is, in words; `{form}` in messages (`Express \`cors()\` without
    /// options, whose origin defaults to \`*\``).
    pub name: String,
    /// The regex. A named group `via` makes the form indirect: the captured name (a
    /// dotted path is tried segment by segment) must be given the value by `defaults`.
    pub pattern: String,
    /// Globs of the selected files the form applies to (`*.java`, `docker-compose*.yml`);
    /// a glob without `/` matches the file name. Default: every selected file.
    #[serde(default)]
    pub files: Vec<String>,
    /// The match is excused when this regex matches inside the balanced call or literal
    /// opened by its first `(`, `{` or `[` (an options object that names an origin). Calls
    /// may span lines.
    #[serde(default)]
    pub unless_inside: Option<String>,
    /// The form counts only in a file this regex matches (a library imported by name).
    #[serde(default)]
    pub if_file: Option<String>,
    /// The form does not count in a file this regex matches (a library configured through
    /// a setting in the same file).
    #[serde(default)]
    pub unless_file: Option<String>,
    /// A regex for the lines that open a section (`^FROM\s` in a Dockerfile): with
    /// `unless_section`, a match is excused when the nearest section line above it matches
    /// `unless_section` (a build stage named `dev`).
    #[serde(default)]
    pub section: Option<String>,
    /// See `section`.
    #[serde(default)]
    pub unless_section: Option<String>,
}

/// Parameters of `text_match`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Gitignore-style globs choosing the files to search.
    pub paths: Vec<String>,
    /// Globs to leave out (files named for another environment, minified bundles).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The regex (Rust syntax; `^`/`$` match at line boundaries). Either this or `forms`.
    #[serde(default)]
    pub pattern: Option<String>,
    /// A table of forms, any of which is a match (instead of `pattern`).
    #[serde(default)]
    pub forms: Vec<Form>,
    /// With `absent`: regex templates in which `{via}` stands for the name an indirect
    /// form captured; a match (outside comments) in any selected file is where the name
    /// gets the offending value, and is reported there.
    #[serde(default)]
    pub defaults: Vec<String>,
    /// `present` or `absent`.
    pub expect: Expect,
    /// Case-insensitive matching (pattern and globs).
    #[serde(default)]
    pub case_insensitive: bool,
    /// A match is ignored when this regex matches the line it is on (placeholders, opt-outs).
    #[serde(default)]
    pub unless_line: Option<String>,
    /// Only files in which this regex also matches are searched (e.g. a CORS wildcard only
    /// where credentials are enabled in the same file). For an indirect form, the file of
    /// the name's use.
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
    /// Finding message. `{match}` is the matched text, `{form}` the form's name, `{1}`…`{9}`
    /// and named groups are captures, `{path}` the file, `{paths}` the globs.
    #[serde(default)]
    pub message: Option<String>,
    /// Message of a finding through an indirect form: `{match}` is the default's text,
    /// `{via}` the name that gets it, `{use}` the form's match, `{used_at}` its `path:line`,
    /// `{form}`.
    #[serde(default)]
    pub via_message: Option<String>,
}

/// A compiled form.
struct CompiledForm {
    name: String,
    re: LazyRegex,
    files: Option<GlobSet>,
    unless_inside: Option<LazyRegex>,
    if_file: Option<LazyRegex>,
    unless_file: Option<LazyRegex>,
    unless_section: Option<(LazyRegex, LazyRegex)>,
    via: bool,
}

/// The forms' patterns as one `RegexSet`, built on first use like the forms themselves
/// (see [`LazyRegex`]).
struct FormSet {
    patterns: Vec<String>,
    case_insensitive: bool,
    cell: std::sync::OnceLock<RegexSet>,
}

impl FormSet {
    fn build(&self) -> Result<RegexSet, String> {
        regex::RegexSetBuilder::new(&self.patterns)
            .multi_line(true)
            .case_insensitive(self.case_insensitive)
            .size_limit(1 << 24)
            .build()
            .map_err(|e| e.to_string())
    }

    fn get(&self) -> &RegexSet {
        self.cell.get_or_init(|| {
            self.build()
                .unwrap_or_else(|e| panic!("embedded rule regex set: {e}"))
        })
    }
}

/// Compiled `text_match`.
pub struct TextMatch {
    files: SelectorId,
    forms: Vec<CompiledForm>,
    /// Which forms can match a file at all, in one pass (only with several forms).
    set: Option<FormSet>,
    defaults: Vec<String>,
    case_insensitive: bool,
    unless: Option<LazyRegex>,
    only_if: Option<LazyRegex>,
    comment_prefixes: Vec<String>,
    expect: Expect,
    per_file: bool,
    fail_without_files: bool,
    mask: bool,
    reveal: Vec<String>,
    message: Option<String>,
    via_message: String,
    paths: String,
}

/// Upper bound of findings per rule, so that a pathological file cannot flood a report.
const MAX_FINDINGS: usize = 500;

/// How far `unless_inside` looks for the end of a call or literal.
const MAX_CALL: usize = 4000;

/// Names an indirect form never follows: keywords and the usual receivers of settings.
const NOT_A_NAME: &[&str] = &[
    "true",
    "false",
    "null",
    "nil",
    "None",
    "True",
    "False",
    "undefined",
    "self",
    "this",
    "settings",
    "config",
    "cfg",
    "conf",
    "env",
    "process",
    "os",
    "app",
    "options",
    "opts",
];

/// One non-excused match of a form in a file.
struct Hit<'t> {
    form: usize,
    caps: regex::Captures<'t>,
    line: u32,
    col: u32,
}

/// An indirect form's match waiting for the default of its name.
struct Use {
    file: usize,
    line: u32,
    form: usize,
    names: Vec<String>,
    text: String,
}

/// Where a name gets the offending value.
struct Given {
    file: usize,
    line: u32,
    col: u32,
    text: String,
}

fn glob_set(field: &str, globs: &[String], ci: bool) -> Result<Option<GlobSet>, ParamError> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let pattern = if g.contains('/') {
            g.trim_start_matches('/').to_owned()
        } else {
            format!("**/{g}")
        };
        let glob = GlobBuilder::new(&pattern)
            .literal_separator(true)
            .case_insensitive(ci)
            .build()
            .map_err(|e| ParamError::at(field, format!("invalid glob `{g}`: {}", e.kind())))?;
        b.add(glob);
    }
    b.build()
        .map(Some)
        .map_err(|e| ParamError::at(field, e.to_string()))
}

/// The inside of the balanced call or literal opened by the first `(`, `{` or `[` of the
/// match `text[start..end]`, if it has one (up to [`MAX_CALL`] bytes when unbalanced).
fn inside(text: &str, start: usize, end: usize) -> Option<&str> {
    let open = start + text[start..end].find(['(', '{', '['])?;
    let rest = &text[open + 1..];
    let mut depth = 1usize;
    for (i, c) in rest.char_indices() {
        if i > MAX_CALL {
            break;
        }
        match c {
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&rest[..i]);
                }
            }
            _ => {}
        }
    }
    let mut cut = rest.len().min(MAX_CALL);
    while !rest.is_char_boundary(cut) {
        cut -= 1;
    }
    Some(&rest[..cut])
}

impl CheckKind for TextMatch {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        let files = cx.files("paths", &p.paths, &p.exclude, p.case_insensitive)?;
        let ci = p.case_insensitive;
        let mut forms = Vec::new();
        match (&p.pattern, p.forms.is_empty()) {
            (Some(pattern), true) => forms.push(CompiledForm {
                name: String::new(),
                re: regex_param("pattern", pattern, ci)?,
                files: None,
                unless_inside: None,
                if_file: None,
                unless_file: None,
                unless_section: None,
                via: false,
            }),
            (None, false) => {
                for (i, f) in p.forms.iter().enumerate() {
                    let field = |k: &str| format!("forms[{i}].{k}");
                    let re = regex_param(&field("pattern"), &f.pattern, ci)?;
                    let via = re.has_group("via");
                    forms.push(CompiledForm {
                        name: f.name.clone(),
                        via,
                        re,
                        files: glob_set(&field("files"), &f.files, ci)?,
                        unless_inside: f
                            .unless_inside
                            .as_deref()
                            .map(|u| regex_param(&field("unless_inside"), u, ci))
                            .transpose()?,
                        if_file: f
                            .if_file
                            .as_deref()
                            .map(|u| regex_param(&field("if_file"), u, ci))
                            .transpose()?,
                        unless_file: f
                            .unless_file
                            .as_deref()
                            .map(|u| regex_param(&field("unless_file"), u, ci))
                            .transpose()?,
                        unless_section: match (&f.section, &f.unless_section) {
                            (Some(sec), Some(un)) => Some((
                                regex_param(&field("section"), sec, ci)?,
                                regex_param(&field("unless_section"), un, ci)?,
                            )),
                            (None, None) => None,
                            _ => {
                                return Err(ParamError::at(
                                    &field("section"),
                                    "`section` and `unless_section` go together",
                                ));
                            }
                        },
                    });
                }
            }
            _ => {
                return Err(ParamError::at(
                    "pattern",
                    "give either `pattern` or `forms`, not both or neither",
                ));
            }
        }
        let indirect = forms.iter().any(|f| f.via);
        if indirect && (p.defaults.is_empty() || p.expect != Expect::Absent) {
            return Err(ParamError::at(
                "defaults",
                "a form with a `via` group needs `defaults` and `expect: absent`",
            ));
        }
        for (i, d) in p.defaults.iter().enumerate() {
            if !d.contains("{via}") {
                return Err(ParamError::at(
                    &format!("defaults[{i}]"),
                    "a default template must contain `{via}`",
                ));
            }
            regex_param(&format!("defaults[{i}]"), &d.replace("{via}", "name"), ci)?;
        }
        let set = if forms.len() > 1 {
            let patterns: Vec<String> = forms
                .iter()
                .map(|f| super::ascii_word_boundaries(f.re.as_str()).into_owned())
                .collect();
            let set = FormSet {
                patterns,
                case_insensitive: ci,
                cell: std::sync::OnceLock::new(),
            };
            if super::eager() {
                let built = set.build().map_err(|e| ParamError::at("forms", e))?;
                let _ = set.cell.set(built);
            }
            Some(set)
        } else {
            None
        };
        let unless = p
            .unless_line
            .as_deref()
            .map(|u| regex_param("unless_line", u, ci))
            .transpose()?;
        let only_if = p
            .only_if_file_matches
            .as_deref()
            .map(|u| regex_param("only_if_file_matches", u, ci))
            .transpose()?;
        if p.per_file && p.expect == Expect::Absent {
            return Err(ParamError::at(
                "per_file",
                "`per_file` only applies to `expect: present`",
            ));
        }
        Ok(TextMatch {
            files,
            forms,
            set,
            defaults: p.defaults,
            case_insensitive: ci,
            unless,
            only_if,
            comment_prefixes: p.comment_prefixes,
            expect: p.expect,
            per_file: p.per_file,
            fail_without_files: p.fail_without_files,
            mask: p.mask,
            reveal: p.reveal,
            message: p.message,
            via_message: p
                .via_message
                .unwrap_or_else(|| "`{match}` reaches `{use}` ({used_at})".to_owned()),
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
            let scans: Vec<(Vec<Finding>, Vec<Use>, Option<String>)> =
                files.par_iter().map(|&i| self.scan_absent(ws, i)).collect();
            let mut uses = Vec::new();
            for (findings, file_uses, problem) in scans {
                if let Some(p) = problem {
                    cx.problem(p);
                }
                uses.extend(file_uses);
                for f in findings {
                    if cx.findings.len() >= MAX_FINDINGS {
                        break;
                    }
                    cx.report(f);
                }
            }
            if !uses.is_empty() {
                // A default that a direct form already reported on its line is one fact.
                let reported: BTreeSet<(String, Option<u32>)> = cx
                    .findings
                    .iter()
                    .map(|f| {
                        (
                            f.location.path().unwrap_or("").to_owned(),
                            f.location.line(),
                        )
                    })
                    .collect();
                for f in self.resolve_uses(ws, files, &uses) {
                    if reported.contains(&(
                        f.location.path().unwrap_or("").to_owned(),
                        f.location.line(),
                    )) {
                        continue;
                    }
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
        let mut missing = Vec::new();
        for &i in files {
            let Some(text) = cx.text(i) else { continue };
            if self.only_if.as_ref().is_some_and(|r| !r.is_match(text)) {
                continue;
            }
            let rel = &ws.file(i).rel;
            match self.first_match(text, rel) {
                Some(f) => cx.evidence(f),
                None => missing.push(i),
            }
        }
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
        Ok(Applicability::Applicable)
    }
}

impl TextMatch {
    /// Every non-excused match of every form in one file, in file order; a match that
    /// starts inside an earlier one is the same fact spelled by another form.
    fn hits<'t>(&self, text: &'t str, rel: &str, index: &mut Option<LineIndex>) -> Vec<Hit<'t>> {
        let mut out: Vec<Hit<'t>> = Vec::new();
        if self.only_if.as_ref().is_some_and(|r| !r.is_match(text)) {
            return out;
        }
        let candidates: Vec<usize> = match &self.set {
            Some(set) => set.get().matches(text).into_iter().collect(),
            None => (0..self.forms.len()).collect(),
        };
        for k in candidates {
            let form = &self.forms[k];
            if form.files.as_ref().is_some_and(|g| !g.is_match(rel)) {
                continue;
            }
            if form.if_file.as_ref().is_some_and(|u| !u.is_match(text))
                || form.unless_file.as_ref().is_some_and(|u| u.is_match(text))
            {
                continue;
            }
            for caps in form.re.captures_iter(text) {
                let Some(m) = caps.get(0) else { continue };
                let idx = index.get_or_insert_with(|| LineIndex::new(text));
                let (line, col) = idx.position(text, m.start());
                if self.is_excused(idx.line_text(text, line)) {
                    continue;
                }
                if let Some(u) = &form.unless_inside
                    && inside(text, m.start(), m.end()).is_some_and(|body| u.is_match(body))
                {
                    continue;
                }
                if let Some((section, unless)) = &form.unless_section
                    && section
                        .find_iter(&text[..m.start()])
                        .last()
                        .is_some_and(|open| {
                            let end = text[open.start()..]
                                .find('\n')
                                .map_or(text.len(), |k| open.start() + k);
                            unless.is_match(&text[open.start()..end])
                        })
                {
                    continue;
                }
                out.push(Hit {
                    form: k,
                    caps,
                    line,
                    col,
                });
                if out.len() >= MAX_FINDINGS {
                    break;
                }
            }
        }
        out.sort_by_key(|h| (h.caps.get(0).map_or(0, |m| m.start()), h.form));
        let mut kept: Vec<Hit<'t>> = Vec::with_capacity(out.len());
        let mut end = 0usize;
        for h in out {
            let m = h.caps.get(0).expect("match");
            if !kept.is_empty() && m.start() < end {
                continue;
            }
            end = m.end().max(m.start() + 1);
            kept.push(h);
        }
        kept
    }

    /// The first match in a text, as evidence (indirect forms are not evidence).
    fn first_match(&self, text: &str, rel: &str) -> Option<Finding> {
        let mut index = None;
        let hit = self
            .hits(text, rel, &mut index)
            .into_iter()
            .find(|h| !self.forms[h.form].via)?;
        let whole = hit.caps.get(0).map_or("", |m| m.as_str());
        Some(Finding::at(
            rel,
            hit.line,
            hit.col,
            format!("`{}` found", self.shown(whole)),
        ))
    }

    /// Every direct match in one file as a finding, the indirect ones as uses to resolve,
    /// or why the file could not be read.
    fn scan_absent(&self, ws: &Workspace, i: usize) -> (Vec<Finding>, Vec<Use>, Option<String>) {
        let rel = &ws.file(i).rel;
        let scanned = ws.with_text(i, |text| {
            let mut findings = Vec::new();
            let mut uses = Vec::new();
            let mut index = None;
            for h in self.hits(text, rel, &mut index) {
                let form = &self.forms[h.form];
                if form.via {
                    let via = h.caps.name("via").map_or("", |m| m.as_str());
                    let names: Vec<String> = via
                        .split('.')
                        .filter(|n| n.len() >= 3 && !NOT_A_NAME.contains(n))
                        .filter(|n| crate::parse::env::is_var_name(n))
                        .map(str::to_owned)
                        .collect();
                    if !names.is_empty() {
                        uses.push(Use {
                            file: i,
                            line: h.line,
                            form: h.form,
                            names,
                            text: self.shown(h.caps.get(0).map_or("", |m| m.as_str())),
                        });
                    }
                    continue;
                }
                findings.push(Finding::at(
                    rel,
                    h.line,
                    h.col,
                    self.message_for(&h.caps, form, rel),
                ));
            }
            (findings, uses)
        });
        match scanned {
            Ok((findings, uses)) => (findings, uses, None),
            Err(p) => (
                Vec::new(),
                Vec::new(),
                Some(format!("`{rel}` was not read ({p})")),
            ),
        }
    }

    /// Finds where each indirect use's name gets the offending value: in the use's own file
    /// first, else (for a specific name) the first selected file in path order. One finding
    /// per default.
    fn resolve_uses(&self, ws: &Workspace, files: &[usize], uses: &[Use]) -> Vec<Finding> {
        let names: BTreeSet<&str> = uses
            .iter()
            .flat_map(|u| u.names.iter().map(String::as_str))
            .collect();
        let mut templates: Vec<(&str, Vec<LazyRegex>)> = Vec::new();
        for name in names {
            let res: Vec<LazyRegex> = self
                .defaults
                .iter()
                .filter_map(|d| {
                    regex_param(
                        "defaults",
                        &d.replace("{via}", &regex::escape(name)),
                        self.case_insensitive,
                    )
                    .ok()
                })
                .collect();
            templates.push((name, res));
        }
        use rayon::prelude::*;
        let found: Vec<Vec<(usize, Given)>> = files
            .par_iter()
            .map(|&i| {
                ws.with_text(i, |text| {
                    let mut out = Vec::new();
                    let mut index: Option<LineIndex> = None;
                    for (k, (name, res)) in templates.iter().enumerate() {
                        if !text.contains(name) {
                            continue;
                        }
                        for re in res {
                            for m in re.find_iter(text) {
                                let idx = index.get_or_insert_with(|| LineIndex::new(text));
                                let (line, col) = idx.position(text, m.start());
                                if self.is_excused(idx.line_text(text, line)) {
                                    continue;
                                }
                                out.push((
                                    k,
                                    Given {
                                        file: i,
                                        line,
                                        col,
                                        text: self.shown(m.as_str().trim_start()),
                                    },
                                ));
                                break;
                            }
                        }
                    }
                    out
                })
                .unwrap_or_default()
            })
            .collect();
        let mut by_name: BTreeMap<usize, Vec<Given>> = BTreeMap::new();
        for (k, d) in found.into_iter().flatten() {
            by_name.entry(k).or_default().push(d);
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for u in uses {
            let mut best: Option<(&str, &Given)> = None;
            for name in &u.names {
                let Some(k) = templates.iter().position(|(n, _)| n == name) else {
                    continue;
                };
                let Some(ds) = by_name.get(&k) else { continue };
                // A plain word (`origins`, `hosts`) is followed in its own file only; a
                // specific name (`allowed_hosts`, `corsOrigins`) in every selected file.
                let specific = name.contains('_') || name.bytes().any(|b| b.is_ascii_uppercase());
                let here = ds.iter().find(|d| d.file == u.file);
                if let Some(d) = here.or_else(|| ds.first().filter(|_| specific)) {
                    best = Some((name, d));
                    break;
                }
            }
            let Some((name, d)) = best else { continue };
            if !seen.insert((d.file, d.line, d.col)) {
                continue;
            }
            let used_at = format!("{}:{}", ws.file(u.file).rel, u.line);
            let msg = render(
                &self.via_message,
                &[
                    ("match", &d.text),
                    ("via", name),
                    ("use", &u.text),
                    ("used_at", &used_at),
                    ("form", &self.forms[u.form].name),
                ],
            );
            out.push(Finding::at(&ws.file(d.file).rel, d.line, d.col, msg));
        }
        out
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

    fn message_for(&self, caps: &regex::Captures<'_>, form: &CompiledForm, rel: &str) -> String {
        let whole = self.shown(caps.get(0).map_or("", |m| m.as_str()).trim_start());
        let Some(tpl) = &self.message else {
            return format!("`{whole}` found");
        };
        let mut owned: Vec<(String, String)> = vec![
            ("match".into(), whole),
            ("path".into(), rel.to_owned()),
            ("form".into(), form.name.clone()),
        ];
        for (i, name) in form.re.capture_names().enumerate().skip(1) {
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

    const FORMS: &str = r##"paths: ["*.js", "*.py"]
expect: absent
comment_prefixes: ["//", "#"]
message: '`{match}`: {form}'
forms:
  - name: bare call
    pattern: '\bcors\(\s*\)'
  - name: options without origin
    pattern: '\bcors\(\s*\{'
    files: ["*.js"]
    unless_inside: '\borigin\b'
  - name: wildcard origin
    pattern: '\borigin\s*:\s*"\*"'
  - name: flask default
    pattern: '\bCORS\(\s*app\s*\)'
    unless_file: 'CORS_ORIGINS'
"##;

    #[test]
    fn forms_are_named_limited_to_files_and_excused_by_their_call() {
        let (_, f, _) = run(
            "text_match",
            FORMS,
            &[
                (
                    "a.js",
                    // readycheck: ignore[CONF006,CONF007] test input, not a CORS policy
                    "app.use(cors());\napp.use(cors({\n  credentials: true,\n}));\napp.use(cors({ origin: \"*\" }));\napp.use(cors({ origin: list }));\n// cors()\n",
                ),
                // `files` keeps the JS form out of Python; `unless_file` excuses Flask.
                ("b.py", "x = cors({ a: 1 })\nCORS(app)\n"),
                (
                    "c.py",
                    "app.config['CORS_ORIGINS'] = ['https://a']\nCORS(app)\n",
                ),
            ],
        );
        assert_eq!(
            lines(&f),
            vec![
                // readycheck: ignore[CONF006,CONF007] expected output, not a CORS policy
                "a.js:1:9: `cors()`: bare call",
                "a.js:2:9: `cors({`: options without origin",
                "a.js:5:16: `origin: \"*\"`: wildcard origin",
                "b.py:2:1: `CORS(app)`: flask default",
            ]
        );
    }

    #[test]
    fn an_indirect_form_is_reported_where_its_name_gets_the_value() {
        let p = r##"paths: ["*.py", "*.ts"]
expect: absent
comment_prefixes: ["#"]
message: '`{match}`'
via_message: '`{via}` is `{match}`, used by `{use}` at {used_at}'
forms:
  - name: literal
    pattern: 'allow_origins=\["\*"\]'
  - name: through a setting
    pattern: 'allow_origins=(?P<via>[\w.]+)'
defaults:
  - '(?m)^\s*{via}\s*:[^=\n]*=\s*\["\*"\]'
  - '\b{via}\s*[:=][^;,]*\|\|\s*"\*"'
"##;
        let (_, f, _) = run(
            "text_match",
            p,
            &[
                (
                    "app/config.py",
                    "class S:\n    all_hosts: list[str] = [\"*\"]\n    # safe_hosts: list[str] = [\"*\"]\n    safe_hosts: list[str] = []\n    hosts: list[str] = [\"*\"]\n",
                ),
                (
                    "app/main.py",
                    "a(allow_origins=settings.all_hosts)\nb(allow_origins=settings.all_hosts)\nc(allow_origins=settings.safe_hosts)\nd(allow_origins=[\"*\"])\ne(allow_origins=hosts)\n",
                ),
            ],
        );
        // Two uses of one default are one finding; a name without a wildcard default is none;
        // a plain word (`hosts`) is not followed into another file.
        assert_eq!(
            lines(&f),
            vec![
                "app/config.py:2:1: `all_hosts` is `all_hosts: list[str] = [\"*\"]`, used by `allow_origins=settings.all_hosts` at app/main.py:1",
                "app/main.py:4:3: `allow_origins=[\"*\"]`",
            ]
        );
    }

    #[test]
    fn indirect_forms_need_defaults_and_absent() {
        let yaml = "kind: text_match\nparams:\n  paths: [\"*.py\"]\n  expect: absent\n  forms:\n    - name: x\n      pattern: 'a=(?P<via>\\w+)'\n";
        let spec: crate::check::CheckSpec = serde_saphyr::from_str(yaml).unwrap();
        let reg = std::sync::Mutex::new(crate::collect::select::SelectorRegistry::default());
        let err = spec
            .compile(&mut crate::check::CompileCx::new(
                &reg,
                crate::collect::scope::RoleSet::PRODUCTION,
            ))
            .err()
            .expect("rejected");
        assert_eq!(err.field.as_deref(), Some("defaults"));
    }

    #[test]
    fn a_match_in_an_excused_section_does_not_count() {
        let p = r"paths: [Dockerfile]
expect: absent
forms:
  - name: dev env
    pattern: 'NODE_ENV=development'
    section: '(?m)^FROM\s'
    unless_section: '\bAS\s+dev\s*$'
";
        let (_, f, _) = run(
            "text_match",
            p,
            &[(
                "Dockerfile",
                "FROM node:22 AS dev\nENV NODE_ENV=development\nFROM node:22 AS app\nENV NODE_ENV=development\n",
            )],
        );
        assert_eq!(
            lines(&f),
            vec!["Dockerfile:4:5: `NODE_ENV=development` found"]
        );
    }
}
