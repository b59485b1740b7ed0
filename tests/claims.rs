//! `readycheck claims`: runs the real binary over the fixture documents in `fixtures/docs/`
//! against their fixture repositories and pins the verdict of every claim.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn readycheck() -> Command {
    let mut cmd = Command::cargo_bin("readycheck").unwrap();
    cmd.current_dir(root()).env("NO_COLOR", "1");
    cmd
}

/// Runs `claims DOC REPO --format json` and returns the report and the exit code.
fn claims_json(doc: &str, repo: &str) -> (Value, i32) {
    let out = readycheck()
        .args([
            "claims",
            &format!("fixtures/docs/{doc}"),
            &format!("fixtures/repos/{repo}"),
            "--format",
            "json",
            "--no-config",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (report, out.status.code().unwrap())
}

/// Asserts the verdict of every claim, in document order, and that each claim maps to at
/// least the listed rules (rules added later with overlapping phrases may join them).
fn assert_verdicts(report: &Value, want: &[(u64, &str, &[&str])]) {
    let got = verdicts(report);
    let lines_verdicts: Vec<(u64, &str)> = got.iter().map(|(l, v, _)| (*l, v.as_str())).collect();
    let want_lv: Vec<(u64, &str)> = want.iter().map(|(l, v, _)| (*l, *v)).collect();
    assert_eq!(lines_verdicts, want_lv, "verdicts by line");
    for ((line, _, rules), (_, _, expected)) in got.iter().zip(want) {
        for id in *expected {
            assert!(
                rules.iter().any(|r| r == id),
                "line {line}: maps to {rules:?}, expected {id}"
            );
        }
        // A claim listed without rules maps to none of the static areas (a live or code
        // rule added later may legitimately cover it).
        if expected.is_empty() {
            assert!(
                rules.iter().all(|r| !r.starts_with("DOCK")
                    && !r.starts_with("COMP")
                    && !r.starts_with("CONF")
                    && !r.starts_with("DOCS")),
                "line {line}: unexpectedly maps to {rules:?}"
            );
        }
    }
}

/// `(line, verdict, rules)` of every claim.
fn verdicts(report: &Value) -> Vec<(u64, String, Vec<String>)> {
    report["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["line"].as_u64().unwrap(),
                c["verdict"].as_str().unwrap().to_owned(),
                c["rules"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

fn claim_at(report: &Value, line: u64) -> &Value {
    report["claims"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["line"] == line)
        .unwrap_or_else(|| panic!("no claim at line {line}"))
}

fn summary(report: &Value) -> (u64, u64, u64, u64, u64) {
    let s = &report["summary"];
    let n = |k: &str| s[k].as_u64().unwrap();
    (
        n("claims"),
        n("verified"),
        n("contradicted"),
        n("unverifiable"),
        n("open"),
    )
}

#[test]
fn emoji_summary_with_file_references() {
    let (r, code) = claims_json("orders-api-summary.md", "orders-api");
    assert_verdicts(
        &r,
        &[
            (8, "verified", &["CODE007"]),
            (10, "contradicted", &["CODE008"]),
            (12, "verified", &["DOCK002"]),
            (13, "verified", &["CONF002", "CONF003"]),
            (15, "contradicted", &["CI002"]),
            (19, "verified", &["DOCK001"]),
            // The compose service declares a healthcheck for this image.
            (20, "verified", &["DOCK003"]),
            // `__pycache__/` in .dockerignore is root-anchored: app/__pycache__ gets in.
            (21, "contradicted", &["DOCK006", "DOCK019"]),
            (22, "verified", &["DOCK004"]),
            (26, "verified", &["DOCS001"]),
            (27, "contradicted", &["DOCS004"]),
            (29, "contradicted", &["DOCS003"]),
            // "the new alerts" are alerting rules the repository does not keep.
            (33, "contradicted", &["DOCS010"]),
            (34, "unverifiable", &[]),
            // The fenced `.env` block: REDIS_URL is not in `.env.example`.
            (40, "contradicted", &["CONF001"]),
            (48, "open", &["DOCS011"]),
            (49, "open", &[]),
            (57, "unverifiable", &[]),
        ],
    );
    assert_eq!(summary(&r), (18, 7, 7, 2, 2));
    assert_eq!(r["summary"]["truthfulness"], 0.5);
    assert_eq!(code, 1, "a contradicted claim fails the run");
    // The referenced middleware exists and shows what the claim says.
    let headers = claim_at(&r, 8);
    assert_eq!(headers["files"][0], "app/middleware/security.py");
    assert_eq!(
        headers["evidence"][0]["location"],
        "app/middleware/security.py:1"
    );
    // The rate limiter the document says it created does not exist.
    let rate = claim_at(&r, 10);
    assert_eq!(
        rate["evidence"][0]["message"],
        "`app/middleware/rate_limit.py` does not exist"
    );
    assert_eq!(rate["evidence"][0]["location"], "orders-api-summary.md:11");
    // A failing rule shows its finding with its location.
    let pinned = claim_at(&r, 15);
    assert_eq!(pinned["evidence"][0]["rule"], "CI002");
    assert_eq!(
        pinned["evidence"][0]["location"],
        ".github/workflows/ci.yml:7:15"
    );
    // The `.env` block is one claim about its variables; the bash block is no claim.
    let env = claim_at(&r, 40);
    assert_eq!(
        env["text"],
        "Environment variables documented: DATABASE_URL, LOG_LEVEL, REDIS_URL"
    );
    assert!(
        env["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["message"] == "`REDIS_URL` is not in `.env.example`")
    );
    assert!(
        verdicts(&r)
            .iter()
            .all(|(l, _, _)| !(41..=45).contains(l) && !(51..=55).contains(l))
    );
}

#[test]
fn checkbox_checklist() {
    let (r, code) = claims_json("web-launch-checklist.md", "typical-gaps");
    assert_verdicts(
        &r,
        &[
            (7, "contradicted", &["DOCK001"]),
            (8, "contradicted", &["DOCK002"]),
            (9, "contradicted", &["DOCK003"]),
            (10, "verified", &["DOCK005"]),
            (11, "open", &["DOCK015"]),
            // "Health checks for every service" maps through its "Compose" heading.
            (15, "contradicted", &["COMP001"]),
            (16, "contradicted", &["COMP002"]),
            (20, "contradicted", &["CONF001"]),
            (21, "contradicted", &["CONF002", "CONF003"]),
            (25, "contradicted", &["CI001"]),
            (26, "open", &[]),
            (30, "verified", &["DOCS001"]),
            (31, "contradicted", &["DOCS002"]),
            (32, "open", &["DOCS004"]),
            (36, "unverifiable", &[]),
        ],
    );
    assert_eq!(summary(&r), (15, 2, 9, 1, 3));
    assert_eq!(code, 1);
}

#[test]
fn mojibake_phase_report_with_tables() {
    let (r, code) = claims_json("phase3-report-mojibake.md", "exemplary");
    assert_verdicts(
        &r,
        &[
            (9, "verified", &["DOCK002"]),
            (10, "verified", &["KUBE001"]),
            (11, "verified", &["KUBE002"]),
            (12, "contradicted", &[]),
            (13, "open", &[]),
            (17, "verified", &["CONF003"]),
            (18, "verified", &["DOCS003"]),
            (19, "verified", &["CI002"]),
            // Code signals: the instrumentator and the Sentry SDK are wired up.
            (23, "verified", &["CODE009"]),
            (24, "verified", &["CODE010"]),
            (28, "verified", &["DOCS004"]),
            (29, "contradicted", &[]),
            (33, "open", &["DOCS011"]),
            (34, "open", &[]),
            (36, "unverifiable", &[]),
        ],
    );
    assert_eq!(summary(&r), (15, 9, 2, 1, 3));
    // Broken marks are repaired before the text is shown.
    assert_eq!(claim_at(&r, 36)["text"], "Overall status: PRODUCTION READY");
    assert_eq!(claim_at(&r, 13)["mark"], "open");
    // Status cells mark a table row and are left out of its text.
    assert_eq!(
        claim_at(&r, 9)["text"],
        "Multi-stage Dockerfile with non-root user | `Dockerfile`"
    );
    assert_eq!(claim_at(&r, 13)["text"], "Distributed tracing");
    assert_eq!(
        claim_at(&r, 10)["evidence"][0]["message"],
        "mentions `readiness`"
    );
    assert_eq!(claim_at(&r, 9)["mark"], "done");
    assert_eq!(code, 1);
}

#[test]
fn claimed_files_that_do_not_exist_are_contradicted() {
    let (r, code) = claims_json("tinylib-implementation.md", "not-a-service");
    assert_verdicts(
        &r,
        &[
            (7, "verified", &[]),
            (8, "contradicted", &[]),
            (9, "contradicted", &[]),
            (10, "contradicted", &[]),
            (14, "contradicted", &["DOCS006"]),
            (15, "verified", &["DOCS003"]),
        ],
    );
    for (line, file) in [
        (8, "src/tinylib/cache.py"),
        (9, "tests/test_cache.py"),
        (10, "docs/architecture.md"),
        (14, "CHANGELOG.md"),
    ] {
        let c = claim_at(&r, line);
        assert_eq!(c["evidence"][0]["status"], "missing", "line {line}");
        assert_eq!(
            c["evidence"][0]["message"],
            format!("`{file}` does not exist")
        );
    }
    assert_eq!(
        claim_at(&r, 7)["text"],
        "`src/tinylib/__init__.py`: `slugify` entry point"
    );
    assert_eq!(r["summary"]["truthfulness"], 0.333);
    assert_eq!(code, 1);
}

#[test]
fn fail_on_controls_the_exit_code() {
    let run = |doc: &str, repo: &str, fail_on: &str| {
        readycheck()
            .args([
                "claims",
                &format!("fixtures/docs/{doc}"),
                &format!("fixtures/repos/{repo}"),
                "--fail-on",
                fail_on,
            ])
            .output()
            .unwrap()
            .status
            .code()
            .unwrap()
    };
    assert_eq!(run("orders-api-summary.md", "orders-api", "never"), 0);
    assert_eq!(
        run("orders-api-summary.md", "orders-api", "contradicted"),
        1
    );
    // A document with no contradiction passes unless open items fail it too.
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("ok.md");
    std::fs::write(&doc, "# Docs\n- ✅ README\n- [ ] Runbook\n").unwrap();
    let code = |fail_on: &str| {
        readycheck()
            .args(["claims"])
            .arg(&doc)
            .args(["fixtures/repos/exemplary", "--fail-on", fail_on])
            .output()
            .unwrap()
            .status
            .code()
            .unwrap()
    };
    assert_eq!(code("contradicted"), 0);
    assert_eq!(code("open"), 1);
}

#[test]
fn usage_errors_exit_2() {
    let out = readycheck()
        .args([
            "claims",
            "fixtures/docs/no-such-doc.md",
            "fixtures/repos/exemplary",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-doc.md"));
    let out = readycheck()
        .args([
            "claims",
            "fixtures/docs/orders-api-summary.md",
            "fixtures/repos/missing",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = readycheck().args(["claims"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = readycheck()
        .args(["claims", "fixtures/docs", "fixtures/repos/exemplary"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn table_and_markdown_show_verdicts_evidence_and_score() {
    let out = readycheck()
        .args([
            "claims",
            "fixtures/docs/orders-api-summary.md",
            "fixtures/repos/orders-api",
            "--url",
            "http://127.0.0.1:9",
        ])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("   20  verified     Docker health check"),
        "{table}"
    );
    assert!(table.contains("DOCK003 pass: Dockerfile:1:1 Compose service `api`"));
    assert!(table.contains("   21  contradicted `.dockerignore` keeps caches"));
    assert!(table.contains("DOCK019 fail: .dockerignore"));
    assert!(table.contains("live targets: http://127.0.0.1:9"));
    assert!(table.contains(
        "18 claims: 7 verified, 7 contradicted, 2 unverifiable, 2 open; truthfulness 50%"
    ));
    let out = readycheck()
        .args([
            "claims",
            "fixtures/docs/orders-api-summary.md",
            "fixtures/repos/orders-api",
            "--format",
            "markdown",
        ])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("| Line | Verdict | Claim | Evidence |"));
    assert!(md.contains("| 20 | verified | Docker health check | DOCK003 pass: Dockerfile:1:1"));
}

#[test]
fn every_builtin_rule_has_claim_phrases() {
    let set = readycheck::rule::RuleSet::load(&[]).unwrap();
    for r in &set.rules {
        assert!(!r.claims.is_empty(), "{} has no `claims:` phrases", r.id);
    }
}

#[test]
fn garbage_documents_never_crash() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("garbage.md");
    let mut bytes: Vec<u8> = Vec::new();
    let mut seed: u32 = 12345;
    for _ in 0..20_000 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        bytes.push((seed >> 16) as u8);
    }
    bytes.extend_from_slice("\n- [x] `../../etc/passwd`\n| a | ✅ |\n```\n".as_bytes());
    std::fs::write(&doc, &bytes).unwrap();
    let out = readycheck()
        .args(["claims"])
        .arg(&doc)
        .args(["fixtures/repos/empty", "--format", "json"])
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    let _: Value = serde_json::from_slice(&out.stdout).unwrap();
}

/// The evidence of a claim that no rule gave (named files, routes, variables, settings):
/// `(status, location, message)`.
fn named_evidence(c: &Value) -> Vec<(String, String, String)> {
    c["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e.get("rule").is_none())
        .map(|e| {
            (
                e["status"].as_str().unwrap().to_owned(),
                e["location"].as_str().unwrap().to_owned(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Covers issue #14: named files (five absent, two present in a sub-project), two routes
/// (one declared), three variables (one missing from the example) and a setting that
/// differs are each judged; "(ready for implementation)" and "Next steps" items are open.
#[test]
fn monorepo_summary_named_files_routes_variables_and_settings() {
    let (r, code) = claims_json("agent-platform-readiness.md", "agent-monorepo");
    assert_verdicts(
        &r,
        &[
            (5, "contradicted", &[]),
            (6, "contradicted", &[]),
            (7, "contradicted", &[]),
            (8, "contradicted", &[]),
            (9, "contradicted", &[]),
            (10, "verified", &[]),
            (11, "verified", &[]),
            (15, "verified", &["CODE001"]),
            (16, "contradicted", &["CODE002"]),
            (17, "contradicted", &["CONF001", "CONF004"]),
            (18, "contradicted", &["CODE013"]),
            (19, "open", &[]),
            (23, "open", &[]),
            (24, "open", &["DOCS011"]),
        ],
    );
    assert_eq!(summary(&r), (14, 3, 8, 0, 3));
    assert_eq!(r["summary"]["truthfulness"], 0.273);
    assert_eq!(code, 1);
    let missing = |line: u64, file: &str, closest: &str| {
        (
            "missing".to_owned(),
            format!("agent-platform-readiness.md:{line}"),
            format!("`{file}` does not exist{closest}"),
        )
    };
    // A bold numbered item names its path; the same file name elsewhere is pointed at.
    assert_eq!(
        named_evidence(claim_at(&r, 5)),
        vec![missing(
            5,
            "app/middleware/rate_limiter.py",
            "; `apps/agent-api/app/limits/rate_limiter.py` has that name"
        )]
    );
    for (line, file) in [
        (6, "apps/agent-api/Dockerfile"),
        (7, ".github/workflows/ci.yml"),
        (8, "scripts/backup_database.sh"),
        (9, ".pre-commit-config.yaml"),
    ] {
        assert_eq!(
            named_evidence(claim_at(&r, line)),
            vec![missing(line, file, "")],
            "line {line}"
        );
    }
    // Paths relative to the sub-project root are found there.
    assert_eq!(
        named_evidence(claim_at(&r, 10))[0].1,
        "apps/agent-api/app/main.py:3"
    );
    assert_eq!(
        named_evidence(claim_at(&r, 11))[0].1,
        "apps/agent-api/app/db.py:3"
    );
    assert_eq!(
        named_evidence(claim_at(&r, 15)),
        vec![(
            "exists".to_owned(),
            "apps/agent-api/app/main.py:13".to_owned(),
            "route for `/health/live` declared".to_owned()
        )]
    );
    assert_eq!(
        named_evidence(claim_at(&r, 16)),
        vec![(
            "missing".to_owned(),
            "(code)".to_owned(),
            "no route for `/health/ready` is declared in the code".to_owned()
        )]
    );
    assert_eq!(
        named_evidence(claim_at(&r, 17)),
        vec![
            (
                "missing".to_owned(),
                "apps/agent-api/.env.example".to_owned(),
                "`MAX_POOL_SIZE` is not in `apps/agent-api/.env.example` (read at `apps/agent-api/app/db.py:5`)".to_owned()
            ),
            (
                "exists".to_owned(),
                "apps/agent-api/.env.example".to_owned(),
                "documents `APP_ENV`, `LOG_LEVEL`".to_owned()
            )
        ]
    );
    assert_eq!(claim_at(&r, 17)["reason"], "`MAX_POOL_SIZE` not documented");
    assert_eq!(
        named_evidence(claim_at(&r, 18)),
        vec![(
            "mismatch".to_owned(),
            "apps/agent-api/app/db.py:7".to_owned(),
            "`pool_size` is 10, the document says 20".to_owned()
        )]
    );
    for line in [19, 23, 24] {
        assert_eq!(claim_at(&r, line)["mark"], "open", "line {line}");
    }
}
