//! `https_redirect`: plain http must not serve the service. For an https target its
//! `http://` twin (same host, default port) must redirect to `https://` on the same host;
//! for an http target in the `public-web` profile the target itself must.

use super::{Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError};
use crate::collect::Workspace;
use crate::finding::{Finding, Location};
use crate::probe::{HTTP_TWIN, Profile, RequestSpec};
use serde::Deserialize;

/// Parameters of `https_redirect` (none).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// Compiled `https_redirect`.
pub struct HttpsRedirect {
    request: RequestSpec,
}

impl CheckKind for HttpsRedirect {
    type Params = Params;
    const LIVE: bool = true;

    fn compile(_p: Params, _cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        Ok(HttpsRedirect {
            request: RequestSpec {
                method: "GET".to_owned(),
                path: HTTP_TWIN.to_owned(),
                headers: Vec::new(),
                follow_redirects: false,
            },
        })
    }

    fn requests(&self, _ws: &Workspace) -> Vec<RequestSpec> {
        vec![self.request.clone()]
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let target = cx.target()?;
        if !target.is_https() && target.profile != Profile::PublicWeb {
            return Ok(Applicability::NotApplicable(format!(
                "a plain-http target in the `{}` profile (TLS is expected in front of it)",
                target.profile.as_str()
            )));
        }
        let url = match crate::probe::http_twin_url(&target.base) {
            Ok(u) => u,
            Err(why) => return Ok(Applicability::NotApplicable(why)),
        };
        let at = Location::Http {
            method: "GET".to_owned(),
            url: url.clone(),
        };
        let r = match target.response(&self.request) {
            Some(Ok(r)) => r,
            // Nothing listening on port 80 serves no plaintext either.
            Some(Err(e)) if e.0.starts_with("connection failed") => {
                return Ok(Applicability::NotApplicable(format!(
                    "{url} is not served ({})",
                    e.0
                )));
            }
            Some(Err(e)) => return Err(CheckError(format!("GET {url}: {}", e.0))),
            None => return Err(CheckError(format!("GET {url} was not requested"))),
        };
        let host = reqwest::Url::parse(&url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned));
        let location = r.header("location").unwrap_or("");
        let to = reqwest::Url::parse(&url)
            .and_then(|b| b.join(location))
            .ok();
        let message = if !(300..400).contains(&r.status) {
            Some(format!(
                "plain http answers {} instead of redirecting to https",
                r.status
            ))
        } else if let Some(to) = to.as_ref().filter(|t| t.scheme() == "https") {
            if to.host_str().map(str::to_owned) == host {
                cx.evidence(Finding {
                    location: at.clone(),
                    message: format!("redirects ({}) to `{to}`", r.status),
                    waiver: None,
                });
                None
            } else {
                Some(format!(
                    "redirects to another host `{}` first; redirect to https on the same host so HSTS applies",
                    to.host_str().unwrap_or("?")
                ))
            }
        } else {
            Some(format!(
                "redirects ({}) to `{location}`, which is not https",
                r.status
            ))
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
