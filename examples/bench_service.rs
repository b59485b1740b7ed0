//! A fast, production-ready HTTP service on 127.0.0.1 for `benches/probe_bench.py`: every
//! health path, `/metrics`, security headers, request ids, JSON errors. Prints its address,
//! counts the requests it serves (`GET /__requests` reads and resets the counter) and exits
//! when stdin closes, so the benchmark cannot leave it running. With `--sloppy` it behaves
//! like a typical unfinished service (for the README's example output).
//!
//!     cargo run --release --example bench_service

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const METRICS: &str = "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\"} 1\n";

async fn handle(count: Arc<AtomicU64>, sloppy: bool, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    if path == "/__requests" {
        return count.swap(0, Ordering::SeqCst).to_string().into_response();
    }
    count.fetch_add(1, Ordering::SeqCst);
    let id = req
        .headers()
        .get("x-request-id")
        .cloned()
        .unwrap_or(HeaderValue::from_static("bench-1"));
    let (status, ctype, body) = match path.as_str() {
        "/" if req.uri().query().is_some() => (
            StatusCode::BAD_REQUEST,
            "application/problem+json",
            r#"{"title":"bad query","request_id":"bench-1"}"#,
        ),
        "/" => (StatusCode::OK, "application/json", r#"{"service":"bench"}"#),
        "/metrics" => (StatusCode::OK, "text/plain; version=0.0.4", METRICS),
        "/healthz" | "/livez" | "/readyz" | "/health" => {
            (StatusCode::OK, "application/json", r#"{"status":"ok"}"#)
        }
        _ => (
            StatusCode::NOT_FOUND,
            "application/problem+json",
            r#"{"title":"Not Found","request_id":"bench-1"}"#,
        ),
    };
    if sloppy {
        let mut resp = if status == StatusCode::NOT_FOUND {
            (status, "<html><body>Cannot GET</body></html>").into_response()
        } else {
            (status, body).into_response()
        };
        let h = resp.headers_mut();
        h.insert("x-powered-by", HeaderValue::from_static("Express"));
        h.insert("server", HeaderValue::from_static("nginx/1.18.0"));
        return resp;
    }
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert("content-type", HeaderValue::from_static(ctype));
    h.insert("x-request-id", id);
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("cache-control", HeaderValue::from_static("no-store"));
    h.insert(
        "ratelimit-policy",
        HeaderValue::from_static("\"d\";q=100;w=60"),
    );
    resp
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let count = Arc::new(AtomicU64::new(0));
    let sloppy = std::env::args().any(|a| a == "--sloppy");
    let app = axum::Router::new().fallback(move |req: Request| handle(count.clone(), sloppy, req));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("http://{}", listener.local_addr().unwrap());
    let stop = async {
        // Exit when the parent closes stdin.
        let _ = tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {}
        })
        .await;
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
        .unwrap();
}
