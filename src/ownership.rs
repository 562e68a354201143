//! The ownership records: which resources vaultform manages, kept inside Vault
//! itself (never in a local file), so that removing a resource from the manifest
//! deletes it only if vaultform created or adopted it.
//!
//! Each manifest has its own record, named by `[vaultform] name`: the KV v2
//! secret `<ownership_mount>/data/records/<name>` (mount `vaultform/` by
//! default). A manifest without a name is `default`, whose record is the older
//! single record `<ownership_mount>/data/managed`. The `addresses` key holds the
//! sorted addresses, one per line, such as `policy.user-policy`. A record holds
//! no secret values. Writes use check-and-set, so two concurrent applies cannot
//! lose each other's entries.
//!
//! Every plan reads every record: a resource that another manifest's record
//! claims is never adopted, changed or deleted.

use crate::model::{Address, Kind, Live, Managed, Record};
use crate::secret::FingerprintKey;
use crate::vault::{Vault, VaultError};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub use crate::model::desired::DEFAULT_NAME;
/// The default manifest's record inside the ownership mount (the path of the
/// single record of earlier versions).
pub const RECORD_PATH: &str = "managed";
/// The folder of named manifests' records inside the ownership mount.
pub const RECORDS_DIR: &str = "records";
/// Where the key of saved plans' fingerprints lives, beside the record. Keeping
/// it in Vault (never in the plan file) means a saved plan's fingerprints cannot
/// be checked against guesses by someone who has only the file.
pub const FINGERPRINT_KEY_PATH: &str = "fingerprint-key";

/// Whether the record's mount exists on the server (read with the mounts).
pub fn mount_exists(live: &Live, mount: &str) -> bool {
    live.exists(Kind::MOUNT, mount)
}

/// A record's path inside the ownership mount.
pub fn record_path(name: &str) -> String {
    if name == DEFAULT_NAME {
        RECORD_PATH.to_string()
    } else {
        format!("{RECORDS_DIR}/{name}")
    }
}

/// Reads the record of manifest `name`, every other manifest's record, and the
/// fingerprint key. A missing mount or record means nothing is managed yet.
pub async fn read(vault: &Vault, mount: &str, name: &str) -> Result<Managed, VaultError> {
    // Without waiting for the mount list: a missing mount answers 404 like a
    // missing record.
    let records_dir = format!("{mount}/metadata/{RECORDS_DIR}");
    let (own, names, fingerprint_key) = tokio::try_join!(
        read_record(vault, mount, name),
        vault.list(&records_dir),
        read_fingerprint_key(vault, mount)
    )?;
    let mut other_names: BTreeSet<String> = names
        .into_iter()
        .filter(|n| !n.ends_with('/') && crate::names::role_name(n).is_ok())
        .collect();
    other_names.insert(DEFAULT_NAME.to_string());
    other_names.remove(name);
    let reads = other_names.iter().map(|n| read_record(vault, mount, n));
    let others: BTreeMap<String, Record> = other_names
        .iter()
        .cloned()
        .zip(futures::future::try_join_all(reads).await?)
        .filter(|(_, r)| r.version > 0)
        .collect();
    Ok(Managed {
        addresses: own.addresses,
        version: own.version,
        // Set by the caller from the mount list.
        mount_exists: false,
        fingerprint_key,
        others,
    })
}

/// Reads one record.
async fn read_record(vault: &Vault, mount: &str, name: &str) -> Result<Record, VaultError> {
    let api = format!("{mount}/data/{}", record_path(name));
    let resp = vault.send(crate::vault::Method::GET, &api, None).await?;
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
    // Collected, then made a set in one pass: the record is written sorted,
    // so the sort finds one run and the set is built without a search per
    // address (searching per address was 2.5% of a no-op plan's instructions
    // at S=10,000; the list and its sort buffer cost about 1 MiB of peak).
    let parsed: Vec<Address> = entries.iter().filter_map(|e| Address::parse(e)).collect();
    let ignored = entries.len() - parsed.len();
    drop(entries);
    drop(resp);
    let addresses: BTreeSet<Address> = parsed.into_iter().collect();
    if ignored > 0 {
        tracing::warn!(
            ignored,
            record = %api,
            "the ownership record holds entries that are not valid addresses; they are ignored (never read, never deleted) and dropped the next time the record is written"
        );
    }
    Ok(Record { addresses, version })
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

/// Creates the record's mount (KV v2). Another apply (of another manifest,
/// say) may create it at the same moment: "already in use" is success when the
/// mount that is there is KV v2.
pub async fn create_mount(vault: &Vault, mount: &str) -> Result<(), VaultError> {
    let created = vault
        .write(
            &format!("sys/mounts/{mount}"),
            &json!({
                "type": "kv",
                "options": { "version": "2" },
                "description": "vaultform ownership records (resource addresses only, no secret values)",
            }),
        )
        .await;
    match created {
        Err(VaultError::Api {
            status: 400,
            ref errors,
            ..
        }) if errors.iter().any(|e| e.contains("already in use")) => {
            let mounts = crate::kinds::mount::vault::read_all(
                vault,
                crate::kinds::mount::vault::Family::Mounts,
            )
            .await?;
            if mounts.get(mount).is_some_and(|m| m.is_kv2()) {
                Ok(())
            } else {
                created.map(drop)
            }
        }
        other => other.map(drop),
    }
}

/// Writes the record of manifest `name` with check-and-set against `version`;
/// returns the new version.
pub async fn write(
    vault: &Vault,
    mount: &str,
    name: &str,
    addresses: &BTreeSet<Address>,
    version: u64,
) -> Result<u64, VaultError> {
    let api = format!("{mount}/data/{}", record_path(name));
    // One string, one address per line: OpenBao refuses request bodies with more
    // than 1000 JSON strings by default, and a list would hit that at ~330 services.
    let list: Vec<String> = addresses.iter().map(|a| a.to_string()).collect();
    let body = json!({ "options": { "cas": version }, "data": { "addresses": list.join("\n"), "format": 2 } });
    match vault.write(&api, &body).await {
        Ok(v) => Ok(v["data"]["version"].as_u64().unwrap_or(version + 1)),
        Err(e) if e.is_cas_mismatch() => Err(VaultError::CasMismatch {
            path: api,
            cas: version,
        }),
        Err(e) => Err(e),
    }
}

/// Where a manifest's write-only fingerprints live inside the ownership mount.
pub fn write_only_path(name: &str) -> String {
    format!("write-only/{name}")
}

/// Reads the keyed fingerprints of the write-only values manifest `name`
/// last wrote (none when the record or the mount does not exist).
pub async fn read_write_only(
    vault: &Vault,
    mount: &str,
    name: &str,
) -> Result<crate::model::WriteOnly, VaultError> {
    let api = format!("{mount}/data/{}", write_only_path(name));
    let resp = vault.send(crate::vault::Method::GET, &api, None).await?;
    match resp.status {
        200 => {
            let version = resp.body["data"]["metadata"]["version"]
                .as_u64()
                .unwrap_or(0);
            let fingerprints = resp.body["data"]["data"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| {
                            let v = v.as_str()?;
                            let hex = v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit());
                            hex.then(|| (k.clone(), v.to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Ok(crate::model::WriteOnly {
                fingerprints,
                version,
            })
        }
        404 => Ok(crate::model::WriteOnly::default()),
        _ => Err(VaultError::from_response("GET", &api, resp)),
    }
}

/// Writes the fingerprints with check-and-set against `version`.
pub async fn write_write_only(
    vault: &Vault,
    mount: &str,
    name: &str,
    fingerprints: &BTreeMap<String, String>,
    version: u64,
) -> Result<(), VaultError> {
    let api = format!("{mount}/data/{}", write_only_path(name));
    let body = json!({ "options": { "cas": version }, "data": fingerprints });
    match vault.write(&api, &body).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_cas_mismatch() => Err(VaultError::CasMismatch {
            path: api,
            cas: version,
        }),
        Err(e) => Err(e),
    }
}

/// Where a manifest's known record lives inside the ownership mount.
pub fn known_path(name: &str) -> String {
    format!("known/{name}")
}

/// Reads what manifest `name` last knew of the resources it wrote or read
/// (nothing when the record or the mount does not exist, or the token may
/// not read it: then every resource is read). Entries whose address is not
/// valid are dropped.
pub async fn read_known(
    vault: &Vault,
    mount: &str,
    name: &str,
) -> Result<crate::model::Known, VaultError> {
    #[derive(serde::Deserialize)]
    struct Body {
        data: Option<Data>,
    }
    #[derive(serde::Deserialize)]
    struct Data {
        data: Option<Entries>,
        metadata: Option<Meta>,
    }
    #[derive(serde::Deserialize)]
    struct Entries {
        entries: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Meta {
        version: Option<u64>,
    }
    let api = format!("{mount}/data/{}", known_path(name));
    let body = match vault.read_as::<Body>(&api).await {
        Ok(Some(body)) => body,
        Ok(None) => return Ok(crate::model::Known::default()),
        Err(VaultError::PermissionDenied { .. }) => {
            tracing::debug!(path = %api, "the token may not read the known record");
            return Ok(crate::model::Known::default());
        }
        Err(e) => return Err(e),
    };
    let data = body.data;
    let version = data
        .as_ref()
        .and_then(|d| d.metadata.as_ref())
        .and_then(|m| m.version)
        .unwrap_or(0);
    let text = data
        .and_then(|d| d.data)
        .and_then(|e| e.entries)
        .unwrap_or_default();
    let entries = text
        .lines()
        .filter_map(|l| {
            let (a, e) = l.split_once('\t')?;
            Some((Address::parse(a)?, e.to_string()))
        })
        .collect();
    Ok(crate::model::Known { entries, version })
}

/// Writes the known record of manifest `name` with check-and-set against
/// `version`: one string, one `<address>\t<entry>` line per resource (a JSON
/// map would hit OpenBao's limit of 1000 strings per request body).
pub async fn write_known(
    vault: &Vault,
    mount: &str,
    name: &str,
    entries: &BTreeMap<Address, String>,
    version: u64,
) -> Result<(), VaultError> {
    let api = format!("{mount}/data/{}", known_path(name));
    let mut text = String::with_capacity(entries.len() * 96);
    for (a, e) in entries {
        use std::fmt::Write as _;
        let _ = writeln!(text, "{a}\t{e}");
    }
    let body = json!({ "options": { "cas": version }, "data": { "entries": text, "format": 1 } });
    match vault.write(&api, &body).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_cas_mismatch() => Err(VaultError::CasMismatch {
            path: api,
            cas: version,
        }),
        Err(e) => Err(e),
    }
}
