//! `vaultform rotate secret-id ROLE` and `vaultform rotate secret PATH KEY`:
//! safe to run from cron; they say what they rotated, never the value.

use super::{Cli, Outcome, ReportFormat, RotateCommand, open_session};
use crate::kinds::credentials::vault::{issue_secret_id, write_private};
use crate::kinds::kv::DesiredValue;
use crate::vault::{Vault, VaultError};
use miette::{IntoDiagnostic, miette};
use serde_json::json;
use std::io::Write;

pub(super) async fn run(cli: &Cli, cmd: &RotateCommand) -> miette::Result<Outcome> {
    let desired = crate::manifest::load(&cli.manifest)?;
    let session = open_session(cli).await?;
    let result = match cmd {
        RotateCommand::SecretId {
            role,
            keep_old,
            format,
        } => secret_id(&session.vault, &desired, role, *keep_old, *format).await,
        RotateCommand::Secret { path, key, format } => {
            secret(&session.vault, &desired, path, key, *format).await
        }
    };
    session.close().await;
    result
}

async fn secret_id(
    vault: &Vault,
    desired: &crate::manifest::Desired,
    role: &str,
    keep_old: bool,
    format: ReportFormat,
) -> miette::Result<Outcome> {
    let found: Vec<_> = desired
        .items
        .iter::<crate::kinds::credentials::DesiredCredentials>(crate::kinds::Kind::CREDENTIALS)
        .map(|(_, c)| c)
        .filter(|c| c.role == role || format!("{}/{}", c.mount, c.role) == role)
        .collect();
    let d = match found.as_slice() {
        [one] => *one,
        [] => {
            return Err(miette!(
                code = "vaultform::rotate::no_delivery",
                help = "set credentials_dir in [approles.{role}] so the new secret ID has somewhere to go",
                "approle `{role}` has no credentials_dir in the manifest"
            ));
        }
        _ => {
            return Err(miette!(
                "approle `{role}` exists on several mounts; write <mount>/{role}"
            ));
        }
    };
    let list_path = format!("auth/{}/role/{}/secret-id", d.mount, d.role);
    let old = vault.list(&list_path).await?;
    let (secret, new_accessor) = issue_secret_id(vault, d).await?;
    write_private(&d.secret_id_file(), secret.expose())
        .into_diagnostic()
        .map_err(|e| e.wrap_err(format!("cannot write {}", d.secret_id_file().display())))?;
    let mut destroyed = 0;
    if !keep_old {
        for accessor in old.iter().filter(|a| **a != new_accessor) {
            vault
                .write(
                    &format!(
                        "auth/{}/role/{}/secret-id-accessor/destroy",
                        d.mount, d.role
                    ),
                    &json!({ "secret_id_accessor": accessor }),
                )
                .await?;
            destroyed += 1;
        }
    }
    let old_count = if keep_old { old.len() } else { destroyed };
    if format == ReportFormat::Json {
        return report(json!({
            "format_version": 1,
            "command": "rotate secret-id",
            "approle": format!("{}/{}", d.mount, d.role),
            "secret_id_file": d.secret_id_file().display().to_string(),
            "old_secret_ids": old_count,
            "old_secret_ids_kept": keep_old,
        }));
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Rotated the secret ID of approle {}/{}: a new one is in {}; {old_count} old one(s) {}.",
        d.mount,
        d.role,
        d.secret_id_file().display(),
        if keep_old { "kept" } else { "destroyed" }
    )
    .into_diagnostic()?;
    Ok(Outcome::Ok)
}

async fn secret(
    vault: &Vault,
    desired: &crate::manifest::Desired,
    path: &str,
    key: &str,
    format: ReportFormat,
) -> miette::Result<Outcome> {
    let d = desired
        .items
        .get::<crate::kinds::kv::DesiredSecret>(crate::kinds::Kind::KV, path)
        .ok_or_else(|| {
            miette!(
                code = "vaultform::rotate::unknown_secret",
                help = "give the secret as in the manifest, e.g. secret/user",
                "secret `{path}` is not in the manifest"
            )
        })?;
    let length = match d.keys.get(key) {
        Some(DesiredValue::Generate { length }) => *length,
        Some(_) => {
            return Err(miette!(
                code = "vaultform::rotate::not_generated",
                help = "only `generate`d values are rotated by vaultform; change env/file values at their source",
                "`{key}` of `{path}` is not a generated value"
            ));
        }
        None => return Err(miette!("`{path}` has no key `{key}` in the manifest")),
    };
    let live = crate::kinds::kv::vault::read(vault, &d.mount, &d.path).await?;
    let Some(live) = live.filter(|l| l.data.is_some()) else {
        return Err(miette!(
            code = "vaultform::rotate::not_applied",
            help = "run `vaultform apply` first",
            "`{path}` does not exist in Vault yet"
        ));
    };
    let mut data: std::collections::BTreeMap<String, serde_json::Value> = live
        .data
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.expose().clone()))
        .collect();
    data.insert(
        key.to_string(),
        serde_json::Value::String(crate::apply::generate(length)),
    );
    let result =
        crate::kinds::kv::vault::write(vault, &d.mount, &d.path, &data, live.version).await;
    if let Err(VaultError::CasMismatch { .. }) = &result {
        return Err(miette!(
            code = "vaultform::rotate::concurrent_change",
            help = "run the rotation again",
            "`{path}` changed while rotating; nothing was written"
        ));
    }
    result?;
    if format == ReportFormat::Json {
        return report(json!({
            "format_version": 1,
            "command": "rotate secret",
            "secret": format!("kv.{path}"),
            "key": key,
            "version": live.version + 1,
        }));
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Rotated `{key}` of kv.{path}: new version {}.",
        live.version + 1
    )
    .into_diagnostic()?;
    Ok(Outcome::Ok)
}

/// One JSON document on stdout.
pub(super) fn report(doc: serde_json::Value) -> miette::Result<Outcome> {
    let mut text = doc.to_string();
    text.push('\n');
    super::write_all_quietly(text.as_bytes())
}
