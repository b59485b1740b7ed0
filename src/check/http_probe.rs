//! `http_probe`: one request to the live service and typed matchers on the response
//! (status, header, body, JSON pointer, latency), combined with `all` or `any`, each
//! optionally negated: nuclei's matcher idea without a string expression language.

use super::{Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError, regex_param};
use crate::check::LazyRegex;
use crate::collect::Workspace;
use crate::finding::{Finding, Location};
use crate::probe::{RequestSpec, Response};
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
    #[serde(default)]
    pub path: Option<String>,
    /// Several paths judged with the same matchers (instead of `path`).
    #[serde(default)]
    pub paths: Vec<String>,
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
    /// The status is one of these: codes (`404`) or classes (`"4xx"`).
    #[serde(default)]
    pub status: Option<Vec<StatusSpec>>,
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
    /// Every `Set-Cookie` carries these attributes (`secure` only judged on https).
    #[serde(default)]
    pub cookie_flags: Option<Vec<CookieFlag>>,
    /// The body (as received, possibly compressed) is at most this many bytes.
    #[serde(default)]
    pub body_size_max: Option<usize>,
    /// Some response header's value contains this text.
    #[serde(default)]
    pub any_header_contains: Option<String>,
    /// The body is JSON holding at least one of these pointers with a non-empty value.
    #[serde(default)]
    pub json_any: Option<Vec<String>>,
}

/// A status code or a class such as `5xx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusSpec {
    /// One code.
    Code(u16),
    /// A class: the hundreds digit.
    Class(u16),
}

impl<'de> Deserialize<'de> for StatusSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Code(u16),
            Text(String),
        }
        let bad = || {
            serde::de::Error::custom("a status is a code from 100 to 599 or a class `1xx`…`5xx`")
        };
        match Raw::deserialize(d)? {
            Raw::Code(c) if (100..600).contains(&c) => Ok(StatusSpec::Code(c)),
            Raw::Code(_) => Err(bad()),
            Raw::Text(t) => {
                let b = t.as_bytes();
                if b.len() == 3
                    && (b'1'..=b'5').contains(&b[0])
                    && t[1..].eq_ignore_ascii_case("xx")
                {
                    Ok(StatusSpec::Class(u16::from(b[0] - b'0')))
                } else if let Ok(c) = t.parse::<u16>()
                    && (100..600).contains(&c)
                {
                    Ok(StatusSpec::Code(c))
                } else {
                    Err(bad())
                }
            }
        }
    }
}

impl StatusSpec {
    fn matches(self, status: u16) -> bool {
        match self {
            StatusSpec::Code(c) => c == status,
            StatusSpec::Class(k) => status / 100 == k,
        }
    }
}

impl std::fmt::Display for StatusSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusSpec::Code(c) => write!(f, "{c}"),
            StatusSpec::Class(k) => write!(f, "{k}xx"),
        }
    }
}

/// A cookie attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CookieFlag {
    /// `Secure` (only judged on https targets).
    Secure,
    /// `HttpOnly`.
    Httponly,
    /// `SameSite=Lax|Strict` (or `None` together with `Secure`).
    Samesite,
}

impl CookieFlag {
    fn label(self) -> &'static str {
        match self {
            CookieFlag::Secure => "Secure",
            CookieFlag::Httponly => "HttpOnly",
            CookieFlag::Samesite => "SameSite",
        }
    }
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
    /// With `all`: a prefix of each finding; with `any`: the whole finding message.
    #[serde(default)]
    pub message: Option<String>,
}

enum Test {
    Status(Vec<StatusSpec>),
    Cookies(Vec<CookieFlag>),
    BodySize(usize),
    AnyHeader(String),
    JsonAny(Vec<String>),
    Header {
        name: String,
        absent: bool,
        equals: Option<String>,
        matches: Option<LazyRegex>,
        when_present: bool,
    },
    Body {
        contains: Option<String>,
        matches: Option<LazyRegex>,
    },
    Json {
        pointer: String,
        equals: Option<String>,
        matches: Option<LazyRegex>,
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
    requests: Vec<RequestSpec>,
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
        m.cookie_flags.is_some(),
        m.body_size_max.is_some(),
        m.any_header_contains.is_some(),
        m.json_any.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() != 1 {
        return Err(ParamError::at(
            &field,
            "a matcher has exactly one of `status`, `header`, `body`, `json`, `latency_ms`, `cookie_flags`, `body_size_max`, `any_header_contains`, `json_any`",
        ));
    }
    let re = |r: &Option<String>, f: &str| {
        r.as_deref()
            .map(|r| regex_param(&format!("{field}.{f}"), r, false))
            .transpose()
    };
    let test = if let Some(s) = m.status {
        if s.is_empty() {
            return Err(ParamError::at(
                &format!("{field}.status"),
                "list at least one status",
            ));
        }
        Test::Status(s)
    } else if let Some(flags) = m.cookie_flags {
        Test::Cookies(flags)
    } else if let Some(max) = m.body_size_max {
        Test::BodySize(max)
    } else if let Some(text) = m.any_header_contains {
        Test::AnyHeader(text)
    } else if let Some(pointers) = m.json_any {
        if pointers.is_empty() || pointers.iter().any(|p| !p.starts_with('/')) {
            return Err(ParamError::at(
                &format!("{field}.json_any"),
                "list JSON pointers, each starting with `/`",
            ));
        }
        Test::JsonAny(pointers)
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
    fn check(&self, r: &Response, https: bool) -> Option<String> {
        let (held, observed) = match &self.test {
            Test::Status(allowed) => (
                allowed.iter().any(|a| a.matches(r.status)),
                if self.negate {
                    format!("status {}", r.status)
                } else {
                    let list: Vec<String> = allowed.iter().map(ToString::to_string).collect();
                    format!("status {}, expected {}", r.status, list.join(" or "))
                },
            ),
            Test::Cookies(flags) => {
                let mut bad = Vec::new();
                for cookie in r.header_all("set-cookie") {
                    let name = cookie.split('=').next().unwrap_or("").trim();
                    let attrs: Vec<String> = cookie
                        .split(';')
                        .skip(1)
                        .map(|a| a.trim().to_ascii_lowercase())
                        .collect();
                    let has = |k: &str| {
                        attrs
                            .iter()
                            .any(|a| a == k || a.starts_with(&format!("{k}=")))
                    };
                    let secure = has("secure");
                    let missing: Vec<&str> = flags
                        .iter()
                        .filter(|f| match f {
                            CookieFlag::Secure => https && !secure,
                            CookieFlag::Httponly => !has("httponly"),
                            CookieFlag::Samesite => !attrs.iter().any(|a| {
                                a == "samesite=lax"
                                    || a == "samesite=strict"
                                    || (a == "samesite=none" && secure)
                            }),
                        })
                        .map(|f| f.label())
                        .collect();
                    if !missing.is_empty() {
                        bad.push(format!(
                            "cookie `{}` lacks {}",
                            clip(name),
                            missing.join(", ")
                        ));
                    }
                }
                (bad.is_empty(), bad.join("; "))
            }
            Test::BodySize(max) => (
                r.body.len() <= *max,
                format!("{} bytes sent uncompressed", r.body.len()),
            ),
            Test::JsonAny(pointers) => match serde_json::from_slice::<serde_json::Value>(&r.body) {
                Err(_) => (false, "body is not JSON".to_owned()),
                Ok(v) => (
                    pointers.iter().any(|p| {
                        v.pointer(p).is_some_and(|x| match x {
                            serde_json::Value::Null => false,
                            serde_json::Value::String(s) => !s.is_empty(),
                            serde_json::Value::Array(a) => !a.is_empty(),
                            serde_json::Value::Object(o) => !o.is_empty(),
                            _ => true,
                        })
                    }),
                    format!("the JSON body has none of `{}`", pointers.join("`, `")),
                ),
            },
            Test::AnyHeader(text) => (
                r.headers.iter().any(|(_, v)| v.contains(text.as_str())),
                format!("no response header carries `{text}`"),
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
            Some(self.name.as_ref().map_or_else(
                || format!("unexpected: {observed}"),
                |n| format!("{n}: {observed}"),
            ))
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
        if reqwest::Method::from_bytes(method.as_bytes()).is_err() {
            return Err(ParamError::at(
                "request.method",
                format!("invalid method `{method}`"),
            ));
        }
        let paths: Vec<String> = match (p.request.path, p.request.paths) {
            (Some(one), more) if more.is_empty() => vec![one],
            (None, more) if !more.is_empty() => more,
            _ => {
                return Err(ParamError::at(
                    "request",
                    "give exactly one of `path` and `paths`",
                ));
            }
        };
        let mut requests = Vec::new();
        for path in paths {
            let path = path.replace("{missing}", MISSING_PATH);
            if !path.starts_with('/') {
                return Err(ParamError::at("request.path", "the path starts with `/`"));
            }
            requests.push(RequestSpec {
                method: method.clone(),
                path,
                headers: p
                    .request
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                follow_redirects: p.request.follow_redirects,
            });
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
            requests,
            combine: p.combine,
            matchers,
            schemes: p.schemes,
            only_status: p.only_status,
            message: p.message,
        })
    }

    fn requests(&self, _ws: &Workspace) -> Vec<RequestSpec> {
        self.requests.clone()
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
        let method = &self.requests[0].method;
        if !target.allow_unsafe_methods && !crate::probe::SAFE_METHODS.contains(&method.as_str()) {
            return Ok(Applicability::NotApplicable(format!(
                "`{method}` could change state: pass --allow-unsafe-methods to run this probe"
            )));
        }
        let https = target.is_https();
        let prefix = self
            .message
            .as_deref()
            .map(|m| format!("{m}: "))
            .unwrap_or_default();
        let (mut judged, mut errors, mut skipped) = (0, Vec::new(), Vec::new());
        for spec in &self.requests {
            let url = target.url(spec);
            let at = Location::Http {
                method: spec.method.clone(),
                url: url.clone(),
            };
            let response = match target.response(spec) {
                Some(Ok(r)) => r,
                Some(Err(e)) => {
                    errors.push((format!("{} {}", spec.method, spec.path), e.0.clone()));
                    continue;
                }
                None => {
                    errors.push((
                        format!("{} {}", spec.method, spec.path),
                        "not requested".to_owned(),
                    ));
                    continue;
                }
            };
            if !self.only_status.is_empty() && !self.only_status.contains(&response.status) {
                skipped.push(format!(
                    "{} {url} answered {}",
                    spec.method, response.status
                ));
                continue;
            }
            judged += 1;
            let failures: Vec<String> = self
                .matchers
                .iter()
                .filter_map(|m| m.check(response, https))
                .collect();
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
                    // A rule's own message says it better than every alternative's miss.
                    let message = self.message.clone().unwrap_or_else(|| failures.join("; "));
                    cx.report(Finding {
                        location: at,
                        message,
                        waiver: None,
                    });
                }
                Combine::Any => {}
            }
        }
        if !errors.is_empty() {
            // Findings on the other paths still fail the rule; alone, errors are undecided.
            // One cause for every request (an unreachable target) is said once.
            let causes: std::collections::BTreeSet<&str> =
                errors.iter().map(|(_, cause)| cause.as_str()).collect();
            return Err(CheckError(if causes.len() == 1 {
                let first = &errors[0].0;
                let more = if errors.len() > 1 {
                    format!(" (and {} more)", errors.len() - 1)
                } else {
                    String::new()
                };
                format!("{first}{more}: {}", errors[0].1)
            } else {
                errors
                    .iter()
                    .map(|(req, cause)| format!("{req}: {cause}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            }));
        }
        if judged == 0 {
            return Ok(Applicability::NotApplicable(skipped.join("; ")));
        }
        Ok(Applicability::Applicable)
    }
}
