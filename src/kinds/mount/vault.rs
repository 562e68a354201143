//! Vault calls for mounts and auth methods: read all at once, enable, tune,
//! disable. Decides nothing.

use super::model::{DesiredBackend, LiveBackend};
use crate::vault::{Vault, VaultError};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Which API family: `sys/mounts` or `sys/auth`.
#[derive(Clone, Copy, Debug)]
pub enum Family {
    /// Secrets engines.
    Mounts,
    /// Auth methods.
    Auth,
}

impl Family {
    fn base(self) -> &'static str {
        match self {
            Family::Mounts => "sys/mounts",
            Family::Auth => "sys/auth",
        }
    }
}

/// Reads every backend of a family in one request, keyed by path without slash.
pub async fn read_all(
    vault: &Vault,
    family: Family,
) -> Result<BTreeMap<String, LiveBackend>, VaultError> {
    let body = vault.read(family.base()).await?.unwrap_or(Value::Null);
    let data = if body["data"].is_object() {
        &body["data"]
    } else {
        &body
    };
    let mut out = BTreeMap::new();
    if let Some(map) = data.as_object() {
        for (path, entry) in map {
            if !entry.is_object() || entry.get("type").is_none() {
                continue;
            }
            out.insert(
                path.trim_end_matches('/').to_string(),
                LiveBackend::from_json(entry),
            );
        }
    }
    Ok(out)
}

fn config_json(d: &DesiredBackend) -> Map<String, Value> {
    d.config
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect()
}

/// Enables a backend.
pub async fn enable(vault: &Vault, family: Family, d: &DesiredBackend) -> Result<(), VaultError> {
    let mut body = json!({ "type": d.type_name, "config": config_json(d) });
    if let Some(desc) = &d.description {
        body["description"] = json!(desc);
    }
    if !d.options.is_empty() {
        body["options"] = json!(d.options);
    }
    if let Some(local) = d.local {
        body["local"] = json!(local);
    }
    if let Some(sw) = d.seal_wrap {
        body["seal_wrap"] = json!(sw);
    }
    // Not repeated after an unknown outcome: a second enable of a mount that
    // the first one created fails with "path is already in use".
    vault
        .write_once(&format!("{}/{}", family.base(), d.path), &body)
        .await
        .map(drop)
}

/// Tunes a backend in place with every tunable field the manifest sets.
pub async fn tune(vault: &Vault, family: Family, d: &DesiredBackend) -> Result<(), VaultError> {
    let mut body = Value::Object(config_json(d));
    if let Some(desc) = &d.description {
        body["description"] = json!(desc);
    }
    if !d.options.is_empty() {
        body["options"] = json!(d.options);
    }
    vault
        .write(&format!("{}/{}/tune", family.base(), d.path), &body)
        .await
        .map(drop)
}

/// Disables a backend (destroys everything under it).
pub async fn disable(vault: &Vault, family: Family, path: &str) -> Result<(), VaultError> {
    vault.delete(&format!("{}/{}", family.base(), path)).await
}
