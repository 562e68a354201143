//! `--format markdown`: a plan ready to post as a pull-request comment — a
//! summary table, one collapsible section per resource, policy diffs in
//! ```diff blocks. Secret values are never present.

use super::{policy_diff, summary_line};
use crate::plan::{Action, KeyAction, Plan};
use std::io::{self, Write};

/// Writes the plan as GitHub-flavoured markdown.
pub fn render(plan: &Plan, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "### vaultform plan")?;
    writeln!(out)?;
    if !plan.has_changes() {
        writeln!(out, "**No changes.** Vault matches the manifest.")?;
    } else {
        let s = plan.summary;
        writeln!(out, "| add | change | destroy | adopt |")?;
        writeln!(out, "|---:|---:|---:|---:|")?;
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            s.add, s.change, s.destroy, s.adopt
        )?;
        writeln!(out)?;
        if !plan.destructive().is_empty() {
            writeln!(
                out,
                "> [!WARNING]\n> This plan destroys data: {}",
                plan.destructive()
                    .iter()
                    .map(|c| format!("`{}`", c.address))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
            writeln!(out)?;
        }
        for c in &plan.changes {
            writeln!(
                out,
                "<details><summary><code>{} {}</code> ({:?})</summary>",
                c.action.marker(),
                c.address,
                c.action
            )?;
            writeln!(out)?;
            if !c.fields.is_empty() {
                writeln!(out, "| field | before | after |")?;
                writeln!(out, "|---|---|---|")?;
                for f in &c.fields {
                    writeln!(
                        out,
                        "| `{}` | {} | {} |",
                        f.name,
                        cell(f.before.as_deref()),
                        cell(f.after.as_deref())
                    )?;
                }
                writeln!(out)?;
            }
            if let Some(p) = &c.policy
                && matches!(c.action, Action::Create | Action::Update)
            {
                writeln!(out, "```diff")?;
                let d = policy_diff(
                    p.before.as_deref().unwrap_or(""),
                    p.after.as_deref().unwrap_or(""),
                );
                for line in d
                    .lines()
                    .filter(|l| !l.starts_with("---") && !l.starts_with("+++"))
                {
                    writeln!(out, "{line}")?;
                }
                writeln!(out, "```")?;
                writeln!(out)?;
            }
            if let Some(s) = &c.secret {
                if c.action == Action::Delete {
                    writeln!(
                        out,
                        "All versions and metadata of this secret are destroyed."
                    )?;
                    writeln!(out)?;
                }
                for k in &s.keys {
                    let what = match k.action {
                        KeyAction::Add => "added (sensitive)",
                        KeyAction::Change => "changed (sensitive)",
                        KeyAction::Remove => "removed",
                        KeyAction::Generate => "generated at apply",
                    };
                    writeln!(out, "- `{}`: {what}", k.key)?;
                }
                writeln!(out)?;
            }
            writeln!(out, "</details>")?;
            writeln!(out)?;
        }
    }
    if !plan.unmanaged.is_empty() {
        writeln!(
            out,
            "<details><summary>{} unmanaged resource(s), never deleted</summary>\n",
            plan.unmanaged.len()
        )?;
        for a in &plan.unmanaged {
            writeln!(out, "- `{a}`")?;
        }
        writeln!(out, "\n</details>\n")?;
    }
    for w in &plan.warnings {
        writeln!(out, "> **Warning:** {}", w.replace('\n', " "))?;
        writeln!(out)?;
    }
    if plan.has_changes() {
        writeln!(out)?;
        writeln!(out, "**{}**", summary_line(plan))?;
    }
    Ok(())
}

fn cell(v: Option<&str>) -> String {
    match v {
        None => "—".to_string(),
        Some(s) => format!("`{}`", s.replace('|', "\\|").replace('`', "'")),
    }
}
