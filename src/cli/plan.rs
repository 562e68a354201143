//! `vaultform plan`: read live state, diff, print.

use super::{Cli, Format, Outcome, PlanArgs, make_plan, stdout_style};
use crate::render;
use miette::IntoDiagnostic;

pub(super) async fn run(cli: &Cli, args: &PlanArgs) -> miette::Result<Outcome> {
    let planned = make_plan(cli).await?;
    let plan = &planned.plan;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Human => render::human::render(plan, &mut out, stdout_style(cli)),
        Format::Json => render::json::render(plan, &mut out),
        Format::Markdown => render::markdown::render(plan, &mut out),
    }
    .into_diagnostic()?;
    Ok(if args.detailed_exitcode && plan.has_changes() {
        Outcome::Changes
    } else {
        Outcome::Ok
    })
}
