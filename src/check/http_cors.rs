//! `http_cors`: sends a request with a foreign `Origin` and judges the CORS answer: an
//! arbitrary origin reflected back, or `*` together with credentials, or `*` on an API the
//! user reached with credentials.

use super::{Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError};
use crate::collect::Workspace;
use crate::finding::{Finding, Location};
use crate::probe::RequestSpec;
use serde::Deserialize;

/// An origin no deployment allows.
pub const FOREIGN_ORIGIN: &str = "https://readycheck-cors-probe.example";

/// What is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// The foreign origin comes back in `Access-Control-Allow-Origin`.
    ReflectedOrigin,
    /// `Access-Control-Allow-Origin: *` with `Access-Control-Allow-Credentials: true`.
    WildcardWithCredentials,
    /// `*` on a target probed with `Authorization`/`Cookie` headers.
    WildcardWhenAuthenticated,
}

/// Parameters of `http_cors`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Path to probe (default `/`).
    #[serde(default = "root")]
    pub path: String,
    /// The problem this rule reports.
    pub problem: Problem,
}

fn root() -> String {
    "/".to_owned()
}

/// Compiled `http_cors`.
pub struct HttpCors {
    request: RequestSpec,
    problem: Problem,
}

impl CheckKind for HttpCors {
    type Params = Params;
    const LIVE: bool = true;

    fn compile(p: Params, _cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        if !p.path.starts_with('/') {
            return Err(ParamError::at("path", "the path starts with `/`"));
        }
        let request = RequestSpec {
            method: "GET".to_owned(),
            path: p.path,
            headers: vec![("Origin".to_owned(), FOREIGN_ORIGIN.to_owned())],
            follow_redirects: true,
        };
        Ok(HttpCors {
            request,
            problem: p.problem,
        })
    }

    fn requests(&self, _ws: &Workspace) -> Vec<RequestSpec> {
        vec![self.request.clone()]
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let target = cx.target()?;
        let url = target.url(&self.request);
        let r = match target.response(&self.request) {
            Some(Ok(r)) => r.clone(),
            Some(Err(e)) => return Err(CheckError(format!("GET {url}: {}", e.0))),
            None => return Err(CheckError(format!("GET {url} was not requested"))),
        };
        let at = Location::Http {
            method: "GET".to_owned(),
            url,
        };
        let origin = r.header("access-control-allow-origin").map(str::trim);
        let credentials = r
            .header("access-control-allow-credentials")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let message = match (self.problem, origin) {
            (Problem::ReflectedOrigin, Some(o)) if o == FOREIGN_ORIGIN => {
                Some(format!("the foreign origin `{FOREIGN_ORIGIN}` is reflected in `Access-Control-Allow-Origin`{}", if credentials { " with credentials allowed" } else { "" }))
            }
            (Problem::WildcardWithCredentials, Some("*")) if credentials => Some("`Access-Control-Allow-Origin: *` together with `Access-Control-Allow-Credentials: true`".to_owned()),
            (Problem::WildcardWhenAuthenticated, Some("*")) if target.authenticated => {
                Some("an authenticated API answers `Access-Control-Allow-Origin: *`".to_owned())
            }
            (Problem::WildcardWhenAuthenticated, _) if !target.authenticated => {
                return Ok(Applicability::NotApplicable("the target was not probed with credentials (--header Authorization: …)".to_owned()));
            }
            _ => None,
        };
        if let Some(m) = message {
            cx.report(Finding {
                location: at,
                message: m,
                waiver: None,
            });
        }
        Ok(Applicability::Applicable)
    }
}
