//! The unauthenticated calls of a server's start-up: `sys/health` (waiting for
//! the server to answer), `sys/seal-status`, `sys/init` and `sys/unseal`.
//!
//! Every call goes through [`Vault::send`]. Keys and the root token come back
//! as [`Secret`]s and are never logged; errors name the call and Vault's
//! message, never a request body.

use crate::secret::Secret;
use crate::vault::Method;
use crate::vault::{Response, Vault, VaultError};
use serde::Deserialize;
use serde_json::json;
use std::io::Write;
use std::time::Duration;
use tokio::time::Instant;

/// How often `wait_for` asks again.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// The longest one health probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// How often `wait_for` says it is still waiting.
const NOTE_INTERVAL: Duration = Duration::from_secs(5);

/// What `GET sys/health` says, by status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// 200: initialised, unsealed, active.
    Active,
    /// 429: unsealed standby.
    Standby,
    /// 472: disaster-recovery secondary.
    DrSecondary,
    /// 473: performance standby.
    PerformanceStandby,
    /// 501: not initialised.
    Uninitialized,
    /// 503: sealed.
    Sealed,
}

impl Health {
    /// The state a `sys/health` status code stands for; `None` for any other
    /// status (not a Vault answer, e.g. a proxy's 502).
    pub fn from_status(status: u16) -> Option<Self> {
        Some(match status {
            200 => Health::Active,
            429 => Health::Standby,
            472 => Health::DrSecondary,
            473 => Health::PerformanceStandby,
            501 => Health::Uninitialized,
            503 => Health::Sealed,
            _ => return None,
        })
    }

    /// Whether the server is unsealed and serving requests.
    pub fn is_unsealed(self) -> bool {
        !matches!(self, Health::Uninitialized | Health::Sealed)
    }
}

/// `GET sys/seal-status`, the fields we use.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SealStatus {
    /// Whether the server has been initialised.
    #[serde(default)]
    pub initialized: bool,
    /// Whether it is sealed.
    #[serde(default)]
    pub sealed: bool,
    /// Keys needed to unseal.
    #[serde(default)]
    pub t: u32,
    /// Key shares in all.
    #[serde(default)]
    pub n: u32,
    /// Keys submitted so far towards unsealing.
    #[serde(default)]
    pub progress: u32,
}

/// What `sys/init` answered.
#[derive(Debug)]
pub enum InitAnswer {
    /// The new keys and root token.
    Keys {
        /// Unseal keys, hex.
        keys_hex: Vec<Secret>,
        /// Unseal keys, base64.
        keys_base64: Vec<Secret>,
        /// The root token.
        root_token: Secret,
    },
    /// Someone else initialised the server meanwhile.
    AlreadyInitialized,
}

/// How an unseal ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsealed {
    /// The server was not sealed; nothing was sent.
    Already,
    /// Unsealed with this many keys (of a threshold of `threshold`).
    Now {
        /// Keys submitted.
        keys_used: usize,
        /// The server's threshold.
        threshold: u32,
    },
}

/// Why a start-up call failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ServerError {
    /// The call itself failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Vault(#[from] VaultError),
    /// The server did not answer in time.
    #[error("Vault at {address} did not answer within {waited:?}: {last}")]
    #[diagnostic(
        code(vaultform::bootstrap::server_not_ready),
        help("check VAULT_ADDR and that the server is running, or allow more time with --wait")
    )]
    NotReady {
        /// The address.
        address: String,
        /// How long we waited.
        waited: Duration,
        /// What the last attempt saw.
        last: String,
    },
    /// The share settings cannot work.
    #[error("cannot split the unseal key into {shares} shares with a threshold of {threshold}")]
    #[diagnostic(
        code(vaultform::bootstrap::invalid_shares),
        help(
            "--key-threshold must be at least 1 and at most --key-shares, and at least 2 when there is more than one share (e.g. 5 and 3)"
        )
    )]
    InvalidShares {
        /// `--key-shares`.
        shares: u8,
        /// `--key-threshold`.
        threshold: u8,
    },
    /// Unseal was asked of a server that was never initialised.
    #[error("Vault at {address} is not initialised, so it cannot be unsealed")]
    #[diagnostic(
        code(vaultform::bootstrap::not_initialized),
        help("initialise it first: `vaultform operator init` (or `vaultform bootstrap`)")
    )]
    NotInitialized {
        /// The address.
        address: String,
    },
    /// Fewer keys than the threshold.
    #[error(
        "{distinct} different unseal key(s) given, but the server needs {threshold}; none was sent"
    )]
    #[diagnostic(
        code(vaultform::bootstrap::not_enough_keys),
        help("give at least {threshold} different keys of this server")
    )]
    NotEnoughKeys {
        /// Different keys given.
        distinct: usize,
        /// The server's threshold.
        threshold: u32,
    },
    /// Keys were sent, but some were the same key twice.
    #[error(
        "the server counted {counted} different key(s) among the {given} given, but needs {threshold}"
    )]
    #[diagnostic(
        code(vaultform::bootstrap::duplicate_keys),
        help(
            "a key given twice counts once (also as hex and as base64): give {threshold} different keys of this server"
        )
    )]
    DuplicateKeys {
        /// Keys given.
        given: usize,
        /// Keys the server counted.
        counted: u32,
        /// The server's threshold.
        threshold: u32,
    },
    /// The threshold was reached but the keys do not open this server.
    #[error(
        "the server rejected the unseal keys once the threshold of {threshold} was reached: at least one does not belong to this server ({message})"
    )]
    #[diagnostic(
        code(vaultform::bootstrap::wrong_keys),
        help(
            "use the keys file written when this server was initialised; the server has reset its unseal progress, so you can simply retry"
        )
    )]
    WrongKeys {
        /// The server's threshold.
        threshold: u32,
        /// Vault's message.
        message: String,
    },
    /// One key was refused as malformed.
    #[error("unseal key #{index} was refused: {message}")]
    #[diagnostic(
        code(vaultform::bootstrap::malformed_key),
        help("unseal keys are the hex or base64 strings that init returned, one per line")
    )]
    MalformedKey {
        /// Its position among the keys given, from 1.
        index: usize,
        /// Vault's message.
        message: String,
    },
}

/// Vault's `errors` list of a response, joined.
fn messages(resp: &Response) -> String {
    resp.body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default()
}

/// The innermost cause of an error, for a one-line "last seen" note.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Polls `GET sys/health` until it answers with a state `accept` takes, or
/// `timeout` passes. Connection errors, timeouts and non-Vault statuses mean
/// "not yet". Every few seconds a line on `progress` says what it waits for.
pub async fn wait_for(
    vault: &Vault,
    timeout: Duration,
    what: &str,
    accept: impl Fn(Health) -> bool,
    progress: &mut dyn Write,
) -> Result<Health, ServerError> {
    let start = Instant::now();
    let deadline = start + timeout;
    let mut next_note = start + Duration::from_secs(1);
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let probe_time = remaining.clamp(Duration::from_millis(500), PROBE_TIMEOUT);
        let last = match tokio::time::timeout(probe_time, vault.probe("sys/health")).await {
            Ok(Ok(resp)) => match Health::from_status(resp.status) {
                Some(health) if accept(health) => return Ok(health),
                Some(health) => format!("it is {health:?}"),
                None => format!("sys/health answered {}", resp.status),
            },
            Ok(Err(e)) => root_cause(&e),
            Err(_) => format!("no answer within {probe_time:?}"),
        };
        let now = Instant::now();
        if now >= deadline {
            return Err(ServerError::NotReady {
                address: vault.address().to_string(),
                waited: timeout,
                last,
            });
        }
        if now >= next_note {
            let _ = writeln!(
                progress,
                "waiting for Vault at {} {what} ({}s of {}s): {last}",
                vault.address(),
                now.duration_since(start).as_secs(),
                timeout.as_secs()
            );
            next_note = now + NOTE_INTERVAL;
        }
        tokio::time::sleep(POLL_INTERVAL.min(deadline.saturating_duration_since(now))).await;
    }
}

/// `GET sys/seal-status` (unauthenticated).
pub async fn seal_status(vault: &Vault) -> Result<SealStatus, ServerError> {
    let resp = vault.send(Method::GET, "sys/seal-status", None).await?;
    if !(200..300).contains(&resp.status) {
        return Err(VaultError::from_response("GET", "sys/seal-status", resp).into());
    }
    serde_json::from_value(resp.body).map_err(|e| {
        VaultError::Unexpected {
            method: "GET".into(),
            path: "sys/seal-status".into(),
            what: e.to_string(),
        }
        .into()
    })
}

/// Checks `--key-shares` and `--key-threshold` the way the server will.
pub fn check_shares(shares: u8, threshold: u8) -> Result<(), ServerError> {
    let ok =
        shares >= 1 && threshold >= 1 && threshold <= shares && (shares == 1 || threshold >= 2);
    if ok {
        Ok(())
    } else {
        Err(ServerError::InvalidShares { shares, threshold })
    }
}

/// `POST sys/init` (unauthenticated): the new keys and root token.
pub async fn init(vault: &Vault, shares: u8, threshold: u8) -> Result<InitAnswer, ServerError> {
    check_shares(shares, threshold)?;
    let body = json!({ "secret_shares": shares, "secret_threshold": threshold });
    let resp = vault.send(Method::POST, "sys/init", Some(&body)).await?;
    if resp.status == 400 && messages(&resp).contains("already initialized") {
        return Ok(InitAnswer::AlreadyInitialized);
    }
    if !(200..300).contains(&resp.status) {
        return Err(VaultError::from_response("POST", "sys/init", resp).into());
    }
    let unexpected = |what: &str| {
        ServerError::from(VaultError::Unexpected {
            method: "POST".into(),
            path: "sys/init".into(),
            what: what.into(),
        })
    };
    let secrets = |field: &str| -> Vec<Secret> {
        resp.body[field]
            .as_array()
            .map(|a| a.iter().cloned().map(Secret::new).collect())
            .unwrap_or_default()
    };
    let keys_hex = secrets("keys");
    let keys_base64 = secrets("keys_base64");
    if keys_hex.len() != usize::from(shares) || keys_base64.len() != usize::from(shares) {
        return Err(unexpected("the answer does not hold one key per share"));
    }
    if keys_hex
        .iter()
        .chain(&keys_base64)
        .any(|k| !k.expose().is_string())
    {
        return Err(unexpected("a key in the answer is not a string"));
    }
    let root_token = match resp.body["root_token"].as_str() {
        Some(t) if !t.is_empty() => Secret::from_string(t.to_string()),
        _ => return Err(unexpected("the answer holds no root_token")),
    };
    Ok(InitAnswer::Keys {
        keys_hex,
        keys_base64,
        root_token,
    })
}

/// Unseals with `keys`, one `POST sys/unseal` each until the server says
/// `sealed: false`. A no-op on an unsealed server. Progress left by an earlier
/// attempt is reset first, so keys of an interrupted run never mix with ours.
pub async fn unseal(
    vault: &Vault,
    keys: &[Secret],
    progress: &mut dyn Write,
) -> Result<Unsealed, ServerError> {
    let status = seal_status(vault).await?;
    if !status.initialized {
        return Err(ServerError::NotInitialized {
            address: vault.address().to_string(),
        });
    }
    if !status.sealed {
        return Ok(Unsealed::Already);
    }
    // A node joining a raft cluster knows its seal configuration (n, t) only
    // once it has reached the leader: wait for it (bounded).
    let status = if status.n == 0 {
        let mut s = status;
        for _ in 0..120 {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            s = seal_status(vault).await?;
            if s.n > 0 || !s.sealed {
                break;
            }
        }
        if !s.sealed {
            return Ok(Unsealed::Already);
        }
        s
    } else {
        status
    };
    let threshold = status.t;
    let distinct = keys
        .iter()
        .enumerate()
        .filter(|(i, k)| !keys[..*i].contains(k))
        .count();
    if distinct < threshold as usize {
        return Err(ServerError::NotEnoughKeys {
            distinct,
            threshold,
        });
    }
    // A joining node that took the threshold may fail to join (measured
    // under load: it stays sealed with no progress, waiting for keys again):
    // after a bounded wait, the keys are given again, up to three rounds.
    let mut round = 0;
    'rounds: loop {
        round += 1;
        let now = if round == 1 {
            status.progress
        } else {
            seal_status(vault).await?.progress
        };
        if now > 0 {
            let _ = writeln!(
                progress,
                "resetting an unseal already in progress ({now} of {threshold} keys)"
            );
            let resp = vault
                .send(Method::POST, "sys/unseal", Some(&json!({ "reset": true })))
                .await?;
            if !(200..300).contains(&resp.status) {
                return Err(VaultError::from_response("POST", "sys/unseal", resp).into());
            }
        }
        let mut counted = 0;
        for (i, key) in keys.iter().enumerate() {
            if keys[..i].contains(key) {
                continue;
            }
            let resp = vault
                .send(
                    Method::POST,
                    "sys/unseal",
                    Some(&json!({ "key": key.expose() })),
                )
                .await?;
            match resp.status {
                200..=299 => {
                    let now: SealStatus =
                        serde_json::from_value(resp.body).map_err(|e| VaultError::Unexpected {
                            method: "POST".into(),
                            path: "sys/unseal".into(),
                            what: e.to_string(),
                        })?;
                    if !now.sealed {
                        return Ok(Unsealed::Now {
                            keys_used: i + 1,
                            threshold,
                        });
                    }
                    // The threshold was reached and the progress went back to
                    // 0, yet the server still says sealed: a node joining a
                    // raft cluster, which unseals once it has joined. More
                    // keys would start a new unseal round; wait for the join
                    // instead, then try again if it never came.
                    if now.progress == 0 && counted + 1 >= threshold {
                        match wait_for_join(vault, i + 1, threshold).await {
                            Err(ServerError::DuplicateKeys { .. }) if round < 3 => {
                                let _ = writeln!(
                                    progress,
                                    "still sealed after the threshold of keys (the join did not happen); unsealing again"
                                );
                                continue 'rounds;
                            }
                            other => return other,
                        }
                    }
                    counted = now.progress;
                }
                400 => {
                    let message = messages(&resp);
                    if message.contains("authentication failed") {
                        return Err(ServerError::WrongKeys { threshold, message });
                    }
                    if message.contains("invalid key") {
                        return Err(ServerError::MalformedKey {
                            index: i + 1,
                            message,
                        });
                    }
                    return Err(VaultError::from_response("POST", "sys/unseal", resp).into());
                }
                _ => return Err(VaultError::from_response("POST", "sys/unseal", resp).into()),
            }
        }
        return Err(ServerError::DuplicateKeys {
            given: keys.len(),
            counted,
            threshold,
        });
    }
}

/// Waits (up to 15 s) for a node that took the threshold of keys to finish
/// joining its raft cluster and report itself unsealed.
async fn wait_for_join(
    vault: &Vault,
    keys_used: usize,
    threshold: u32,
) -> Result<Unsealed, ServerError> {
    let mut last = None;
    for _ in 0..60 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        // The node may not answer while it joins: try again.
        match seal_status(vault).await {
            Ok(s) if !s.sealed => {
                return Ok(Unsealed::Now {
                    keys_used,
                    threshold,
                });
            }
            Ok(s) => last = Some(s.progress),
            Err(_) => {}
        }
    }
    Err(ServerError::DuplicateKeys {
        given: keys_used,
        counted: last.unwrap_or(0),
        threshold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_codes_map_to_states() {
        assert_eq!(Health::from_status(200), Some(Health::Active));
        assert_eq!(Health::from_status(501), Some(Health::Uninitialized));
        assert_eq!(Health::from_status(503), Some(Health::Sealed));
        assert_eq!(Health::from_status(429), Some(Health::Standby));
        assert_eq!(Health::from_status(502), None);
        assert!(Health::Standby.is_unsealed());
        assert!(!Health::Sealed.is_unsealed());
    }

    #[test]
    fn share_settings_follow_the_server_rules() {
        assert!(check_shares(5, 3).is_ok());
        assert!(check_shares(1, 1).is_ok());
        assert!(check_shares(5, 6).is_err());
        assert!(check_shares(3, 1).is_err());
        assert!(check_shares(0, 0).is_err());
    }
}
