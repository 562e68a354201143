//! Runs a [`Plan`] in dependency order: the ownership record first (so a crash
//! never leaves something created but unclaimed), then creates and updates kind
//! by kind (concurrently within a kind), then deletions in reverse, then the
//! record's removals. Every step is idempotent; KV writes use check-and-set
//! against the version the plan read. The applier makes no choices and knows
//! no kind: each change goes to its kind's contract, which takes values from
//! the manifest and decisions from the plan.

use crate::kinds::registry;
use crate::model::plan::{Action, Change, Plan};
use crate::model::{Address, Desired, Kind, Live};
use crate::ownership;
use crate::vault::{Vault, VaultError};
use futures::stream::{self, StreamExt};
use std::collections::{BTreeMap, BTreeSet};

pub use crate::secret::generate;

/// How to apply.
#[derive(Clone, Copy, Debug)]
pub struct ApplyOptions {
    /// Allow changes that destroy data (deleting or replacing mounts and auth methods).
    pub allow_destroy: bool,
    /// Maximum requests in flight.
    pub parallelism: usize,
}

/// Why apply stopped.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ApplyError {
    /// The plan destroys data and `--allow-destroy` was not given.
    #[error("the plan destroys data and --allow-destroy was not given: {}", list(.addresses))]
    #[diagnostic(
        code(vaultform::apply::destructive),
        help("read the plan; if destroying these is intended, run again with --allow-destroy")
    )]
    Destructive {
        /// The destructive changes.
        addresses: Vec<Address>,
    },
    /// A step failed; the steps before it were applied.
    #[error(
        "applying {address} failed after {done} successful step(s); run `vaultform plan` to see what is left"
    )]
    #[diagnostic(code(vaultform::apply::failed))]
    Step {
        /// The resource being changed.
        address: String,
        /// Steps done before.
        done: usize,
        /// The Vault error.
        #[source]
        #[diagnostic_source]
        source: VaultError,
    },
    /// A manifest value the plan needs is missing (the manifest changed since planning).
    #[error("the manifest no longer declares {address}, which the plan changes")]
    #[diagnostic(
        code(vaultform::apply::manifest_changed),
        help("run `vaultform plan` again")
    )]
    ManifestChanged {
        /// The resource.
        address: Address,
    },
}

fn list(a: &[Address]) -> String {
    a.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What apply did.
#[derive(Debug, Default)]
pub struct ApplyReport {
    /// Changes applied, in order.
    pub applied: Vec<(Address, Action)>,
    /// What each applied change (but adoptions) says later plans may take
    /// as known (`None`: nothing; a later plan reads it).
    pub known: BTreeMap<Address, Option<String>>,
}

/// Applies `plan`, taking values from `desired` and, for generated and
/// external keys that already exist, from `live`.
pub async fn apply(
    vault: &Vault,
    plan: &Plan,
    desired: &Desired,
    live: &Live,
    opts: ApplyOptions,
) -> Result<ApplyReport, ApplyError> {
    let destructive: Vec<Address> = plan
        .destructive()
        .iter()
        .map(|c| c.address.clone())
        .collect();
    if !destructive.is_empty() && !opts.allow_destroy {
        return Err(ApplyError::Destructive {
            addresses: destructive,
        });
    }
    // Everything the plan needs from the manifest must be there before the first write.
    for c in &plan.changes {
        if c.action != Action::Delete && !desired.declares(&c.address) {
            return Err(ApplyError::ManifestChanged {
                address: c.address.clone(),
            });
        }
    }
    let mut report = ApplyReport::default();
    let step_err = |address: &str, done: usize| {
        let address = address.to_string();
        move |source: VaultError| ApplyError::Step {
            address,
            done,
            source,
        }
    };
    let record = "ownership record";
    let mut managed: BTreeSet<Address> = live.managed.addresses.clone();
    let mut record_version = plan.ownership.record_version;
    if !plan.ownership.add.is_empty() {
        if plan.ownership.create_mount {
            ownership::create_mount(vault, &desired.ownership_mount)
                .await
                .map_err(step_err(record, 0))?;
        }
        managed.extend(plan.ownership.add.iter().cloned());
        record_version = ownership::write(
            vault,
            &desired.ownership_mount,
            &desired.name,
            &managed,
            record_version,
        )
        .await
        .map_err(step_err(record, 0))?;
    }
    // A migration: what this manifest took over leaves the other record, after
    // it entered this one (in between, both claim it; the next plan completes it).
    for r in &plan.ownership.release {
        let mut theirs = live
            .managed
            .others
            .get(&r.manifest)
            .map(|o| o.addresses.clone())
            .unwrap_or_default();
        for a in &r.addresses {
            theirs.remove(a);
        }
        ownership::write(
            vault,
            &desired.ownership_mount,
            &r.manifest,
            &theirs,
            r.record_version,
        )
        .await
        .map_err(step_err(record, 0))?;
    }

    // The key for saved plans' fingerprints lives beside the record; make it
    // once, so later `plan --out` runs need only read access.
    let key = match &live.managed.fingerprint_key {
        Some(key) => key.clone(),
        None => {
            if !live.managed.mount_exists && !plan.ownership.create_mount {
                ownership::create_mount(vault, &desired.ownership_mount)
                    .await
                    .map_err(step_err(record, 0))?;
            }
            ownership::ensure_fingerprint_key(vault, &desired.ownership_mount)
                .await
                .map_err(step_err(record, 0))?
        }
    };

    if let Err(e) = run_changes(vault, plan, desired, live, opts, &key, &mut report).await {
        // The record was written first, so that a crash never leaves something
        // created but unclaimed. A create that failed created nothing: take its
        // address back out, so that a later manifest without it can never
        // delete what someone else creates at that path.
        let applied: BTreeSet<&Address> = report.applied.iter().map(|(a, _)| a).collect();
        let failed: Vec<&Address> = plan
            .changes
            .iter()
            .filter(|c| c.action == Action::Create && plan.ownership.add.contains(&c.address))
            .map(|c| &c.address)
            .filter(|a| !applied.contains(a))
            .collect();
        if !failed.is_empty() {
            for a in &failed {
                managed.remove(*a);
            }
            if let Err(prune) = ownership::write(
                vault,
                &desired.ownership_mount,
                &desired.name,
                &managed,
                record_version,
            )
            .await
            {
                tracing::warn!(
                    error = %prune,
                    "could not take the addresses of failed creates back out of the ownership record"
                );
            }
        }
        return Err(e);
    }

    record_write_only(vault, desired, live, &key, &report)
        .await
        .map_err(step_err("write-only fingerprints", report.applied.len()))?;

    if !plan.ownership.remove.is_empty() {
        for a in &plan.ownership.remove {
            managed.remove(a);
        }
        let done = report.applied.len();
        ownership::write(
            vault,
            &desired.ownership_mount,
            &desired.name,
            &managed,
            record_version,
        )
        .await
        .map_err(step_err(record, done))?;
    }
    remember(vault, desired, live, plan, &report, &key, &managed).await;
    Ok(report)
}

/// Records what this run knows of the resources it wrote or read (the
/// known record beside the ownership record), so that later plans can skip
/// reading what has not changed since: the entries the applied changes gave,
/// and those of resources the plan read and found exactly as declared.
/// Only for addresses in `managed` that the manifest declares. Writes
/// nothing when the record would not change. A failure is only a warning:
/// without the record, later plans read everything.
pub async fn remember(
    vault: &Vault,
    desired: &Desired,
    live: &Live,
    plan: &Plan,
    report: &ApplyReport,
    key: &crate::secret::FingerprintKey,
    managed: &BTreeSet<Address>,
) {
    let mut next = live.known.entries.clone();
    for (address, known) in &report.known {
        match known {
            Some(e) => next.insert(address.clone(), e.clone()),
            None => next.remove(address),
        };
    }
    let changed: BTreeSet<&Address> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::Adopt)
        .map(|c| &c.address)
        .collect();
    for def in registry::all().filter(|d| d.uses_known()) {
        for name in desired.items.names(def.kind()) {
            let address = Address::new(def.kind(), name.clone());
            if changed.contains(&address) || report.known.contains_key(&address) {
                continue;
            }
            if let Some(e) = def.known(desired, live, name, key) {
                next.insert(address, e);
            }
        }
    }
    next.retain(|a, _| managed.contains(a) && desired.declares(a));
    if next == live.known.entries {
        return;
    }
    if let Err(e) = ownership::write_known(
        vault,
        &desired.ownership_mount,
        &desired.name,
        &next,
        live.known.version,
    )
    .await
    {
        tracing::warn!(
            error = %e,
            "could not record what this apply knows of the secrets; later plans read them"
        );
    }
}

/// Creates and updates kind by kind, then deletions in reverse, then adoptions.
async fn run_changes(
    vault: &Vault,
    plan: &Plan,
    desired: &Desired,
    live: &Live,
    opts: ApplyOptions,
    key: &crate::secret::FingerprintKey,
    report: &mut ApplyReport,
) -> Result<(), ApplyError> {
    let (deletes, rest): (Vec<&Change>, Vec<&Change>) = plan
        .changes
        .iter()
        .partition(|c| c.action == Action::Delete);
    for kind in Kind::all() {
        let batch: Vec<&Change> = rest
            .iter()
            .copied()
            .filter(|c| c.address.kind == kind && c.action != Action::Adopt)
            .collect();
        for layer in layers(batch, desired) {
            run_batch(vault, &layer, desired, live, opts.parallelism, key, report).await?;
        }
    }
    for kind in Kind::all().rev() {
        let batch: Vec<&Change> = deletes
            .iter()
            .copied()
            .filter(|c| c.address.kind == kind)
            .collect();
        run_batch(vault, &batch, desired, live, opts.parallelism, key, report).await?;
    }
    for c in rest.iter().filter(|c| c.action == Action::Adopt) {
        report.applied.push((c.address.clone(), Action::Adopt));
    }

    Ok(())
}

/// A kind's changes in layers: a change runs after the changes of the same
/// kind it depends on (a group after the groups it has as members, an
/// intermediate CA after its signer), each layer concurrently. Kinds refuse
/// cycles offline; if one got here anyway, the rest runs as one last layer.
fn layers<'c>(mut batch: Vec<&'c Change>, desired: &Desired) -> Vec<Vec<&'c Change>> {
    let in_batch: std::collections::BTreeSet<Address> =
        batch.iter().map(|c| c.address.clone()).collect();
    let deps: std::collections::BTreeMap<Address, Vec<Address>> = batch
        .iter()
        .map(|c| {
            let d = registry::def(c.address.kind)
                .map(|def| def.depends_on(desired, &c.address.name))
                .unwrap_or_default()
                .into_iter()
                .filter(|a| a != &c.address && in_batch.contains(a))
                .collect();
            (c.address.clone(), d)
        })
        .collect();
    let mut done: std::collections::BTreeSet<Address> = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    while !batch.is_empty() {
        let (ready, waiting): (Vec<&Change>, Vec<&Change>) = batch.into_iter().partition(|c| {
            deps.get(&c.address)
                .is_none_or(|d| d.iter().all(|a| done.contains(a)))
        });
        if ready.is_empty() {
            out.push(waiting);
            break;
        }
        done.extend(ready.iter().map(|c| c.address.clone()));
        out.push(ready);
        batch = waiting;
    }
    out
}

async fn run_batch(
    vault: &Vault,
    batch: &[&Change],
    desired: &Desired,
    live: &Live,
    parallelism: usize,
    key: &crate::secret::FingerprintKey,
    report: &mut ApplyReport,
) -> Result<(), ApplyError> {
    if batch.is_empty() {
        return Ok(());
    }
    let done = report.applied.len();
    type Done = (Address, Action, Option<String>);
    let results: Vec<Result<Done, ApplyError>> = stream::iter(batch.iter().copied())
        .map(|c| async move {
            let applied =
                one(vault, c, desired, live, key)
                    .await
                    .map_err(|source| ApplyError::Step {
                        address: c.address.to_string(),
                        done,
                        source,
                    })?;
            Ok((c.address.clone(), c.action, applied.known))
        })
        .buffer_unordered(parallelism.max(1))
        .collect()
        .await;
    let mut first_err = None;
    let mut ok = Vec::new();
    for r in results {
        match r {
            Ok(x) => ok.push(x),
            Err(e) if first_err.is_none() => first_err = Some(e),
            Err(_) => {}
        }
    }
    ok.sort();
    for (address, action, known) in ok {
        report.known.insert(address.clone(), known);
        report.applied.push((address, action));
    }
    match first_err {
        Some(ApplyError::Step {
            address, source, ..
        }) => Err(ApplyError::Step {
            address,
            done: report.applied.len(),
            source,
        }),
        Some(e) => Err(e),
        None => Ok(()),
    }
}

async fn one(
    vault: &Vault,
    c: &Change,
    desired: &Desired,
    live: &Live,
    key: &crate::secret::FingerprintKey,
) -> Result<crate::kinds::contract::Applied, VaultError> {
    match registry::def(c.address.kind) {
        Some(def) => def.apply(vault, c, desired, live, key).await,
        None => Err(VaultError::Internal {
            what: format!("no kind `{}`", c.address.kind),
        }),
    }
}

/// Records the keyed fingerprints of the write-only values the applied
/// changes wrote (and forgets those of deleted resources), so that the next
/// plan can tell whether the manifest's value changed. Never a value.
async fn record_write_only(
    vault: &Vault,
    desired: &Desired,
    live: &Live,
    key: &crate::secret::FingerprintKey,
    report: &ApplyReport,
) -> Result<(), VaultError> {
    let mut next = live.write_only.fingerprints.clone();
    for (address, action) in &report.applied {
        let Some(def) = registry::def(address.kind) else {
            continue;
        };
        let prefix = format!("{address}#");
        match action {
            Action::Delete => next.retain(|k, _| !k.starts_with(&prefix)),
            Action::Create | Action::Update | Action::Replace => {
                for (field, value) in def.write_only(desired, &address.name) {
                    let k = crate::model::WriteOnly::key(address, &field);
                    next.insert(k, value.fingerprint(key).0);
                }
            }
            Action::Adopt => {}
        }
    }
    if next == live.write_only.fingerprints {
        return Ok(());
    }
    ownership::write_write_only(
        vault,
        &desired.ownership_mount,
        &desired.name,
        &next,
        live.write_only.version,
    )
    .await
}
