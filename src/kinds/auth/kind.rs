//! The contract of auth method configurations (`[auth.PATH.config]`).

use super::model::{DesiredAuthConfig, LiveAuthConfig};
use crate::kinds::contract::{Declare, KindDef, PlanCx, ReadFuture, Section, Store, Wave};
use crate::kinds::declare::Val;
use crate::kinds::export::Export;
use crate::model::plan::{Action, Change};
use crate::model::{Address, Desired, Kind, Live};
use crate::names::{self, NameError};
use crate::secret::Secret;
use crate::vault::{Vault, VaultError};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::json;

/// An auth method's configuration.
pub const KIND: Kind = Kind::new(30, "auth_config");

/// Auth method configurations.
pub struct Configs;

/// Whether auth methods of `type_name` have a configuration vaultform
/// imports (the types of [`super::model::SENSITIVE_KEYS`]).
fn configurable(type_name: &str) -> bool {
    super::model::SENSITIVE_KEYS
        .iter()
        .any(|(t, _)| *t == type_name && !matches!(*t, "approle" | "userpass"))
}

/// The registry's entry.
pub static CONFIGS: Configs = Configs;

impl KindDef for Configs {
    fn kind(&self) -> Kind {
        KIND
    }

    fn about(&self) -> &'static str {
        "an auth method's configuration (`auth/<path>/config`)"
    }

    fn check_name(&self, name: &str) -> Result<(), NameError> {
        names::path(name)
    }

    fn sections(&self) -> &'static [Section] {
        &[Section::Nested {
            parent: Kind::AUTH,
            key: "config",
        }]
    }

    fn declare(&self, cx: &mut Declare<'_, '_>, value: &Val<'_>) {
        super::declare::config(cx, value);
    }

    fn schema(&self, _section: Section) -> Option<serde_json::Value> {
        // Keys are the method's own (any TOML value), or a `{ env }` /
        // `{ file }` source for a secret one.
        Some(serde_json::json!({"type": "object"}))
    }

    fn depends_on(&self, _desired: &Desired, name: &str) -> Vec<Address> {
        vec![Address::new(Kind::AUTH, name)]
    }

    fn reads<'a>(
        &'static self,
        wave: Wave,
        vault: &'a Vault,
        desired: &'a Desired,
        live: &Live,
    ) -> Vec<ReadFuture<'a>> {
        if wave != Wave::Items {
            return Vec::new();
        }
        // Everything: every auth method of a type whose configuration
        // vaultform knows.
        let everything: Vec<String> = if live.everything {
            live.items
                .iter::<crate::kinds::mount::LiveBackend>(Kind::AUTH)
                .filter(|(p, b)| configurable(&b.type_name) && names::path(p).is_ok())
                .map(|(p, _)| p.clone())
                .collect()
        } else {
            Vec::new()
        };
        let paths: std::collections::BTreeSet<String> = desired
            .items
            .names(KIND)
            .cloned()
            .chain(everything)
            .filter(|p| live.exists(Kind::AUTH, p))
            .collect();
        paths
            .into_iter()
            .map(|path| {
                async move {
                    let c = super::vault::read(vault, &path).await?;
                    let store: Store = Box::new(move |live: &mut Live| {
                        if let Some(c) = c {
                            live.items.insert(KIND, path, c);
                        }
                    });
                    Ok(store)
                }
                .boxed()
            })
            .collect()
    }

    /// Every key the server returns with a value, but the write-only ones
    /// (and their `*_set` flags): those stay as they are.
    fn export(&self, live: &Live, out: &mut Export) {
        for (path, l) in live.items.iter::<LiveAuthConfig>(KIND) {
            let Some(b) = live.items.get::<crate::kinds::mount::LiveBackend>(Kind::AUTH, path) else {
                continue;
            };
            let address = Address::new(KIND, path.clone());
            if !out.wants(KIND, Some(path), path) || out.owned_elsewhere(live, &address) {
                continue;
            }
            let t = &b.type_name;
            let mut table = toml::Table::new();
            let mut left_out = Vec::new();
            for (k, v) in l {
                let stem = k.strip_suffix("_set").unwrap_or(k);
                if super::model::is_write_only(t, k) || super::model::is_write_only(t, stem) {
                    left_out.push(stem.to_string());
                    continue;
                }
                if crate::kinds::export::is_empty(Some(v)) {
                    continue;
                }
                if let Some(v) = crate::kinds::export::json_to_toml(v) {
                    table.insert(k.clone(), v);
                }
            }
            if table.is_empty() {
                continue;
            }
            left_out.sort();
            left_out.dedup();
            if !left_out.is_empty() {
                out.notes.push(format!(
                    "{address}: {} not imported (the server never returns it; it stays as it is)",
                    left_out.join(", ")
                ));
            }
            out.declare(
                &address,
                &["auth", path, "config"],
                table,
                Some(Address::new(Kind::AUTH, path.clone())),
            );
        }
    }

    fn diff(&self, address: &Address, cx: &PlanCx<'_>) -> Option<Change> {
        super::diff::diff(
            address.clone(),
            cx.desired.items.get(KIND, &address.name),
            cx.live.items.get(KIND, &address.name),
            cx.fp,
            &cx.live.write_only.fingerprints,
        )
    }

    fn has_write_only(&self) -> bool {
        true
    }

    fn write_only<'d>(&self, desired: &'d Desired, name: &str) -> Vec<(String, &'d Secret)> {
        let Some(d) = desired.items.get::<DesiredAuthConfig>(KIND, name) else {
            return Vec::new();
        };
        d.values
            .iter()
            .filter(|(k, _)| super::model::is_write_only(&d.type_name, k))
            .map(|(k, v)| (k.clone(), v))
            .collect()
    }

    fn apply<'a>(
        &'static self,
        vault: &'a Vault,
        change: &'a Change,
        desired: &'a Desired,
        _live: &'a Live,
        _key: &'a crate::secret::FingerprintKey,
    ) -> BoxFuture<'a, Result<crate::kinds::contract::Applied, VaultError>> {
        crate::kinds::contract::nothing_known(async move {
            match change.action {
                // Configs go with their auth method.
                Action::Delete | Action::Adopt => Ok(()),
                _ => {
                    let d = desired
                        .items
                        .get::<DesiredAuthConfig>(KIND, &change.address.name)
                        .ok_or_else(|| VaultError::Internal {
                            what: format!("{} is not in the manifest", change.address),
                        })?;
                    super::vault::write(vault, d).await
                }
            }
        })
    }

    fn simulate(&self, change: &Change, desired: &Desired, live: &mut Live) {
        let name = &change.address.name;
        if change.action == Action::Delete {
            live.items.remove(KIND, name);
            return;
        }
        if let Some(d) = desired.items.get::<DesiredAuthConfig>(KIND, name) {
            let mut l = live
                .items
                .get::<LiveAuthConfig>(KIND, name)
                .cloned()
                .unwrap_or_default();
            for (k, v) in &d.values {
                if super::model::is_write_only(&d.type_name, k) {
                    // Never returned; the apply records its fingerprint.
                    if let Some(fp) = &live.managed.fingerprint_key {
                        let key = crate::model::WriteOnly::key(&change.address, k);
                        live.write_only.fingerprints.insert(key, v.fingerprint(fp).0);
                    }
                    continue;
                }
                l.insert(k.clone(), v.expose().clone());
            }
            live.items.insert(KIND, name.clone(), l);
        }
    }

    fn arbitrary(&self, rng: &mut dyn rand::RngCore, desired: &mut Desired, live: &mut Live) {
        use rand::Rng;
        let keys = ["kubernetes_host", "disable_local_ca_jwt", "token_reviewer_jwt"];
        for _ in 0..rng.gen_range(0..3) {
            let path = format!("p{}", rng.gen_range(0..3));
            let mut values = std::collections::BTreeMap::new();
            for k in keys {
                if rng.gen_bool(0.5) {
                    let v = ["a", "b"][rng.gen_range(0..2)];
                    values.insert(k.to_string(), Secret::new(json!(v)));
                }
            }
            let d = DesiredAuthConfig {
                path: path.clone(),
                type_name: "kubernetes".into(),
                values,
            };
            desired.items.insert(KIND, path, d);
        }
        for _ in 0..rng.gen_range(0..3) {
            let path = format!("p{}", rng.gen_range(0..4));
            let mut l = LiveAuthConfig::new();
            // The server never returns the write-only key.
            for k in &keys[..2] {
                if rng.gen_bool(0.5) {
                    l.insert(k.to_string(), json!(["a", "c"][rng.gen_range(0..2)]));
                }
            }
            live.items.insert(KIND, path, l);
        }
    }
}
