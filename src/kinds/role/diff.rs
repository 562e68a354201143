//! Pure diff of an auth role: declared fields against the live ones, with TTLs
//! compared in seconds and lists compared as sets.

use super::model::{DesiredRole, LiveRole, field_type};
use crate::kinds::Address;
use crate::kinds::fields::{FieldType, display_live};
use crate::plan::{Action, Change, FieldChange};

/// Diffs one role; `None` when every declared field matches.
pub fn diff(
    address: Address,
    desired: Option<&DesiredRole>,
    live: Option<&LiveRole>,
) -> Option<Change> {
    match (desired, live) {
        (None, None) => None,
        (None, Some(_)) => Some(Change::new(address, Action::Delete)),
        (Some(d), None) => {
            let mut c = Change::new(address, Action::Create);
            c.fields = d
                .fields
                .iter()
                .map(|(k, v)| FieldChange::new(k.clone(), None, Some(v.display())))
                .collect();
            Some(c)
        }
        (Some(d), Some(l)) => {
            let fields: Vec<FieldChange> = d
                .fields
                .iter()
                .filter(|(k, v)| !v.matches(l.get(k.as_str())))
                .map(|(k, v)| {
                    let ty = field_type(d.kind, k).unwrap_or(FieldType::Str);
                    FieldChange::new(
                        k.clone(),
                        Some(display_live(ty, l.get(k.as_str()))),
                        Some(v.display()),
                    )
                })
                .collect();
            if fields.is_empty() {
                return None;
            }
            let mut c = Change::new(address, Action::Update);
            c.fields = fields;
            Some(c)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Kind;
    use crate::kinds::fields::FieldValue;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn role() -> DesiredRole {
        DesiredRole {
            kind: Kind::Approle,
            mount: "approle".into(),
            name: "user".into(),
            fields: BTreeMap::from([
                (
                    "token_policies".into(),
                    FieldValue::List(vec!["user-policy".into()]),
                ),
                ("token_ttl".into(), FieldValue::Duration(3600, "1h".into())),
                (
                    "token_max_ttl".into(),
                    FieldValue::Duration(14400, "4h".into()),
                ),
                (
                    "secret_id_ttl".into(),
                    FieldValue::Duration(3600, "1h".into()),
                ),
            ]),
        }
    }

    fn live() -> LiveRole {
        serde_json::from_value(json!({
            "bind_secret_id": true, "secret_id_bound_cidrs": null, "secret_id_ttl": 3600,
            "token_max_ttl": 14400, "token_policies": ["user-policy"], "token_ttl": 3600,
            "token_bound_cidrs": [], "token_type": "default"
        }))
        .expect("json")
    }

    fn addr() -> Address {
        Address::new(Kind::Approle, "approle/user")
    }

    #[test]
    fn server_shapes_compare_equal() {
        assert!(diff(addr(), Some(&role()), Some(&live())).is_none());
    }

    #[test]
    fn changed_ttl_shows_as_written() {
        let mut d = role();
        d.fields
            .insert("token_ttl".into(), FieldValue::Duration(7200, "2h".into()));
        let c = diff(addr(), Some(&d), Some(&live())).expect("change");
        assert_eq!(c.fields.len(), 1);
        assert_eq!(c.fields[0].before.as_deref(), Some("1h"));
        assert_eq!(c.fields[0].after.as_deref(), Some("2h"));
    }
}
