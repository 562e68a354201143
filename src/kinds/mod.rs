//! One folder per resource kind. Each holds plain data (`model.rs`), a pure diff
//! (`diff.rs`), the Vault calls for that kind (`vault.rs`) and its contract
//! (`kind.rs`, a [`KindDef`]); [`REGISTRY`] lists every kind once.
//! Simple kinds are a [`table::TableKind`] value: paths plus a field table.
//!
//! Addresses name resources the same way in plans, targets and the ownership record.

pub mod contract;
pub mod declare;
pub mod export;
pub mod fields;
pub mod registry;
pub mod table;

/// Declares each kind folder as a module and lists its kinds in
/// [`REGISTRY`], in dependency order: a new kind is one line here.
macro_rules! registry {
    ($($folder:ident => [$($def:ident),+ $(,)?]),+ $(,)?) => {
        $(pub mod $folder;)+

        /// Every kind vaultform manages, lowest rank first (a test checks the
        /// order and that names and ranks are unique).
        pub static REGISTRY: &[&'static dyn KindDef] = &[$($(&$folder::$def),+),+];
    };
}

registry! {
    audit => [AUDITS],
    mount => [MOUNTS, AUTHS],
    transit_key => [TRANSIT_KEYS],
    kv_config => [KV_CONFIG],
    pki => [PKI_URLS, PKI_ISSUERS, PKI_INTERMEDIATES, PKI_ROLES],
    auth => [CONFIGS],
    database => [CONNECTIONS, ROLES, STATIC_ROLES],
    policy => [POLICIES],
    token_role => [TOKEN_ROLES],
    role => [APPROLES, KUBERNETES_ROLES],
    userpass => [USERPASS_USERS],
    jwt_role => [JWT_ROLES],
    identity => [ENTITIES, GROUPS],
    kv => [SECRETS],
    credentials => [CREDENTIALS],
}

pub use crate::model::{Address, Kind};
pub use crate::names;
pub use contract::KindDef;

/// The built-in kinds that other code refers to by name (cross-kind checks,
/// the ownership record). A new kind needs no constant here.
impl Kind {
    /// A secrets engine mount (`sys/mounts/<path>`).
    pub const MOUNT: Kind = mount::MOUNT;
    /// An auth method (`sys/auth/<path>`).
    pub const AUTH: Kind = mount::AUTH;
    /// An auth method's configuration (`auth/<path>/config`).
    pub const AUTH_CONFIG: Kind = auth::KIND;
    /// An ACL policy (`sys/policies/acl/<name>`).
    pub const POLICY: Kind = policy::KIND;
    /// An AppRole role (`auth/<mount>/role/<name>`).
    pub const APPROLE: Kind = role::APPROLE;
    /// A Kubernetes auth role (`auth/<mount>/role/<name>`).
    pub const KUBERNETES_ROLE: Kind = role::KUBERNETES_ROLE;
    /// A KV v2 secret (`<mount>/data/<path>`).
    pub const KV: Kind = kv::KIND;
    /// An AppRole's delivered credentials (`role_id` and `secret_id` files).
    /// Local files, not a Vault resource: never in the ownership record.
    pub const CREDENTIALS: Kind = credentials::KIND;
}

/// Mount paths Vault creates itself; vaultform never manages them.
pub const BUILTIN_MOUNTS: [&str; 3] = ["sys", "identity", "cubbyhole"];
/// Auth paths Vault creates itself.
pub const BUILTIN_AUTHS: [&str; 1] = ["token"];
/// Policies Vault creates itself.
pub const BUILTIN_POLICIES: [&str; 2] = ["root", "default"];
