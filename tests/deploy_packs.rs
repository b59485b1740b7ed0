//! End-to-end checks of the deployment rule packs (DOCK, COMP, KUBE): the real binary on
//! tempdir copies of fixture repositories, asserting exactly which rules fail and where.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Runs `readycheck audit` on a copy of the fixture and returns the JSON report.
fn audit(fixture: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(fixture);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/repos")
            .join(fixture),
        &root,
    );
    let out = Command::cargo_bin("readycheck")
        .unwrap()
        .args(["audit", "--select", "DOCK,COMP,KUBE", "--format", "json"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `RULE path:line` for every finding of every failing rule.
fn findings(report: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in report["results"].as_array().unwrap() {
        for f in r["findings"].as_array().into_iter().flatten() {
            let loc = &f["location"];
            let place = match loc["line"].as_u64() {
                Some(l) => format!("{}:{l}", loc["path"].as_str().unwrap_or("")),
                None => loc["path"].as_str().unwrap_or("(repository)").to_owned(),
            };
            out.insert(format!("{} {place}", r["id"].as_str().unwrap()));
        }
    }
    out
}

fn outcome<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no result for {id}"))
}

fn no_inconclusive(report: &Value) {
    for r in report["results"].as_array().unwrap() {
        assert_ne!(r["outcome"], "inconclusive", "{}: {}", r["id"], r["reason"]);
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn compose_stack_fails_exactly_where_expected() {
    let report = audit("compose-stack");
    no_inconclusive(&report);
    assert_eq!(
        findings(&report),
        set(&[
            // `cache` has no health check; `api` gets one from the prod overlay, `worker`
            // from its Dockerfile, and the test file's `sut` is not judged.
            "COMP001 docker-compose.yml:29",
            "COMP005 docker-compose.yml:38",
            // Short-syntax dependency on a healthchecked db; explicit conditions pass.
            "COMP007 docker-compose.yml:16",
            // `5432:5432` fails; `${REDIS_BIND:-127.0.0.1}:6379:6379` passes.
            "COMP008 docker-compose.yml:24",
            // `redis` is untagged; `${PROXY_IMAGE:-traefik:v3.1.2}` and build-only pass.
            "COMP009 docker-compose.yml:30",
            // `USER node` in the builder stage does not carry over.
            "DOCK002 api/Dockerfile:10",
            "DOCK008 worker/Dockerfile:2",
            "DOCK014 worker/Dockerfile:6",
            // Compose builds `./worker`, so `worker/.dockerignore` is the one that applies.
            "DOCK018 worker/.dockerignore",
            "DOCK019 worker/.dockerignore",
        ])
    );
    // Overlay-merged services pass and say so.
    for id in [
        "COMP003", "COMP004", "DOCK003", "DOCK016", "DOCK007", "DOCK001",
    ] {
        assert_eq!(outcome(&report, id)["outcome"], "pass", "{id}");
    }
    let evidence = outcome(&report, "DOCK003")["evidence"].to_string();
    assert!(
        evidence
            .contains("Compose service `api` in `docker-compose.yml` declares `healthcheck.test`"),
        "{evidence}"
    );
    let evidence = outcome(&report, "COMP001")["evidence"].to_string();
    assert!(evidence.contains("worker/Dockerfile:10"), "{evidence}");
}

#[test]
fn k8s_manifests_fail_exactly_where_expected_and_skip_helm() {
    let report = audit("k8s-manifests");
    no_inconclusive(&report);
    assert_eq!(
        findings(&report),
        set(&[
            // Init containers count for resources, not for probes.
            "KUBE002 k8s/api.yaml:17",
            "KUBE005 k8s/api.yaml:17",
            "KUBE004 k8s/worker.yaml:22",
            // `runAsUser: 0` is root even though other containers inherit runAsNonRoot.
            "KUBE006 k8s/jobs.yaml:14",
            "KUBE008 k8s/worker.yaml:18",
            "KUBE009 k8s/jobs.yaml:11",
            "KUBE010 k8s/worker.yaml:14",
            "KUBE011 k8s/worker.yaml:4",
            "KUBE012 k8s/worker.yaml:4",
        ])
    );
    // The image built from src/api runs as non-root and is probed by Kubernetes.
    for id in ["DOCK002", "DOCK003", "KUBE001", "KUBE003", "KUBE007"] {
        assert_eq!(outcome(&report, id)["outcome"], "pass", "{id}");
    }
    let evidence = outcome(&report, "DOCK003")["evidence"].to_string();
    assert!(evidence.contains("k8s/api.yaml"), "{evidence}");
    // The Helm template is never parsed, so it cannot make a rule inconclusive.
    assert!(
        !report
            .to_string()
            .contains("chart/templates/deployment.yaml` does not parse")
    );
}

#[test]
fn helm_only_repository_skips_kubernetes_rules_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("chart-only");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/repos/k8s-manifests/chart"),
        &root.join("chart"),
    );
    let out = Command::cargo_bin("readycheck")
        .unwrap()
        .args(["audit", "--select", "KUBE", "--format", "json"])
        .arg(&root)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = outcome(&report, "KUBE001");
    assert_eq!(r["outcome"], "skipped", "{r}");
    assert!(r["reason"].as_str().unwrap().contains("Helm"), "{r}");
}

#[test]
fn exemplary_passes_every_deployment_rule() {
    let report = audit("exemplary");
    for r in report["results"].as_array().unwrap() {
        assert_eq!(r["outcome"], "pass", "{} {}", r["id"], r["findings"]);
    }
}

#[test]
fn typical_gaps_shows_the_usual_problems() {
    let report = audit("typical-gaps");
    let got = findings(&report);
    for want in [
        "DOCK001 Dockerfile:1",
        "DOCK004 Dockerfile:6",
        "DOCK020 Dockerfile:4",
        "DOCK006 Dockerfile",
        "COMP001 docker-compose.yml:3",
        "COMP002 docker-compose.yml:13",
        "COMP008 docker-compose.yml:15",
        "COMP009 docker-compose.yml:12",
    ] {
        assert!(got.contains(want), "{want} not in {got:#?}");
    }
    // No `.dockerignore` at all is one finding (DOCK006), not one more per `COPY . .`.
    assert_eq!(outcome(&report, "DOCK016")["outcome"], "skipped");
}
