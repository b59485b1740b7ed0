//! `prometheus_exposition`: the metrics endpoint serves a valid Prometheus text exposition
//! (parsed strictly; the first malformed line is reported), or, for public sites, is not
//! reachable from outside.

use super::{Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError};
use crate::collect::Workspace;
use crate::finding::{Finding, Location};
use crate::probe::RequestSpec;
use serde::Deserialize;

/// What the rule expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// A valid exposition with at least one metric family.
    Valid,
    /// Not reachable (any non-2xx answer or refusal is fine).
    NotPublic,
}

/// Parameters of `prometheus_exposition`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Metrics path (default `/metrics`).
    #[serde(default = "metrics")]
    pub path: String,
    /// `valid` or `not_public`.
    pub expect: Expect,
}

fn metrics() -> String {
    "/metrics".to_owned()
}

/// Compiled `prometheus_exposition`.
pub struct PrometheusExposition {
    request: RequestSpec,
    expect: Expect,
}

impl CheckKind for PrometheusExposition {
    type Params = Params;
    const LIVE: bool = true;

    fn compile(p: Params, _cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        if !p.path.starts_with('/') {
            return Err(ParamError::at("path", "the path starts with `/`"));
        }
        Ok(PrometheusExposition {
            request: RequestSpec::get(&p.path),
            expect: p.expect,
        })
    }

    fn requests(&self, _ws: &Workspace) -> Vec<RequestSpec> {
        vec![self.request.clone()]
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let target = cx.target()?;
        let url = target.url(&self.request);
        let at = Location::Http {
            method: "GET".to_owned(),
            url: url.clone(),
        };
        let outcome = target
            .response(&self.request)
            .ok_or_else(|| CheckError(format!("GET {url} was not requested")))?;
        let report = |cx: &mut CheckCx<'_>, m: String| {
            cx.report(Finding {
                location: at.clone(),
                message: m,
                waiver: None,
            })
        };
        match (self.expect, outcome) {
            (Expect::NotPublic, Ok(r)) if (200..300).contains(&r.status) => report(
                cx,
                format!("metrics are publicly reachable (status {})", r.status),
            ),
            (Expect::NotPublic, _) => {}
            (Expect::Valid, Err(e)) => return Err(CheckError(format!("GET {url}: {}", e.0))),
            (Expect::Valid, Ok(r)) if !(200..300).contains(&r.status) => {
                report(cx, format!("status {}, no metrics served", r.status))
            }
            (Expect::Valid, Ok(r)) => match crate::probe::prometheus::parse(&r.text()) {
                Err(e) => report(
                    cx,
                    format!(
                        "line {} of the exposition is malformed: {}",
                        e.line, e.message
                    ),
                ),
                Ok(x) if x.families.is_empty() => {
                    report(cx, "the exposition has no metric".to_owned())
                }
                Ok(x) => cx.evidence(Finding {
                    location: at,
                    message: format!(
                        "{} metric families, {} samples",
                        x.families.len(),
                        x.samples
                    ),
                    waiver: None,
                }),
            },
        }
        Ok(Applicability::Applicable)
    }
}
