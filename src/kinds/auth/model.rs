//! Plain data for auth method configuration.

use crate::secret::Secret;
use serde_json::Value;
use std::collections::BTreeMap;

/// The configuration keys of each auth method type whose values are secrets
/// (from each plugin's documentation): never shown in a plan. For a type not
/// listed here every value is treated as sensitive.
pub const SENSITIVE_KEYS: &[(&str, &[&str])] = &[
    ("approle", &[]),
    ("cert", &[]),
    ("jwt", &["oidc_client_secret"]),
    ("kubernetes", &["token_reviewer_jwt"]),
    ("ldap", &["bindpass", "client_tls_key"]),
    ("oidc", &["oidc_client_secret"]),
    ("userpass", &[]),
];

/// The configuration keys the server takes but never returns (measured for
/// `token_reviewer_jwt`: the Kubernetes config answers `token_reviewer_jwt_set`
/// instead): compared through the keyed fingerprint of the value last
/// written, like every write-only field (README, *Secret values*).
pub const WRITE_ONLY_KEYS: &[(&str, &[&str])] = &[
    ("jwt", &["oidc_client_secret"]),
    ("kubernetes", &["token_reviewer_jwt"]),
    ("ldap", &["bindpass", "client_tls_key"]),
    ("oidc", &["oidc_client_secret"]),
];

/// Whether the server never returns `key` of the config of an auth method
/// of `type_name`.
pub fn is_write_only(type_name: &str, key: &str) -> bool {
    WRITE_ONLY_KEYS
        .iter()
        .any(|(t, keys)| *t == type_name && keys.contains(&key))
}

/// Whether the value of `key` in the config of an auth method of `type_name`
/// is a secret.
pub fn is_sensitive(type_name: &str, key: &str) -> bool {
    match SENSITIVE_KEYS.iter().find(|(t, _)| *t == type_name) {
        Some((_, keys)) => keys.contains(&key),
        None => true,
    }
}

/// `auth/<path>/config` as the manifest wants it: only the keys given are managed.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredAuthConfig {
    /// Auth method path.
    pub path: String,
    /// The auth method's type (which keys are sensitive depends on it).
    pub type_name: String,
    /// Values to write. All held as [`Secret`] (never printed, wiped on drop);
    /// which are shown in a plan is [`is_sensitive`]'s decision.
    pub values: BTreeMap<String, Secret>,
}

/// `auth/<path>/config` as the server returns it (write-only keys are absent).
pub type LiveAuthConfig = BTreeMap<String, Value>;
