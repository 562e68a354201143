//! The ownership record: which resources vaultform manages, kept inside Vault
//! itself (never in a local file), so that removing a resource from the manifest
//! deletes it only if vaultform created or adopted it.
//!
//! The record is one KV v2 secret, `<ownership_mount>/data/managed` (mount
//! `vaultform/` by default), whose `addresses` key holds a sorted list of
//! addresses such as `policy.user-policy`. It holds no secret values. Writes use
//! check-and-set, so two concurrent applies cannot lose each other's entries.

use crate::kinds::Address;
use crate::kinds::mount::LiveBackend;
use crate::live::Managed;
use crate::vault::{Vault, VaultError};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The record's path inside its mount.
pub const RECORD_PATH: &str = "managed";

/// Reads the record. A missing mount or secret means nothing is managed yet.
pub async fn read(
    vault: &Vault,
    mount: &str,
    mounts: &BTreeMap<String, LiveBackend>,
) -> Result<Managed, VaultError> {
    if !mounts.contains_key(mount) {
        return Ok(Managed::default());
    }
    let api = format!("{mount}/data/{RECORD_PATH}");
    let resp = vault.send(reqwest::Method::GET, &api, None).await?;
    let version = resp.body["data"]["metadata"]["version"]
        .as_u64()
        .unwrap_or(0);
    let addresses = match resp.status {
        200 => resp.body["data"]["data"]["addresses"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().and_then(Address::parse))
                    .collect()
            })
            .unwrap_or_default(),
        404 => BTreeSet::new(),
        _ => return Err(VaultError::from_response("GET", &api, resp)),
    };
    Ok(Managed {
        addresses,
        version,
        mount_exists: true,
    })
}

/// Creates the record's mount (KV v2).
pub async fn create_mount(vault: &Vault, mount: &str) -> Result<(), VaultError> {
    vault
        .write(
            &format!("sys/mounts/{mount}"),
            &json!({
                "type": "kv",
                "options": { "version": "2" },
                "description": "vaultform ownership record (resource addresses only, no secret values)",
            }),
        )
        .await
        .map(drop)
}

/// Writes the record with check-and-set against `version`; returns the new version.
pub async fn write(
    vault: &Vault,
    mount: &str,
    addresses: &BTreeSet<Address>,
    version: u64,
) -> Result<u64, VaultError> {
    let api = format!("{mount}/data/{RECORD_PATH}");
    let list: Vec<String> = addresses.iter().map(|a| a.to_string()).collect();
    let body = json!({ "options": { "cas": version }, "data": { "addresses": list, "format": 1 } });
    match vault.write(&api, &body).await {
        Ok(v) => Ok(v["data"]["version"].as_u64().unwrap_or(version + 1)),
        Err(e) if e.is_cas_mismatch() => Err(VaultError::CasMismatch {
            path: api,
            cas: version,
        }),
        Err(e) => Err(e),
    }
}

/// Whether a value is a record entry (used by tests).
pub fn is_record(v: &Value) -> bool {
    v["addresses"].is_array()
}
