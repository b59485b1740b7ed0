//! The HTTP side of probing: one reqwest client (rustls with the ring provider), requests
//! made concurrently under a semaphore, a per-request timeout and one deadline, redirects
//! bounded and kept on the target's host, bodies read up to a cap. Certificate facts come
//! from a separate tokio-rustls handshake whose verifier records the verdict.

use super::{
    BODY_CAP, Outcome, ProbeError, ProbeSettings, RequestSpec, Response, SAFE_METHODS, Target,
};
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

fn root_store() -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    roots
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
            .with_root_certificates(root_store())
            .with_no_client_auth();
        builder = builder.tls_backend_preconfigured(tls);
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

fn describe(err: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut msg = if err.is_timeout() {
        "timed out".to_owned()
    } else if err.is_connect() {
        "connection failed".to_owned()
    } else if err.is_body() || err.is_decode() {
        "the response body broke off".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = err.source();
    let mut depth = 0;
    while let Some(s) = source {
        if depth < 3 {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
        }
        source = s.source();
        depth += 1;
    }
    msg
}

async fn fetch(
    client: &reqwest::Client,
    target: &str,
    spec: &RequestSpec,
    settings: &ProbeSettings,
) -> Outcome {
    if !settings.allow_unsafe_methods && !SAFE_METHODS.contains(&spec.method.as_str()) {
        return Err(ProbeError(format!(
            "`{}` could change state: pass --allow-unsafe-methods",
            spec.method
        )));
    }
    let method = reqwest::Method::from_bytes(spec.method.as_bytes())
        .map_err(|_| ProbeError(format!("invalid method `{}`", spec.method)))?;
    let mut url = if spec.path.starts_with("http") {
        spec.path.clone()
    } else {
        format!("{target}{}", spec.path)
    };
    let origin_host = reqwest::Url::parse(&url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned));
    let started = Instant::now();
    for hop in 0..=5 {
        let mut req = client.request(method.clone(), &url);
        for (k, v) in settings.headers.iter().chain(&spec.headers) {
            req = req.header(k, v);
        }
        let mut resp = req.send().await.map_err(|e| ProbeError(describe(&e)))?;
        let latency = started.elapsed();
        let status = resp.status().as_u16();
        if spec.follow_redirects && (300..400).contains(&status) {
            let Some(location) = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
            else {
                return Err(ProbeError(format!(
                    "redirect {status} without a Location header"
                )));
            };
            let next = reqwest::Url::parse(&url)
                .and_then(|base| base.join(location))
                .map_err(|_| ProbeError(format!("redirect to an invalid URL `{location}`")))?;
            if hop == 5 {
                return Err(ProbeError(format!(
                    "more than 5 redirects (last to `{next}`)"
                )));
            }
            if !settings.allow_cross_host_redirects
                && next.host_str().map(str::to_owned) != origin_host
            {
                return Err(ProbeError(format!(
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
            while let Some(chunk) = resp.chunk().await.map_err(|e| ProbeError(describe(&e)))? {
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
    Err(ProbeError("too many redirects".to_owned()))
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

/// Extra trust anchors for tests (a CA the test generated); never set in production.
pub static EXTRA_ROOTS: Mutex<Vec<CertificateDer<'static>>> = Mutex::new(Vec::new());

async fn tls_facts(base: &str, timeout: Duration) -> Result<TlsFacts, ProbeError> {
    install_provider();
    let url = reqwest::Url::parse(base).map_err(|e| ProbeError(e.to_string()))?;
    let host = url
        .host_str()
        .ok_or_else(|| ProbeError("no host".to_owned()))?
        .trim_matches(['[', ']'])
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let mut roots = root_store();
    if let Ok(extra) = EXTRA_ROOTS.lock() {
        for c in extra.iter() {
            let _ = roots.add(c.clone());
        }
    }
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
    bases: &[String],
    requests: &[RequestSpec],
    settings: &ProbeSettings,
) -> Result<Vec<Target>, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let client = client(settings)?;
    let authenticated = settings
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("authorization") || k.eq_ignore_ascii_case("cookie"));
    runtime.block_on(async {
        let limit = Arc::new(tokio::sync::Semaphore::new(settings.concurrency.max(1)));
        let deadline = tokio::time::Instant::now() + settings.deadline;
        let mut targets = Vec::new();
        for base in bases {
            let mut tasks = Vec::new();
            for spec in requests {
                let (client, limit, settings, base, spec) = (
                    client.clone(),
                    limit.clone(),
                    settings.clone(),
                    base.clone(),
                    spec.clone(),
                );
                tasks.push(tokio::spawn(async move {
                    let outcome = match tokio::time::timeout_at(deadline, async {
                        let _permit = limit.acquire().await;
                        fetch(&client, &base, &spec, &settings).await
                    })
                    .await
                    {
                        Ok(o) => o,
                        Err(_) => Err(ProbeError("the overall --deadline ran out".to_owned())),
                    };
                    (spec, outcome)
                }));
            }
            let tls_task = base.starts_with("https://").then(|| {
                let (b, t) = (base.clone(), settings.timeout);
                tokio::spawn(async move { tls_facts(&b, t).await })
            });
            let mut responses = BTreeMap::new();
            for t in tasks {
                if let Ok((spec, outcome)) = t.await {
                    responses.insert(spec, outcome);
                }
            }
            let tls = match tls_task {
                Some(t) => Some(t.await.unwrap_or_else(|e| Err(ProbeError(e.to_string())))),
                None => None,
            };
            targets.push(Target {
                base: base.clone(),
                responses,
                tls,
                authenticated,
                profile: settings.profile,
                insecure: settings.insecure,
            });
        }
        Ok(targets)
    })
}
