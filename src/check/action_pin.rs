//! `action_pin`: every `uses:` of a GitHub Actions workflow or composite action is pinned
//! as its owner's policy requires: `hash-pin` (a full commit SHA, or a digest for
//! `docker://` images), `ref-pin` (any tag or branch) or `any`. The policies are those of
//! zizmor's `unpinned-uses` audit: the most specific pattern (`owner/repo`, `owner/*`, `*`)
//! decides; the rule's defaults are merged with `[actions] policies` of `readycheck.toml`.

use super::{Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError, render};
use crate::collect::select::SelectorId;
use crate::finding::Finding;
use crate::parse::yaml::{Node, Value};
use serde::Deserialize;
use std::collections::BTreeMap;

/// How an action must be pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PinPolicy {
    /// A full 40-character commit SHA (a `sha256:` digest for `docker://` images).
    HashPin,
    /// Any tag, branch or SHA.
    RefPin,
    /// Not judged.
    Any,
}

impl PinPolicy {
    fn as_str(self) -> &'static str {
        match self {
            PinPolicy::HashPin => "hash-pin",
            PinPolicy::RefPin => "ref-pin",
            PinPolicy::Any => "any",
        }
    }
}

/// Parameters of `action_pin`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Workflow and action files (default: `.github/workflows/*.y*ml` and
    /// `.github/actions/**/action.y*ml`).
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    /// Policy by pattern: `owner/repo`, `owner/*` or `*` (default `{"*": hash-pin}`).
    #[serde(default)]
    pub policies: BTreeMap<String, PinPolicy>,
    /// Finding message. `{uses}` is the reference, `{policy}` the policy, `{pattern}` the
    /// pattern that chose it, `{subject}` the job or step.
    #[serde(default)]
    pub message: Option<String>,
}

/// Compiled `action_pin`.
pub struct ActionPin {
    files: SelectorId,
    policies: BTreeMap<String, PinPolicy>,
    message: Option<String>,
}

/// The policy for an action and the pattern that chose it: an exact `owner/repo` beats
/// `owner/*`, which beats `*`.
#[must_use]
pub fn policy_for<'a>(
    policies: &'a BTreeMap<String, PinPolicy>,
    action: &str,
) -> Option<(&'a str, PinPolicy)> {
    let mut parts = action.split('/');
    let owner = parts.next().unwrap_or("");
    let repo = parts.next().unwrap_or("");
    let exact = format!("{owner}/{repo}");
    let owner_glob = format!("{owner}/*");
    [exact.as_str(), owner_glob.as_str(), "*"]
        .into_iter()
        .find_map(|p| policies.get_key_value(p).map(|(k, v)| (k.as_str(), *v)))
}

/// Whether a `uses:` reference satisfies a policy.
fn satisfies(uses: &str, policy: PinPolicy) -> bool {
    if policy == PinPolicy::Any {
        return true;
    }
    if let Some(image) = uses.strip_prefix("docker://") {
        return match policy {
            PinPolicy::HashPin => image.contains("@sha256:"),
            _ => image.contains('@') || image.rsplit('/').next().is_some_and(|l| l.contains(':')),
        };
    }
    let Some((_, reference)) = uses.split_once('@') else {
        return false;
    };
    match policy {
        PinPolicy::HashPin => {
            reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit())
        }
        _ => !reference.is_empty(),
    }
}

impl CheckKind for ActionPin {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        let paths = p.paths.unwrap_or_else(|| {
            [
                "/.github/workflows/*.yml",
                "/.github/workflows/*.yaml",
                "/.github/actions/**/action.yml",
                "/.github/actions/**/action.yaml",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect()
        });
        let mut policies = p.policies;
        policies.entry("*".to_owned()).or_insert(PinPolicy::HashPin);
        for k in policies.keys() {
            let ok = k == "*" || {
                let mut parts = k.split('/');
                let (o, r) = (parts.next(), parts.next());
                parts.next().is_none()
                    && o.is_some_and(|o| !o.is_empty())
                    && r.is_some_and(|r| !r.is_empty())
            };
            if !ok {
                return Err(ParamError::at(
                    "policies",
                    format!("`{k}` is not `owner/repo`, `owner/*` or `*`"),
                ));
            }
        }
        Ok(ActionPin {
            files: cx.files("paths", &paths, &[], false)?,
            policies,
            message: p.message,
        })
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let ws = cx.workspace();
        let files = cx.consider(self.files);
        if files.is_empty() {
            return Ok(Applicability::NotApplicable(
                "no GitHub Actions workflow or action".to_owned(),
            ));
        }
        // The repository's own config overrides the rule's defaults, pattern by pattern.
        let mut policies = self.policies.clone();
        policies.extend(ws.action_policies().iter().map(|(k, v)| (k.clone(), *v)));
        let mut seen = 0;
        for &i in files {
            let Some(docs) = cx.yaml(i) else { continue };
            let rel = ws.file(i).rel.clone();
            let mut uses: Vec<(String, &Node)> = Vec::new();
            for doc in docs.iter() {
                collect_uses(doc, &mut uses);
            }
            if !uses.is_empty() {
                cx.reading(i);
            }
            for (subject, node) in uses {
                let Some(value) = node.scalar_text() else {
                    continue;
                };
                let value = value.trim().to_owned();
                if value.starts_with("./") || value.starts_with("../") {
                    seen += 1;
                    continue;
                }
                let action = value.split('@').next().unwrap_or(&value);
                let (pattern, policy) = if value.starts_with("docker://") {
                    policy_for(&policies, "docker/*").unwrap_or(("*", PinPolicy::HashPin))
                } else {
                    policy_for(&policies, action).unwrap_or(("*", PinPolicy::HashPin))
                };
                seen += 1;
                if satisfies(&value, policy) {
                    continue;
                }
                let tpl = self.message.as_deref().unwrap_or(
                    "`{subject}` uses `{uses}`, not pinned as the `{policy}` policy for `{pattern}` requires",
                );
                let msg = render(
                    tpl,
                    &[
                        ("subject", &subject),
                        ("uses", &value),
                        ("policy", policy.as_str()),
                        ("pattern", pattern),
                    ],
                );
                cx.report(Finding::at(&rel, node.pos.line, node.pos.col, msg));
            }
        }
        if seen == 0 && cx.problems.is_empty() {
            return Ok(Applicability::NotApplicable(
                "no `uses:` in the workflows".to_owned(),
            ));
        }
        cx.judged(seen);
        Ok(Applicability::Applicable)
    }
}

/// Every `uses:` of jobs (reusable workflows) and steps, with a name for its place.
fn collect_uses<'a>(doc: &'a Node, out: &mut Vec<(String, &'a Node)>) {
    let step_name = |step: &Node, job: &str, k: usize| {
        step.get("name")
            .and_then(Node::scalar_text)
            .or_else(|| step.get("id").and_then(Node::scalar_text))
            .map_or_else(
                || format!("jobs.{job}.steps[{k}]"),
                |n| format!("{job}: {n}"),
            )
    };
    let steps = |list: &'a Node, job: &str, out: &mut Vec<(String, &'a Node)>| {
        if let Value::Seq(items) = &list.value {
            for (k, step) in items.iter().enumerate() {
                if let Some(u) = step.get("uses") {
                    out.push((step_name(step, job, k), u));
                }
            }
        }
    };
    if let Some(Value::Map(jobs)) = doc.get("jobs").map(|j| &j.value) {
        for (key, job) in jobs {
            if let Some(u) = job.get("uses") {
                out.push((format!("jobs.{}", key.name), u));
            }
            if let Some(list) = job.get("steps") {
                steps(list, &key.name, out);
            }
        }
    }
    // A composite action: `runs.steps`.
    if let Some(list) = doc.get("runs").and_then(|r| r.get("steps")) {
        steps(list, "runs", out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_pattern_decides() {
        let mut p = BTreeMap::new();
        p.insert("*".to_owned(), PinPolicy::HashPin);
        p.insert("actions/*".to_owned(), PinPolicy::RefPin);
        p.insert("acme/deploy".to_owned(), PinPolicy::Any);
        assert_eq!(
            policy_for(&p, "actions/checkout"),
            Some(("actions/*", PinPolicy::RefPin))
        );
        assert_eq!(
            policy_for(&p, "acme/deploy/sub"),
            Some(("acme/deploy", PinPolicy::Any))
        );
        assert_eq!(
            policy_for(&p, "pnpm/action-setup"),
            Some(("*", PinPolicy::HashPin))
        );
    }

    #[test]
    fn references_against_policies() {
        let sha = "11bd71901bbe5b1630ceea73d27597364c9af683";
        assert!(satisfies(
            &format!("actions/checkout@{sha}"),
            PinPolicy::HashPin
        ));
        assert!(!satisfies("actions/checkout@v4", PinPolicy::HashPin));
        assert!(satisfies("actions/checkout@v4", PinPolicy::RefPin));
        assert!(!satisfies("actions/checkout", PinPolicy::RefPin));
        assert!(satisfies(
            "docker://alpine:3.20@sha256:abcd",
            PinPolicy::HashPin
        ));
        assert!(!satisfies("docker://alpine:3.20", PinPolicy::HashPin));
        assert!(satisfies("docker://alpine:3.20", PinPolicy::RefPin));
        assert!(satisfies("anything", PinPolicy::Any));
    }
}
