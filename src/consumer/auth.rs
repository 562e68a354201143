//! The auth chain of a service: a token, then AppRole, then Kubernetes (the
//! order is configurable). Each method either is not configured (nothing to
//! try), fails (with a reason), or gives a token. When all fail, one error
//! lists every method and why. Credential files are read afresh on every
//! attempt, so a secret ID delivered by the drift/apply cron while the service
//! waited is picked up. Nothing here prints a credential.

use super::spec::{Method, Spec};
use crate::secret::Token;
use crate::vault::Method as Http;
use crate::vault::{Vault, VaultError};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A token obtained by the chain, with what renewal needs.
pub struct Login {
    /// The token.
    pub token: Token,
    /// Which method gave it.
    pub method: Method,
    /// Where it came from, for the log (`$VAULT_TOKEN`, `/vault/approle/x`).
    pub origin: String,
    /// Its TTL when obtained (zero: does not expire).
    pub ttl: Duration,
    /// Whether it can be renewed.
    pub renewable: bool,
    /// When it was obtained.
    pub at: Instant,
    /// Whether vaultform created it (and so revokes it when done).
    pub owned: bool,
}

impl Login {
    /// Time left before the token expires (`None`: it does not).
    pub fn remaining(&self) -> Option<Duration> {
        (!self.ttl.is_zero()).then(|| self.ttl.saturating_sub(self.at.elapsed()))
    }
}

/// One method's outcome, for the error that lists them all.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// The method.
    pub method: Method,
    /// Why it gave no token.
    pub why: String,
    /// Whether the server could not be reached (or was sealed): an outage,
    /// not a configuration problem.
    pub outage: bool,
}

/// Every method failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("could not log in to Vault at {address}: {}", summary(.attempts))]
#[diagnostic(
    code(vaultform::consumer::login_failed),
    help("each method was tried in order (--auth); fix one of them, or pass --auth to choose")
)]
pub struct LoginFailed {
    /// The server.
    pub address: String,
    /// What each method said.
    pub attempts: Vec<Attempt>,
}

impl LoginFailed {
    /// Whether every failure was an outage (server down or sealed).
    pub fn outage(&self) -> bool {
        self.attempts.iter().any(|a| a.outage)
    }
}

fn summary(attempts: &[Attempt]) -> String {
    attempts
        .iter()
        .map(|a| format!("{}: {}", a.method.as_str(), a.why))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A credential file's trimmed contents, or why not (never the contents).
fn read_credential(path: &Path) -> Result<Token, String> {
    match crate::files::read_text(path, crate::files::CREDENTIAL_LIMIT) {
        Ok(text) => {
            let t = Token::new(text.trim());
            drop(Token::new(text));
            if t.is_empty() {
                Err(format!("{} is empty", path.display()))
            } else {
                Ok(t)
            }
        }
        Err(crate::files::ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(format!("no file {}", path.display()))
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.is_empty())
}

/// What went wrong in one request, in words, and whether it was an outage.
fn describe(e: &VaultError) -> (String, bool) {
    match e {
        VaultError::Transport { .. }
        | VaultError::Timeout { .. }
        | VaultError::WrongScheme { .. } => {
            (format!("the server could not be reached ({e})"), true)
        }
        VaultError::Sealed { .. } => ("the server is sealed".into(), true),
        VaultError::NotInitialised { .. } => ("the server is not initialised".into(), true),
        VaultError::Api { status, .. } if *status >= 500 => (e.to_string(), true),
        VaultError::PermissionDenied { .. } => {
            ("the server refused the credentials (403)".into(), false)
        }
        _ => (e.to_string(), false),
    }
}

/// Tries the methods of `spec` in order.
pub async fn login(anon: &Vault, spec: &Spec) -> Result<Login, LoginFailed> {
    let mut attempts = Vec::new();
    for &method in &spec.auth {
        let result = match method {
            Method::Token => token(anon, spec).await,
            Method::Approle => approle(anon, spec).await,
            Method::Kubernetes => kubernetes(anon, spec).await,
        };
        match result {
            Ok(login) => {
                tracing::info!(method = method.as_str(), origin = %login.origin, "logged in");
                return Ok(login);
            }
            Err((why, outage)) => {
                let outage_now = outage;
                attempts.push(Attempt {
                    method,
                    why,
                    outage,
                });
                // A server that cannot be reached will not answer the next method either.
                if outage_now {
                    break;
                }
            }
        }
    }
    Err(LoginFailed {
        address: anon.address().to_string(),
        attempts,
    })
}

/// Like [`login`], retrying for up to `wait` (every 2 s, files re-read each
/// time) while the failure is not an outage: a secret ID that expired while
/// the service was down is replaced by the next `vaultform apply`. Only an
/// AppRole directory that exists is waited on: a missing one is a
/// configuration mistake, not a delivery still to come.
pub async fn login_waiting(
    anon: &Vault,
    spec: &Spec,
    wait: Duration,
) -> Result<Login, LoginFailed> {
    let deadline = Instant::now() + wait;
    let waitable = spec.auth.contains(&Method::Approle)
        && spec.approle_dir.as_ref().is_some_and(|d| d.is_dir());
    loop {
        match login(anon, spec).await {
            Ok(l) => return Ok(l),
            Err(e) if Instant::now() >= deadline || e.outage() || !waitable => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "login failed; trying again (--auth-wait)");
                let left = deadline.saturating_duration_since(Instant::now());
                tokio::time::sleep(left.min(Duration::from_secs(2))).await;
            }
        }
    }
}

type Tried = Result<Login, (String, bool)>;

async fn token(anon: &Vault, spec: &Spec) -> Tried {
    let mut candidates: Vec<(String, Result<Token, String>)> = Vec::new();
    if let Some(t) = env("VAULT_TOKEN") {
        candidates.push(("$VAULT_TOKEN".into(), Ok(Token::new(t))));
    }
    if let Some(f) = &spec.token_file {
        candidates.push((f.display().to_string(), read_credential(f)));
    }
    let docker = spec.docker_secrets_dir.join("vault_token");
    if docker.exists() {
        candidates.push((docker.display().to_string(), read_credential(&docker)));
    }
    if let Some(home) = env("HOME") {
        let f = PathBuf::from(home).join(".vault-token");
        if f.exists() {
            candidates.push((f.display().to_string(), read_credential(&f)));
        }
    }
    if candidates.is_empty() {
        return Err((
            format!(
                "not configured (no VAULT_TOKEN, no --token-file, no {})",
                docker.display()
            ),
            false,
        ));
    }
    let mut reasons = Vec::new();
    for (origin, t) in candidates {
        let t = match t {
            Ok(t) => t,
            Err(why) => {
                reasons.push(why);
                continue;
            }
        };
        match anon
            .send_with_token(Http::GET, "auth/token/lookup-self", None, Some(t.expose()))
            .await
        {
            Ok(r) if r.status == 200 => {
                let d = &r.body["data"];
                return Ok(Login {
                    token: t,
                    method: Method::Token,
                    origin,
                    ttl: Duration::from_secs(d["ttl"].as_u64().unwrap_or(0)),
                    renewable: d["renewable"].as_bool().unwrap_or(false),
                    at: Instant::now(),
                    owned: false,
                });
            }
            Ok(r) if r.status == 403 => {
                reasons.push(format!("the token from {origin} is invalid or expired"))
            }
            Ok(r) => {
                let e = VaultError::from_response("GET", "auth/token/lookup-self", r);
                let (why, outage) = describe(&e);
                if outage {
                    return Err((why, true));
                }
                reasons.push(format!("{origin}: {why}"));
            }
            Err(e) => {
                let (why, outage) = describe(&e);
                return Err((why, outage));
            }
        }
    }
    Err((reasons.join(", "), false))
}

/// The role ID and secret ID: files in the AppRole directory, else
/// `VAULT_ROLE_ID` / `VAULT_SECRET_ID`.
fn approle_credentials(spec: &Spec) -> Result<(Token, Token, String), String> {
    if let Some(dir) = &spec.approle_dir {
        let role = read_credential(&dir.join("role_id"))?;
        let secret = read_credential(&dir.join("secret_id"))?;
        return Ok((role, secret, dir.display().to_string()));
    }
    match (env("VAULT_ROLE_ID"), env("VAULT_SECRET_ID")) {
        (Some(r), Some(s)) => Ok((Token::new(r), Token::new(s), "$VAULT_ROLE_ID".into())),
        _ => Err("not configured (no --approle-dir, no VAULT_ROLE_ID and VAULT_SECRET_ID)".into()),
    }
}

/// Whether a secret_id file holds a plain secret ID (a UUID, as the server
/// issues them) rather than a response-wrapping token.
fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Secret IDs this process unwrapped, by wrapping token: a wrapping token
/// works once, so a re-login (token max TTL reached) reuses what it gave.
static UNWRAPPED: std::sync::Mutex<Vec<(Token, Token)>> = std::sync::Mutex::new(Vec::new());

async fn unwrap_secret_id(anon: &Vault, wrapping: &Token) -> Result<Token, (String, bool)> {
    if let Ok(cache) = UNWRAPPED.lock()
        && let Some((_, s)) = cache.iter().find(|(w, _)| w == wrapping)
    {
        return Ok(s.clone());
    }
    match anon
        .send_with_token(Http::POST, "sys/wrapping/unwrap", Some(&json!({})), Some(wrapping.expose()))
        .await
    {
        Ok(r) if r.status == 200 => {
            let s = r.body["data"]["secret_id"].as_str().ok_or_else(|| {
                ("the wrapped answer holds no secret_id".to_string(), false)
            })?;
            let s = Token::new(s);
            if let Ok(mut cache) = UNWRAPPED.lock() {
                cache.push((wrapping.clone(), s.clone()));
            }
            Ok(s)
        }
        Ok(r) if matches!(r.status, 400 | 403 | 404) => Err((
            "the response-wrapped secret ID was already unwrapped or has expired (a wrapping token works once: if this service did not unwrap it, someone else did; investigate, then let `vaultform apply` deliver a new one)".into(),
            false,
        )),
        Ok(r) => Err(describe(&VaultError::from_response("POST", "sys/wrapping/unwrap", r))),
        Err(e) => Err(describe(&e)),
    }
}

async fn approle(anon: &Vault, spec: &Spec) -> Tried {
    let (role_id, secret, origin) = approle_credentials(spec).map_err(|w| (w, false))?;
    let secret_id = if is_uuid(secret.expose()) {
        secret
    } else {
        unwrap_secret_id(anon, &secret).await?
    };
    let body = json!({ "role_id": role_id.expose(), "secret_id": secret_id.expose() });
    post_login(anon, Method::Approle, &spec.approle_mount, &body, origin).await
}

async fn kubernetes(anon: &Vault, spec: &Spec) -> Tried {
    let Some(role) = &spec.k8s_role else {
        return Err(("not configured (no --k8s-role)".into(), false));
    };
    let jwt = read_credential(&spec.k8s_token_file).map_err(|w| (w, false))?;
    let body = json!({ "role": role, "jwt": jwt.expose() });
    post_login(
        anon,
        Method::Kubernetes,
        &spec.k8s_mount,
        &body,
        format!("role {role}"),
    )
    .await
}

async fn post_login(
    anon: &Vault,
    method: Method,
    mount: &str,
    body: &Value,
    origin: String,
) -> Tried {
    let path = format!("auth/{mount}/login");
    let resp = match anon.write_once(&path, body).await {
        Ok(v) => v,
        Err(e @ VaultError::Api { status: 400, .. }) => {
            return Err((
                format!("{path} refused the credentials from {origin} ({e})"),
                false,
            ));
        }
        Err(VaultError::PermissionDenied { .. }) => {
            return Err((
                format!(
                    "{path} refused the credentials from {origin} (403: invalid, expired or not bound to this role)"
                ),
                false,
            ));
        }
        Err(e) => {
            let (why, outage) = describe(&e);
            return Err((format!("{path}: {why}"), outage));
        }
    };
    let auth = &resp["auth"];
    let token = auth["client_token"]
        .as_str()
        .ok_or_else(|| (format!("{path} answered without auth.client_token"), false))?;
    Ok(Login {
        token: Token::new(token),
        method,
        origin,
        ttl: Duration::from_secs(auth["lease_duration"].as_u64().unwrap_or(0)),
        renewable: auth["renewable"].as_bool().unwrap_or(false),
        at: Instant::now(),
        owned: true,
    })
}

/// Renews the token; the new TTL (capped by the server at the token's max TTL).
pub async fn renew(vault: &Vault, login: &mut Login) -> Result<(), VaultError> {
    let v = vault.write("auth/token/renew-self", &json!({})).await?;
    login.ttl = Duration::from_secs(v["auth"]["lease_duration"].as_u64().unwrap_or(0));
    login.at = Instant::now();
    Ok(())
}

/// Revokes a token vaultform logged in for (never one it was given).
pub async fn revoke(vault: &Vault, login: &Login) {
    if login.owned
        && let Err(e) = vault.write("auth/token/revoke-self", &json!({})).await
    {
        tracing::warn!(error = %e, "could not revoke the login token");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_ids_are_told_from_wrapping_tokens() {
        assert!(is_uuid("6a9c2b3e-1f2d-4c5b-9a8e-7d6c5b4a3f2e"));
        assert!(!is_uuid("s.AbCdEfGhIjKlMnOpQrStUvWx"));
        assert!(!is_uuid("6a9c2b3e-1f2d-4c5b-9a8e-7d6c5b4a3f2"));
    }
}
