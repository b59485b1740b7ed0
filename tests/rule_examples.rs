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
    let result = match &example.server {
        None => engine::run(set, &[rule_index], &ws).remove(0),
        Some(routes) => {
            let mut _legacy = None;
            let (server, ca) = match &example.tls {
                None => (server::TestServer::from_routes(routes), None),
                Some(t) if t.legacy_only => {
                    let raw = server::RawServer::legacy_tls();
                    let base = format!("http://{}", raw.addr);
                    _legacy = Some(raw);
                    let mut s = server::TestServer::from_routes(routes);
                    s.base_url = base;
                    (s, None)
                }
                Some(t) => {
                    let ca = server::TestCa::new();
                    let names: Vec<&str> = t.names.iter().map(String::as_str).collect();
                    let cert = ca.leaf(&names, t.valid_from_days, t.valid_to_days);
                    let s = server::TestServer::start_tls(server::routes_app(routes), &cert);
                    (s, t.trusted.then_some(ca))
                }
            };
            let base = if example.tls.is_some() {
                server.base_url.replace("http://", "https://")
            } else {
                server.base_url.clone()
            };
            let mut settings = readycheck::probe::ProbeSettings {
                timeout: std::time::Duration::from_secs(5),
                deadline: std::time::Duration::from_secs(10),
                profile: example.profile.unwrap_or_default(),
                allow_unsafe_methods: example.allow_unsafe_methods,
                ..Default::default()
            };
            if let Some(ca) = &ca {
                let pem = dir.path().join("ca.pem");
                std::fs::write(&pem, &ca.pem)?;
                settings.ca_certs = readycheck::probe::client::load_ca_certs(&pem)?;
            }
            for h in &example.probe_headers {
                settings.headers.push(readycheck::probe::parse_header(h)?);
            }
            let requests = engine::live_requests(set, &[rule_index], &ws);
            // The example's headers are the operator's: its target may receive them.
            settings.header_origins = readycheck::probe::origin(&base).into_iter().collect();
            let target = readycheck::probe::TargetSpec::command_line(&base);
            let targets = readycheck::probe::client::probe(&[target], &requests, &settings)?;
            let seen = server.seen.lock().map(|s| s.clone()).unwrap_or_default();
            for (method, path) in &seen {
                if !example.allow_unsafe_methods
                    && !["GET", "HEAD", "OPTIONS"].contains(&method.as_str())
                {
                    return Err(format!("unsafe method {method} {path} sent by default").into());
                }
            }
            engine::run_with_targets(set, &[rule_index], &ws, &targets).remove(0)
        }
    };
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
