//! The scope model end to end: which files each rule judged and which it set aside, on a
//! repository whose only serious gaps are in test, dev, example and docs files.

mod common;

use common::{TestRepo, audit_json, findings_of, readycheck};

fn rule<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in the report"))
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn set_aside(report: &serde_json::Value, id: &str) -> Vec<(String, String)> {
    rule(report, id)["set_aside"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s["path"].as_str().unwrap().to_owned(),
                        s["role"].as_str().map_or_else(
                            || s["reason"].as_str().unwrap().to_owned(),
                            str::to_owned,
                        ),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn gaps_outside_production_never_fail_the_gate_and_are_listed_as_set_aside() {
    let repo = TestRepo::from_fixture("scoped-service");
    let (code, report) = audit_json(repo.path(), &[]);
    assert_eq!(code, 0, "{:#}", report["gate"]);
    assert_eq!(report["gate"]["passed"], true);

    // Every path's role is in the report.
    let roles = &report["scope"]["paths"];
    for (path, role) in [
        ("deploy/compose/stack.yml", "production"),
        ("Dockerfile", "production"),
        ("tools/codegen/Dockerfile", "production"),
        (".devcontainer/docker-compose.yml", "dev"),
        (".devcontainer/Dockerfile", "dev"),
        ("e2e/playwright/docker-compose.yml", "test"),
        ("e2e/playwright/Dockerfile", "test"),
        ("contrib/docker-compose/basic.yml", "example"),
        ("docs/docker-compose.yml", "docs"),
        ("tests/fixtures/.env", "test"),
        (".github/workflows/ci.yml", "ci"),
        ("build-bin/docker-compose-smoke.yml", "test"),
    ] {
        assert_eq!(roles[path], role, "role of {path}");
    }
    let groups: Vec<String> = report["scope"]["set_aside"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| format!("{} {}", g["role"].as_str().unwrap(), g["files"]))
        .collect();
    assert!(groups.contains(&"dev 2".to_owned()), "{groups:?}");
    assert!(groups.contains(&"example 1".to_owned()), "{groups:?}");
    assert!(groups.iter().any(|g| g.starts_with("test ")), "{groups:?}");

    // The Compose rules judge the deployment found by its content, and only it.
    for id in [
        "COMP001", "COMP002", "COMP003", "COMP004", "COMP005", "COMP008", "COMP009",
    ] {
        let r = rule(&report, id);
        assert_eq!(r["outcome"], "pass", "{id}: {r:#}");
        assert_eq!(
            strings(&r["judged_files"]),
            ["deploy/compose/stack.yml"],
            "{id}"
        );
        let aside = set_aside(&report, id);
        for (path, role) in [
            (".devcontainer/docker-compose.yml", "dev"),
            ("e2e/playwright/docker-compose.yml", "test"),
            ("contrib/docker-compose/basic.yml", "example"),
            ("docs/docker-compose.yml", "docs"),
        ] {
            assert!(
                aside.contains(&(path.to_owned(), role.to_owned())),
                "{id} did not set aside {path}: {aside:?}"
            );
        }
    }

    // The Dockerfile rules judge the production image with one decision: the dev and test
    // images by role, the code-generation image by its final command.
    for id in ["DOCK001", "DOCK002", "DOCK003", "DOCK005", "DOCK007"] {
        let r = rule(&report, id);
        assert_eq!(r["outcome"], "pass", "{id}: {r:#}");
        assert_eq!(strings(&r["judged_files"]), ["Dockerfile"], "{id}");
        let aside = set_aside(&report, id);
        assert!(
            aside.contains(&(".devcontainer/Dockerfile".into(), "dev".into())),
            "{id} {aside:?}"
        );
        assert!(
            aside.contains(&("e2e/playwright/Dockerfile".into(), "test".into())),
            "{id} {aside:?}"
        );
        assert!(
            aside.iter().any(|(p, why)| p == "tools/codegen/Dockerfile" && why.contains("build-tool image")),
            "{id} {aside:?}"
        );
    }

    // The committed test fixture's credentials are a test file's, not the service's.
    let r = rule(&report, "CONF002");
    assert_eq!(r["outcome"], "pass");
    assert!(set_aside(&report, "CONF002").contains(&("tests/fixtures/.env".into(), "test".into())));
}

#[test]
fn giving_a_path_the_production_role_makes_its_gaps_count() {
    let repo = TestRepo::from_fixture("scoped-service")
        .file("readycheck.toml", "[scope]\nproduction = [\"contrib/\"]\n");
    let (code, report) = audit_json(repo.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        findings_of(&report, "COMP002"),
        ["contrib/docker-compose/basic.yml:5 service `web` sets `privileged: true`"]
    );
    assert_eq!(
        report["scope"]["paths"]["contrib/docker-compose/basic.yml"],
        "production"
    );
}

#[test]
fn gitattributes_linguist_vendored_sets_a_path_aside() {
    let repo = TestRepo::new()
        .file(
            "Dockerfile",
            "FROM node:22.11.0\nUSER node\nCMD [\"node\", \"server.js\"]\n",
        )
        .file(
            "third/legacy/Dockerfile",
            "FROM node\nCMD [\"node\", \"x.js\"]\n",
        )
        .file(".gitattributes", "third/** linguist-vendored\n");
    let (_, report) = audit_json(repo.path(), &["--select", "DOCK001"]);
    assert_eq!(rule(&report, "DOCK001")["outcome"], "pass");
    assert_eq!(
        report["scope"]["paths"]["third/legacy/Dockerfile"],
        "vendor"
    );
}

#[test]
fn an_unknown_scope_role_is_a_config_error() {
    let repo = TestRepo::new()
        .file("README.md", "# x\n")
        .file("readycheck.toml", "[scope]\ntesting = [\"qa/\"]\n");
    let out = readycheck().arg("audit").arg(repo.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("readycheck.toml:2:1") && stderr.contains("testing"),
        "{stderr}"
    );
}

#[test]
fn scope_command_prints_each_read_path_with_its_role_and_why() {
    let repo = TestRepo::from_fixture("scoped-service");
    let out = readycheck()
        .args(["scope", "--format", "json"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let find = |p: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == p)
            .unwrap_or_else(|| panic!("{p} not listed"))
            .clone()
    };
    assert_eq!(find(".devcontainer/docker-compose.yml")["role"], "dev");
    assert_eq!(
        find(".devcontainer/docker-compose.yml")["because"],
        "`.devcontainer/`"
    );
    assert_eq!(find("e2e/playwright/Dockerfile")["role"], "test");
    // No path convention places it: its `sut` service makes it a test harness.
    assert_eq!(find("build-bin/docker-compose-smoke.yml")["role"], "test");
    assert!(
        find("build-bin/docker-compose-smoke.yml")["because"]
            .as_str()
            .unwrap()
            .contains("`sut`")
    );
    assert!(
        find("tools/codegen/Dockerfile")["because"]
            .as_str()
            .unwrap()
            .contains("build-tool image")
    );
    let table = readycheck()
        .args(["scope", "--role", "example"])
        .arg(repo.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("example    contrib/docker-compose/basic.yml"),
        "{text}"
    );
    assert!(!text.contains("deploy/compose/stack.yml"), "{text}");
}

#[test]
fn go_files_behind_a_test_build_tag_are_test_files() {
    // pocket-id's shape: e2e fixture tokens in a service file compiled only with `-tags e2etest`.
    let repo = TestRepo::new()
        .file(
            "go.mod",
            "module svc\n\ngo 1.23\n\nrequire github.com/gin-gonic/gin v1.10.0\n",
        )
        .file(
            "main.go",
            "package main\n\nimport \"github.com/gin-gonic/gin\"\n\nfunc main() { r := gin.New(); r.Run(\":8080\") }\n",
        )
        .file(
            "internal/service/e2etest_service.go",
            "//go:build e2etest\n\npackage service\n\nconst refreshToken = \"ou87Zq3LmX9vTb2RkYw4HsN6cPdE1fGjcZDo\"\n",
        )
        .file(
            "internal/service/user_service.go",
            "//go:build !e2etest\n\npackage service\n\nfunc Users() {}\n",
        );
    let (_, report) = audit_json(repo.path(), &["--select", "CONF005"]);
    let paths = &report["scope"]["paths"];
    assert_eq!(paths["internal/service/e2etest_service.go"], "test");
    assert_eq!(paths["internal/service/user_service.go"], "production");
    assert_ne!(rule(&report, "CONF005")["outcome"], "fail");
}
