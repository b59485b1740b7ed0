//! Live probing of a running service. Live rules declare the requests they need; the
//! prober makes them all once (deduplicated), concurrently under a limit, each with a
//! timeout and all under one deadline, with bounded bodies and redirects. Rules are then
//! evaluated on the recorded responses, so a check kind never does I/O itself.

pub mod client;
pub mod prometheus;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Methods that cannot change state; anything else needs `--allow-unsafe-methods`.
pub const SAFE_METHODS: &[&str] = &["GET", "HEAD", "OPTIONS"];

/// The request path that stands for the target's plain-http twin (see [`http_twin_url`]).
pub const HTTP_TWIN: &str = "{http-twin}";

/// The plain-http URL of a target: for https, the same host on port 80 (an explicit port
/// has no known twin); for http, the target itself.
pub fn http_twin_url(base: &str) -> Result<String, String> {
    let mut url = reqwest::Url::parse(base).map_err(|e| format!("invalid URL `{base}`: {e}"))?;
    if url.scheme() == "https" {
        if url.port().is_some() {
            return Err(format!(
                "`{base}` has an explicit port, so its http:// twin is unknown"
            ));
        }
        url.set_scheme("http")
            .map_err(|()| format!("cannot derive the http URL of `{base}`"))?;
    }
    url.set_path("/");
    url.set_query(None);
    Ok(url.to_string())
}

/// Largest body read from a response.
pub const BODY_CAP: usize = 1024 * 1024;

/// Which expectations apply to the target.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    clap::ValueEnum,
    serde::Deserialize,
    serde::Serialize,
    Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// A site browsers load: every browser security header applies.
    PublicWeb,
    /// A JSON API (default): browser-only headers do not apply.
    #[default]
    Api,
    /// An internal service behind a TLS-terminating proxy: no HSTS, no public exposure checks.
    Internal,
}

impl Profile {
    /// The name used in files and on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::PublicWeb => "public-web",
            Profile::Api => "api",
            Profile::Internal => "internal",
        }
    }
}

/// One request a live rule needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestSpec {
    /// Upper-case method.
    pub method: String,
    /// Path and query, starting with `/`, or an absolute URL (for the http:// twin).
    pub path: String,
    /// Extra headers (besides the user's `--header`s).
    pub headers: Vec<(String, String)>,
    /// Follow redirects (up to the limit) or record the redirect itself.
    pub follow_redirects: bool,
}

impl RequestSpec {
    /// A GET of a path that follows redirects.
    #[must_use]
    pub fn get(path: &str) -> RequestSpec {
        RequestSpec {
            method: "GET".to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            follow_redirects: true,
        }
    }
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased, in order (repeated headers kept).
    pub headers: Vec<(String, String)>,
    /// Body, at most `BODY_CAP` bytes.
    pub body: Vec<u8>,
    /// Whether the body was cut at the cap.
    pub truncated: bool,
    /// Time to the response headers.
    pub latency: Duration,
    /// The URL that answered (after redirects).
    pub url: String,
}

impl Response {
    /// The first value of a header (case-insensitive name).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header.
    pub fn header_all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(move |(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why a request produced no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeError(pub String);

/// The outcome of one request.
pub type Outcome = Result<Arc<Response>, ProbeError>;

/// Settings of a probe run.
#[derive(Debug, Clone)]
pub struct ProbeSettings {
    /// Per-request timeout.
    pub timeout: Duration,
    /// Overall deadline.
    pub deadline: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// User headers (values are secrets: never printed).
    pub headers: Vec<(String, String)>,
    /// Accept certificates that do not verify (said in the report).
    pub insecure: bool,
    /// Allow methods other than GET/HEAD/OPTIONS.
    pub allow_unsafe_methods: bool,
    /// Follow redirects to other hosts.
    pub allow_cross_host_redirects: bool,
    /// Which expectations apply.
    pub profile: Profile,
    /// Extra trust anchors (`--ca-cert`, e.g. an internal CA), DER.
    pub ca_certs: Vec<Vec<u8>>,
    /// Origins (`scheme://host:port`, see [`origin`]) that may receive `headers`: those of
    /// the `--url`s and of `--header-origin`. A request to any other origin (a target from
    /// the repository's config, a redirect, the http:// twin) goes without them.
    pub header_origins: Vec<String>,
    /// How many times an idempotent request that got no answer is tried again.
    pub retries: u32,
    /// Requests per target at most (`None`: unlimited).
    pub rate: Option<Rate>,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(30),
            concurrency: 8,
            headers: Vec::new(),
            insecure: false,
            allow_unsafe_methods: false,
            allow_cross_host_redirects: false,
            profile: Profile::Api,
            ca_certs: Vec::new(),
            header_origins: Vec::new(),
            retries: 2,
            rate: Some(Rate::per_second(10)),
        }
    }
}

/// Where a target came from: the person running readycheck, or the audited repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetSource {
    /// `--url` or `probe URL`.
    CommandLine,
    /// `[target] url` of a config file outside the audited repository (`--config FILE`).
    OperatorConfig,
    /// `[target] url` of the audited repository's own config: never sent credentials.
    RepositoryConfig,
}

impl TargetSource {
    /// How the report says it.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            TargetSource::CommandLine => "from the command line",
            TargetSource::OperatorConfig => "from the config file given to readycheck",
            TargetSource::RepositoryConfig => "from the repository's config",
        }
    }
}

/// A target to probe and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSpec {
    /// The base URL (normalised, no trailing slash).
    pub base: String,
    /// Where it came from.
    pub source: TargetSource,
}

impl TargetSpec {
    /// A target given on the command line.
    #[must_use]
    pub fn command_line(base: &str) -> TargetSpec {
        TargetSpec {
            base: base.to_owned(),
            source: TargetSource::CommandLine,
        }
    }
}

/// The origin of a URL, `scheme://host:port` with the port always written (so
/// `https://a.example` and `https://a.example:443` are one origin), lower-case.
#[must_use]
pub fn origin(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    let port = u.port_or_known_default()?;
    Some(format!("{}://{host}:{port}", u.scheme()))
}

/// Parses `--header-origin`: an `http(s)://host[:port]` URL with no path.
pub fn parse_origin(raw: &str) -> Result<String, String> {
    let u =
        reqwest::Url::parse(raw).map_err(|e| format!("invalid --header-origin `{raw}`: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err(format!(
            "invalid --header-origin `{raw}`: an origin is `https://host[:port]`"
        ));
    }
    if !(u.path().is_empty() || u.path() == "/") || u.query().is_some() {
        return Err(format!(
            "invalid --header-origin `{raw}`: an origin has no path or query"
        ));
    }
    origin(raw).ok_or_else(|| format!("invalid --header-origin `{raw}`"))
}

/// A request rate: at most `count` requests in any sliding `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests per window.
    pub count: u32,
    /// The window.
    pub window: Duration,
}

impl Rate {
    /// `n` requests per second.
    #[must_use]
    pub fn per_second(n: u32) -> Rate {
        Rate {
            count: n,
            window: Duration::from_secs(1),
        }
    }
}

/// Parses `--rate`: `10/s`, `600/m` or a bare number (per second); `0` is unlimited. A
/// per-minute rate of 60 or more is spread over seconds (`600/m` is at most 10 in any
/// second, not 600 at once); below 60 it is one request per `60/n` seconds.
pub fn parse_rate(raw: &str) -> Result<Option<Rate>, String> {
    let bad = || format!("invalid --rate `{raw}`: write `10/s`, `600/m` or `0` (unlimited)");
    let (n, per) = match raw.split_once('/') {
        Some((n, unit)) => (n.trim(), unit.trim()),
        None => (raw.trim(), "s"),
    };
    let n: u32 = n.parse().map_err(|_| bad())?;
    if n == 0 {
        return Ok(None);
    }
    match per {
        "s" => Ok(Some(Rate::per_second(n))),
        "m" if n >= 60 => Ok(Some(Rate::per_second(n / 60))),
        "m" => Ok(Some(Rate {
            count: 1,
            window: Duration::from_secs(60) / n,
        })),
        _ => Err(bad()),
    }
}

/// A request that was tried more than once.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Retried {
    /// `GET /healthz`.
    pub request: String,
    /// How many attempts were made.
    pub attempts: u32,
    /// What went wrong on the attempts that failed, in order.
    pub errors: Vec<String>,
    /// Whether an attempt got an answer in the end.
    pub answered: bool,
}

/// A wait the service asked for (429 or 503 with `Retry-After`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Throttled {
    /// `GET /healthz`.
    pub request: String,
    /// The status that asked for the wait.
    pub status: u16,
    /// How long readycheck waited, in milliseconds (0 when the wait did not fit the deadline).
    pub waited_ms: u64,
    /// Whether the wait fitted in the deadline (else the request was given up).
    pub honoured: bool,
}

/// One target and the responses recorded for it.
#[derive(Debug, Clone)]
pub struct Target {
    /// The base URL as given (no trailing slash).
    pub base: String,
    /// Recorded outcomes.
    pub responses: BTreeMap<RequestSpec, Outcome>,
    /// Certificate facts for https targets.
    pub tls: Option<Result<client::TlsFacts, ProbeError>>,
    /// Where the target came from.
    pub source: TargetSource,
    /// Whether the user's `--header`s were sent to it (its origin is a command-line one).
    pub credentials: bool,
    /// Whether the headers sent include credentials (`Authorization`, `Cookie`).
    pub authenticated: bool,
    /// Set when no request got an HTTP answer: why (`connection refused after 3 attempts`).
    pub no_answer: Option<String>,
    /// Requests that needed more than one attempt (flaky evidence).
    pub retried: Vec<Retried>,
    /// Waits the service asked for.
    pub throttled: Vec<Throttled>,
    /// HTTP requests sent (attempts and redirect hops included).
    pub requests_sent: u32,
    /// The profile.
    pub profile: Profile,
    /// Whether `--insecure` relaxed certificate trust.
    pub insecure: bool,
    /// Whether methods other than GET/HEAD/OPTIONS may be sent.
    pub allow_unsafe_methods: bool,
}

impl Target {
    /// The full URL of a request.
    #[must_use]
    pub fn url(&self, spec: &RequestSpec) -> String {
        if spec.path == HTTP_TWIN {
            http_twin_url(&self.base).unwrap_or_else(|_| self.base.clone())
        } else if spec.path.starts_with("http://") || spec.path.starts_with("https://") {
            spec.path.clone()
        } else {
            format!("{}{}", self.base, spec.path)
        }
    }

    /// The recorded outcome of a request.
    #[must_use]
    pub fn response(&self, spec: &RequestSpec) -> Option<&Outcome> {
        self.responses.get(spec)
    }

    /// Whether the target is https.
    #[must_use]
    pub fn is_https(&self) -> bool {
        self.base.starts_with("https://")
    }
}

/// Normalises a user-given URL: scheme required, no trailing slash.
pub fn normalize_url(url: &str) -> Result<String, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("invalid URL `{url}`: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "invalid URL `{url}`: only http and https are probed"
        ));
    }
    if parsed.host_str().is_none() {
        return Err(format!("invalid URL `{url}`: no host"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// Parses `Name: value` with `${VAR}` expanded from the environment (unset is an error).
pub fn parse_header(raw: &str) -> Result<(String, String), String> {
    let (name, value) = raw
        .split_once(':')
        .ok_or_else(|| "a --header must look like `Name: value`".to_owned())?;
    let name = name.trim();
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(format!("invalid header name `{name}`"));
    }
    let mut out = String::new();
    let mut rest = value.trim();
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed `${{` in the value of header `{name}`"))?;
        let var = &after[..end];
        // The variable's name may be shown; its value never is.
        let v = std::env::var(var)
            .map_err(|_| format!("header `{name}` uses `${{{var}}}`, which is not set"))?;
        out.push_str(&v);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok((name.to_owned(), out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_write_the_port_and_ignore_the_path() {
        assert_eq!(
            origin("https://API.example.com/v1?x=1").as_deref(),
            Some("https://api.example.com:443")
        );
        assert_eq!(
            origin("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_ne!(origin("http://a.example"), origin("https://a.example"));
        assert_eq!(
            parse_origin("https://a.example:8443/").as_deref(),
            Ok("https://a.example:8443")
        );
        assert!(parse_origin("https://a.example/api").is_err());
        assert!(parse_origin("ftp://a.example").is_err());
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("10/s"), Ok(Some(Rate::per_second(10))));
        assert_eq!(parse_rate("7"), Ok(Some(Rate::per_second(7))));
        assert_eq!(parse_rate("600/m"), Ok(Some(Rate::per_second(10))));
        assert_eq!(
            parse_rate("6/m"),
            Ok(Some(Rate {
                count: 1,
                window: Duration::from_secs(10)
            }))
        );
        assert_eq!(parse_rate("0"), Ok(None));
        assert!(parse_rate("fast").is_err());
        assert!(parse_rate("5/h").is_err());
    }
}
