//! `readycheck rules`: the rule set as a table, JSON or a Markdown index, from the rule files.

use super::explain::rule_json;
use crate::cli::{DocFormat, RulesArgs};
use crate::exit::ExitStatus;
use crate::model::Category;
use crate::rule::{Rule, RuleSet};
use anyhow::anyhow;
use comfy_table::{ContentArrangement, Table, presets};
use std::sync::Arc;

/// `readycheck rules`.
pub fn run(args: &RulesArgs) -> anyhow::Result<ExitStatus> {
    let set = RuleSet::load(&args.rule_dirs).map_err(|e| anyhow!(e))?;
    let category = match &args.category {
        Some(c) => Some(Category::parse(c).ok_or_else(|| {
            let all: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
            anyhow!("unknown category `{c}` (one of {})", all.join(", "))
        })?),
        None => None,
    };
    let rules: Vec<&Arc<Rule>> = set
        .rules
        .iter()
        .filter(|r| category.is_none_or(|c| r.category == c))
        .collect();
    super::output(None, |w| match args.format {
        DocFormat::Json => {
            let v: Vec<serde_json::Value> = rules.iter().map(|r| rule_json(r)).collect();
            serde_json::to_writer_pretty(&mut *w, &v)?;
            writeln!(w)
        }
        DocFormat::Markdown => {
            writeln!(w, "# Rules\n")?;
            writeln!(
                w,
                "| ID | Name | Title | Category | Severity | Weight | Check |"
            )?;
            writeln!(w, "|---|---|---|---|---|---|---|")?;
            for r in &rules {
                writeln!(
                    w,
                    "| [{id}](rules/{id}.md) | `{}` | {} | {} | {} | {} | `{}` |",
                    r.name,
                    r.title,
                    r.category,
                    r.severity,
                    r.weight,
                    r.kind,
                    id = r.id
                )?;
            }
            Ok(())
        }
        DocFormat::Table => {
            let mut table = Table::new();
            table
                .load_style(presets::NOTHING)
                .set_content_arrangement(ContentArrangement::Disabled);
            table.set_header(vec![
                "ID", "NAME", "CATEGORY", "SEVERITY", "WEIGHT", "CHECK", "STATUS",
            ]);
            for r in &rules {
                table.add_row(vec![
                    r.id.clone(),
                    r.name.clone(),
                    r.category.to_string(),
                    r.severity.to_string(),
                    r.weight.to_string(),
                    r.kind.to_owned(),
                    r.status.as_str().to_owned(),
                ]);
            }
            table.force_no_tty();
            writeln!(w, "{}", table.trim_fmt())?;
            writeln!(
                w,
                "\n{} rules. `readycheck explain ID` for details.",
                rules.len()
            )
        }
    })?;
    Ok(ExitStatus::Passed)
}
