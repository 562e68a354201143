//! The apply lock, kept inside Vault beside the ownership records: one per
//! manifest name, at `<ownership_mount>/data/locks/<name>`, taken and released
//! with check-and-set, renewed while an apply runs and expiring on its own if
//! the holder dies. `plan` never takes it.
//!
//! The lock document holds who holds it (an id, user, host, pid, start and
//! expiry times); never a secret. A free lock is a version whose `state` is
//! `free`, so taking it is always a check-and-set against the version read.

use crate::vault::{Vault, VaultError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a lock lives without renewal.
pub const TTL: Duration = Duration::from_secs(60);
/// How often a held lock is renewed.
const RENEW_EVERY: Duration = Duration::from_secs(20);
/// How often a waiting apply looks again.
const POLL: Duration = Duration::from_millis(500);

/// Who holds a lock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Random id, for `vaultform force-unlock ID`.
    pub id: String,
    /// The user (`$USER`), if known.
    pub user: String,
    /// The host name, if known.
    pub host: String,
    /// The holder's process id.
    pub pid: u32,
    /// When it was taken (Unix seconds).
    pub started: u64,
    /// When it expires unless renewed (Unix seconds).
    pub expires: u64,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let age = now().saturating_sub(self.started);
        write!(
            f,
            "lock {} held by {}@{} (pid {}) for {age}s, expires in {}s",
            self.id,
            if self.user.is_empty() {
                "?"
            } else {
                &self.user
            },
            if self.host.is_empty() {
                "?"
            } else {
                &self.host
            },
            self.pid,
            self.expires.saturating_sub(now())
        )
    }
}

/// Why the lock could not be taken or released.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LockError {
    /// Another apply holds it.
    #[error("another apply of manifest `{manifest}` is running: {holder}")]
    #[diagnostic(
        code(vaultform::lock::held),
        help(
            "wait for it (--lock-timeout sets how long apply waits), or, if that apply is dead and you cannot wait for the lock to expire, run `vaultform force-unlock {}`",
            holder.id
        )
    )]
    Held {
        /// The manifest name.
        manifest: String,
        /// Who holds it.
        holder: Box<Holder>,
    },
    /// `force-unlock` with an id that does not hold the lock.
    #[error("the lock of manifest `{manifest}` is not held by `{id}`")]
    #[diagnostic(
        code(vaultform::lock::not_holder),
        help(
            "run `vaultform lock-status` (or read the error of the waiting apply) for the holder's id"
        )
    )]
    NotHolder {
        /// The manifest name.
        manifest: String,
        /// The id given.
        id: String,
    },
    /// Talking to Vault failed.
    #[error("the apply lock")]
    #[diagnostic(code(vaultform::lock::vault))]
    Vault(#[from] VaultError),
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn lock_path(mount: &str, name: &str) -> String {
    format!("{mount}/data/locks/{name}")
}

/// The lock as read: its KV version and holder (`None` when free or expired).
async fn read(vault: &Vault, path: &str) -> Result<(u64, Option<Holder>), VaultError> {
    let Some(body) = vault.read(path).await? else {
        return Ok((0, None));
    };
    let version = body["data"]["metadata"]["version"].as_u64().unwrap_or(0);
    let data = &body["data"]["data"];
    if data["state"] != "held" {
        return Ok((version, None));
    }
    let holder: Option<Holder> = serde_json::from_value(data["holder"].clone()).ok();
    Ok((version, holder.filter(|h| h.expires > now())))
}

async fn write(
    vault: &Vault,
    path: &str,
    data: serde_json::Value,
    cas: u64,
) -> Result<u64, VaultError> {
    let body = json!({ "options": { "cas": cas }, "data": data });
    let answer = vault.write(path, &body).await?;
    Ok(answer["data"]["version"].as_u64().unwrap_or(cas + 1))
}

/// A held lock. Renewed in the background until [`Lock::release`].
pub struct Lock {
    vault: Vault,
    path: String,
    holder: Holder,
    version: Arc<AtomicU64>,
    lost: Arc<AtomicBool>,
    renew: tokio::task::JoinHandle<()>,
}

impl Lock {
    /// Takes the lock of manifest `name`, waiting up to `wait` for another
    /// holder to release it (or for its lock to expire).
    pub async fn acquire(
        vault: &Vault,
        mount: &str,
        name: &str,
        wait: Duration,
    ) -> Result<Lock, LockError> {
        let path = lock_path(mount, name);
        let deadline = tokio::time::Instant::now() + wait;
        let started = now();
        let holder = Holder {
            id: crate::secret::generate(12).to_lowercase(),
            user: std::env::var("USER").unwrap_or_default(),
            host: std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().chars().take(64).collect())
                .unwrap_or_default(),
            pid: std::process::id(),
            started,
            expires: started + TTL.as_secs(),
        };
        let mut waited = false;
        loop {
            let (version, current) = read(vault, &path).await?;
            match current {
                None => {
                    let data = json!({ "state": "held", "holder": holder });
                    match write(vault, &path, data, version).await {
                        Ok(v) => {
                            if waited {
                                tracing::info!(lock = %holder.id, "took the apply lock after waiting");
                            }
                            return Ok(Lock::hold(vault.clone(), path, holder, v));
                        }
                        // Someone else took it between our read and write.
                        Err(e) if e.is_cas_mismatch() => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Some(other) => {
                    if tokio::time::Instant::now() >= deadline {
                        return Err(LockError::Held {
                            manifest: name.to_string(),
                            holder: Box::new(other),
                        });
                    }
                    if !waited {
                        tracing::warn!("waiting for the apply lock: {other}");
                        waited = true;
                    }
                }
            }
            tokio::time::sleep(POLL).await;
        }
    }

    fn hold(vault: Vault, path: String, holder: Holder, version: u64) -> Lock {
        let version = Arc::new(AtomicU64::new(version));
        let lost = Arc::new(AtomicBool::new(false));
        let renew = {
            let (vault, path, mut holder, version, lost) = (
                vault.clone(),
                path.clone(),
                holder.clone(),
                version.clone(),
                lost.clone(),
            );
            tokio::spawn(async move {
                // Until when the lock is surely ours: the last expiry written.
                let mut valid_until = holder.expires;
                loop {
                    tokio::time::sleep(RENEW_EVERY).await;
                    holder.expires = now() + TTL.as_secs();
                    let data = json!({ "state": "held", "holder": holder });
                    match write(&vault, &path, data, version.load(Ordering::SeqCst)).await {
                        Ok(v) => {
                            version.store(v, Ordering::SeqCst);
                            valid_until = holder.expires;
                        }
                        // Someone else wrote the lock: it was force-unlocked,
                        // or it expired and was taken.
                        Err(e) if e.is_cas_mismatch() => {
                            tracing::error!(
                                "lost the apply lock (force-unlocked, or it expired and was taken)"
                            );
                            lost.store(true, Ordering::SeqCst);
                            return;
                        }
                        // The server did not answer: try again at the next
                        // renewal; the lock is ours until it expires.
                        Err(e) => {
                            tracing::warn!(error = %e, "could not renew the apply lock; trying again");
                            if now() >= valid_until {
                                lost.store(true, Ordering::SeqCst);
                                return;
                            }
                        }
                    }
                }
            })
        };
        Lock {
            vault,
            path,
            holder,
            version,
            lost,
            renew,
        }
    }

    /// The lock's id.
    pub fn id(&self) -> &str {
        &self.holder.id
    }

    /// Whether the lock was lost while held.
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Releases the lock (check-and-set: a lock someone else took meanwhile
    /// is left alone).
    pub async fn release(self) {
        self.renew.abort();
        if self.lost() {
            return;
        }
        let data = json!({ "state": "free", "released_by": self.holder.id });
        if let Err(e) = write(
            &self.vault,
            &self.path,
            data,
            self.version.load(Ordering::SeqCst),
        )
        .await
        {
            tracing::warn!(error = %e, "could not release the apply lock; it expires on its own");
        }
    }
}

/// Frees the lock of manifest `name` if `id` holds it.
pub async fn force_unlock(
    vault: &Vault,
    mount: &str,
    name: &str,
    id: &str,
) -> Result<(), LockError> {
    let path = lock_path(mount, name);
    let Some(body) = vault.read(&path).await? else {
        return Err(LockError::NotHolder {
            manifest: name.to_string(),
            id: id.to_string(),
        });
    };
    let version = body["data"]["metadata"]["version"].as_u64().unwrap_or(0);
    let data = &body["data"]["data"];
    if data["state"] != "held" || data["holder"]["id"] != id {
        return Err(LockError::NotHolder {
            manifest: name.to_string(),
            id: id.to_string(),
        });
    }
    write(
        vault,
        &path,
        json!({ "state": "free", "released_by": format!("force-unlock {id}") }),
        version,
    )
    .await?;
    Ok(())
}
