//! Pure diff of an auth method's configuration. Keys the server never returns
//! (write-only, such as `token_reviewer_jwt`) are compared through the keyed
//! fingerprint of the value vaultform last wrote.

use super::model::{DesiredAuthConfig, LiveAuthConfig, is_sensitive, is_write_only};
use crate::secret::FingerprintKey;
use std::collections::BTreeMap;
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
/// their auth method. `recorded` holds the fingerprints of write-only values
/// last written (`<address>#<key>`), made with `fp`.
pub fn diff(
    address: Address,
    desired: Option<&DesiredAuthConfig>,
    live: Option<&LiveAuthConfig>,
    fp: &FingerprintKey,
    recorded: &BTreeMap<String, String>,
) -> Option<Change> {
    let d = desired?;
    // An empty answer is a config never written, unless vaultform recorded
    // writing one (a config of write-only keys alone reads back empty).
    let prefix = format!("{address}#");
    let written = recorded.keys().any(|k| k.starts_with(&prefix));
    let live_empty = live.is_none_or(|l| l.is_empty() && !written);
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
        } else if is_write_only(t, key) && have.is_none() {
            let k = crate::model::WriteOnly::key(&address, key);
            let now = d.values.get(key).map(|v| v.fingerprint(fp).0);
            match recorded.get(&k) {
                Some(was) if Some(was) == now.as_ref() => {}
                Some(_) => fields.push(FieldChange::new(
                    key.clone(),
                    Some("(write-only)".into()),
                    Some("(write-only, changed in the manifest)".into()),
                )),
                None => fields.push(FieldChange::new(
                    key.clone(),
                    Some("(write-only, cannot be compared with the server)".into()),
                    Some("(write-only, written once to record it)".into()),
                )),
            }
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
        let c = diff(addr(), Some(&desired()), None, &fp(), &BTreeMap::new()).expect("change");
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

    fn fp() -> FingerprintKey {
        FingerprintKey::from_bytes(vec![7; 32])
    }

    fn recorded(value: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(
            "auth_config.kubernetes#token_reviewer_jwt".to_string(),
            Secret::new(json!(value)).fingerprint(&fp()).0,
        )])
    }

    #[test]
    fn write_only_keys_are_compared_by_fingerprint_not_with_the_server() {
        let live = BTreeMap::from([("kubernetes_host".into(), json!("https://k8s:443"))]);
        // Recorded with the same value: nothing to do (no perpetual update).
        let same = recorded("very-secret-jwt");
        assert!(diff(addr(), Some(&desired()), Some(&live), &fp(), &same).is_none());
        // A new value in the manifest: that key only.
        let old = recorded("older-jwt");
        let c = diff(addr(), Some(&desired()), Some(&live), &fp(), &old).expect("change");
        assert_eq!(c.fields.len(), 1);
        assert_eq!(
            c.fields[0].after.as_deref(),
            Some("(write-only, changed in the manifest)")
        );
        // Never recorded (written by another tool): written once.
        let none = BTreeMap::new();
        let c = diff(addr(), Some(&desired()), Some(&live), &fp(), &none).expect("change");
        assert_eq!(
            c.fields[0].after.as_deref(),
            Some("(write-only, written once to record it)")
        );
        assert!(!format!("{c:?}").contains("very-secret-jwt"));
    }

    #[test]
    fn changed_host_is_an_update() {
        let live = BTreeMap::from([("kubernetes_host".into(), json!("https://old:443"))]);
        let rec = recorded("very-secret-jwt");
        let c = diff(addr(), Some(&desired()), Some(&live), &fp(), &rec).expect("change");
        assert_eq!(c.action, Action::Update);
        assert_eq!(c.fields.len(), 1);
    }
}
