//! `k8s_workload`: assertions on Kubernetes workloads (Deployment, StatefulSet, DaemonSet,
//! Job, CronJob, Pod) and their containers, with pod-level fallbacks (`securityContext`),
//! multi-document files, and Helm templates skipped rather than failed.

use super::orchestration::{
    Workload, image_pin_problem, k8s_documents, k8s_excludes, k8s_globs, same_value, workload,
    workload_pos,
};
use super::{
    Applicability, CheckCx, CheckError, CheckKind, CompileCx, OneOrMany, ParamError, regex_param,
    render,
};
use crate::check::LazyRegex;
use crate::collect::select::SelectorId;
use crate::finding::Finding;
use crate::parse::yaml::{Hit, KeyPath, Node, Resolved, Segment, Value, resolve};
use serde::Deserialize;

/// One condition on a container.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cond {
    /// Key path(s) below the container; the first present one is used.
    #[serde(default)]
    pub at: Option<OneOrMany<String>>,
    /// Key path below the pod spec used when the container has none of `at` (the effective
    /// value, as for `securityContext.runAsNonRoot`).
    #[serde(default)]
    pub pod_at: Option<String>,
    /// Regex the value's text must match; without it, presence is enough.
    #[serde(default)]
    pub matches: Option<String>,
}

/// What is asserted.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum WorkloadTest {
    /// Per container: every `all_of` condition and at least one `any_of` condition hold.
    Require {
        /// Conditions that must all hold.
        #[serde(default)]
        all_of: Vec<Cond>,
        /// Conditions of which one must hold.
        #[serde(default)]
        any_of: Vec<Cond>,
    },
    /// Per container: any holding condition is a finding at its value.
    Forbid {
        /// The forbidden conditions.
        any_of: Vec<Cond>,
    },
    /// Per workload: a pod-spec key path whose value matches is a finding.
    ForbidPod {
        /// Key paths below the pod spec.
        at: Vec<String>,
        /// Regex on the value.
        matches: String,
    },
    /// Per container: the two key paths hold the same value (e.g. liveness = readiness).
    SameValue {
        /// First key path.
        a: String,
        /// Second key path.
        b: String,
        /// Key paths below the container that make equal values acceptable (e.g.
        /// `livenessProbe.tcpSocket`: a port check has no dependencies to cascade).
        #[serde(default)]
        unless: Vec<String>,
    },
    /// Per container: `image` must be pinned.
    ImageTag {
        /// Tags that move.
        #[serde(default = "default_floating")]
        floating_tags: Vec<String>,
        /// Require `@sha256:…`.
        #[serde(default)]
        require_digest: bool,
        /// Skip bare names (no registry, no tag) of images built from a Dockerfile in the
        /// repository: placeholders that skaffold, tilt or `kustomize edit set image` fill.
        #[serde(default)]
        skip_built_here: bool,
    },
    /// Per workload: `spec.replicas` (default 1) must be at least `min`, unless a
    /// HorizontalPodAutoscaler targets the workload.
    MinReplicas {
        /// Smallest acceptable replica count.
        min: u32,
    },
    /// Per workload: a PodDisruptionBudget in the repository selects its pod labels.
    DisruptionBudget {},
}

fn default_floating() -> Vec<String> {
    ["latest", "stable", "edge", "nightly", "main", "master"]
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn default_kinds() -> Vec<String> {
    [
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
        "Pod",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// Parameters of `k8s_workload`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Globs of the manifests (default: every `*.yaml`/`*.yml` that is not CI or Compose).
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    /// Globs to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Workload kinds judged.
    #[serde(default = "default_kinds")]
    pub kinds: Vec<String>,
    /// Judge `initContainers` too (not for probes: init containers cannot have them).
    #[serde(default)]
    pub init_containers: bool,
    /// Judge only containers that serve traffic: they declare `ports`, or a Service in the
    /// repository selects the pod's labels.
    #[serde(default)]
    pub only_serving_containers: bool,
    /// The assertion.
    pub test: WorkloadTest,
    /// Finding message. Placeholders: `{container}`, `{kind}`, `{name}`, `{at}`, `{value}`,
    /// `{problem}`.
    #[serde(default)]
    pub message: Option<String>,
}

struct CompiledCond {
    at: Vec<KeyPath>,
    pod_at: Option<KeyPath>,
    re: Option<LazyRegex>,
    text: String,
}

enum Test {
    Require(Vec<CompiledCond>, Vec<CompiledCond>),
    Forbid(Vec<CompiledCond>),
    ForbidPod(Vec<KeyPath>, LazyRegex),
    Same(KeyPath, KeyPath, Vec<KeyPath>),
    Image(Vec<String>, bool, bool),
    Replicas(u32),
    Pdb,
}

/// Compiled `k8s_workload`.
pub struct K8sWorkload {
    files: SelectorId,
    dockerfiles: SelectorId,
    kinds: Vec<String>,
    init: bool,
    only_serving: bool,
    test: Test,
    message: Option<String>,
}

fn key_path(field: &str, s: &str) -> Result<KeyPath, ParamError> {
    let p = KeyPath::parse(s).map_err(|e| ParamError::at(field, e))?;
    if p.segments.iter().any(|s| matches!(s, Segment::Any)) {
        return Err(ParamError::at(field, format!("`{s}` has a wildcard")));
    }
    Ok(p)
}

fn conds(field: &str, list: Vec<Cond>) -> Result<Vec<CompiledCond>, ParamError> {
    list.into_iter()
        .map(|c| {
            let at: Vec<KeyPath> =
                c.at.map(|a| a.to_vec())
                    .unwrap_or_default()
                    .iter()
                    .map(|a| key_path(field, a))
                    .collect::<Result<_, _>>()?;
            let pod_at = c
                .pod_at
                .as_deref()
                .map(|p| key_path(field, p))
                .transpose()?;
            if at.is_empty() && pod_at.is_none() {
                return Err(ParamError::at(field, "a condition needs `at` or `pod_at`"));
            }
            let mut text: Vec<String> = at.iter().map(|p| p.text.clone()).collect();
            if let Some(p) = &pod_at {
                text.push(format!("pod {}", p.text));
            }
            Ok(CompiledCond {
                at,
                pod_at,
                re: c
                    .matches
                    .as_deref()
                    .map(|r| regex_param(field, r, false))
                    .transpose()?,
                text: text.join("` or `"),
            })
        })
        .collect()
}

fn root(node: &Node) -> Hit<'_> {
    Hit {
        node,
        key: None,
        index: None,
    }
}

fn found<'a>(node: &'a Node, path: &KeyPath) -> Option<&'a Node> {
    match resolve(root(node), &path.segments) {
        Resolved::Found(h) if !matches!(h[0].node.value, Value::Null) => Some(h[0].node),
        _ => None,
    }
}

impl CompiledCond {
    /// The effective value: the first container key present, else the pod key.
    fn value<'a>(&self, container: &'a Node, pod: &'a Node) -> Option<&'a Node> {
        self.at
            .iter()
            .find_map(|p| found(container, p))
            .or_else(|| self.pod_at.as_ref().and_then(|p| found(pod, p)))
    }

    /// Whether the condition holds for a container of a pod.
    fn holds(&self, container: &Node, pod: &Node) -> bool {
        self.value(container, pod).is_some_and(|v| match &self.re {
            None => true,
            Some(re) => v.scalar_text().is_some_and(|t| re.is_match(&t)),
        })
    }
}

impl CheckKind for K8sWorkload {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        let mut exclude = k8s_excludes();
        exclude.extend(p.exclude);
        let files = cx.files("paths", &p.paths.unwrap_or_else(k8s_globs), &exclude, false)?;
        let test = match p.test {
            WorkloadTest::Require { all_of, any_of } => {
                if all_of.is_empty() && any_of.is_empty() {
                    return Err(ParamError::at("test.require", "give `all_of` or `any_of`"));
                }
                Test::Require(
                    conds("test.require.all_of", all_of)?,
                    conds("test.require.any_of", any_of)?,
                )
            }
            WorkloadTest::Forbid { any_of } => Test::Forbid(conds("test.forbid.any_of", any_of)?),
            WorkloadTest::ForbidPod { at, matches } => Test::ForbidPod(
                at.iter()
                    .map(|a| key_path("test.forbid_pod.at", a))
                    .collect::<Result<_, _>>()?,
                regex_param("test.forbid_pod.matches", &matches, false)?,
            ),
            WorkloadTest::SameValue { a, b, unless } => Test::Same(
                key_path("test.same_value.a", &a)?,
                key_path("test.same_value.b", &b)?,
                unless
                    .iter()
                    .map(|u| key_path("test.same_value.unless", u))
                    .collect::<Result<_, _>>()?,
            ),
            WorkloadTest::ImageTag {
                floating_tags,
                require_digest,
                skip_built_here,
            } => Test::Image(floating_tags, require_digest, skip_built_here),
            WorkloadTest::MinReplicas { min } => Test::Replicas(min),
            WorkloadTest::DisruptionBudget {} => Test::Pdb,
        };
        Ok(K8sWorkload {
            dockerfiles: cx.files(
                "paths",
                &super::default_dockerfile_globs(),
                &super::default_dockerfile_excludes(),
                false,
            )?,
            files,
            kinds: p.kinds,
            init: p.init_containers,
            only_serving: p.only_serving_containers,
            test,
            message: p.message,
        })
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let files = cx.consider(self.files);
        let (docs, helm) = k8s_documents(cx, files);
        let all_docs: Vec<&Node> = docs.iter().flat_map(|(_, d)| d.iter()).collect();
        let mut seen = 0usize;
        for (rel, file_docs) in &docs {
            for doc in file_docs.iter() {
                let Some(w) = workload(doc, &self.kinds) else {
                    continue;
                };
                seen += 1;
                if let Some(i) = cx.workspace().find(rel) {
                    cx.reading(i);
                }
                self.check(cx, rel, &w, &all_docs);
            }
        }
        // Workloads are the subjects, except for a comparison, whose subjects are the
        // containers that declare both values (counted where they are compared).
        if !matches!(self.test, Test::Same(..)) {
            cx.judged(seen);
        }
        for h in &helm {
            cx.set_aside(h, "a Helm template, not valid YAML until rendered");
        }
        if seen == 0 {
            let reason = if helm.is_empty() {
                format!("no {} manifest in the repository", self.kinds.join("/"))
            } else {
                format!(
                    "no plain {} manifest; {} Helm template(s) skipped because they are not valid YAML until rendered (`{}`)",
                    self.kinds.join("/"),
                    helm.len(),
                    helm[0]
                )
            };
            return Ok(Applicability::NotApplicable(reason));
        }
        if let Test::Same(a, b, _) = &self.test
            && cx.judged_other == 0
            && cx.findings.is_empty()
        {
            return Ok(Applicability::NotApplicable(format!(
                "no container declares both `{}` and `{}`: nothing to compare",
                a.text, b.text
            )));
        }
        Ok(Applicability::Applicable)
    }
}

impl K8sWorkload {
    fn msg(&self, default: &str, vars: &[(&str, &str)]) -> String {
        render(self.message.as_deref().unwrap_or(default), vars)
    }

    #[allow(clippy::too_many_lines)]
    fn check(&self, cx: &mut CheckCx<'_>, rel: &str, w: &Workload<'_>, all: &[&Node]) {
        let wpos = workload_pos(w.doc);
        match &self.test {
            Test::Replicas(min) => {
                let replicas = w.doc.get("spec").and_then(|s| s.get("replicas"));
                let n: Option<u32> = match replicas {
                    None => Some(1),
                    Some(r) => r.scalar_text().and_then(|t| t.parse().ok()),
                };
                let Some(n) = n else { return };
                if n >= *min {
                    cx.evidence(Finding::at(
                        rel,
                        wpos.line,
                        wpos.col,
                        format!("{} `{}` has {n} replicas", w.kind, w.name),
                    ));
                    return;
                }
                if all.iter().any(|d| targets(d, w)) {
                    cx.evidence(Finding::at(
                        rel,
                        wpos.line,
                        wpos.col,
                        format!(
                            "{} `{}` is scaled by a HorizontalPodAutoscaler",
                            w.kind, w.name
                        ),
                    ));
                    return;
                }
                let pos = replicas.map_or(wpos, |r| r.pos);
                let shown = n.to_string();
                let msg = self.msg(
                    "workload `{name}` ({kind}) runs {value} replica",
                    &[("kind", w.kind), ("name", w.name), ("value", &shown)],
                );
                cx.report(Finding::at(rel, pos.line, pos.col, msg));
            }
            Test::Pdb => {
                let labels = w
                    .doc
                    .get("spec")
                    .and_then(|s| s.get("template"))
                    .and_then(|t| t.get("metadata"))
                    .and_then(|m| m.get("labels"));
                let covered = labels.is_some_and(|l| all.iter().any(|d| pdb_selects(d, l)));
                if covered {
                    cx.evidence(Finding::at(
                        rel,
                        wpos.line,
                        wpos.col,
                        format!("{} `{}` has a PodDisruptionBudget", w.kind, w.name),
                    ));
                } else {
                    let msg = self.msg(
                        "workload `{name}` ({kind}) has no PodDisruptionBudget",
                        &[("kind", w.kind), ("name", w.name)],
                    );
                    cx.report(Finding::at(rel, wpos.line, wpos.col, msg));
                }
            }
            Test::ForbidPod(paths, re) => {
                let mut bad = false;
                for p in paths {
                    if let Some(v) = found(w.pod, p)
                        && let Some(t) = v.scalar_text()
                        && re.is_match(&t)
                    {
                        bad = true;
                        let msg = self.msg(
                            "workload `{name}` ({kind}) sets `{at}: {value}`",
                            &[
                                ("kind", w.kind),
                                ("name", w.name),
                                ("at", &p.text),
                                ("value", &t),
                            ],
                        );
                        cx.report(Finding::at(rel, v.pos.line, v.pos.col, msg));
                    }
                }
                if !bad {
                    cx.evidence(Finding::at(
                        rel,
                        wpos.line,
                        wpos.col,
                        format!("{} `{}` complies", w.kind, w.name),
                    ));
                }
            }
            _ => {
                let selected_by_service = self.only_serving && {
                    let labels = w
                        .doc
                        .get("spec")
                        .and_then(|s| s.get("template"))
                        .and_then(|t| t.get("metadata"))
                        .and_then(|m| m.get("labels"));
                    labels.is_some_and(|l| all.iter().any(|d| service_selects(d, l)))
                };
                for c in w.containers(self.init) {
                    let serves =
                        selected_by_service || c.node.get("ports").is_some_and(|p| !p.is_empty());
                    if self.only_serving && !serves {
                        let pos = c.node.get("name").map_or(c.node.pos, |n| n.pos);
                        cx.evidence(Finding::at(
                            rel,
                            pos.line,
                            pos.col,
                            format!(
                                "container `{}` of {} `{}` declares no ports and no Service selects it: not judged",
                                c.label(),
                                w.kind,
                                w.name
                            ),
                        ));
                        continue;
                    }
                    self.check_container(cx, rel, w, c);
                }
            }
        }
    }

    fn check_container(&self, cx: &mut CheckCx<'_>, rel: &str, w: &Workload<'_>, c: Hit<'_>) {
        let cname = c.label();
        let cpos = c.node.get("name").map_or(c.node.pos, |n| n.pos);
        let base = [
            ("container", cname.as_str()),
            ("kind", w.kind),
            ("name", w.name),
        ];
        let with = |extra: &[(&'static str, &str)]| -> Vec<(&str, String)> {
            base.iter()
                .map(|(k, v)| (*k, (*v).to_owned()))
                .chain(extra.iter().map(|(k, v)| (*k, (*v).to_owned())))
                .collect()
        };
        let emit = |cx: &mut CheckCx<'_>,
                    this: &Self,
                    default: &str,
                    vars: Vec<(&str, String)>,
                    pos: crate::parse::yaml::Pos| {
            let v: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
            cx.report(Finding::at(rel, pos.line, pos.col, this.msg(default, &v)));
        };
        let comply = |cx: &mut CheckCx<'_>| {
            cx.evidence(Finding::at(
                rel,
                cpos.line,
                cpos.col,
                format!("container `{cname}` of {} `{}` complies", w.kind, w.name),
            ));
        };
        match &self.test {
            Test::Require(all_of, any_of) => {
                let missing_all = all_of.iter().find(|c2| !c2.holds(c.node, w.pod));
                let any_ok = any_of.is_empty() || any_of.iter().any(|c2| c2.holds(c.node, w.pod));
                let failing = missing_all.or_else(|| (!any_ok).then(|| &any_of[0]));
                match failing {
                    None => comply(cx),
                    Some(cond) => {
                        let text = if missing_all.is_some() {
                            cond.text.clone()
                        } else {
                            any_of
                                .iter()
                                .map(|x| x.text.clone())
                                .collect::<Vec<_>>()
                                .join("` or `")
                        };
                        let value = cond
                            .value(c.node, w.pod)
                            .map_or_else(|| "missing".to_owned(), |v| v.display());
                        emit(
                            cx,
                            self,
                            "container `{container}` of {kind} `{name}`: `{at}` is {value}",
                            with(&[("at", &text), ("value", &value)]),
                            cpos,
                        );
                    }
                }
            }
            Test::Forbid(list) => {
                let mut bad = false;
                for cond in list {
                    if cond.holds(c.node, w.pod) {
                        bad = true;
                        let v = cond.value(c.node, w.pod);
                        let pos = v.map_or(cpos, |v| v.pos);
                        let value = v.map(Node::display).unwrap_or_default();
                        emit(
                            cx,
                            self,
                            "container `{container}` of {kind} `{name}` sets `{at}: {value}`",
                            with(&[("at", &cond.text), ("value", &value)]),
                            pos,
                        );
                    }
                }
                if !bad {
                    comply(cx);
                }
            }
            // Only a container that declares both values is a subject: with one missing
            // there is nothing to compare (another rule asks for the missing one).
            Test::Same(a, b, unless) => {
                if let (Some(x), Some(y)) = (found(c.node, a), found(c.node, b)) {
                    cx.judged(1);
                    if same_value(x, y) && !unless.iter().any(|u| found(c.node, u).is_some()) {
                        emit(
                            cx,
                            self,
                            "container `{container}` of {kind} `{name}` has identical `{at}`",
                            with(&[("at", &format!("{}` and `{}", a.text, b.text))]),
                            x.pos,
                        );
                    } else {
                        comply(cx);
                    }
                }
            }
            Test::Image(floating, digest, skip_built_here) => {
                let Some(img) = c.node.get("image") else {
                    return;
                };
                let Some(image) = img.scalar_text() else {
                    return;
                };
                if *skip_built_here && !image.contains(['/', ':', '@']) {
                    let ws = cx.workspace();
                    let root_name = crate::check::orchestration::root_names(ws);
                    if let Some(&d) = cx.selected(self.dockerfiles).iter().find(|&&d| {
                        super::orchestration::image_matches_dockerfile(
                            &image,
                            &ws.file(d).rel,
                            &root_name[..],
                        )
                    }) {
                        cx.evidence(Finding::at(
                            rel,
                            img.pos.line,
                            img.pos.col,
                            format!(
                                "image `{image}` is built from `{}` and tagged at deploy time",
                                ws.file(d).rel
                            ),
                        ));
                        return;
                    }
                }
                match image_pin_problem(&image, floating, *digest) {
                    Some(problem) => emit(
                        cx,
                        self,
                        "image `{value}` of container `{container}` in {kind} `{name}` {problem}",
                        with(&[("value", &image), ("problem", &problem)]),
                        img.pos,
                    ),
                    None => comply(cx),
                }
            }
            Test::Replicas(_) | Test::Pdb | Test::ForbidPod(..) => {}
        }
    }
}

fn text_at(node: &Node, path: &[&str]) -> Option<String> {
    let mut cur = node;
    for k in path {
        cur = cur.get(k)?;
    }
    cur.scalar_text()
}

fn namespace(doc: &Node) -> Option<String> {
    text_at(doc, &["metadata", "namespace"])
}

/// Whether `doc` is a HorizontalPodAutoscaler (or KEDA ScaledObject) scaling `w`.
fn targets(doc: &Node, w: &Workload<'_>) -> bool {
    let kind = text_at(doc, &["kind"]).unwrap_or_default();
    if kind != "HorizontalPodAutoscaler" && kind != "ScaledObject" {
        return false;
    }
    let same_ns = namespace(doc) == namespace(w.doc)
        || namespace(doc).is_none()
        || namespace(w.doc).is_none();
    same_ns && text_at(doc, &["spec", "scaleTargetRef", "name"]).as_deref() == Some(w.name)
}

/// Whether `doc` is a Service whose `selector` labels are all among `labels`.
fn service_selects(doc: &Node, labels: &Node) -> bool {
    if text_at(doc, &["kind"]).as_deref() != Some("Service") {
        return false;
    }
    let Some(Value::Map(wanted)) = doc
        .get("spec")
        .and_then(|s| s.get("selector"))
        .map(|m| &m.value)
    else {
        return false;
    };
    !wanted.is_empty()
        && wanted
            .iter()
            .all(|(k, v)| labels.get(&k.name).and_then(Node::scalar_text) == v.scalar_text())
}

/// Whether `doc` is a PodDisruptionBudget whose `matchLabels` are all among `labels`.
fn pdb_selects(doc: &Node, labels: &Node) -> bool {
    if text_at(doc, &["kind"]).as_deref() != Some("PodDisruptionBudget") {
        return false;
    }
    let Some(Value::Map(wanted)) = doc
        .get("spec")
        .and_then(|s| s.get("selector"))
        .and_then(|s| s.get("matchLabels"))
        .map(|m| &m.value)
    else {
        return false;
    };
    !wanted.is_empty()
        && wanted
            .iter()
            .all(|(k, v)| labels.get(&k.name).and_then(Node::scalar_text) == v.scalar_text())
}

#[cfg(test)]
mod tests {
    use crate::check::Applicability;
    use crate::check::testing::{lines, run};

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      securityContext:\n        runAsNonRoot: true\n      initContainers:\n        - name: migrate\n          image: acme/api:1.0\n      containers:\n        - name: api\n          image: acme/api:1.0\n          securityContext:\n            allowPrivilegeEscalation: false\n        - name: sidecar\n          image: envoy:latest\n          securityContext:\n            runAsNonRoot: false\n";

    #[test]
    fn pod_level_fallback_and_container_override() {
        let p = "test:\n  require:\n    any_of:\n      - {at: securityContext.runAsNonRoot, pod_at: securityContext.runAsNonRoot, matches: '^true$'}";
        let (_, f, _) = run("k8s_workload", p, &[("k8s/api.yaml", DEPLOY)]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("`sidecar`"), "{f:?}");
    }

    #[test]
    fn init_containers_only_when_asked() {
        let p = "test:\n  require:\n    all_of: [{at: securityContext.allowPrivilegeEscalation, matches: '^false$'}]";
        let (_, f, _) = run("k8s_workload", p, &[("k8s/api.yaml", DEPLOY)]);
        assert_eq!(f.len(), 1);
        let (_, f, _) = run(
            "k8s_workload",
            &format!("init_containers: true\n{p}"),
            &[("k8s/api.yaml", DEPLOY)],
        );
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn image_tags_and_positions() {
        let (_, f, _) = run(
            "k8s_workload",
            "test:\n  image_tag: {}",
            &[("k8s/api.yaml", DEPLOY)],
        );
        assert_eq!(
            lines(&f),
            vec![
                "k8s/api.yaml:21:18: image `envoy:latest` of container `sidecar` in Deployment `api` uses the floating tag `latest`"
            ]
        );
    }

    #[test]
    fn helm_templates_are_skipped() {
        let tpl = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n";
        let (r, f, problems) = run(
            "k8s_workload",
            "test:\n  min_replicas: {min: 2}",
            &[("chart/templates/deploy.yaml", tpl)],
        );
        assert!(f.is_empty() && problems.is_empty());
        assert!(
            matches!(r, Ok(Applicability::NotApplicable(ref m)) if m.contains("Helm")),
            "{r:?}"
        );
    }

    #[test]
    fn replicas_hpa_and_pdb() {
        let hpa = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: api}\nspec:\n  scaleTargetRef: {kind: Deployment, name: api}\n";
        let (_, f, _) = run(
            "k8s_workload",
            "kinds: [Deployment]\ntest:\n  min_replicas: {min: 2}",
            &[("k8s/api.yaml", DEPLOY)],
        );
        assert_eq!(f.len(), 1);
        let (_, f, _) = run(
            "k8s_workload",
            "kinds: [Deployment]\ntest:\n  min_replicas: {min: 2}",
            &[("k8s/api.yaml", DEPLOY), ("k8s/hpa.yaml", hpa)],
        );
        assert!(f.is_empty());
        let pdb = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: api}\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: {app: api}\n";
        let (_, f, _) = run(
            "k8s_workload",
            "kinds: [Deployment]\ntest:\n  disruption_budget: {}",
            &[("k8s/api.yaml", DEPLOY), ("k8s/pdb.yaml", pdb)],
        );
        assert!(f.is_empty());
    }

    #[test]
    fn identical_probes() {
        let d = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: a:1\n      livenessProbe: {httpGet: {path: /healthz, port: 80}}\n      readinessProbe: {httpGet: {port: 80, path: /healthz}}\n";
        let (_, f, _) = run(
            "k8s_workload",
            "test:\n  same_value: {a: livenessProbe, b: readinessProbe}",
            &[("pod.yaml", d)],
        );
        assert_eq!(f.len(), 1);
    }
}
