//! Vault calls for KV v2 secrets: read (data and version in one request),
//! check-and-set write, destroy.

use super::model::LiveSecret;
use crate::secret::Secret;
use crate::vault::{Vault, VaultError};
use serde_json::Value;
use std::collections::BTreeMap;

/// The parts of a KV v2 read that vaultform uses; the rest of the answer is
/// skipped while decoding.
#[derive(serde::Deserialize)]
struct ReadResponse {
    data: Option<ReadData>,
}

#[derive(serde::Deserialize)]
struct ReadData {
    data: Option<BTreeMap<String, Value>>,
    metadata: Option<ReadMetadata>,
}

#[derive(serde::Deserialize)]
struct ReadMetadata {
    version: Option<u64>,
}

/// Reads a secret's latest version. `None` when the path has never been
/// written (or its metadata was destroyed).
pub async fn read(
    vault: &Vault,
    mount: &str,
    path: &str,
) -> Result<Option<LiveSecret>, VaultError> {
    let api = format!("{mount}/data/{path}");
    let (status, body) = vault.get_as::<ReadResponse>(&api).await?;
    let Some(ReadData { data, metadata }) = body.and_then(|b| b.data) else {
        // 404 without metadata: never written. (A 2xx always has `data`.)
        return Ok(None);
    };
    let version = metadata.and_then(|m| m.version);
    Ok(match status {
        200..=299 => Some(LiveSecret {
            version: version.unwrap_or(0),
            data: data.map(|d| d.into_iter().map(|(k, v)| (k, Secret::new(v))).collect()),
        }),
        // A deleted or destroyed latest version: 404 with the metadata in the body.
        _ => version.map(|v| LiveSecret {
            version: v,
            data: None,
        }),
    })
}

/// The body of a KV v2 write, serialised straight from borrowed data.
#[derive(serde::Serialize)]
struct WriteBody<'a> {
    options: WriteOptions,
    data: &'a BTreeMap<String, Value>,
}

#[derive(serde::Serialize)]
struct WriteOptions {
    cas: u64,
}

/// Writes a whole secret with check-and-set `cas` (0 = must not exist yet).
pub async fn write(
    vault: &Vault,
    mount: &str,
    path: &str,
    data: &BTreeMap<String, Value>,
    cas: u64,
) -> Result<(), VaultError> {
    let api = format!("{mount}/data/{path}");
    let body = WriteBody {
        options: WriteOptions { cas },
        data,
    };
    // The client waits out a just-enabled mount's upgrade window itself.
    match vault.post(&api, &body).await {
        Ok(_) => Ok(()),
        Err(err) if err.is_cas_mismatch() => Err(VaultError::CasMismatch { path: api, cas }),
        Err(err) => Err(err),
    }
}

/// Every secret path under a KV v2 mount, at most `limit` of them (sorted):
/// one `SCAN <mount>/metadata/` on OpenBao (recursive), a recursive LIST
/// where the server does not know SCAN (HashiCorp Vault) or the token may
/// list but not scan. `None` when the token may do neither.
pub async fn list_all(
    vault: &Vault,
    mount: &str,
    limit: usize,
) -> Result<Option<Vec<String>>, VaultError> {
    match list_tree(vault, mount, limit).await {
        Ok(paths) => Ok(Some(paths)),
        Err(VaultError::PermissionDenied { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn list_tree(vault: &Vault, mount: &str, limit: usize) -> Result<Vec<String>, VaultError> {
    let scan = reqwest::Method::from_bytes(b"SCAN").map_err(|_| VaultError::Internal {
        what: "SCAN is a valid method token".into(),
    })?;
    let root = format!("{mount}/metadata/");
    let resp = vault.send(scan, &root, None).await?;
    let keys = |body: &Value| -> Vec<String> {
        body["data"]["keys"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out: Vec<String> = match resp.status {
        200..=299 => keys(&resp.body)
            .into_iter()
            .filter(|k| !k.ends_with('/'))
            .take(limit)
            .collect(),
        404 => Vec::new(),
        405 | 400 | 403 => {
            // No SCAN: walk the tree with LIST, breadth first, bounded.
            let mut found = Vec::new();
            let mut dirs = std::collections::VecDeque::from([String::new()]);
            while let Some(dir) = dirs.pop_front() {
                if found.len() >= limit {
                    break;
                }
                let api = format!("{mount}/metadata/{dir}");
                for key in vault.list(api.trim_end_matches('/')).await? {
                    if key.ends_with('/') {
                        // A folder whose name no request may carry is not walked.
                        let sub = format!("{dir}{key}");
                        if crate::kinds::names::path(sub.trim_end_matches('/')).is_ok() {
                            dirs.push_back(sub);
                        }
                    } else if found.len() < limit {
                        found.push(format!("{dir}{key}"));
                    }
                }
            }
            found
        }
        _ => return Err(VaultError::from_response("SCAN", &root, resp)),
    };
    out.sort();
    Ok(out)
}

/// Destroys a secret: every version and its metadata.
pub async fn destroy(vault: &Vault, mount: &str, path: &str) -> Result<(), VaultError> {
    vault.delete(&format!("{mount}/metadata/{path}")).await
}
