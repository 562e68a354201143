//! Human output for terminals and CI logs: one block per resource, field-level
//! before -> after, policy text diffs, secret keys with values always
//! `(sensitive)`, unmanaged resources summarised, and the closing count line.

use super::{Style, clean, policy_diff, summary_line};
use crate::model::plan::{Action, Change, KeyAction, Plan};
use std::io::{self, Write};

/// Writes the plan for people.
pub fn render(plan: &Plan, out: &mut impl Write, style: Style) -> io::Result<()> {
    render_with(plan, out, style, false)
}

/// Writes the plan for people, one line per change when `compact` (for large
/// plans: what changes, not how).
pub fn render_with(
    plan: &Plan,
    out: &mut impl Write,
    style: Style,
    compact: bool,
) -> io::Result<()> {
    if !plan.has_changes() {
        writeln!(out, "No changes. Vault matches the manifest.")?;
    } else {
        writeln!(out, "vaultform will perform these actions:")?;
        writeln!(out)?;
        for c in &plan.changes {
            if compact {
                one_line(c, out, style)?;
            } else {
                change(c, out, style)?;
            }
        }
        if compact {
            writeln!(out)?;
        }
        let o = &plan.ownership;
        if !o.is_empty() && !c_only_ownership(plan) {
            writeln!(
                out,
                "{}",
                style.dim(&format!(
                    "  ownership record: {} address(es) added, {} removed{}",
                    o.add.len(),
                    o.remove.len(),
                    o.release
                        .iter()
                        .map(|r| format!(
                            "; {} taken over from manifest `{}`",
                            r.addresses.len(),
                            clean(&r.manifest)
                        ))
                        .collect::<String>()
                ))
            )?;
            writeln!(out)?;
        }
        if c_only_ownership(plan) {
            writeln!(
                out,
                "  ownership record: forget {} resource(s) that no longer exist",
                o.remove.len()
            )?;
            writeln!(out)?;
        }
    }
    for (mount, u) in &plan.unmanaged_kv {
        let mut shown: Vec<String> = u.sample.iter().map(|p| clean(p).into_owned()).collect();
        if u.count > u.sample.len() {
            shown.push(format!("and {} more", u.count - u.sample.len()));
        }
        writeln!(
            out,
            "{}",
            style.dim(&format!(
                "Unmanaged secrets on {}/ (never deleted by vaultform): {}: {}",
                clean(mount),
                u.count,
                shown.join(", ")
            ))
        )?;
        writeln!(out)?;
    }
    for (owner, addresses) in &plan.owned_elsewhere {
        writeln!(
            out,
            "{}",
            style.dim(&format!(
                "Owned by manifest `{}` (never touched by this one): {}",
                clean(owner),
                first_few(addresses)
            ))
        )?;
        writeln!(out)?;
    }
    if !plan.unmanaged.is_empty() {
        let names: Vec<String> = plan
            .unmanaged
            .iter()
            .map(|a| clean(&a.to_string()).into_owned())
            .collect();
        writeln!(
            out,
            "{}",
            style.dim(&format!(
                "Unmanaged (not in the manifest, never deleted by vaultform): {}",
                names.join(", ")
            ))
        )?;
        writeln!(out)?;
    }
    if !plan.access.is_empty() {
        writeln!(out, "Access changes (the policies evaluated offline):")?;
        for (principal, changes) in crate::kinds::policy::access::by_principal(&plan.access) {
            for a in changes {
                writeln!(
                    out,
                    "  {} on {}: {} -> {}",
                    clean(principal),
                    clean(&a.path),
                    a.before.join(", "),
                    a.after.join(", ")
                )?;
            }
        }
        writeln!(out)?;
    }
    for w in &plan.warnings {
        writeln!(out, "{} {}", style.changed("Warning:"), clean(w))?;
    }
    if !plan.warnings.is_empty() {
        writeln!(out)?;
    }
    if plan.has_changes() {
        writeln!(out, "{}", style.bold(&summary_line(plan)))?;
    }
    Ok(())
}

/// Up to ten addresses, then how many more.
fn first_few(addresses: &[crate::kinds::Address]) -> String {
    let mut shown: Vec<String> = addresses.iter().take(10).map(|a| a.to_string()).collect();
    if addresses.len() > 10 {
        shown.push(format!("and {} more", addresses.len() - 10));
    }
    shown.join(", ")
}

/// Only stale entries leave the record: nothing else changes.
fn c_only_ownership(plan: &Plan) -> bool {
    let o = &plan.ownership;
    plan.changes.is_empty() && o.add.is_empty() && o.release.is_empty() && !o.remove.is_empty()
}

fn marker(action: Action, style: Style) -> String {
    let m = action.marker();
    match action {
        Action::Create => style.added(m),
        Action::Update => style.changed(m),
        Action::Replace | Action::Delete => style.removed(m),
        Action::Adopt => style.dim(m),
    }
}

/// One line: the marker, the address and what changes (field names, the
/// policy text, secret key names — never values), at most a few of each.
fn one_line(c: &Change, out: &mut impl Write, style: Style) -> io::Result<()> {
    const SHOWN: usize = 4;
    let mut what: Vec<String> = Vec::new();
    if c.action != Action::Create && c.action != Action::Delete {
        what.extend(c.fields.iter().map(|f| clean(&f.name).into_owned()));
        if c.policy.is_some() {
            what.push("policy text".into());
        }
        if let Some(secret) = &c.secret {
            what.extend(secret.keys.iter().map(|k| {
                let mark = match k.action {
                    KeyAction::Add | KeyAction::Generate => "+",
                    KeyAction::Change => "~",
                    KeyAction::Remove => "-",
                };
                format!("{mark}{}", clean(&k.key))
            }));
        }
    }
    let mut detail = what
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if what.len() > SHOWN {
        detail.push_str(&format!(", +{} more", what.len() - SHOWN));
    }
    let mut notes: Vec<&str> = Vec::new();
    if !detail.is_empty() {
        notes.push(&detail);
    }
    if c.destructive {
        notes.push("destroys data");
    }
    if c.adopted || c.action == Action::Adopt {
        notes.push("adopted");
    }
    let tail = if notes.is_empty() {
        String::new()
    } else {
        format!(" {}", style.dim(&format!("({})", notes.join("; "))))
    };
    writeln!(
        out,
        "  {} {}{tail}",
        marker(c.action, style),
        clean(&c.address.to_string())
    )
}

fn change(c: &Change, out: &mut impl Write, style: Style) -> io::Result<()> {
    let note = match c.action {
        Action::Create => "will be created",
        Action::Update => "will be updated in place",
        Action::Replace => "must be replaced, destroying everything under it",
        Action::Delete if c.destructive => "will be destroyed, with everything under it",
        Action::Delete => "will be deleted",
        Action::Adopt => "already matches; vaultform will manage it from now on",
    };
    let taken = if c.adopted && c.action != Action::Adopt {
        "; vaultform will manage it from now on"
    } else {
        ""
    };
    writeln!(
        out,
        "  {} {} {}",
        marker(c.action, style),
        style.bold(&clean(&c.address.to_string())),
        style.dim(&format!("({note}{taken})"))
    )?;
    let width = c.fields.iter().map(|f| f.name.len()).max().unwrap_or(0);
    for f in &c.fields {
        let line = match (&f.before, &f.after) {
            (Some(b), Some(a)) if c.action != Action::Create => {
                format!("{} -> {}", shown(b), shown(a))
            }
            (_, Some(a)) => shown(a),
            (Some(b), None) => shown(b),
            (None, None) => String::new(),
        };
        writeln!(out, "      {:width$} = {line}", clean(&f.name))?;
    }
    if let Some(p) = &c.policy {
        let before = p.before.as_deref().unwrap_or("");
        let after = p.after.as_deref().unwrap_or("");
        if c.action == Action::Update || c.action == Action::Create {
            for line in policy_diff(before, after).lines().map(clean) {
                if line.starts_with("---") || line.starts_with("+++") {
                    continue;
                }
                let styled = if line.starts_with('+') {
                    style.added(&line)
                } else if line.starts_with('-') {
                    style.removed(&line)
                } else if line.starts_with("@@") {
                    style.dim(&line)
                } else {
                    line.to_string()
                };
                writeln!(out, "      {styled}")?;
            }
        }
    }
    if let Some(s) = &c.secret {
        if c.action == Action::Delete {
            writeln!(out, "      all versions and metadata are destroyed")?;
        } else {
            for k in &s.keys {
                let key = clean(&k.key);
                // A literal of the manifest that may be shown, else "(sensitive)".
                let value = k
                    .value
                    .as_deref()
                    .map_or_else(|| "(sensitive)".to_string(), shown_value);
                let line = match k.action {
                    KeyAction::Add => format!("{} {key} = {value}", style.added("+")),
                    KeyAction::Change => format!("{} {key} = {value}", style.changed("~")),
                    KeyAction::Remove => format!("{} {key}", style.removed("-")),
                    KeyAction::Generate => {
                        format!("{} {key} = (generated at apply)", style.added("+"))
                    }
                };
                writeln!(out, "      {line}")?;
            }
        }
    }
    writeln!(out)?;
    Ok(())
}

/// A literal KV value: always quoted (so that it never reads as a label such
/// as `(sensitive)`), control characters escaped.
fn shown_value(v: &str) -> String {
    format!("{:?}", v)
}

/// A field value for people: quoted when it is empty or has spaces, so that
/// `description = "" -> "Application secrets"` reads unambiguously; labels
/// such as `(system default)` are not quoted.
fn shown(v: &str) -> String {
    let v: &str = &clean(v);
    if v.is_empty()
        || v.contains(char::is_whitespace)
            && !v.starts_with('<')
            && !v.starts_with('[')
            && v != crate::duration::SYSTEM_DEFAULT
    {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        v.to_string()
    }
}
