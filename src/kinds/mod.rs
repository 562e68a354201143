//! One folder per resource kind. Each holds plain data (`model.rs`), a pure diff
//! (`diff.rs`) and the Vault calls for that kind (`vault.rs`).
//!
//! Addresses name resources the same way in plans, targets and the ownership record.

pub mod auth;
pub mod credentials;
pub mod fields;
pub mod kv;
pub mod mount;
pub mod names;
pub mod policy;
pub mod role;

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of a managed resource, in dependency order (earlier kinds are
/// created first and deleted last).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A secrets engine mount (`sys/mounts/<path>`).
    Mount,
    /// An auth method (`sys/auth/<path>`).
    Auth,
    /// An auth method's configuration (`auth/<path>/config`).
    AuthConfig,
    /// An ACL policy (`sys/policies/acl/<name>`).
    Policy,
    /// An AppRole role (`auth/<mount>/role/<name>`).
    Approle,
    /// A Kubernetes auth role (`auth/<mount>/role/<name>`).
    KubernetesRole,
    /// A KV v2 secret (`<mount>/data/<path>`).
    Kv,
    /// An AppRole's delivered credentials (`role_id` and `secret_id` files).
    /// Local files, not a Vault resource: never in the ownership record.
    Credentials,
}

impl Kind {
    /// Every kind, in dependency order.
    pub const ALL: [Kind; 8] = [
        Kind::Mount,
        Kind::Auth,
        Kind::AuthConfig,
        Kind::Policy,
        Kind::Approle,
        Kind::KubernetesRole,
        Kind::Kv,
        Kind::Credentials,
    ];

    /// The word used in addresses (`policy`, `approle`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Mount => "mount",
            Kind::Auth => "auth",
            Kind::AuthConfig => "auth_config",
            Kind::Policy => "policy",
            Kind::Approle => "approle",
            Kind::KubernetesRole => "kubernetes_role",
            Kind::Kv => "kv",
            Kind::Credentials => "credentials",
        }
    }

    /// The kind named by an address prefix.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource's address, `<kind>.<name>`: `mount.secret`, `policy.user-policy`,
/// `approle.approle/user`, `kv.secret/user_db`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    /// What kind of resource.
    pub kind: Kind,
    /// Its name within the kind: a path, a policy name, or `<mount>/<role>`.
    pub name: String,
}

impl Address {
    /// Builds an address.
    pub fn new(kind: Kind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
        }
    }

    /// Parses `<kind>.<name>`. The name must be valid for its kind
    /// ([`names::address_name`]): addresses from the ownership record, saved
    /// plans and `--target` name only what the manifest itself could declare,
    /// so no request is ever built from an unchecked name.
    pub fn parse(text: &str) -> Option<Self> {
        let (kind, name) = text.split_once('.')?;
        let kind = Kind::from_name(kind)?;
        names::address_name(kind, name).ok()?;
        Some(Self::new(kind, name))
    }

    /// For roles and credentials, `(<mount>, <role>)`: split on the last `/`,
    /// since mounts may be nested (`team/approle/web`).
    pub fn mount_and_role(&self) -> Option<(&str, &str)> {
        self.name.rsplit_once('/')
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind, self.name)
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Address::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid address `{text}`")))
    }
}

/// Mount paths Vault creates itself; vaultform never manages them.
pub const BUILTIN_MOUNTS: [&str; 3] = ["sys", "identity", "cubbyhole"];
/// Auth paths Vault creates itself.
pub const BUILTIN_AUTHS: [&str; 1] = ["token"];
/// Policies Vault creates itself.
pub const BUILTIN_POLICIES: [&str; 2] = ["root", "default"];
