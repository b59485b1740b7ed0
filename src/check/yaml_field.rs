//! `yaml_field`: assertions on key paths in YAML documents (compose services, Kubernetes
//! containers, workflow jobs), with wildcards, multi-document files and `kind:` filters.
//! A missing key is reported at the deepest key that does exist, never at line 1.

use super::{
    Applicability, CheckCx, CheckError, CheckKind, CompileCx, OneOrMany, ParamError, regex_param,
    render,
};
use crate::check::LazyRegex;
use crate::collect::select::SelectorId;
use crate::finding::Finding;
use crate::parse::yaml::{Hit, KeyPath, Node, Resolved, Segment, Value, resolve, select};
use indexmap::IndexMap;
use regex::Regex;
use serde::Deserialize;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Builds the placeholder values of a message.
type Vars<'a> = dyn Fn(&str, &str) -> Vec<(String, String)> + 'a;
/// Fills a message template.
type Fill<'a> = dyn Fn(&str, &[(String, String)]) -> String + 'a;

/// What must hold at the key path.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Expectation {
    /// The key is present with a non-null value.
    Exists,
    /// The key is not present.
    Absent,
    /// The value equals this scalar.
    Equals(serde_json::Value),
    /// The value does not equal this scalar.
    NotEquals(serde_json::Value),
    /// The value (as text) matches this regex.
    Matches(String),
    /// The value (as text) does not match this regex.
    NotMatches(String),
    /// The value is one of these scalars.
    OneOf(Vec<serde_json::Value>),
    /// The value is none of these scalars.
    NotOneOf(Vec<serde_json::Value>),
}

/// What a missing key means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenMissing {
    /// A missing key satisfies the rule.
    Pass,
    /// A missing key is a finding.
    Fail,
}

/// Parameters of `yaml_field`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Gitignore-style globs choosing the YAML files.
    pub paths: Vec<String>,
    /// Globs to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Only documents whose key paths have one of the listed values, e.g.
    /// `{kind: [Deployment, StatefulSet]}`.
    #[serde(default)]
    pub documents: IndexMap<String, OneOrMany<String>>,
    /// Key path (wildcards allowed: `services.*`, `spec.template.spec.containers[*]`) of the
    /// subjects to check one by one; a list gathers subjects from several places (Pod,
    /// Deployment and CronJob containers). Without it the document itself is the subject.
    #[serde(default)]
    pub for_each: Option<OneOrMany<String>>,
    /// Key path below each subject; a list means alternatives (any one satisfying is enough).
    pub at: OneOrMany<String>,
    /// What must hold there.
    pub expect: Expectation,
    /// Whether a missing key fails. Default: `fail` for exists/equals/matches/one_of,
    /// `pass` for absent and the `not_` forms.
    #[serde(default)]
    pub when_missing: Option<WhenMissing>,
    /// Message for a value that violates the expectation. Placeholders: `{subject}`, `{at}`,
    /// `{value}`, `{kind}`, `{name}` (the document's `metadata.name`).
    #[serde(default)]
    pub message: Option<String>,
    /// Message for a missing key (same placeholders).
    #[serde(default)]
    pub missing_message: Option<String>,
    /// Check only documents where the value at this key path matches (a mapping's keys and a
    /// list's items count as its text), e.g. `{at: on, matches: pull_request_target}`.
    #[serde(default)]
    pub if_document: Option<DocumentTest>,
    /// Leave out documents where the value at this key path exists and matches, e.g. a
    /// workflow-level `permissions:` that covers every job.
    #[serde(default)]
    pub unless_document: Option<DocumentTest>,
    /// Outcome when files exist but no document passes the filters (`documents`,
    /// `if_document`): `skip` (default) or `pass`, for rules about a rare construct that a
    /// repository without it satisfies (a `pull_request_target` workflow that checks out
    /// the pull request).
    #[serde(default)]
    pub when_no_document: Option<WhenMissing>,
}

/// A test on one key path of a whole document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentTest {
    /// Key path from the document root (no wildcards).
    pub at: String,
    /// Regex the value's text must match; default: any value, even an empty one.
    #[serde(default)]
    pub matches: Option<String>,
}

struct DocTest {
    at: KeyPath,
    matches: Option<LazyRegex>,
}

impl DocTest {
    fn compile(field: &str, t: Option<DocumentTest>) -> Result<Option<DocTest>, ParamError> {
        let Some(t) = t else { return Ok(None) };
        Ok(Some(DocTest {
            at: KeyPath::parse(&t.at).map_err(|e| ParamError::at(field, e))?,
            matches: t
                .matches
                .as_deref()
                .map(|m| regex_param(field, m, false))
                .transpose()?,
        }))
    }

    fn holds(&self, doc: &Node) -> bool {
        let root = Hit {
            node: doc,
            key: None,
            index: None,
        };
        match resolve(root, &self.at.segments) {
            Resolved::Found(hits) => hits.iter().any(|h| {
                self.matches
                    .as_ref()
                    .is_none_or(|re| re.is_match(&key_text(h.node)))
            }),
            Resolved::Missing(_) => false,
        }
    }
}

/// A scalar's text, a list's items' texts, or a mapping's keys, space-separated.
fn key_text(node: &Node) -> String {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .map(|(k, _)| k.name.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        Value::Seq(items) => items.iter().map(key_text).collect::<Vec<_>>().join(" "),
        Value::Null => String::new(),
        _ => node.scalar_text().unwrap_or_default(),
    }
}

enum Test {
    Exists,
    Absent,
    Equals(Vec<String>, bool),
    Matches(LazyRegex, bool),
}

/// Compiled `yaml_field`.
pub struct YamlField {
    files: SelectorId,
    paths: String,
    documents: Vec<(KeyPath, Vec<String>)>,
    /// A text test every file with a wanted document passes (from top-level `documents`
    /// keys), so that other files are never parsed.
    prefilter: Option<LazyRegex>,
    for_each: Vec<KeyPath>,
    at: Vec<KeyPath>,
    test: Test,
    when_missing: WhenMissing,
    message: Option<String>,
    missing_message: Option<String>,
    if_document: Option<DocTest>,
    unless_document: Option<DocTest>,
    pass_without_document: bool,
}

fn scalar_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "null".to_owned(),
        other => other.to_string(),
    }
}

fn value_text(node: &Node) -> String {
    match &node.value {
        Value::Seq(items) => items.iter().map(value_text).collect::<Vec<_>>().join(" "),
        _ => node.scalar_text().unwrap_or_else(|| node.display()),
    }
}

impl CheckKind for YamlField {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        let files = cx.files("paths", &p.paths, &p.exclude, false)?;
        let mut documents = Vec::new();
        for (k, v) in &p.documents {
            let path = KeyPath::parse(k).map_err(|e| ParamError::at("documents", e))?;
            documents.push((path, v.to_vec()));
        }
        let mut for_each = Vec::new();
        for f in p.for_each.map(|f| f.to_vec()).unwrap_or_default() {
            for_each.push(KeyPath::parse(&f).map_err(|e| ParamError::at("for_each", e))?);
        }
        let mut at = Vec::new();
        let alternatives = p.at.to_vec();
        for a in &alternatives {
            let mut path = KeyPath::parse(a).map_err(|e| ParamError::at("at", e))?;
            // `services.*.healthcheck` alone means: for each `services.*`, check `healthcheck`.
            let last_any = path
                .segments
                .iter()
                .rposition(|s| matches!(s, Segment::Any));
            if let Some(split) = last_any
                && for_each.is_empty()
                && alternatives.len() == 1
                && split + 1 < path.segments.len()
            {
                let rest = path.segments.split_off(split + 1);
                let head = path.segments.clone();
                let text = |segs: &[Segment]| {
                    segs.iter()
                        .map(|s| match s {
                            Segment::Key(k) => k.clone(),
                            Segment::Any => "*".to_owned(),
                            Segment::Index(i) => format!("[{i}]"),
                        })
                        .collect::<Vec<_>>()
                        .join(".")
                };
                for_each.push(KeyPath {
                    text: text(&head),
                    segments: head,
                });
                path = KeyPath {
                    text: text(&rest),
                    segments: rest,
                };
            }
            if path.segments.iter().any(|s| matches!(s, Segment::Any)) {
                return Err(ParamError::at(
                    "at",
                    format!("`{a}` has a wildcard: put it in `for_each`"),
                ));
            }
            at.push(path);
        }
        let (test, default_missing) = match p.expect {
            Expectation::Exists => (Test::Exists, WhenMissing::Fail),
            Expectation::Absent => (Test::Absent, WhenMissing::Pass),
            Expectation::Equals(v) => {
                (Test::Equals(vec![scalar_text(&v)], true), WhenMissing::Fail)
            }
            Expectation::NotEquals(v) => (
                Test::Equals(vec![scalar_text(&v)], false),
                WhenMissing::Pass,
            ),
            Expectation::OneOf(v) => (
                Test::Equals(v.iter().map(scalar_text).collect(), true),
                WhenMissing::Fail,
            ),
            Expectation::NotOneOf(v) => (
                Test::Equals(v.iter().map(scalar_text).collect(), false),
                WhenMissing::Pass,
            ),
            Expectation::Matches(r) => (
                Test::Matches(regex_param("expect.matches", &r, false)?, true),
                WhenMissing::Fail,
            ),
            Expectation::NotMatches(r) => (
                Test::Matches(regex_param("expect.not_matches", &r, false)?, false),
                WhenMissing::Pass,
            ),
        };
        let prefilter = documents
            .iter()
            .find(|(k, _)| k.segments.len() == 1)
            .and_then(|(k, values)| {
                let key = regex::escape(&k.text);
                let alts: Vec<String> = values.iter().map(|v| regex::escape(v)).collect();
                // Loose on purpose: block or flow style, quoted or not; a false match only costs a parse.
                Regex::new(&format!(
                    r#"["']?\b{key}["']?\s*:\s*["']?(?:{})\b"#,
                    alts.join("|")
                ))
                .ok()
                .map(LazyRegex::from)
            });
        Ok(YamlField {
            files,
            prefilter,
            paths: p.paths.join("`, `"),
            documents,
            for_each,
            at,
            test,
            when_missing: p.when_missing.unwrap_or(default_missing),
            message: p.message,
            missing_message: p.missing_message,
            if_document: DocTest::compile("if_document", p.if_document)?,
            unless_document: DocTest::compile("unless_document", p.unless_document)?,
            pass_without_document: p.when_no_document == Some(WhenMissing::Pass),
        })
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let ws = cx.workspace();
        let files = cx.consider(self.files);
        if files.is_empty() {
            return Ok(Applicability::NotApplicable(format!(
                "no file matches `{}`",
                self.paths
            )));
        }
        let documents_seen = AtomicUsize::new(0);
        let subjects_seen = AtomicUsize::new(0);
        cx.for_each_file_par(files, |cx, i| {
            // Skip the parse of files that cannot hold a wanted document.
            if let Some(pre) = &self.prefilter
                && cx.text(i).is_some_and(|t| !pre.is_match(t))
            {
                return;
            }
            let Some(docs) = cx.yaml(i) else { return };
            let rel = ws.file(i).rel.clone();
            for doc in docs.iter() {
                if !self.document_matches(doc) {
                    continue;
                }
                if self.unless_document.as_ref().is_some_and(|t| t.holds(doc)) {
                    // Covered as a whole (e.g. workflow-level permissions): checked and fine.
                    documents_seen.fetch_add(1, Ordering::Relaxed);
                    subjects_seen.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                documents_seen.fetch_add(1, Ordering::Relaxed);
                cx.reading(i);
                let root = Hit {
                    node: doc,
                    key: None,
                    index: None,
                };
                let subjects: Vec<Hit<'_>> = if self.for_each.is_empty() {
                    vec![root]
                } else {
                    self.for_each
                        .iter()
                        .flat_map(|path| select(root, &path.segments))
                        .collect()
                };
                for subject in subjects {
                    subjects_seen.fetch_add(1, Ordering::Relaxed);
                    self.check_subject(cx, &rel, doc, subject);
                }
            }
        });
        let documents_seen = documents_seen.into_inner();
        let subjects_seen = subjects_seen.into_inner();
        cx.judged(subjects_seen);
        if documents_seen == 0 && self.pass_without_document {
            // "No such document" is the verdict on every file read.
            cx.judged(files.len());
        }
        if documents_seen == 0 && cx.problems.is_empty() && !self.pass_without_document {
            let mut filter: Vec<String> = self
                .documents
                .iter()
                .map(|(k, v)| format!("`{}` in [{}]", k.text, v.join(", ")))
                .collect();
            if let Some(t) = &self.if_document {
                filter.push(format!("a matching `{}`", t.at.text));
            }
            return Ok(Applicability::NotApplicable(format!(
                "no YAML document in `{}` with {}",
                self.paths,
                filter.join(" and ")
            )));
        }
        if subjects_seen == 0 && documents_seen > 0 {
            let each: Vec<&str> = self.for_each.iter().map(|p| p.text.as_str()).collect();
            return Ok(Applicability::NotApplicable(format!(
                "no `{}` in the matching documents",
                each.join("`, `")
            )));
        }
        Ok(Applicability::Applicable)
    }
}

impl YamlField {
    fn document_matches(&self, doc: &Node) -> bool {
        if self.if_document.as_ref().is_some_and(|t| !t.holds(doc)) {
            return false;
        }
        self.documents.iter().all(|(path, allowed)| {
            let root = Hit {
                node: doc,
                key: None,
                index: None,
            };
            match resolve(root, &path.segments) {
                Resolved::Found(hits) => hits
                    .first()
                    .and_then(|h| h.node.scalar_text())
                    .is_some_and(|t| allowed.iter().any(|a| a == &t)),
                Resolved::Missing(_) => false,
            }
        })
    }

    fn satisfied(&self, node: &Node) -> bool {
        let null = matches!(node.value, Value::Null);
        match &self.test {
            Test::Exists => !null,
            Test::Absent => false,
            Test::Equals(values, want) => values.contains(&value_text(node)) == *want,
            Test::Matches(re, want) => re.is_match(&value_text(node)) == *want,
        }
    }

    fn check_subject(&self, cx: &mut CheckCx<'_>, rel: &str, doc: &Node, subject: Hit<'_>) {
        let kind = doc
            .get("kind")
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        let name = doc
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        let label = if !self.for_each.is_empty() {
            subject.label()
        } else {
            String::new()
        };
        let vars = |at: &str, value: &str| -> Vec<(String, String)> {
            vec![
                ("subject".into(), label.clone()),
                ("at".into(), at.to_owned()),
                ("value".into(), value.to_owned()),
                ("kind".into(), kind.clone()),
                ("name".into(), name.clone()),
            ]
        };
        let fill = |tpl: &str, vars: &[(String, String)]| {
            let v: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            render(tpl, &v)
        };
        let prefix = if label.is_empty() {
            String::new()
        } else {
            "`{subject}`: ".to_owned()
        };
        let negative = matches!(
            self.test,
            Test::Absent | Test::Equals(_, false) | Test::Matches(_, false)
        );

        let mut first_missing: Option<(Hit<'_>, &KeyPath)> = None;
        let mut violations = Vec::new();
        let mut ok = false;
        for at in &self.at {
            match resolve(subject, &at.segments) {
                Resolved::Found(hits) => {
                    let hit = hits[0];
                    if matches!(self.test, Test::Absent) {
                        violations.push((hit, at, true));
                    } else if matches!(hit.node.value, Value::Null)
                        && !matches!(self.test, Test::Exists)
                    {
                        first_missing.get_or_insert((hit, at));
                    } else if self.satisfied(hit.node) {
                        ok = true;
                    } else {
                        violations.push((hit, at, false));
                    }
                }
                Resolved::Missing(deepest) => {
                    first_missing.get_or_insert((deepest, at));
                }
            }
        }
        let missing_fails = self.when_missing == WhenMissing::Fail;
        if negative {
            // Every alternative must hold: report each violation.
            for (hit, at, is_key) in &violations {
                let value = value_text(hit.node);
                let default = if *is_key {
                    format!("{prefix}`{{at}}` is set")
                } else {
                    format!("{prefix}`{{at}}` is `{{value}}`")
                };
                let msg = fill(
                    self.message.as_deref().unwrap_or(&default),
                    &vars(&at.text, &value),
                );
                let pos = if *is_key { hit.pos() } else { hit.node.pos };
                cx.report(Finding::at(rel, pos.line, pos.col, msg));
            }
            if violations.is_empty() && missing_fails && first_missing.is_some() && !ok {
                self.report_missing(cx, rel, first_missing, &prefix, &vars, &fill);
            } else if violations.is_empty() && !label.is_empty() {
                let pos = subject.pos();
                cx.evidence(Finding::at(
                    rel,
                    pos.line,
                    pos.col,
                    format!("`{label}` complies"),
                ));
            }
            return;
        }
        if ok {
            if !label.is_empty() {
                let pos = subject.pos();
                cx.evidence(Finding::at(
                    rel,
                    pos.line,
                    pos.col,
                    format!("`{label}` complies"),
                ));
            }
            return;
        }
        if let Some((hit, at, _)) = violations.first() {
            let value = value_text(hit.node);
            let default = format!("{prefix}`{{at}}` is `{{value}}`");
            let msg = fill(
                self.message.as_deref().unwrap_or(&default),
                &vars(&at.text, &value),
            );
            cx.report(Finding::at(rel, hit.node.pos.line, hit.node.pos.col, msg));
        } else if missing_fails {
            self.report_missing(cx, rel, first_missing, &prefix, &vars, &fill);
        }
    }

    fn report_missing(
        &self,
        cx: &mut CheckCx<'_>,
        rel: &str,
        missing: Option<(Hit<'_>, &KeyPath)>,
        prefix: &str,
        vars: &Vars<'_>,
        fill: &Fill<'_>,
    ) {
        let Some((deepest, at)) = missing else { return };
        let default = format!("{prefix}`{{at}}` is missing");
        let msg = fill(
            self.missing_message.as_deref().unwrap_or(&default),
            &vars(&at.text, ""),
        );
        let pos = deepest.pos();
        cx.report(Finding::at(rel, pos.line, pos.col, msg));
    }
}

#[cfg(test)]
mod tests {
    use crate::check::Applicability;
    use crate::check::testing::{lines, run};

    const COMPOSE: &str = "services:\n  web:\n    image: app:1.2\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n  db:\n    image: postgres:16\n    privileged: true\n";

    #[test]
    fn missing_key_is_reported_at_the_subject() {
        let (_, f, _) = run(
            "yaml_field",
            "paths: [\"docker-compose*.y*ml\"]\nfor_each: services.*\nat: healthcheck\nexpect: exists",
            &[("docker-compose.yml", COMPOSE)],
        );
        assert_eq!(
            lines(&f),
            vec!["docker-compose.yml:6:3: `db`: `healthcheck` is missing"]
        );
    }

    #[test]
    fn wildcard_in_at_splits_into_subjects() {
        let (_, f, _) = run(
            "yaml_field",
            "paths: [\"docker-compose*.y*ml\"]\nat: services.*.healthcheck\nexpect: exists",
            &[("docker-compose.yml", COMPOSE)],
        );
        assert_eq!(
            lines(&f),
            vec!["docker-compose.yml:6:3: `db`: `healthcheck` is missing"]
        );
    }

    #[test]
    fn negative_expectations_report_the_value() {
        let (_, f, _) = run(
            "yaml_field",
            "paths: [\"docker-compose.yml\"]\nfor_each: services.*\nat: privileged\nexpect: {not_equals: true}",
            &[("docker-compose.yml", COMPOSE)],
        );
        assert_eq!(
            lines(&f),
            vec!["docker-compose.yml:8:17: `db`: `privileged` is `true`"]
        );
    }

    #[test]
    fn alternatives_and_deepest_ancestor() {
        let p = "paths: [\"*.yml\"]\nfor_each: services.*\nat: [deploy.resources.limits.memory, mem_limit]\nexpect: exists";
        let (_, f, _) = run(
            "yaml_field",
            p,
            &[(
                "c.yml",
                "services:\n  a:\n    mem_limit: 512m\n  b:\n    deploy:\n      replicas: 2\n",
            )],
        );
        assert_eq!(
            lines(&f),
            vec!["c.yml:5:5: `b`: `deploy.resources.limits.memory` is missing"]
        );
    }

    #[test]
    fn documents_filter_and_multi_document_files() {
        let p = "paths: [\"k8s/\"]\ndocuments: {kind: [Deployment]}\nfor_each: spec.template.spec.containers[*]\nat: readinessProbe\nexpect: exists";
        let manifest = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app:1\n        - name: sidecar\n          image: envoy:1\n          readinessProbe: {httpGet: {path: /ready, port: 8080}}\n";
        let (_, f, _) = run("yaml_field", p, &[("k8s/web.yaml", manifest)]);
        assert_eq!(
            lines(&f),
            vec!["k8s/web.yaml:13:11: `app`: `readinessProbe` is missing"]
        );
        let (r, _, _) = run("yaml_field", p, &[("k8s/svc.yaml", "kind: Service\n")]);
        assert!(matches!(r, Ok(Applicability::NotApplicable(_))));
    }

    #[test]
    fn unparsable_yaml_is_a_problem() {
        let (_, f, problems) = run(
            "yaml_field",
            "paths: [\"*.yml\"]\nat: a\nexpect: exists",
            &[("x.yml", "a: [\n")],
        );
        assert!(f.is_empty());
        assert!(problems[0].starts_with("`x.yml:"), "{problems:?}");
    }

    #[test]
    fn when_no_document_pass_makes_an_unfiltered_repository_pass() {
        let p = "paths: [\"*.yml\"]\nif_document: {at: on, matches: pull_request_target}\nfor_each: \"jobs.*.steps[*]\"\nat: with.ref\nexpect: {not_matches: head}";
        let files = [(
            "ci.yml",
            "on: push\njobs:\n  t:\n    steps:\n      - run: make\n",
        )];
        let (r, _, _) = run("yaml_field", p, &files);
        assert!(matches!(r, Ok(Applicability::NotApplicable(_))));
        let (r, f, _) = run(
            "yaml_field",
            &format!("{p}\nwhen_no_document: pass"),
            &files,
        );
        assert!(matches!(r, Ok(Applicability::Applicable)), "{r:?}");
        assert!(f.is_empty());
    }
}
