//! Plain data for credential delivery.

use std::path::PathBuf;

/// Where and how to deliver an AppRole's credentials.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredCredentials {
    /// The AppRole's auth mount.
    pub mount: String,
    /// The role's name.
    pub role: String,
    /// The directory that receives `role_id` and `secret_id`.
    pub dir: PathBuf,
    /// Deliver a response-wrapped secret ID with this TTL (seconds) instead.
    pub wrap_ttl: Option<u64>,
}

impl DesiredCredentials {
    /// The `role_id` file.
    pub fn role_id_file(&self) -> PathBuf {
        self.dir.join("role_id")
    }

    /// The `secret_id` file.
    pub fn secret_id_file(&self) -> PathBuf {
        self.dir.join("secret_id")
    }
}

/// What the `secret_id` file holds, as far as the server says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretIdState {
    /// No file.
    Missing,
    /// The server knows it and it has not expired (or, wrapped: the wrapping
    /// token is still valid).
    Valid,
    /// Valid, but past half its TTL: replaced, so that the file always holds a
    /// secret ID a restarting service can log in with as long as `apply` runs
    /// at least every half `secret_id_ttl` (the old one stays valid until it
    /// expires).
    Expiring,
    /// Expired, revoked, already unwrapped, or unknown to the server.
    Invalid,
}

/// Delivered credentials as they are now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveCredentials {
    /// Whether the `role_id` file holds the role's current role ID.
    pub role_id_current: bool,
    /// Whether a `role_id` file exists at all.
    pub role_id_file_exists: bool,
    /// The `secret_id` file's state.
    pub secret_id: SecretIdState,
    /// Paths whose permissions are wider than vaultform creates them:
    /// `(which, mode now, mode wanted)`, e.g. `("credentials_dir", 0o777, 0o700)`.
    pub loose_modes: Vec<(String, u32, u32)>,
}
