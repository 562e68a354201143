//! Reads live state: everything the manifest declares and everything the
//! ownership record says vaultform manages, in three waves (whole-server
//! lists, lists inside mounts, single resources), each wave's reads of every
//! kind in one stream with at most `parallelism` requests in flight.
//!
//! Knows no kind: each kind's contract says what to read and stores what it
//! read. Decides nothing; collections are `BTreeMap`s so that the result
//! never depends on which request finished first.

use crate::kinds::contract::{Store, Wave};
use crate::kinds::registry;
use crate::model::Desired;
use crate::ownership;
use crate::vault::{Vault, VaultError};
use futures::FutureExt;
use futures::stream::{self, StreamExt, TryStreamExt};

pub use crate::kinds::kv::MAX_KV_PATHS;
pub use crate::kinds::mount::longest_mount;
pub use crate::model::{Live, Managed, Record};

/// Reads live state for `desired` with at most `parallelism` requests in flight.
pub async fn read(
    vault: &Vault,
    desired: &Desired,
    parallelism: usize,
) -> Result<Live, VaultError> {
    read_with(vault, desired, parallelism, false).await
}

/// Reads everything the server has of every kind ([`Live::everything`]),
/// for `vaultform import`.
pub async fn read_everything(
    vault: &Vault,
    desired: &Desired,
    parallelism: usize,
) -> Result<Live, VaultError> {
    read_with(vault, desired, parallelism, true).await
}

async fn read_with(
    vault: &Vault,
    desired: &Desired,
    parallelism: usize,
    everything: bool,
) -> Result<Live, VaultError> {
    let parallelism = parallelism.max(1);
    let mut live = Live {
        everything,
        ..Live::default()
    };
    // What this manifest last knew of its resources: read when it declares
    // resources of a kind that can skip reading what has not changed.
    let wants_known = registry::all().any(|k| k.uses_known() && desired.items.len(k.kind()) > 0);
    let known = async {
        if wants_known {
            ownership::read_known(vault, &desired.ownership_mount, &desired.name).await
        } else {
            Ok(crate::model::Known::default())
        }
    };
    let (managed, known, stores) = tokio::try_join!(
        ownership::read(vault, &desired.ownership_mount, &desired.name),
        known,
        wave(Wave::Root, vault, desired, &live, parallelism),
    )?;
    for store in stores {
        store(&mut live);
    }
    live.managed = managed;
    live.known = known;
    live.managed.mount_exists = ownership::mount_exists(&live, &desired.ownership_mount);
    // Write-only values are compared through the fingerprints of the values
    // last written: read them only when the manifest has such values, or
    // manages resources that may have some (to forget them when deleted).
    let has_write_only = registry::all().filter(|k| k.has_write_only()).any(|k| {
        live.managed.names(k.kind()).next().is_some()
            || desired
                .items
                .names(k.kind())
                .any(|n| !k.write_only(desired, n).is_empty())
    });
    if has_write_only {
        live.write_only =
            ownership::read_write_only(vault, &desired.ownership_mount, &desired.name).await?;
    }
    for w in [Wave::Lists, Wave::Items] {
        for store in wave(w, vault, desired, &live, parallelism).await? {
            store(&mut live);
        }
    }
    Ok(live)
}

/// Runs one wave of every kind's reads.
async fn wave(
    wave: Wave,
    vault: &Vault,
    desired: &Desired,
    live: &crate::model::Live,
    parallelism: usize,
) -> Result<Vec<Store>, VaultError> {
    let everything = live.everything;
    let reads: Vec<_> = registry::all()
        .flat_map(|k| k.reads(wave, vault, desired, live))
        .map(|read| {
            read.map(move |r| match r {
                // Reading everything (`vaultform import`), what the token
                // may not read is skipped and said, not fatal.
                Err(VaultError::PermissionDenied { method, path }) if everything => {
                    let store: Store = Box::new(move |live: &mut crate::model::Live| {
                        live.unreadable.push(format!("{method} {path}"));
                    });
                    Ok(store)
                }
                other => other,
            })
        })
        .collect();
    stream::iter(reads)
        .buffer_unordered(parallelism)
        // The first error ends the read: the reads still pending are dropped
        // (a dead server fails a plan of thousands of reads at once).
        .try_collect()
        .await
}
