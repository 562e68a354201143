//! Plain data for auth method configuration.

use serde_json::Value;
use std::collections::BTreeMap;

/// Keys of an auth config whose values are never shown.
pub fn is_sensitive_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["jwt", "secret", "password", "token", "private_key"]
        .iter()
        .any(|s| k.contains(s))
}

/// `auth/<path>/config` as the manifest wants it: only the keys given are managed.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredAuthConfig {
    /// Auth method path.
    pub path: String,
    /// Values to write.
    pub values: BTreeMap<String, Value>,
}

/// `auth/<path>/config` as the server returns it (write-only keys are absent).
pub type LiveAuthConfig = BTreeMap<String, Value>;
