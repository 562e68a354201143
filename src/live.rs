//! Reads live state: everything the manifest declares and everything the
//! ownership record says vaultform manages, concurrently with a bound.
//!
//! Decides nothing; collections are `BTreeMap`s so that the result never
//! depends on which request finished first.

use crate::kinds::auth::LiveAuthConfig;
use crate::kinds::credentials::LiveCredentials;
use crate::kinds::kv::LiveSecret;
use crate::kinds::mount::LiveBackend;
use crate::kinds::mount::vault::Family;
use crate::kinds::policy::LivePolicy;
use crate::kinds::role::LiveRole;
use crate::kinds::{self, Address, Kind};
use crate::manifest::Desired;
use crate::ownership;
use crate::vault::{Vault, VaultError};
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet};

/// What vaultform manages, from the ownership record inside Vault.
#[derive(Clone, Debug, Default)]
pub struct Managed {
    /// Managed addresses.
    pub addresses: BTreeSet<Address>,
    /// The record's KV version (0 when there is none yet).
    pub version: u64,
    /// Whether the record's mount exists.
    pub mount_exists: bool,
    /// The key for saved plans' fingerprints, kept beside the record.
    pub fingerprint_key: Option<crate::secret::FingerprintKey>,
    /// Other manifests' records, by manifest name (only those that exist).
    pub others: BTreeMap<String, Record>,
}

/// One manifest's ownership record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// The addresses it claims.
    pub addresses: BTreeSet<Address>,
    /// Its KV version (0 when it does not exist).
    pub version: u64,
}

impl Managed {
    /// The other manifest whose record claims `address`, if any.
    pub fn owner_elsewhere(&self, address: &Address) -> Option<&str> {
        self.others
            .iter()
            .find(|(_, r)| r.addresses.contains(address))
            .map(|(n, _)| n.as_str())
    }
}

/// Live state, as far as the plan needs it.
#[derive(Clone, Debug, Default)]
pub struct Live {
    /// Every secrets engine mount.
    pub mounts: BTreeMap<String, LiveBackend>,
    /// Every auth method.
    pub auths: BTreeMap<String, LiveBackend>,
    /// Configs of the auth methods the manifest configures.
    pub auth_configs: BTreeMap<String, LiveAuthConfig>,
    /// Policies read (declared or managed ones that exist).
    pub policies: BTreeMap<String, LivePolicy>,
    /// Every policy name on the server.
    pub policy_names: BTreeSet<String>,
    /// AppRole roles read, keyed `<mount>/<name>`.
    pub approles: BTreeMap<String, LiveRole>,
    /// Every AppRole role listed on the mounts vaultform uses.
    pub approle_names: BTreeSet<String>,
    /// Kubernetes roles read, keyed `<mount>/<name>`.
    pub kubernetes_roles: BTreeMap<String, LiveRole>,
    /// Every Kubernetes role listed on the mounts vaultform uses.
    pub kubernetes_role_names: BTreeSet<String>,
    /// Secrets read, keyed `<mount>/<path>`.
    pub secrets: BTreeMap<String, LiveSecret>,
    /// Every secret path (relative, sorted) under each KV v2 mount the
    /// manifest uses, for reporting unmanaged secrets. At most
    /// [`MAX_KV_PATHS`] per mount.
    pub kv_paths: BTreeMap<String, Vec<String>>,
    /// KV v2 mounts whose paths the token may not list (neither SCAN nor LIST).
    pub kv_paths_denied: BTreeSet<String>,
    /// Delivered AppRole credentials, keyed `<mount>/<role>` (roles that exist).
    pub credentials: BTreeMap<String, LiveCredentials>,
    /// The ownership record.
    pub managed: Managed,
}

/// At most this many secret paths are listed per KV mount.
pub const MAX_KV_PATHS: usize = 100_000;

enum Read {
    KvPaths(String),
    Credentials(String),
    Policy(String),
    Role(Kind, String, String),
    AuthConfig(String),
    Secret(String, String),
}

enum Got {
    KvPaths(String, Option<Vec<String>>),
    Credentials(String, LiveCredentials),
    Policy(String, Option<LivePolicy>),
    Role(Kind, String, Option<LiveRole>),
    AuthConfig(String, Option<LiveAuthConfig>),
    Secret(String, Option<LiveSecret>),
}

/// Reads live state for `desired` with at most `parallelism` requests in flight.
pub async fn read(
    vault: &Vault,
    desired: &Desired,
    parallelism: usize,
) -> Result<Live, VaultError> {
    let parallelism = parallelism.max(1);
    let (mounts, auths, policy_names, mut managed) = tokio::try_join!(
        kinds::mount::vault::read_all(vault, Family::Mounts),
        kinds::mount::vault::read_all(vault, Family::Auth),
        kinds::policy::vault::list(vault),
        ownership::read(vault, &desired.ownership_mount, &desired.name),
    )?;
    managed.mount_exists = mounts.contains_key(&desired.ownership_mount);
    let mut live = Live {
        policy_names: policy_names.into_iter().collect(),
        managed,
        ..Live::default()
    };
    let managed = &live.managed.addresses;
    let names_of = |kind: Kind| -> BTreeSet<String> {
        managed
            .iter()
            .filter(|a| a.kind == kind)
            .map(|a| a.name.clone())
            .collect()
    };

    // Role lists: one per auth mount that declared or managed roles live on.
    let mut role_mounts: BTreeSet<(Kind, String)> = BTreeSet::new();
    for (kind, map) in [
        (Kind::Approle, &desired.approles),
        (Kind::KubernetesRole, &desired.kubernetes_roles),
    ] {
        let keys = map.keys().cloned().chain(names_of(kind));
        for key in keys {
            if let Some((mount, _)) = key.rsplit_once('/')
                && auths.contains_key(mount)
            {
                role_mounts.insert((kind, mount.to_string()));
            }
        }
    }
    let lists = stream::iter(role_mounts.iter().cloned())
        .map(|(kind, mount)| async move {
            let names = kinds::role::vault::list(vault, &mount).await?;
            Ok::<_, VaultError>((kind, mount, names))
        })
        .buffer_unordered(parallelism)
        // The first error ends the read: the reads still pending are dropped.
        .try_collect::<Vec<_>>()
        .await?;
    for (kind, mount, names) in lists {
        let set = match kind {
            Kind::Approle => &mut live.approle_names,
            _ => &mut live.kubernetes_role_names,
        };
        set.extend(names.into_iter().map(|n| format!("{mount}/{n}")));
    }

    // Point reads, only for things that exist according to the lists.
    let mut reads = Vec::new();
    let policies: BTreeSet<String> = desired
        .policies
        .keys()
        .cloned()
        .chain(names_of(Kind::Policy))
        .collect();
    reads.extend(
        policies
            .into_iter()
            .filter(|p| live.policy_names.contains(p))
            .map(Read::Policy),
    );
    for (kind, map, listed) in [
        (Kind::Approle, &desired.approles, &live.approle_names),
        (
            Kind::KubernetesRole,
            &desired.kubernetes_roles,
            &live.kubernetes_role_names,
        ),
    ] {
        let keys: BTreeSet<String> = map.keys().cloned().chain(names_of(kind)).collect();
        for key in keys.into_iter().filter(|k| listed.contains(k)) {
            if let Some((mount, name)) = key.rsplit_once('/') {
                reads.push(Read::Role(kind, mount.to_string(), name.to_string()));
            }
        }
    }
    for key in desired.credentials.keys() {
        if live.approle_names.contains(key) {
            reads.push(Read::Credentials(key.clone()));
        }
    }
    for path in desired.auth_configs.keys() {
        if auths.contains_key(path) {
            reads.push(Read::AuthConfig(path.clone()));
        }
    }
    let secrets: BTreeSet<String> = desired
        .secrets
        .keys()
        .cloned()
        .chain(names_of(Kind::Kv))
        .collect();
    // The KV v2 mounts the manifest uses: declared ones, and those its
    // secrets (or managed ones) live on. Their whole trees are listed once.
    let mut kv_mounts: BTreeSet<String> = desired
        .mounts
        .iter()
        .filter(|(_, d)| d.is_kv2())
        .map(|(p, _)| p.clone())
        .collect();
    kv_mounts.extend(secrets.iter().filter_map(|k| longest_mount(&mounts, k)));
    kv_mounts.remove(&desired.ownership_mount);
    reads.extend(
        kv_mounts
            .into_iter()
            .filter(|m| mounts.get(m).is_some_and(LiveBackend::is_kv2))
            .map(Read::KvPaths),
    );
    for key in secrets {
        // A mount declared in the manifest wins; otherwise the longest mount
        // on the server that the path starts with (mounts may be nested, `team/kv`).
        let mount = desired
            .secrets
            .get(&key)
            .filter(|s| desired.mounts.contains_key(&s.mount))
            .map(|s| s.mount.clone())
            .or_else(|| longest_mount(&mounts, &key));
        if let Some(mount) = mount
            && mounts.get(&mount).is_some_and(LiveBackend::is_kv2)
            && let Some(path) = key.strip_prefix(&format!("{mount}/"))
        {
            reads.push(Read::Secret(mount, path.to_string()));
        }
    }

    let results = stream::iter(reads)
        .map(|r| async move {
            Ok::<_, VaultError>(match r {
                Read::KvPaths(m) => {
                    let paths = kinds::kv::vault::list_all(vault, &m, MAX_KV_PATHS).await?;
                    Got::KvPaths(m, paths)
                }
                Read::Credentials(k) => {
                    let d = &desired.credentials[&k];
                    let c = kinds::credentials::vault::read(vault, d).await?;
                    Got::Credentials(k, c)
                }
                Read::Policy(n) => {
                    let p = kinds::policy::vault::read(vault, &n).await?;
                    Got::Policy(n, p)
                }
                Read::Role(kind, m, n) => {
                    let r = kinds::role::vault::read(vault, &m, &n).await?;
                    Got::Role(kind, format!("{m}/{n}"), r)
                }
                Read::AuthConfig(p) => {
                    let c = kinds::auth::vault::read(vault, &p).await?;
                    Got::AuthConfig(p, c)
                }
                Read::Secret(m, p) => {
                    let s = kinds::kv::vault::read(vault, &m, &p).await?;
                    Got::Secret(format!("{m}/{p}"), s)
                }
            })
        })
        .buffer_unordered(parallelism)
        // The first error ends the read: the reads still pending are dropped
        // (a dead server fails a plan of thousands of reads at once).
        .try_collect::<Vec<_>>()
        .await?;
    for r in results {
        match r {
            Got::KvPaths(m, Some(paths)) => {
                live.kv_paths.insert(m, paths);
            }
            Got::KvPaths(m, None) => {
                live.kv_paths_denied.insert(m);
            }
            Got::Credentials(k, c) => {
                live.credentials.insert(k, c);
            }
            Got::Policy(n, Some(p)) => {
                live.policies.insert(n, p);
            }
            Got::Role(Kind::Approle, k, Some(r)) => {
                live.approles.insert(k, r);
            }
            Got::Role(_, k, Some(r)) => {
                live.kubernetes_roles.insert(k, r);
            }
            Got::AuthConfig(p, Some(c)) => {
                live.auth_configs.insert(p, c);
            }
            Got::Secret(k, Some(s)) => {
                live.secrets.insert(k, s);
            }
            _ => {}
        }
    }
    live.mounts = mounts;
    live.auths = auths;
    Ok(live)
}

/// The mount a `<mount>/<path>` key lives on: the longest mount path prefix.
/// Generic over the map's values so it serves declared and live mounts alike.
pub fn longest_mount<V>(mounts: &BTreeMap<String, V>, key: &str) -> Option<String> {
    mounts
        .keys()
        .filter(|m| key.starts_with(&format!("{m}/")))
        .max_by_key(|m| m.len())
        .cloned()
}
