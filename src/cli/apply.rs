//! `vaultform apply [PLANFILE]`: plan (or check a saved plan), show, confirm, apply.

use super::{ApplyArgs, ApplyFormat, Cli, Outcome, make_plan, open_session, stdout_style};
use crate::apply::{ApplyOptions, apply};
use crate::lock::Lock;
use crate::model::plan::Action;
use crate::planfile::{self, PlanFileError};
use crate::render;
use miette::{IntoDiagnostic, miette};
use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};

pub(super) async fn run(cli: &Cli, args: &ApplyArgs) -> miette::Result<Outcome> {
    let session = open_session(cli).await?;
    let result = body(cli, args, &session.vault).await;
    session.close().await;
    result
}

/// Plans (or checks a saved plan), shows, confirms and applies. Shared with
/// `bootstrap`. A plan with changes is made again under the apply lock (a
/// no-op apply takes no lock and writes nothing), so that what is applied is
/// what the server holds once no other apply of this manifest runs; from the
/// manifest as first loaded (only the server may have changed meanwhile).
pub(super) async fn body(
    cli: &Cli,
    args: &ApplyArgs,
    vault: &crate::vault::Vault,
) -> miette::Result<Outcome> {
    let saved = match &args.plan_file {
        Some(path) => Some(planfile::read(path)?),
        None => None,
    };
    let first = prepare(cli, args, vault, saved.as_ref(), None).await?;
    if !first.plan.has_changes() {
        return finish(cli, args, vault, first, None).await;
    }
    let (mount, name) = (
        first.desired.ownership_mount.clone(),
        first.desired.name.clone(),
    );
    if !first.live.managed.mount_exists {
        crate::ownership::create_mount(vault, &mount).await?;
    }
    // The first plan's live state and changes are freed, not left to the
    // exit: the plan made under the lock takes their place (holding both
    // would double the peak memory of a large apply). Its manifest is kept.
    let crate::pipeline::Planned {
        desired,
        live,
        plan,
        ..
    } = first;
    drop((live, plan));
    let lock = Lock::acquire(vault, &mount, &name, args.lock_timeout).await?;
    tracing::info!(lock = lock.id(), manifest = %name, "took the apply lock");
    let planned = match prepare(cli, args, vault, saved.as_ref(), Some(desired)).await {
        Ok(p) => p,
        Err(e) => {
            lock.release().await;
            return Err(e);
        }
    };
    finish(cli, args, vault, planned, Some(lock)).await
}

/// Plans (from `loaded`, else from the manifest loaded now), and checks a
/// saved plan against the new one.
async fn prepare(
    cli: &Cli,
    args: &ApplyArgs,
    vault: &crate::vault::Vault,
    saved: Option<&planfile::SavedPlan>,
    loaded: Option<crate::model::Desired>,
) -> miette::Result<super::Planned> {
    let targets = match saved {
        Some(s) => s.targets.clone(),
        None => args.targets.clone(),
    };
    let mut planned = make_plan(cli, vault, &targets, saved.is_some(), loaded).await?;
    if let Some(saved) = saved {
        let key = planned
            .key
            .as_ref()
            .ok_or_else(|| miette!("no fingerprint key"))?;
        if planfile::key_id(key) != saved.key_id {
            return Err(PlanFileError::Format {
                path: args.plan_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
                reason: "it was made with another fingerprint key (another server, or the key was replaced)".into(),
            }
            .into());
        }
        let stale = planfile::compare(&saved.plan, &planned.plan);
        if !stale.is_empty() {
            return Err(PlanFileError::Stale { stale }.into());
        }
        // Apply exactly what the saved plan shows, nothing that appeared since.
        let mut keep: BTreeSet<_> = saved
            .plan
            .changes
            .iter()
            .map(|c| c.address.clone())
            .collect();
        keep.extend(saved.plan.ownership.add.iter().cloned());
        keep.extend(saved.plan.ownership.remove.iter().cloned());
        let extra = planned
            .plan
            .changes
            .iter()
            .filter(|c| !keep.contains(&c.address))
            .count();
        if extra > 0 {
            tracing::warn!(
                "{extra} change(s) appeared since the plan was saved; they are not applied"
            );
        }
        planned.plan.restrict(&keep);
    }
    Ok(planned)
}

/// Shows, confirms and applies a plan; releases the lock when given one.
async fn finish(
    cli: &Cli,
    args: &ApplyArgs,
    vault: &crate::vault::Vault,
    planned: super::Planned,
    lock: Option<Lock>,
) -> miette::Result<Outcome> {
    let result = show_confirm_apply(cli, args, vault, planned).await;
    if let Some(lock) = lock {
        let lost = lock.lost();
        lock.release().await;
        if lost && result.is_ok() {
            return Err(miette!(
                code = "vaultform::lock::lost",
                help = "run `vaultform plan`: another apply may have run at the same time",
                "the apply lock was lost while applying (force-unlocked, or it expired)"
            ));
        }
    }
    result
}

async fn show_confirm_apply(
    cli: &Cli,
    args: &ApplyArgs,
    vault: &crate::vault::Vault,
    planned: super::Planned,
) -> miette::Result<Outcome> {
    let plan = &planned.plan;
    let style = stdout_style(cli);
    let json = args.format == ApplyFormat::Json;
    if json && !args.auto_approve && args.plan_file.is_none() && plan.has_changes() {
        return Err(miette!(
            code = "vaultform::apply::no_approval",
            help =
                "pass --auto-approve (or apply a plan saved with `plan --out`) with --format json",
            "refusing to apply without confirmation: --format json asks nothing"
        ));
    }
    let mut out = std::io::stdout().lock();
    if !json {
        // Buffered: a plan of thousands of changes is one write, not one per line.
        let mut buffered = std::io::BufWriter::new(&mut out);
        render::human::render_with(plan, &mut buffered, style, args.compact).into_diagnostic()?;
        buffered.flush().into_diagnostic()?;
    }
    if !plan.has_changes() {
        // Nothing to change; what the plan read is still worth recording
        // (one write, only when something new is known), so that later plans
        // skip reading it.
        if let Some(key) = &planned.live.managed.fingerprint_key {
            crate::apply::remember(
                vault,
                &planned.desired,
                &planned.live,
                plan,
                &crate::apply::ApplyReport::default(),
                key,
                &planned.live.managed.addresses,
            )
            .await;
        }
        if json {
            let doc = serde_json::to_value(plan).into_diagnostic()?;
            report_json(&mut out, doc, &[], &BTreeSet::new())?;
        }
        return Ok(Outcome::Ok);
    }
    // A saved plan was reviewed when it was made; applying the file is the approval.
    if !args.auto_approve && args.plan_file.is_none() {
        if !std::io::stdin().is_terminal() {
            return Err(miette!(
                code = "vaultform::apply::no_approval",
                help = "pass --auto-approve in automation, or run on a terminal to confirm",
                "refusing to apply without confirmation: stdin is not a terminal"
            ));
        }
        write!(out, "\nApply these changes? Only 'yes' is accepted: ").into_diagnostic()?;
        out.flush().into_diagnostic()?;
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .into_diagnostic()?;
        if answer.trim() != "yes" {
            writeln!(out, "Apply cancelled; nothing was changed.").into_diagnostic()?;
            // Not a success: a script that answered wrongly must not carry on.
            return Ok(Outcome::Exit(1));
        }
    }
    let opts = ApplyOptions {
        allow_destroy: args.allow_destroy,
        parallelism: cli.parallelism as usize,
    };
    // Updates and replacements that also take a resource over count as adoptions too.
    let taken_over: BTreeSet<_> = plan
        .changes
        .iter()
        .filter(|c| c.adopted)
        .map(|c| c.address.clone())
        .collect();
    let report = apply(vault, plan, &planned.desired, &planned.live, opts).await;
    // The plan for the JSON report, before the plan goes with the rest.
    let plan_doc = if json {
        serde_json::to_value(plan).into_diagnostic()?
    } else {
        serde_json::Value::Null
    };
    super::leave_to_exit(planned);
    let report = report?;
    if json {
        report_json(&mut out, plan_doc, &report.applied, &taken_over)?;
        return Ok(Outcome::Ok);
    }
    let count = |a: Action| report.applied.iter().filter(|(_, x)| *x == a).count();
    let adopted = report
        .applied
        .iter()
        .filter(|(address, x)| *x == Action::Adopt || taken_over.contains(address))
        .count();
    writeln!(
        out,
        "Apply complete: {} created, {} updated, {} replaced, {} deleted, {} adopted.",
        count(Action::Create),
        count(Action::Update),
        count(Action::Replace),
        count(Action::Delete),
        adopted
    )
    .into_diagnostic()?;
    Ok(Outcome::Ok)
}

/// `apply --format json`: one document, after the apply (never a value: the
/// plan is the one `plan --format json` shows).
fn report_json(
    out: &mut impl Write,
    plan: serde_json::Value,
    applied: &[(crate::model::Address, Action)],
    taken_over: &BTreeSet<crate::model::Address>,
) -> miette::Result<()> {
    let count = |a: Action| applied.iter().filter(|(_, x)| *x == a).count();
    let adopted = applied
        .iter()
        .filter(|(address, x)| *x == Action::Adopt || taken_over.contains(address))
        .count();
    let doc = serde_json::json!({
        "format_version": 1,
        "plan": plan,
        "applied": applied
            .iter()
            .map(|(address, action)| serde_json::json!({
                "address": address.to_string(),
                "action": action,
            }))
            .collect::<Vec<_>>(),
        "summary": {
            "created": count(Action::Create),
            "updated": count(Action::Update),
            "replaced": count(Action::Replace),
            "deleted": count(Action::Delete),
            "adopted": adopted,
        },
    });
    serde_json::to_writer_pretty(&mut *out, &doc).into_diagnostic()?;
    writeln!(out).into_diagnostic()
}
