//! Runs every `examples:` entry of every built-in rule as its own test
//! (`DOCK001::floating_latest_tag`), so the documentation cannot lie about the behaviour.

#[path = "common/server.rs"]
mod server;

use libtest_mimic::{Arguments, Failed, Trial};
use readycheck::collect::{WalkOptions, Workspace};
use readycheck::engine::{self, Outcome};
use readycheck::rule::{ExampleExpect, RuleSet};
use std::sync::Arc;

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn run_example(set: &Arc<RuleSet>, rule_index: usize, example_index: usize) -> Result<(), Failed> {
    let rule = &set.rules[rule_index];
    let example = &rule.examples[example_index];
    let dir = tempfile::tempdir()?;
    for (path, content) in &example.files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().ok_or("no parent")?)?;
        std::fs::write(p, content)?;
    }
    let ws = Workspace::scan(
        dir.path(),
        Arc::clone(&set.selectors),
        &WalkOptions::default(),
    )?;
    let result = engine::run(set, &[rule_index], &ws).remove(0);
    let got = &result.outcome;
    let ok = match example.expect {
        ExampleExpect::Pass => *got == Outcome::Pass,
        ExampleExpect::Fail => *got == Outcome::Fail,
        ExampleExpect::Skip => matches!(got, Outcome::Skipped(_)),
    };
    if !ok {
        return Err(format!(
            "expected {:?}, got {:?} with findings {:#?}",
            example.expect, got, result.findings
        )
        .into());
    }
    if let Some(n) = example.findings
        && result.findings.len() != n
    {
        return Err(format!("expected {n} findings, got {:#?}", result.findings).into());
    }
    for f in &result.findings {
        let first = f.message.chars().next().unwrap_or(' ');
        if first.is_uppercase()
            || f.message.ends_with('.')
            || f.message.contains('\n')
            || f.message.is_empty()
        {
            return Err(format!(
                "message breaks the grammar (one line, lowercase start, no trailing period): {:?}",
                f.message
            )
            .into());
        }
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let set = Arc::new(RuleSet::load(&[]).unwrap_or_else(|e| panic!("{e}")));
    let mut trials = Vec::new();
    for (ri, rule) in set.rules.iter().enumerate() {
        for (ei, example) in rule.examples.iter().enumerate() {
            let set = Arc::clone(&set);
            trials.push(Trial::test(
                format!("{}::{}", rule.id, slug(&example.name)),
                move || run_example(&set, ri, ei),
            ));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
