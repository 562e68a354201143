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

/// Whether a key's name looks like it holds a secret (`DB_PASSWORD`,
/// `api_token`, `private_key`): a literal value under it is linted.
pub fn looks_secret(key: &str) -> bool {
    contains_any(key, &SECRET_WORDS)
}

/// What [`looks_secret`] looks for, in lower case.
const SECRET_WORDS: Words =
    Words::new(&["pass", "secret", "token", "key", "credential", "private"]);

/// Whether a plan may show the literal value of `key`: not when the key
/// looks secret, nor when it names something that often holds or embeds one
/// (a URL or DSN with a password in it, a session, a certificate, ...).
/// Deliberately wide: a value wrongly hidden costs nothing.
pub fn may_show(key: &str) -> bool {
    !looks_secret(key) && !contains_any(key, &HIDDEN_WORDS)
}

/// What else [`may_show`] hides, in lower case.
const HIDDEN_WORDS: Words = Words::new(&[
    "auth", "cert", "salt", "dsn", "url", "uri", "pin", "api", "hash", "sign", "cookie",
    "session", "jwt", "bearer", "otp", "seed", "pwd", "cred", "conn", "nonce",
]);

/// Whether `key` contains one of `words` (lower-case ASCII), ignoring ASCII
/// case. Without lower-casing a copy of the key: it runs for every literal
/// of a manifest (50,000 times for 10,000 services). At each position only
/// the words that begin with its byte are tried ([`Words`]).
fn contains_any(key: &str, words: &Words) -> bool {
    let k = key.as_bytes();
    (0..k.len()).any(|i| {
        let mut starting = words.by_first[usize::from(k[i].to_ascii_lowercase())];
        while starting != 0 {
            let w = words.list[starting.trailing_zeros() as usize].as_bytes();
            if k.get(i..i + w.len())
                .is_some_and(|x| x.eq_ignore_ascii_case(w))
            {
                return true;
            }
            starting &= starting - 1;
        }
        false
    })
}

/// Lower-case ASCII words to look for, with, for each byte, which of them
/// begin with it (bit `i` for word `i`; at most 32 words).
struct Words {
    list: &'static [&'static str],
    by_first: [u32; 256],
}

impl Words {
    const fn new(list: &'static [&'static str]) -> Self {
        assert!(list.len() <= 32);
        let mut by_first = [0u32; 256];
        let mut i = 0;
        while i < list.len() {
            let w = list[i].as_bytes();
            assert!(!w.is_empty());
            by_first[w[0] as usize] |= 1 << i;
            i += 1;
        }
        Self { list, by_first }
    }
}

/// A KV v2 secret as the manifest wants it.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredSecret {
    /// KV v2 mount path.
    pub mount: String,
    /// Path inside the mount.
    pub path: String,
    /// Every key of the secret. Not changed once declared: its values
    /// fingerprint is memoised.
    pub keys: BTreeMap<String, DesiredValue>,
    /// Keys whose value a plan may show: literals of the manifest (already in
    /// the repository) under a key that does not look secret, or marked
    /// `sensitive = false`. Never a value from the environment, a file or
    /// the server.
    pub shown: std::collections::BTreeSet<String>,
    /// The values fingerprint, once taken (a plan needs it up to three times
    /// per secret: to skip the read, to diff, to warn).
    pub(super) memo: Memo,
}

/// A memoised [`values_fingerprint`](super::diff::values_fingerprint): the
/// [`id`](crate::secret::FingerprintKey::id) of the key it was taken with,
/// and the fingerprint. Not part of what is declared: equal to any other,
/// and not copied with the secret (a copy may be given other keys).
#[derive(Default)]
pub(super) struct Memo(pub(super) std::sync::OnceLock<(u64, String)>);

impl Clone for Memo {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for Memo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("..")
    }
}

impl DesiredSecret {
    /// The secret `<mount>/<path>` with `keys`.
    pub fn new(
        mount: impl Into<String>,
        path: impl Into<String>,
        keys: BTreeMap<String, DesiredValue>,
    ) -> Self {
        Self {
            mount: mount.into(),
            path: path.into(),
            keys,
            shown: Default::default(),
            memo: Memo::default(),
        }
    }

    /// `<mount>/<path>`, the secret's name in its address.
    pub fn key(&self) -> String {
        format!("{}/{}", self.mount, self.path)
    }
}

/// A KV v2 secret as the server has it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveSecret {
    /// The current version (also for a deleted or destroyed latest version):
    /// the check-and-set value for the next write.
    pub version: u64,
    /// That version's `created_time`, as the server wrote it (empty when
    /// unknown).
    pub created_time: String,
    /// The latest version's data; `None` when it is deleted or destroyed, or
    /// not read (`unchanged`).
    pub data: Option<BTreeMap<String, Secret>>,
    /// Not read: the mount's metadata shows that the current version is the
    /// one the known record says held the declared values whose fingerprint
    /// ([`values_fingerprint`](super::diff::values_fingerprint)) this is.
    pub unchanged: Option<String>,
}

/// The metadata of a secret's current version, from one bulk listing of the
/// mount (`SCAN <mount>/detailed-metadata/`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KvMeta {
    /// `current_version`.
    pub current_version: u64,
    /// The current version's `created_time` (empty when the listing has no
    /// entry for it).
    pub created_time: String,
    /// Whether the current version has a `deletion_time` (deleted, or to be
    /// deleted at that time by `delete_version_after`).
    pub deleted: bool,
    /// Whether the current version is destroyed.
    pub destroyed: bool,
}

/// Every secret under a KV v2 mount the manifest uses, kept in
/// [`Live::facts`](crate::model::Live::facts) under the mount's path: the
/// paths, for reporting unmanaged secrets, and each one's metadata where the
/// server gives it in bulk, for skipping the reads of unchanged secrets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KvTree {
    /// Every secret path (relative, sorted); `None` when the token may not
    /// list them.
    pub paths: Option<Vec<String>>,
    /// Metadata by relative path: empty where the server cannot list it in
    /// bulk (HashiCorp Vault, or a token that may only list `metadata/`).
    pub meta: BTreeMap<String, KvMeta>,
}

/// A secret's entry in the known record: version `version`, created at
/// `created_time`, held the declared values whose fingerprint is `values`.
/// Written as `<version> <created_time> <values>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownSecret {
    /// The version vaultform wrote or read.
    pub version: u64,
    /// That version's `created_time`.
    pub created_time: String,
    /// [`values_fingerprint`](super::diff::values_fingerprint) of the
    /// declared values it held.
    pub values: String,
}

impl KnownSecret {
    /// Reads an entry; `None` when it is not one.
    pub fn parse(entry: &str) -> Option<Self> {
        let mut it = entry.split(' ');
        let (Some(v), Some(t), Some(f), None) = (it.next(), it.next(), it.next(), it.next()) else {
            return None;
        };
        let version = v.parse().ok().filter(|v| *v > 0)?;
        if t.is_empty() || f.is_empty() {
            return None;
        }
        Some(Self {
            version,
            created_time: t.to_string(),
            values: f.to_string(),
        })
    }

    /// The entry's text.
    pub fn entry(&self) -> String {
        format!("{} {} {}", self.version, self.created_time, self.values)
    }

    /// Whether `meta` shows this very version as the current one, neither
    /// deleted nor destroyed.
    pub fn matches(&self, meta: &KvMeta) -> bool {
        meta.current_version == self.version
            && meta.created_time == self.created_time
            && !meta.deleted
            && !meta.destroyed
    }
}

/// The shortest value `{ generate = { length = N } }` makes.
pub const GENERATE_MIN: i64 = 8;
/// The longest value `{ generate = { length = N } }` makes.
pub const GENERATE_MAX: i64 = 4096;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the words are compared with: a lower-cased copy of the key.
    fn reference(key: &str, words: &[&str]) -> bool {
        let k = key.to_ascii_lowercase();
        words.iter().any(|w| k.contains(w))
    }

    #[test]
    fn key_words_are_found_in_any_case_and_place() {
        for (key, secret, shown) in [
            ("LOG_LEVEL", false, true),
            ("DB_PASSWORD", true, false),
            ("api_Token", true, false),
            ("DATABASE_URL", false, false),
            ("x_AuTh", false, false),
            ("PRIVATE", true, false),
            ("K", false, true),
            ("", false, true),
            ("nonc", false, true),
            ("NONCE", false, false),
            ("ÉKEY", true, false),
            ("HOST", false, true),
        ] {
            assert_eq!(looks_secret(key), secret, "{key}");
            assert_eq!(may_show(key), shown, "{key}");
        }
    }

    proptest! {
        #[test]
        fn the_scan_agrees_with_a_lower_cased_copy(key in "[a-zA-Z_ÉéK\\-]{0,14}|(?i)(pre|post)?(pass|url|conn|token|nonce)(x)?") {
            prop_assert_eq!(contains_any(&key, &SECRET_WORDS), reference(&key, SECRET_WORDS.list));
            prop_assert_eq!(contains_any(&key, &HIDDEN_WORDS), reference(&key, HIDDEN_WORDS.list));
        }
    }
}
