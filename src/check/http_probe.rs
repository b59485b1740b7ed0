//! `http_probe`: one request to the live service and typed matchers on the response
//! (status, header, body, JSON pointer, latency), combined with `all` or `any`, each
//! optionally negated: nuclei's matcher idea without a string expression language.

use super::{Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError, regex_param};
use crate::collect::Workspace;
use crate::finding::{Finding, Location};
use crate::probe::{RequestSpec, Response};
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A fixed path no service serves, for probing the error format.
pub const MISSING_PATH: &str = "/readycheck-probe-7f3a9c2e/does-not-exist";

/// The request to make.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestParams {
    /// `GET` (default), `HEAD` or `OPTIONS`; other methods need `--allow-unsafe-methods`.
    #[serde(default = "get")]
    pub method: String,
    /// Path and query; `{missing}` is a path no service serves.
    pub path: String,
    /// Extra request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Follow redirects (default) or judge the redirect itself.
    #[serde(default = "yes")]
    pub follow_redirects: bool,
}

fn get() -> String {
    "GET".to_owned()
}
fn yes() -> bool {
    true
}

/// Body matcher.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyMatch {
    /// The body contains this text.
    #[serde(default)]
    pub contains: Option<String>,
    /// The body matches this regex.
    #[serde(default)]
    pub matches: Option<String>,
}

/// Latency matcher.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Latency {
    /// Upper bound in milliseconds (time to response headers).
    pub max: u64,
}

/// One matcher: exactly one of `status`, `header`, `body`, `json`, `latency_ms`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matcher {
    /// Reported name (defaults to a description of the matcher).
    #[serde(default)]
    pub name: Option<String>,
    /// Invert the matcher.
    #[serde(default)]
    pub negate: bool,
    /// The status is one of these.
    #[serde(default)]
    pub status: Option<Vec<u16>>,
    /// A header (case-insensitive), with `present` (default), `absent`, `equals` or `matches`.
    #[serde(default)]
    pub header: Option<String>,
    /// With `header`: the header must be absent.
    #[serde(default)]
    pub absent: bool,
    /// With `header` or `json`: the value equals this.
    #[serde(default)]
    pub equals: Option<String>,
    /// With `header` or `json`: the value matches this regex.
    #[serde(default)]
    pub matches: Option<String>,
    /// Only judge the header when the response has it.
    #[serde(default)]
    pub when_present: bool,
    /// The body contains or matches.
    #[serde(default)]
    pub body: Option<BodyMatch>,
    /// A JSON pointer (`/status`) into the body, which must be JSON.
    #[serde(default)]
    pub json: Option<String>,
    /// Time to the response headers.
    #[serde(default)]
    pub latency_ms: Option<Latency>,
}

/// How matchers combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// Every matcher must hold; each failing one is a finding.
    #[default]
    All,
    /// One matcher holding is enough; otherwise one finding.
    Any,
}

/// Parameters of `http_probe`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The request.
    pub request: RequestParams,
    /// `all` (default) or `any`.
    #[serde(default, rename = "match")]
    pub combine: Combine,
    /// The matchers.
    pub matchers: Vec<Matcher>,
    /// Only for targets with these URL schemes (e.g. `[https]` for HSTS).
    #[serde(default)]
    pub schemes: Vec<String>,
    /// Judge only responses with one of these statuses (others: not applicable).
    #[serde(default)]
    pub only_status: Vec<u16>,
    /// Message prefix for findings (default: the request).
    #[serde(default)]
    pub message: Option<String>,
}

enum Test {
    Status(Vec<u16>),
    Header {
        name: String,
        absent: bool,
        equals: Option<String>,
        matches: Option<Regex>,
        when_present: bool,
    },
    Body {
        contains: Option<String>,
        matches: Option<Regex>,
    },
    Json {
        pointer: String,
        equals: Option<String>,
        matches: Option<Regex>,
    },
    Latency(u64),
}

struct Compiled {
    name: Option<String>,
    negate: bool,
    test: Test,
}

/// Compiled `http_probe`.
pub struct HttpProbe {
    request: RequestSpec,
    combine: Combine,
    matchers: Vec<Compiled>,
    schemes: Vec<String>,
    only_status: Vec<u16>,
    message: Option<String>,
}

fn compile_matcher(i: usize, m: Matcher) -> Result<Compiled, ParamError> {
    let field = format!("matchers[{i}]");
    let kinds = [
        m.status.is_some(),
        m.header.is_some(),
        m.body.is_some(),
        m.json.is_some(),
        m.latency_ms.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() != 1 {
        return Err(ParamError::at(
            &field,
            "a matcher has exactly one of `status`, `header`, `body`, `json`, `latency_ms`",
        ));
    }
    let re = |r: &Option<String>, f: &str| {
        r.as_deref()
            .map(|r| regex_param(&format!("{field}.{f}"), r, false))
            .transpose()
    };
    let test = if let Some(s) = m.status {
        Test::Status(s)
    } else if let Some(name) = m.header {
        Test::Header {
            name: name.to_ascii_lowercase(),
            absent: m.absent,
            equals: m.equals,
            matches: re(&m.matches, "matches")?,
            when_present: m.when_present,
        }
    } else if let Some(b) = m.body {
        if b.contains.is_none() == b.matches.is_none() {
            return Err(ParamError::at(
                &format!("{field}.body"),
                "give exactly one of `contains` and `matches`",
            ));
        }
        Test::Body {
            contains: b.contains,
            matches: re(&b.matches, "body.matches")?,
        }
    } else if let Some(pointer) = m.json {
        if !pointer.starts_with('/') {
            return Err(ParamError::at(
                &format!("{field}.json"),
                "a JSON pointer starts with `/`",
            ));
        }
        Test::Json {
            pointer,
            equals: m.equals,
            matches: re(&m.matches, "matches")?,
        }
    } else {
        Test::Latency(m.latency_ms.map_or(0, |l| l.max))
    };
    Ok(Compiled {
        name: m.name,
        negate: m.negate,
        test,
    })
}

impl Compiled {
    /// `None` when the matcher holds, else what was observed.
    fn check(&self, r: &Response) -> Option<String> {
        let (held, observed) = match &self.test {
            Test::Status(allowed) => (
                allowed.contains(&r.status),
                format!("status {}, expected one of {allowed:?}", r.status),
            ),
            Test::Header {
                name,
                absent,
                equals,
                matches,
                when_present,
            } => match r.header(name) {
                None if *when_present => (true, String::new()),
                None => (*absent, format!("header `{name}` is absent")),
                Some(_) if *absent => (false, format!("header `{name}` is present")),
                Some(v) => {
                    let ok = equals.as_ref().is_none_or(|e| v.eq_ignore_ascii_case(e))
                        && matches.as_ref().is_none_or(|m| m.is_match(v));
                    (ok, format!("header `{name}` is `{}`", clip(v)))
                }
            },
            Test::Body { contains, matches } => {
                let text = r.text();
                let ok = contains.as_ref().is_none_or(|c| text.contains(c.as_str()))
                    && matches.as_ref().is_none_or(|m| m.is_match(&text));
                let found = matches
                    .as_ref()
                    .and_then(|m| m.find(&text))
                    .map(|m| clip(m.as_str()));
                let what = match (contains, found) {
                    (Some(c), _) => format!("body does not contain `{c}`"),
                    (None, Some(f)) => format!("body contains `{f}`"),
                    (None, None) => "body does not match".to_owned(),
                };
                (ok, what)
            }
            Test::Json {
                pointer,
                equals,
                matches,
            } => match serde_json::from_slice::<serde_json::Value>(&r.body) {
                Err(_) => (false, "body is not JSON".to_owned()),
                Ok(v) => match v.pointer(pointer) {
                    None => (false, format!("JSON has no `{pointer}`")),
                    Some(x) => {
                        let text = match x {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        let ok = equals.as_ref().is_none_or(|e| *e == text)
                            && matches.as_ref().is_none_or(|m| m.is_match(&text));
                        (ok, format!("JSON `{pointer}` is `{}`", clip(&text)))
                    }
                },
            },
            Test::Latency(max) => {
                let ms = r.latency.as_millis();
                (
                    ms <= u128::from(*max),
                    format!("answered in {ms} ms, budget {max} ms"),
                )
            }
        };
        if held != self.negate {
            None
        } else if self.negate {
            Some(
                self.name
                    .clone()
                    .unwrap_or_else(|| format!("unexpected: {observed}")),
            )
        } else {
            Some(
                self.name
                    .as_ref()
                    .map_or(observed.clone(), |n| format!("{n}: {observed}")),
            )
        }
    }
}

fn clip(s: &str) -> String {
    let one: String = s.lines().next().unwrap_or("").chars().take(80).collect();
    if one.len() < s.len() {
        format!("{one}…")
    } else {
        one
    }
}

impl CheckKind for HttpProbe {
    type Params = Params;
    const LIVE: bool = true;

    fn compile(p: Params, _cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        let method = p.request.method.to_ascii_uppercase();
        let path = p.request.path.replace("{missing}", MISSING_PATH);
        if !path.starts_with('/') {
            return Err(ParamError::at("request.path", "the path starts with `/`"));
        }
        let matchers = p
            .matchers
            .into_iter()
            .enumerate()
            .map(|(i, m)| compile_matcher(i, m))
            .collect::<Result<Vec<_>, _>>()?;
        if matchers.is_empty() {
            return Err(ParamError::at("matchers", "at least one matcher"));
        }
        Ok(HttpProbe {
            request: RequestSpec {
                method,
                path,
                headers: p.request.headers.into_iter().collect(),
                follow_redirects: p.request.follow_redirects,
            },
            combine: p.combine,
            matchers,
            schemes: p.schemes,
            only_status: p.only_status,
            message: p.message,
        })
    }

    fn requests(&self, _ws: &Workspace) -> Vec<RequestSpec> {
        vec![self.request.clone()]
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let target = cx.target()?;
        let scheme = target.base.split("://").next().unwrap_or("");
        if !self.schemes.is_empty() && !self.schemes.iter().any(|s| s == scheme) {
            return Ok(Applicability::NotApplicable(format!(
                "only for {} targets",
                self.schemes.join("/")
            )));
        }
        let url = target.url(&self.request);
        let at = Location::Http {
            method: self.request.method.clone(),
            url: url.clone(),
        };
        let response = match target.response(&self.request) {
            Some(Ok(r)) => r,
            Some(Err(e)) => {
                return Err(CheckError(format!(
                    "{} {url}: {}",
                    self.request.method, e.0
                )));
            }
            None => {
                return Err(CheckError(format!(
                    "{} {url} was not requested",
                    self.request.method
                )));
            }
        };
        if !self.only_status.is_empty() && !self.only_status.contains(&response.status) {
            return Ok(Applicability::NotApplicable(format!(
                "{} {url} answered {}",
                self.request.method, response.status
            )));
        }
        let failures: Vec<String> = self
            .matchers
            .iter()
            .filter_map(|m| m.check(response))
            .collect();
        let prefix = self
            .message
            .as_deref()
            .map(|m| format!("{m}: "))
            .unwrap_or_default();
        match self.combine {
            Combine::All => {
                for f in failures {
                    cx.report(Finding {
                        location: at.clone(),
                        message: format!("{prefix}{f}"),
                        waiver: None,
                    });
                }
            }
            Combine::Any if failures.len() == self.matchers.len() => {
                cx.report(Finding {
                    location: at,
                    message: format!("{prefix}{}", failures.join("; ")),
                    waiver: None,
                });
            }
            Combine::Any => {}
        }
        Ok(Applicability::Applicable)
    }
}
