//! Adopting readycheck on a legacy repository: baselines that survive line moves, inline
//! suppressions in each comment syntax, config waivers with reasons and expiry, `init`,
//! completions and the man page, and the repository's own audit.

mod common;

use common::{TestRepo, audit_json, findings_of, ids_with, readycheck};
use predicates::prelude::*;

fn outcome(report: &serde_json::Value, id: &str) -> String {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap()["outcome"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn baseline_survives_moved_lines_and_names_only_the_new_problem() {
    let repo = TestRepo::from_fixture("typical-gaps");
    let baseline = repo.join("readycheck-baseline.json");
    readycheck()
        .args(["baseline", "-o"])
        .arg(&baseline)
        .arg(repo.path())
        .assert()
        .code(0)
        .stderr(predicate::str::is_match(r"recorded \d+ findings").unwrap());
    let b: serde_json::Value = serde_json::from_slice(&std::fs::read(&baseline).unwrap()).unwrap();
    assert_eq!(b["version"], 1);
    let recorded = b["findings"].as_array().unwrap().len();
    // Every failing finding of the fixture's plain audit is recorded.
    let (_, plain) = audit_json(repo.path(), &[]);
    assert_eq!(
        recorded as u64,
        plain["summary"]["findings"].as_u64().unwrap()
    );
    assert!(recorded >= 23, "{recorded}");

    // Unrelated edits move every finding down.
    let df = std::fs::read_to_string(repo.join("Dockerfile")).unwrap();
    std::fs::write(repo.join("Dockerfile"), format!("# build image\n\n{df}")).unwrap();
    let compose = std::fs::read_to_string(repo.join("docker-compose.yml")).unwrap();
    std::fs::write(
        repo.join("docker-compose.yml"),
        format!("# local stack\n# see README\n{compose}"),
    )
    .unwrap();
    let (code, report) = audit_json(repo.path(), &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(
        code, 0,
        "moved findings must stay baselined: {:#}",
        report["gate"]
    );
    assert_eq!(
        findings_of(&report, "DOCK001"),
        vec!["Dockerfile:3 base image `node:latest` uses the floating tag `latest`"]
    );
    assert_eq!(outcome(&report, "DOCK001"), "waived");
    assert_eq!(report["summary"]["waived_findings"], recorded as u64);

    // One new problem fails the gate and is the only one named.
    let compose = std::fs::read_to_string(repo.join("docker-compose.yml")).unwrap();
    std::fs::write(
        repo.join("docker-compose.yml"),
        format!("{compose}  cache:\n    image: redis:7.2\n    privileged: true\n"),
    )
    .unwrap();
    let (code, report) = audit_json(repo.path(), &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(code, 1);
    let reasons = report["gate"]["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 1);
    assert_eq!(reasons[0], "1 finding at or above `high` (COMP002)");
    let comp2 = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "COMP002")
        .unwrap();
    let open: Vec<&serde_json::Value> = comp2["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("waiver").is_none())
        .collect();
    assert_eq!(open.len(), 1);
    assert!(open[0]["message"].as_str().unwrap().contains("`cache`"));
    // --no-ignore shows everything again.
    let (code, report) = audit_json(
        repo.path(),
        &["--baseline", baseline.to_str().unwrap(), "--no-ignore"],
    );
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["waived_findings"], 0);
}

#[test]
fn baseline_keeps_identical_findings_in_different_files_apart() {
    let repo = TestRepo::new()
        .file("a/Dockerfile", "FROM node:latest\nUSER 1\n")
        .file("b/Dockerfile", "FROM node:latest\nUSER 1\n");
    let baseline = repo.join("b.json");
    readycheck()
        .args(["baseline", "--select", "DOCK001", "-o"])
        .arg(&baseline)
        .arg(repo.path())
        .assert()
        .code(0);
    std::fs::remove_dir_all(repo.join("b")).unwrap();
    let repo2 = repo.file("c/Dockerfile", "FROM node:latest\nUSER 1\n");
    let (code, report) = audit_json(
        repo2.path(),
        &[
            "--select",
            "DOCK001",
            "--baseline",
            baseline.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "the copy in a new file is a new finding");
    assert_eq!(outcome(&report, "DOCK001"), "fail");
}

#[test]
fn inline_suppressions_in_each_comment_syntax() {
    let repo = TestRepo::new()
        .file("Dockerfile", "# readycheck: ignore[DOCK001] pinned by the build system\nFROM node:latest\nUSER 1000\n")
        .file("docker-compose.yml", "services:\n  db:\n    image: postgres:16.3\n    privileged: true # readycheck: ignore[privileged-compose-service] needs raw sockets\n")
        .file("src/app.js", "const k = 1;\n// readycheck: ignore[ACME001] fixture text\nconst todo = 'TODO';\n")
        .file("db/init.sql", "SELECT 1; -- readycheck: ignore[ACME001] seed data TODO\n")
        .file("docs/page.md", "<!-- readycheck: ignore[ACME001] documented -->\nTODO later\n");
    let rules = TestRepo::new().file(
        "ACME001-todo.yaml",
        "id: ACME001\nname: todo-left\ntitle: TODO left\ncategory: operability\nseverity: high\nsince: 0.1.0\ncheck:\n  kind: text_match\n  params:\n    paths: [\"*.js\", \"*.sql\", \"*.md\"]\n    pattern: 'TODO'\n    expect: absent\nwhy: w\nfix: f\nexamples:\n  - {name: a, expect: fail, files: {a.js: \"TODO\"}}\n  - {name: b, expect: pass, files: {a.js: \"x\"}}\n",
    );
    let (code, report) = audit_json(
        repo.path(),
        &[
            "--select",
            "DOCK001,COMP002,ACME001",
            "--rules",
            rules.path().to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{:#}", report["results"]);
    for id in ["DOCK001", "COMP002", "ACME001"] {
        assert_eq!(outcome(&report, id), "waived", "{id}");
    }
    let comp = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "COMP002")
        .unwrap();
    assert_eq!(comp["findings"][0]["waiver"]["kind"], "inline");
    assert_eq!(comp["findings"][0]["waiver"]["reason"], "needs raw sockets");
    // Waived rules are left out of the score like skipped ones.
    assert_eq!(report["score"]["overall"]["possible"], 0);
    // Still visible in SARIF, as suppressions.
    let out = readycheck()
        .args(["audit", "--format", "sarif", "--select", "DOCK001"])
        .arg(repo.path())
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["suppressions"][0]["kind"],
        "inSource"
    );
    assert_eq!(
        sarif["runs"][0]["results"][0]["suppressions"][0]["justification"],
        "pinned by the build system"
    );
}

#[test]
fn a_suppression_without_a_reason_does_not_apply_and_warns() {
    // Docker has no trailing comments: the directive goes on the line above.
    let repo = TestRepo::new().file(
        "Dockerfile",
        "# readycheck: ignore[DOCK001]\nFROM node:latest\nUSER 1\n",
    );
    let out = readycheck()
        .args(["audit", "--select", "DOCK001", "--format", "json"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("Dockerfile:2: `readycheck: ignore[DOCK001]` has no reason; not applied")
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcome(&report, "DOCK001"), "fail");
    assert_eq!(report["warnings"].as_array().unwrap().len(), 1);
}

#[test]
fn config_waivers_need_a_reason_expire_and_warn_when_unused() {
    let base = TestRepo::new()
        .file("worker.Dockerfile", "FROM node:latest\nUSER 1\n")
        .file("Dockerfile", "FROM node:20.11\nUSER 1\n");
    let repo = base.file(
        "readycheck.toml",
        "[[waivers]]\nrule = \"DOCK001\"\npaths = [\"worker.Dockerfile\"]\nreason = \"worker image, rebuilt daily\"\nexpires = 2026-12-31\n\n[[waivers]]\nrule = \"root-user\"\npaths = [\"nothing/\"]\nreason = \"old\"\n",
    );
    let out = readycheck()
        .env("READYCHECK_TODAY", "2026-11-24")
        .args(["audit", "--select", "DOCK001,DOCK002", "--format", "json"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("waivers[1] (rule `root-user`) for `nothing/` matched no finding"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcome(&report, "DOCK001"), "waived");
    // After the expiry date the finding counts again, with a warning.
    let out = readycheck()
        .env("READYCHECK_TODAY", "2027-01-01")
        .args(["audit", "--select", "DOCK001"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expired on 2026-12-31"));
    // A waiver without a reason is a config error.
    let bad = TestRepo::new().file(
        "readycheck.toml",
        "[[waivers]]\nrule = \"DOCK001\"\nreason = \"  \"\n",
    );
    readycheck()
        .arg("audit")
        .arg(bad.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`reason` must say why"));
    let bad = TestRepo::new().file("readycheck.toml", "[[waivers]]\nrule = \"DOCK001\"\n");
    readycheck()
        .arg("audit")
        .arg(bad.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing field `reason`"));
}

#[test]
fn init_writes_a_tailored_config_that_loads() {
    let repo = TestRepo::from_fixture("typical-gaps");
    readycheck().arg("init").arg(repo.path()).assert().code(0);
    let text = std::fs::read_to_string(repo.join("readycheck.toml")).unwrap();
    assert!(
        text.contains("stack Node; Dockerfile: yes; compose: yes; Kubernetes: no; CI: none found"),
        "{text}"
    );
    assert!(text.contains("select = [\"CI\", \"DOCS\", \"CONF\", \"DOCK\", \"COMP\"]"));
    let (code, report) = audit_json(repo.path(), &[]);
    assert!(code == 0 || code == 1);
    assert!(ids_with(&report, "fail").iter().all(|id| {
        ["CI", "DOCS", "CONF", "DOCK", "COMP"]
            .iter()
            .any(|p| id.starts_with(p))
    }));
    readycheck()
        .arg("init")
        .arg(repo.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pass --force"));
    readycheck()
        .args(["init", "--force"])
        .arg(repo.path())
        .assert()
        .code(0);
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        readycheck()
            .args(["completions", shell])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("readycheck"));
    }
    readycheck()
        .arg("man")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(".TH readycheck"));
}

#[test]
fn committed_man_page_is_fresh() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/readycheck.1");
    let fresh = readycheck::commands::man_page().unwrap();
    if std::env::var_os("READYCHECK_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    assert_eq!(
        std::fs::read(&path).unwrap_or_default(),
        fresh,
        "docs/readycheck.1 is stale: run READYCHECK_BLESS=1 cargo test --test adoption"
    );
}

#[test]
fn the_repository_audits_itself_and_scores_100() {
    let root = env!("CARGO_MANIFEST_DIR");
    let (code, report) = audit_json(std::path::Path::new(root), &[]);
    let failed = ids_with(&report, "fail");
    assert!(
        failed.is_empty(),
        "self-audit fails: {failed:?} {:#}",
        report["gate"]
    );
    assert_eq!(code, 0);
    assert_eq!(report["score"]["overall"]["score"], 100);
    assert!(
        report["warnings"].as_array().unwrap().is_empty(),
        "{:#}",
        report["warnings"]
    );
}

/// Identical findings in one file get an occurrence index: removing one of two identical
/// stages leaves the other matched (index 0) and nothing new.
#[test]
fn baseline_counts_identical_findings_in_one_file() {
    let two = "FROM node:latest\nRUN true\nFROM node:latest\nRUN true\nFROM alpine:3.20 AS final\nUSER 1\n";
    let repo = TestRepo::new().file("Dockerfile", two);
    let baseline = repo.join("b.json");
    readycheck()
        .args(["baseline", "--select", "DOCK001", "-o"])
        .arg(&baseline)
        .arg(repo.path())
        .assert()
        .code(0);
    let b: serde_json::Value = serde_json::from_slice(&std::fs::read(&baseline).unwrap()).unwrap();
    let entries = b["findings"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["message"], entries[1]["message"]);
    assert_ne!(entries[0]["fingerprint"], entries[1]["fingerprint"]);
    let one = "# one stage fewer\nFROM node:latest\nRUN true\nFROM alpine:3.20 AS final\nUSER 1\n";
    std::fs::write(repo.join("Dockerfile"), one).unwrap();
    let args = [
        "--select",
        "DOCK001",
        "--baseline",
        baseline.to_str().unwrap(),
    ];
    let (code, report) = audit_json(repo.path(), &args);
    assert_eq!(code, 0, "{:#}", report["gate"]);
    assert_eq!(outcome(&report, "DOCK001"), "waived");
    assert_eq!(
        report["warnings"],
        serde_json::json!([
            "1 baseline entry no longer matches a finding (fixed or changed); run `readycheck baseline` again to drop it"
        ])
    );
    // A second identical stage again: index 1 is in the baseline too.
    std::fs::write(repo.join("Dockerfile"), two).unwrap();
    assert_eq!(audit_json(repo.path(), &args).0, 0);
    // A third one is new.
    std::fs::write(
        repo.join("Dockerfile"),
        format!("FROM node:latest\nRUN true\n{two}"),
    )
    .unwrap();
    assert_eq!(audit_json(repo.path(), &args).0, 1);
}

/// A directive only counts in the comment syntax of the file's language.
#[test]
fn suppression_in_the_wrong_comment_syntax_does_not_apply() {
    let rules = TestRepo::new().file(
        "ACME001-todo.yaml",
        "id: ACME001\nname: todo-left\ntitle: TODO left\ncategory: operability\nseverity: high\nsince: 0.1.0\ncheck:\n  kind: text_match\n  params:\n    paths: [\"*.js\", \"*.rs\"]\n    pattern: 'TODO'\n    expect: absent\nwhy: w\nfix: f\nexamples:\n  - {name: a, expect: fail, files: {a.js: \"TODO\"}}\n  - {name: b, expect: pass, files: {a.js: \"x\"}}\n",
    );
    let args = [
        "--select",
        "ACME001",
        "--rules",
        rules.path().to_str().unwrap(),
    ];
    // `#` is not a JavaScript comment.
    let repo = TestRepo::new().file(
        "src/app.js",
        "# readycheck: ignore[ACME001] not a comment here\nconst todo = 'TODO';\n",
    );
    let (code, report) = audit_json(repo.path(), &args);
    assert_eq!(code, 1);
    assert_eq!(outcome(&report, "ACME001"), "fail");
    // Directive text inside a string literal is not a comment either.
    let repo = TestRepo::new().file(
        "src/lib.rs",
        "let s = \"// readycheck: ignore[ACME001] in a string\"; // TODO\n",
    );
    let (code, _) = audit_json(repo.path(), &args);
    assert_eq!(code, 1);
    // The same directive as a real `//` comment applies.
    let repo = TestRepo::new().file(
        "src/app.js",
        "// readycheck: ignore[ACME001] tracked in the issue tracker\nconst todo = 'TODO';\n",
    );
    let (code, report) = audit_json(repo.path(), &args);
    assert_eq!(code, 0);
    assert_eq!(outcome(&report, "ACME001"), "waived");
}

#[test]
fn explain_accepts_names_and_suggests_on_typos() {
    readycheck()
        .args(["explain", "Root-User"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("DOCK002 · root-user"));
    readycheck()
        .args(["explain", "unpined-base-image"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean `unpinned-base-image`?",
        ));
    readycheck()
        .args(["explain", "dock01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `DOCK001`?"));
}

fn repo_yaml(path: &str) -> serde_json::Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    serde_saphyr::from_str(&std::fs::read_to_string(p).unwrap())
        .unwrap_or_else(|e| panic!("{path} is not valid YAML: {e}"))
}

/// `action.yml` must be valid YAML (GitHub refuses the action otherwise), composite, with
/// every third-party action pinned by commit SHA and no `${{ }}` inside scripts.
#[test]
fn action_is_valid_composite_with_sha_pinned_actions() {
    let action = repo_yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    for input in ["path", "fail-on", "min-score", "args", "sarif"] {
        assert!(action["inputs"].get(input).is_some(), "input {input}");
    }
    let steps = action["runs"]["steps"].as_array().unwrap();
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert!(
        uses.iter()
            .any(|u| u.starts_with("github/codeql-action/upload-sarif@"))
    );
    for u in uses {
        let sha = u.rsplit('@').next().unwrap();
        assert!(
            sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
            "{u} is not pinned by SHA"
        );
    }
    for s in steps {
        if let Some(run) = s["run"].as_str() {
            assert!(!run.contains("${{"), "expression in a script: {run}");
        }
    }
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml"),
    )
    .unwrap();
    assert!(text.contains("GITHUB_STEP_SUMMARY"));
}

#[test]
fn pre_commit_hooks_run_the_audit() {
    let hooks = repo_yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().unwrap();
    assert!(!hooks.is_empty());
    for h in hooks {
        assert!(h["entry"].as_str().unwrap().starts_with("readycheck audit"));
        assert!(["rust", "system"].contains(&h["language"].as_str().unwrap()));
        assert_eq!(h["pass_filenames"], false);
    }
}

/// A directive that covers nothing is reported, like an unused config waiver; a directive
/// for a rule that did not run (`--select`) is not.
#[test]
fn unused_inline_suppression_warns() {
    let repo = TestRepo::new().file(
        "Dockerfile",
        "# readycheck: ignore[DOCK001] pinned by the build system\nFROM node:latest\n# readycheck: ignore[DOCK001] nothing to cover here\nRUN true\n# readycheck: ignore[root-user] runs as root on purpose\nUSER root\n",
    );
    let out = readycheck()
        .args(["audit", "--select", "DOCK001", "--format", "json"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["warnings"],
        serde_json::json!([
            "Dockerfile:3: `readycheck: ignore[DOCK001]` matched no finding; remove it"
        ])
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "readycheck: warning: Dockerfile:3: `readycheck: ignore[DOCK001]` matched no finding"
    ));
}

#[test]
fn init_detects_kubernetes_and_ci_and_loads_on_an_empty_repository() {
    let repo = TestRepo::from_fixture("exemplary");
    readycheck().arg("init").arg(repo.path()).assert().code(0);
    let text = std::fs::read_to_string(repo.join("readycheck.toml")).unwrap();
    assert!(
        text.contains("Dockerfile: yes; compose: yes; Kubernetes: yes; CI: GitHub Actions"),
        "{text}"
    );
    assert!(
        text.contains("\"KUBE\"") && text.contains("# [[waivers]]"),
        "{text}"
    );
    readycheck::settings::parse(&text, "readycheck.toml").unwrap();
    // The exemplary repository still passes with the config init wrote.
    readycheck().arg("audit").arg(repo.path()).assert().code(0);

    let empty = TestRepo::new();
    readycheck().arg("init").arg(empty.path()).assert().code(0);
    let text = std::fs::read_to_string(empty.join("readycheck.toml")).unwrap();
    assert!(text.contains("Kubernetes: no; CI: none found"), "{text}");
    readycheck::settings::parse(&text, "readycheck.toml").unwrap();
}
