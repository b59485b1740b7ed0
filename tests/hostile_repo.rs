//! A hostile repository generated at test time: YAML bombs, 10 000-deep nesting, a 100 MB
//! single-line file, invalid UTF-8 in contents and names, a FIFO and a socket, symlink loops,
//! an unreadable directory, 100 000 empty files and a Dockerfile of 1 MB of continuations.
//! The audit must finish (a generous hang guard, not a speed test), report what it skipped
//! and why, and exit with a documented code.

#![cfg(unix)]

mod common;

use common::{TestRepo, readycheck};
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;

fn billion_laughs() -> String {
    let mut s = String::from(
        "services:\n  x:\n    image: a:1\nx-bomb:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = 'a';
    for c in 'b'..='j' {
        let refs = vec![format!("*{prev}"); 9].join(",");
        s.push_str(&format!("  {c}: &{c} [{refs}]\n"));
        prev = c;
    }
    s
}

#[test]
fn hostile_repository_is_audited_in_bounded_time_with_everything_explained() {
    let repo = TestRepo::new()
        .file("README.md", "# hostile\n")
        .file("docker-compose.yml", &billion_laughs())
        .file(
            "k8s/deep.yaml",
            &format!(
                "apiVersion: apps/v1\nkind: Deployment\nspec: {}{}\n",
                "[".repeat(10_000),
                "]".repeat(10_000)
            ),
        )
        .file(
            "Dockerfile",
            &format!(
                "FROM alpine:3.20\nRUN echo {}done\nUSER 1000\n",
                "\\\n".repeat(500_000)
            ),
        );
    // A 100 MB single line.
    std::fs::write(repo.join("huge.txt"), vec![b'a'; 100 * 1024 * 1024]).unwrap();
    // Invalid UTF-8 in contents and in a file name.
    std::fs::write(repo.join("latin1.py"), b"print('caf\xe9')\nAPI_KEY = 1\n").unwrap();
    std::fs::write(
        repo.path()
            .join(std::ffi::OsStr::from_bytes(b"bad\xffname.env")),
        // A credential, so CONF002 must open the file by its real (non-UTF-8) name.
        b"A=1\nAPI_TOKEN=Zq8vN3kLp2Xw7Rt5\n",
    )
    .unwrap();
    // A FIFO (reading it would block forever) and a socket.
    assert!(
        std::process::Command::new("mkfifo")
            .arg(repo.join("pipe"))
            .status()
            .unwrap()
            .success()
    );
    let _socket = std::os::unix::net::UnixListener::bind(repo.join("sock")).unwrap();
    // Symlink loops.
    std::os::unix::fs::symlink(repo.join("loop-a"), repo.join("loop-b")).unwrap();
    std::os::unix::fs::symlink(repo.join("loop-b"), repo.join("loop-a")).unwrap();
    std::os::unix::fs::symlink(repo.path(), repo.join("k8s/up")).unwrap();
    // 100 000 empty files.
    for d in 0..100 {
        let dir = repo.join(&format!("many/{d:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..1000 {
            std::fs::File::create(dir.join(format!("{f:04}.txt"))).unwrap();
        }
    }
    // A directory without read permission (root reads it anyway).
    std::fs::create_dir_all(repo.join("locked")).unwrap();
    std::fs::write(repo.join("locked/x.env"), "A=1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(repo.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();

    let out = readycheck()
        .args(["audit", "--format", "json"])
        .arg(repo.path())
        .timeout(Duration::from_secs(240))
        .output()
        .unwrap();
    std::fs::set_permissions(repo.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let code = out
        .status
        .code()
        .expect("finished, not killed by the hang guard");
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["summary"]["files"].as_u64().unwrap() >= 100_000);

    let skipped: Vec<(String, String)> = report["skipped_paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_owned(),
                s["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let reason = |p: &str| {
        skipped
            .iter()
            .find(|(path, _)| path == p)
            .map(|(_, r)| r.clone())
    };
    assert_eq!(reason("pipe").as_deref(), Some("not a regular file"));
    assert_eq!(reason("sock").as_deref(), Some("not a regular file"));
    assert_eq!(
        reason("loop-a").as_deref(),
        Some("symbolic link, not followed")
    );
    // A link back into the tree: its target is audited, so it is not "not examined".
    assert_eq!(reason("k8s/up"), None);
    assert_eq!(
        reason("huge.txt").as_deref(),
        Some("100.0 MiB is over the 2.0 MiB size cap")
    );

    let result = |id: &str| {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    // The bomb is refused by the YAML budget: the compose rules say so instead of expanding it.
    let comp = result("COMP001");
    assert_eq!(comp["outcome"], "inconclusive");
    assert!(
        comp["reason"]
            .as_str()
            .unwrap()
            .contains("docker-compose.yml:")
            && comp["reason"].as_str().unwrap().contains("budget"),
        "{comp}"
    );
    // 10 000-deep nesting hits the recursion limit with a position.
    let kube = result("KUBE001");
    assert!(
        kube["reason"]
            .as_str()
            .unwrap()
            .contains("k8s/deep.yaml:3:"),
        "{kube}"
    );
    // The 1 MB continuation Dockerfile parses: its USER is found.
    assert_eq!(result("DOCK002")["outcome"], "pass");
    // A file with an invalid UTF-8 name is read (by its real path) and reported under a
    // lossy name (a committed env file that sets a credential), never a panic.
    let env = result("CONF002");
    assert_eq!(
        env["findings"][0]["location"]["path"], "bad\u{fffd}name.env",
        "{env}"
    );
    assert_eq!(env["findings"][0]["location"]["line"], 2, "{env}");
}
