//! Vault calls for ACL policies: list, read, write, delete. Uses
//! `sys/policies/acl` (vaultrs only has the legacy `sys/policy`).

use super::model::LivePolicy;
use crate::vault::{Vault, VaultError};
use serde_json::json;

/// Lists policy names.
pub async fn list(vault: &Vault) -> Result<Vec<String>, VaultError> {
    vault.list("sys/policies/acl").await
}

#[derive(serde::Deserialize)]
struct ReadResponse {
    data: Option<ReadData>,
}

#[derive(serde::Deserialize)]
struct ReadData {
    policy: Option<String>,
}

/// Reads one policy; `None` if it does not exist.
pub async fn read(vault: &Vault, name: &str) -> Result<Option<LivePolicy>, VaultError> {
    let path = format!("sys/policies/acl/{name}");
    let Some(body) = vault.read_as::<ReadResponse>(&path).await? else {
        return Ok(None);
    };
    let text = body
        .data
        .and_then(|d| d.policy)
        .ok_or_else(|| VaultError::Unexpected {
            method: "GET".into(),
            path: path.clone(),
            what: "no `data.policy` text".into(),
        })?;
    Ok(Some(LivePolicy { text }))
}

/// Writes a policy.
pub async fn write(vault: &Vault, name: &str, text: &str) -> Result<(), VaultError> {
    vault
        .write(
            &format!("sys/policies/acl/{name}"),
            &json!({ "policy": text }),
        )
        .await
        .map(drop)
}

/// Deletes a policy.
pub async fn delete(vault: &Vault, name: &str) -> Result<(), VaultError> {
    vault.delete(&format!("sys/policies/acl/{name}")).await
}
