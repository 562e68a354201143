//! KV v2 mount settings (`<mount>/config`): how many versions each secret
//! keeps, whether writes must use check-and-set, and when versions are deleted.
//!
//! ```toml
//! [mounts.secret.kv_config]
//! max_versions = 10
//! cas_required = false
//! delete_version_after = "90d"
//! ```
//!
//! A whole kind as data: one settings object per KV v2 mount, declared inside
//! the mount's section, read and written at `<mount>/config`. Only the fields
//! the manifest sets are managed. Dropping it from the manifest leaves the
//! server's settings as they are (they go with the mount).

use super::contract::Section;
use super::fields::FieldType;
use super::mount::model::is_kv2;
use super::table::{ParentRule, TableKind};
use crate::model::Kind;

/// The settings of a KV v2 mount; created after its mount.
pub const KIND: Kind = Kind::new(25, "kv_config");

/// The registry's entry.
pub static KV_CONFIG: TableKind = TableKind {
    kind: KIND,
    about: "the settings of a KV v2 mount (`<mount>/config`)",
    noun: Some("KV mount setting(s)"),
    what: "KV settings",
    parent: Kind::MOUNT,
    parent_rule: ParentRule {
        accepts: is_kv2,
        needs: "a KV v2 mount",
        help: "declare [mounts.{mount}] with type = \"kv\" and options = { version = \"2\" }",
        code: "vaultform::manifest::not_kv2",
        nested_code: "vaultform::manifest::not_kv2",
    },
    list: None,
    item: "{mount}/config",
    fixed_mount: None,
    required: &[],
    rules: None,
    fields: &[&[
        ("max_versions", FieldType::Int),
        ("cas_required", FieldType::Bool),
        ("delete_version_after", FieldType::Duration),
    ]],
    sections: &[Section::Nested {
        parent: Kind::MOUNT,
        key: "kv_config",
    }],
    declare: None,
    extra_keys: &[],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::contract::{KindDef, PlanCx};
    use crate::kinds::fields::FieldValue;
    use crate::kinds::table::{DesiredFields, LiveFields};
    use crate::model::plan::Action;
    use crate::model::{Address, Desired, Live};
    use crate::secret::FingerprintKey;
    use serde_json::json;
    use std::collections::BTreeSet;

    fn desired(fields: &[(&str, FieldValue)]) -> Desired {
        let mut d = Desired::empty(
            miette::NamedSource::new("vault.toml", String::new()),
            ".".into(),
            "vaultform",
        );
        let item = DesiredFields {
            kind: KIND,
            mount: "secret".into(),
            name: String::new(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        };
        d.items.insert(KIND, "secret", item);
        d
    }

    fn live(v: serde_json::Value) -> Live {
        let mut l = Live::default();
        let fields: LiveFields = serde_json::from_value(v).expect("json");
        l.items.insert(KIND, "secret", fields);
        l
    }

    fn diff(d: &Desired, l: &Live) -> Option<crate::model::plan::Change> {
        let cx = PlanCx {
            desired: d,
            live: l,
            fp: &FingerprintKey::from_bytes(vec![1; 32]),
            managed: &BTreeSet::new(),
        };
        KV_CONFIG.diff(&Address::new(KIND, "secret"), &cx)
    }

    #[test]
    fn the_servers_shapes_compare_equal() {
        // As OpenBao 2.7.2 returns `secret/config` (durations as text).
        let server = json!({"cas_required": false, "delete_version_after": "0s", "max_versions": 0});
        let d = desired(&[
            ("max_versions", FieldValue::Int(0)),
            ("cas_required", FieldValue::Bool(false)),
            ("delete_version_after", FieldValue::Duration(0, "0s".into())),
        ]);
        assert_eq!(diff(&d, &live(server)), None);
        let hours = json!({"delete_version_after": "2160h0m0s", "max_versions": 10});
        let d = desired(&[
            ("max_versions", FieldValue::Int(10)),
            ("delete_version_after", FieldValue::Duration(7_776_000, "90d".into())),
        ]);
        assert_eq!(diff(&d, &live(hours)), None);
    }

    #[test]
    fn one_changed_field_is_an_update_of_that_field_shown_as_written() {
        let d = desired(&[("max_versions", FieldValue::Int(5))]);
        let c = diff(&d, &live(json!({"max_versions": 10, "cas_required": true}))).expect("change");
        assert_eq!(c.action, Action::Update);
        assert_eq!(c.fields.len(), 1);
        assert_eq!(c.fields[0].name, "max_versions");
        assert_eq!(c.fields[0].before.as_deref(), Some("10"));
        assert_eq!(c.fields[0].after.as_deref(), Some("5"));
    }

    #[test]
    fn dropped_settings_are_forgotten_never_deleted() {
        let mut d = desired(&[]);
        d.items = Default::default();
        assert_eq!(diff(&d, &live(json!({"max_versions": 3}))), None);
        assert_eq!(KV_CONFIG.check_name("secret"), Ok(()));
        assert!(KV_CONFIG.check_name("secret/../sys").is_err());
    }
}
