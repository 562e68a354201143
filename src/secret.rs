//! Secret values and their fingerprints.
//!
//! A [`Secret`] is the only place a secret value lives. It never prints its value
//! (`Debug` and `Display` redact) and it cannot be serialised, so no renderer or
//! saved plan can leak one. A [`Fingerprint`] is a keyed digest used to tell
//! whether two values are the same without keeping either.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;

/// A secret value (any JSON value, as KV v2 stores them) that never prints itself.
#[derive(Clone, PartialEq)]
pub struct Secret(serde_json::Value);

impl Secret {
    /// Wraps a value.
    pub fn new(value: serde_json::Value) -> Self {
        Self(value)
    }

    /// Wraps a string value.
    pub fn from_string(value: String) -> Self {
        Self(serde_json::Value::String(value))
    }

    /// The value, for the few places that must send it to Vault or a child process.
    pub fn expose(&self) -> &serde_json::Value {
        &self.0
    }

    /// The value as text: strings as they are, anything else as compact JSON.
    pub fn expose_text(&self) -> String {
        match &self.0 {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// A keyed fingerprint of the value.
    pub fn fingerprint(&self, key: &FingerprintKey) -> Fingerprint {
        key.fingerprint(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive)")
    }
}

/// The key of the fingerprint HMAC. Without it a fingerprint cannot be checked
/// against guesses, so it is never written next to the fingerprints it made.
#[derive(Clone)]
pub struct FingerprintKey(Vec<u8>);

impl FingerprintKey {
    /// A fresh random key (for fingerprints that live only as long as one run).
    pub fn random() -> Self {
        use rand::RngCore;
        let mut key = vec![0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        Self(key)
    }

    /// A key from bytes kept somewhere safe (for example inside Vault).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The raw bytes, to store the key inside Vault.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn fingerprint(&self, value: &serde_json::Value) -> Fingerprint {
        // `new_from_slice` accepts keys of any length for HMAC, so this never fails;
        // an empty key still gives a valid (if weak) MAC rather than a panic.
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => return Fingerprint(String::new()),
        };
        mac.update(value.to_string().as_bytes());
        Fingerprint(hex::encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FingerprintKey(***)")
    }
}

/// A keyed HMAC-SHA256 of a secret value, hex-encoded. Safe to print and store.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::from_string("hunter2-value".into());
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s}").contains("hunter2"));
    }

    #[test]
    fn fingerprints_depend_on_key_and_value() {
        let k1 = FingerprintKey::random();
        let k2 = FingerprintKey::random();
        let a = Secret::from_string("a".into());
        let b = Secret::from_string("b".into());
        assert_eq!(a.fingerprint(&k1), a.fingerprint(&k1));
        assert_ne!(a.fingerprint(&k1), b.fingerprint(&k1));
        assert_ne!(a.fingerprint(&k1), a.fingerprint(&k2));
    }
}
