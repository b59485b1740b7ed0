//! `dockerfile_base_image`: every `FROM` that names an image (not an earlier stage) must
//! pin it by a non-floating tag and, optionally, by digest.

use super::{
    Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError,
    default_dockerfile_excludes, default_dockerfile_globs, render,
};
use crate::collect::select::SelectorId;
use crate::finding::Finding;
use serde::Deserialize;

/// Parameters of `dockerfile_base_image`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Globs of the Dockerfiles (default: every common naming scheme).
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    /// Globs to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Tags that move (compared case-insensitively). A tag that merely contains one of
    /// these (`latest-rust-1.80.1`) is pinned.
    #[serde(default = "default_floating")]
    pub floating_tags: Vec<String>,
    /// Also require `@sha256:…`.
    #[serde(default)]
    pub require_digest: bool,
    /// Images that need no pinning (`scratch`).
    #[serde(default = "default_exempt")]
    pub exempt: Vec<String>,
    /// Finding message. Placeholders: `{image}`, `{problem}`.
    #[serde(default)]
    pub message: Option<String>,
}

fn default_floating() -> Vec<String> {
    [
        "latest", "stable", "lts", "current", "edge", "nightly", "rolling", "mainline", "master",
        "main",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

fn default_exempt() -> Vec<String> {
    vec!["scratch".to_owned()]
}

/// Compiled `dockerfile_base_image`.
pub struct DockerfileBaseImage {
    files: SelectorId,
    floating: Vec<String>,
    require_digest: bool,
    exempt: Vec<String>,
    message: Option<String>,
}

/// Splits `registry/repo:tag@digest` into (tag, digest).
#[must_use]
pub fn split_image(image: &str) -> (Option<&str>, Option<&str>) {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let tag = name[last_slash..].split_once(':').map(|(_, t)| t);
    (tag, digest)
}

impl CheckKind for DockerfileBaseImage {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        let mut exclude = default_dockerfile_excludes();
        exclude.extend(p.exclude);
        let files = cx.files(
            "paths",
            &p.paths.unwrap_or_else(default_dockerfile_globs),
            &exclude,
            false,
        )?;
        Ok(DockerfileBaseImage {
            files,
            floating: p
                .floating_tags
                .iter()
                .map(|t| t.to_ascii_lowercase())
                .collect(),
            require_digest: p.require_digest,
            exempt: p.exempt,
            message: p.message,
        })
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let ws = cx.workspace();
        let judged = super::images::judged_dockerfiles(cx, self.files);
        if judged.is_empty() {
            return Ok(Applicability::NotApplicable(
                "no Dockerfile to judge".to_owned(),
            ));
        }
        for (i, df) in judged {
            let rel = &ws.file(i).rel;
            for stage in df.stages.iter().filter(|s| s.parent.is_none()) {
                let image = stage.effective_image();
                let pos = stage.image_pos;
                if self.exempt.iter().any(|e| e.eq_ignore_ascii_case(image)) {
                    continue;
                }
                if image.contains('$') {
                    cx.set_aside(
                        rel,
                        format!("base image `{image}` is chosen at build time (an `ARG` without a default)"),
                    );
                    continue;
                }
                let (_, digest) = split_image(image);
                let tag_problem = super::orchestration::tag_problem(image, &self.floating);
                let problem = if self.require_digest {
                    if tag_problem.is_some() {
                        // A floating tag is the tag rule's finding; the digest rule
                        // does not say it again.
                        continue;
                    }
                    digest
                        .is_none()
                        .then(|| "is not pinned by digest".to_owned())
                } else {
                    tag_problem
                };
                cx.judged(1);
                match problem {
                    Some(problem) => {
                        let tpl = self
                            .message
                            .as_deref()
                            .unwrap_or("base image `{image}` {problem}");
                        cx.report(Finding::at(
                            rel,
                            pos.line,
                            pos.col,
                            render(tpl, &[("image", image), ("problem", &problem)]),
                        ));
                    }
                    None => cx.evidence(Finding::at(
                        rel,
                        pos.line,
                        pos.col,
                        format!("`{image}` is pinned"),
                    )),
                }
            }
        }
        Ok(Applicability::Applicable)
    }
}

#[cfg(test)]
mod tests {
    use super::split_image;
    use crate::check::testing::{lines, run};

    #[test]
    fn image_reference_parts() {
        assert_eq!(split_image("node"), (None, None));
        assert_eq!(split_image("localhost:5000/app:1.2"), (Some("1.2"), None));
        assert_eq!(split_image("node@sha256:abc"), (None, Some("sha256:abc")));
        assert_eq!(
            split_image("ghcr.io/x/y:1@sha256:abc"),
            (Some("1"), Some("sha256:abc"))
        );
    }

    #[test]
    fn floating_and_missing_tags_but_not_stage_aliases() {
        let df = "FROM node AS a\nFROM python:latest\nFROM rust:latest-rust-1.80.1\nFROM a\nFROM scratch\n";
        let (_, f, _) = run("dockerfile_base_image", "{}", &[("Dockerfile", df)]);
        assert_eq!(
            lines(&f),
            vec![
                "Dockerfile:1:6: base image `node` has no tag (means `latest`)",
                "Dockerfile:2:6: base image `python:latest` uses the floating tag `latest`",
            ]
        );
    }

    #[test]
    fn arg_defaults_are_resolved_and_digests_required_when_asked() {
        let df = "ARG V=3.12-slim\nFROM python:${V}\nFROM alpine:3.20@sha256:0123\n";
        let (_, f, _) = run(
            "dockerfile_base_image",
            "require_digest: true",
            &[("Dockerfile", df)],
        );
        assert_eq!(
            lines(&f),
            vec!["Dockerfile:2:6: base image `python:3.12-slim` is not pinned by digest"]
        );
    }
}
