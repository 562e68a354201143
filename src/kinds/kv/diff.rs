//! Pure diff of a KV v2 secret, key by key. Values never enter the change:
//! only key names, what happens to each, and keyed fingerprints.

use super::model::{DesiredSecret, DesiredValue, LiveSecret};
use crate::kinds::Address;
use crate::model::plan::{Action, Change, KeyAction, KeyChange, SecretChange};
use crate::secret::{FingerprintKey, Secret};

/// Hex digits of a [`values_fingerprint`] (128 bits of the HMAC): enough to
/// tell changed values apart, and a known record of 10,000 secrets stays
/// small.
pub const VALUES_FINGERPRINT_LEN: usize = 32;

/// A keyed fingerprint of what the manifest declares for a secret: every
/// key with how its value is made (a known value, with the value; `generate`
/// and `external`, without: any existing value satisfies them). Equal
/// fingerprints mean the same declared values, so a version known to have
/// held the declared values of one fingerprint holds those of the other.
///
/// Memoised per secret and key: the first call takes it, later ones with the
/// same key copy it.
pub fn values_fingerprint(d: &DesiredSecret, key: &FingerprintKey) -> String {
    match d.memo.0.get() {
        Some((id, fp)) if *id == key.id() => fp.clone(),
        Some(_) => take_values_fingerprint(d, key),
        None => {
            let fp = take_values_fingerprint(d, key);
            // Another thread may have set it first, with the same value or
            // another key's: either way `fp` is right for `key`.
            let _ = d.memo.0.set((key.id(), fp.clone()));
            fp
        }
    }
}

/// [`values_fingerprint`], computed.
fn take_values_fingerprint(d: &DesiredSecret, key: &FingerprintKey) -> String {
    /// `[[key, "value", value], [key, "generate"], [key, "external"], ...]`,
    /// serialised straight into the MAC (the same text as building that JSON
    /// array first, without copying the values).
    struct Spec<'a>(&'a DesiredSecret);
    impl serde::Serialize for Spec<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeSeq;
            let mut seq = s.serialize_seq(Some(self.0.keys.len()))?;
            for (k, v) in &self.0.keys {
                match v {
                    DesiredValue::Value(s) => seq.serialize_element(&(k, "value", s.expose()))?,
                    DesiredValue::Generate { .. } => seq.serialize_element(&(k, "generate"))?,
                    DesiredValue::External => seq.serialize_element(&(k, "external"))?,
                }
            }
            seq.end()
        }
    }
    let mut fp = key.fingerprint_json(&Spec(d)).0;
    fp.truncate(VALUES_FINGERPRINT_LEN);
    fp
}

/// Whether `live` was not read because the server shows the version the
/// known record says held exactly these declared values.
pub fn unchanged(d: &DesiredSecret, live: &LiveSecret, fp: &FingerprintKey) -> bool {
    live.unchanged
        .as_ref()
        .is_some_and(|f| *f == values_fingerprint(d, fp))
}

/// Whether what `data` holds is exactly what `d` declares (every known value,
/// a value for every generated and external key, no other key): the secret
/// needs no change and warns of nothing.
pub fn holds(d: &DesiredSecret, data: &std::collections::BTreeMap<String, Secret>) -> bool {
    data.len() == d.keys.len()
        && d.keys.iter().all(|(k, want)| match (want, data.get(k)) {
            (DesiredValue::Value(v), Some(h)) => h == v,
            (_, h) => h.is_some() && !matches!(want, DesiredValue::Value(_)),
        })
}

/// Diffs one secret; `None` when every key already holds its value.
pub fn diff(
    address: Address,
    desired: Option<&DesiredSecret>,
    live: Option<&LiveSecret>,
    fp: &FingerprintKey,
) -> Option<Change> {
    if let (Some(d), Some(l)) = (desired, live)
        && unchanged(d, l, fp)
    {
        return None;
    }
    let live_data = live.and_then(|l| l.data.as_ref());
    let cas = live.map(|l| l.version).unwrap_or(0);
    let Some(d) = desired else {
        let l = live?;
        let mut c = Change::new(address, Action::Delete);
        c.secret = Some(SecretChange {
            cas: l.version,
            keys: l
                .data
                .iter()
                .flat_map(|m| m.keys())
                .map(|k| KeyChange::new(k, KeyAction::Remove, None))
                .collect(),
        });
        return Some(c);
    };
    // Sized for the declared keys (a cold apply of 10,000 secrets holds
    // 50,000 of these; grown by doubling, a 5-key secret's list had room for 8).
    let mut keys = Vec::with_capacity(d.keys.len());
    // A literal of the manifest that may be shown, as text.
    let shown = |key: &str, v: &crate::secret::Secret| {
        d.shown.contains(key).then(|| match v.expose() {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    for (key, want) in &d.keys {
        let have = live_data.and_then(|m| m.get(key));
        match (want, have) {
            (DesiredValue::Value(v), None) => {
                let mut k = KeyChange::new(key, KeyAction::Add, Some(v.fingerprint(fp)));
                k.value = shown(key, v);
                keys.push(k);
            }
            (DesiredValue::Value(v), Some(h)) if h != v => {
                let mut k = KeyChange::new(key, KeyAction::Change, Some(v.fingerprint(fp)));
                k.value = shown(key, v);
                keys.push(k);
            }
            (DesiredValue::Generate { .. }, None) => {
                keys.push(KeyChange::new(key, KeyAction::Generate, None))
            }
            _ => {}
        }
    }
    if let Some(m) = live_data {
        for key in m.keys() {
            if !d.keys.contains_key(key) {
                keys.push(KeyChange::new(key, KeyAction::Remove, None));
            }
        }
    }
    if keys.is_empty() {
        return None;
    }
    keys.sort_by(|a, b| a.key.cmp(&b.key));
    let action = if live_data.is_some() {
        Action::Update
    } else {
        Action::Create
    };
    let mut c = Change::new(address, action);
    c.secret = Some(SecretChange { cas, keys });
    Some(c)
}

/// Warnings for a secret: `external` keys that nobody has set yet.
pub fn warnings(
    address: &Address,
    desired: &DesiredSecret,
    live: Option<&LiveSecret>,
    fp: &FingerprintKey,
) -> Vec<String> {
    // Known to hold every declared key, external ones included.
    if live.is_some_and(|l| unchanged(desired, l, fp)) {
        return Vec::new();
    }
    let live_data = live.and_then(|l| l.data.as_ref());
    desired
        .keys
        .iter()
        .filter(|(k, v)| {
            matches!(v, DesiredValue::External) && !live_data.is_some_and(|m| m.contains_key(*k))
        })
        .map(|(k, _)| {
            format!("{address}: external key `{k}` has no value in Vault yet; set it by hand")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Kind;
    use crate::secret::Secret;
    use std::collections::BTreeMap;

    /// The streamed fingerprint is the one of the JSON array built first (as
    /// it was computed before): known records written then still match.
    #[test]
    fn values_fingerprints_are_those_of_the_json_array() {
        use serde_json::{Value, json};
        let d = DesiredSecret::new(
            "secret",
            "app",
            BTreeMap::from([
                ("A".to_string(), DesiredValue::Value(Secret::new(json!("x\"y\u{e9}")))),
                ("B".to_string(), DesiredValue::Value(Secret::new(json!(42)))),
                ("C".to_string(), DesiredValue::Generate { length: 12 }),
                ("D".to_string(), DesiredValue::External),
            ]),
        );
        let spec = Value::Array(vec![
            json!(["A", "value", "x\"y\u{e9}"]),
            json!(["B", "value", 42]),
            json!(["C", "generate"]),
            json!(["D", "external"]),
        ]);
        let key = FingerprintKey::from_bytes(vec![3; 32]);
        let mut want = Secret::new(spec).fingerprint(&key).0;
        want.truncate(VALUES_FINGERPRINT_LEN);
        assert_eq!(values_fingerprint(&d, &key), want);
    }

    #[test]
    fn a_memoised_values_fingerprint_is_the_one_of_its_key() {
        let d = desired();
        let (k1, k2) = (FingerprintKey::random(), FingerprintKey::random());
        let first = values_fingerprint(&d, &k1);
        assert_eq!(values_fingerprint(&d, &k1), first);
        assert_eq!(values_fingerprint(&d, &k1.clone()), first);
        // Another key: its own fingerprint, as a fresh secret computes it.
        let other = values_fingerprint(&d, &k2);
        assert_ne!(other, first);
        assert_eq!(other, values_fingerprint(&desired(), &k2));
        // A copy whose keys change is fingerprinted afresh.
        let mut changed = d.clone();
        changed
            .keys
            .insert("PASSWORD".into(), DesiredValue::Value(s("p-secret-2")));
        assert_ne!(values_fingerprint(&changed, &k1), first);
    }

    fn s(v: &str) -> Secret {
        Secret::from_string(v.into())
    }

    fn desired() -> DesiredSecret {
        DesiredSecret::new(
            "secret",
            "user_db",
            BTreeMap::from([
                ("USER".into(), DesiredValue::Value(s("u"))),
                ("PASSWORD".into(), DesiredValue::Value(s("p-secret-1"))),
                ("SESSION_KEY".into(), DesiredValue::Generate { length: 32 }),
                ("API_TOKEN".into(), DesiredValue::External),
            ]),
        )
    }

    fn live(pairs: &[(&str, &str)], version: u64) -> LiveSecret {
        LiveSecret {
            version,
            data: Some(pairs.iter().map(|(k, v)| (k.to_string(), s(v))).collect()),
            ..LiveSecret::default()
        }
    }

    fn addr() -> Address {
        Address::new(Kind::KV, "secret/user_db")
    }

    #[test]
    fn only_keys_marked_shown_carry_their_value() {
        let mut d = desired();
        d.shown.insert("USER".into());
        let c = diff(addr(), Some(&d), Some(&live(&[("USER", "old"), ("PASSWORD", "x")], 2)), &FingerprintKey::random())
            .expect("change");
        let keys = c.secret.expect("secret").keys;
        let get = |k: &str| keys.iter().find(|c| c.key == k).expect(k);
        assert_eq!(get("USER").value.as_deref(), Some("u"));
        assert_eq!(get("PASSWORD").value, None);
        assert_eq!(get("SESSION_KEY").value, None);
        assert!(crate::kinds::kv::model::may_show("LOG_LEVEL"));
        for k in ["DB_PASSWORD", "api_token", "DATABASE_URL", "SIGNING_SALT", "x_auth", "PRIVATE"] {
            assert!(!crate::kinds::kv::model::may_show(k), "{k}");
        }
    }

    #[test]
    fn missing_secret_is_created_with_cas_zero() {
        let c = diff(addr(), Some(&desired()), None, &FingerprintKey::random()).expect("change");
        assert_eq!(c.action, Action::Create);
        let sc = c.secret.expect("secret");
        assert_eq!(sc.cas, 0);
        assert_eq!(sc.keys.len(), 3, "external keys are never written");
    }

    #[test]
    fn matching_secret_with_generated_and_external_keys_is_no_change() {
        let l = live(
            &[
                ("USER", "u"),
                ("PASSWORD", "p-secret-1"),
                ("SESSION_KEY", "x"),
                ("API_TOKEN", "t"),
            ],
            4,
        );
        assert!(
            diff(
                addr(),
                Some(&desired()),
                Some(&l),
                &FingerprintKey::random()
            )
            .is_none()
        );
    }

    #[test]
    fn one_changed_value_is_one_key_change_with_cas_of_live_version() {
        let l = live(
            &[("USER", "u"), ("PASSWORD", "old"), ("SESSION_KEY", "x")],
            4,
        );
        let c = diff(
            addr(),
            Some(&desired()),
            Some(&l),
            &FingerprintKey::random(),
        )
        .expect("change");
        let sc = c.secret.expect("secret");
        assert_eq!(sc.cas, 4);
        assert_eq!(sc.keys.len(), 1);
        assert_eq!(sc.keys[0].key, "PASSWORD");
        assert_eq!(sc.keys[0].action, KeyAction::Change);
    }

    #[test]
    fn unlisted_live_keys_are_removed() {
        let l = live(
            &[
                ("USER", "u"),
                ("PASSWORD", "p-secret-1"),
                ("SESSION_KEY", "x"),
                ("STRAY", "z"),
            ],
            2,
        );
        let c = diff(
            addr(),
            Some(&desired()),
            Some(&l),
            &FingerprintKey::random(),
        )
        .expect("change");
        let sc = c.secret.expect("secret");
        assert_eq!(sc.keys[0].key, "STRAY");
        assert_eq!(sc.keys[0].action, KeyAction::Remove);
    }

    #[test]
    fn soft_deleted_secret_is_recreated_with_its_version_as_cas() {
        let l = LiveSecret {
            version: 7,
            ..LiveSecret::default()
        };
        let c = diff(
            addr(),
            Some(&desired()),
            Some(&l),
            &FingerprintKey::random(),
        )
        .expect("change");
        assert_eq!(c.action, Action::Create);
        assert_eq!(c.secret.expect("secret").cas, 7);
    }

    #[test]
    fn missing_external_key_is_a_warning() {
        let w = warnings(&addr(), &desired(), None, &FingerprintKey::random());
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("API_TOKEN"));
    }

    #[test]
    fn an_unchanged_secret_is_no_change_only_for_the_declared_values_it_was_known_with() {
        let key = FingerprintKey::random();
        let d = desired();
        let l = LiveSecret {
            version: 4,
            unchanged: Some(values_fingerprint(&d, &key)),
            ..LiveSecret::default()
        };
        assert!(diff(addr(), Some(&d), Some(&l), &key).is_none());
        assert!(warnings(&addr(), &d, Some(&l), &key).is_empty());
        // Another value from `.env`: not the values it was known with.
        let mut other = d.clone();
        other
            .keys
            .insert("PASSWORD".into(), DesiredValue::Value(s("p-secret-2")));
        assert!(!unchanged(&other, &l, &key));
        // A known value that becomes generated is another declaration too.
        let mut generated = d.clone();
        generated
            .keys
            .insert("USER".into(), DesiredValue::Generate { length: 8 });
        assert_ne!(
            values_fingerprint(&generated, &key),
            values_fingerprint(&d, &key)
        );
        // Another key: another fingerprint.
        assert_ne!(
            values_fingerprint(&d, &FingerprintKey::random()),
            values_fingerprint(&d, &key)
        );
    }

    #[test]
    fn known_entries_round_trip_and_match_only_the_very_version() {
        use super::super::model::{KnownSecret, KvMeta};
        let k = KnownSecret {
            version: 3,
            created_time: "2026-12-01T14:06:31.445101852Z".into(),
            values: "0123456789abcdef0123456789abcdef".into(),
        };
        assert_eq!(KnownSecret::parse(&k.entry()), Some(k.clone()));
        assert_eq!(KnownSecret::parse("0 t f"), None);
        assert_eq!(KnownSecret::parse("3 t"), None);
        let meta = KvMeta {
            current_version: 3,
            created_time: k.created_time.clone(),
            deleted: false,
            destroyed: false,
        };
        assert!(k.matches(&meta));
        for other in [
            KvMeta {
                current_version: 4,
                ..meta.clone()
            },
            KvMeta {
                created_time: "2026-12-01T14:06:31.445101853Z".into(),
                ..meta.clone()
            },
            KvMeta {
                deleted: true,
                ..meta.clone()
            },
            KvMeta {
                destroyed: true,
                ..meta.clone()
            },
        ] {
            assert!(!k.matches(&other), "{other:?}");
        }
    }

    #[test]
    fn holds_means_every_declared_key_with_its_value_and_no_other() {
        let d = desired();
        let all = live(
            &[
                ("USER", "u"),
                ("PASSWORD", "p-secret-1"),
                ("SESSION_KEY", "x"),
                ("API_TOKEN", "t"),
            ],
            1,
        );
        assert!(holds(&d, all.data.as_ref().unwrap()));
        let no_external = live(
            &[("USER", "u"), ("PASSWORD", "p-secret-1"), ("SESSION_KEY", "x")],
            1,
        );
        assert!(!holds(&d, no_external.data.as_ref().unwrap()));
        let changed = live(
            &[
                ("USER", "u"),
                ("PASSWORD", "old"),
                ("SESSION_KEY", "x"),
                ("API_TOKEN", "t"),
            ],
            1,
        );
        assert!(!holds(&d, changed.data.as_ref().unwrap()));
    }
}
