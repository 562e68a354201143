//! Reading delivered credentials (local files checked against the server) and
//! delivering new ones. File contents are secrets: they never reach a log.

use super::model::{DesiredCredentials, LiveCredentials, SecretIdState};
use crate::secret::Token;
use crate::vault::{Vault, VaultError};
use crate::vault::Method;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;

/// A credential file's contents, trimmed, held as a [`Token`] (never printed,
/// wiped on drop).
fn read_trimmed(path: &Path) -> Option<Token> {
    let mut text = Token::new(crate::files::read_text(path, crate::files::CREDENTIAL_LIMIT).ok()?);
    let trimmed = Token::new(text.expose().trim());
    drop(std::mem::take(&mut text));
    (!trimmed.is_empty()).then_some(trimmed)
}

/// The role's current role ID.
pub async fn role_id(vault: &Vault, mount: &str, role: &str) -> Result<Option<String>, VaultError> {
    let body = vault
        .read(&format!("auth/{mount}/role/{role}/role-id"))
        .await?;
    Ok(body.and_then(|b| b["data"]["role_id"].as_str().map(str::to_string)))
}

/// Whether a secret ID (or, wrapped, its wrapping token) is still usable.
pub async fn secret_id_state(
    vault: &Vault,
    d: &DesiredCredentials,
) -> Result<SecretIdState, VaultError> {
    let Some(secret) = read_trimmed(&d.secret_id_file()) else {
        return Ok(SecretIdState::Missing);
    };
    let resp = if d.wrap_ttl.is_some() {
        vault
            .send(
                Method::POST,
                "sys/wrapping/lookup",
                Some(&json!({ "token": secret.expose() })),
            )
            .await?
    } else {
        vault
            .send(
                Method::POST,
                &format!("auth/{}/role/{}/secret-id/lookup", d.mount, d.role),
                Some(&json!({ "secret_id": secret.expose() })),
            )
            .await?
    };
    Ok(match resp.status {
        200 if resp.body["data"].is_object() => {
            if d.wrap_ttl.is_none()
                && past_half_life(&resp.body["data"], std::time::SystemTime::now())
            {
                SecretIdState::Expiring
            } else {
                SecretIdState::Valid
            }
        }
        200 | 204 | 400 | 404 => SecretIdState::Invalid,
        _ => {
            let path = if d.wrap_ttl.is_some() {
                "sys/wrapping/lookup".to_string()
            } else {
                format!("auth/{}/role/{}/secret-id/lookup", d.mount, d.role)
            };
            return Err(VaultError::from_response("POST", &path, resp));
        }
    })
}

/// Whether a secret ID (from `secret-id/lookup`) has less than half its TTL
/// left. Unknown or unparsable times, and secret IDs that never expire, are
/// not.
fn past_half_life(data: &Value, now: std::time::SystemTime) -> bool {
    let ttl = data["secret_id_ttl"].as_u64().unwrap_or(0);
    if ttl == 0 {
        return false;
    }
    let Some(expires) = data["expiration_time"]
        .as_str()
        .and_then(|t| humantime::parse_rfc3339_weak(t.trim_end_matches('Z')).ok())
    else {
        return false;
    };
    match expires.duration_since(now) {
        Ok(left) => left.as_secs() * 2 < ttl,
        Err(_) => true,
    }
}

/// Refuses a credentials directory, or a `role_id` or `secret_id` file, that is
/// a symbolic link: credentials are delivered where the manifest says, never
/// wherever a link (perhaps planted by someone else) points.
pub fn refuse_links(d: &DesiredCredentials) -> Result<(), VaultError> {
    for path in [d.dir.clone(), d.role_id_file(), d.secret_id_file()] {
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(VaultError::Internal {
                what: format!(
                    "{} is a symbolic link; vaultform does not deliver credentials through links (point credentials_dir at the real directory)",
                    path.display()
                ),
            });
        }
    }
    Ok(())
}

/// Permissions wider than vaultform creates (0700 for the directory, 0600
/// for the files), for those that exist.
pub fn loose_modes(d: &DesiredCredentials) -> Vec<(String, u32, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = Vec::new();
    for (which, path, want) in [
        ("credentials_dir", d.dir.clone(), 0o700),
        ("role_id", d.role_id_file(), 0o600),
        ("secret_id", d.secret_id_file(), 0o600),
    ] {
        if let Ok(m) = std::fs::symlink_metadata(&path) {
            let mode = m.permissions().mode() & 0o7777;
            if mode & !want != 0 {
                out.push((which.to_string(), mode, want));
            }
        }
    }
    out
}

/// Narrows permissions that [`loose_modes`] reports.
fn fix_modes(d: &DesiredCredentials) -> Result<(), VaultError> {
    use std::os::unix::fs::PermissionsExt;
    for (which, _, want) in loose_modes(d) {
        let path = match which.as_str() {
            "credentials_dir" => d.dir.clone(),
            "role_id" => d.role_id_file(),
            _ => d.secret_id_file(),
        };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(want)).map_err(|e| {
            VaultError::Internal {
                what: format!(
                    "cannot set the mode of {} to {want:04o}: {e}",
                    path.display()
                ),
            }
        })?;
    }
    Ok(())
}

/// Reads the state of a delivery whose role exists.
pub async fn read(vault: &Vault, d: &DesiredCredentials) -> Result<LiveCredentials, VaultError> {
    refuse_links(d)?;
    let current = role_id(vault, &d.mount, &d.role).await?;
    let file = read_trimmed(&d.role_id_file());
    Ok(LiveCredentials {
        role_id_current: current.is_some()
            && file.as_ref().map(Token::expose) == current.as_deref(),
        role_id_file_exists: file.is_some(),
        secret_id: secret_id_state(vault, d).await?,
        loose_modes: loose_modes(d),
    })
}

/// Writes a file atomically with mode 0600, creating its directory (0700).
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.exists() {
        std::fs::DirBuilder::new().recursive(true).create(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?; // created 0600
    tmp.write_all(contents.as_bytes())?;
    tmp.write_all(b"\n")?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Issues a new secret ID (wrapped when `wrap_ttl` is set) and returns what
/// goes in the file: the secret ID or the wrapping token, and its accessor.
pub async fn issue_secret_id(
    vault: &Vault,
    d: &DesiredCredentials,
) -> Result<(Token, String), VaultError> {
    let path = format!("auth/{}/role/{}/secret-id", d.mount, d.role);
    let body = json!({ "metadata": json!({ "delivered_by": "vaultform" }).to_string() });
    let resp: Value = match d.wrap_ttl {
        Some(ttl) => vault.write_wrapped(&path, &body, ttl).await?,
        None => vault.write_once(&path, &body).await?,
    };
    let unexpected = |what: &str| VaultError::Unexpected {
        method: "POST".into(),
        path: path.clone(),
        what: what.into(),
    };
    if d.wrap_ttl.is_some() {
        let token = resp["wrap_info"]["token"]
            .as_str()
            .ok_or_else(|| unexpected("no wrap_info.token"))?;
        let accessor = resp["wrap_info"]["wrapped_accessor"]
            .as_str()
            .unwrap_or_default();
        Ok((Token::new(token), accessor.to_string()))
    } else {
        let secret = resp["data"]["secret_id"]
            .as_str()
            .ok_or_else(|| unexpected("no data.secret_id"))?;
        let accessor = resp["data"]["secret_id_accessor"]
            .as_str()
            .unwrap_or_default();
        Ok((Token::new(secret), accessor.to_string()))
    }
}

/// Delivers whatever is out of date: the role ID file, a new secret ID.
pub async fn deliver(vault: &Vault, d: &DesiredCredentials) -> Result<(), VaultError> {
    let io = |path: &Path, e: std::io::Error| VaultError::Internal {
        what: format!("cannot write {}: {e}", path.display()),
    };
    refuse_links(d)?;
    let current =
        role_id(vault, &d.mount, &d.role)
            .await?
            .ok_or_else(|| VaultError::Unexpected {
                method: "GET".into(),
                path: format!("auth/{}/role/{}/role-id", d.mount, d.role),
                what: "the role has no role ID".into(),
            })?;
    if read_trimmed(&d.role_id_file()).as_ref().map(Token::expose) != Some(current.as_str()) {
        write_private(&d.role_id_file(), &current).map_err(|e| io(&d.role_id_file(), e))?;
    }
    if secret_id_state(vault, d).await? != SecretIdState::Valid {
        // Missing, invalid, or past half its TTL.
        let (secret, _) = issue_secret_id(vault, d).await?;
        write_private(&d.secret_id_file(), secret.expose())
            .map_err(|e| io(&d.secret_id_file(), e))?;
    }
    fix_modes(d)
}

#[cfg(test)]
mod tests {
    use super::past_half_life;
    use serde_json::json;
    use std::time::{Duration, SystemTime};

    /// The form OpenBao 2.7.2 answers `secret-id/lookup` with (measured).
    fn lookup(expires: &str, ttl: u64) -> serde_json::Value {
        json!({"creation_time": "2026-12-01T09:36:19.955627442Z", "expiration_time": expires, "secret_id_ttl": ttl})
    }

    #[test]
    fn a_secret_id_past_half_its_ttl_is_due() {
        let at = |s: &str| humantime::parse_rfc3339_weak(s).unwrap();
        let now = at("2026-12-01T10:00:00");
        // 36 minutes of 60 left: not yet; 24 left: due; expired: due.
        assert!(!past_half_life(
            &lookup("2026-12-01T10:36:19.955627442Z", 3600),
            now
        ));
        assert!(past_half_life(&lookup("2026-12-01T10:24:00.5Z", 3600), now));
        assert!(past_half_life(&lookup("2026-12-01T09:59:00Z", 3600), now));
        // Never expires, or a time it cannot read: left alone.
        assert!(!past_half_life(&lookup("0001-01-01T00:00:00Z", 0), now));
        assert!(!past_half_life(&lookup("yesterday", 3600), now));
        assert!(!past_half_life(
            &json!({}),
            SystemTime::now() + Duration::from_secs(1)
        ));
    }
}
