//! Planner tests: no server, no runtime.

use super::*;
use crate::kinds::fields::FieldValue;
use crate::kinds::kv::{DesiredSecret, DesiredValue, LiveSecret};
use crate::kinds::mount::{DesiredBackend, LiveBackend};
use crate::kinds::policy::{DesiredPolicy, LivePolicy};
use crate::kinds::role::{DesiredRole, LiveRole};
use crate::model::{Address, Desired, Kind, Live};
use crate::secret::{FingerprintKey, Secret};
use miette::NamedSource;
use proptest::prelude::*;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

fn empty_desired() -> Desired {
    Desired::empty(
        NamedSource::new("vault.toml", String::new()),
        ".".into(),
        "vaultform",
    )
}

/// Marks `name` as listed on the server for `kind`.
fn list(live: &mut Live, kind: Kind, name: &str) {
    live.listed.entry(kind).or_default().insert(name.into());
}

/// A dev server: `secret/` KV v2, `token/` auth, `default`/`root` policies.
fn dev_live() -> Live {
    let mut live = Live::default();
    live.items.insert(
        Kind::MOUNT,
        "secret",
        LiveBackend::from_json(&json!({"type": "kv", "options": {"version": "2"}})),
    );
    live.items.insert(
        Kind::MOUNT,
        "sys",
        LiveBackend::from_json(&json!({"type": "system"})),
    );
    live.items.insert(
        Kind::AUTH,
        "token",
        LiveBackend::from_json(&json!({"type": "token"})),
    );
    list(&mut live, Kind::POLICY, "default");
    list(&mut live, Kind::POLICY, "root");
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
        kind: Kind::APPROLE,
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
    DesiredSecret::new(
        "secret",
        path,
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    DesiredValue::Value(Secret::from_string(v.to_string())),
                )
            })
            .collect(),
    )
}

fn fp() -> FingerprintKey {
    FingerprintKey::from_bytes(vec![7; 32])
}

/// What the server looks like after a perfect apply of `plan`: each kind's
/// own model of the server.
fn simulate(desired: &Desired, live: &Live, plan: &Plan) -> Live {
    let mut next = live.clone();
    for c in &plan.changes {
        if let Some(def) = crate::kinds::registry::def(c.address.kind) {
            def.simulate(c, desired, &mut next);
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
    assert_eq!(p.unmanaged, vec![Address::new(Kind::MOUNT, "secret")]);
}

#[test]
fn creates_come_in_dependency_order() {
    let mut d = empty_desired();
    d.items.insert(Kind::AUTH, "approle", approle_auth());
    d.items
        .insert(Kind::POLICY, "user-policy", policy("user-policy", "x"));
    d.items
        .insert(Kind::APPROLE, "approle/user", approle("user", 3600));
    d.items
        .insert(Kind::KV, "secret/user", secret("user", &[("A", "1")]));
    let p = plan(&d, &dev_live(), &fp());
    let kinds: Vec<Kind> = p.changes.iter().map(|c| c.address.kind).collect();
    assert_eq!(
        kinds,
        vec![Kind::AUTH, Kind::POLICY, Kind::APPROLE, Kind::KV]
    );
    assert_eq!(p.summary.add, 4);
}

#[test]
fn deletions_come_last_in_reverse_dependency_order() {
    let mut live = dev_live();
    live.items
        .insert(Kind::POLICY, "old-policy", LivePolicy { text: "x".into() });
    list(&mut live, Kind::POLICY, "old-policy");
    live.items
        .insert(Kind::APPROLE, "approle/old", LiveRole::new());
    list(&mut live, Kind::APPROLE, "approle/old");
    live.items.insert(
        Kind::KV,
        "secret/old",
        LiveSecret {
            version: 1,
            data: Some(BTreeMap::new()),
            ..LiveSecret::default()
        },
    );
    live.managed.addresses = [
        Address::new(Kind::POLICY, "old-policy"),
        Address::new(Kind::APPROLE, "approle/old"),
        Address::new(Kind::KV, "secret/old"),
    ]
    .into();
    let mut d = empty_desired();
    d.items
        .insert(Kind::POLICY, "new-policy", policy("new-policy", "y"));
    let p = plan(&d, &live, &fp());
    let order: Vec<(Kind, Action)> = p
        .changes
        .iter()
        .map(|c| (c.address.kind, c.action))
        .collect();
    assert_eq!(
        order,
        vec![
            (Kind::POLICY, Action::Create),
            (Kind::KV, Action::Delete),
            (Kind::APPROLE, Action::Delete),
            (Kind::POLICY, Action::Delete),
        ]
    );
}

#[test]
fn never_deletes_unmanaged_resources() {
    let mut live = dev_live();
    live.items
        .insert(Kind::POLICY, "handmade", LivePolicy { text: "x".into() });
    list(&mut live, Kind::POLICY, "handmade");
    list(&mut live, Kind::APPROLE, "approle/handmade");
    let p = plan(&empty_desired(), &live, &fp());
    assert!(p.changes.is_empty());
    assert_eq!(
        p.unmanaged,
        vec![
            Address::new(Kind::MOUNT, "secret"),
            Address::new(Kind::POLICY, "handmade"),
            Address::new(Kind::APPROLE, "approle/handmade"),
        ]
    );
}

#[test]
fn existing_matching_resource_is_adopted_not_created() {
    let mut live = dev_live();
    live.items.insert(
        Kind::POLICY,
        "p",
        LivePolicy {
            text: "same".into(),
        },
    );
    list(&mut live, Kind::POLICY, "p");
    let mut d = empty_desired();
    d.items.insert(Kind::POLICY, "p", policy("p", "same"));
    let p = plan(&d, &live, &fp());
    assert_eq!(p.changes.len(), 1);
    assert_eq!(p.changes[0].action, Action::Adopt);
    assert_eq!(p.ownership.add, vec![Address::new(Kind::POLICY, "p")]);
    assert!(p.ownership.create_mount);
}

#[test]
fn taking_over_a_differing_resource_counts_as_an_adoption() {
    // The dev server's `secret/` mount, declared with a description: tuned
    // and taken over at once, which the summary must count.
    let mut d = empty_desired();
    let mut mount = DesiredBackend {
        path: "secret".into(),
        type_name: "kv".into(),
        description: Some("Application secrets".into()),
        options: BTreeMap::from([("version".into(), "2".into())]),
        config: BTreeMap::new(),
        local: None,
        seal_wrap: None,
    };
    d.items.insert(Kind::MOUNT, "secret", mount.clone());
    let p = plan(&d, &dev_live(), &fp());
    let c = &p.changes[0];
    assert_eq!((c.action, c.adopted), (Action::Update, true));
    assert_eq!((p.summary.change, p.summary.adopt), (1, 1));
    assert_eq!(p.ownership.add, vec![Address::new(Kind::MOUNT, "secret")]);

    // Once managed, a change is no adoption.
    let mut live = dev_live();
    live.managed
        .addresses
        .insert(Address::new(Kind::MOUNT, "secret"));
    live.managed.version = 1;
    let p = plan(&d, &live, &fp());
    assert!(!p.changes[0].adopted);
    assert_eq!(p.summary.adopt, 0);

    // A mount created by this plan is no adoption either.
    mount.path = "other".into();
    d.items.insert(Kind::MOUNT, "other", mount);
    let p = plan(&d, &dev_live(), &fp());
    let other = p
        .changes
        .iter()
        .find(|c| c.address.name == "other")
        .unwrap();
    assert_eq!((other.action, other.adopted), (Action::Create, false));
    assert_eq!(p.summary.adopt, 1);
}

#[test]
fn managed_resource_gone_from_server_and_manifest_is_only_forgotten() {
    let mut live = dev_live();
    live.managed.addresses = [Address::new(Kind::POLICY, "gone")].into();
    live.managed.mount_exists = true;
    let p = plan(&empty_desired(), &live, &fp());
    assert!(p.changes.is_empty());
    assert_eq!(p.ownership.remove, vec![Address::new(Kind::POLICY, "gone")]);
    assert!(p.has_changes());
}

#[test]
fn plan_json_never_holds_secret_values() {
    let mut d = empty_desired();
    d.items.insert(
        Kind::KV,
        "secret/db",
        secret(
            "db",
            &[
                ("PASSWORD", "s3cr3t-plan-value"),
                ("USER", "admin-user-value"),
            ],
        ),
    );
    let mut live = dev_live();
    live.items.insert(
        Kind::KV,
        "secret/db",
        LiveSecret {
            version: 3,
            data: Some(BTreeMap::from([(
                "PASSWORD".to_string(),
                Secret::from_string("old-live-value".into()),
            )])),
            ..LiveSecret::default()
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

/// A random world from every kind's own generator: declared and live
/// resources of every kind in the registry (a new kind is covered without
/// editing this test), and a random ownership record over them.
fn world(seed: u64) -> (Desired, Live) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut d = empty_desired();
    let mut live = dev_live();
    live.managed.fingerprint_key = Some(fp());
    for def in crate::kinds::registry::all() {
        def.arbitrary(&mut rng, &mut d, &mut live);
    }
    let mut candidates: Vec<Address> = d.addresses().into_iter().collect();
    for k in Kind::all() {
        candidates.extend(live.items.names(k).map(|n| Address::new(k, n.clone())));
        candidates.extend(live.listed(k).map(|n| Address::new(k, n.clone())));
    }
    for a in candidates {
        let recorded = crate::kinds::registry::def(a.kind).is_some_and(|d| d.recorded());
        if recorded && rng.gen_bool(0.4) {
            live.managed.addresses.insert(a);
        }
    }
    (d, live)
}

#[test]
fn every_kind_generates_worlds_with_changes_of_every_action() {
    // The generators must reach creates, updates, adoptions and deletions of
    // every kind, or the property below proves little.
    let mut seen: BTreeSet<(Kind, Action)> = BTreeSet::new();
    for seed in 0..400 {
        let (d, live) = world(seed);
        for c in plan(&d, &live, &fp()).changes {
            seen.insert((c.address.kind, c.action));
        }
    }
    for def in crate::kinds::registry::all() {
        let k = def.kind();
        assert!(seen.contains(&(k, Action::Create)), "{k}: no create");
        let changed = seen.contains(&(k, Action::Update)) || seen.contains(&(k, Action::Replace));
        assert!(changed, "{k}: no update");
        if def.recorded() {
            assert!(seen.contains(&(k, Action::Adopt)), "{k}: no adoption");
        }
    }
}

proptest! {
    #[test]
    fn replanning_after_a_perfect_apply_yields_nothing((d, live) in any::<u64>().prop_map(world)) {
        let first = plan(&d, &live, &fp());
        let after = simulate(&d, &live, &first);
        let second = plan(&d, &after, &fp());
        prop_assert!(!second.has_changes(), "first: {first:?}\nsecond: {second:?}");
    }

    #[test]
    fn only_managed_resources_are_ever_deleted((d, live) in any::<u64>().prop_map(world)) {
        let p = plan(&d, &live, &fp());
        for c in p.changes.iter().filter(|c| c.action == Action::Delete) {
            prop_assert!(live.managed.addresses.contains(&c.address), "{} deleted", c.address);
        }
    }

    #[test]
    fn planning_is_deterministic((d, live) in any::<u64>().prop_map(world)) {
        prop_assert_eq!(plan(&d, &live, &fp()), plan(&d, &live, &fp()));
    }
}

mod manifests {
    //! Several manifests on one server: each its own record; another's
    //! resources are never adopted, changed or deleted.

    use super::*;
    use crate::model::Record;
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
        list(live, Kind::POLICY, name);
        live.items.insert(
            Kind::POLICY,
            name,
            LivePolicy {
                text: "path \"x\" { capabilities = [\"read\"] }\n".into(),
            },
        );
    }

    #[test]
    fn another_manifests_resources_are_never_deleted_or_adopted() {
        let theirs = Address::new(Kind::POLICY, "payments");
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
        d.items.insert(
            Kind::POLICY,
            "payments",
            policy("payments", "path \"x\" { capabilities = [\"read\"] }\n"),
        );
        let mut live = dev_live();
        with_policy_on_server(&mut live, "payments");
        live.managed.others.insert(
            "payments".into(),
            record(&[Address::new(Kind::POLICY, "payments")], 3),
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
        let mine = Address::new(Kind::POLICY, "web");
        let not_mine = Address::new(Kind::POLICY, "old");
        let mut d = named("web");
        d.items.insert(
            Kind::POLICY,
            "web",
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
        let theirs = Address::new(Kind::POLICY, "payments");
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
