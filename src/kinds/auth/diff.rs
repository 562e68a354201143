//! Pure diff of an auth method's configuration. Keys the server never returns
//! (write-only, such as `token_reviewer_jwt`) are written on creation only.

use super::model::{DesiredAuthConfig, LiveAuthConfig, is_sensitive};
use crate::kinds::Address;
use crate::model::plan::{Action, Change, FieldChange};
use serde_json::Value;

fn show(type_name: &str, key: &str, v: Option<&Value>) -> Option<String> {
    let v = v?;
    if is_sensitive(type_name, key) {
        return Some("(sensitive)".into());
    }
    Some(match v {
        Value::String(s) if s.contains('\n') => {
            format!(
                "<{} lines, starting {:?}>",
                s.lines().count(),
                s.lines().next().unwrap_or("")
            )
        }
        other => other.to_string(),
    })
}

/// Diffs one auth config. Configs are never deleted on their own: they go with
/// their auth method.
pub fn diff(
    address: Address,
    desired: Option<&DesiredAuthConfig>,
    live: Option<&LiveAuthConfig>,
) -> Option<Change> {
    let d = desired?;
    let live_empty = live.is_none_or(|l| l.is_empty());
    let mut fields = Vec::new();
    let t = d.type_name.as_str();
    for (key, want) in &d.values {
        let want = want.expose();
        let have = live.and_then(|l| l.get(key));
        if live_empty {
            fields.push(FieldChange::new(
                key.clone(),
                None,
                show(t, key, Some(want)),
            ));
        } else if let Some(have) = have
            && !same(have, want)
        {
            fields.push(FieldChange::new(
                key.clone(),
                show(t, key, Some(have)),
                show(t, key, Some(want)),
            ));
        }
    }
    if fields.is_empty() {
        return None;
    }
    let mut c = Change::new(
        address,
        if live_empty {
            Action::Create
        } else {
            Action::Update
        },
    );
    c.fields = fields;
    Some(c)
}

fn same(have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::Array(_), Value::Array(_)) => {
            let norm = |v: &Value| crate::kinds::fields::live_list(Some(v));
            norm(have) == norm(want)
        }
        (Value::String(h), Value::String(w)) => h.trim_end() == w.trim_end(),
        // The server parses `"true"` and `"5"` into a boolean or a number and
        // returns those; a list written as `"a,b"` comes back as a list.
        (Value::Bool(h), Value::String(w)) => w.parse::<bool>().ok() == Some(*h),
        (Value::Number(h), Value::String(w)) => w.trim() == h.to_string(),
        (Value::Array(_), Value::String(_)) => {
            crate::kinds::fields::live_list(Some(have))
                == crate::kinds::fields::live_list(Some(want))
        }
        (Value::Number(h), Value::Number(w)) => h.as_f64() == w.as_f64(),
        _ => have == want,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Kind;
    use crate::secret::Secret;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn desired() -> DesiredAuthConfig {
        DesiredAuthConfig {
            path: "kubernetes".into(),
            type_name: "kubernetes".into(),
            values: BTreeMap::from([
                (
                    "kubernetes_host".into(),
                    Secret::new(json!("https://k8s:443")),
                ),
                (
                    "token_reviewer_jwt".into(),
                    Secret::new(json!("very-secret-jwt")),
                ),
            ]),
        }
    }

    fn addr() -> Address {
        Address::new(Kind::AUTH_CONFIG, "kubernetes")
    }

    #[test]
    fn missing_config_is_created_and_sensitive_values_are_masked() {
        let c = diff(addr(), Some(&desired()), None).expect("change");
        assert_eq!(c.action, Action::Create);
        let text = format!("{:?}", c.fields);
        assert!(!text.contains("very-secret-jwt"));
    }

    #[test]
    fn sensitivity_follows_the_declared_list_not_the_key_name() {
        assert!(is_sensitive("kubernetes", "token_reviewer_jwt"));
        // A public key is not a secret, although its name says "key".
        assert!(!is_sensitive("jwt", "jwt_validation_pubkeys"));
        assert!(is_sensitive("oidc", "oidc_client_secret"));
        // A plugin vaultform does not know: everything is masked.
        assert!(is_sensitive("my-custom-plugin", "host"));
    }

    #[test]
    fn write_only_keys_do_not_cause_perpetual_updates() {
        let live = BTreeMap::from([("kubernetes_host".into(), json!("https://k8s:443"))]);
        assert!(diff(addr(), Some(&desired()), Some(&live)).is_none());
    }

    #[test]
    fn changed_host_is_an_update() {
        let live = BTreeMap::from([("kubernetes_host".into(), json!("https://old:443"))]);
        let c = diff(addr(), Some(&desired()), Some(&live)).expect("change");
        assert_eq!(c.action, Action::Update);
        assert_eq!(c.fields.len(), 1);
    }
}
