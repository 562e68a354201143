//! Vault calls for auth roles: list per mount, read, write, delete.

use super::model::{DesiredRole, LiveRole};
use crate::vault::{Vault, VaultError};
use serde_json::Value;

/// Lists role names under an auth mount (empty when none).
pub async fn list(vault: &Vault, mount: &str) -> Result<Vec<String>, VaultError> {
    vault.list(&format!("auth/{mount}/role")).await
}

#[derive(serde::Deserialize)]
struct ReadResponse {
    data: Option<LiveRole>,
}

/// Reads one role.
pub async fn read(vault: &Vault, mount: &str, name: &str) -> Result<Option<LiveRole>, VaultError> {
    let body = vault
        .read_as::<ReadResponse>(&format!("auth/{mount}/role/{name}"))
        .await?;
    Ok(body.and_then(|b| b.data))
}

/// Writes every declared field of a role (a partial update keeps the others).
pub async fn write(vault: &Vault, d: &DesiredRole) -> Result<(), VaultError> {
    let body = Value::Object(
        d.fields
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect(),
    );
    vault
        .write(&format!("auth/{}/role/{}", d.mount, d.name), &body)
        .await
        .map(drop)
}

/// Deletes a role.
pub async fn delete(vault: &Vault, mount: &str, name: &str) -> Result<(), VaultError> {
    vault.delete(&format!("auth/{mount}/role/{name}")).await
}
