//! Planner tests: no server, no runtime.

use super::*;
use crate::kinds::fields::FieldValue;
use crate::kinds::kv::{DesiredSecret, DesiredValue, LiveSecret};
use crate::kinds::mount::{DesiredBackend, LiveBackend};
use crate::kinds::policy::{DesiredPolicy, LivePolicy};
use crate::kinds::role::DesiredRole;
use crate::live::Live;
use crate::manifest::Desired;
use crate::secret::{FingerprintKey, Secret};
use miette::NamedSource;
use proptest::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;

fn empty_desired() -> Desired {
    Desired {
        mounts: BTreeMap::new(),
        auths: BTreeMap::new(),
        auth_configs: BTreeMap::new(),
        policies: BTreeMap::new(),
        approles: BTreeMap::new(),
        kubernetes_roles: BTreeMap::new(),
        secrets: BTreeMap::new(),
        credentials: BTreeMap::new(),
        ownership_mount: "vaultform".into(),
        name: crate::ownership::DEFAULT_NAME.into(),
        warnings: Vec::new(),
        source: NamedSource::new("vault.toml", String::new()),
        origins: BTreeMap::new(),
        base_dir: ".".into(),
        policy_tests: Vec::new(),
        env_file: None,
    }
}

/// A dev server: `secret/` KV v2, `token/` auth, `default`/`root` policies.
fn dev_live() -> Live {
    let mut live = Live::default();
    live.mounts.insert(
        "secret".into(),
        LiveBackend::from_json(&json!({"type": "kv", "options": {"version": "2"}})),
    );
    live.mounts.insert(
        "sys".into(),
        LiveBackend::from_json(&json!({"type": "system"})),
    );
    live.auths.insert(
        "token".into(),
        LiveBackend::from_json(&json!({"type": "token"})),
    );
    live.policy_names = ["default".to_string(), "root".to_string()].into();
    live
}

fn policy(name: &str, text: &str) -> DesiredPolicy {
    DesiredPolicy {
        name: name.into(),
        text: text.into(),
        file: format!("policies/{name}.hcl").into(),
    }
}

fn approle(name: &str, ttl: u64) -> DesiredRole {
    DesiredRole {
        kind: Kind::Approle,
        mount: "approle".into(),
        name: name.into(),
        fields: BTreeMap::from([
            (
                "token_policies".into(),
                FieldValue::List(vec![format!("{name}-policy")]),
            ),
            (
                "token_ttl".into(),
                FieldValue::Duration(ttl, crate::duration::format(ttl)),
            ),
        ]),
    }
}

fn approle_auth() -> DesiredBackend {
    DesiredBackend {
        path: "approle".into(),
        type_name: "approle".into(),
        description: None,
        options: BTreeMap::new(),
        config: BTreeMap::new(),
        local: None,
        seal_wrap: None,
    }
}

fn secret(path: &str, pairs: &[(&str, &str)]) -> DesiredSecret {
    DesiredSecret {
        mount: "secret".into(),
        path: path.into(),
        keys: pairs
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    DesiredValue::Value(Secret::from_string(v.to_string())),
                )
            })
            .collect(),
    }
}

fn fp() -> FingerprintKey {
    FingerprintKey::from_bytes(vec![7; 32])
}

/// What the server looks like after a perfect apply of `plan`.
fn simulate(desired: &Desired, live: &Live, plan: &Plan) -> Live {
    let mut next = live.clone();
    for c in &plan.changes {
        let name = c.address.name.clone();
        match (c.address.kind, c.action) {
            (Kind::Mount, Action::Delete) => {
                next.mounts.remove(&name);
            }
            (Kind::Mount, _) => {
                let d = &desired.mounts[&name];
                let mut l = next.mounts.remove(&name).unwrap_or_default();
                l.type_name = d.type_name.clone();
                if let Some(desc) = &d.description {
                    l.description = desc.clone();
                }
                l.options.extend(d.options.clone());
                next.mounts.insert(name, l);
            }
            (Kind::Auth, Action::Delete) => {
                next.auths.remove(&name);
            }
            (Kind::Auth, _) => {
                let d = &desired.auths[&name];
                next.auths
                    .insert(name, LiveBackend::from_json(&json!({"type": d.type_name})));
            }
            (Kind::Policy, Action::Delete) => {
                next.policies.remove(&name);
                next.policy_names.remove(&name);
            }
            (Kind::Policy, _) => {
                next.policies.insert(
                    name.clone(),
                    LivePolicy {
                        text: desired.policies[&name].text.clone(),
                    },
                );
                next.policy_names.insert(name);
            }
            (Kind::Approle, Action::Delete) => {
                next.approles.remove(&name);
                next.approle_names.remove(&name);
            }
            (Kind::Approle, _) => {
                let d = &desired.approles[&name];
                let mut l = next.approles.remove(&name).unwrap_or_default();
                for (k, v) in &d.fields {
                    l.insert(k.clone(), v.to_json());
                }
                next.approles.insert(name.clone(), l);
                next.approle_names.insert(name);
            }
            (Kind::Kv, Action::Delete) => {
                next.secrets.remove(&name);
            }
            (Kind::Kv, _) => {
                let d = &desired.secrets[&name];
                let old = next.secrets.remove(&name);
                let mut data = BTreeMap::new();
                for (k, v) in &d.keys {
                    let have = old
                        .as_ref()
                        .and_then(|o| o.data.as_ref())
                        .and_then(|m| m.get(k));
                    let val = match v {
                        DesiredValue::Value(s) => Some(s.clone()),
                        DesiredValue::Generate { .. } => Some(
                            have.cloned()
                                .unwrap_or(Secret::from_string("generated".into())),
                        ),
                        DesiredValue::External => have.cloned(),
                    };
                    if let Some(val) = val {
                        data.insert(k.clone(), val);
                    }
                }
                let version = old.map(|o| o.version).unwrap_or(0) + 1;
                next.secrets.insert(
                    name,
                    LiveSecret {
                        version,
                        data: Some(data),
                    },
                );
            }
            _ => {}
        }
    }
    for a in &plan.ownership.add {
        next.managed.addresses.insert(a.clone());
    }
    for a in &plan.ownership.remove {
        next.managed.addresses.remove(a);
    }
    next.managed.mount_exists = true;
    next
}

#[test]
fn empty_manifest_on_a_dev_server_plans_nothing() {
    let p = plan(&empty_desired(), &dev_live(), &fp());
    assert!(!p.has_changes(), "{p:?}");
    // sys/, token/, default and root are built-ins and never listed; the dev
    // server's secret/ is an ordinary mount vaultform does not manage.
    assert_eq!(p.unmanaged, vec![Address::new(Kind::Mount, "secret")]);
}

#[test]
fn creates_come_in_dependency_order() {
    let mut d = empty_desired();
    d.auths.insert("approle".into(), approle_auth());
    d.policies
        .insert("user-policy".into(), policy("user-policy", "x"));
    d.approles
        .insert("approle/user".into(), approle("user", 3600));
    d.secrets
        .insert("secret/user".into(), secret("user", &[("A", "1")]));
    let p = plan(&d, &dev_live(), &fp());
    let kinds: Vec<Kind> = p.changes.iter().map(|c| c.address.kind).collect();
    assert_eq!(
        kinds,
        vec![Kind::Auth, Kind::Policy, Kind::Approle, Kind::Kv]
    );
    assert_eq!(p.summary.add, 4);
}

#[test]
fn deletions_come_last_in_reverse_dependency_order() {
    let mut live = dev_live();
    live.policies
        .insert("old-policy".into(), LivePolicy { text: "x".into() });
    live.policy_names.insert("old-policy".into());
    live.approles.insert("approle/old".into(), BTreeMap::new());
    live.approle_names.insert("approle/old".into());
    live.secrets.insert(
        "secret/old".into(),
        LiveSecret {
            version: 1,
            data: Some(BTreeMap::new()),
        },
    );
    live.managed.addresses = [
        Address::new(Kind::Policy, "old-policy"),
        Address::new(Kind::Approle, "approle/old"),
        Address::new(Kind::Kv, "secret/old"),
    ]
    .into();
    let mut d = empty_desired();
    d.policies
        .insert("new-policy".into(), policy("new-policy", "y"));
    let p = plan(&d, &live, &fp());
    let order: Vec<(Kind, Action)> = p
        .changes
        .iter()
        .map(|c| (c.address.kind, c.action))
        .collect();
    assert_eq!(
        order,
        vec![
            (Kind::Policy, Action::Create),
            (Kind::Kv, Action::Delete),
            (Kind::Approle, Action::Delete),
            (Kind::Policy, Action::Delete),
        ]
    );
}

#[test]
fn never_deletes_unmanaged_resources() {
    let mut live = dev_live();
    live.policies
        .insert("handmade".into(), LivePolicy { text: "x".into() });
    live.policy_names.insert("handmade".into());
    live.approle_names.insert("approle/handmade".into());
    let p = plan(&empty_desired(), &live, &fp());
    assert!(p.changes.is_empty());
    assert_eq!(
        p.unmanaged,
        vec![
            Address::new(Kind::Mount, "secret"),
            Address::new(Kind::Policy, "handmade"),
            Address::new(Kind::Approle, "approle/handmade"),
        ]
    );
}

#[test]
fn existing_matching_resource_is_adopted_not_created() {
    let mut live = dev_live();
    live.policies.insert(
        "p".into(),
        LivePolicy {
            text: "same".into(),
        },
    );
    live.policy_names.insert("p".into());
    let mut d = empty_desired();
    d.policies.insert("p".into(), policy("p", "same"));
    let p = plan(&d, &live, &fp());
    assert_eq!(p.changes.len(), 1);
    assert_eq!(p.changes[0].action, Action::Adopt);
    assert_eq!(p.ownership.add, vec![Address::new(Kind::Policy, "p")]);
    assert!(p.ownership.create_mount);
}

#[test]
fn managed_resource_gone_from_server_and_manifest_is_only_forgotten() {
    let mut live = dev_live();
    live.managed.addresses = [Address::new(Kind::Policy, "gone")].into();
    live.managed.mount_exists = true;
    let p = plan(&empty_desired(), &live, &fp());
    assert!(p.changes.is_empty());
    assert_eq!(p.ownership.remove, vec![Address::new(Kind::Policy, "gone")]);
    assert!(p.has_changes());
}

#[test]
fn plan_json_never_holds_secret_values() {
    let mut d = empty_desired();
    d.secrets.insert(
        "secret/db".into(),
        secret(
            "db",
            &[
                ("PASSWORD", "s3cr3t-plan-value"),
                ("USER", "admin-user-value"),
            ],
        ),
    );
    let mut live = dev_live();
    live.secrets.insert(
        "secret/db".into(),
        LiveSecret {
            version: 3,
            data: Some(BTreeMap::from([(
                "PASSWORD".to_string(),
                Secret::from_string("old-live-value".into()),
            )])),
        },
    );
    let p = plan(&d, &live, &fp());
    let mut out = Vec::new();
    crate::render::json::render(&p, &mut out).unwrap();
    crate::render::human::render(&p, &mut out, crate::render::Style::default()).unwrap();
    crate::render::markdown::render(&p, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    for value in ["s3cr3t-plan-value", "admin-user-value", "old-live-value"] {
        assert!(!text.contains(value), "{value} leaked");
    }
    assert!(text.contains("PASSWORD"));
}

fn arb_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("a\n".to_string())
    ]
}

prop_compose! {
    fn arb_world()(
        want_policies in proptest::collection::btree_map("[a-c]", arb_text(), 0..3),
        have_policies in proptest::collection::btree_map("[a-d]", arb_text(), 0..4),
        want_roles in proptest::collection::btree_map("[a-c]", 1u64..3, 0..3),
        have_roles in proptest::collection::btree_map("[a-d]", 1u64..3, 0..4),
        want_secrets in proptest::collection::btree_map("[a-c]", proptest::collection::btree_map("[A-C]", "[xy]", 0..3), 0..3),
        have_secrets in proptest::collection::btree_map("[a-d]", proptest::collection::btree_map("[A-D]", "[xyz]", 0..3), 0..4),
        managed_bits in proptest::collection::vec(any::<bool>(), 12),
    ) -> (Desired, Live) {
        let mut d = empty_desired();
        d.auths.insert("approle".into(), approle_auth());
        for (n, t) in want_policies { d.policies.insert(n.clone(), policy(&n, &t)); }
        for (n, ttl) in want_roles { d.approles.insert(format!("approle/{n}"), approle(&n, ttl * 3600)); }
        for (n, keys) in want_secrets {
            let pairs: Vec<(String, String)> = keys.into_iter().collect();
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            d.secrets.insert(format!("secret/{n}"), secret(&n, &refs));
        }
        let mut live = dev_live();
        live.auths.insert("approle".into(), LiveBackend::from_json(&json!({"type": "approle"})));
        let mut bits = managed_bits.into_iter().cycle();
        for (n, t) in have_policies {
            live.policies.insert(n.clone(), LivePolicy { text: t });
            live.policy_names.insert(n.clone());
            if bits.next().unwrap_or(false) { live.managed.addresses.insert(Address::new(Kind::Policy, n)); }
        }
        for (n, ttl) in have_roles {
            let key = format!("approle/{n}");
            live.approles.insert(key.clone(), BTreeMap::from([("token_ttl".to_string(), json!(ttl * 3600))]));
            live.approle_names.insert(key.clone());
            if bits.next().unwrap_or(false) { live.managed.addresses.insert(Address::new(Kind::Approle, key)); }
        }
        for (n, keys) in have_secrets {
            let key = format!("secret/{n}");
            let data = keys.into_iter().map(|(k, v)| (k, Secret::from_string(v))).collect();
            live.secrets.insert(key.clone(), LiveSecret { version: 1, data: Some(data) });
            if bits.next().unwrap_or(false) { live.managed.addresses.insert(Address::new(Kind::Kv, key)); }
        }
        (d, live)
    }
}

proptest! {
    #[test]
    fn replanning_after_a_perfect_apply_yields_nothing((d, live) in arb_world()) {
        let first = plan(&d, &live, &fp());
        let after = simulate(&d, &live, &first);
        let second = plan(&d, &after, &fp());
        prop_assert!(!second.has_changes(), "first: {first:?}\nsecond: {second:?}");
    }

    #[test]
    fn only_managed_resources_are_ever_deleted((d, live) in arb_world()) {
        let p = plan(&d, &live, &fp());
        for c in p.changes.iter().filter(|c| c.action == Action::Delete) {
            prop_assert!(live.managed.addresses.contains(&c.address), "{} deleted", c.address);
        }
    }

    #[test]
    fn planning_is_deterministic((d, live) in arb_world()) {
        prop_assert_eq!(plan(&d, &live, &fp()), plan(&d, &live, &fp()));
    }
}

mod manifests {
    //! Several manifests on one server: each its own record; another's
    //! resources are never adopted, changed or deleted.

    use super::*;
    use crate::live::Record;
    use crate::ownership::DEFAULT_NAME;

    fn named(name: &str) -> Desired {
        let mut d = empty_desired();
        d.name = name.into();
        d
    }

    fn record(addresses: &[Address], version: u64) -> Record {
        Record {
            addresses: addresses.iter().cloned().collect(),
            version,
        }
    }

    fn with_policy_on_server(live: &mut Live, name: &str) {
        live.policy_names.insert(name.into());
        live.policies.insert(
            name.into(),
            LivePolicy {
                text: "path \"x\" { capabilities = [\"read\"] }\n".into(),
            },
        );
    }

    #[test]
    fn another_manifests_resources_are_never_deleted_or_adopted() {
        let theirs = Address::new(Kind::Policy, "payments");
        let mut live = dev_live();
        with_policy_on_server(&mut live, "payments");
        live.managed
            .others
            .insert("payments".into(), record(std::slice::from_ref(&theirs), 3));
        // Even if this manifest's own record claims it too (a race, a bug):
        // it is not deleted, only dropped from this record.
        live.managed.addresses.insert(theirs.clone());
        live.managed.version = 1;
        let p = plan(&named("web"), &live, &FingerprintKey::random());
        assert!(p.changes.is_empty(), "{:?}", p.changes);
        assert_eq!(p.ownership.remove, vec![theirs.clone()]);
        assert!(!p.unmanaged.contains(&theirs));

        live.managed.addresses.clear();
        let p = plan(&named("web"), &live, &FingerprintKey::random());
        assert!(p.changes.is_empty());
        assert_eq!(p.owned_elsewhere["payments"], vec![theirs.clone()]);
        assert!(!p.unmanaged.contains(&theirs));
    }

    #[test]
    fn declaring_another_manifests_resource_is_an_error_naming_the_owner() {
        let mut d = named("web");
        d.policies.insert(
            "payments".into(),
            policy("payments", "path \"x\" { capabilities = [\"read\"] }\n"),
        );
        let mut live = dev_live();
        with_policy_on_server(&mut live, "payments");
        live.managed.others.insert(
            "payments".into(),
            record(&[Address::new(Kind::Policy, "payments")], 3),
        );
        live.managed.version = 1;
        let problems = check_against_live(&d, &live);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].message.contains("manifest `payments`"),
            "{}",
            problems[0].message
        );
        // And the plan itself (as the planner is also used without the check) changes nothing.
        let p = plan(&d, &live, &FingerprintKey::random());
        assert!(p.changes.is_empty(), "{:?}", p.changes);
    }

    #[test]
    fn a_named_manifests_first_run_takes_over_from_the_default_record() {
        let mine = Address::new(Kind::Policy, "web");
        let not_mine = Address::new(Kind::Policy, "old");
        let mut d = named("web");
        d.policies.insert(
            "web".into(),
            policy("web", "path \"x\" { capabilities = [\"read\"] }\n"),
        );
        let mut live = dev_live();
        with_policy_on_server(&mut live, "web");
        with_policy_on_server(&mut live, "old");
        live.managed.others.insert(
            DEFAULT_NAME.into(),
            record(&[mine.clone(), not_mine.clone()], 7),
        );
        assert!(check_against_live(&d, &live).is_empty());
        let p = plan(&d, &live, &FingerprintKey::random());
        // No adoption, no change: it was managed already, under the old record.
        assert!(p.changes.is_empty(), "{:?}", p.changes);
        assert_eq!(p.ownership.add, vec![mine.clone()]);
        assert_eq!(p.ownership.release.len(), 1);
        assert_eq!(p.ownership.release[0].manifest, DEFAULT_NAME);
        assert_eq!(p.ownership.release[0].addresses, vec![mine.clone()]);
        assert_eq!(p.ownership.release[0].record_version, 7);
        // What the default record keeps stays the default manifest's.
        assert_eq!(p.owned_elsewhere[DEFAULT_NAME], vec![not_mine.clone()]);

        // Later runs (own record exists) take nothing more, but finish a
        // migration that stopped between the two writes.
        live.managed.addresses.insert(mine.clone());
        live.managed.version = 1;
        let p = plan(&d, &live, &FingerprintKey::random());
        assert_eq!(p.ownership.release[0].addresses, vec![mine.clone()]);
        live.managed
            .others
            .get_mut(DEFAULT_NAME)
            .unwrap()
            .addresses
            .remove(&mine);
        let p = plan(&d, &live, &FingerprintKey::random());
        assert!(!p.has_changes(), "{p:?}");
    }

    #[test]
    fn the_default_manifest_never_touches_named_ones() {
        let theirs = Address::new(Kind::Policy, "payments");
        let mut live = dev_live();
        with_policy_on_server(&mut live, "payments");
        live.managed
            .others
            .insert("payments".into(), record(std::slice::from_ref(&theirs), 1));
        let p = plan(&empty_desired(), &live, &FingerprintKey::random());
        assert!(p.changes.is_empty());
        assert!(p.ownership.release.is_empty());
        assert_eq!(p.owned_elsewhere["payments"], vec![theirs]);
    }
}
