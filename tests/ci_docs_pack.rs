//! CI, TEST and DOCS rules end to end: the real binary audits temp-dir copies of the
//! fixture repositories (`--select CI,TEST,DOCS`) and the exact sets of passing, failing
//! and skipped rules are asserted per fixture, plus the located findings of the
//! GitHub Actions rules.

mod common;

use common::{TestRepo, audit_json, findings_of, readycheck};
use std::collections::BTreeSet;

fn audit(name: &str) -> serde_json::Value {
    let repo = TestRepo::from_fixture(name);
    audit_json(
        repo.path(),
        &["--select", "CI,TEST,DOCS", "--fail-on", "none"],
    )
    .1
}

fn outcomes(report: &serde_json::Value) -> [BTreeSet<String>; 3] {
    let mut out: [BTreeSet<String>; 3] = Default::default();
    for r in report["results"].as_array().unwrap() {
        let slot = match r["outcome"].as_str().unwrap() {
            "pass" => 0,
            "fail" => 1,
            "skipped" => 2,
            other => panic!("{} is {other}", r["id"]),
        };
        out[slot].insert(r["id"].as_str().unwrap().to_owned());
    }
    out
}

fn set(list: &str) -> BTreeSet<String> {
    list.split_whitespace().map(str::to_owned).collect()
}

#[track_caller]
fn assert_outcomes(name: &str, pass: &str, fail: &str, skip: &str) {
    let report = audit(name);
    let [p, f, s] = outcomes(&report);
    assert_eq!(p, set(pass), "{name}: passing rules");
    assert_eq!(f, set(fail), "{name}: failing rules");
    assert_eq!(s, set(skip), "{name}: skipped rules");
}

const GH_ONLY: &str = "CI002 CI003 CI004 CI005 CI007 CI008 CI009 DOCS012";

#[test]
fn exemplary_passes_the_whole_pack() {
    let all = "CI001 CI002 CI003 CI004 CI005 CI006 CI007 CI008 CI009 \
               DOCS001 DOCS002 DOCS003 DOCS004 DOCS005 DOCS006 DOCS007 DOCS008 DOCS009 DOCS010 DOCS011 DOCS012 \
               TEST001 TEST002 TEST003 TEST004 TEST005";
    assert_outcomes("exemplary", all, "", "");
}

#[test]
fn fastapi_service_without_ci_or_docs() {
    assert_outcomes(
        "fastapi-service",
        "TEST001 TEST004",
        "CI001 CI006 DOCS001 DOCS002 DOCS003 DOCS004 DOCS006 DOCS007 DOCS008 DOCS009 DOCS010 \
         DOCS011 TEST002 TEST003 TEST005",
        &format!("{GH_ONLY} DOCS005"),
    );
}

#[test]
fn express_service_without_lockfile() {
    assert_outcomes(
        "express-service",
        "TEST001",
        "CI001 CI006 DOCS001 DOCS002 DOCS003 DOCS004 DOCS006 DOCS007 DOCS008 DOCS010 DOCS011 \
         TEST002 TEST003 TEST004",
        &format!("{GH_ONLY} DOCS005 DOCS009 TEST005"),
    );
    let r = audit("express-service");
    assert_eq!(
        findings_of(&r, "TEST004"),
        vec![
            "package.json `package.json` has no lockfile beside it or above it (`package-lock.json`, \
             `npm-shrinkwrap.json`, `yarn.lock`, `pnpm-lock.yaml`, `bun.lockb`, `bun.lock`)"
        ]
    );
}

#[test]
fn go_service_without_go_sum() {
    assert_outcomes(
        "go-service",
        "TEST001",
        "CI001 CI006 DOCS001 DOCS002 DOCS003 DOCS004 DOCS006 DOCS007 DOCS008 DOCS009 DOCS010 \
         DOCS011 TEST002 TEST003 TEST004 TEST005",
        &format!("{GH_ONLY} DOCS005"),
    );
}

#[test]
fn axum_service_without_tests_or_cargo_lock() {
    assert_outcomes(
        "axum-service",
        "",
        "CI001 CI006 DOCS001 DOCS002 DOCS003 DOCS004 DOCS006 DOCS007 DOCS008 DOCS009 DOCS010 \
         DOCS011 TEST001 TEST002 TEST003 TEST004 TEST005",
        &format!("{GH_ONLY} DOCS005"),
    );
}

#[test]
fn typical_gaps() {
    assert_outcomes(
        "typical-gaps",
        "DOCS001 DOCS005",
        "CI001 CI006 DOCS002 DOCS003 DOCS004 DOCS006 DOCS007 DOCS008 DOCS009 DOCS010 DOCS011 \
         TEST001 TEST002 TEST003 TEST004 TEST005",
        GH_ONLY,
    );
}

#[test]
fn github_actions_gaps_are_located() {
    assert_outcomes(
        "ci-gaps",
        "CI001 CI004 DOCS001 DOCS005 TEST004",
        "CI002 CI003 CI005 CI006 CI007 CI008 CI009 DOCS002 DOCS003 DOCS004 DOCS006 DOCS007 \
         DOCS008 DOCS010 DOCS011 TEST001 TEST002 TEST003",
        "DOCS009 DOCS012 TEST005",
    );
    let r = audit("ci-gaps");
    assert_eq!(
        findings_of(&r, "CI002"),
        vec![
            ".github/workflows/build.yml:9 `jobs.build.steps[0]` uses `actions/checkout@v4`, not pinned as the `hash-pin` policy for `*` requires",
            ".github/workflows/build.yml:10 `jobs.build.steps[1]` uses `actions/setup-node@v4`, not pinned as the `hash-pin` policy for `*` requires",
            ".github/workflows/build.yml:15 `jobs.build.steps[4]` uses `docker/build-push-action@v6`, not pinned as the `hash-pin` policy for `*` requires",
            ".github/workflows/pr.yml:12 `jobs.preview.steps[0]` uses `actions/checkout@v4`, not pinned as the `hash-pin` policy for `*` requires",
        ]
    );
    assert_eq!(
        findings_of(&r, "CI003"),
        vec![
            ".github/workflows/build.yml:2 no step in `.github/workflows/build.yml` (or the other CI \
             files) runs tests, directly or through a script, make target or package.json script"
        ]
    );
    assert_eq!(
        findings_of(&r, "CI007"),
        vec![
            ".github/workflows/build.yml:6 job `build` has no `permissions:` and the workflow sets none"
        ]
    );
    assert_eq!(
        findings_of(&r, "CI008"),
        vec![
            ".github/workflows/pr.yml:14 `#0` checks out `${{ github.event.pull_request.head.sha }}` \
             in a `pull_request_target` workflow"
        ]
    );
    assert_eq!(
        findings_of(&r, "CI009"),
        vec![
            ".github/workflows/pr.yml:16 `#2` interpolates untrusted event data into its shell script"
        ]
    );
}

#[test]
fn gitlab_pipeline_is_followed_into_make_targets() {
    // `.gitlab-ci.yml` runs `make check`; `check: lint test` leads to ruff, bandit and
    // pytest --cov. Renovate counts for dependency updates.
    assert_outcomes(
        "gitlab-service",
        "CI001 CI003 CI004 CI005 CI006 DOCS001 DOCS002 DOCS005 DOCS006 DOCS008 TEST001 TEST002 \
         TEST003 TEST004",
        "DOCS003 DOCS004 DOCS007 DOCS010 DOCS011",
        "CI002 CI007 CI008 CI009 DOCS009 DOCS012 TEST005",
    );
}

#[test]
fn library_gets_hygiene_rules_but_no_service_rules() {
    assert_outcomes(
        "not-a-service",
        "CI001 CI002 CI003 CI004 CI005 CI006 CI007 CI008 CI009 DOCS001 DOCS002 DOCS003 DOCS005 \
         DOCS006 DOCS007 DOCS012 TEST001 TEST002 TEST003",
        "",
        "DOCS004 DOCS008 DOCS009 DOCS010 DOCS011 TEST004 TEST005",
    );
}

#[test]
fn release_notes_and_husky_count() {
    let repo = TestRepo::from_fixture("typical-gaps")
        .file("docs/release-notes.md", "# Release notes\n\n## 1.1\n")
        .file(".husky/pre-commit", "npx lint-staged\n");
    let (_, r) = audit_json(
        repo.path(),
        &["--select", "DOCS006,TEST003", "--fail-on", "none"],
    );
    let [p, f, _] = outcomes(&r);
    assert_eq!(p, set("DOCS006 TEST003"));
    assert!(f.is_empty());
}

#[test]
fn action_pinning_policy_comes_from_the_config() {
    let wf = "on: push\njobs:\n  b:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v4\n      - uses: acme/deploy@main\n      - run: make test\n";
    let repo = TestRepo::new().file(".github/workflows/ci.yml", wf);
    let (_, report) = audit_json(repo.path(), &["--select", "CI002"]);
    assert_eq!(
        findings_of(&report, "CI002").len(),
        2,
        "hash-pin by default, first-party actions included"
    );
    let repo = repo.file(
        "readycheck.toml",
        "[actions]\npolicies = { \"actions/*\" = \"ref-pin\", \"acme/*\" = \"any\" }\n",
    );
    let (_, report) = audit_json(repo.path(), &["--select", "CI002"]);
    assert!(findings_of(&report, "CI002").is_empty(), "{report:#}");
    let bad = TestRepo::new().file(".github/workflows/ci.yml", wf).file(
        "readycheck.toml",
        "[actions]\npolicies = { \"actions\" = \"ref-pin\" }\n",
    );
    let out = readycheck().arg("audit").arg(bad.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`actions` is not `owner/repo`"));
}
