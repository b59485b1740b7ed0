//! The HTTP side of probing: one reqwest client (rustls with the ring provider), requests
//! made concurrently under a semaphore, a per-request timeout and one deadline, redirects
//! bounded and kept on the target's host, bodies read up to a cap. Certificate facts come
//! from a separate tokio-rustls handshake whose verifier records the verdict.

use super::{BODY_CAP, ProbeError, ProbeSettings, RequestSpec, Response, SAFE_METHODS, Target};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Facts about a target's certificate and TLS session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFacts {
    /// `None` when the chain verifies for the host name, else the verifier's reason.
    pub problem: Option<String>,
    /// Negotiated protocol, e.g. `TLSv1_3`.
    pub version: String,
    /// Days until the leaf certificate expires (negative: expired).
    pub days_left: i64,
    /// The leaf's `notAfter`, for messages.
    pub not_after: String,
}

fn install_provider() {
    // Both rustls and reqwest use ring; install it once as the process default.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn root_store(extra: &[Vec<u8>]) -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for der in extra {
        // Checked when the file was read (`load_ca_certs`).
        let _ = roots.add(CertificateDer::from(der.clone()));
    }
    roots
}

/// Reads PEM certificates (`--ca-cert`) as DER.
pub fn load_ca_certs(path: &std::path::Path) -> Result<Vec<Vec<u8>>, String> {
    use rustls::pki_types::pem::PemObject;
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let certs: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(&bytes)
        .map(|c| c.map(|c| c.as_ref().to_vec()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("`{}` is not a PEM certificate file: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("`{}` holds no PEM certificate", path.display()));
    }
    for c in &certs {
        rustls::RootCertStore::empty()
            .add(CertificateDer::from(c.clone()))
            .map_err(|e| format!("`{}`: unusable certificate: {e}", path.display()))?;
    }
    Ok(certs)
}

/// Builds the shared client. Redirects are followed by hand (see `fetch`).
fn client(settings: &ProbeSettings) -> Result<reqwest::Client, String> {
    install_provider();
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!(
            "readycheck/",
            env!("CARGO_PKG_VERSION"),
            " (+production-readiness audit)"
        ))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(settings.timeout)
        .timeout(settings.timeout)
        .pool_max_idle_per_host(settings.concurrency.max(1))
        .no_proxy();
    if settings.insecure {
        builder = builder.tls_danger_accept_invalid_certs(true);
    } else {
        let tls = rustls::ClientConfig::builder()
            .with_root_certificates(root_store(&settings.ca_certs))
            .with_no_client_auth();
        builder = builder.tls_backend_preconfigured(tls);
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

fn describe(err: &reqwest::Error) -> String {
    use std::error::Error as _;
    // The innermost cause says what happened ("Connection refused (os error 111)");
    // the layers in between repeat it.
    let mut root: Option<String> = None;
    let mut io_kind = None;
    let mut source = err.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            io_kind.get_or_insert(io.kind());
        }
        root = Some(s.to_string());
        source = s.source();
    }
    let mut msg = if err.is_timeout() {
        return "timed out".to_owned();
    } else if io_kind == Some(std::io::ErrorKind::ConnectionRefused) {
        return "connection refused".to_owned();
    } else if err.is_connect() {
        "connection failed".to_owned()
    } else if err.is_body() || err.is_decode() {
        "the response body broke off".to_owned()
    } else if root
        .as_deref()
        .is_some_and(|r| r.starts_with("invalid HTTP") || r.contains("parse"))
    {
        // hyper's parse errors: what came back is not an HTTP response.
        "the answer is not HTTP".to_owned()
    } else {
        "request failed".to_owned()
    };
    if let Some(r) = root {
        msg.push_str(": ");
        msg.push_str(&r);
    }
    msg
}

/// A request that produced no response, and whether anything HTTP came back at all.
struct Failure {
    error: ProbeError,
    /// Nothing HTTP came back (refused, reset, timed out, TLS failure, not HTTP): the
    /// kind of failure that is retried and that makes a target "did not answer".
    no_answer: bool,
    /// The request was sent (a request readycheck refused to send says nothing about
    /// the target).
    sent: bool,
}

impl Failure {
    fn answered(msg: String) -> Failure {
        Failure {
            error: ProbeError(msg),
            no_answer: false,
            sent: true,
        }
    }
    fn silent(msg: String) -> Failure {
        Failure {
            error: ProbeError(msg),
            no_answer: true,
            sent: true,
        }
    }
    fn not_sent(msg: String) -> Failure {
        Failure {
            error: ProbeError(msg),
            no_answer: false,
            sent: false,
        }
    }
}

/// Some slack added to the rate limiter's window, so that the server never sees more
/// than the rate in any one second even when one request's connection took longer to set
/// up than another's.
const RATE_SLACK: Duration = Duration::from_millis(30);

/// Per-target politeness: at most `rate.count` requests in any sliding `rate.window`, and
/// a pause for everyone when the service says `429 Retry-After`.
struct Limiter {
    rate: Option<super::Rate>,
    state: tokio::sync::Mutex<(
        std::collections::VecDeque<tokio::time::Instant>,
        Option<tokio::time::Instant>,
    )>,
}

impl Limiter {
    fn new(rate: Option<super::Rate>) -> Limiter {
        Limiter {
            rate,
            state: tokio::sync::Mutex::new((std::collections::VecDeque::new(), None)),
        }
    }

    /// Waits for a slot; `false` when none comes before the deadline or `stop` says so.
    async fn acquire(&self, deadline: tokio::time::Instant, stop: impl Fn() -> bool) -> bool {
        let window = self.rate.map_or(Duration::ZERO, |r| r.window) + RATE_SLACK;
        loop {
            if stop() {
                return false;
            }
            let now = tokio::time::Instant::now();
            let wake = {
                let mut st = self.state.lock().await;
                let (sent, paused) = &mut *st;
                match *paused {
                    Some(until) if until > now => until,
                    _ => {
                        while sent.front().is_some_and(|t| *t + window <= now) {
                            sent.pop_front();
                        }
                        match self.rate {
                            Some(r) if sent.len() >= r.count as usize => {
                                sent.front().map_or(now, |t| *t + window)
                            }
                            _ => {
                                sent.push_back(now);
                                return true;
                            }
                        }
                    }
                }
            };
            if wake >= deadline {
                return false;
            }
            tokio::time::sleep_until(wake).await;
        }
    }

    async fn pause_until(&self, until: tokio::time::Instant) {
        let mut st = self.state.lock().await;
        if st.1.is_none_or(|u| u < until) {
            st.1 = Some(until);
        }
    }
}

/// What one target's run shares between its requests.
struct TargetRun {
    limiter: Limiter,
    concurrency: Arc<tokio::sync::Semaphore>,
    deadline: tokio::time::Instant,
    sent: std::sync::atomic::AtomicU32,
    /// Some request got an HTTP answer.
    answered: std::sync::atomic::AtomicBool,
    /// Set when a request used up its attempts without any answer while nothing else had
    /// answered: the requests still waiting are not sent to a service that is down.
    down: Mutex<Option<String>>,
    retried: Mutex<Vec<super::Retried>>,
    throttled: Mutex<Vec<super::Throttled>>,
}

impl TargetRun {
    /// Why the target is taken as down: a request used up its attempts without an answer
    /// and nothing has answered since the run began.
    fn gave_up(&self) -> Option<String> {
        if self.answered.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        self.down.lock().ok().and_then(|d| d.clone())
    }
}

/// `Retry-After` in seconds or as an HTTP date, capped at an hour.
fn retry_after(resp: &Response) -> Option<Duration> {
    let v = resp.header("retry-after")?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(3600)));
    }
    let when = httpdate_secs(v)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(when.saturating_sub(now).min(3600)))
}

/// Seconds since the epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn httpdate_secs(v: &str) -> Option<u64> {
    let parts: Vec<&str> = v.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == month)? as i64
        + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, sec] = hms.as_slice() else {
        return None;
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + h * 3600 + m * 60 + sec).ok()
}

fn request_label(spec: &RequestSpec) -> String {
    format!("{} {}", spec.method, spec.path)
}

/// One attempt: the request and its redirects (each hop rate-limited and counted).
async fn attempt(
    client: &reqwest::Client,
    method: &reqwest::Method,
    first_url: &str,
    spec: &RequestSpec,
    settings: &ProbeSettings,
    run: &TargetRun,
) -> Result<Arc<Response>, Failure> {
    let mut url = first_url.to_owned();
    let origin_host = reqwest::Url::parse(&url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned));
    // Latency runs from the first send, not from the waits for a slot before it.
    let mut started: Option<Instant> = None;
    for hop in 0..=5 {
        // The concurrency permit first, then the rate slot, so that a request is sent as
        // soon as it has its slot (the window counts sends, not intentions).
        let Ok(_permit) = run.concurrency.acquire().await else {
            return Err(Failure::silent("the probe was stopped".to_owned()));
        };
        if !run
            .limiter
            .acquire(run.deadline, || run.gave_up().is_some())
            .await
        {
            return Err(Failure {
                sent: false,
                ..Failure::silent(run.gave_up().unwrap_or_else(|| {
                    "the overall --deadline ran out before the request could be sent".to_owned()
                }))
            });
        }
        let left = run
            .deadline
            .saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return Err(Failure::silent("the overall --deadline ran out".to_owned()));
        }
        let mut req = client
            .request(method.clone(), &url)
            .timeout(settings.timeout.min(left));
        // The user's headers go only to the origins given on the command line.
        let trusted = super::origin(&url).is_some_and(|o| settings.header_origins.contains(&o));
        if trusted {
            for (k, v) in &settings.headers {
                req = req.header(k, v);
            }
        }
        for (k, v) in &spec.headers {
            req = req.header(k, v);
        }
        run.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let started = *started.get_or_insert_with(Instant::now);
        let mut resp = req
            .send()
            .await
            .map_err(|e| Failure::silent(describe(&e)))?;
        run.answered
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let latency = started.elapsed();
        let status = resp.status().as_u16();
        if spec.follow_redirects && (300..400).contains(&status) {
            let Some(location) = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
            else {
                return Err(Failure::answered(format!(
                    "redirect {status} without a Location header"
                )));
            };
            let next = reqwest::Url::parse(&url)
                .and_then(|base| base.join(location))
                .map_err(|_| {
                    Failure::answered(format!("redirect to an invalid URL `{location}`"))
                })?;
            if hop == 5 {
                return Err(Failure::answered(format!(
                    "more than 5 redirects (last to `{next}`)"
                )));
            }
            if !settings.allow_cross_host_redirects
                && next.host_str().map(str::to_owned) != origin_host
            {
                return Err(Failure::answered(format!(
                    "redirect to another host `{}` (pass --allow-cross-host-redirects)",
                    next.host_str().unwrap_or("?")
                )));
            }
            url = next.to_string();
            continue;
        }
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let mut truncated = false;
        if spec.method != "HEAD" {
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| Failure::answered(describe(&e)))?
            {
                let room = BODY_CAP - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
        }
        return Ok(Arc::new(Response {
            status,
            headers,
            body,
            truncated,
            latency,
            url,
        }));
    }
    Err(Failure::answered("too many redirects".to_owned()))
}

/// Backoff before attempt `n + 1` (n ≥ 1): 100 ms, 200 ms, 400 ms, … at most 2 s.
fn backoff(n: u32) -> Duration {
    Duration::from_millis(100u64 << (n - 1).min(5)).min(Duration::from_secs(2))
}

/// How many times a `429` is waited for before it is taken as the answer.
const MAX_THROTTLE_WAITS: u32 = 3;

async fn fetch(
    client: &reqwest::Client,
    target: &str,
    spec: &RequestSpec,
    settings: &ProbeSettings,
    run: &TargetRun,
) -> Result<Arc<Response>, Failure> {
    if !settings.allow_unsafe_methods && !SAFE_METHODS.contains(&spec.method.as_str()) {
        return Err(Failure::not_sent(format!(
            "`{}` could change state: pass --allow-unsafe-methods",
            spec.method
        )));
    }
    let method = reqwest::Method::from_bytes(spec.method.as_bytes())
        .map_err(|_| Failure::not_sent(format!("invalid method `{}`", spec.method)))?;
    let url = if spec.path == super::HTTP_TWIN {
        super::http_twin_url(target).map_err(Failure::not_sent)?
    } else if spec.path.starts_with("http://") || spec.path.starts_with("https://") {
        spec.path.clone()
    } else {
        format!("{target}{}", spec.path)
    };
    // Only requests that cannot change state are tried again.
    let idempotent = SAFE_METHODS.contains(&spec.method.as_str());
    let attempts = if idempotent { settings.retries + 1 } else { 1 };
    let mut errors: Vec<String> = Vec::new();
    let mut n = 0;
    let mut waits = 0;
    let record_retry = |errors: &[String], n: u32, answered: bool| {
        if n > 1
            && let Ok(mut r) = run.retried.lock()
        {
            r.push(super::Retried {
                request: request_label(spec),
                attempts: n,
                errors: errors.to_vec(),
                answered,
            });
        }
    };
    loop {
        n += 1;
        if let Some(down) = run.gave_up() {
            record_retry(&errors, n - 1, false);
            return Err(Failure {
                sent: false,
                ..Failure::silent(down)
            });
        }
        match attempt(client, &method, &url, spec, settings, run).await {
            Ok(resp) if resp.status == 429 && idempotent && waits < MAX_THROTTLE_WAITS => {
                waits += 1;
                n -= 1;
                let wait = retry_after(&resp).unwrap_or(Duration::from_secs(1));
                let until = tokio::time::Instant::now() + wait;
                let fits = until + Duration::from_millis(100) < run.deadline;
                if let Ok(mut t) = run.throttled.lock() {
                    t.push(super::Throttled {
                        request: request_label(spec),
                        status: resp.status,
                        waited_ms: if fits {
                            u64::try_from(wait.as_millis()).unwrap_or(u64::MAX)
                        } else {
                            0
                        },
                        honoured: fits,
                    });
                }
                if !fits {
                    return Err(Failure::answered(format!(
                        "the service answered 429 and asked to wait {} s, past the --deadline",
                        wait.as_secs_f64().ceil()
                    )));
                }
                run.limiter.pause_until(until).await;
            }
            Ok(resp) => {
                record_retry(&errors, n, true);
                return Ok(resp);
            }
            Err(f) if !f.sent => {
                record_retry(&errors, n - 1, false);
                return Err(f);
            }
            Err(f) => {
                errors.push(f.error.0.clone());
                let pause = backoff(n);
                let room = tokio::time::Instant::now() + pause < run.deadline;
                if !(f.no_answer && n < attempts && room) {
                    record_retry(&errors, n, false);
                    let msg = if n > 1 {
                        format!("{} after {n} attempts", f.error.0)
                    } else {
                        f.error.0
                    };
                    if f.no_answer
                        && !run.answered.load(std::sync::atomic::Ordering::Relaxed)
                        && let Ok(mut d) = run.down.lock()
                    {
                        d.get_or_insert_with(|| msg.clone());
                    }
                    return Err(Failure {
                        error: ProbeError(msg),
                        ..f
                    });
                }
                tokio::time::sleep(pause).await;
            }
        }
    }
}

/// Records the verifier's verdict instead of aborting, so an untrusted certificate can be
/// inspected and reported.
#[derive(Debug)]
struct Recording {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    verdict: Mutex<Option<String>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let r = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now);
        if let Ok(mut v) = self.verdict.lock() {
            *v = Some(match r {
                Ok(_) => String::new(),
                Err(e) => e.to_string(),
            });
        }
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(m, c, d)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(m, c, d)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

async fn tls_facts(
    base: &str,
    timeout: Duration,
    ca_certs: &[Vec<u8>],
) -> Result<TlsFacts, ProbeError> {
    install_provider();
    let url = reqwest::Url::parse(base).map_err(|e| ProbeError(e.to_string()))?;
    let host = url
        .host_str()
        .ok_or_else(|| ProbeError("no host".to_owned()))?
        .trim_matches(['[', ']'])
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let roots = root_store(ca_certs);
    let inner = rustls::client::WebPkiServerVerifier::builder(Arc::new(roots))
        .build()
        .map_err(|e| ProbeError(e.to_string()))?;
    let verifier = Arc::new(Recording {
        inner,
        verdict: Mutex::new(None),
    });
    let config = rustls::ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    let name = ServerName::try_from(host.clone())
        .map_err(|e| ProbeError(format!("invalid server name `{host}`: {e}")))?;
    let handshake = async {
        let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| ProbeError(format!("connection failed: {e}")))?;
        tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| ProbeError(format!("TLS handshake failed: {e}")))
    };
    let tls = tokio::time::timeout(timeout, handshake)
        .await
        .map_err(|_| ProbeError("TLS handshake timed out".to_owned()))??;
    let (_, session) = tls.get_ref();
    let version = session
        .protocol_version()
        .map_or_else(|| "unknown".to_owned(), |v| format!("{v:?}"));
    let leaf = session
        .peer_certificates()
        .and_then(|c| c.first())
        .ok_or_else(|| ProbeError("no certificate presented".to_owned()))?;
    let (_, cert) = x509_parser::parse_x509_certificate(leaf.as_ref())
        .map_err(|e| ProbeError(format!("unreadable certificate: {e}")))?;
    let not_after = cert.validity().not_after;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let days_left = (not_after.timestamp() - now).div_euclid(86_400);
    let problem = verifier
        .verdict
        .lock()
        .ok()
        .and_then(|v| v.clone())
        .filter(|v| !v.is_empty());
    Ok(TlsFacts {
        problem,
        version,
        days_left,
        not_after: not_after.to_string(),
    })
}

/// Makes every request for every target (deduplicated, concurrent, bounded) and returns
/// the targets with their recorded responses.
pub fn probe(
    bases: &[super::TargetSpec],
    requests: &[RequestSpec],
    settings: &ProbeSettings,
) -> Result<Vec<Target>, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let client = client(settings)?;
    let credentials_in_headers = settings
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("authorization") || k.eq_ignore_ascii_case("cookie"));
    runtime.block_on(async {
        let limit = Arc::new(tokio::sync::Semaphore::new(settings.concurrency.max(1)));
        let deadline = tokio::time::Instant::now() + settings.deadline;
        let mut targets = Vec::new();
        for spec_target in bases {
            let base = &spec_target.base;
            let run = Arc::new(TargetRun {
                limiter: Limiter::new(settings.rate),
                concurrency: limit.clone(),
                deadline,
                sent: std::sync::atomic::AtomicU32::new(0),
                answered: std::sync::atomic::AtomicBool::new(false),
                down: Mutex::new(None),
                retried: Mutex::new(Vec::new()),
                throttled: Mutex::new(Vec::new()),
            });
            // The first request goes alone: a service that does not answer it (after its
            // retries) is down, and the other requests are not sent to it.
            let mut first_done = None;
            let canary = requests.iter().position(|r| {
                SAFE_METHODS.contains(&r.method.as_str()) && r.path != super::HTTP_TWIN
            });
            if let Some(first) = canary.map(|i| &requests[i]) {
                let outcome = match tokio::time::timeout_at(
                    deadline,
                    fetch(&client, base, first, settings, &run),
                )
                .await
                {
                    Ok(o) => o,
                    Err(_) => Err(Failure::silent("the overall --deadline ran out".to_owned())),
                };
                if let Err(f) = &outcome
                    && f.no_answer
                    && let Ok(mut d) = run.down.lock()
                {
                    d.get_or_insert_with(|| f.error.0.clone());
                }
                first_done = Some((first.clone(), outcome));
            }
            let mut tasks = Vec::new();
            for (i, spec) in requests.iter().enumerate() {
                if Some(i) == canary {
                    continue;
                }
                let (client, settings, base, spec, run) = (
                    client.clone(),
                    settings.clone(),
                    base.clone(),
                    spec.clone(),
                    run.clone(),
                );
                tasks.push(tokio::spawn(async move {
                    let outcome = match tokio::time::timeout_at(
                        deadline,
                        fetch(&client, &base, &spec, &settings, &run),
                    )
                    .await
                    {
                        Ok(o) => o,
                        Err(_) => Err(Failure::silent("the overall --deadline ran out".to_owned())),
                    };
                    (spec, outcome)
                }));
            }
            let tls_task = base.starts_with("https://").then(|| {
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                let (b, t, ca) = (
                    base.clone(),
                    settings.timeout.min(left),
                    settings.ca_certs.clone(),
                );
                tokio::spawn(async move { tls_facts(&b, t, &ca).await })
            });
            let mut responses = BTreeMap::new();
            let mut silent: Option<String> = None;
            let mut answered = false;
            let mut outcomes = Vec::new();
            outcomes.extend(first_done);
            for t in tasks {
                if let Ok(done) = t.await {
                    outcomes.push(done);
                }
            }
            for (spec, outcome) in outcomes {
                {
                    let outcome = match outcome {
                        Ok(r) => {
                            answered = true;
                            Ok(r)
                        }
                        Err(f) => {
                            if f.no_answer {
                                silent.get_or_insert_with(|| f.error.0.clone());
                            } else if f.sent {
                                answered = true;
                            }
                            Err(f.error)
                        }
                    };
                    responses.insert(spec, outcome);
                }
            }
            let tls = match tls_task {
                Some(t) => Some(t.await.unwrap_or_else(|e| Err(ProbeError(e.to_string())))),
                None => None,
            };
            let credentials = super::origin(base)
                .is_some_and(|o| settings.header_origins.contains(&o))
                && !settings.headers.is_empty();
            let mut retried: Vec<super::Retried> = run
                .retried
                .lock()
                .map(|mut v| std::mem::take(&mut *v))
                .unwrap_or_default();
            retried.sort_by(|a, b| a.request.cmp(&b.request));
            let mut throttled: Vec<super::Throttled> = run
                .throttled
                .lock()
                .map(|mut v| std::mem::take(&mut *v))
                .unwrap_or_default();
            throttled.sort_by(|a, b| a.request.cmp(&b.request));
            targets.push(Target {
                base: base.clone(),
                responses,
                tls,
                source: spec_target.source,
                credentials,
                authenticated: credentials && credentials_in_headers,
                no_answer: if answered || requests.is_empty() {
                    None
                } else {
                    silent
                },
                retried,
                throttled,
                requests_sent: run.sent.load(std::sync::atomic::Ordering::Relaxed),
                profile: settings.profile,
                insecure: settings.insecure,
                allow_unsafe_methods: settings.allow_unsafe_methods,
            });
        }
        Ok(targets)
    })
}

#[cfg(test)]
mod tests {
    use super::{backoff, httpdate_secs};
    use std::time::Duration;

    #[test]
    fn http_dates() {
        assert_eq!(
            httpdate_secs("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(httpdate_secs("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(httpdate_secs("yesterday"), None);
    }

    #[test]
    fn backoff_doubles_up_to_two_seconds() {
        assert_eq!(backoff(1), Duration::from_millis(100));
        assert_eq!(backoff(2), Duration::from_millis(200));
        assert_eq!(backoff(3), Duration::from_millis(400));
        assert_eq!(backoff(9), Duration::from_secs(2));
    }
}
