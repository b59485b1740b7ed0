//! `health_endpoints`: finds the service's health endpoints on the live target, and checks
//! that every health path the repository declares (Dockerfile `HEALTHCHECK` URLs, compose
//! `healthcheck.test`, Kubernetes `httpGet.path`) answers 2xx: a probe the orchestrator
//! runs against a path that fails means restarts or no traffic in production.

use super::{
    Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError,
    default_dockerfile_excludes, default_dockerfile_globs,
};
use crate::collect::Workspace;
use crate::collect::select::SelectorId;
use crate::finding::{Finding, Location};
use crate::parse::yaml::{Node, Value};
use crate::probe::RequestSpec;
use regex::Regex;
use serde::Deserialize;
use std::sync::OnceLock;

/// What the rule checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// At least one of `paths` answers 2xx within `max_ms`.
    Discover,
    /// Every health path declared in the repository answers 2xx.
    Declared,
    /// The first health path answering 2xx returns a JSON object with a `status` field.
    JsonStatus,
    /// A readiness endpoint (`readiness_paths`) answers, distinct from liveness.
    DistinctReadiness,
    /// No health response may be cached (`Cache-Control` with `public` or a positive max-age).
    NoCache,
}

/// Parameters of `health_endpoints`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// `discover` or `declared`.
    pub mode: Mode,
    /// Candidate paths for `discover`.
    #[serde(default = "candidates")]
    pub paths: Vec<String>,
    /// Latency budget in milliseconds for `discover`.
    #[serde(default = "budget")]
    pub max_ms: u64,
    /// Readiness paths for `distinct_readiness`.
    #[serde(default = "readiness")]
    pub readiness_paths: Vec<String>,
}

fn readiness() -> Vec<String> {
    [
        "/readyz",
        "/ready",
        "/health/ready",
        "/health/readiness",
        "/actuator/health/readiness",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

fn candidates() -> Vec<String> {
    [
        "/healthz",
        "/health",
        "/livez",
        "/readyz",
        "/health/live",
        "/health/ready",
        "/health/liveness",
        "/health/readiness",
        "/live",
        "/ready",
        "/status",
        "/api/health",
        "/actuator/health",
        "/ping",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

fn budget() -> u64 {
    1000
}

/// Compiled `health_endpoints`.
pub struct HealthEndpoints {
    mode: Mode,
    paths: Vec<String>,
    readiness_paths: Vec<String>,
    max_ms: u64,
    contract: HealthContract,
}

/// A health path found in the repository, and where.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Declared {
    /// Path and query.
    pub path: String,
    /// `file:line`.
    pub source: String,
    /// The declaring file.
    pub file: String,
    /// The declaring line (1-based).
    pub line: u32,
}

impl Declared {
    fn new(path: String, file: &str, line: u32) -> Declared {
        Declared {
            path,
            source: format!("{file}:{line}"),
            file: file.to_owned(),
            line,
        }
    }
}

/// The files that declare the service's health contract: Dockerfiles (`HEALTHCHECK`),
/// compose files (`healthcheck.test`) and Kubernetes manifests (`httpGet.path`). Shared
/// by the live health rules and by static checks that must agree with them (CODE001).
pub struct HealthContract {
    dockerfiles: SelectorId,
    yaml: SelectorId,
}

fn local_url() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            // The port may be a variable (`:$PORT`, `:${PORT:-3000}`); no path is the root.
            r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(?:\d+|\$\{[^}\s]*\}|\$\w+))?(/[^\s'\x22\]\\|;&)]*)?",
        )
        .expect("static regex")
    })
}

/// The path a local URL match requests (`/` when the URL names none).
fn url_path(c: &regex::Captures<'_>) -> String {
    c.get(1)
        .map_or_else(|| "/".to_owned(), |m| m.as_str().to_owned())
}

fn walk_http_get(node: &Node, rel: &str, out: &mut Vec<Declared>) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                if k.name == "httpGet"
                    && let Some(p) = v.get("path").and_then(Node::scalar_text)
                    && p.starts_with('/')
                {
                    out.push(Declared::new(p, rel, k.pos.line));
                }
                if k.name == "healthcheck"
                    && let Some(test) = v.get("test")
                {
                    let text = match &test.value {
                        Value::Seq(items) => items
                            .iter()
                            .filter_map(Node::scalar_text)
                            .collect::<Vec<_>>()
                            .join(" "),
                        _ => test.scalar_text().unwrap_or_default(),
                    };
                    for c in local_url().captures_iter(&text) {
                        out.push(Declared::new(url_path(&c), rel, k.pos.line));
                    }
                }
                walk_http_get(v, rel, out);
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| walk_http_get(i, rel, out)),
        _ => {}
    }
}

impl HealthContract {
    /// Registers the files that declare health paths.
    pub fn register(cx: &mut CompileCx<'_>) -> Result<HealthContract, ParamError> {
        let dockerfiles = cx.files(
            "dockerfiles",
            &default_dockerfile_globs(),
            &default_dockerfile_excludes(),
            false,
        )?;
        let yaml = cx.files(
            "yaml",
            &["*.yaml".to_owned(), "*.yml".to_owned()],
            &[".github/".to_owned()],
            false,
        )?;
        Ok(HealthContract { dockerfiles, yaml })
    }

    /// Every health path the repository declares, sorted, one entry per path.
    #[must_use]
    pub fn declared(&self, ws: &Workspace) -> Vec<Declared> {
        let mut out = Vec::new();
        for &i in ws.selected(self.dockerfiles) {
            let rel = &ws.file(i).rel;
            if let Ok(df) = ws.dockerfile(i) {
                for stage in &df.stages {
                    for instr in stage
                        .instructions
                        .iter()
                        .filter(|x| x.keyword == "HEALTHCHECK")
                    {
                        for c in local_url().captures_iter(&instr.args) {
                            out.push(Declared::new(url_path(&c), rel, instr.pos.line));
                        }
                    }
                }
            }
        }
        for &i in ws.selected(self.yaml) {
            let rel = ws.file(i).rel.clone();
            let Ok(text) = ws.text(i) else { continue };
            if !(text.contains("httpGet") || text.contains("healthcheck")) {
                continue;
            }
            if let Ok(docs) = ws.yaml(i) {
                for d in docs.iter() {
                    walk_http_get(d, &rel, &mut out);
                }
            }
        }
        out.sort();
        out.dedup_by(|a, b| a.path == b.path);
        out
    }
}

impl CheckKind for HealthEndpoints {
    type Params = Params;
    const LIVE: bool = true;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        if p.paths
            .iter()
            .chain(&p.readiness_paths)
            .any(|x| !x.starts_with('/'))
        {
            return Err(ParamError::at("paths", "paths start with `/`"));
        }
        Ok(HealthEndpoints {
            mode: p.mode,
            paths: p.paths,
            readiness_paths: p.readiness_paths,
            max_ms: p.max_ms,
            contract: HealthContract::register(cx)?,
        })
    }

    fn requests(&self, ws: &Workspace) -> Vec<RequestSpec> {
        match self.mode {
            Mode::Discover | Mode::JsonStatus | Mode::NoCache => {
                self.paths.iter().map(|p| RequestSpec::get(p)).collect()
            }
            Mode::DistinctReadiness => self
                .readiness_paths
                .iter()
                .map(|p| RequestSpec::get(p))
                .collect(),
            Mode::Declared => self
                .contract
                .declared(ws)
                .iter()
                .map(|d| RequestSpec::get(&d.path))
                .collect(),
        }
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let target = cx.target()?;
        let http = |url: String| Location::Http {
            method: "GET".into(),
            url,
        };
        match self.mode {
            Mode::JsonStatus | Mode::NoCache => {
                let answering: Vec<(&String, &crate::probe::Response)> = self
                    .paths
                    .iter()
                    .filter_map(|p| match target.response(&RequestSpec::get(p)) {
                        Some(Ok(r)) if (200..300).contains(&r.status) => Some((p, r.as_ref())),
                        _ => None,
                    })
                    .collect();
                if answering.is_empty() {
                    return Ok(Applicability::NotApplicable(
                        "no health endpoint answered 2xx".to_owned(),
                    ));
                }
                if self.mode == Mode::JsonStatus {
                    let (p, r) = answering[0];
                    let url = target.url(&RequestSpec::get(p));
                    let json = serde_json::from_slice::<serde_json::Value>(&r.body).ok();
                    match json.as_ref().and_then(|v| v.get("status")) {
                        Some(v) => cx.evidence(Finding {
                            location: http(url),
                            message: format!("`status` is `{}`", clip_json(v)),
                            waiver: None,
                        }),
                        None => cx.report(Finding {
                            location: http(url),
                            message: if json.is_some() {
                                "the health response is JSON without a `status` field".to_owned()
                            } else {
                                format!(
                                    "the health response is not JSON (`{}`)",
                                    r.header("content-type").unwrap_or("no content type")
                                )
                            },
                            waiver: None,
                        }),
                    }
                } else {
                    for (p, r) in answering {
                        let url = target.url(&RequestSpec::get(p));
                        if let Some(why) = cacheable(r) {
                            cx.report(Finding {
                                location: http(url),
                                message: format!("the health response may be cached: {why}"),
                                waiver: None,
                            });
                        }
                    }
                }
            }
            Mode::DistinctReadiness => {
                let mut errors = Vec::new();
                for p in &self.readiness_paths {
                    let spec = RequestSpec::get(p);
                    match target.response(&spec) {
                        // 503 is what a readiness endpoint answers while not ready.
                        Some(Ok(r)) if (200..300).contains(&r.status) || r.status == 503 => {
                            cx.evidence(Finding {
                                location: http(target.url(&spec)),
                                message: format!("readiness endpoint answered {}", r.status),
                                waiver: None,
                            });
                            return Ok(Applicability::Applicable);
                        }
                        Some(Err(e)) => errors.push(e.0.clone()),
                        _ => {}
                    }
                }
                if errors.len() == self.readiness_paths.len() {
                    return Err(CheckError(errors[0].clone()));
                }
                cx.report(Finding {
                    location: http(target.base.clone()),
                    message: format!(
                        "no readiness endpoint distinct from liveness (tried `{}`)",
                        self.readiness_paths.join("`, `")
                    ),
                    waiver: None,
                });
            }
            Mode::Discover => {
                let mut errors = Vec::new();
                let mut slow = None;
                for p in &self.paths {
                    let spec = RequestSpec::get(p);
                    match target.response(&spec) {
                        Some(Ok(r)) if (200..300).contains(&r.status) => {
                            let ms = r.latency.as_millis();
                            if ms <= u128::from(self.max_ms) {
                                cx.evidence(Finding {
                                    location: Location::Http {
                                        method: "GET".into(),
                                        url: target.url(&spec),
                                    },
                                    message: format!("answered {} in {ms} ms", r.status),
                                    waiver: None,
                                });
                                return Ok(Applicability::Applicable);
                            }
                            slow.get_or_insert((target.url(&spec), ms));
                        }
                        Some(Err(e)) => errors.push(e.0.clone()),
                        _ => {}
                    }
                }
                if let Some((url, ms)) = slow {
                    cx.report(Finding {
                        location: Location::Http {
                            method: "GET".into(),
                            url,
                        },
                        message: format!(
                            "health endpoint answered in {ms} ms, over the {} ms budget",
                            self.max_ms
                        ),
                        waiver: None,
                    });
                } else if let Some(why) = &target.no_answer {
                    // Not answering is an answer: the orchestrator would see the same.
                    cx.report(Finding {
                        location: Location::Http {
                            method: "GET".into(),
                            url: target.base.clone(),
                        },
                        message: format!("the service did not answer: {why}"),
                        waiver: None,
                    });
                } else if errors.len() == self.paths.len() {
                    return Err(CheckError(errors[0].clone()));
                } else {
                    cx.report(Finding {
                        location: Location::Http {
                            method: "GET".into(),
                            url: target.base.clone(),
                        },
                        message: format!(
                            "no health endpoint answered 2xx (tried `{}`)",
                            self.paths.join("`, `")
                        ),
                        waiver: None,
                    });
                }
            }
            Mode::Declared => {
                let declared = self.contract.declared(cx.workspace());
                if declared.is_empty() {
                    return Ok(Applicability::NotApplicable(
                        "no health path is declared in the repository".to_owned(),
                    ));
                }
                for d in declared {
                    let spec = RequestSpec::get(&d.path);
                    let url = target.url(&spec);
                    let message = match target.response(&spec) {
                        Some(Ok(r)) if (200..300).contains(&r.status) => {
                            cx.evidence(Finding {
                                location: Location::Http {
                                    method: "GET".into(),
                                    url,
                                },
                                message: format!(
                                    "declared in `{}`, answered {}",
                                    d.source, r.status
                                ),
                                waiver: None,
                            });
                            continue;
                        }
                        Some(Ok(r)) => format!(
                            "`{}` declared in `{}` answered {}",
                            d.path, d.source, r.status
                        ),
                        Some(Err(e)) => format!(
                            "`{}` declared in `{}` did not answer: {}",
                            d.path, d.source, e.0
                        ),
                        None => continue,
                    };
                    cx.report(Finding {
                        location: Location::Http {
                            method: "GET".into(),
                            url,
                        },
                        message,
                        waiver: None,
                    });
                }
            }
        }
        Ok(Applicability::Applicable)
    }
}

fn clip_json(v: &serde_json::Value) -> String {
    let t = match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    t.chars().take(40).collect()
}

/// Why a response may be stored by a cache, if it may.
fn cacheable(r: &crate::probe::Response) -> Option<String> {
    let cc = r.header("cache-control").map(str::to_ascii_lowercase);
    if let Some(cc) = &cc {
        let directives: Vec<&str> = cc.split(',').map(str::trim).collect();
        if directives
            .iter()
            .any(|d| *d == "no-store" || *d == "no-cache" || *d == "private")
        {
            return None;
        }
        for d in &directives {
            if let Some(v) = d
                .strip_prefix("max-age=")
                .or_else(|| d.strip_prefix("s-maxage="))
                && v.trim_matches('"').parse::<u64>().is_ok_and(|n| n > 0)
            {
                return Some(format!("`Cache-Control: {cc}`"));
            }
        }
        if directives.contains(&"public") || directives.contains(&"immutable") {
            return Some(format!("`Cache-Control: {cc}`"));
        }
    }
    None
}
