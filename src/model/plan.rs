//! The plan's data: what would change, per resource, in dependency order.
//! Plain data below the planner (`plan::plan` builds it) and the kinds (whose
//! diffs produce its [`Change`]s); renderers, saved plans and apply read it.
//!
//! A [`Plan`] holds addresses, field names, non-secret before/after values,
//! policy texts and keyed fingerprints of secret values — never a secret value.
//! Apply takes values from the manifest.
//!
//! A [`Change`] has three detail shapes, each used by any kind that fits it:
//! `fields` (a table of named fields: mounts, roles, configs, settings),
//! `policy` (a before/after text) and `secret` (keys with fingerprints).

use super::address::{Address, Kind};
use crate::secret::Fingerprint;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the JSON plan format (`--format json`, saved plans). Bumped on
/// any incompatible change; additions of optional fields do not bump it.
pub const FORMAT_VERSION: u32 = 1;

/// What happens to a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// It does not exist; create it.
    Create,
    /// It exists and differs; change it in place.
    Update,
    /// It must be destroyed and created again (destroys what is under it).
    Replace,
    /// vaultform manages it and the manifest no longer lists it; delete it.
    Delete,
    /// It exists and already matches; start managing it (ownership record only).
    Adopt,
}

impl Action {
    /// The one-character marker used in human output.
    pub fn marker(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::Adopt => "=",
        }
    }
}

/// One field of a mount, auth method, auth config or role that changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Field name (`token_ttl`, `description`, `options.version`, ...).
    pub name: String,
    /// Live value as shown to people, unquoted: durations as written (`1h`),
    /// lists as `[a, b]`, sensitive values as `(sensitive)` (`null` when absent).
    pub before: Option<String>,
    /// Desired value as written in the manifest (`null` when removed).
    pub after: Option<String>,
}

impl FieldChange {
    /// Builds a field change.
    pub fn new(name: impl Into<String>, before: Option<String>, after: Option<String>) -> Self {
        Self {
            name: name.into(),
            before,
            after,
        }
    }
}

/// The two texts of a changed policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyText {
    /// Live text (`null` when the policy is created).
    pub before: Option<String>,
    /// Desired text (`null` when the policy is deleted).
    pub after: Option<String>,
}

/// What happens to one key of a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyAction {
    /// A new key with a known value.
    Add,
    /// A key whose value changes.
    Change,
    /// A key removed from the secret.
    Remove,
    /// A new key whose random value vaultform makes at apply time.
    Generate,
}

/// One key of a secret that changes. Never a value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyChange {
    /// Key name.
    pub key: String,
    /// What happens.
    pub action: KeyAction,
    /// Keyed fingerprint of the new value (for `add` and `change`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<Fingerprint>,
    /// The new value itself, only when it is a literal of the manifest
    /// (already in the repository) under a key that may be shown
    /// ([`crate::kinds::kv::model::may_show`]) or marked `sensitive = false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl KeyChange {
    /// Builds a key change.
    pub fn new(key: &str, action: KeyAction, fingerprint: Option<Fingerprint>) -> Self {
        Self {
            key: key.to_string(),
            action,
            fingerprint,
            value: None,
        }
    }
}

/// The secret part of a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretChange {
    /// The version the plan read: the check-and-set value of the write.
    pub cas: u64,
    /// The keys that change.
    pub keys: Vec<KeyChange>,
}

/// One resource's change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The resource.
    pub address: Address,
    /// What happens to it.
    pub action: Action,
    /// Whether it destroys data (deleting or replacing a mount or auth method).
    #[serde(default)]
    pub destructive: bool,
    /// Fields that change (mounts, auth methods, auth configs, roles).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// Policy texts (policies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyText>,
    /// Keys (KV secrets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretChange>,
    /// Whether an update or replacement also takes over a resource that
    /// exists and that vaultform did not manage until now (the dev server's
    /// `secret/` mount with another description): counted as an adoption
    /// too. An [`Action::Adopt`] is one already.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adopted: bool,
}

impl Change {
    /// A change with no details yet.
    pub fn new(address: Address, action: Action) -> Self {
        Self {
            address,
            action,
            destructive: false,
            fields: Vec::new(),
            policy: None,
            secret: None,
            adopted: false,
        }
    }

    /// Whether vaultform starts managing the resource with this change.
    pub fn adopts(&self) -> bool {
        self.action == Action::Adopt || self.adopted
    }
}

/// Changes to the ownership record kept inside Vault.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnershipChange {
    /// Addresses vaultform starts managing.
    pub add: Vec<Address>,
    /// Addresses vaultform stops managing (deleted, or gone already).
    pub remove: Vec<Address>,
    /// The record's KV version the plan read (check-and-set for its write).
    pub record_version: u64,
    /// Whether the record's mount must be created first.
    pub create_mount: bool,
    /// Addresses taken over from another manifest's record: the `default`
    /// record of a manifest that had no name, when this manifest first runs
    /// with one (the migration from a single record).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub release: Vec<Release>,
}

/// Unmanaged secrets of one KV v2 mount: a count and a sample.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmanagedKv {
    /// How many.
    pub count: usize,
    /// The first [`UNMANAGED_KV_SAMPLE`] paths (inside the mount), sorted.
    pub sample: Vec<String>,
}

/// How many unmanaged KV paths a plan names per mount.
pub const UNMANAGED_KV_SAMPLE: usize = 10;

/// Addresses removed from another manifest's record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// The other manifest's name.
    pub manifest: String,
    /// The addresses.
    pub addresses: Vec<Address>,
    /// That record's KV version the plan read (check-and-set).
    pub record_version: u64,
}

impl OwnershipChange {
    /// Whether the record changes at all.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty() && self.release.is_empty()
    }
}

/// Counts for the closing line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Resources created (replacements count here and in `destroy`).
    pub add: usize,
    /// Resources changed in place.
    pub change: usize,
    /// Resources destroyed.
    pub destroy: usize,
    /// Existing resources vaultform starts managing: adoptions, and updates
    /// or replacements of resources it did not manage until now.
    pub adopt: usize,
}

impl Summary {
    /// Counts the changes.
    pub fn of(changes: &[Change]) -> Self {
        let mut s = Summary::default();
        for c in changes {
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Replace => {
                    s.add += 1;
                    s.destroy += 1;
                }
                Action::Delete => s.destroy += 1,
                Action::Adopt => {}
            }
            if c.adopts() {
                s.adopt += 1;
            }
        }
        s
    }
}

/// A plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// Changes in apply order: creates and updates by kind, then deletes in
    /// reverse kind order.
    pub changes: Vec<Change>,
    /// Resources on the server that vaultform does not manage and never deletes.
    pub unmanaged: Vec<Address>,
    /// Secrets on the KV v2 mounts the manifest uses that no manifest
    /// declares or manages, by mount: how many, and the first few paths.
    /// Never deleted.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unmanaged_kv: BTreeMap<String, UnmanagedKv>,
    /// Resources on the server that other manifests' records claim, by
    /// manifest name: never adopted, changed or deleted by this manifest.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub owned_elsewhere: BTreeMap<String, Vec<Address>>,
    /// Things worth a look that do not stop the plan.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Changes to the ownership record.
    pub ownership: OwnershipChange,
    /// Counts.
    pub summary: Summary,
    /// What the policy and role changes do to access: per role and path
    /// named by a changed rule, the capabilities before and after (at most
    /// `kinds::policy::access::MAX_ACCESS_CHANGES`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access: Vec<AccessChange>,
}

/// A role's capabilities on a path, before and after the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessChange {
    /// The role's address.
    pub principal: String,
    /// The path, as a changed rule writes it.
    pub path: String,
    /// Capabilities now (`deny` for none).
    pub before: Vec<String>,
    /// Capabilities after the apply.
    pub after: Vec<String>,
}

impl Plan {
    /// Whether applying would write anything.
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty() || !self.ownership.is_empty()
    }

    /// Whether any change destroys data.
    pub fn destructive(&self) -> Vec<&Change> {
        self.changes.iter().filter(|c| c.destructive).collect()
    }

    /// Keeps only the changes (and ownership entries) of `keep`.
    pub fn restrict(&mut self, keep: &std::collections::BTreeSet<Address>) {
        self.changes.retain(|c| keep.contains(&c.address));
        self.ownership.add.retain(|a| keep.contains(a));
        self.ownership.remove.retain(|a| keep.contains(a));
        for r in &mut self.ownership.release {
            r.addresses.retain(|a| keep.contains(a));
        }
        self.ownership.release.retain(|r| !r.addresses.is_empty());
        if self.ownership.is_empty() {
            self.ownership.create_mount = false;
        }
        self.summary = Summary::of(&self.changes);
    }

    /// Changes of one kind.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.address.kind == kind)
    }
}
