//! Vault calls for auth method configuration.

use super::model::{DesiredAuthConfig, LiveAuthConfig};
use crate::vault::{Vault, VaultError};
use serde_json::Value;

/// Reads `auth/<path>/config`; `None` when not configured.
pub async fn read(vault: &Vault, path: &str) -> Result<Option<LiveAuthConfig>, VaultError> {
    let body = vault.read(&format!("auth/{path}/config")).await?;
    Ok(body.and_then(|mut b| match b["data"].take() {
        Value::Object(m) => Some(m.into_iter().collect()),
        _ => None,
    }))
}

/// Writes `auth/<path>/config`.
pub async fn write(vault: &Vault, d: &DesiredAuthConfig) -> Result<(), VaultError> {
    let body = Value::Object(
        d.values
            .iter()
            .map(|(k, v)| (k.clone(), v.expose().clone()))
            .collect(),
    );
    vault
        .write(&format!("auth/{}/config", d.path), &body)
        .await
        .map(drop)
}
