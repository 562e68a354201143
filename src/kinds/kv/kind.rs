//! The contract of KV v2 secrets (`[secrets."MOUNT/PATH"]`).

use super::model::{DesiredSecret, DesiredValue, KnownSecret, KvTree, LiveSecret};
use crate::diag::Problem;
use crate::kinds::contract::{
    Applied, Declare, KindDef, PlanCx, ReadFuture, Section, Store, Wave,
};
use crate::kinds::declare::Val;
use crate::kinds::mount::{DesiredBackend, LiveBackend, longest_mount};
use crate::model::plan::{Action, Change, Plan, UNMANAGED_KV_SAMPLE, UnmanagedKv};
use crate::model::store::union;
use crate::model::{Address, Desired, Kind, Live};
use crate::names::{self, NameError};
use crate::secret::{FingerprintKey, Secret};
use crate::vault::{Vault, VaultError};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A KV v2 secret.
pub const KIND: Kind = Kind::new(70, "kv");

/// At most this many secret paths are listed per KV mount.
pub const MAX_KV_PATHS: usize = 100_000;

/// KV v2 secrets.
pub struct Secrets;

/// The registry's entry.
pub static SECRETS: Secrets = Secrets;

/// The mount a secret key lives on, as far as the server says: the declared
/// mount when the manifest declares it, else the longest mount on the server.
fn live_mount(desired: &Desired, live: &Live, key: &str) -> Option<String> {
    desired
        .items
        .get::<DesiredSecret>(KIND, key)
        .filter(|s| desired.items.contains(Kind::MOUNT, &s.mount))
        .map(|s| s.mount.clone())
        .or_else(|| longest_mount(live.items.names(Kind::MOUNT), key))
}

fn is_live_kv2(live: &Live, mount: &str) -> bool {
    live.items
        .get::<LiveBackend>(Kind::MOUNT, mount)
        .is_some_and(LiveBackend::is_kv2)
}

impl KindDef for Secrets {
    fn kind(&self) -> Kind {
        KIND
    }

    fn about(&self) -> &'static str {
        "a KV v2 secret (`<mount>/data/<path>`)"
    }

    fn noun(&self) -> Option<&'static str> {
        Some("secret path(s)")
    }

    fn check_name(&self, name: &str) -> Result<(), NameError> {
        names::mount_and_path(name)
    }

    fn sections(&self) -> &'static [Section] {
        &[Section::Top("secrets")]
    }

    fn declare(&self, cx: &mut Declare<'_, '_>, value: &Val<'_>) {
        super::declare::secrets(cx, value);
    }

    fn schema(&self, _section: Section) -> Option<serde_json::Value> {
        Some(serde_json::json!({
            "type": "object",
            "description": "KV v2 secrets: [secrets.\"MOUNT/PATH\"], each key's value from its source",
            "propertyNames": {"pattern": crate::names::PATH_PATTERN},
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {"$ref": "#/definitions/value_source"},
            },
        }))
    }

    fn depends_on(&self, desired: &Desired, name: &str) -> Vec<Address> {
        desired
            .items
            .get::<DesiredSecret>(KIND, name)
            .map(|s| vec![Address::new(Kind::MOUNT, s.mount.clone())])
            .unwrap_or_default()
    }

    /// Places secrets whose mount the manifest does not declare on the
    /// longest matching mount of the server (mounts may be nested: `team/kv/app`).
    /// Completing again against another server state gives what completing
    /// the manifest as loaded would (apply plans twice with one manifest).
    fn complete(&self, desired: &mut Desired, live: &Live) {
        let declared: BTreeSet<String> = desired.items.names(Kind::MOUNT).cloned().collect();
        for (key, s) in desired.items.iter_mut::<DesiredSecret>(KIND) {
            if declared.contains(&s.mount) {
                continue;
            }
            let mount = longest_mount(live.items.names(Kind::MOUNT), key)
                // As loaded: the first segment (no declared mount matches).
                .or_else(|| key.split_once('/').map(|(m, _)| m.to_string()));
            if let Some(m) = mount {
                s.path = key[m.len() + 1..].to_string();
                s.mount = m;
            }
        }
    }

    /// Every secret must sit on a KV v2 mount, declared or on the server.
    fn check(&self, desired: &Desired, live: &Live) -> Vec<Problem> {
        let mut problems = Vec::new();
        for (name, s) in desired.items.iter::<DesiredSecret>(KIND) {
            let declared = desired.items.get::<DesiredBackend>(Kind::MOUNT, &s.mount);
            let existing = live.items.get::<LiveBackend>(Kind::MOUNT, &s.mount);
            let ok = match declared {
                Some(m) => m.is_kv2(),
                None => existing.is_some_and(|m| m.is_kv2()),
            };
            if ok {
                continue;
            }
            let what = match (declared, existing) {
                (None, None) => format!("no mount `{}` in the manifest or on the server", s.mount),
                (None, Some(m)) => format!(
                    "mount `{}` on the server is `{}`, not KV version 2",
                    s.mount, m.type_name
                ),
                (Some(_), _) => format!("mount `{}` in the manifest is not KV version 2", s.mount),
            };
            problems.push(desired.problem_at(
                &Address::new(KIND, name.clone()),
                "vaultform::manifest::not_kv2",
                format!("secret `{name}` is not on a KV v2 mount: {what}"),
                format!(
                    "declare [mounts.{}] with type = \"kv\" and options = {{ version = \"2\" }}",
                    s.mount
                ),
            ));
        }
        problems
    }

    fn uses_known(&self) -> bool {
        true
    }

    /// Lists wave: the whole tree of every KV v2 mount the manifest uses,
    /// with each secret's metadata, in one request per mount. Items wave:
    /// the data of each secret, unless the listing shows the very version
    /// the known record says held the declared values (see
    /// [`skip_read`]).
    fn reads<'a>(
        &'static self,
        wave: Wave,
        vault: &'a Vault,
        desired: &'a Desired,
        live: &Live,
    ) -> Vec<ReadFuture<'a>> {
        // Everything: also every secret the mounts' trees list.
        let secrets = || -> Vec<String> {
            let both = union(desired.items.names(KIND), live.managed.names(KIND));
            if !live.everything {
                return both.map(str::to_string).collect();
            }
            let mut s: BTreeSet<String> = both.map(str::to_string).collect();
            for (mount, tree) in live.facts.iter::<KvTree>(KIND) {
                for p in tree.paths.iter().flatten() {
                    // Only paths vaultform accepts are read; the export notes
                    // the others.
                    let full = format!("{mount}/{p}");
                    if names::mount_and_path(&full).is_ok() {
                        s.insert(full);
                    }
                }
            }
            s.into_iter().collect()
        };
        match wave {
            Wave::Root => Vec::new(),
            Wave::Lists => {
                // The KV v2 mounts the manifest uses: declared ones, and those
                // its secrets (or managed ones) live on. Their whole trees are
                // listed once.
                let mut kv_mounts: BTreeSet<String> = desired
                    .items
                    .iter::<DesiredBackend>(Kind::MOUNT)
                    .filter(|(_, d)| d.is_kv2())
                    .map(|(p, _)| p.clone())
                    .collect();
                kv_mounts.extend(
                    secrets()
                        .iter()
                        .filter_map(|k| longest_mount(live.items.names(Kind::MOUNT), k)),
                );
                if live.everything {
                    kv_mounts.extend(
                        live.items
                            .names(Kind::MOUNT)
                            .filter(|m| names::mount_path(m).is_ok())
                            .cloned(),
                    );
                }
                kv_mounts.remove(&desired.ownership_mount);
                kv_mounts
                    .into_iter()
                    .filter(|m| is_live_kv2(live, m))
                    .map(|mount| {
                        async move {
                            let tree = super::vault::list_all(vault, &mount, MAX_KV_PATHS).await?;
                            let store: Store = Box::new(move |live: &mut Live| {
                                live.facts.insert(KIND, mount, tree);
                            });
                            Ok(store)
                        }
                        .boxed()
                    })
                    .collect()
            }
            Wave::Items => {
                let mut reads: Vec<ReadFuture<'a>> = Vec::new();
                for key in secrets() {
                    let Some(mount) = live_mount(desired, live, &key) else {
                        continue;
                    };
                    if !is_live_kv2(live, &mount) {
                        continue;
                    }
                    let Some(path) = key
                        .strip_prefix(mount.as_str())
                        .and_then(|r| r.strip_prefix('/'))
                        .map(str::to_string)
                    else {
                        continue;
                    };
                    if let Some(s) = skip_read(desired, live, &key, &mount, &path)
                        .filter(|_| !live.everything)
                    {
                        reads.push(
                            async move {
                                let store: Store = Box::new(move |live: &mut Live| {
                                    live.items.insert(KIND, key, s);
                                });
                                Ok(store)
                            }
                            .boxed(),
                        );
                        continue;
                    }
                    reads.push(
                        async move {
                            let s = super::vault::read(vault, &mount, &path).await?;
                            let store: Store = Box::new(move |live: &mut Live| {
                                if let Some(s) = s {
                                    live.items.insert(KIND, key, s);
                                }
                            });
                            Ok(store)
                        }
                        .boxed(),
                    );
                }
                reads
            }
        }
    }

    /// `[secrets."MOUNT/PATH"]` with every key of the latest version: a
    /// string as `{ env = "..." }` (or `{ external = true }`, by option),
    /// any other value as `{ external = true }` (the manifest's sources give
    /// strings). Deleted or destroyed latest versions are left out.
    fn export(&self, live: &Live, out: &mut crate::kinds::export::Export) {
        let listed: Vec<String> = live
            .facts
            .iter::<KvTree>(KIND)
            .filter(|(m, _)| **m != out.ownership_mount)
            .flat_map(|(m, t)| t.paths.iter().flatten().map(move |p| format!("{m}/{p}")))
            .collect();
        out.note_refused(KIND, listed.iter(), |k| names::mount_and_path(k).is_ok());
        for (key, l) in live.items.iter::<LiveSecret>(KIND) {
            let Some(mount) = longest_mount(live.items.names(Kind::MOUNT), key) else {
                continue;
            };
            let address = Address::new(KIND, key.clone());
            if mount == out.ownership_mount
                || !out.wants(KIND, Some(&mount), key)
                || out.owned_elsewhere(live, &address)
            {
                continue;
            }
            if self.check_name(key).is_err() {
                out.notes.push(format!(
                    "secret `{}`: a path vaultform does not accept",
                    names::excerpt(key)
                ));
                continue;
            }
            let Some(data) = &l.data else {
                out.notes.push(format!(
                    "secret `{key}`: its latest version is deleted or destroyed"
                ));
                continue;
            };
            let mut t = toml::Table::new();
            let mut other = Vec::new();
            for (k, v) in data {
                let value = if v.expose().is_string() {
                    out.secret(&[key, k], v)
                } else {
                    other.push(k.clone());
                    let mut e = toml::Table::new();
                    e.insert("external".into(), toml::Value::Boolean(true));
                    toml::Value::Table(e)
                };
                t.insert(k.clone(), value);
            }
            if !other.is_empty() {
                out.notes.push(format!(
                    "secret `{key}`: {} not a string; declared {{ external = true }} (kept as it is)",
                    other.join(", ")
                ));
            }
            out.declare(
                &address,
                &["secrets", key],
                t,
                Some(Address::new(Kind::MOUNT, mount)),
            );
        }
    }

    /// A secret read by this plan that holds exactly what is declared: its
    /// version, created time and declared values' fingerprint.
    fn known(
        &self,
        desired: &Desired,
        live: &Live,
        name: &str,
        key: &FingerprintKey,
    ) -> Option<String> {
        let d = desired.items.get::<DesiredSecret>(KIND, name)?;
        let l = live.items.get::<LiveSecret>(KIND, name)?;
        if l.unchanged.is_some() || !l.data.as_ref().is_some_and(|data| super::diff::holds(d, data)) {
            return None;
        }
        known_entry(d, l.version, &l.created_time, key)
    }

    fn diff(&self, address: &Address, cx: &PlanCx<'_>) -> Option<Change> {
        super::diff::diff(
            address.clone(),
            cx.desired.items.get(KIND, &address.name),
            cx.live.items.get(KIND, &address.name),
            cx.fp,
        )
    }

    /// Warnings (mounts whose paths cannot be listed, `external` keys nobody
    /// set) and the unmanaged secrets on the KV mounts the manifest uses.
    fn finish(&self, cx: &PlanCx<'_>, plan: &mut Plan) {
        let (desired, live) = (cx.desired, cx.live);
        for (m, tree) in live.facts.iter::<KvTree>(KIND) {
            if tree.paths.is_none() {
                plan.warnings.push(format!(
                    "the token may not list {m}/metadata/ (`scan` or `list`): unmanaged secrets on {m}/ are not reported"
                ));
            }
        }
        for (name, d) in desired.items.iter::<DesiredSecret>(KIND) {
            let addr = Address::new(KIND, name.clone());
            let l = live.items.get::<LiveSecret>(KIND, name);
            plan.warnings.extend(super::diff::warnings(&addr, d, l, cx.fp));
        }
        for (mount, tree) in live.facts.iter::<KvTree>(KIND) {
            let Some(paths) = &tree.paths else {
                continue;
            };
            let mut entry = UnmanagedKv::default();
            for p in paths {
                let a = Address::new(KIND, format!("{mount}/{p}"));
                if desired.declares(&a)
                    || cx.managed.contains(&a)
                    || live.managed.owner_elsewhere(&a).is_some()
                {
                    continue;
                }
                entry.count += 1;
                if entry.sample.len() < UNMANAGED_KV_SAMPLE {
                    entry.sample.push(p.clone());
                }
            }
            if entry.count > 0 {
                plan.unmanaged_kv.insert(mount.clone(), entry);
            }
        }
    }

    /// Writes (or destroys) a secret; a write that holds every declared key
    /// is known from its answer's version and created time.
    fn apply<'a>(
        &'static self,
        vault: &'a Vault,
        change: &'a Change,
        desired: &'a Desired,
        live: &'a Live,
        key: &'a FingerprintKey,
    ) -> BoxFuture<'a, Result<Applied, VaultError>> {
        async move {
            let name = change.address.name.as_str();
            let missing = || VaultError::Internal {
                what: format!("{} is not in the manifest", change.address),
            };
            match change.action {
                Action::Adopt => Ok(Applied::default()),
                Action::Delete => {
                    let mount =
                        longest_mount(live.items.names(Kind::MOUNT), name).ok_or_else(missing)?;
                    super::vault::destroy(vault, &mount, &name[mount.len() + 1..]).await?;
                    Ok(Applied::default())
                }
                _ => {
                    let d = desired
                        .items
                        .get::<DesiredSecret>(KIND, name)
                        .ok_or_else(missing)?;
                    let existing = live
                        .items
                        .get::<LiveSecret>(KIND, name)
                        .and_then(|l| l.data.as_ref());
                    let data = write_data(d, existing, |length| {
                        Value::String(crate::secret::generate(length))
                    });
                    let cas = change.secret.as_ref().map(|s| s.cas).unwrap_or(0);
                    let written = super::vault::write(vault, &d.mount, &d.path, &data, cas).await?;
                    // Known only when the write holds every declared key (an
                    // external key nobody set is missing: read it next time,
                    // to warn again) and made the version check-and-set says.
                    let complete = d.keys.keys().all(|k| data.contains_key(k));
                    let known = (complete && written.version == cas + 1)
                        .then(|| known_entry(d, written.version, &written.created_time, key))
                        .flatten();
                    Ok(Applied { known })
                }
            }
        }
        .boxed()
    }

    fn simulate(&self, change: &Change, desired: &Desired, live: &mut Live) {
        let name = &change.address.name;
        if change.action == Action::Delete {
            live.items.remove(KIND, name);
            return;
        }
        let Some(d) = desired.items.get::<DesiredSecret>(KIND, name) else {
            return;
        };
        let old = live.items.get::<LiveSecret>(KIND, name);
        let data = write_data(d, old.and_then(|o| o.data.as_ref()), |_| {
            Value::String("generated".into())
        });
        let version = old.map(|o| o.version).unwrap_or(0) + 1;
        let data = data
            .into_iter()
            .map(|(k, v)| (k, Secret::new(v)))
            .collect();
        live.items.insert(
            KIND,
            name.clone(),
            LiveSecret {
                version,
                data: Some(data),
                ..LiveSecret::default()
            },
        );
    }

    fn arbitrary(&self, rng: &mut dyn rand::RngCore, desired: &mut Desired, live: &mut Live) {
        use rand::Rng;
        let values = ["x", "y", "z"];
        for _ in 0..rng.gen_range(0..3) {
            let path = format!("s{}", rng.gen_range(0..3));
            let mut keys = BTreeMap::new();
            for k in ["A", "B", "C"] {
                if rng.gen_bool(0.5) {
                    let v = match rng.gen_range(0..4) {
                        0 => DesiredValue::Generate { length: 8 },
                        1 => DesiredValue::External,
                        _ => DesiredValue::Value(Secret::from_string(
                            values[rng.gen_range(0..2)].to_string(),
                        )),
                    };
                    keys.insert(k.to_string(), v);
                }
            }
            let d = DesiredSecret::new("kv", path.clone(), keys);
            desired.items.insert(KIND, format!("kv/{path}"), d);
        }
        for _ in 0..rng.gen_range(0..4) {
            let path = format!("s{}", rng.gen_range(0..4));
            let mut data = BTreeMap::new();
            for k in ["A", "B", "D"] {
                if rng.gen_bool(0.5) {
                    let v = values[rng.gen_range(0..values.len())].to_string();
                    data.insert(k.to_string(), Secret::from_string(v));
                }
            }
            let data = rng.gen_bool(0.8).then_some(data);
            let s = LiveSecret {
                version: rng.gen_range(1..4),
                data,
                ..LiveSecret::default()
            };
            live.items.insert(KIND, format!("kv/{path}"), s);
        }
    }
}

/// The known-record entry of `d` at `version`, created at `created_time`;
/// `None` when the server gave no usable created time.
fn known_entry(
    d: &DesiredSecret,
    version: u64,
    created_time: &str,
    key: &FingerprintKey,
) -> Option<String> {
    let usable = version > 0
        && !created_time.is_empty()
        && created_time.bytes().all(|b| b.is_ascii_graphic());
    usable.then(|| {
        KnownSecret {
            version,
            created_time: created_time.to_string(),
            values: super::diff::values_fingerprint(d, key),
        }
        .entry()
    })
}

/// The secret as the known record says it is, without reading it: when the
/// plan has the persistent fingerprint key, the record has an entry for it
/// whose fingerprint is that of the declared values, and the mount's listing
/// shows that entry's version as the current one, with the same created
/// time, neither deleted nor destroyed. Anything else (a new version by hand,
/// a rollback, a soft delete, a destroy, a metadata delete and re-create, a
/// changed value in `.env`, a killed apply that wrote the secret but not the
/// record, a listing without metadata): `None`, and the secret is read.
fn skip_read(
    desired: &Desired,
    live: &Live,
    key: &str,
    mount: &str,
    path: &str,
) -> Option<LiveSecret> {
    let fp = live.managed.fingerprint_key.as_ref()?;
    let d = desired.items.get::<DesiredSecret>(KIND, key)?;
    let entry = live.known.entries.get(&Address::new(KIND, key))?;
    let known = KnownSecret::parse(entry)?;
    let meta = live.facts.get::<KvTree>(KIND, mount)?.meta.get(path)?;
    if !known.matches(meta) || known.values != super::diff::values_fingerprint(d, fp) {
        return None;
    }
    Some(LiveSecret {
        version: known.version,
        created_time: known.created_time,
        data: None,
        unchanged: Some(known.values),
    })
}

/// What a write of `d` holds: every key with a known value, generated keys
/// that exist kept as they are (new ones made by `generate`), external keys
/// kept as they are (and left out while nobody has set them).
pub fn write_data(
    d: &DesiredSecret,
    existing: Option<&BTreeMap<String, Secret>>,
    generate: impl Fn(usize) -> Value,
) -> BTreeMap<String, Value> {
    let mut data = BTreeMap::new();
    for (key, want) in &d.keys {
        let have = existing.and_then(|m| m.get(key));
        let value = match want {
            DesiredValue::Value(v) => Some(v.expose().clone()),
            DesiredValue::Generate { length } => Some(match have {
                Some(h) => h.expose().clone(),
                None => generate(*length),
            }),
            DesiredValue::External => have.map(|h| h.expose().clone()),
        };
        if let Some(v) = value {
            data.insert(key.clone(), v);
        }
    }
    data
}
