//! `vaultform rotate secret-id ROLE` and `vaultform rotate secret PATH KEY`.

use super::{Cli, Outcome, RotateCommand};

pub(super) async fn run(_cli: &Cli, _cmd: &RotateCommand) -> miette::Result<Outcome> {
    Err(miette::miette!("rotate is not implemented yet"))
}
