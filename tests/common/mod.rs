//! Shared test helpers: temp-dir copies of fixture repositories and the real binary.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// A repository in a temporary directory, removed on drop.
pub struct TestRepo {
    dir: tempfile::TempDir,
}

impl TestRepo {
    /// An empty repository.
    pub fn new() -> Self {
        TestRepo {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// A copy of `fixtures/repos/<name>`, so parent `.gitignore` files and test edits cannot leak in.
    pub fn from_fixture(name: &str) -> Self {
        let repo = TestRepo::new();
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/repos")
            .join(name);
        copy_dir(&src, repo.path());
        repo
    }

    /// Adds or replaces a file.
    pub fn file(self, rel: &str, content: &str) -> Self {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, content).expect("write");
        self
    }

    /// The root.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.path().join(rel)
    }
}

fn copy_dir(src: &Path, dst: &Path) {
    for entry in std::fs::read_dir(src).expect("read fixture") {
        let entry = entry.expect("entry");
        let to = dst.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&to).expect("mkdir");
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
}

/// The readycheck binary with colour off and no inherited config.
pub fn readycheck() -> Command {
    let mut cmd = Command::cargo_bin("readycheck").expect("binary");
    cmd.env_remove("READYCHECK_CONFIG").env("NO_COLOR", "1");
    cmd
}

/// Runs `audit --format json` on a repository and parses the report.
pub fn audit_json(repo: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = readycheck()
        .arg("audit")
        .arg(repo)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("run");
    let code = out.status.code().expect("exit code");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, json)
}

/// Rule ids with a given outcome.
pub fn ids_with(report: &serde_json::Value, outcome: &str) -> Vec<String> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["outcome"] == outcome)
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

/// `path:line message` of every finding of a rule.
pub fn findings_of(report: &serde_json::Value, id: &str) -> Vec<String> {
    let rule = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["id"] == id)
        .expect("rule in report");
    rule["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let loc = &f["location"];
            match (loc["path"].as_str(), loc["line"].as_u64()) {
                (Some(p), Some(l)) => format!("{p}:{l} {}", f["message"].as_str().unwrap_or("")),
                (Some(p), None) => format!("{p} {}", f["message"].as_str().unwrap_or("")),
                _ => format!("(repository) {}", f["message"].as_str().unwrap_or("")),
            }
        })
        .collect()
}

/// `http://127.0.0.1:PORT` for a port that was just free: nothing listens, connections are
/// refused.
pub fn refused_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    format!("http://127.0.0.1:{port}")
}
