//! Live probes against real servers on 127.0.0.1:0: a well-behaved service passes every
//! probe; each misbehaviour is caught by exactly the rules meant for it; hostile servers
//! end in an inconclusive result within the deadline; only GET/HEAD/OPTIONS are sent unless
//! `--allow-unsafe-methods` is given. Every byte goes to loopback.

mod common;
#[path = "common/server.rs"]
mod server;

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use common::readycheck;
use server::{RawServer, TestCa, TestServer};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How the test service behaves; `Behaviour::default()` is a production-ready service.
#[derive(Clone, Default)]
struct Behaviour {
    no_hsts: bool,
    no_nosniff: bool,
    server_version: bool,
    powered_by: bool,
    loose_cookie: bool,
    no_request_id_on_errors: bool,
    replaces_request_id: bool,
    rejects_traceparent: bool,
    soft_404: bool,
    html_errors: bool,
    errors_without_id: bool,
    accepts_any_method: bool,
    query_crash: bool,
    stack_trace: bool,
    cors_wildcard_credentials: bool,
    cors_reflect: bool,
    cors_wildcard: bool,
    bad_metrics: bool,
    metrics_missing: bool,
    health_text: bool,
    no_readyz: bool,
    health_cached: bool,
    health_slow: bool,
    no_rate_limit: bool,
    uncompressed: bool,
    web_headers: bool,
}

const METRICS: &str = "# HELP http_requests_total Requests served.\n# TYPE http_requests_total counter\nhttp_requests_total{method=\"GET\",code=\"200\"} 1027\n# HELP process_start_time_seconds Start time.\n# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1.7e+09\n";

async fn handle(b: Arc<Behaviour>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let incoming_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let request_id = match incoming_id {
        Some(id) if !b.replaces_request_id => id,
        _ => "srv-5f0c2a".to_owned(),
    };
    let known = matches!(
        path.as_str(),
        "/" | "/healthz" | "/livez" | "/readyz" | "/metrics"
    );
    let mut is_error = false;
    let mut extra = HeaderMap::new();
    let (status, content_type, body): (StatusCode, &str, String) = if req.method() != Method::GET
        && req.method() != Method::HEAD
        && req.method() != Method::OPTIONS
        && !b.accepts_any_method
    {
        is_error = true;
        extra.insert("allow", HeaderValue::from_static("GET, HEAD, OPTIONS"));
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "application/problem+json",
            format!(r#"{{"title":"Method Not Allowed","status":405,"request_id":"{request_id}"}}"#),
        )
    } else if b.rejects_traceparent && req.headers().contains_key("traceparent") {
        is_error = true;
        (
            StatusCode::BAD_REQUEST,
            "application/json",
            format!(r#"{{"message":"unexpected header","request_id":"{request_id}"}}"#),
        )
    } else if path == "/" && query.contains("limit=") {
        is_error = true;
        if b.query_crash {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "application/json",
                format!(r#"{{"message":"internal error","request_id":"{request_id}"}}"#),
            )
        } else {
            (
                StatusCode::BAD_REQUEST,
                "application/problem+json",
                format!(
                    r#"{{"title":"limit must be at most 100","status":400,"request_id":"{request_id}"}}"#
                ),
            )
        }
    } else if !known {
        is_error = true;
        if b.soft_404 {
            (
                StatusCode::OK,
                "application/json",
                format!(r#"{{"message":"welcome","request_id":"{request_id}"}}"#),
            )
        } else if b.html_errors {
            (
                StatusCode::NOT_FOUND,
                "text/html",
                "<html><body><h1>Not Found</h1></body></html>".to_owned(),
            )
        } else if b.stack_trace {
            (
                StatusCode::NOT_FOUND,
                "application/json",
                format!(
                    r#"{{"message":"not found","request_id":"{request_id}","trace":"Traceback (most recent call last):\n  File \"/app/main.py\", line 9"}}"#
                ),
            )
        } else if b.errors_without_id {
            (
                StatusCode::NOT_FOUND,
                "application/json",
                r#"{"message":"not found"}"#.to_owned(),
            )
        } else {
            (
                StatusCode::NOT_FOUND,
                "application/problem+json",
                format!(r#"{{"title":"Not Found","status":404,"request_id":"{request_id}"}}"#),
            )
        }
    } else if path == "/metrics" {
        if b.metrics_missing {
            is_error = true;
            (
                StatusCode::NOT_FOUND,
                "application/problem+json",
                format!(r#"{{"title":"Not Found","status":404,"request_id":"{request_id}"}}"#),
            )
        } else if b.bad_metrics {
            (
                StatusCode::OK,
                "text/plain; version=0.0.4",
                "# TYPE http_requests_total counter\nhttp_requests_total{method=\"GET\" 12\n"
                    .to_owned(),
            )
        } else {
            (
                StatusCode::OK,
                "text/plain; version=0.0.4",
                METRICS.to_owned(),
            )
        }
    } else if path == "/" {
        let body = if b.uncompressed {
            format!(r#"{{"items":[{}]}}"#, vec!["1234567890"; 200].join(","))
        } else {
            r#"{"service":"orders","version":"1.4.2"}"#.to_owned()
        };
        (StatusCode::OK, "application/json", body)
    } else {
        // Health endpoints.
        if path == "/readyz" && b.no_readyz {
            is_error = true;
            (
                StatusCode::NOT_FOUND,
                "application/problem+json",
                format!(r#"{{"title":"Not Found","status":404,"request_id":"{request_id}"}}"#),
            )
        } else {
            if b.health_slow {
                tokio::time::sleep(Duration::from_millis(1300)).await;
            }
            extra.insert(
                "cache-control",
                HeaderValue::from_static(if b.health_cached {
                    "public, max-age=60"
                } else {
                    "no-store"
                }),
            );
            if b.health_text {
                (StatusCode::OK, "text/plain", "OK".to_owned())
            } else {
                (
                    StatusCode::OK,
                    "application/json",
                    r#"{"status":"ok","checks":{"db":"ok"}}"#.to_owned(),
                )
            }
        }
    };
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert("content-type", HeaderValue::from_str(content_type).unwrap());
    h.extend(extra);
    if !(is_error && (b.no_request_id_on_errors || b.errors_without_id)) {
        h.insert("x-request-id", HeaderValue::from_str(&request_id).unwrap());
    }
    if !b.no_hsts {
        h.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    if !b.no_nosniff {
        h.insert(
            "x-content-type-options",
            HeaderValue::from_static("nosniff"),
        );
    }
    if b.server_version {
        h.insert("server", HeaderValue::from_static("nginx/1.18.0"));
    }
    if b.powered_by {
        h.insert("x-powered-by", HeaderValue::from_static("Express"));
    }
    if path == "/" {
        h.insert(
            "set-cookie",
            HeaderValue::from_static(if b.loose_cookie {
                "sid=8f2e; Path=/"
            } else {
                "sid=8f2e; Path=/; Secure; HttpOnly; SameSite=Lax"
            }),
        );
    }
    if !b.no_rate_limit {
        h.insert(
            "ratelimit-policy",
            HeaderValue::from_static("\"default\";q=100;w=60"),
        );
        h.insert(
            "ratelimit",
            HeaderValue::from_static("\"default\";r=99;t=60"),
        );
    }
    if b.web_headers {
        h.insert(
            "content-security-policy",
            HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"),
        );
        h.insert("x-frame-options", HeaderValue::from_static("DENY"));
        h.insert(
            "referrer-policy",
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
        h.insert(
            "permissions-policy",
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        );
    }
    let origin = req.headers().get("origin").cloned();
    if b.cors_wildcard_credentials {
        h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        h.insert(
            "access-control-allow-credentials",
            HeaderValue::from_static("true"),
        );
    } else if b.cors_wildcard {
        h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    } else if let Some(o) = origin
        && (b.cors_reflect || o == "https://app.example.com")
    {
        h.insert("access-control-allow-origin", o);
        h.insert("vary", HeaderValue::from_static("Origin"));
    }
    resp
}

fn app(b: Behaviour) -> axum::Router {
    let b = Arc::new(b);
    axum::Router::new().fallback(move |req: Request| handle(b.clone(), req))
}

/// A TLS server with a certificate from a fresh CA, and the CA's PEM file.
struct Tls {
    server: TestServer,
    ca_file: tempfile::NamedTempFile,
}

impl Tls {
    fn start(b: Behaviour, names: &[&str], from_days: i64, to_days: i64) -> Tls {
        let ca = TestCa::new();
        let cert = ca.leaf(names, from_days, to_days);
        let server = TestServer::start_tls(app(b), &cert);
        let ca_file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(ca_file.path(), &ca.pem).unwrap();
        Tls { server, ca_file }
    }

    fn url(&self) -> String {
        self.server.base_url.replace("http://", "https://")
    }
}

/// Runs `readycheck probe` with `args` and returns (exit code, JSON report).
fn probe(args: &[&str]) -> (i32, serde_json::Value) {
    let out = readycheck()
        .arg("probe")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), report)
}

fn outcomes(report: &serde_json::Value, outcome: &str) -> BTreeSet<String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == outcome)
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn assert_only_safe_methods(server: &TestServer) {
    let seen = server.seen.lock().unwrap();
    for (method, path) in seen.iter() {
        assert!(
            ["GET", "HEAD", "OPTIONS"].contains(&method.as_str()),
            "{method} {path} was sent without --allow-unsafe-methods"
        );
    }
}

#[test]
fn a_production_ready_service_passes_every_probe() {
    let tls = Tls::start(Behaviour::default(), &["127.0.0.1"], -10, 365);
    let ca = tls.ca_file.path().to_str().unwrap().to_owned();
    let (code, r) = probe(&[&tls.url(), "--ca-cert", &ca]);
    assert_eq!(code, 0, "{:#}", r["gate"]);
    assert_eq!(outcomes(&r, "fail"), ids(&[]), "{r:#}");
    assert_eq!(outcomes(&r, "inconclusive"), ids(&[]), "{r:#}");
    // Skipped only where the target says nothing: browser-only headers in the api profile,
    // the unsafe-method probe without its flag, credentials-only CORS, the public-web
    // metrics rule, the http twin of a target on an explicit port, and the declared-path
    // rule with no repository.
    assert_eq!(
        outcomes(&r, "skipped"),
        ids(&[
            "HTTP002", "HTTP007", "HTTP009", "HTTP010", "HTTP011", "HTTP021", "HTTP026", "HTTP031",
            "HTTP033"
        ])
    );
    assert_eq!(
        outcomes(&r, "pass").len(),
        r["results"].as_array().unwrap().len() - 9
    );
    assert_only_safe_methods(&tls.server);
}

#[test]
fn each_misbehaviour_is_caught_by_exactly_its_rules() {
    let cases: Vec<(&str, Behaviour, &[&str])> = vec![
        (
            "no HSTS",
            Behaviour {
                no_hsts: true,
                ..Default::default()
            },
            &["HTTP006"],
        ),
        (
            "no nosniff",
            Behaviour {
                no_nosniff: true,
                ..Default::default()
            },
            &["HTTP008"],
        ),
        (
            "server version",
            Behaviour {
                server_version: true,
                ..Default::default()
            },
            &["HTTP012"],
        ),
        (
            "x-powered-by",
            Behaviour {
                powered_by: true,
                ..Default::default()
            },
            &["HTTP013"],
        ),
        (
            "loose cookie",
            Behaviour {
                loose_cookie: true,
                ..Default::default()
            },
            &["HTTP014"],
        ),
        (
            "no request id on errors",
            Behaviour {
                no_request_id_on_errors: true,
                ..Default::default()
            },
            &["HTTP015"],
        ),
        (
            "client request id replaced",
            Behaviour {
                replaces_request_id: true,
                ..Default::default()
            },
            &["HTTP016"],
        ),
        (
            "traceparent rejected",
            Behaviour {
                rejects_traceparent: true,
                ..Default::default()
            },
            &["HTTP017"],
        ),
        (
            "soft 404",
            Behaviour {
                soft_404: true,
                ..Default::default()
            },
            &["HTTP018"],
        ),
        (
            "html errors",
            Behaviour {
                html_errors: true,
                ..Default::default()
            },
            &["HTTP019"],
        ),
        (
            "errors without id",
            Behaviour {
                errors_without_id: true,
                ..Default::default()
            },
            &["HTTP015", "HTTP020"],
        ),
        (
            "query crash",
            Behaviour {
                query_crash: true,
                ..Default::default()
            },
            &["HTTP022"],
        ),
        (
            "stack trace",
            Behaviour {
                stack_trace: true,
                ..Default::default()
            },
            &["HTTP023"],
        ),
        (
            "cors wildcard with credentials",
            Behaviour {
                cors_wildcard_credentials: true,
                ..Default::default()
            },
            &["HTTP024"],
        ),
        (
            "cors reflection",
            Behaviour {
                cors_reflect: true,
                ..Default::default()
            },
            &["HTTP025"],
        ),
        (
            "bad metrics",
            Behaviour {
                bad_metrics: true,
                ..Default::default()
            },
            &["HTTP032"],
        ),
        (
            "no metrics",
            Behaviour {
                metrics_missing: true,
                ..Default::default()
            },
            &["HTTP032"],
        ),
        (
            "health text",
            Behaviour {
                health_text: true,
                ..Default::default()
            },
            &["HTTP003"],
        ),
        (
            "no readyz",
            Behaviour {
                no_readyz: true,
                ..Default::default()
            },
            &["HTTP004"],
        ),
        (
            "health cached",
            Behaviour {
                health_cached: true,
                ..Default::default()
            },
            &["HTTP005"],
        ),
        (
            "health slow",
            Behaviour {
                health_slow: true,
                ..Default::default()
            },
            &["HTTP001"],
        ),
        (
            "no rate limit",
            Behaviour {
                no_rate_limit: true,
                ..Default::default()
            },
            &["HTTP034"],
        ),
        (
            "uncompressed",
            Behaviour {
                uncompressed: true,
                ..Default::default()
            },
            &["HTTP035"],
        ),
    ];
    let mut wrong = Vec::new();
    for (what, behaviour, expected) in cases {
        let tls = Tls::start(behaviour, &["127.0.0.1"], -10, 365);
        let ca = tls.ca_file.path().to_str().unwrap().to_owned();
        let (_, r) = probe(&[&tls.url(), "--ca-cert", &ca]);
        let failed = outcomes(&r, "fail");
        if failed != ids(expected) || !outcomes(&r, "inconclusive").is_empty() {
            wrong.push(format!(
                "{what}: expected {expected:?}, failed {failed:?}, inconclusive {:?}",
                outcomes(&r, "inconclusive")
            ));
        }
        assert_only_safe_methods(&tls.server);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn certificates_expired_expiring_untrusted_and_misnamed() {
    // (what, certificate names, valid from, valid to (days), trust the CA, failing rules)
    type CertCase<'a> = (&'a str, &'a [&'a str], i64, i64, bool, &'a [&'a str]);
    let cases: Vec<CertCase> = vec![
        // The verifier rejects an expired leaf too, so trust fails with expiry.
        (
            "expired",
            &["127.0.0.1"],
            -90,
            -1,
            true,
            &["HTTP027", "HTTP028", "HTTP029"],
        ),
        (
            "expiring in 5 days",
            &["127.0.0.1"],
            -85,
            5,
            true,
            &["HTTP029"],
        ),
        ("unknown CA", &["127.0.0.1"], -10, 365, false, &["HTTP027"]),
        (
            "wrong host name",
            &["api.example.com"],
            -10,
            365,
            true,
            &["HTTP027"],
        ),
    ];
    for (what, names, from, to, trust_ca, expected) in cases {
        let tls = Tls::start(Behaviour::default(), names, from, to);
        let ca = tls.ca_file.path().to_str().unwrap().to_owned();
        let mut args = vec![tls.url(), "--insecure".to_owned()];
        if trust_ca {
            args.extend(["--ca-cert".to_owned(), ca]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, r) = probe(&args);
        assert_eq!(outcomes(&r, "fail"), ids(expected), "{what}: {r:#}");
        // HTTP029 alone is medium, below the default `high` gate.
        let gate_fails = expected != ["HTTP029"];
        assert_eq!(code, i32::from(gate_fails), "{what}");
        let trust = r["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == "HTTP027")
            .unwrap();
        if expected.contains(&"HTTP027") {
            let msg = trust["findings"][0]["message"].as_str().unwrap();
            assert!(msg.contains("relaxed with --insecure"), "{msg}");
        }
    }
    // Without --insecure an untrusted certificate means no HTTP answer: HTTP001 fails (a
    // client would see the same), the other HTTP rules are undecided and say why, and the
    // TLS rules still judge the handshake.
    let tls = Tls::start(Behaviour::default(), &["127.0.0.1"], -10, 365);
    let (code, r) = probe(&[&tls.url()]);
    assert_eq!(code, 1);
    assert_eq!(outcomes(&r, "fail"), ids(&["HTTP001", "HTTP027"]));
    let inconclusive = outcomes(&r, "inconclusive");
    assert!(inconclusive.contains("HTTP006"), "{inconclusive:?}");
    let reason = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "HTTP006")
        .unwrap()["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(reason.contains("certificate"), "{reason}");
}

#[test]
fn public_web_profile_judges_browser_headers_and_public_metrics() {
    let tls = Tls::start(Behaviour::default(), &["127.0.0.1"], -10, 365);
    let ca = tls.ca_file.path().to_str().unwrap().to_owned();
    let (_, r) = probe(&[&tls.url(), "--ca-cert", &ca, "--profile", "public-web"]);
    assert_eq!(
        outcomes(&r, "fail"),
        ids(&["HTTP007", "HTTP009", "HTTP010", "HTTP011", "HTTP033"])
    );
    let good = Tls::start(
        Behaviour {
            web_headers: true,
            metrics_missing: true,
            ..Default::default()
        },
        &["127.0.0.1"],
        -10,
        365,
    );
    let ca = good.ca_file.path().to_str().unwrap().to_owned();
    let (code, r) = probe(&[&good.url(), "--ca-cert", &ca, "--profile", "public-web"]);
    assert_eq!(outcomes(&r, "fail"), ids(&[]), "{r:#}");
    assert_eq!(code, 0);
    // A plain-http public site must redirect to https.
    let plain = TestServer::start(app(Behaviour::default()));
    let (_, r) = probe(&[&plain.base_url, "--profile", "public-web"]);
    assert!(outcomes(&r, "fail").contains("HTTP031"), "{r:#}");
    // The internal profile does not expect HSTS behind a TLS-terminating proxy.
    let (_, r) = probe(&[
        &plain.base_url,
        "--profile",
        "internal",
        "--select",
        "HTTP006,HTTP031",
    ]);
    assert_eq!(outcomes(&r, "skipped"), ids(&["HTTP006", "HTTP031"]));
}

#[test]
fn unsafe_methods_only_with_the_flag() {
    let server = TestServer::start(app(Behaviour {
        accepts_any_method: true,
        ..Default::default()
    }));
    let (_, r) = probe(&[&server.base_url, "--select", "HTTP021"]);
    assert_eq!(outcomes(&r, "skipped"), ids(&["HTTP021"]));
    assert_only_safe_methods(&server);
    let (code, r) = probe(&[
        &server.base_url,
        "--select",
        "HTTP021",
        "--allow-unsafe-methods",
    ]);
    assert_eq!(outcomes(&r, "fail"), ids(&["HTTP021"]));
    assert_eq!(code, 0, "HTTP021 is low: below the default gate");
    assert!(
        server
            .seen
            .lock()
            .unwrap()
            .iter()
            .any(|(m, p)| m == "DELETE" && p == "/")
    );
}

#[test]
fn credentials_header_values_never_reach_the_report() {
    let server = TestServer::start(app(Behaviour {
        cors_wildcard: true,
        ..Default::default()
    }));
    let secret = "s3cr3t-token-7d1e9f";
    for format in [
        "table", "json", "sarif", "junit", "markdown", "github", "html",
    ] {
        let out = readycheck()
            .env("PROBE_TOKEN", secret)
            .args(["probe", &server.base_url, "--format", format])
            .args(["--header", "Authorization: Bearer ${PROBE_TOKEN}"])
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(secret), "{format} leaks the header value");
        assert!(all.contains("HTTP026"), "{format}: {all}");
    }
    // The wildcard on an authenticated API is found.
    let out = readycheck()
        .env("PROBE_TOKEN", secret)
        .args([
            "probe",
            &server.base_url,
            "--format",
            "json",
            "--select",
            "HTTP026",
        ])
        .args(["--header", "Authorization: Bearer ${PROBE_TOKEN}"])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcomes(&r, "fail"), ids(&["HTTP026"]));
    // An unset variable is a usage error that names the variable, not a silent empty value.
    readycheck()
        .env_remove("NOT_SET_ANYWHERE")
        .args(["probe", &server.base_url])
        .args(["--header", "Authorization: Bearer ${NOT_SET_ANYWHERE}"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("NOT_SET_ANYWHERE"));
}

#[test]
fn declared_health_path_that_fails_on_the_live_service() {
    let repo = common::TestRepo::new().file(
        "k8s/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: api:1.4.2\n          livenessProbe:\n            httpGet: {path: /livez, port: 8080}\n          readinessProbe:\n            httpGet: {path: /health/ready, port: 8080}\n",
    );
    let server = TestServer::start(app(Behaviour::default()));
    let out = readycheck()
        .args([
            "audit",
            "--format",
            "json",
            "--no-config",
            "--select",
            "HTTP002",
        ])
        .arg(repo.path())
        .args(["--url", &server.base_url])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rule = &r["results"][0];
    assert_eq!(rule["id"], "HTTP002");
    assert_eq!(rule["outcome"], "fail");
    let findings = rule["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let msg = findings[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("`/health/ready` declared in `k8s/deployment.yaml:13` answered 404"),
        "{msg}"
    );
    assert_eq!(out.status.code(), Some(1), "HTTP002 is high");
    // The liveness path that does answer is evidence.
    assert!(
        rule["evidence"][0]["message"]
            .as_str()
            .unwrap()
            .contains("k8s/deployment.yaml:11")
    );
}

#[test]
fn several_urls_are_reported_apart() {
    let good = TestServer::start(app(Behaviour::default()));
    let bad = TestServer::start(app(Behaviour {
        powered_by: true,
        ..Default::default()
    }));
    let (_, r) = probe(&[&good.base_url, &bad.base_url, "--select", "HTTP013"]);
    let rule = &r["results"][0];
    assert_eq!(rule["outcome"], "fail");
    let urls: Vec<&str> = rule["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["url"].as_str().unwrap())
        .collect();
    assert!(
        urls.iter().all(|u| u.starts_with(&bad.base_url)),
        "{urls:?}"
    );
    assert_eq!(urls.len(), 2, "`/` and the not-found path");
}

/// A hostile server, the probe settings, and what the reason must say.
fn hostile(what: &str, server: RawServer, reason: &str) {
    let url = format!("http://{}", server.addr);
    let started = Instant::now();
    let (code, r) = probe(&[
        &url,
        "--timeout",
        "1",
        "--deadline",
        "4",
        "--select",
        "HTTP001,HTTP008,HTTP019,HTTP023",
    ]);
    let elapsed = started.elapsed();
    // Generous bound: the deadline is 4 s; the process must not hang.
    assert!(
        elapsed < Duration::from_secs(15),
        "{what}: took {elapsed:?}"
    );
    assert!(matches!(code, 0 | 1), "{what}: exit {code}");
    let reasons: Vec<String> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| format!("{} {}", x["outcome"], x["reason"]))
        .collect();
    assert!(
        reasons.iter().any(|x| x.contains(reason)),
        "{what}: no reason with `{reason}` in {reasons:#?}"
    );
    drop(server);
}

async fn read_request(tcp: &mut tokio::net::TcpStream) {
    use tokio::io::AsyncReadExt;
    let mut buf = vec![0u8; 8192];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        match tcp.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

#[test]
fn hostile_servers_end_inconclusive_within_the_deadline() {
    use tokio::io::AsyncWriteExt;
    hostile(
        "never answers",
        RawServer::start(|mut tcp| async move {
            read_request(&mut tcp).await;
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }),
        "timed out",
    );
    hostile(
        "headers one byte a second",
        RawServer::start(|mut tcp| async move {
            read_request(&mut tcp).await;
            for b in b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" {
                if tcp.write_all(&[*b]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }),
        "timed out",
    );
    hostile(
        "redirect loop",
        RawServer::start(|mut tcp| async move {
            loop {
                read_request(&mut tcp).await;
                let r = b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n";
                if tcp.write_all(r).await.is_err() {
                    return;
                }
            }
        }),
        "more than 5 redirects",
    );
    hostile(
        "connection reset",
        RawServer::start(|tcp| async move {
            let _ = tcp.set_zero_linger();
            drop(tcp);
        }),
        "inconclusive",
    );
    hostile(
        "cross-host redirect",
        RawServer::start(|mut tcp| async move {
            read_request(&mut tcp).await;
            let r = b"HTTP/1.1 301 Moved\r\nLocation: http://elsewhere.invalid/\r\nContent-Length: 0\r\n\r\n";
            let _ = tcp.write_all(r).await;
        }),
        "redirect to another host",
    );
    hostile(
        "connection reset mid-body",
        RawServer::start(|mut tcp| async move {
            read_request(&mut tcp).await;
            let head =
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n";
            let _ = tcp.write_all(head).await;
            let _ = tcp.write_all(&[b'x'; 1000]).await;
            let _ = tcp.set_zero_linger();
            drop(tcp);
        }),
        "inconclusive",
    );
    hostile(
        "100 000 response headers",
        RawServer::start(|mut tcp| async move {
            read_request(&mut tcp).await;
            let mut r = String::from("HTTP/1.1 200 OK\r\n");
            for i in 0..100_000 {
                r.push_str(&format!("X-H{i}: v\r\n"));
            }
            r.push_str("Content-Length: 0\r\n\r\n");
            let _ = tcp.write_all(r.as_bytes()).await;
        }),
        "inconclusive",
    );
    hostile(
        "garbage instead of HTTP",
        RawServer::start(|mut tcp| async move {
            read_request(&mut tcp).await;
            let _ = tcp
                .write_all(b"\x00\x01garbage\xff\xfe not http at all\r\n\r\n")
                .await;
            let _ = tcp.shutdown().await;
        }),
        "inconclusive",
    );
}

#[test]
fn a_listener_that_never_accepts_times_out() {
    // The kernel completes the handshake into the backlog; nobody ever reads.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let started = Instant::now();
    let (code, r) = probe(&[
        &url,
        "--timeout",
        "1",
        "--deadline",
        "3",
        "--select",
        "HTTP013",
    ]);
    assert!(started.elapsed() < Duration::from_secs(15));
    // No HTTP001 among the selected rules: the gate fails on the silence itself.
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(outcomes(&r, "inconclusive"), ids(&["HTTP013"]));
    let reasons = r["gate"]["reasons"].to_string();
    assert!(reasons.contains("did not answer: timed out"), "{reasons}");
    drop(listener);
}

#[test]
fn endless_and_huge_bodies_are_capped() {
    use tokio::io::AsyncWriteExt;
    // An endless chunked body and a 10 MB error page: both read up to 1 MiB, judged, and
    // the run ends.
    let endless = RawServer::start(|mut tcp| async move {
        read_request(&mut tcp).await;
        let _ = tcp
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
            .await;
        let chunk = format!("4000\r\n{}\r\n", "a".repeat(0x4000));
        loop {
            if tcp.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
    });
    let huge = RawServer::start(|mut tcp| async move {
        read_request(&mut tcp).await;
        let body = "Traceback (most recent call last):\n".to_owned() + &"x".repeat(10 << 20);
        let head = format!(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let _ = tcp.write_all(head.as_bytes()).await;
        let _ = tcp.write_all(body.as_bytes()).await;
    });
    // Announces 1 GB, streams until the reader stops.
    let gigabyte = RawServer::start(|mut tcp| async move {
        read_request(&mut tcp).await;
        let _ = tcp
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n")
            .await;
        let block = vec![b' '; 64 * 1024];
        loop {
            if tcp.write_all(&block).await.is_err() {
                return;
            }
        }
    });
    for (server, rule) in [
        (endless, "HTTP035"),
        (huge, "HTTP023"),
        (gigabyte, "HTTP035"),
    ] {
        let url = format!("http://{}", server.addr);
        let started = Instant::now();
        let (_, r) = probe(&[&url, "--timeout", "3", "--deadline", "6", "--select", rule]);
        assert!(started.elapsed() < Duration::from_secs(15));
        // The endless body is over 1 KB uncompressed; the huge page shows a traceback.
        assert_eq!(outcomes(&r, "fail"), ids(&[rule]), "{r:#}");
    }
}

#[test]
fn unreachable_target_renders_a_report_with_the_reason() {
    let url = common::refused_url();
    let (code, r) = probe(&[&url, "--timeout", "1"]);
    assert_eq!(code, 1, "a service that does not answer fails the gate");
    assert_eq!(outcomes(&r, "fail"), ids(&["HTTP001"]));
    let inconclusive = outcomes(&r, "inconclusive");
    assert!(inconclusive.len() >= 19, "{inconclusive:?}");
    let first = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["outcome"] == "inconclusive")
        .unwrap();
    assert!(
        first["reason"]
            .as_str()
            .unwrap()
            .contains("the target did not answer"),
        "{first:#}"
    );
    assert_eq!(r["targets"][0]["answered"], false);
    // --exit-zero reports without gating.
    let (code, _) = probe(&[&url, "--timeout", "1", "--exit-zero"]);
    assert_eq!(code, 0);
    // A malformed URL is a usage error.
    readycheck()
        .args(["probe", "ftp://example.com"])
        .assert()
        .code(2);
}

/// Runs `readycheck probe` in `format`, timed: (exit code, stdout, wall time).
fn probe_timed(args: &[&str], format: &str) -> (i32, String, Duration) {
    let started = Instant::now();
    let out = readycheck()
        .arg("probe")
        .args(args)
        .args(["--format", format])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        started.elapsed(),
    )
}

/// The entries (not their wrapped continuation lines) under a table section heading.
fn section_entries(table: &str, heading: &str) -> Vec<String> {
    table
        .lines()
        .skip_while(|l| !l.starts_with(heading))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("         "))
        .map(str::to_owned)
        .collect()
}

/// Every rule's outcome in a JSON report.
fn verdicts(report: &serde_json::Value) -> std::collections::BTreeMap<String, String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

const DEADLINE: &str = "5";

/// The time a run takes when nothing goes wrong (start-up, rule loading; a debug build
/// spends most of it compiling the rule set): measured against a service that answers
/// at once, so that the bounds below hold for the probing itself.
fn start_up() -> Duration {
    let good = TestServer::start(app(Behaviour::default()));
    let (_, _, took) = probe_timed(
        &[
            &good.base_url,
            "--timeout",
            "1",
            "--deadline",
            DEADLINE,
            "--rate",
            "0",
        ],
        "json",
    );
    took
}

#[test]
fn a_service_that_does_not_answer_fails_the_gate_within_the_deadline() {
    use tokio::io::AsyncWriteExt;
    let start_up = start_up();
    let bound = Duration::from_secs_f64(DEADLINE.parse::<f64>().unwrap() + 1.0) + start_up;
    let refused = common::refused_url();
    let never = RawServer::start(|mut tcp| async move {
        read_request(&mut tcp).await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
    });
    let slow_headers = RawServer::start(|mut tcp| async move {
        read_request(&mut tcp).await;
        for b in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}" {
            if tcp.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    let garbage = RawServer::start(|mut tcp| async move {
        read_request(&mut tcp).await;
        let _ = tcp
            .write_all(b"\x00\x01garbage\xff\xfe not http at all\r\n\r\n")
            .await;
        let _ = tcp.shutdown().await;
    });
    let cases = [
        (
            "connection refused",
            refused,
            "connection refused after 3 attempts",
        ),
        (
            "accepts and never answers",
            format!("http://{}", never.addr),
            "timed out after 3 attempts",
        ),
        (
            "headers one byte per 500 ms",
            format!("http://{}", slow_headers.addr),
            "timed out after 3 attempts",
        ),
        (
            "garbage instead of HTTP",
            format!("http://{}", garbage.addr),
            "the answer is not HTTP: invalid HTTP version parsed after 3 attempts",
        ),
    ];
    for (what, url, why) in &cases {
        let (code, table, took) =
            probe_timed(&[url, "--timeout", "1", "--deadline", DEADLINE], "table");
        eprintln!("{what}: exit {code} in {took:?} (start-up {start_up:?})");
        assert_eq!(code, 1, "{what}: {table}");
        assert!(took <= bound, "{what}: {took:?} > {bound:?}");
        let flat = table.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("HTTP001 health-endpoint-unanswered"),
            "{what}: {table}"
        );
        assert!(
            flat.contains("the service did not answer: ") && flat.contains(why),
            "{what}: no `{why}` in {table}"
        );
        let entries = section_entries(&table, "Inconclusive (");
        assert_eq!(
            entries.len(),
            1,
            "{what}: one grouped line, got {entries:#?}"
        );
        assert!(
            entries[0].contains("live rules could not run"),
            "{what}: {entries:?}"
        );
        assert!(flat.contains("the target did not answer"), "{what}");
    }

    // Fails the first two connections, then answers: the retries absorb it and the
    // verdicts are those of the same service without the failures.
    let steady = TestServer::start(app(Behaviour::default()));
    let (want_code, out, _) = probe_timed(&[&steady.base_url, "--rate", "0"], "json");
    let want: serde_json::Value = serde_json::from_str(&out).unwrap();
    let flaky = TestServer::start_dropping(app(Behaviour::default()), Arc::new(|n| n < 2));
    let (code, out, took) = probe_timed(
        &[&flaky.base_url, "--timeout", "1", "--deadline", DEADLINE],
        "json",
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    eprintln!("fails twice, then answers: exit {code} in {took:?}");
    assert!(took <= bound, "{took:?} > {bound:?}");
    assert_eq!(verdicts(&r), verdicts(&want));
    assert_eq!(code, want_code);
    let retried = r["targets"][0]["retried"].as_array().unwrap();
    assert_eq!(retried.len(), 1, "{retried:#?}");
    assert_eq!(retried[0]["attempts"], 3);
    assert_eq!(retried[0]["answered"], true);
    let flaky2 = TestServer::start_dropping(app(Behaviour::default()), Arc::new(|n| n < 2));
    let (_, table, _) = probe_timed(&[&flaky2.base_url], "table");
    assert!(
        section_entries(&table, "Inconclusive (").is_empty(),
        "{table}"
    );
    assert!(
        table.contains("flaky: 1 request answered only after a retry"),
        "{table}"
    );
    drop((never, slow_headers, garbage));
}

/// A tiny xorshift generator: random enough to drop connections, no dependency.
fn xorshift(state: &std::sync::Mutex<u64>) -> u64 {
    let mut s = state.lock().unwrap();
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

#[test]
fn verdicts_hold_when_a_third_of_connections_drop() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let state = Arc::new(std::sync::Mutex::new(seed));
    let dropped = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let (s, d) = (state.clone(), dropped.clone());
    let server = TestServer::start_dropping(
        app(Behaviour::default()),
        Arc::new(move |_| {
            let drop = xorshift(&s) % 100 < 30;
            if drop {
                d.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            drop
        }),
    );
    let steady = TestServer::start(app(Behaviour::default()));
    let (_, out, _) = probe_timed(&[&steady.base_url, "--rate", "0"], "json");
    let want = verdicts(&serde_json::from_str(&out).unwrap());
    const RUNS: usize = 20;
    let mut retried_runs = 0;
    let mut retried_requests = 0;
    for run in 0..RUNS {
        let (_, out, _) = probe_timed(&[&server.base_url, "--rate", "0", "--retries", "8"], "json");
        let r: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(verdicts(&r), want, "run {run} (seed {seed}): {r:#}");
        let retried = r["targets"][0]["retried"].as_array().unwrap().len();
        retried_requests += retried;
        retried_runs += usize::from(retried > 0);
    }
    let accepted = server.connections.load(std::sync::atomic::Ordering::SeqCst);
    let dropped = dropped.load(std::sync::atomic::Ordering::SeqCst);
    eprintln!(
        "{RUNS} runs: {dropped} of {accepted} connections dropped, {retried_requests} requests retried in {retried_runs} runs (seed {seed})"
    );
    assert!(dropped > 0, "the server dropped nothing (seed {seed})");
    assert!(retried_runs > 0, "retries are visible in --format json");
}

#[test]
fn the_rate_limit_holds_at_the_server() {
    let server = TestServer::start(app(Behaviour::default()));
    let (_, out, _) = probe_timed(&[&server.base_url, "--rate", "5/s"], "json");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let log = server.log.lock().unwrap().clone();
    assert!(
        log.len() >= 15,
        "enough requests to test the limit: {}",
        log.len()
    );
    assert_eq!(
        r["targets"][0]["requests_sent"].as_u64(),
        Some(log.len() as u64)
    );
    let mut times: Vec<Instant> = log.iter().map(|s| s.at).collect();
    times.sort();
    let mut busiest = 0;
    for (i, t) in times.iter().enumerate() {
        let in_second = times[i..]
            .iter()
            .take_while(|u| u.duration_since(*t) < Duration::from_secs(1))
            .count();
        busiest = busiest.max(in_second);
    }
    eprintln!(
        "--rate 5/s: {} requests over {:?}, at most {busiest} in any second",
        times.len(),
        *times.last().unwrap() - times[0]
    );
    assert!(busiest <= 5, "{busiest} requests in one second");
    // Operators can see and allow it.
    let agent = format!("readycheck/{}", env!("CARGO_PKG_VERSION"));
    for s in &log {
        assert!(
            s.header("user-agent")
                .is_some_and(|ua| ua.starts_with(&agent)),
            "{:?}",
            s.header("user-agent")
        );
    }
}

#[test]
fn retry_after_is_honoured_within_the_deadline() {
    // The first /healthz is told to come back in 1 s (or, on the second server, in an hour).
    fn throttling(wait: &'static str) -> TestServer {
        let first = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let behaviour = Arc::new(Behaviour::default());
        TestServer::start(axum::Router::new().fallback(move |req: Request| {
            let (first, behaviour) = (first.clone(), behaviour.clone());
            async move {
                if req.uri().path() == "/healthz"
                    && first.swap(false, std::sync::atomic::Ordering::SeqCst)
                {
                    return (
                        StatusCode::TOO_MANY_REQUESTS,
                        [("retry-after", wait)],
                        "slow down",
                    )
                        .into_response();
                }
                handle(behaviour, req).await
            }
        }))
    }
    let server = throttling("1");
    let (code, out, _) = probe_timed(&[&server.base_url, "--select", "HTTP001"], "json");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(verdicts(&r)["HTTP001"], "pass");
    let t = &r["targets"][0]["throttled"][0];
    assert_eq!(t["status"], 429);
    assert_eq!(t["honoured"], true);
    assert_eq!(t["waited_ms"], 1000);
    let healthz: Vec<Instant> = server
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.uri == "/healthz")
        .map(|s| s.at)
        .collect();
    assert_eq!(healthz.len(), 2);
    assert!(healthz[1] - healthz[0] >= Duration::from_secs(1));

    // A wait past the deadline is not waited for, and said.
    let server = throttling("3600");
    let (_, out, took) = probe_timed(
        &[&server.base_url, "--select", "HTTP001", "--deadline", "3"],
        "json",
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(took < Duration::from_secs(60));
    assert_eq!(r["targets"][0]["throttled"][0]["honoured"], false, "{r:#}");
}
