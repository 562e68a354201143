//! Pure diff of a mount or auth method: create, tune in place, replace
//! (destructive: type, `local`, `seal_wrap` or a KV downgrade) or delete.

use super::model::{DesiredBackend, LiveBackend};
use crate::kinds::Address;
use crate::kinds::fields::display_live;
use crate::model::plan::{Action, Change, FieldChange};

/// Diffs one backend. `None` means no change.
pub fn diff(
    address: Address,
    desired: Option<&DesiredBackend>,
    live: Option<&LiveBackend>,
) -> Option<Change> {
    match (desired, live) {
        (None, None) => None,
        (None, Some(l)) => {
            let mut c = Change::new(address, Action::Delete);
            c.destructive = true;
            c.fields
                .push(FieldChange::new("type", Some(l.type_name.clone()), None));
            Some(c)
        }
        (Some(d), None) => {
            let mut c = Change::new(address, Action::Create);
            c.fields = creation_fields(d);
            Some(c)
        }
        (Some(d), Some(l)) => {
            let mut fields = Vec::new();
            let mut replace = false;
            if d.type_name != l.type_name && !(d.type_name == "kv-v2" && l.is_kv2()) {
                replace = true;
                fields.push(FieldChange::new(
                    "type",
                    Some(l.type_name.clone()),
                    Some(d.type_name.clone()),
                ));
            }
            for (flag, want, have) in [
                ("local", d.local, l.local),
                ("seal_wrap", d.seal_wrap, l.seal_wrap),
            ] {
                if let Some(want) = want
                    && want != have
                {
                    replace = true;
                    fields.push(FieldChange::new(
                        flag,
                        Some(have.to_string()),
                        Some(want.to_string()),
                    ));
                }
            }
            if let Some(desc) = &d.description
                && desc != &l.description
            {
                fields.push(FieldChange::new(
                    "description",
                    Some(l.description.clone()),
                    Some(desc.clone()),
                ));
            }
            for (key, want) in &d.options {
                let have = l.options.get(key);
                if have != Some(want) {
                    if key == "version" && have.is_some_and(|h| h.as_str() > want.as_str()) {
                        replace = true; // Vault cannot downgrade a KV mount in place
                    }
                    fields.push(FieldChange::new(
                        format!("options.{key}"),
                        have.cloned(),
                        Some(want.clone()),
                    ));
                }
            }
            for (key, want) in &d.config {
                let have = l.config.get(key);
                if !want.matches(have) {
                    let ty = want.field_type();
                    fields.push(FieldChange::new(
                        key.clone(),
                        Some(display_live(key, ty, have)),
                        Some(want.display(key)),
                    ));
                }
            }
            if fields.is_empty() {
                return None;
            }
            let mut c = Change::new(
                address,
                if replace {
                    Action::Replace
                } else {
                    Action::Update
                },
            );
            c.destructive = replace;
            c.fields = fields;
            Some(c)
        }
    }
}

fn creation_fields(d: &DesiredBackend) -> Vec<FieldChange> {
    let mut fields = vec![FieldChange::new("type", None, Some(d.type_name.clone()))];
    if let Some(desc) = &d.description {
        fields.push(FieldChange::new("description", None, Some(desc.clone())));
    }
    for (k, v) in &d.options {
        fields.push(FieldChange::new(
            format!("options.{k}"),
            None,
            Some(v.clone()),
        ));
    }
    for (k, v) in &d.config {
        fields.push(FieldChange::new(k.clone(), None, Some(v.display(k))));
    }
    for (flag, v) in [("local", d.local), ("seal_wrap", d.seal_wrap)] {
        if let Some(v) = v {
            fields.push(FieldChange::new(flag, None, Some(v.to_string())));
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Kind;
    use crate::kinds::fields::FieldValue;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn kv2(path: &str) -> DesiredBackend {
        DesiredBackend {
            path: path.into(),
            type_name: "kv".into(),
            description: None,
            options: BTreeMap::from([("version".into(), "2".into())]),
            config: BTreeMap::new(),
            local: None,
            seal_wrap: None,
        }
    }

    fn live_kv2() -> LiveBackend {
        LiveBackend::from_json(&json!({
            "type": "kv", "description": "key/value secret storage",
            "options": {"version": "2"},
            "config": {"default_lease_ttl": 0, "max_lease_ttl": 0}
        }))
    }

    fn addr() -> Address {
        Address::new(Kind::MOUNT, "secret")
    }

    #[test]
    fn unset_fields_are_not_managed() {
        assert!(diff(addr(), Some(&kv2("secret")), Some(&live_kv2())).is_none());
    }

    #[test]
    fn ttl_change_is_an_in_place_tune() {
        let mut d = kv2("secret");
        d.config.insert(
            "max_lease_ttl".into(),
            FieldValue::Duration(7200, "2h".into()),
        );
        let c = diff(addr(), Some(&d), Some(&live_kv2())).expect("change");
        assert_eq!(c.action, Action::Update);
        assert!(!c.destructive);
        assert_eq!(c.fields[0].after.as_deref(), Some("2h"));
        assert_eq!(c.fields[0].before.as_deref(), Some("(system default)"));
    }

    #[test]
    fn zero_ttls_read_as_the_system_default() {
        let mut d = kv2("secret");
        d.config
            .insert("default_lease_ttl".into(), FieldValue::Duration(0, "0s".into()));
        d.config.insert(
            "max_lease_ttl".into(),
            FieldValue::Duration(5400, "1.5h".into()),
        );
        let c = diff(addr(), Some(&d), None).expect("change");
        let shown = |name: &str| {
            c.fields
                .iter()
                .find(|f| f.name == name)
                .and_then(|f| f.after.clone())
        };
        assert_eq!(shown("default_lease_ttl").as_deref(), Some("(system default)"));
        assert_eq!(shown("max_lease_ttl").as_deref(), Some("1.5h"));
    }

    #[test]
    fn type_change_is_a_destructive_replace() {
        let mut d = kv2("secret");
        d.type_name = "transit".into();
        d.options.clear();
        let c = diff(addr(), Some(&d), Some(&live_kv2())).expect("change");
        assert_eq!(c.action, Action::Replace);
        assert!(c.destructive);
    }

    #[test]
    fn kv_downgrade_is_a_replace_but_upgrade_is_a_tune() {
        let mut d = kv2("secret");
        d.options.insert("version".into(), "1".into());
        let c = diff(addr(), Some(&d), Some(&live_kv2())).expect("change");
        assert_eq!(c.action, Action::Replace);
        let mut live_v1 = live_kv2();
        live_v1.options.insert("version".into(), "1".into());
        let c = diff(addr(), Some(&kv2("secret")), Some(&live_v1)).expect("change");
        assert_eq!(c.action, Action::Update);
    }

    #[test]
    fn deleting_a_backend_is_destructive() {
        let c = diff(addr(), None, Some(&live_kv2())).expect("change");
        assert_eq!(c.action, Action::Delete);
        assert!(c.destructive);
    }
}
