//! `vaultform operator init | unseal` and `vaultform bootstrap`.

use super::{BootstrapArgs, Cli, InitArgs, Outcome, UnsealArgs};

pub(super) async fn init(_cli: &Cli, _args: &InitArgs) -> miette::Result<Outcome> {
    Err(miette::miette!("operator init is not implemented yet"))
}

pub(super) async fn unseal(_cli: &Cli, _args: &UnsealArgs) -> miette::Result<Outcome> {
    Err(miette::miette!("operator unseal is not implemented yet"))
}

pub(super) async fn bootstrap(_cli: &Cli, _args: &BootstrapArgs) -> miette::Result<Outcome> {
    Err(miette::miette!("bootstrap is not implemented yet"))
}
