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

impl Drop for Secret {
    /// Wipes every string inside the value (keys included) before the memory
    /// is freed.
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

fn wipe(v: &mut serde_json::Value) {
    use zeroize::Zeroize;
    match v {
        serde_json::Value::String(s) => s.zeroize(),
        serde_json::Value::Array(a) => a.iter_mut().for_each(wipe),
        serde_json::Value::Object(m) => {
            for (_, item) in m.iter_mut() {
                wipe(item);
            }
        }
        _ => {}
    }
}

/// A Vault token (or any credential string): never printed, wiped from memory
/// on drop.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token, for the request header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether there is no token.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "Token(none)"
        } else {
            "Token(***)"
        })
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
pub struct FingerprintKey {
    bytes: Vec<u8>,
    /// The HMAC state after the key, computed once: every fingerprint starts
    /// from a copy (a cold apply of 1,000 services makes 5,000 of them).
    /// `None` only if the HMAC refused the key, which it never does (HMAC
    /// takes keys of any length).
    keyed: Option<Hmac<Sha256>>,
    /// Which key this is within the process (copies share it): tells memoised
    /// fingerprints of one key from those of another.
    id: u64,
}

/// The next [`FingerprintKey::id`].
static NEXT_KEY_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl FingerprintKey {
    /// A fresh random key (for fingerprints that live only as long as one run).
    pub fn random() -> Self {
        use rand::RngCore;
        let mut key = vec![0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        Self::from_bytes(key)
    }

    /// A key from bytes kept somewhere safe (for example inside Vault).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        let keyed = <Hmac<Sha256> as Mac>::new_from_slice(&bytes).ok();
        let id = NEXT_KEY_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Self { bytes, keyed, id }
    }

    /// This key's number within the process, the same for its copies (two
    /// keys made from the same bytes have different numbers): what a memoised
    /// fingerprint is keyed by.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The raw bytes, to store the key inside Vault.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn fingerprint(&self, value: &serde_json::Value) -> Fingerprint {
        self.fingerprint_json(value)
    }

    /// The keyed fingerprint of `value`'s compact JSON text, streamed into
    /// the MAC: no copy of the text (which may hold secret values) is made.
    pub(crate) fn fingerprint_json<T: Serialize + ?Sized>(&self, value: &T) -> Fingerprint {
        // `new_from_slice` accepts keys of any length for HMAC, so `keyed` is
        // always there; an empty key still gives a valid (if weak) MAC.
        let Some(mut mac) = self.keyed.clone() else {
            return Fingerprint(String::new());
        };
        struct Feed<'m>(&'m mut Hmac<Sha256>);
        impl std::io::Write for Feed<'_> {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.update(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        // Serialising a `Value` or plain data into a writer that never fails
        // cannot fail; were it to, the fingerprint would differ from any
        // recorded one and the value would be read and compared again.
        let _ = serde_json::to_writer(Feed(&mut mac), value);
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

/// A random alphanumeric value of `length` characters from the OS-seeded CSPRNG.
pub fn generate(length: usize) -> String {
    use rand::Rng;
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(length)
        .map(char::from)
        .collect()
}

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
    fn fingerprints_are_hmac_sha256_of_the_json_text() {
        // Saved plans compare fingerprints made by earlier runs with the same
        // key: the construction must never change. Expected value from
        // Python's hmac module, key 0x0b x 20, message `"Hi There"` (JSON text).
        let key = FingerprintKey::from_bytes(vec![0x0b; 20]);
        let s = Secret::from_string("Hi There".into());
        assert_eq!(
            s.fingerprint(&key).0,
            "69ab6c68d61a3b85453ab106b356640d2d3f8d4945c67781423b7a8d48565a02"
        );
        // The same again: every fingerprint starts from a fresh copy of the keyed state.
        assert_eq!(s.fingerprint(&key), s.fingerprint(&key));
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
