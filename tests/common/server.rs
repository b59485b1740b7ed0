//! In-process HTTP servers on 127.0.0.1:0 for live-rule tests: started on a thread of their
//! own, stopped (and joined) on drop.
#![allow(dead_code)]

use std::net::SocketAddr;

/// A test certificate authority (generated per test, trusted only via `--ca-cert`).
pub struct TestCa {
    issuer: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
    /// The CA certificate as PEM, for `--ca-cert`.
    pub pem: String,
}

/// A leaf certificate and key signed by a `TestCa`.
pub struct TestCert {
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
}

impl TestCa {
    pub fn new() -> TestCa {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "readycheck test CA");
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let key = rcgen::KeyPair::generate().unwrap();
        let issuer = rcgen::CertifiedIssuer::self_signed(params, key).unwrap();
        let pem = issuer.pem();
        TestCa { issuer, pem }
    }

    /// A leaf for `names`, valid from `from_days` to `to_days` relative to now.
    pub fn leaf(&self, names: &[&str], from_days: i64, to_days: i64) -> TestCert {
        let mut params = rcgen::CertificateParams::new(
            names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
        )
        .unwrap();
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now + time::Duration::days(from_days);
        params.not_after = now + time::Duration::days(to_days);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        TestCert {
            chain: vec![cert.der().clone(), self.issuer.der().clone()],
            key: rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
        }
    }
}

impl TestCert {
    fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let mut config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), self.key.clone_key())
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Arc::new(config)
    }
}
use std::sync::{Arc, Mutex};

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub uri: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    /// When the request arrived.
    pub at: std::time::Instant,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Which accepted connections (numbered from 0) are closed at once, unanswered.
pub type DropPolicy = Arc<dyn Fn(u64) -> bool + Send + Sync>;

/// A running axum server.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// Methods and paths the server saw, in order.
    pub seen: Arc<Mutex<Vec<(String, String)>>>,
    /// Every request with its headers and arrival time, in order.
    pub log: Arc<Mutex<Vec<Seen>>>,
    /// Connections accepted, dropped ones included.
    pub connections: Arc<std::sync::atomic::AtomicU64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Serves `app` until dropped; every request is recorded in `seen`.
    pub fn start(app: axum::Router) -> TestServer {
        TestServer::serve(app, None, None)
    }

    /// Serves `app` over TLS with the given certificate chain and key.
    pub fn start_tls(app: axum::Router, tls: &TestCert) -> TestServer {
        TestServer::serve(app, Some(tls.server_config()), None)
    }

    /// Serves `app`, but closes the connections `drop` picks as soon as they are accepted.
    pub fn start_dropping(app: axum::Router, drop: DropPolicy) -> TestServer {
        TestServer::serve(app, None, Some(drop))
    }

    fn serve(
        app: axum::Router,
        tls: Option<Arc<rustls::ServerConfig>>,
        drop_policy: Option<DropPolicy>,
    ) -> TestServer {
        let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let log: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let connections: Arc<std::sync::atomic::AtomicU64> = Arc::default();
        let (seen2, log2) = (seen.clone(), log.clone());
        let app = app.layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let (seen, log) = (seen2.clone(), log2.clone());
                async move {
                    let at = std::time::Instant::now();
                    seen.lock()
                        .unwrap()
                        .push((req.method().to_string(), req.uri().to_string()));
                    log.lock().unwrap().push(Seen {
                        method: req.method().to_string(),
                        uri: req.uri().to_string(),
                        headers: req
                            .headers()
                            .iter()
                            .map(|(k, v)| {
                                (
                                    k.as_str().to_owned(),
                                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                                )
                            })
                            .collect(),
                        at,
                    });
                    next.run(req).await
                }
            },
        ));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel::<SocketAddr>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let counter = connections.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                if tls.is_none() && drop_policy.is_none() {
                    axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await
                        .unwrap();
                    return;
                }
                let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
                let mut stopped = stopped;
                let mut conns = tokio::task::JoinSet::new();
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => {
                            let Ok((tcp, _)) = accepted else { continue };
                            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            if drop_policy.as_ref().is_some_and(|d| d(n)) {
                                let _ = tcp.set_zero_linger();
                                drop(tcp);
                                continue;
                            }
                            let (acceptor, app) = (acceptor.clone(), app.clone());
                            conns.spawn(async move {
                                let service = hyper_util::service::TowerToHyperService::new(app);
                                let builder = hyper_util::server::conn::auto::Builder::new(
                                    hyper_util::rt::TokioExecutor::new(),
                                );
                                match acceptor {
                                    Some(acceptor) => {
                                        // Handshake failures (a client that rejects the certificate) end the connection.
                                        let Ok(stream) = acceptor.accept(tcp).await else { return };
                                        let _ = builder
                                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                                            .await;
                                    }
                                    None => {
                                        let _ = builder
                                            .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                                            .await;
                                    }
                                }
                            });
                        }
                    }
                }
                conns.abort_all();
            });
        });
        let addr = addr_rx.recv().unwrap();
        TestServer {
            base_url: format!("http://{addr}"),
            seen,
            log,
            connections,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// A server answering the example routes of a rule file.
    pub fn from_routes(
        routes: &indexmap::IndexMap<String, readycheck::rule::ServerRoute>,
    ) -> TestServer {
        TestServer::start(routes_app(routes))
    }
}

/// An app answering the example routes of a rule file (unlisted paths: 404).
pub fn routes_app(
    routes: &indexmap::IndexMap<String, readycheck::rule::ServerRoute>,
) -> axum::Router {
    {
        use axum::http::{HeaderName, HeaderValue, StatusCode};
        let table = Arc::new(routes.clone());
        axum::Router::new().fallback(move |req: axum::extract::Request| {
            let table = table.clone();
            async move {
                let path = req
                    .uri()
                    .path_and_query()
                    .map_or("/".to_owned(), |p| p.as_str().to_owned());
                let route = table.get(&path).or_else(|| table.get(req.uri().path()));
                let Some(route) = route else {
                    return (StatusCode::NOT_FOUND, "not found").into_response();
                };
                if !route.methods.is_empty()
                    && !route
                        .methods
                        .iter()
                        .any(|m| m.eq_ignore_ascii_case(req.method().as_str()))
                {
                    return (StatusCode::METHOD_NOT_ALLOWED, "method not allowed").into_response();
                }
                if route.delay_ms > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(route.delay_ms)).await;
                }
                let mut resp = (
                    StatusCode::from_u16(route.status).unwrap(),
                    route.body.clone(),
                )
                    .into_response();
                for k in route.headers.keys() {
                    // The route's headers replace axum's defaults (e.g. content-type).
                    resp.headers_mut().remove(k.as_str());
                }
                for (k, v) in &route.headers {
                    resp.headers_mut().append(
                        HeaderName::from_bytes(k.as_bytes()).unwrap(),
                        HeaderValue::from_str(v).unwrap(),
                    );
                }
                let copies = route
                    .echo
                    .iter()
                    .map(|h| (h, h))
                    .chain(route.echo_as.iter());
                for (from, to) in copies {
                    if let Some(v) = req.headers().get(from.as_str()) {
                        resp.headers_mut()
                            .insert(HeaderName::from_bytes(to.as_bytes()).unwrap(), v.clone());
                    }
                }
                resp
            }
        })
    }
}

use axum::response::IntoResponse;

/// A TCP server on loopback whose connections are handled by `handle` (hostile servers);
/// stopped and joined on drop.
pub struct RawServer {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RawServer {
    pub fn start<F, Fut>(handle: F) -> RawServer
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel::<SocketAddr>();
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let mut conns = tokio::task::JoinSet::new();
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => {
                            if let Ok((tcp, _)) = accepted {
                                conns.spawn(handle(tcp));
                            }
                        }
                    }
                }
                conns.abort_all();
            });
        });
        let addr = addr_rx.recv().unwrap();
        RawServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Answers every TLS hello with a fatal `protocol_version` alert.
    pub fn legacy_tls() -> RawServer {
        RawServer::start(|mut tcp| async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut buf = [0u8; 1024];
            let _ = tcp.read(&mut buf).await;
            // TLS 1.0 record: alert, fatal (2), protocol_version (70).
            let _ = tcp
                .write_all(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46])
                .await;
            let _ = tcp.shutdown().await;
        })
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
