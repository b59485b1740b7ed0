//! Every output format on the fixture repositories: insta snapshots of the exact bytes plus
//! asserts of the facts that matter (counts, levels, locations), Microsoft's SARIF validator
//! and a headless-Chromium check of the HTML page's DOM.

mod common;

use common::{TestRepo, readycheck};
use std::path::Path;

fn render(repo: &TestRepo, format: &str) -> String {
    let out = readycheck()
        .args(["audit", "--format", format])
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json_report(repo: &TestRepo) -> serde_json::Value {
    serde_json::from_str(&render(repo, "json")).unwrap()
}

/// `(score, grade, failed rules)` of a JSON report.
fn score_of(report: &serde_json::Value) -> (u64, String, u64) {
    let o = &report["score"]["overall"];
    (
        o["score"].as_u64().unwrap(),
        o["grade"].as_str().unwrap().to_owned(),
        o["failed"].as_u64().unwrap(),
    )
}

/// External tools are installed by `.ci/install-test-tools.sh`; in CI their absence fails.
fn tool(path: &str) -> Option<std::path::PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let found = if path.contains('/') {
        p.is_file().then_some(p)
    } else {
        which(path)
    };
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "`{path}` is missing in CI: run .ci/install-test-tools.sh"
        );
        eprintln!(
            "note: `{path}` not installed; run .ci/install-test-tools.sh to enable this test"
        );
    }
    found
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

#[test]
fn snapshots_of_every_format() {
    for fixture in ["typical-gaps", "exemplary"] {
        let repo = TestRepo::from_fixture(fixture);
        for format in ["table", "sarif", "junit", "markdown", "github", "html"] {
            let text = render(&repo, format);
            insta::assert_snapshot!(format!("{fixture}-{format}"), text);
        }
    }
}

#[test]
fn every_format_is_deterministic() {
    let repo = TestRepo::from_fixture("typical-gaps");
    for format in [
        "table", "json", "sarif", "junit", "markdown", "github", "html",
    ] {
        assert_eq!(
            render(&repo, format),
            render(&repo, format),
            "{format} is not deterministic"
        );
    }
}

#[test]
fn sarif_has_one_result_per_finding_with_relative_locations_and_levels() {
    let repo = TestRepo::from_fixture("typical-gaps");
    let report = json_report(&repo);
    let sarif: serde_json::Value = serde_json::from_str(&render(&repo, "sarif")).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), report["results"].as_array().unwrap().len());
    let results = run["results"].as_array().unwrap();
    assert_eq!(
        results.len() as u64,
        report["summary"]["findings"].as_u64().unwrap()
    );
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.starts_with('/') && !uri.contains(repo.path().to_str().unwrap()),
            "{uri}"
        );
        assert!(
            r["partialFingerprints"]["readycheck/v1"]
                .as_str()
                .unwrap()
                .len()
                == 16
        );
    }
    let find = |id: &str| results.iter().find(|r| r["ruleId"] == id).unwrap();
    assert_eq!(find("DOCK001")["level"], "error");
    assert_eq!(
        find("DOCK001")["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    assert_eq!(
        find("DOCK001")["locations"][0]["physicalLocation"]["region"]["startColumn"],
        6
    );
    assert_eq!(find("COMP001")["level"], "warning");
    assert_eq!(find("DOCS002")["level"], "warning");
    // Repository-level findings are anchored at the README so code scanning can show them.
    assert_eq!(
        find("CI001")["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "README.md"
    );
    let dock2 = rules.iter().find(|r| r["id"] == "DOCK002").unwrap();
    assert_eq!(dock2["properties"]["security-severity"], "7.5");
    assert!(
        dock2["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## How to fix")
    );
    assert_eq!(dock2["defaultConfiguration"]["level"], "error");
}

#[test]
fn sarif_passes_microsofts_validator() {
    let Some(validator) = tool(".ci/node/node_modules/.bin/sarif-multitool") else {
        return;
    };
    for fixture in ["typical-gaps", "exemplary", "not-a-service"] {
        let repo = TestRepo::from_fixture(fixture);
        let sarif = repo.join("out.sarif");
        std::fs::write(&sarif, render(&repo, "sarif")).unwrap();
        let log = repo.join("validation.sarif");
        let out = std::process::Command::new(&validator)
            .arg("validate")
            .arg(&sarif)
            .arg("-o")
            .arg(&log)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "validator failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&log).unwrap()).unwrap();
        let problems: Vec<String> = v["runs"][0]["results"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .map(|r| format!("{} {} {}", r["level"], r["ruleId"], r["message"]))
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            problems.is_empty(),
            "{fixture}: validator reported {problems:#?}"
        );
    }
}

#[test]
fn junit_has_a_suite_per_category_and_a_case_per_rule() {
    let repo = TestRepo::from_fixture("typical-gaps");
    let report = json_report(&repo);
    let xml = render(&repo, "junit");
    let rules = report["results"].as_array().unwrap();
    assert_eq!(xml.matches("<testcase ").count(), rules.len());
    let failed = rules.iter().filter(|r| r["outcome"] == "fail").count();
    assert_eq!(xml.matches("<failure ").count(), failed);
    assert_eq!(
        xml.matches("<skipped ").count(),
        rules.iter().filter(|r| r["outcome"] == "skipped").count()
    );
    assert_eq!(
        xml.matches("<testsuite ").count(),
        report["score"]["by_category"].as_object().unwrap().len()
    );
    assert!(xml.contains(&format!(
        "<testsuites name=\"readycheck\" tests=\"{}\" failures=\"{failed}\"",
        rules.len()
    )));
    assert!(xml.contains("<testcase classname=\"security\" name=\"DOCK002 root-user\">"));
    assert!(
        xml.contains("Dockerfile:1:6  base image `node:latest` uses the floating tag `latest`")
    );
}

#[test]
fn markdown_and_github_annotations_carry_every_finding() {
    let repo = TestRepo::from_fixture("typical-gaps");
    let report = json_report(&repo);
    let (score, grade, failed) = score_of(&report);
    let md = render(&repo, "markdown");
    assert!(md.starts_with(&format!(
        "## readycheck: {score} ({grade}) — ❌ gate failed"
    )));
    assert!(md.contains("| 🔴 high | `DOCK001` unpinned-base-image |"));
    assert!(md.contains("- `docker-compose.yml:13:17` service `db` sets `privileged: true`"));
    let gh = render(&repo, "github");
    let annotations: Vec<&str> = gh.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(
        annotations.len() as u64,
        report["summary"]["findings"].as_u64().unwrap()
    );
    assert!(annotations.contains(&"::error file=Dockerfile,line=1,col=6,title=DOCK001 unpinned-base-image%3A Base image is not pinned to a version::base image `node:latest` uses the floating tag `latest`"));
    assert!(gh.lines().last().unwrap().starts_with(&format!(
        "readycheck: score {score}/100 ({grade}), {failed} failed"
    )));
}

#[test]
fn html_renders_in_headless_chromium_and_filters() {
    let Some(chromium) = tool("chromium") else {
        return;
    };
    let repo = TestRepo::from_fixture("typical-gaps");
    let html = render(&repo, "html");
    for asset in ["src=\"http", "href=\"http", "<link", "@import", "url(http"] {
        assert!(
            !html.contains(asset),
            "external asset `{asset}` in the page"
        );
    }
    let page = repo.join("report.html");
    std::fs::write(&page, &html).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}#selftest", page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom
        .find("<pre id=\"selftest\">")
        .unwrap_or_else(|| panic!("the page's script did not run: {dom}"))
        + 19;
    let end = start + dom[start..].find("</pre>").unwrap();
    let result: serde_json::Value = serde_json::from_str(&dom[start..end]).unwrap();
    let report = json_report(&repo);
    let findings = report["summary"]["findings"].as_u64().unwrap();
    // The severity filter must show exactly the critical rules' findings.
    let critical: usize = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["severity"] == "critical")
        .map(|r| r["findings"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(critical >= 2, "the fixture has critical findings");
    assert_eq!(result["rows"].as_u64().unwrap(), findings);
    assert_eq!(result["all"].as_u64().unwrap(), findings);
    assert_eq!(
        result["critical"].as_u64().unwrap(),
        critical as u64,
        "severity filter"
    );
    assert_eq!(result["none"], 0, "text filter");
    assert_eq!(result["restored"].as_u64().unwrap(), findings);
    assert!(
        dom.contains(&format!("{findings} of {findings} findings")),
        "the count is computed by the script"
    );
    assert!(dom.contains("id=\"gauge-value\""));
}

#[test]
fn report_flag_writes_several_artifacts_in_one_run() {
    let repo = TestRepo::from_fixture("typical-gaps");
    let dir = tempfile::tempdir().unwrap();
    let (sarif, junit, md) = (
        dir.path().join("r.sarif"),
        dir.path().join("r.xml"),
        dir.path().join("r.md"),
    );
    let out = readycheck()
        .args(["audit", "--format", "table"])
        .arg(format!("--report=sarif={}", sarif.display()))
        .arg(format!("--report=junit={}", junit.display()))
        .arg(format!("--report=markdown={}", md.display()))
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (score, grade, _) = score_of(&json_report(&repo));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("Score {score} ({grade})")));
    assert!(
        std::fs::read_to_string(&sarif)
            .unwrap()
            .contains("\"version\": \"2.1.0\"")
    );
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .starts_with("<?xml")
    );
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .starts_with("## readycheck:")
    );
    readycheck()
        .args(["audit", "--report", "pdf=x.pdf"])
        .arg(repo.path())
        .assert()
        .code(2);
}
