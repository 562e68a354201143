//! The ownership record: which resources vaultform manages, kept inside Vault
//! itself (never in a local file), so that removing a resource from the manifest
//! deletes it only if vaultform created or adopted it.
//!
//! The record is one KV v2 secret, `<ownership_mount>/data/managed` (mount
//! `vaultform/` by default), whose `addresses` key holds the sorted addresses,
//! one per line, such as `policy.user-policy`. It holds no secret values. Writes use
//! check-and-set, so two concurrent applies cannot lose each other's entries.

use crate::kinds::Address;
use crate::live::Managed;
use crate::secret::FingerprintKey;
use crate::vault::{Vault, VaultError};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The record's path inside its mount.
pub const RECORD_PATH: &str = "managed";
/// Where the key of saved plans' fingerprints lives, beside the record. Keeping
/// it in Vault (never in the plan file) means a saved plan's fingerprints cannot
/// be checked against guesses by someone who has only the file.
pub const FINGERPRINT_KEY_PATH: &str = "fingerprint-key";

/// Reads the record. A missing mount or secret means nothing is managed yet.
pub async fn read(vault: &Vault, mount: &str) -> Result<Managed, VaultError> {
    // The record and the key are read together, and without waiting for the
    // mount list: a missing mount answers 404 like a missing record.
    let api = format!("{mount}/data/{RECORD_PATH}");
    let (resp, fingerprint_key) = tokio::try_join!(
        vault.send(reqwest::Method::GET, &api, None),
        read_fingerprint_key(vault, mount)
    )?;
    let version = resp.body["data"]["metadata"]["version"]
        .as_u64()
        .unwrap_or(0);
    let entries: Vec<&str> = match resp.status {
        200 => match &resp.body["data"]["data"]["addresses"] {
            // One address per line (format 2).
            Value::String(s) => s.lines().collect(),
            // A JSON list (format 1).
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        },
        404 => Vec::new(),
        _ => return Err(VaultError::from_response("GET", &api, resp)),
    };
    // Only addresses of a known kind with a name valid for that kind count:
    // an entry that is not (written by hand, or by a vaultform before names
    // were checked) is never read, never deleted, and dropped at the next write.
    let addresses: BTreeSet<Address> = entries.iter().filter_map(|e| Address::parse(e)).collect();
    let ignored = entries.len()
        - entries
            .iter()
            .filter(|e| Address::parse(e).is_some())
            .count();
    if ignored > 0 {
        tracing::warn!(
            ignored,
            record = %api,
            "the ownership record holds entries that are not valid addresses; they are ignored (never read, never deleted) and dropped the next time the record is written"
        );
    }
    Ok(Managed {
        addresses,
        version,
        // Set by the caller from the mount list.
        mount_exists: false,
        fingerprint_key,
    })
}

async fn read_fingerprint_key(
    vault: &Vault,
    mount: &str,
) -> Result<Option<FingerprintKey>, VaultError> {
    let Some(body) = vault
        .read(&format!("{mount}/data/{FINGERPRINT_KEY_PATH}"))
        .await?
    else {
        return Ok(None);
    };
    Ok(body["data"]["data"]["key"]
        .as_str()
        .and_then(|k| hex::decode(k).ok())
        .filter(|k| k.len() >= 32)
        .map(FingerprintKey::from_bytes))
}

/// Creates the fingerprint key if it does not exist yet (check-and-set 0, so
/// two concurrent first applies agree on one key); returns the key in Vault.
pub async fn ensure_fingerprint_key(
    vault: &Vault,
    mount: &str,
) -> Result<FingerprintKey, VaultError> {
    if let Some(k) = read_fingerprint_key(vault, mount).await? {
        return Ok(k);
    }
    let key = FingerprintKey::random();
    let body = json!({ "options": { "cas": 0 }, "data": { "key": hex::encode(key.as_bytes()) } });
    match vault
        .write(&format!("{mount}/data/{FINGERPRINT_KEY_PATH}"), &body)
        .await
    {
        Ok(_) => Ok(key),
        Err(e) if e.is_cas_mismatch() => {
            read_fingerprint_key(vault, mount)
                .await?
                .ok_or_else(|| VaultError::Internal {
                    what: "the fingerprint key vanished while it was being created".into(),
                })
        }
        Err(e) => Err(e),
    }
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
    // One string, one address per line: OpenBao refuses request bodies with more
    // than 1000 JSON strings by default, and a list would hit that at ~330 services.
    let list: Vec<String> = addresses.iter().map(|a| a.to_string()).collect();
    let body = json!({ "options": { "cas": version }, "data": { "addresses": list.join("\n"), "format": 2 } });
    match crate::kinds::kv::vault::retry_while_upgrading(|| vault.write(&api, &body)).await {
        Ok(v) => Ok(v["data"]["version"].as_u64().unwrap_or(version + 1)),
        Err(e) if e.is_cas_mismatch() => Err(VaultError::CasMismatch {
            path: api,
            cas: version,
        }),
        Err(e) => Err(e),
    }
}
