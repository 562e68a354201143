//! `vaultform apply`: plan, show, confirm, apply.

use super::{ApplyArgs, Cli, Outcome, make_plan, stdout_style};
use crate::apply::{ApplyOptions, apply};
use crate::plan::Action;
use crate::render;
use miette::{IntoDiagnostic, miette};
use std::io::{BufRead, IsTerminal, Write};

pub(super) async fn run(cli: &Cli, args: &ApplyArgs) -> miette::Result<Outcome> {
    let planned = make_plan(cli).await?;
    let plan = &planned.plan;
    let style = stdout_style(cli);
    let mut out = std::io::stdout().lock();
    render::human::render(plan, &mut out, style).into_diagnostic()?;
    if !plan.has_changes() {
        return Ok(Outcome::Ok);
    }
    if !args.auto_approve {
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
            return Ok(Outcome::Ok);
        }
    }
    let opts = ApplyOptions {
        allow_destroy: args.allow_destroy,
        parallelism: cli.parallelism as usize,
    };
    let report = apply(&planned.vault, plan, &planned.desired, &planned.live, opts).await?;
    let count = |a: Action| report.applied.iter().filter(|(_, x)| *x == a).count();
    writeln!(
        out,
        "Apply complete: {} created, {} updated, {} replaced, {} deleted, {} adopted.",
        count(Action::Create),
        count(Action::Update),
        count(Action::Replace),
        count(Action::Delete),
        count(Action::Adopt)
    )
    .into_diagnostic()?;
    Ok(Outcome::Ok)
}
