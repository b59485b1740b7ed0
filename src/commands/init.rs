//! `readycheck init`: a commented `readycheck.toml` tailored to what the repository holds.

use crate::cli::InitArgs;
use crate::exit::ExitStatus;
use anyhow::bail;
use std::fmt::Write as _;
use std::path::Path;

fn any(root: &Path, names: &[&str]) -> bool {
    names.iter().any(|n| root.join(n).exists())
}

fn any_file_named(root: &Path, pred: &dyn Fn(&str) -> bool) -> bool {
    ignore::WalkBuilder::new(root)
        .hidden(false)
        .max_depth(Some(4))
        .build()
        .filter_map(Result::ok)
        .any(|e| {
            e.file_type().is_some_and(|t| t.is_file()) && pred(&e.file_name().to_string_lossy())
        })
}

/// Builds the config text for a repository.
#[must_use]
pub fn template(root: &Path) -> String {
    let dockerfile = any_file_named(root, &|n| {
        n == "Dockerfile"
            || n.ends_with(".Dockerfile")
            || n.starts_with("Dockerfile.")
            || n == "Containerfile"
    });
    let compose = any_file_named(root, &|n| {
        (n.starts_with("docker-compose") || n.starts_with("compose"))
            && (n.ends_with(".yml") || n.ends_with(".yaml"))
    });
    let k8s = any(
        root,
        &["k8s", "kubernetes", "deploy", "manifests", "charts", "helm"],
    ) || any_file_named(root, &|n| n == "Chart.yaml" || n == "kustomization.yaml");
    let mut stacks = Vec::new();
    for (stack, files) in [
        (
            "Python",
            &["pyproject.toml", "requirements.txt", "setup.py", "Pipfile"][..],
        ),
        ("Node", &["package.json"][..]),
        ("Go", &["go.mod"][..]),
        ("Rust", &["Cargo.toml"][..]),
        ("Java", &["pom.xml", "build.gradle", "build.gradle.kts"][..]),
    ] {
        if any(root, files) {
            stacks.push(stack);
        }
    }
    let ci = if root.join(".github/workflows").is_dir() {
        "GitHub Actions"
    } else if root.join(".gitlab-ci.yml").exists() {
        "GitLab CI"
    } else if root.join(".circleci").is_dir() {
        "CircleCI"
    } else if root.join("Jenkinsfile").exists() {
        "Jenkins"
    } else {
        "none found"
    };
    let mut select = vec!["CI", "DOCS", "CONF"];
    if dockerfile {
        select.push("DOCK");
    }
    if compose {
        select.push("COMP");
    }
    if k8s {
        select.push("KUBE");
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# readycheck configuration (written by `readycheck init`)."
    );
    let _ = writeln!(
        s,
        "# Detected: stack {}; Dockerfile: {}; compose: {}; Kubernetes: {}; CI: {ci}.",
        if stacks.is_empty() {
            "unknown".to_owned()
        } else {
            stacks.join(", ")
        },
        yes(dockerfile),
        yes(compose),
        yes(k8s)
    );
    let _ = writeln!(
        s,
        "# Every key is optional; `readycheck explain ID` documents each rule.\nversion = 1\n"
    );
    let _ = writeln!(s, "[rules]");
    let _ = writeln!(
        s,
        "# Rule areas relevant to what was detected (ids, prefixes, names, category:X, tag:X)."
    );
    let _ = writeln!(s, "# Remove the line to run every stable rule.");
    let list: Vec<String> = select.iter().map(|x| format!("\"{x}\"")).collect();
    let _ = writeln!(s, "select = [{}]", list.join(", "));
    let _ = writeln!(
        s,
        "ignore = []\n# severity = {{ DOCK003 = \"low\" }}\n# extra_dirs = [\".readycheck/rules\"]\n"
    );
    let _ = writeln!(
        s,
        "[gate]\n# Fail CI on findings at or above this severity: none, info, low, medium, high, critical."
    );
    let _ = writeln!(
        s,
        "fail_on = \"high\"\n# Fail CI below this score (0-100).\n# min_score = 80\n"
    );
    let _ = writeln!(
        s,
        "[scan]\n# Paths to leave out (gitignore-style), e.g. test fixtures and examples.\nexclude = []\n"
    );
    let _ = writeln!(
        s,
        "# Accept a finding for a stated reason, optionally until a date:"
    );
    let _ = writeln!(
        s,
        "# [[waivers]]\n# rule = \"DOCK001\"\n# paths = [\"docker/dev.Dockerfile\"]\n# reason = \"local development image, never deployed\"\n# expires = 2026-12-31"
    );
    s
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// `readycheck init`.
pub fn run(args: &InitArgs) -> anyhow::Result<ExitStatus> {
    if !args.path.is_dir() {
        bail!(
            "cannot configure `{}`: not a directory",
            args.path.display()
        );
    }
    let target = args.path.join("readycheck.toml");
    if target.exists() && !args.force {
        bail!(
            "`{}` exists; pass --force to overwrite it",
            target.display()
        );
    }
    let text = template(&args.path);
    super::write_atomic(&target, |w| w.write_all(text.as_bytes()))?;
    let _ = std::io::Write::write_all(
        &mut std::io::stderr().lock(),
        format!("readycheck: wrote {}\n", target.display()).as_bytes(),
    );
    Ok(ExitStatus::Passed)
}
