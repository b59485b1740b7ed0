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
        }
    }
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
    /// Whether the user's headers include credentials (`Authorization`, `Cookie`).
    pub authenticated: bool,
    /// The profile.
    pub profile: Profile,
    /// Whether `--insecure` relaxed certificate trust.
    pub insecure: bool,
}

impl Target {
    /// The full URL of a request.
    #[must_use]
    pub fn url(&self, spec: &RequestSpec) -> String {
        if spec.path.starts_with("http://") || spec.path.starts_with("https://") {
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

    /// The http:// twin of an https target's base URL.
    #[must_use]
    pub fn http_twin(&self) -> Option<String> {
        self.base
            .strip_prefix("https://")
            .map(|rest| format!("http://{rest}"))
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
