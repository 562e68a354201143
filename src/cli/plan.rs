//! `vaultform plan`: read live state, diff, print; optionally save the plan
//! and write drift metrics.

use super::{Cli, Format, Outcome, PlanArgs, make_plan, open_session, stdout_style};
use crate::planfile::{self, SavedPlan};
use crate::render;
use miette::IntoDiagnostic;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub(super) async fn run(cli: &Cli, args: &PlanArgs) -> miette::Result<Outcome> {
    let started = Instant::now();
    let result = plan(cli, args).await;
    if let Some(path) = &args.metrics_file {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let plan = result.as_ref().ok().map(|(p, _)| p);
        let previous = crate::files::read_text(path, crate::files::CREDENTIAL_LIMIT).ok();
        let last_success = previous
            .as_deref()
            .and_then(crate::metrics::previous_success);
        let text = crate::metrics::render(plan, started.elapsed().as_secs_f64(), now, last_success);
        crate::metrics::write(path, &text)
            .into_diagnostic()
            .map_err(|e| e.wrap_err(format!("cannot write metrics to {}", path.display())))?;
    }
    let (_, outcome) = result?;
    Ok(outcome)
}

async fn plan(cli: &Cli, args: &PlanArgs) -> miette::Result<(crate::model::plan::Plan, Outcome)> {
    let session = open_session(cli).await?;
    let result = body(cli, args, &session.vault).await;
    session.close().await;
    result
}

async fn body(
    cli: &Cli,
    args: &PlanArgs,
    vault: &crate::vault::Vault,
) -> miette::Result<(crate::model::plan::Plan, Outcome)> {
    let planned = make_plan(cli, vault, &args.targets, args.out.is_some(), None).await?;
    let plan = planned.plan;
    let key = planned.key;
    super::leave_to_exit((planned.desired, planned.live));
    // Buffered: a plan of thousands of changes is one write, not one per line.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match args.format {
        Format::Human => {
            render::human::render_with(&plan, &mut out, stdout_style(cli), args.compact)
        }
        Format::Json => render::json::render(&plan, &mut out),
        Format::Markdown => render::markdown::render(&plan, &mut out),
    }
    .and_then(|()| {
        use std::io::Write;
        out.flush()
    });
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.into_diagnostic()?,
    }
    if let Some(path) = &args.out {
        let key = key
            .as_ref()
            .ok_or_else(|| miette::miette!("no fingerprint key"))?;
        let saved = SavedPlan {
            saved_plan_version: planfile::SAVED_PLAN_VERSION,
            vaultform_version: env!("CARGO_PKG_VERSION").to_string(),
            created_unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            manifest: cli.manifest.display().to_string(),
            vault_addr: vault.address().to_string(),
            key_id: planfile::key_id(key),
            targets: args.targets.clone(),
            plan: plan.clone(),
        };
        planfile::write(path, &saved)?;
        if args.format == Format::Human {
            use std::io::Write;
            writeln!(
                out,
                "Saved the plan to {}; apply it with `vaultform apply {}`.",
                path.display(),
                path.display()
            )
            .and_then(|()| out.flush())
            .into_diagnostic()?;
        }
    }
    let outcome = if args.detailed_exitcode && plan.has_changes() {
        Outcome::Changes
    } else {
        Outcome::Ok
    };
    Ok((plan, outcome))
}
