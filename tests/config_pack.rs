//! The configuration and secrets pack on a repository with planted (fake, pattern-valid)
//! secrets: each is found at its line, and no secret value, nor any 8-character piece of one,
//! appears in any output format.

mod common;

use common::{TestRepo, readycheck};

const AWS: &str = "AKIAZ7QWERTYUIOPLKJH";
const STRIPE: &str = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
const GITHUB: &str = "ghp_R8mT2xV9qL4nW7pK3sJ6hB1cF5dG0aZyXeUo";
const PASSWORD: &str = "Zx9!kQ2#mP7vLw4$";
const KEY_BODY: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";

fn repo() -> TestRepo {
    TestRepo::new()
        .file(
            "requirements.txt",
            "fastapi==0.115.0\nuvicorn==0.30.6\n",
        )
        .file(
            "app/settings.py",
            &format!(
                "import os\n\nAWS_ACCESS_KEY_ID = \"{AWS}\"\nDB_PASSWORD = \"{PASSWORD}\"\nAPI_KEY = \"changeme\"\nTOKEN = \"${{TOKEN}}\"\n"
            ),
        )
        .file(
            "app/billing.py",
            &format!("import stripe\n\nstripe.api_key = \"{STRIPE}\"\n"),
        )
        .file(
            ".github/workflows/release.yml",
            &format!(
                "on: push\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - run: gh release create --repo org/app\n        env:\n          GH_TOKEN: {GITHUB}\n"
            ),
        )
        .file(
            "deploy/server.key",
            &format!("-----BEGIN PRIVATE KEY-----\n{KEY_BODY}\n-----END PRIVATE KEY-----\n"),
        )
        .file(".env.example", "DB_PASSWORD=\nAWS_ACCESS_KEY_ID=\n")
}

fn run(repo: &TestRepo, format: &str) -> (i32, String) {
    let out = readycheck()
        .args([
            "audit",
            "--no-config",
            "--select",
            "CONF",
            "--format",
            format,
        ])
        .arg(repo.path())
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn planted_secrets_are_found_at_their_lines() {
    let repo = repo();
    let (code, out) = run(&repo, "json");
    assert_eq!(code, 1);
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let at = |id: &str| -> Vec<String> {
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{}:{}",
                    f["location"]["path"].as_str().unwrap_or(""),
                    f["location"]["line"]
                )
            })
            .collect()
    };
    let conf5 = at("CONF005");
    for want in [
        "app/settings.py:3",
        "app/settings.py:4",
        "app/billing.py:3",
        ".github/workflows/release.yml:8",
    ] {
        assert!(conf5.iter().any(|l| l == want), "{want} not in {conf5:?}");
    }
    // Placeholders (`changeme`, `${TOKEN}`) are not secrets.
    assert!(
        !conf5
            .iter()
            .any(|l| l == "app/settings.py:5" || l == "app/settings.py:6")
    );
    assert_eq!(at("CONF003"), vec!["deploy/server.key:1"]);
}

#[test]
fn no_secret_value_appears_in_any_output_format() {
    let repo = repo();
    for format in [
        "table", "json", "sarif", "junit", "markdown", "github", "html",
    ] {
        let (code, out) = run(&repo, format);
        assert_eq!(code, 1, "{format}");
        for secret in [AWS, STRIPE, GITHUB, PASSWORD, KEY_BODY] {
            let chars: Vec<char> = secret.chars().collect();
            for w in chars.windows(8) {
                let piece: String = w.iter().collect();
                assert!(
                    !out.contains(&piece),
                    "{format} output shows `{piece}` of a planted secret"
                );
            }
        }
    }
}
