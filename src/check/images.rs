//! Which Dockerfiles the Dockerfile rules judge, decided in one place so that no two rules
//! disagree about the same file: every Dockerfile of the rule's roles (production by
//! default), with or without `EXPOSE`, except images whose final command is a test runner
//! or a build or code-generation tool.

use super::CheckCx;
use crate::collect::select::SelectorId;
use crate::parse::dockerfile::{Dockerfile, Form, Instr};
use std::sync::Arc;

/// What an image is for, judged by its final command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// A service or job (or a command we cannot classify): judged.
    Serves,
    /// Runs a test suite: its role is `test`. The command, as written.
    TestRunner(String),
    /// Runs a build, lint or code-generation tool once. The command, as written.
    Tool(String),
}

/// Single commands that run a test suite.
const TEST_RUNNERS: &[&str] = &[
    "pytest",
    "py.test",
    "jest",
    "vitest",
    "mocha",
    "ava",
    "playwright",
    "cypress",
    "newman",
    "k6",
    "locust",
    "tox",
    "nox",
    "behave",
    "rspec",
    "phpunit",
    "robot",
    "gotestsum",
    "ginkgo",
    "karma",
    "wdio",
    "testcafe",
    "nightwatch",
    "codeceptjs",
];

/// Two-word commands that run a test suite (`go test`, `npm test`).
const TEST_COMMANDS: &[(&str, &str)] = &[
    ("go", "test"),
    ("cargo", "test"),
    ("cargo", "nextest"),
    ("npm", "test"),
    ("npm", "t"),
    ("yarn", "test"),
    ("pnpm", "test"),
    ("bun", "test"),
    ("deno", "test"),
    ("mvn", "test"),
    ("mvn", "verify"),
    ("gradle", "test"),
    ("./gradlew", "test"),
    ("gradlew", "test"),
    ("dotnet", "test"),
    ("make", "test"),
    ("rake", "test"),
];

/// Single commands of build, lint and code-generation tools.
const TOOLS: &[&str] = &[
    "protoc",
    "buf",
    "sqlc",
    "goreleaser",
    "swagger",
    "swagger-codegen",
    "openapi-generator",
    "openapi-generator-cli",
    "oapi-codegen",
    "gqlgen",
    "mockgen",
    "make",
    "gcc",
    "g++",
    "clang",
    "javac",
    "tsc",
    "sphinx-build",
    "golangci-lint",
    "hadolint",
    "shellcheck",
    "eslint",
    "prettier",
    "ruff",
    "black",
    "flake8",
    "mypy",
    "packer",
];

/// Two-word build commands (`go build`, `npm run build`'s first two words are checked
/// with the third below).
const TOOL_COMMANDS: &[(&str, &str)] = &[
    ("go", "build"),
    ("go", "generate"),
    ("cargo", "build"),
    ("mvn", "package"),
    ("mvn", "install"),
    ("gradle", "build"),
    ("./gradlew", "build"),
    ("dotnet", "build"),
    ("dotnet", "publish"),
    ("mkdocs", "build"),
    ("hugo", "build"),
    ("pip", "wheel"),
];

/// The words of a command instruction: exec form from its JSON array, shell form split on
/// whitespace.
fn words(instr: &Instr) -> Vec<String> {
    if instr.form == Form::Exec {
        let raw = instr.args.trim();
        if raw.starts_with('[')
            && let Ok(v) = serde_json::from_str::<Vec<String>>(raw)
        {
            return v;
        }
    }
    instr
        .args
        .split_whitespace()
        .map(|w| w.trim_matches(['"', '\'']).to_owned())
        .collect()
}

/// The command a container of the final stage runs: `ENTRYPOINT` words then `CMD` words
/// (the last of each in the stage and the stages it builds on).
fn final_command(df: &Dockerfile) -> Vec<String> {
    let Some(last) = df.final_stage() else {
        return Vec::new();
    };
    let lineage = df.lineage(last);
    let find = |kw: &str| {
        lineage
            .iter()
            .flat_map(|s| s.instructions.iter().rev())
            .find(|i| i.keyword == kw)
    };
    let mut cmd: Vec<String> = find("ENTRYPOINT").map(words).unwrap_or_default();
    if let Some(c) = find("CMD") {
        cmd.extend(words(c));
    }
    // `sh -c "pytest …"` runs its script.
    if cmd.len() >= 3 && matches!(base(&cmd[0]), "sh" | "bash" | "ash" | "dash") && cmd[1] == "-c" {
        // Exec-form arguments come joined by spaces, so the script may span several words.
        return cmd[2..]
            .join(" ")
            .split_whitespace()
            .map(|w| w.trim_matches(['"', '\'']).to_owned())
            .collect();
    }
    cmd
}

fn base(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// What an image is for, by its final command.
#[must_use]
pub fn purpose(df: &Dockerfile) -> Purpose {
    let cmd = final_command(df);
    // Wrappers that run the real command: `npx`, `python -m`, `uv run`, `poetry run`, `exec`.
    let mut rest: &[String] = &cmd;
    loop {
        match rest.first().map(|w| base(w)) {
            Some("npx" | "exec" | "dumb-init" | "tini" | "--" | "env") => rest = &rest[1..],
            Some("uv" | "poetry" | "pipenv" | "pdm" | "bundle" | "yarn" | "pnpm" | "npm")
                if rest.get(1).is_some_and(|w| w == "run" || w == "exec") =>
            {
                // `npm run test:e2e`, `yarn run build`: the script name decides.
                if let Some(script) = rest.get(2) {
                    let s = script.to_ascii_lowercase();
                    let shown = cmd.join(" ");
                    if s.starts_with("test") || s.starts_with("e2e") || s.contains(":test") {
                        return Purpose::TestRunner(shown);
                    }
                    if matches!(s.as_str(), "build" | "lint" | "generate" | "codegen") {
                        return Purpose::Tool(shown);
                    }
                }
                rest = &rest[2..];
            }
            Some(p) if p.starts_with("python") && rest.get(1).is_some_and(|w| w == "-m") => {
                rest = &rest[2..];
            }
            _ => break,
        }
    }
    let Some(first) = rest.first().map(|w| base(w)) else {
        return Purpose::Serves;
    };
    let second = rest.get(1).map_or("", String::as_str);
    let shown = cmd.join(" ");
    if TEST_RUNNERS.contains(&first)
        || first == "unittest"
        || TEST_COMMANDS
            .iter()
            .any(|(a, b)| *a == first && *b == second)
    {
        return Purpose::TestRunner(shown);
    }
    if TOOLS.contains(&first)
        || first.starts_with("protoc-gen-")
        || TOOL_COMMANDS
            .iter()
            .any(|(a, b)| *a == first && *b == second)
    {
        return Purpose::Tool(shown);
    }
    Purpose::Serves
}

/// The Dockerfiles of a selector that a Dockerfile rule judges, parsed. Files of other
/// roles, test-runner images and tool images are recorded as set aside with the reason;
/// files that do not parse are recorded as problems. The caller counts what it judged.
pub fn judged_dockerfiles(cx: &mut CheckCx<'_>, id: SelectorId) -> Vec<(usize, Arc<Dockerfile>)> {
    let ws = cx.workspace();
    let mut out = Vec::new();
    for &i in cx.consider(id) {
        let Some(df) = cx.dockerfile(i) else { continue };
        let rel = &ws.file(i).rel;
        match purpose(&df) {
            Purpose::Serves => {
                cx.reading(i);
                out.push((i, df));
            }
            Purpose::TestRunner(cmd) => {
                cx.set_aside(rel, format!("a test-runner image (final command `{cmd}`)"));
            }
            Purpose::Tool(cmd) => {
                cx.set_aside(rel, format!("a build-tool image (final command `{cmd}`)"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Purpose {
        purpose(&Dockerfile::parse(text).unwrap())
    }

    #[test]
    fn images_are_judged_unless_their_final_command_is_a_test_runner_or_a_tool() {
        assert_eq!(
            p("FROM python:3.12\nCMD [\"gunicorn\", \"app:app\"]\n"),
            Purpose::Serves
        );
        assert_eq!(
            p("FROM golang:1.23 AS b\nFROM scratch\nCMD [\"./app\"]\n"),
            Purpose::Serves
        );
        assert_eq!(p("FROM node:22\n"), Purpose::Serves);
        assert!(matches!(
            p("FROM python:3.12\nCMD [\"pytest\", \"-x\"]\n"),
            Purpose::TestRunner(_)
        ));
        assert!(matches!(
            p("FROM python:3.12\nCMD python -m pytest tests\n"),
            Purpose::TestRunner(_)
        ));
        assert!(matches!(
            p(
                "FROM mcr.microsoft.com/playwright:v1.49.0\nCMD [\"npx\", \"playwright\", \"test\"]\n"
            ),
            Purpose::TestRunner(_)
        ));
        assert!(matches!(
            p("FROM node:22\nCMD [\"npm\", \"run\", \"test:e2e\"]\n"),
            Purpose::TestRunner(_)
        ));
        assert!(matches!(
            p("FROM golang:1.23\nCMD [\"sh\", \"-c\", \"go test ./...\"]\n"),
            Purpose::TestRunner(_)
        ));
        assert!(matches!(
            p("FROM golang:1.23\nENTRYPOINT [\"protoc\"]\n"),
            Purpose::Tool(_)
        ));
        assert!(matches!(
            p("FROM bufbuild/buf:1.40\nENTRYPOINT [\"/usr/local/bin/buf\"]\nCMD [\"generate\"]\n"),
            Purpose::Tool(_)
        ));
        assert_eq!(
            p("FROM node:22\nCMD [\"npm\", \"run\", \"start\"]\n"),
            Purpose::Serves
        );
        assert_eq!(
            p("FROM node:22\nCMD [\"npm\", \"start\"]\n"),
            Purpose::Serves
        );
    }
}
