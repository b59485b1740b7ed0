//! CODE rules end to end: the real binary audits temp-dir copies of the fixture services
//! (`--format json --select CODE`) and the exact sets of passing, failing and skipped
//! rules are asserted per fixture, plus the located findings of the call-site rules.

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// Audits a copy of `fixtures/repos/<name>` and returns the JSON report.
fn audit(name: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/repos")
        .join(name);
    copy_dir(&src, dir.path());
    let out = Command::cargo_bin("readycheck")
        .unwrap()
        .args([
            "audit",
            "--format",
            "json",
            "--select",
            "CODE",
            "--fail-on",
            "none",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn ids(report: &serde_json::Value, outcome: &str) -> BTreeSet<String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == outcome)
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

fn set(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| format!("CODE{s}")).collect()
}

/// `path:line:col message` of one rule's findings.
fn findings(report: &serde_json::Value, id: &str) -> Vec<String> {
    let rule = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap();
    rule["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["location"];
            let at = match l["path"].as_str() {
                Some(p) => format!("{p}:{}:{}", l["line"], l["column"]),
                None => "(repository)".to_owned(),
            };
            format!("{at} {}", f["message"].as_str().unwrap())
        })
        .collect()
}

fn assert_outcomes(name: &str, pass: &[&str], fail: &[&str], skip: &[&str]) -> serde_json::Value {
    let report = audit(name);
    assert_eq!(ids(&report, "pass"), set(pass), "{name}: passing rules");
    assert_eq!(ids(&report, "fail"), set(fail), "{name}: failing rules");
    assert_eq!(ids(&report, "skipped"), set(skip), "{name}: skipped rules");
    report
}

#[test]
fn fastapi_service() {
    let r = assert_outcomes(
        "fastapi-service",
        &["001", "003", "004", "005", "012", "015"],
        &[
            "002", "006", "007", "008", "009", "010", "011", "013", "014",
        ],
        &[],
    );
    assert_eq!(
        findings(&r, "CODE014"),
        vec!["app/pricing.py:8:16 `requests.get` makes an HTTP call without a timeout"]
    );
    assert_eq!(
        findings(&r, "CODE001"),
        Vec::<String>::new(),
        "router mounted under prefix=\"/health\" counts"
    );
}

#[test]
fn express_service() {
    let r = assert_outcomes(
        "express-service",
        &[
            "001", "002", "003", "005", "007", "008", "010", "012", "015",
        ],
        &["004", "006", "009", "011", "014"],
        &["013"],
    );
    assert_eq!(
        findings(&r, "CODE004"),
        vec!["src/routes/orders.js:9:5 `console.log` writes to stdout instead of the logger"]
    );
    assert_eq!(
        findings(&r, "CODE014"),
        vec!["src/routes/orders.js:10:25 `axios.get` makes an HTTP call without a timeout"]
    );
}

#[test]
fn go_service() {
    let r = assert_outcomes(
        "go-service",
        &["001", "002", "003", "004", "006", "009", "012", "015"],
        // chi's `middleware.Recoverer` writes a bare 500: no JSON error handler.
        &["005", "007", "008", "010", "011", "013", "014"],
        &[],
    );
    assert_eq!(
        findings(&r, "CODE005"),
        // At the entry point, where the router is built.
        vec!["cmd/api/main.go:34:1 no global error handler registered in `chi`, `net/http` code"]
    );
    assert_eq!(
        findings(&r, "CODE014"),
        vec!["internal/api/router.go:35:16 `http.Get` makes an HTTP call without a timeout"]
    );
    assert_eq!(
        findings(&r, "CODE013"),
        // Where the database is opened (the rule's `only_if`), not the repository at large.
        vec![
            "internal/store/store.go:11:9 database is used but its connection pool is not configured in `chi`, `net/http` code"
        ]
    );
}

#[test]
fn axum_service() {
    let r = assert_outcomes(
        "axum-service",
        &["001", "003", "006", "008", "012", "013", "014"],
        // CODE005: its error type answers a text body, not JSON (issue #20).
        &["002", "004", "005", "007", "009", "010", "011", "015"],
        &[],
    );
    assert_eq!(
        findings(&r, "CODE004"),
        vec!["src/main.rs:30:5 `println!` writes to stdout instead of the logger"]
    );
}

#[test]
fn exemplary_passes_every_code_rule() {
    let all: Vec<String> = (1..=15).map(|n| format!("{n:03}")).collect();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    assert_outcomes("exemplary", &all, &[], &[]);
}

#[test]
fn not_a_service_skips_every_code_rule_with_a_reason() {
    let report = audit("not-a-service");
    for r in report["results"].as_array().unwrap() {
        assert_eq!(r["outcome"], "skipped", "{}", r["id"]);
        assert!(
            r["reason"]
                .as_str()
                .unwrap()
                .starts_with("no recognised web framework"),
            "{}",
            r["reason"]
        );
    }
    assert_eq!(report["results"].as_array().unwrap().len(), 15);
}
