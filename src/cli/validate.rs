//! `vaultform validate`: every offline check, no server.

use super::{Cli, Outcome};
use std::io::Write;

pub(super) fn run(cli: &Cli) -> miette::Result<Outcome> {
    let desired = crate::manifest::load(&cli.manifest)?;
    let mut out = std::io::stdout().lock();
    for w in &desired.warnings {
        writeln!(out, "Warning: {w}").ok();
    }
    writeln!(
        out,
        "{} is valid: {} mount(s), {} auth method(s), {} policies, {} role(s), {} secret path(s).",
        cli.manifest.display(),
        desired.mounts.len(),
        desired.auths.len(),
        desired.policies.len(),
        desired.approles.len() + desired.kubernetes_roles.len(),
        desired.secrets.len()
    )
    .ok();
    super::leave_to_exit(desired);
    Ok(Outcome::Ok)
}
