//! Saved plans (`plan --out FILE`, `apply FILE`): everything apply needs to
//! check that the server and the manifest still match what the plan saw, and
//! no secret value. Secrets appear only as HMAC fingerprints whose key lives in
//! Vault, so the file alone cannot confirm a guess.

use crate::kinds::Address;
use crate::model::plan::{Change, Plan};
use crate::secret::FingerprintKey;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// Version of the saved plan file format.
pub const SAVED_PLAN_VERSION: u32 = 1;

/// A saved plan.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SavedPlan {
    /// [`SAVED_PLAN_VERSION`].
    pub saved_plan_version: u32,
    /// The vaultform version that wrote it.
    pub vaultform_version: String,
    /// When it was made (Unix seconds).
    pub created_unix: u64,
    /// The manifest it was made from.
    pub manifest: String,
    /// The server it was made against.
    pub vault_addr: String,
    /// Identifies the fingerprint key (an HMAC of a constant, not the key).
    pub key_id: String,
    /// `--target` addresses, if any.
    pub targets: Vec<Address>,
    /// The plan.
    pub plan: Plan,
}

/// Why a saved plan cannot be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PlanFileError {
    /// Reading or writing failed.
    #[error("cannot {what} plan file {path}")]
    #[diagnostic(code(vaultform::planfile::io))]
    Io {
        /// read or write.
        what: &'static str,
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Not a plan file, or another version.
    #[error("{path} is not a vaultform plan file this version can apply: {reason}")]
    #[diagnostic(
        code(vaultform::planfile::format),
        help("make a new plan with `vaultform plan --out FILE`")
    )]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The server or the manifest changed since the plan was made.
    #[error("the plan is stale; nothing was changed. Changed since the plan was made:\n{}", list(.stale))]
    #[diagnostic(
        code(vaultform::planfile::stale),
        help("run `vaultform plan --out FILE` again, review it, and apply the new plan")
    )]
    Stale {
        /// What changed, per resource.
        stale: Vec<Stale>,
    },
}

fn list(stale: &[Stale]) -> String {
    stale
        .iter()
        .map(|s| format!("  - {}: {}", s.address, s.reason))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One resource that changed since the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stale {
    /// The resource.
    pub address: Address,
    /// What changed.
    pub reason: String,
}

/// An identifier of a fingerprint key that reveals nothing about it.
pub fn key_id(key: &FingerprintKey) -> String {
    let fp =
        crate::secret::Secret::from_string("vaultform fingerprint key id".into()).fingerprint(key);
    fp.0[..16].to_string()
}

/// Writes a saved plan atomically with mode 0600.
pub fn write(path: &Path, saved: &SavedPlan) -> Result<(), PlanFileError> {
    let io = |source| PlanFileError::Io {
        what: "write",
        path: path.display().to_string(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    serde_json::to_writer_pretty(&mut tmp, saved).map_err(|e| io(e.into()))?;
    tmp.write_all(b"\n").map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Reads a saved plan.
pub fn read(path: &Path) -> Result<SavedPlan, PlanFileError> {
    let text = crate::files::read_text(path, crate::files::PLAN_FILE_LIMIT).map_err(|e| {
        PlanFileError::Io {
            what: "read",
            path: path.display().to_string(),
            source: match e {
                crate::files::ReadError::Io(io) => io,
                other => std::io::Error::other(other.to_string()),
            },
        }
    })?;
    // serde's message can quote what it read: say only where.
    let saved: SavedPlan = serde_json::from_str(&text).map_err(|e| PlanFileError::Format {
        path: path.display().to_string(),
        reason: format!(
            "{:?} error at line {}, column {}",
            e.classify(),
            e.line(),
            e.column()
        ),
    })?;
    if saved.saved_plan_version != SAVED_PLAN_VERSION {
        return Err(PlanFileError::Format {
            path: path.display().to_string(),
            reason: format!(
                "saved_plan_version {} (expected {SAVED_PLAN_VERSION})",
                saved.saved_plan_version
            ),
        });
    }
    Ok(saved)
}

/// Compares a saved plan with a fresh one made the same way: every change the
/// saved plan makes must be exactly what a plan made now would make. Pure.
pub fn compare(saved: &Plan, fresh: &Plan) -> Vec<Stale> {
    let mut out = Vec::new();
    for s in &saved.changes {
        let now = fresh.changes.iter().find(|c| c.address == s.address);
        let reason = match now {
            None => Some(
                "it already matches or no longer needs this change (changed in Vault)".to_string(),
            ),
            Some(n) if n == s => None,
            Some(n) => Some(explain(s, n)),
        };
        if let Some(reason) = reason {
            out.push(Stale {
                address: s.address.clone(),
                reason,
            });
        }
    }
    out
}

fn explain(saved: &Change, now: &Change) -> String {
    if let (Some(a), Some(b)) = (&saved.secret, &now.secret) {
        if a.cas != b.cas {
            return format!(
                "changed in Vault (version {} now, the plan saw {})",
                b.cas, a.cas
            );
        }
        let changed: Vec<&str> = a
            .keys
            .iter()
            .filter(|k| !b.keys.contains(k))
            .map(|k| k.key.as_str())
            .collect();
        if !changed.is_empty() {
            return format!(
                "the source value of {} no longer matches the plan",
                changed.join(", ")
            );
        }
    }
    if saved.action != now.action {
        return format!(
            "the plan would now {:?} it instead of {:?}",
            now.action, saved.action
        )
        .to_lowercase();
    }
    "its live state or its manifest entry changed".to_string()
}
