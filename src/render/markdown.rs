//! `--format markdown`: a plan ready to post as a pull-request comment — a
//! summary table, one collapsible section per resource, policy diffs in
//! ```diff blocks. Secret values are never present.

use super::{clean, policy_diff, summary_line};
use crate::model::plan::{Action, KeyAction, Plan};
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
                "<details><summary><code>{} {}</code> ({:?}{})</summary>",
                c.action.marker(),
                html(&c.address.to_string()),
                c.action,
                if c.adopted && c.action != Action::Adopt {
                    ", adopted"
                } else {
                    ""
                }
            )?;
            writeln!(out)?;
            if !c.fields.is_empty() {
                writeln!(out, "| field | before | after |")?;
                writeln!(out, "|---|---|---|")?;
                for f in &c.fields {
                    writeln!(
                        out,
                        "| {} | {} | {} |",
                        cell(Some(&f.name)),
                        cell(f.before.as_deref()),
                        cell(f.after.as_deref())
                    )?;
                }
                writeln!(out)?;
            }
            if let Some(p) = &c.policy
                && matches!(c.action, Action::Create | Action::Update)
            {
                let d = policy_diff(
                    p.before.as_deref().unwrap_or(""),
                    p.after.as_deref().unwrap_or(""),
                );
                // A fence longer than any run of backticks inside, so that no
                // policy line (the server's text included) can close it.
                let fence = "`".repeat(longest_backtick_run(&d).max(2) + 1);
                writeln!(out, "{fence}diff")?;
                for line in d
                    .lines()
                    .filter(|l| !l.starts_with("---") && !l.starts_with("+++"))
                {
                    writeln!(out, "{}", clean(line))?;
                }
                writeln!(out, "{fence}")?;
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
                    let what = match (k.action, &k.value) {
                        (KeyAction::Add, Some(v)) => format!("added: {}", code(v)),
                        (KeyAction::Change, Some(v)) => format!("changed to {}", code(v)),
                        (KeyAction::Add, None) => "added (sensitive)".to_string(),
                        (KeyAction::Change, None) => "changed (sensitive)".to_string(),
                        (KeyAction::Remove, _) => "removed".to_string(),
                        (KeyAction::Generate, _) => "generated at apply".to_string(),
                    };
                    writeln!(out, "- {}: {what}", code(&k.key))?;
                }
                writeln!(out)?;
            }
            writeln!(out, "</details>")?;
            writeln!(out)?;
        }
    }
    if !plan.access.is_empty() {
        // What a reviewer needs most: who gains or loses what.
        writeln!(out, "#### Access changes\n")?;
        writeln!(out, "| role | path | before | after |")?;
        writeln!(out, "|---|---|---|---|")?;
        for a in &plan.access {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                code(&a.principal),
                code(&a.path),
                cell(Some(&a.before.join(", "))),
                cell(Some(&a.after.join(", ")))
            )?;
        }
        writeln!(out)?;
    }
    for (mount, u) in &plan.unmanaged_kv {
        writeln!(
            out,
            "<details><summary>{} unmanaged secret(s) on <code>{}/</code>, never deleted</summary>\n",
            u.count,
            html(mount)
        )?;
        for p in &u.sample {
            writeln!(out, "- {}", code(p))?;
        }
        if u.count > u.sample.len() {
            writeln!(out, "- and {} more", u.count - u.sample.len())?;
        }
        writeln!(out, "\n</details>\n")?;
    }
    for (owner, addresses) in &plan.owned_elsewhere {
        writeln!(
            out,
            "<details><summary>{} resource(s) owned by manifest <code>{}</code>, never touched by this one</summary>\n",
            addresses.len(),
            html(owner)
        )?;
        for a in addresses {
            writeln!(out, "- {}", code(&a.to_string()))?;
        }
        writeln!(out, "\n</details>\n")?;
    }
    if !plan.unmanaged.is_empty() {
        writeln!(
            out,
            "<details><summary>{} unmanaged resource(s), never deleted</summary>\n",
            plan.unmanaged.len()
        )?;
        for a in &plan.unmanaged {
            writeln!(out, "- {}", code(&a.to_string()))?;
        }
        writeln!(out, "\n</details>\n")?;
    }
    for w in &plan.warnings {
        writeln!(out, "> **Warning:** {}", clean(&w.replace('\n', " ")))?;
        writeln!(out)?;
    }
    if plan.has_changes() {
        writeln!(out)?;
        writeln!(out, "**{}**", summary_line(plan))?;
    }
    Ok(())
}

/// A code span safe in a table cell or list item: control characters
/// escaped, `|` escaped, backticks (which would end the span) replaced.
fn cell(v: Option<&str>) -> String {
    match v {
        None => "—".to_string(),
        Some(s) => format!("`{}`", clean(s).replace('|', "\\|").replace('`', "'")),
    }
}

/// A code span outside tables: control characters escaped, backticks replaced.
fn code(s: &str) -> String {
    format!("`{}`", clean(s).replace('`', "'"))
}

/// Text inside an HTML element (`<code>` in a summary).
fn html(s: &str) -> String {
    clean(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}
