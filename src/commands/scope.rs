//! `readycheck scope`: the role of every path the rules read, and why: the one place to see
//! (and then fix, with `[scope]` in `readycheck.toml`) what the audit judges.

use crate::check::images::{Purpose, purpose};
use crate::cli::{ScopeArgs, ScopeFormat};
use crate::collect::scope::{Because, Role};
use crate::collect::{DEFAULT_MAX_FILE_SIZE, WalkOptions, Workspace};
use crate::exit::ExitStatus;
use crate::rule::RuleSet;
use crate::settings;
use anyhow::anyhow;
use serde::Serialize;
use std::io::Write;
use std::sync::Arc;

/// One path's role.
#[derive(Debug, Serialize)]
pub struct PathRole {
    /// Relative path.
    pub path: String,
    /// Its role.
    pub role: Role,
    /// Why, in words.
    pub because: String,
}

/// The roles of a workspace's paths (those some rule reads, or all).
#[must_use]
pub fn roles(ws: &Workspace, all: bool) -> Vec<PathRole> {
    let files: Vec<usize> = if all {
        (0..ws.files().len()).collect()
    } else {
        ws.read_paths()
    };
    files
        .into_iter()
        .map(|i| {
            let rel = &ws.file(i).rel;
            let (mut role, because) = ws.role_of(rel);
            let mut why = match &because {
                Because::Default => "no convention matches".to_owned(),
                other => other.to_string(),
            };
            // A Dockerfile's final command can say more than its path (the Dockerfile rules
            // set such images aside).
            if role == Role::Production
                && let Ok(df) = ws.dockerfile(i)
            {
                match purpose(&df) {
                    Purpose::TestRunner(cmd) => {
                        role = Role::Test;
                        why = format!("final command `{cmd}` runs tests");
                    }
                    Purpose::Tool(cmd) => {
                        why = format!("a build-tool image (final command `{cmd}`), not judged")
                    }
                    Purpose::Serves => {}
                }
            }
            PathRole {
                path: rel.clone(),
                role,
                because: why,
            }
        })
        .collect()
}

/// `readycheck scope`.
pub fn run(args: &ScopeArgs) -> anyhow::Result<ExitStatus> {
    let root = &args.path;
    let loaded =
        settings::load_for(root, args.config.as_deref(), args.no_config).map_err(|e| anyhow!(e))?;
    let cfg = &loaded.config;
    let rules = RuleSet::load(&[]).map_err(|e| anyhow!(e))?;
    let mut exclude = cfg.scan.exclude.clone();
    exclude.extend(args.exclude.iter().cloned());
    let walk = WalkOptions {
        exclude,
        max_file_size: cfg.scan.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
        threads: 0,
        scope: cfg.scope.clone(),
        action_policies: cfg.actions.policies.clone(),
    };
    let ws = Workspace::scan(root, Arc::clone(&rules.selectors), &walk)?;
    let mut list = roles(&ws, args.all);
    if !args.role.is_empty() {
        list.retain(|p| args.role.contains(&p.role));
    }
    super::output(None, |w| match args.format {
        ScopeFormat::Json => {
            serde_json::to_writer_pretty(&mut *w, &list)?;
            writeln!(w)
        }
        ScopeFormat::Table => write_table(&list, w),
    })?;
    Ok(ExitStatus::Passed)
}

fn write_table(list: &[PathRole], w: &mut dyn Write) -> std::io::Result<()> {
    // Set-aside roles first: that is where a wrong guess hides.
    let order = |r: Role| if r == Role::Production { 1 } else { 0 };
    let mut sorted: Vec<&PathRole> = list.iter().collect();
    sorted.sort_by(|a, b| (order(a.role), a.role, &a.path).cmp(&(order(b.role), b.role, &b.path)));
    let width = sorted
        .iter()
        .map(|p| p.path.len())
        .max()
        .unwrap_or(0)
        .min(60);
    for p in sorted {
        writeln!(
            w,
            "{:<10} {:<width$}  {}",
            p.role.as_str(),
            p.path,
            p.because
        )?;
    }
    let mut counts = crate::collect::scope::RoleCounts::default();
    for p in list {
        counts.add(p.role);
    }
    let summary: Vec<String> = counts
        .nonzero()
        .iter()
        .map(|(r, n)| format!("{r} {n}"))
        .collect();
    writeln!(w, "\n{} paths: {}", list.len(), summary.join(", "))?;
    writeln!(
        w,
        "Wrong guess? Give the path its role in readycheck.toml, e.g.\n  [scope]\n  production = [\"contrib/deploy/\"]"
    )
}
