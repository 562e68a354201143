//! The whole of `plan`, as a library call: read the live state, complete and
//! check the manifest against it, plan, restrict to `--target`s. `plan` and
//! `apply` (and tests) call this; the CLI only parses arguments and prints.

use crate::diag::ManifestError;
use crate::kinds::registry;
use crate::model::plan::Plan;
use crate::model::{Address, Desired, Live};
use crate::secret::FingerprintKey;
use crate::vault::{Vault, VaultError};

/// How to plan.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Maximum requests in flight.
    pub parallelism: usize,
    /// Keep only these resources and what they depend on (`--target`).
    pub targets: Vec<Address>,
    /// Create the persistent fingerprint key in Vault if it is missing (for
    /// saved plans, whose fingerprints must be checkable later).
    pub ensure_key: bool,
}

/// A plan and everything it was made from.
pub struct Planned {
    /// The manifest, completed with facts from the server.
    pub desired: Desired,
    /// The server.
    pub live: Live,
    /// The plan.
    pub plan: Plan,
    /// The fingerprint key the plan used, if it is the persistent one in Vault.
    pub key: Option<FingerprintKey>,
}

/// Why there is no plan.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PlanError {
    /// The manifest does not fit the server.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Manifest(#[from] ManifestError),
    /// The server could not be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Vault(#[from] VaultError),
    /// A `--target` names nothing.
    #[error("target `{0}` is neither in the manifest nor managed by vaultform")]
    #[diagnostic(
        code(vaultform::cli::unknown_target),
        help("targets are addresses from the plan, e.g. policy.user-policy")
    )]
    UnknownTarget(Address),
}

/// Reads the server and plans `desired` against it.
pub async fn plan(
    vault: &Vault,
    mut desired: Desired,
    opts: &Options,
) -> Result<Planned, PlanError> {
    let mut live = match crate::live::read(vault, &desired, opts.parallelism).await {
        Ok(live) => live,
        Err(e) => return Err(vault.diagnose(e).await.into()),
    };
    for def in registry::all() {
        def.complete(&mut desired, &live);
    }
    let problems = crate::plan::check_against_live(&desired, &live);
    if !problems.is_empty() {
        return Err(desired.error(problems).into());
    }
    if opts.ensure_key && live.managed.fingerprint_key.is_none() {
        if !live.managed.mount_exists {
            crate::ownership::create_mount(vault, &desired.ownership_mount).await?;
            live.managed.mount_exists = true;
        }
        let key = crate::ownership::ensure_fingerprint_key(vault, &desired.ownership_mount).await?;
        live.managed.fingerprint_key = Some(key);
    }
    let key = live.managed.fingerprint_key.clone();
    let mut plan = crate::plan::plan(
        &desired,
        &live,
        key.as_ref().unwrap_or(&FingerprintKey::random()),
    );
    if !opts.targets.is_empty() {
        for t in &opts.targets {
            if !desired.declares(t) && !live.managed.addresses.contains(t) {
                return Err(PlanError::UnknownTarget(t.clone()));
            }
        }
        plan.restrict(&crate::plan::target_closure(&desired, &opts.targets));
    }
    let (r, l, w) = vault.counts().snapshot();
    tracing::info!(reads = r, lists = l, writes = w, "read live state");
    Ok(Planned {
        desired,
        live,
        plan,
        key,
    })
}
