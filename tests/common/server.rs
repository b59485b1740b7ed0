//! In-process HTTP servers on 127.0.0.1:0 for live-rule tests: started on a thread of their
//! own, stopped (and joined) on drop.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// A running axum server.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// Methods and paths the server saw, in order.
    pub seen: Arc<Mutex<Vec<(String, String)>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Serves `app` until dropped; every request is recorded in `seen`.
    pub fn start(app: axum::Router) -> TestServer {
        let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let log = seen.clone();
        let app = app.layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let log = log.clone();
                async move {
                    log.lock()
                        .unwrap()
                        .push((req.method().to_string(), req.uri().to_string()));
                    next.run(req).await
                }
            },
        ));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel::<SocketAddr>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        let addr = addr_rx.recv().unwrap();
        TestServer {
            base_url: format!("http://{addr}"),
            seen,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// A server answering the example routes of a rule file.
    pub fn from_routes(
        routes: &indexmap::IndexMap<String, readycheck::rule::ServerRoute>,
    ) -> TestServer {
        use axum::http::{HeaderName, HeaderValue, StatusCode};
        let table = Arc::new(routes.clone());
        let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
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
                if route.delay_ms > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(route.delay_ms)).await;
                }
                let mut resp = (
                    StatusCode::from_u16(route.status).unwrap(),
                    route.body.clone(),
                )
                    .into_response();
                for (k, v) in &route.headers {
                    resp.headers_mut().insert(
                        HeaderName::from_bytes(k.as_bytes()).unwrap(),
                        HeaderValue::from_str(v).unwrap(),
                    );
                }
                resp
            }
        });
        TestServer::start(app)
    }
}

use axum::response::IntoResponse;

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
