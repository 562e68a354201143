//! Plain data for KV v2 secrets. Values live only inside [`Secret`].

use crate::secret::Secret;
use std::collections::BTreeMap;

/// Where a key's value comes from, once resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum DesiredValue {
    /// A known value (literal, environment variable or file).
    Value(Secret),
    /// A random value made once by vaultform, then kept as it is in Vault.
    Generate {
        /// Number of characters.
        length: usize,
    },
    /// A value set by people; vaultform only checks it exists and keeps it.
    External,
}

/// A KV v2 secret as the manifest wants it.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredSecret {
    /// KV v2 mount path.
    pub mount: String,
    /// Path inside the mount.
    pub path: String,
    /// Every key of the secret.
    pub keys: BTreeMap<String, DesiredValue>,
}

impl DesiredSecret {
    /// `<mount>/<path>`, the secret's name in its address.
    pub fn key(&self) -> String {
        format!("{}/{}", self.mount, self.path)
    }
}

/// A KV v2 secret as the server has it.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveSecret {
    /// The current version (also for a deleted or destroyed latest version):
    /// the check-and-set value for the next write.
    pub version: u64,
    /// The latest version's data; `None` when it is deleted or destroyed.
    pub data: Option<BTreeMap<String, Secret>>,
}

/// The shortest value `{ generate = { length = N } }` makes.
pub const GENERATE_MIN: i64 = 8;
/// The longest value `{ generate = { length = N } }` makes.
pub const GENERATE_MAX: i64 = 4096;
