//! End-to-end tests of the real binary on temp-dir copies of the fixture repositories:
//! exit codes, scores, which rules fail and where, and every class of bad input.

mod common;

use common::{TestRepo, audit_json, findings_of, ids_with, readycheck};
use predicates::prelude::*;

#[test]
fn exemplary_passes_every_static_rule() {
    let repo = TestRepo::from_fixture("exemplary");
    let (code, report) = audit_json(repo.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    let not_passing: Vec<String> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] != "pass" && !r["id"].as_str().unwrap().starts_with("HTTP"))
        .map(|r| format!("{} {} {}", r["id"], r["outcome"], r["reason"]))
        .collect();
    assert!(
        not_passing.is_empty(),
        "exemplary must pass every static rule: {not_passing:#?}"
    );
    assert_eq!(report["score"]["overall"]["score"], 100);
    assert_eq!(report["score"]["overall"]["grade"], "A");
    assert_eq!(report["gate"]["passed"], true);
}

#[test]
fn typical_gaps_fails_the_gate_with_the_expected_rules() {
    let repo = TestRepo::from_fixture("typical-gaps");
    let (code, report) = audit_json(repo.path(), &[]);
    assert_eq!(code, 1);
    let failed = ids_with(&report, "fail");
    for id in [
        "CI001", "COMP001", "COMP002", "CONF001", "CONF002", "DOCK001", "DOCK002", "DOCK003",
        "DOCK004", "DOCK006", "DOCS002", "DOCS003", "DOCS004",
    ] {
        assert!(
            failed.contains(&id.to_owned()),
            "{id} should fail: {failed:?}"
        );
    }
    assert!(ids_with(&report, "pass").contains(&"DOCS001".to_owned()));
    assert_eq!(
        findings_of(&report, "DOCK001"),
        vec!["Dockerfile:1 base image `node:latest` uses the floating tag `latest`"]
    );
    assert_eq!(
        findings_of(&report, "DOCK004"),
        vec!["Dockerfile:6 `CMD npm start` runs a shell as PID 1"]
    );
    assert_eq!(
        findings_of(&report, "COMP001"),
        vec![
            "docker-compose.yml:3 service `web` sets no `healthcheck` and builds no Dockerfile with a `HEALTHCHECK`",
            "docker-compose.yml:11 service `db` sets no `healthcheck` and builds no Dockerfile with a `HEALTHCHECK`"
        ]
    );
    assert_eq!(
        findings_of(&report, "COMP002"),
        vec!["docker-compose.yml:13 service `db` sets `privileged: true`"]
    );
    let score = report["score"]["overall"]["score"].as_u64().unwrap();
    assert!(score < 50, "score {score}");
    assert_eq!(report["gate"]["passed"], false);
    assert!(
        report["gate"]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("at or above `high`")
    );
}

#[test]
fn score_formula_counts_each_rule_once_by_weight() {
    let repo = TestRepo::from_fixture("typical-gaps");
    let (_, report) = audit_json(repo.path(), &[]);
    let mut earned = 0u64;
    let mut possible = 0u64;
    for r in report["results"].as_array().unwrap() {
        let w = r["weight"].as_u64().unwrap();
        match r["outcome"].as_str().unwrap() {
            "pass" => {
                earned += w;
                possible += w;
            }
            "fail" => possible += w,
            _ => {}
        }
    }
    let expected = (earned as f64 * 100.0 / possible as f64).round() as u64;
    assert_eq!(
        report["score"]["overall"]["score"].as_u64().unwrap(),
        expected
    );
    assert_eq!(
        report["score"]["overall"]["earned"].as_u64().unwrap(),
        earned
    );
}

#[test]
fn library_has_service_rules_skipped_not_failed() {
    let repo = TestRepo::from_fixture("not-a-service");
    let (code, report) = audit_json(repo.path(), &[]);
    assert_eq!(code, 0);
    assert!(
        ids_with(&report, "fail").is_empty(),
        "{:?}",
        ids_with(&report, "fail")
    );
    let skipped = ids_with(&report, "skipped");
    for id in ["CONF001", "DOCS004", "DOCK001", "DOCK003", "DOCK006"] {
        assert!(skipped.contains(&id.to_owned()), "{id} should be skipped");
    }
    let conf = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "CONF001")
        .unwrap();
    assert!(
        conf["reason"]
            .as_str()
            .unwrap()
            .contains("not a deployable service")
    );
}

#[test]
fn empty_repository_reports_missing_basics() {
    let repo = TestRepo::new();
    let (code, report) = audit_json(repo.path(), &[]);
    assert_eq!(code, 1);
    let failed = ids_with(&report, "fail");
    assert!(failed.contains(&"DOCS001".to_owned()) && failed.contains(&"CI001".to_owned()));
    assert_eq!(report["summary"]["files"], 0);
}

#[test]
fn gate_thresholds_from_flags() {
    let repo = TestRepo::from_fixture("typical-gaps");
    readycheck()
        .args(["audit", "--fail-on", "none"])
        .arg(repo.path())
        .assert()
        .code(0);
    readycheck()
        .args(["audit", "--fail-on", "none", "--min-score", "90"])
        .arg(repo.path())
        .assert()
        .code(1);
    readycheck()
        .args(["audit", "--exit-zero"])
        .arg(repo.path())
        .assert()
        .code(0);
    let exemplary = TestRepo::from_fixture("exemplary");
    readycheck()
        .args(["audit", "--fail-on", "info", "--min-score", "100"])
        .arg(exemplary.path())
        .assert()
        .code(0);
}

#[test]
fn select_and_ignore_by_id_prefix_name_and_category() {
    let repo = TestRepo::from_fixture("typical-gaps");
    let (_, r) = audit_json(repo.path(), &["--select", "DOCK"]);
    let ids: Vec<String> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.iter().all(|i| i.starts_with("DOCK")) && ids.len() >= 6);
    let (_, r) = audit_json(
        repo.path(),
        &[
            "--select",
            "root-user,category:documentation",
            "--ignore",
            "DOCS002",
        ],
    );
    let ids: Vec<String> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        ids.contains(&"DOCK002".to_owned())
            && ids.contains(&"DOCS001".to_owned())
            && !ids.contains(&"DOCS002".to_owned())
    );
    readycheck()
        .args(["audit", "--select", "DOKC001"])
        .arg(repo.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "matches no rule; did you mean `DOCK001`?",
        ));
}

#[test]
fn config_file_drives_selection_severity_and_gate() {
    let repo = TestRepo::from_fixture("typical-gaps").file(
        "readycheck.toml",
        "version = 1\n[rules]\nignore = [\"CONF002\", \"COMP002\", \"COMP008\", \"CI001\", \"CODE001\"]\nseverity = { DOCK001 = \"low\", \"root-user\" = \"low\" }\n[gate]\nfail_on = \"high\"\n",
    );
    let (code, report) = audit_json(repo.path(), &[]);
    assert_eq!(code, 0, "{:#}", report["gate"]);
    let dock1 = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "DOCK001")
        .unwrap();
    assert_eq!(dock1["severity"], "low");
    let (code, _) = audit_json(repo.path(), &["--no-config"]);
    assert_eq!(code, 1);
}

#[test]
fn invalid_config_names_file_line_and_key() {
    let repo = TestRepo::new().file(
        "readycheck.toml",
        "[rules]\nselect = [\"DOCK\"]\n\n[gate]\nfail_no = \"high\"\n",
    );
    readycheck()
        .arg("audit")
        .arg(repo.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("readycheck.toml:5:1")
                .and(predicate::str::contains("unknown field `fail_no`")),
        );
    let repo = TestRepo::new().file(
        "readycheck.toml",
        "[rules]\nseverity = { NOPE001 = \"low\" }\n",
    );
    readycheck()
        .arg("audit")
        .arg(repo.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown rule `NOPE001`"));
}

#[test]
fn bad_user_rules_are_all_reported_with_positions_before_scanning() {
    let rules = TestRepo::new()
        .file(
            "ACME001-bad-regex.yaml",
            "id: ACME001\nname: bad-regex\ntitle: t\ncategory: security\nseverity: low\nsince: 0.1.0\ncheck:\n  kind: text_match\n  params:\n    paths: [\"*.py\"]\n    pattern: '(unclosed'\n    expect: absent\nwhy: w\nfix: f\nexamples:\n  - {name: a, expect: fail}\n  - {name: b, expect: pass}\n",
        )
        .file(
            "ACME002-unknown-kind.yaml",
            "id: ACME002\nname: unknown-kind\ntitle: t\ncategory: security\nseverity: low\nsince: 0.1.0\ncheck:\n  kind: telepathy\n  params: {}\nwhy: w\nfix: f\n",
        )
        .file("ACME003-broken.yaml", "id: ACME003\nname: [unclosed\n")
        .file(
            "ACME004-unknown-field.yaml",
            "id: ACME004\nname: unknown-field\ntitle: t\ncategory: security\nseverity: low\nsince: 0.1.0\nseverity_level: 3\n",
        )
        .file(
            "DOCK999-dup.yaml",
            "id: DOCK001\nname: dup\ntitle: t\ncategory: security\nseverity: low\nsince: 0.1.0\ncheck:\n  kind: path_exists\n  params: {any_of: [x]}\nwhy: w\nfix: f\nexamples:\n  - {name: a, expect: fail}\n  - {name: b, expect: pass}\n",
        );
    let target = TestRepo::new();
    let out = readycheck()
        .arg("audit")
        .arg(target.path())
        .arg("--rules")
        .arg(rules.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("ACME001-bad-regex.yaml:11:14: check.params.pattern: invalid regex"),
        "{stderr}"
    );
    assert!(
        stderr.contains("ACME002-unknown-kind.yaml:8:9")
            && stderr.contains("unknown variant `telepathy`"),
        "{stderr}"
    );
    assert!(stderr.contains("ACME003-broken.yaml:2:"), "{stderr}");
    assert!(
        stderr.contains("ACME004-unknown-field.yaml:7:1")
            && stderr.contains("unknown field `severity_level`"),
        "{stderr}"
    );
    assert!(stderr.contains("duplicate id `DOCK001`"), "{stderr}");
    assert!(
        stderr.contains("uses the built-in prefix `DOCK`"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was audited"), "{stderr}");
    assert!(out.get_output().stdout.is_empty());
}

#[test]
fn user_rules_extend_the_set() {
    let rules = TestRepo::new().file(
        "ACME001-todo-in-code.yaml",
        "id: ACME001\nname: todo-in-code\ntitle: TODO left in code\ncategory: operability\nseverity: low\nsince: 0.1.0\ncheck:\n  kind: text_match\n  params:\n    paths: [\"*.js\"]\n    pattern: 'TODO'\n    expect: absent\nwhy: w\nfix: f\nexamples:\n  - {name: a, expect: fail, files: {a.js: \"// TODO\"}}\n  - {name: b, expect: pass, files: {a.js: \"x\"}}\n",
    );
    let repo = TestRepo::new().file("src/a.js", "const x = 1; // TODO remove\n");
    let (_, report) = audit_json(
        repo.path(),
        &[
            "--rules",
            rules.path().to_str().unwrap(),
            "--select",
            "ACME001",
        ],
    );
    assert_eq!(
        findings_of(&report, "ACME001"),
        vec!["src/a.js:1 `TODO` found"]
    );
}

/// A user rule of kind `path_exists` for `file`; `applies` (YAML flow list) may be empty.
fn path_rule(id: &str, file: &str, applies: &str) -> String {
    format!(
        "id: {id}\nname: has-{n}\ntitle: Has {file}\ncategory: operability\nseverity: low\nsince: 0.1.0\napplies: {applies}\ncheck:\n  kind: path_exists\n  params: {{any_of: [{file}]}}\nwhy: w\nfix: f\nexamples:\n  - {{name: a, expect: fail}}\n  - {{name: b, expect: pass, files: {{{file}: x}}}}\n",
        n = id.to_lowercase()
    )
}

/// ACME001 (a file `A.conf` exists) and ACME002 (`B.conf`), which applies where ACME001 passes.
fn dependent_rules() -> TestRepo {
    TestRepo::new()
        .file("ACME001-a.yaml", &path_rule("ACME001", "A.conf", "[]"))
        .file(
            "ACME002-b.yaml",
            &path_rule("ACME002", "B.conf", "[{passes: ACME001}]"),
        )
}

#[test]
fn passes_condition_runs_the_named_rule_first_and_skips_with_its_verdict() {
    let rules = dependent_rules();
    let dir = rules.path().to_str().unwrap().to_owned();
    // ACME001 fails: ACME002 is not judged, and says why.
    let repo = TestRepo::new().file("B.conf", "x");
    let (_, report) = audit_json(repo.path(), &["--rules", &dir, "--select", "ACME"]);
    let of = |report: &serde_json::Value, id: &str| {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| format!("{} {}", r["outcome"], r["reason"]))
    };
    assert_eq!(of(&report, "ACME001").unwrap(), "\"fail\" null");
    assert_eq!(
        of(&report, "ACME002").unwrap(),
        "\"skipped\" \"`ACME001` fails: Has A.conf\""
    );
    // ACME001 passes: ACME002 is judged (and fails here), and its repository-wide gap is
    // reported where ACME001 found its subject.
    let repo = TestRepo::new().file("A.conf", "x");
    let (_, report) = audit_json(repo.path(), &["--rules", &dir, "--select", "ACME"]);
    assert_eq!(of(&report, "ACME002").unwrap(), "\"fail\" null");
    let at: Vec<String> = findings_of(&report, "ACME002");
    assert_eq!(at.len(), 1, "{at:?}");
    assert!(at[0].starts_with("A.conf"), "{at:?}");
    // Only the dependent rule chosen: the rule it names still runs, unreported.
    let (_, report) = audit_json(repo.path(), &["--rules", &dir, "--select", "ACME002"]);
    assert_eq!(of(&report, "ACME001"), None);
    assert_eq!(of(&report, "ACME002").unwrap(), "\"fail\" null");
    let repo = TestRepo::new().file("A.conf", "x").file("B.conf", "x");
    let (_, report) = audit_json(repo.path(), &["--rules", &dir, "--select", "ACME002"]);
    assert_eq!(of(&report, "ACME002").unwrap(), "\"pass\" null");
}

#[test]
fn passes_condition_must_name_another_rule_one_level_deep() {
    let rules = dependent_rules()
        .file(
            "ACME003-c.yaml",
            &path_rule("ACME003", "C.conf", "[{passes: ACME002}]"),
        )
        .file(
            "ACME004-d.yaml",
            &path_rule("ACME004", "D.conf", "[{passes: ACME004}]"),
        )
        .file(
            "ACME005-e.yaml",
            &path_rule("ACME005", "E.conf", "[{passes: NOPE001}]"),
        );
    let out = readycheck()
        .arg("audit")
        .arg(TestRepo::new().path())
        .arg("--rules")
        .arg(rules.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("ACME003-c.yaml:7:")
            && stderr.contains("`passes: ACME002` names a rule that itself depends"),
        "{stderr}"
    );
    assert!(
        stderr.contains("ACME004-d.yaml:7:") && stderr.contains("names the rule itself"),
        "{stderr}"
    );
    assert!(
        stderr.contains("ACME005-e.yaml:7:") && stderr.contains("`passes: NOPE001` names no rule"),
        "{stderr}"
    );
    assert!(!stderr.contains("ACME002-b.yaml"), "{stderr}");
}

#[test]
fn missing_path_is_a_usage_error() {
    readycheck()
        .args(["audit", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot audit `/definitely/not/here`",
        ));
    let repo = TestRepo::new().file("file.txt", "x");
    readycheck()
        .arg("audit")
        .arg(repo.join("file.txt"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a directory"));
}

#[test]
fn binary_dockerfile_is_named_and_makes_rules_inconclusive() {
    let repo = TestRepo::new();
    std::fs::write(repo.join("Dockerfile"), b"\x7fELF\x00\x00\x01binary").unwrap();
    let (code, report) = audit_json(repo.path(), &["--select", "DOCK001"]);
    assert_eq!(code, 0);
    let r = &report["results"][0];
    assert_eq!(r["outcome"], "inconclusive");
    assert_eq!(r["reason"], "`Dockerfile` was not read (binary content)");
    assert_eq!(report["skipped_paths"][0]["path"], "Dockerfile");
    readycheck()
        .args(["audit", "--select", "DOCK001", "--strict"])
        .arg(repo.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Dockerfile: binary content"));
}

#[test]
fn malformed_dockerfile_and_yaml_are_inconclusive_with_file_and_line() {
    let repo = TestRepo::new()
        .file("Dockerfile", "FROM alpine:3.20\nRUNN echo hi\n")
        .file("docker-compose.yml", "services:\n  web: [\n");
    let (_, report) = audit_json(repo.path(), &["--select", "DOCK001,COMP001"]);
    let reasons: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap_or(""))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("`Dockerfile:2:1` does not parse")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("`docker-compose.yml:") && r.contains("does not parse")),
        "{reasons:?}"
    );
}

#[test]
fn huge_files_are_skipped_and_counted() {
    let repo = TestRepo::new().file("README.md", "# x\n");
    let big = std::fs::File::create(repo.join("Dockerfile")).unwrap();
    big.set_len(50 * 1024 * 1024).unwrap();
    let (code, report) = audit_json(repo.path(), &["--select", "DOCK002"]);
    assert_eq!(code, 0);
    // The rule that needed the file cannot decide, and says why.
    assert_eq!(report["results"][0]["outcome"], "inconclusive");
    let skipped = &report["skipped_paths"][0];
    assert_eq!(skipped["path"], "Dockerfile");
    assert_eq!(skipped["reason"], "50.0 MiB is over the 2.0 MiB size cap");
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_special_files_do_not_hang_or_crash() {
    let repo = TestRepo::new().file("README.md", "# x\n");
    std::os::unix::fs::symlink(repo.join("loop"), repo.join("loop")).unwrap();
    std::os::unix::fs::symlink(repo.path(), repo.join("self")).unwrap();
    std::os::unix::fs::symlink(repo.join("README.md"), repo.join("alias.md")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.join("elsewhere")).unwrap();
    let (code, report) = audit_json(repo.path(), &["--select", "DOCS001"]);
    assert_eq!(code, 0);
    let skipped: Vec<String> = report["skipped_paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}: {}",
                s["path"].as_str().unwrap(),
                s["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        skipped,
        // Links into the tree (`self`, `alias.md`) are audited at their targets.
        vec![
            "elsewhere: symbolic link, not followed",
            "loop: symbolic link, not followed",
        ]
    );
}

#[cfg(unix)]
#[test]
fn unreadable_directory_is_reported_not_fatal() {
    use std::os::unix::fs::PermissionsExt;
    let repo = TestRepo::new()
        .file("README.md", "# x\n")
        .file("secret/inner.txt", "x");
    std::fs::set_permissions(repo.join("secret"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let denied = std::fs::read_dir(repo.join("secret")).is_err();
    let (code, report) = audit_json(repo.path(), &["--select", "DOCS001"]);
    std::fs::set_permissions(repo.join("secret"), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(code, 0);
    if denied {
        // Not when running as root: root reads it anyway.
        let s = &report["skipped_paths"][0];
        assert_eq!(s["path"], "secret");
        assert!(
            s["reason"].as_str().unwrap().contains("permission denied"),
            "{s}"
        );
    }
}

#[test]
fn gitignored_and_vendored_paths_are_not_audited() {
    let repo = TestRepo::new()
        .file(".gitignore", "build/\n")
        .file("build/Dockerfile", "FROM node\n")
        .file("node_modules/x/Dockerfile", "FROM node\n")
        .file(".venv/pyvenv.cfg", "home = /usr\n")
        .file(".venv/lib/Dockerfile", "FROM node\n")
        .file("svc/Dockerfile", "FROM node:20.11\n");
    let (_, report) = audit_json(repo.path(), &["--select", "DOCK001"]);
    assert_eq!(report["results"][0]["outcome"], "pass");
    let (_, report) = audit_json(repo.path(), &["--select", "DOCK001", "--exclude", "svc/"]);
    assert_eq!(report["results"][0]["outcome"], "skipped");
}

#[test]
fn json_report_is_versioned_relative_and_deterministic() {
    let repo = TestRepo::from_fixture("typical-gaps");
    let run = || {
        readycheck()
            .args(["audit", "--format", "json"])
            .arg(repo.path())
            .output()
            .unwrap()
            .stdout
    };
    let a = run();
    assert_eq!(a, run());
    let text = String::from_utf8(a).unwrap();
    assert!(
        !text.contains(repo.path().to_str().unwrap()),
        "absolute paths leaked"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema_version"], 1);
    let ids: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
}

#[test]
fn table_report_is_plain_when_piped_and_fits_80_columns() {
    let repo = TestRepo::from_fixture("typical-gaps");
    let out = readycheck()
        .env_remove("NO_COLOR")
        .arg("audit")
        .arg(repo.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "colour codes when piped");
    let (_, report) = audit_json(repo.path(), &[]);
    let score = format!(
        "Score {} ({})",
        report["score"]["overall"]["score"],
        report["score"]["overall"]["grade"].as_str().unwrap()
    );
    assert!(text.contains(&score), "{score} in {text}");
    assert!(
        text.contains("Dockerfile:1:6  base image `node:latest` uses the floating tag `latest`")
    );
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "line over 80 columns: {line:?}");
    }
    let colored = readycheck()
        .args(["--color", "always", "audit"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8(colored.stdout)
            .unwrap()
            .contains('\u{1b}')
    );
}

#[test]
fn output_file_receives_the_report() {
    let repo = TestRepo::from_fixture("exemplary");
    let out = repo.join("report.json");
    readycheck()
        .args(["audit", "--format", "json", "-o"])
        .arg(&out)
        .arg(repo.path())
        .assert()
        .code(0)
        .stdout("");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    assert_eq!(v["gate"]["passed"], true);
}

#[test]
fn rules_and_explain_come_from_the_rule_files() {
    readycheck()
        .arg("rules")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("DOCK001  unpinned-base-image"));
    let out = readycheck()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.as_array().unwrap().len() >= 12);
    readycheck()
        .args(["explain", "unpinned-base-image"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("DOCK001 · unpinned-base-image")
                .and(predicate::str::contains("Why it matters"))
                .and(predicate::str::contains("✗ fails: floating latest tag"))
                .and(predicate::str::contains("FROM node:latest")),
        );
    readycheck()
        .args(["explain", "DOCK01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `DOCK001`?"));
    readycheck()
        .args(["explain", "DOCK001", "--format", "markdown"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "# DOCK001 · unpinned-base-image",
        ));
}

#[test]
fn help_and_version() {
    readycheck()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "Exit codes: 0 gate passed, 1 gate failed, 2",
        ));
    readycheck()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("readycheck "));
    readycheck().arg("audit").arg("--bogus").assert().code(2);
}

/// A web framework used only by the tests (a dev-dependency) does not make a service.
#[test]
fn service_fact_reads_only_runtime_dependencies() {
    let manifest = |section: &str| {
        format!(
            "[package]\nname = \"x\"\n\n[{section}]\nserde = {{ version = \"1\", features = [\"derive\"] }}\naxum = \"0.8\"\n"
        )
    };
    let lib = TestRepo::new().file("Cargo.toml", &manifest("dev-dependencies"));
    let (_, report) = audit_json(lib.path(), &["--select", "CONF001"]);
    assert_eq!(report["results"][0]["outcome"], "skipped");
    // (CONF001 also needs the code to read the environment.)
    let svc = TestRepo::new()
        .file("Cargo.toml", &manifest("dependencies"))
        .file(
            "src/main.rs",
            "fn main() {\n    let _ = std::env::var(\"DATABASE_URL\");\n}\n",
        );
    let (_, report) = audit_json(svc.path(), &["--select", "CONF001"]);
    assert_eq!(report["results"][0]["outcome"], "fail");
}

/// A framework fact holds only when a manifest declares the framework and code uses it:
/// a dependency no source imports (rustdesk-server's axum) is not an axum service.
#[test]
fn framework_facts_need_a_declaration_and_a_use() {
    let rules = TestRepo::new().file(
        "ACME010-axum-service.yaml",
        "id: ACME010\nname: axum-service\ntitle: t\ncategory: reliability\nseverity: low\nsince: 0.1.0\napplies:\n  - fact: axum\ncheck:\n  kind: path_exists\n  params: {any_of: [Cargo.toml]}\nwhy: w\nfix: f\nexamples:\n  - {name: a, expect: fail}\n  - {name: b, expect: pass}\n",
    );
    let unused = TestRepo::new()
        .file("Cargo.toml", "[dependencies]\naxum = \"0.8\"\n")
        .file("src/main.rs", "fn main() {}\n");
    let rules_dir = rules.path().to_str().unwrap().to_owned();
    let args = ["--rules", rules_dir.as_str(), "--select", "ACME010"];
    let (_, report) = audit_json(unused.path(), &args);
    assert_eq!(ids_with(&report, "skipped"), vec!["ACME010".to_owned()]);
    let used = TestRepo::new()
        .file("Cargo.toml", "[dependencies]\naxum = \"0.8\"\n")
        .file("src/main.rs", "use axum::Router;\nfn main() {}\n");
    let (_, report) = audit_json(used.path(), &args);
    assert_eq!(ids_with(&report, "pass"), vec!["ACME010".to_owned()]);
}
