//! A gate that cannot be fooled: credentials never follow a URL the audited repository
//! chose, paths from the repository's config stay inside it, authority-carrying settings
//! cannot come from its files, and reports and baselines are written atomically. Every
//! byte goes to loopback servers started here and stopped on drop.

mod common;
#[path = "common/server.rs"]
mod server;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use common::{TestRepo, readycheck};
use server::TestServer;
use std::path::Path;

const SECRET: &str = "staging-token-4b1d9e";

/// A healthy service: every health path answers 200 with JSON.
fn healthy() -> axum::Router {
    axum::Router::new().fallback(|| async {
        (
            StatusCode::OK,
            [("content-type", "application/json")],
            r#"{"status":"ok"}"#,
        )
    })
}

/// Runs `audit` with the token in the environment and `--header` set; returns the exit
/// code, stdout and stderr.
fn audit_with_token(repo: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = readycheck()
        .env("TOKEN", SECRET)
        .arg("audit")
        .arg(repo)
        .args(["--select", "HTTP001", "--rate", "0"])
        .args(["--header", "Authorization: Bearer ${TOKEN}"])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `Authorization` values the server received, one per request.
fn authorizations(server: &TestServer) -> Vec<Option<String>> {
    server
        .log
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.header("authorization").map(str::to_owned))
        .collect()
}

#[test]
fn credentials_never_follow_a_url_from_the_repository() {
    let server = TestServer::start(healthy());
    let repo = TestRepo::new().file(
        "readycheck.toml",
        &format!("[target]\nurl = \"{}\"\n", server.base_url),
    );

    // The repository's own target: probed, but without the header.
    let (code, out, err) = audit_with_token(repo.path(), &["--format", "json"]);
    let r: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    assert_eq!(code, 0, "{out}{err}");
    let seen = authorizations(&server);
    assert!(!seen.is_empty(), "the repository's target was probed");
    assert!(
        seen.iter().all(Option::is_none),
        "an Authorization header reached the repository's URL: {seen:?}"
    );
    assert_eq!(r["targets"][0]["source"], "repository_config");
    assert_eq!(r["targets"][0]["credentials"], false);
    assert!(err.contains("probed without the --header values"), "{err}");
    assert!(!format!("{out}{err}").contains(SECRET));

    // The table says where the target came from.
    let (_, table, _) = audit_with_token(repo.path(), &["--format", "table"]);
    let table = table.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        table.contains("from the repository's config, probed without the --header values"),
        "{table}"
    );

    // The same origin given on the command line gets it.
    server.log.lock().unwrap().clear();
    let (_, out, _) = audit_with_token(
        repo.path(),
        &["--format", "json", "--url", &server.base_url],
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let seen = authorizations(&server);
    let expected = format!("Bearer {SECRET}");
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|a| a.as_deref() == Some(expected.as_str())),
        "{seen:?}"
    );
    assert_eq!(r["targets"][0]["source"], "command_line");
    assert_eq!(r["targets"][0]["credentials"], true);

    // So does an origin the operator lists with --header-origin.
    server.log.lock().unwrap().clear();
    let origin = server.base_url.clone();
    let (_, out, _) = audit_with_token(
        repo.path(),
        &["--format", "json", "--header-origin", &origin],
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        authorizations(&server)
            .iter()
            .all(|a| a.as_deref() == Some(expected.as_str()))
    );
    assert_eq!(r["targets"][0]["source"], "repository_config");
    assert_eq!(r["targets"][0]["credentials"], true);

    // --no-config-targets: the repository's URL is not contacted at all.
    server.log.lock().unwrap().clear();
    let (code, out, _) =
        audit_with_token(repo.path(), &["--format", "json", "--no-config-targets"]);
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code, 0);
    assert!(server.log.lock().unwrap().is_empty());
    assert_eq!(r["results"][0]["outcome"], "skipped");
}

#[test]
fn repository_config_headers_are_not_sent() {
    let server = TestServer::start(healthy());
    let repo = TestRepo::new().file(
        "readycheck.toml",
        "[target]\nheaders = { Authorization = \"Bearer ${TOKEN}\" }\n",
    );
    let (_, _, err) = audit_with_token(
        repo.path(),
        &["--format", "json", "--url", &server.base_url],
    );
    // Only the command line's header arrives, once per request; the file's is dropped
    // with a warning (it would let the repository pick which variable to send).
    let expected = format!("Bearer {SECRET}");
    for s in server.log.lock().unwrap().iter() {
        let values: Vec<&str> = s
            .headers
            .iter()
            .filter(|(k, _)| k == "authorization")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(values, [expected.as_str()], "{}", s.uri);
    }
    assert!(
        err.contains("`[target] headers` in the repository's config"),
        "{err}"
    );
}

#[test]
fn credentials_do_not_follow_a_redirect_to_another_origin() {
    let other = TestServer::start(healthy());
    let to = other.base_url.clone();
    let first = TestServer::start(axum::Router::new().fallback(move |req: Request| {
        let to = to.clone();
        async move {
            let location = format!("{to}{}", req.uri().path());
            (StatusCode::FOUND, [("location", location)]).into_response()
        }
    }));
    let repo = TestRepo::new();
    let (_, out, err) = audit_with_token(
        repo.path(),
        &["--no-config", "--format", "json", "--url", &first.base_url],
    );
    let r: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    // Same host, another port: followed (it is the same host), but it is another origin.
    assert_eq!(r["results"][0]["outcome"], "pass", "{r:#}");
    assert!(authorizations(&first).iter().all(Option::is_some));
    let redirected = authorizations(&other);
    assert!(!redirected.is_empty());
    assert!(redirected.iter().all(Option::is_none), "{redirected:?}");
}

#[test]
fn audit_with_a_url_that_does_not_answer_fails_the_gate() {
    let url = common::refused_url();
    let repo = TestRepo::new();
    // Only a low-severity live rule is selected: the silence alone fails the gate.
    for (extra, want) in [(None, 1), (Some("--exit-zero"), 0)] {
        let out = readycheck()
            .arg("audit")
            .arg(repo.path())
            .args(["--no-config", "--select", "HTTP013", "--url", &url])
            .args(extra)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(want), "{stdout}");
        assert!(
            stdout.contains("did not answer: connection refused after 3 attempts"),
            "{stdout}"
        );
    }
}

/// Runs `audit` on a repository and returns (exit code, stderr).
fn audit_err(repo: &Path) -> (i32, String) {
    let out = readycheck()
        .arg("audit")
        .arg(repo)
        .args(["--select", "DOCK001"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn config_paths_must_stay_inside_the_audited_repository() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("x.yaml"), "not a rule").unwrap();

    // `..` out of the root.
    let base = TestRepo::new();
    let repo_dir = base.join("repo");
    std::fs::create_dir_all(base.join("outside")).unwrap();
    std::fs::create_dir_all(&repo_dir).unwrap();
    std::fs::write(
        repo_dir.join("readycheck.toml"),
        "version = 1\n[rules]\nextra_dirs = [\"../outside\"]\n",
    )
    .unwrap();
    let (code, err) = audit_err(&repo_dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("readycheck.toml:3:"), "{err}");
    assert!(err.contains("outside the audited repository"), "{err}");

    // A symlink inside the tree that leads out of it.
    let repo = TestRepo::new().file(
        "readycheck.toml",
        "version = 1\n\n[rules]\nextra_dirs = [\"policy\"]\n",
    );
    std::os::unix::fs::symlink(outside.path(), repo.join("policy")).unwrap();
    let (code, err) = audit_err(repo.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("readycheck.toml:4:"), "{err}");

    // Waiver paths and [scope] globs, all reported at once with their lines.
    let repo = TestRepo::new().file(
        "readycheck.toml",
        "[scope]\ntest = [\"link/\"]\n\n[[waivers]]\nrule = \"DOCK001\"\npaths = [\"../other/Dockerfile\"]\nreason = \"legacy\"\n",
    );
    std::os::unix::fs::symlink(outside.path(), repo.join("link")).unwrap();
    let (code, err) = audit_err(repo.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("readycheck.toml:2:") && err.contains("`scope.test`"),
        "{err}"
    );
    assert!(
        err.contains("readycheck.toml:6:") && err.contains("`waivers[0].paths`"),
        "{err}"
    );

    // Inside is fine, and so is the operator's own config outside the repository.
    let repo = TestRepo::new()
        .file("readycheck.toml", "[rules]\nextra_dirs = [\"rules\"]\n")
        .file("rules/.keep", "");
    let (code, err) = audit_err(repo.path());
    assert!(matches!(code, 0 | 1), "{err}");
    let operator = outside.path().join("ops.toml");
    std::fs::create_dir_all(outside.path().join("ops-rules")).unwrap();
    std::fs::write(&operator, "[rules]\nextra_dirs = [\"ops-rules\"]\n").unwrap();
    let out = readycheck()
        .arg("audit")
        .arg(repo.path())
        .arg("--config")
        .arg(&operator)
        .args(["--select", "DOCK001"])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn authority_settings_cannot_come_from_the_repository() {
    for key in [
        "insecure = true",
        "allow_unsafe_methods = true",
        "allow_cross_host_redirects = true",
        "ca_cert = \"ca.pem\"",
    ] {
        let repo = TestRepo::new().file("readycheck.toml", &format!("[target]\n{key}\n"));
        let (code, err) = audit_err(repo.path());
        assert_eq!(code, 2, "{key}: {err}");
        assert!(err.contains("readycheck.toml:2:"), "{key}: {err}");
    }
}

/// A repository with `n` Dockerfiles, each with a few findings.
fn many_findings(repo: &TestRepo, n: usize) {
    for i in 0..n {
        let dir = repo.join(&format!("svc{i:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("Dockerfile"),
            "FROM node:latest\nRUN apt-get update && apt-get install -y curl\nCMD node server.js\n",
        )
        .unwrap();
    }
}

/// Runs readycheck with `args` under a file-size limit of `kib` KiB. With `ignore_signal`
/// the over-limit write fails with EFBIG (an injected write failure); without, the kernel
/// kills the process with SIGXFSZ in the middle of the write.
fn limited(args: &[&str], kib: u32, ignore_signal: bool) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("readycheck");
    let trap = if ignore_signal { "trap '' XFSZ; " } else { "" };
    let script = format!(
        "{trap}ulimit -f {}; exec \"$0\" \"$@\"",
        kib * 2 // POSIX sh counts 512-byte blocks
    );
    std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(bin)
        .args(args)
        .env_remove("READYCHECK_CONFIG")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn an_interrupted_write_leaves_the_old_baseline_intact() {
    let repo = TestRepo::new().file("Dockerfile", "FROM node:latest\n");
    let out_dir = tempfile::tempdir().unwrap();
    let baseline = out_dir.path().join("baseline.json");
    let b = baseline.to_str().unwrap();
    let root = repo.path().to_str().unwrap();
    readycheck()
        .args(["baseline", root, "--no-config", "-o", b])
        .assert()
        .code(0);
    let good = std::fs::read(&baseline).unwrap();
    assert!(good.len() < 16 * 1024, "the first baseline is small");

    // Now a large one, over the limit.
    many_findings(&repo, 300);
    let limit = 16;

    // Killed mid-write (SIGXFSZ).
    let out = limited(&["baseline", root, "--no-config", "-o", b], limit, false);
    assert_eq!(out.status.code(), None, "killed by a signal: {out:?}");
    assert_eq!(
        std::fs::read(&baseline).unwrap(),
        good,
        "old baseline intact"
    );

    // A write that fails (EFBIG): exit 2 naming the path, old file intact, no leftovers.
    // (A killed process cannot remove its temporary file: `.readycheck-*.tmp` is left.)
    for leftover in std::fs::read_dir(out_dir.path()).unwrap() {
        let p = leftover.unwrap().path();
        if p != baseline {
            std::fs::remove_file(p).unwrap();
        }
    }
    let out = limited(&["baseline", root, "--no-config", "-o", b], limit, true);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("cannot write `{b}`")), "{err}");
    assert_eq!(std::fs::read(&baseline).unwrap(), good);
    let files: Vec<_> = std::fs::read_dir(out_dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files.len(), 1, "no temporary file left behind: {files:?}");

    // The same for `-o` and `--report` of `audit`.
    let report = out_dir.path().join("report.json");
    std::fs::copy(&baseline, &report).unwrap();
    let r = report.to_str().unwrap();
    let out = limited(
        &["audit", root, "--no-config", "--format", "json", "-o", r],
        limit,
        true,
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&report).unwrap(), good);
    let out = limited(
        &[
            "audit",
            root,
            "--no-config",
            "--format",
            "table",
            "--report",
            &format!("json={r}"),
        ],
        limit,
        true,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("cannot write `{r}`")));
    assert_eq!(std::fs::read(&report).unwrap(), good);

    // `init --force` over an existing config: no byte may be written, the old file stays.
    let config = repo.join("readycheck.toml");
    std::fs::write(&config, "version = 1\n").unwrap();
    let out = limited(&["init", root, "--force"], 0, true);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("readycheck.toml`"), "{err}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "version = 1\n");
    std::fs::remove_file(&config).unwrap();

    // The old baseline is still accepted: the audit gates against it (exit 1 because the
    // 300 new services are not in it), not exit 2 "invalid baseline".
    let out = readycheck()
        .args(["audit", root, "--no-config", "--baseline", b])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Without a limit the new baseline replaces the old one in full.
    readycheck()
        .args(["baseline", root, "--no-config", "-o", b])
        .assert()
        .code(0);
    let new: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&baseline).unwrap()).unwrap();
    assert!(new["findings"].as_array().unwrap().len() > 300);
}
