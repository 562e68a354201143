//! Transit keys (`<mount>/keys/<name>` on a `transit` mount): named
//! encryption keys that never leave Vault.
//!
//! ```toml
//! [mounts.transit]
//! type = "transit"
//!
//! [mounts.transit.keys.orders]
//! type = "aes256-gcm96"
//! auto_rotate_period = "30d"
//! deletion_allowed = false
//! ```
//!
//! A field table ([`TableKind`]) for declaring, reading and comparing, with
//! the few rules of its own written here: a key's type (and `derived`,
//! `convergent_encryption`) cannot change in place, and `exportable` or
//! `allow_plaintext_backup` cannot be turned off: such a change replaces the
//! key. Deleting or replacing a key destroys everything encrypted with it, so
//! both are destructive (`--allow-destroy`), like deleting a mount.

use super::contract::{KindDef, PlanCx, Section};
use super::fields::FieldType;
use super::table::{DesiredFields, ParentRule, TableKind};
use crate::diag::Problem;
use crate::model::plan::{Action, Change};
use crate::model::{Address, Desired, Kind, Live};
use crate::vault::{Vault, VaultError};
use futures::future::BoxFuture;
use serde_json::{Map, Value, json};

/// A transit key; after its mount.
pub const KIND: Kind = Kind::new(24, "transit_key");

/// Key types OpenBao 2.7.2's transit engine creates.
const KEY_TYPES: &[(&str, &str)] = &[
    ("aes128-gcm96", "aes128-gcm96"),
    ("aes256-gcm96", "aes256-gcm96"),
    ("chacha20-poly1305", "chacha20-poly1305"),
    ("ed25519", "ed25519"),
    ("ecdsa-p256", "ecdsa-p256"),
    ("ecdsa-p384", "ecdsa-p384"),
    ("ecdsa-p521", "ecdsa-p521"),
    ("rsa-2048", "rsa-2048"),
    ("rsa-3072", "rsa-3072"),
    ("rsa-4096", "rsa-4096"),
    ("hmac", "hmac"),
];

/// Fields set when the key is created and never changed after.
const CREATE_ONLY: &[&str] = &["type", "derived", "convergent_encryption"];
/// Fields that can be turned on later but never off.
const ONE_WAY: &[&str] = &["exportable", "allow_plaintext_backup"];
/// Fields `<mount>/keys/<name>/config` takes.
const CONFIG: &[&str] = &[
    "deletion_allowed",
    "min_decryption_version",
    "min_encryption_version",
    "exportable",
    "allow_plaintext_backup",
    "auto_rotate_period",
];

static TABLE: TableKind = TableKind {
    kind: KIND,
    about: "a transit key (`<mount>/keys/<name>`)",
    noun: Some("transit key(s)"),
    what: "transit key",
    parent: Kind::MOUNT,
    parent_rule: ParentRule {
        accepts: |t, _| t == "transit",
        needs: "a `transit` mount",
        help: "declare [mounts.{mount}] with type = \"transit\"",
        code: "vaultform::manifest::wrong_mount",
        nested_code: "vaultform::manifest::wrong_mount",
    },
    list: Some("{mount}/keys"),
    item: "{mount}/keys/{name}",
    fixed_mount: None,
    required: &[],
    rules: None,
    fields: &[&[
        ("type", FieldType::Choice(KEY_TYPES)),
        ("derived", FieldType::Bool),
        ("convergent_encryption", FieldType::Bool),
        ("exportable", FieldType::Bool),
        ("allow_plaintext_backup", FieldType::Bool),
        ("deletion_allowed", FieldType::Bool),
        ("min_decryption_version", FieldType::Int),
        ("min_encryption_version", FieldType::Int),
        ("auto_rotate_period", FieldType::Duration),
    ]],
    sections: &[Section::Nested {
        parent: Kind::MOUNT,
        key: "keys",
    }],
    declare: None,
    extra_keys: &[],
};

/// Transit keys.
pub struct TransitKeys;

/// The registry's entry.
pub static TRANSIT_KEYS: TransitKeys = TransitKeys;

fn body(d: &DesiredFields, only: impl Fn(&str) -> bool) -> Value {
    let m: Map<String, Value> = d
        .fields
        .iter()
        .filter(|(k, _)| only(k))
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    Value::Object(m)
}

/// Deletes a key: transit refuses until `deletion_allowed` is set.
async fn delete(vault: &Vault, mount: &str, name: &str) -> Result<(), VaultError> {
    let path = format!("{mount}/keys/{name}");
    if vault.read(&path).await?.is_none() {
        return Ok(());
    }
    vault
        .write(&format!("{path}/config"), &json!({ "deletion_allowed": true }))
        .await?;
    vault.delete(&path).await
}

async fn create(vault: &Vault, d: &DesiredFields) -> Result<(), VaultError> {
    let path = format!("{}/keys/{}", d.mount, d.name);
    let first = body(d, |k| !matches!(k, "deletion_allowed" | "min_decryption_version" | "min_encryption_version"));
    vault.write_once(&path, &first).await?;
    let rest = body(d, |k| {
        matches!(k, "deletion_allowed" | "min_decryption_version" | "min_encryption_version")
    });
    if rest.as_object().is_some_and(|m| !m.is_empty()) {
        vault.write(&format!("{path}/config"), &rest).await?;
    }
    Ok(())
}

impl KindDef for TransitKeys {
    super::table::from_table!(TABLE, reads);

    fn export(&self, live: &Live, out: &mut crate::kinds::export::Export) {
        KindDef::export(&TABLE, live, out);
    }

    fn destructive(&self) -> bool {
        true
    }
    fn depends_on(&self, desired: &Desired, name: &str) -> Vec<Address> {
        TABLE.depends_on(desired, name)
    }
    fn check(&self, desired: &Desired, live: &Live) -> Vec<Problem> {
        TABLE.check(desired, live)
    }

    fn diff(&self, address: &Address, cx: &PlanCx<'_>) -> Option<Change> {
        let mut c = TABLE.diff(address, cx)?;
        let turned_off = |f: &crate::model::plan::FieldChange| {
            ONE_WAY.contains(&f.name.as_str()) && f.after.as_deref() == Some("false")
        };
        match c.action {
            Action::Delete => c.destructive = true,
            Action::Update
                if c
                    .fields
                    .iter()
                    .any(|f| CREATE_ONLY.contains(&f.name.as_str()) || turned_off(f)) =>
            {
                c.action = Action::Replace;
                c.destructive = true;
            }
            _ => {}
        }
        Some(c)
    }

    fn apply<'a>(
        &'static self,
        vault: &'a Vault,
        change: &'a Change,
        desired: &'a Desired,
        _live: &'a Live,
        _key: &'a crate::secret::FingerprintKey,
    ) -> BoxFuture<'a, Result<crate::kinds::contract::Applied, VaultError>> {
        crate::kinds::contract::nothing_known(async move {
            let key = &change.address.name;
            let missing = || VaultError::Internal {
                what: format!("{} is not in the manifest", change.address),
            };
            let (mount, name) = key.rsplit_once('/').ok_or_else(missing)?;
            let d = desired.items.get::<DesiredFields>(KIND, key);
            match change.action {
                Action::Adopt => Ok(()),
                Action::Delete => delete(vault, mount, name).await,
                Action::Create => create(vault, d.ok_or_else(missing)?).await,
                Action::Replace => {
                    let d = d.ok_or_else(missing)?;
                    delete(vault, mount, name).await?;
                    create(vault, d).await
                }
                Action::Update => {
                    let d = d.ok_or_else(missing)?;
                    let path = format!("{mount}/keys/{name}/config");
                    vault
                        .write(&path, &body(d, |k| CONFIG.contains(&k)))
                        .await
                        .map(drop)
                }
            }
        })
    }

    fn simulate(&self, change: &Change, desired: &Desired, live: &mut Live) {
        if change.action == Action::Replace {
            live.items.remove(KIND, &change.address.name);
        }
        TABLE.simulate(change, desired, live);
    }

    fn arbitrary(&self, rng: &mut dyn rand::RngCore, desired: &mut Desired, live: &mut Live) {
        TABLE.arbitrary(rng, desired, live);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use crate::kinds::fields::FieldValue;
    use crate::secret::FingerprintKey;

    fn cx_diff(d: Option<&[(&str, FieldValue)]>, l: Option<Value>) -> Option<Change> {
        let mut desired = Desired::empty(
            miette::NamedSource::new("vault.toml", String::new()),
            ".".into(),
            "vaultform",
        );
        let mut live = Live::default();
        if let Some(fields) = d {
            let item = DesiredFields {
                kind: KIND,
                mount: "transit".into(),
                name: "k".into(),
                fields: fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            };
            desired.items.insert(KIND, "transit/k", item);
        }
        if let Some(l) = l {
            let l: super::super::table::LiveFields = serde_json::from_value(l).expect("json");
            live.items.insert(KIND, "transit/k", l);
        }
        let cx = PlanCx {
            desired: &desired,
            live: &live,
            fp: &FingerprintKey::from_bytes(vec![5; 32]),
            managed: &BTreeSet::new(),
        };
        TRANSIT_KEYS.diff(&Address::new(KIND, "transit/k"), &cx)
    }

    #[test]
    fn a_new_type_replaces_the_key_and_destroys_data() {
        let c = cx_diff(
            Some(&[("type", FieldValue::Str("ed25519".into()))]),
            Some(json!({"type": "aes256-gcm96"})),
        )
        .expect("change");
        assert_eq!(c.action, Action::Replace);
        assert!(c.destructive);
    }

    #[test]
    fn exportable_turned_off_replaces_turned_on_updates() {
        let off = cx_diff(
            Some(&[("exportable", FieldValue::Bool(false))]),
            Some(json!({"exportable": true})),
        )
        .expect("change");
        assert_eq!(off.action, Action::Replace);
        let on = cx_diff(
            Some(&[("exportable", FieldValue::Bool(true))]),
            Some(json!({"exportable": false})),
        )
        .expect("change");
        assert_eq!(on.action, Action::Update);
        assert!(!on.destructive);
    }

    #[test]
    fn deleting_a_key_is_destructive() {
        let c = cx_diff(None, Some(json!({"type": "aes256-gcm96"}))).expect("change");
        assert_eq!(c.action, Action::Delete);
        assert!(c.destructive);
    }
}
