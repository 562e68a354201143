//! `docs/plan.schema.json` describes `vaultform plan --format json`: plans holding every kind,
//! every action and every key action, built through the public library API (a manifest loaded
//! with an explicit environment, planned purely against a hand-built [`Live`]) and rendered with
//! `render::json`, must validate; documents the schema rejects must not.
//!
//! No server, no runtime.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use jsonschema::Validator;
use serde_json::{Value, json};
use vaultform::kinds::credentials::{LiveCredentials, SecretIdState};
use vaultform::kinds::kv::LiveSecret;
use vaultform::kinds::mount::LiveBackend;
use vaultform::kinds::policy::LivePolicy;
use vaultform::kinds::{Address, Kind};
use vaultform::live::Live;
use vaultform::manifest::{self, Desired};
use vaultform::plan::{self, Action, KeyAction, Plan};
use vaultform::secret::{FingerprintKey, Secret};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The schema document.
fn schema() -> Value {
    let path = Path::new(ROOT).join("docs/plan.schema.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn validator() -> Validator {
    jsonschema::draft202012::new(&schema())
        .unwrap_or_else(|e| panic!("docs/plan.schema.json does not compile: {e}"))
}

/// Every violation, one per line, for assertion messages.
fn errors(v: &Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn assert_valid(v: &Validator, doc: &Value) {
    let errs = errors(v, doc);
    assert!(
        errs.is_empty(),
        "plan JSON does not match docs/plan.schema.json:\n{}\n\n{}",
        errs.join("\n"),
        serde_json::to_string_pretty(doc).unwrap()
    );
}

fn assert_invalid(v: &Validator, doc: &Value, why: &str) {
    assert!(
        !v.is_valid(doc),
        "the schema accepts a document with {why}:\n{}",
        serde_json::to_string_pretty(doc).unwrap()
    );
}

/// The plan as `--format json` prints it.
fn rendered(p: &Plan) -> Value {
    let mut out = Vec::new();
    vaultform::render::json::render(p, &mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

fn fp() -> FingerprintKey {
    FingerprintKey::from_bytes(vec![42; 32])
}

fn load(path: &Path, env: &[(&str, &str)]) -> Desired {
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    match manifest::load_with_env(path, &env) {
        Ok(d) => d,
        Err(e) => panic!(
            "{} is invalid: {:?}",
            path.display(),
            miette::Report::new(e)
        ),
    }
}

/// `fixtures/basic`: a KV v2 mount, AppRole, two policies, two roles, two secrets.
fn basic() -> Desired {
    load(
        &Path::new(ROOT).join("fixtures/basic/vault.toml"),
        &[
            ("VF_BASIC_WEB_DB_USER", "schema-web-user"),
            ("VF_BASIC_WEB_DB_PASSWORD", "schema-web-password"),
            ("VF_BASIC_WORKER_QUEUE_PASSWORD", "schema-queue-password"),
        ],
    )
}

fn backend(v: Value) -> LiveBackend {
    LiveBackend::from_json(&v)
}

fn map(v: Value) -> BTreeMap<String, Value> {
    serde_json::from_value(v).unwrap()
}

fn secret(version: u64, pairs: &[(&str, &str)]) -> LiveSecret {
    LiveSecret {
        version,
        data: Some(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Secret::from_string(v.to_string())))
                .collect(),
        ),
        ..LiveSecret::default()
    }
}

/// A server that already holds most of `fixtures/basic`, some of it differently, plus resources
/// vaultform manages but the manifest dropped, and some it never managed.
fn basic_live(desired: &Desired) -> Live {
    let mut live = Live::default();
    // mount.kv-test: a KV v2 mount with another description -> update (tune).
    live.items.insert(
        Kind::MOUNT,
        "kv-test",
        backend(json!({"type": "kv", "options": {"version": "2"}, "description": "old"})),
    );
    // mount.old: managed, gone from the manifest -> delete (destructive).
    live.items.insert(
        Kind::MOUNT,
        "old",
        backend(json!({"type": "kv", "options": {"version": "2"}})),
    );
    // mount.secret: never managed -> unmanaged.
    live.items.insert(
        Kind::MOUNT,
        "secret",
        backend(json!({"type": "kv", "options": {"version": "2"}})),
    );
    live.items
        .insert(Kind::MOUNT, "sys", backend(json!({"type": "system"})));
    live.items.insert(
        Kind::MOUNT,
        "vaultform",
        backend(json!({"type": "kv", "options": {"version": "2"}})),
    );
    // auth.approle: a userpass method at the path -> replace (destructive).
    live.items
        .insert(Kind::AUTH, "approle", backend(json!({"type": "userpass"})));
    live.items
        .insert(Kind::AUTH, "token", backend(json!({"type": "token"})));

    // policy.web-policy: same text -> adopt; worker-policy: other text -> update;
    // gone-policy: managed, dropped -> delete; handmade: unmanaged.
    let web = desired
        .items
        .get::<vaultform::kinds::policy::DesiredPolicy>(Kind::POLICY, "web-policy")
        .unwrap()
        .text
        .clone();
    for (name, text) in [
        ("web-policy", web.as_str()),
        (
            "worker-policy",
            "path \"kv-test/data/*\" { capabilities = [\"read\"] }\n",
        ),
        ("gone-policy", "path \"x\" { capabilities = [\"read\"] }\n"),
        ("handmade", "path \"y\" { capabilities = [\"read\"] }\n"),
    ] {
        live.items
            .insert(Kind::POLICY, name, LivePolicy { text: text.into() });
    }
    live.listed.insert(
        Kind::POLICY,
        [
            "default",
            "root",
            "web-policy",
            "worker-policy",
            "gone-policy",
            "handmade",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
    );

    // approle.approle/web: other TTL -> update; approle/worker: matches -> adopt;
    // approle/old: managed, dropped -> delete.
    live.items.insert(Kind::APPROLE, "approle/web",
        map(json!({"token_policies": ["web-policy"], "token_ttl": 7200, "token_max_ttl": 14400, "secret_id_ttl": 3600})),
    );
    live.items.insert(Kind::APPROLE, "approle/worker",
        map(json!({"token_policies": ["worker-policy"], "token_ttl": 1800, "token_max_ttl": 7200, "secret_id_ttl": 600})),
    );
    live.items
        .insert(Kind::APPROLE, "approle/old", map(json!({"token_ttl": 60})));
    live.listed.insert(
        Kind::APPROLE,
        ["approle/web", "approle/worker", "approle/old"]
            .into_iter()
            .map(String::from)
            .collect(),
    );

    // kv.kv-test/web: one key changes, one is missing, one is extra -> update with
    // add/change/remove; kv-test/worker is absent -> create with add/generate;
    // kv-test/old: managed, dropped -> delete (remove every key).
    live.items.insert(
        Kind::KV,
        "kv-test/web",
        secret(
            3,
            &[
                ("DB_USER", "schema-live-user"),
                ("DB_HOST", "web-db"),
                ("SESSION_KEY", "schema-live-session"),
                ("LEGACY", "schema-live-legacy"),
            ],
        ),
    );
    live.items.insert(
        Kind::KV,
        "kv-test/old",
        secret(7, &[("TOKEN", "schema-live-token")]),
    );

    live.managed.addresses = [
        Address::new(Kind::MOUNT, "kv-test"),
        Address::new(Kind::MOUNT, "old"),
        Address::new(Kind::POLICY, "gone-policy"),
        Address::new(Kind::APPROLE, "approle/old"),
        Address::new(Kind::KV, "kv-test/old"),
    ]
    .into();
    live.managed.version = 4;
    live.managed.mount_exists = true;
    live
}

/// A Kubernetes auth method with a config and a role, and an AppRole role whose credentials
/// vaultform delivers to files, written to a temporary manifest.
fn kubernetes(dir: &Path) -> Desired {
    let path = dir.join("vault.toml");
    std::fs::write(
        &path,
        r#"
[auth.k8s]
type = "kubernetes"
description = "schema test"
config = { kubernetes_host = "https://k8s.example:443" }

[auth.k8s.roles.web]
bound_service_account_names = ["web"]
bound_service_account_namespaces = ["prod"]
token_policies = ["default"]
token_ttl = "1h"

[auth.approle]
type = "approle"

[approles.web]
token_policies = ["default"]
credentials_dir = "credentials/web"
"#,
    )
    .unwrap();
    load(&path, &[])
}

/// The server of [`kubernetes`] with a drifted config, role and delivered credentials.
fn kubernetes_live() -> Live {
    let mut live = Live::default();
    live.items.insert(
        Kind::AUTH,
        "k8s",
        backend(json!({"type": "kubernetes", "description": "schema test"})),
    );
    live.items
        .insert(Kind::AUTH, "approle", backend(json!({"type": "approle"})));
    live.items.insert(
        Kind::AUTH_CONFIG,
        "k8s",
        map(json!({"kubernetes_host": "https://old.example:443"})),
    );
    live.items.insert(
        Kind::KUBERNETES_ROLE,
        "k8s/web",
        map(json!({
            "bound_service_account_names": ["web"],
            "bound_service_account_namespaces": ["dev"],
            "token_policies": ["default"],
            "token_ttl": 3600,
        })),
    );
    live.listed.insert(
        Kind::KUBERNETES_ROLE,
        BTreeSet::from(["k8s/web".to_string()]),
    );
    live.items.insert(
        Kind::APPROLE,
        "approle/web",
        map(json!({"token_policies": ["default"]})),
    );
    live.listed
        .insert(Kind::APPROLE, BTreeSet::from(["approle/web".to_string()]));
    live.items.insert(
        Kind::CREDENTIALS,
        "approle/web",
        LiveCredentials {
            role_id_current: false,
            role_id_file_exists: true,
            secret_id: SecretIdState::Invalid,
            loose_modes: Vec::new(),
        },
    );
    live.managed.mount_exists = true;
    live.managed.version = 1;
    live.managed.addresses = [
        Address::new(Kind::AUTH, "k8s"),
        Address::new(Kind::AUTH_CONFIG, "k8s"),
        Address::new(Kind::KUBERNETES_ROLE, "k8s/web"),
        Address::new(Kind::AUTH, "approle"),
        Address::new(Kind::APPROLE, "approle/web"),
    ]
    .into();
    live
}

/// The server of [`kubernetes`] after a perfect apply.
fn kubernetes_applied() -> Live {
    let mut live = kubernetes_live();
    live.items.insert(
        Kind::AUTH_CONFIG,
        "k8s",
        map(json!({"kubernetes_host": "https://k8s.example:443"})),
    );
    live.items.insert(
        Kind::KUBERNETES_ROLE,
        "k8s/web",
        map(json!({
            "bound_service_account_names": ["web"],
            "bound_service_account_namespaces": ["prod"],
            "token_policies": ["default"],
            "token_ttl": 3600,
        })),
    );
    live.items.insert(
        Kind::CREDENTIALS,
        "approle/web",
        LiveCredentials {
            role_id_current: true,
            role_id_file_exists: true,
            secret_id: SecretIdState::Valid,
            loose_modes: Vec::new(),
        },
    );
    live
}

/// Every plan the tests validate, by name.
fn plans() -> Vec<(&'static str, Plan)> {
    let basic = basic();
    let dir = tempfile::tempdir().unwrap();
    let k8s = kubernetes(dir.path());
    vec![
        (
            "basic on an empty server",
            plan::plan(&basic, &Live::default(), &fp()),
        ),
        (
            "basic on a drifted server",
            plan::plan(&basic, &basic_live(&basic), &fp()),
        ),
        (
            "kubernetes on an empty server",
            plan::plan(&k8s, &Live::default(), &fp()),
        ),
        (
            "kubernetes on a drifted server",
            plan::plan(&k8s, &kubernetes_live(), &fp()),
        ),
        ("no changes", plan::plan(&k8s, &kubernetes_applied(), &fp())),
    ]
    .into_iter()
    .chain((0..40).map(|seed| ("a world from every kind's generator", generated(seed))))
    .collect()
}

/// A plan of random declared and live states made by every registered kind's
/// own generator: every kind, including one added later, is in the checked plans.
fn generated(seed: u64) -> Plan {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut d = Desired::empty(
        miette::NamedSource::new("vault.toml", String::new()),
        ".".into(),
        "vaultform",
    );
    let mut live = Live::default();
    for def in vaultform::kinds::registry::all() {
        def.arbitrary(&mut rng, &mut d, &mut live);
    }
    plan::plan(&d, &live, &fp())
}

#[test]
fn schema_is_a_valid_draft_2020_12_schema() {
    let s = schema();
    if let Err(e) = jsonschema::draft202012::meta::validate(&s) {
        panic!("docs/plan.schema.json is not a valid draft 2020-12 schema: {e}");
    }
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(
        s["properties"]["format_version"]["const"],
        json!(plan::FORMAT_VERSION),
        "bump the schema with FORMAT_VERSION"
    );
}

#[test]
fn every_plan_validates_against_the_schema() {
    let v = validator();
    for (name, p) in plans() {
        let doc = rendered(&p);
        let errs = errors(&v, &doc);
        assert!(
            errs.is_empty(),
            "{name}: plan JSON does not match docs/plan.schema.json:\n{}\n\n{}",
            errs.join("\n"),
            serde_json::to_string_pretty(&doc).unwrap()
        );
    }
}

/// Guards the test itself: if a fixture changes so that some action, key action or kind no
/// longer appears, the schema would silently stop being checked for it.
#[test]
fn validated_plans_cover_every_kind_action_and_key_action() {
    let plans = plans();
    let changes = || plans.iter().flat_map(|(_, p)| &p.changes);
    let actions: BTreeSet<Action> = changes().map(|c| c.action).collect();
    let key_actions: BTreeSet<KeyAction> = changes()
        .filter_map(|c| c.secret.as_ref())
        .flat_map(|s| s.keys.iter().map(|k| k.action))
        .collect();
    let kinds: BTreeSet<Kind> = changes().map(|c| c.address.kind).collect();
    assert_eq!(
        actions,
        BTreeSet::from([
            Action::Create,
            Action::Update,
            Action::Replace,
            Action::Delete,
            Action::Adopt
        ])
    );
    assert_eq!(
        key_actions,
        BTreeSet::from([
            KeyAction::Add,
            KeyAction::Change,
            KeyAction::Remove,
            KeyAction::Generate
        ])
    );
    assert_eq!(kinds, Kind::all().collect::<BTreeSet<_>>());
    assert!(changes().any(|c| c.destructive), "no destructive change");
    assert!(changes().any(|c| c.policy.is_some()), "no policy text");
    assert!(
        changes().any(|c| c.fields.iter().any(|f| f.before.is_none())),
        "no field with a null before"
    );
    assert!(
        plans.iter().any(|(_, p)| !p.unmanaged.is_empty()),
        "no unmanaged"
    );
    assert!(
        plans.iter().any(|(_, p)| !p.has_changes()),
        "no plan without changes"
    );
    assert!(
        plans.iter().any(|(_, p)| p.ownership.create_mount),
        "no plan creating the ownership mount"
    );
    assert!(
        plans.iter().any(|(_, p)| !p.ownership.remove.is_empty()),
        "no plan removing from the ownership record"
    );
}

#[test]
fn schema_enums_match_the_rust_enums() {
    let s = schema();
    let defs = &s["$defs"];
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    let actions = strings(&defs["change"]["properties"]["action"]["enum"]);
    for a in &actions {
        serde_json::from_value::<Action>(json!(a))
            .unwrap_or_else(|e| panic!("schema action `{a}` is not an Action: {e}"));
    }
    for a in [
        Action::Create,
        Action::Update,
        Action::Replace,
        Action::Delete,
        Action::Adopt,
    ] {
        let name = serde_json::to_value(a).unwrap();
        assert!(
            actions.contains(&name.as_str().unwrap().to_string()),
            "{name} missing from the schema"
        );
    }
    let key_actions = strings(&defs["key_change"]["properties"]["action"]["enum"]);
    for a in &key_actions {
        serde_json::from_value::<KeyAction>(json!(a))
            .unwrap_or_else(|e| panic!("schema key action `{a}` is not a KeyAction: {e}"));
    }
    for a in [
        KeyAction::Add,
        KeyAction::Change,
        KeyAction::Remove,
        KeyAction::Generate,
    ] {
        let name = serde_json::to_value(a).unwrap();
        assert!(
            key_actions.contains(&name.as_str().unwrap().to_string()),
            "{name} missing from the schema"
        );
    }
    // The address pattern accepts every kind vaultform knows (any kind name,
    // so that adding a kind needs no schema change).
    let v = validator();
    for k in Kind::all() {
        let doc = json!({"format_version": plan::FORMAT_VERSION, "changes": [], "unmanaged": [format!("{k}.x")], "warnings": [],
            "ownership": {"add": [], "remove": [], "record_version": 0, "create_mount": false},
            "summary": {"add": 0, "change": 0, "destroy": 0, "adopt": 0}});
        assert_valid(&v, &doc);
    }
    let pattern = defs["address"]["pattern"].as_str().unwrap();
    assert_eq!(pattern, "^[a-z][a-z_]*\\..+$");
}

/// A change to a valid plan document that makes it invalid.
type Mutation = Box<dyn Fn(&mut Value)>;

#[test]
fn schema_rejects_what_vaultform_never_prints() {
    let v = validator();
    let (_, p) = plans().swap_remove(1);
    let good = rendered(&p);
    assert_valid(&v, &good);
    let kv = good["changes"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["address"].as_str().unwrap().starts_with("kv."))
        .unwrap();
    let policy = good["changes"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["address"].as_str().unwrap().starts_with("policy."))
        .unwrap();

    let mutants: Vec<(&str, Mutation)> = vec![
        (
            "an unknown action",
            Box::new(|d| d["changes"][0]["action"] = json!("rename")),
        ),
        (
            "an unknown key action",
            Box::new(move |d| d["changes"][kv]["secret"]["keys"][0]["action"] = json!("rotate")),
        ),
        (
            "another format version",
            Box::new(|d| d["format_version"] = json!(2)),
        ),
        (
            "an unknown top-level property",
            Box::new(|d| d["extra"] = json!(true)),
        ),
        (
            "an unknown change property",
            Box::new(|d| d["changes"][0]["value"] = json!("x")),
        ),
        (
            // A shown literal is text; anything else is not what vaultform prints.
            "a value beside a key that is not text",
            Box::new(move |d| d["changes"][kv]["secret"]["keys"][0]["value"] = json!({"v": "x"})),
        ),
        (
            "a value beside a removed key",
            Box::new(move |d| {
                d["changes"][kv]["secret"]["keys"][0]["action"] = json!("remove");
                d["changes"][kv]["secret"]["keys"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("fingerprint");
                d["changes"][kv]["secret"]["keys"][0]["value"] = json!("x");
            }),
        ),
        (
            "an address without a kind",
            Box::new(|d| d["changes"][0]["address"] = json!("Database/x")),
        ),
        (
            "an address without a name",
            Box::new(|d| d["changes"][0]["address"] = json!("policy.")),
        ),
        (
            "a fingerprint that is not hex",
            Box::new(move |d| {
                d["changes"][kv]["secret"]["keys"][0]["fingerprint"] = json!("not-hex")
            }),
        ),
        (
            "a missing summary",
            Box::new(|d| {
                d.as_object_mut().unwrap().remove("summary");
            }),
        ),
        (
            "delivered credentials in the ownership record",
            Box::new(|d| d["ownership"]["add"] = json!(["credentials.approle/web"])),
        ),
        (
            "a negative count",
            Box::new(|d| d["summary"]["add"] = json!(-1)),
        ),
        (
            "a string cas",
            Box::new(move |d| d["changes"][kv]["secret"]["cas"] = json!("3")),
        ),
        (
            "a policy text on a KV change",
            Box::new(move |d| d["changes"][kv]["policy"] = json!({"before": null, "after": "x"})),
        ),
        (
            "secret keys on a policy change",
            Box::new(move |d| d["changes"][policy]["secret"] = json!({"cas": 0, "keys": []})),
        ),
        (
            "a replaced policy",
            Box::new(move |d| d["changes"][policy]["action"] = json!("replace")),
        ),
        (
            "a field without after",
            Box::new(|d| {
                d["changes"][0]["fields"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("after");
            }),
        ),
        (
            "a duplicate unmanaged address",
            Box::new(|d| {
                let u = d["unmanaged"][0].clone();
                d["unmanaged"].as_array_mut().unwrap().push(u);
            }),
        ),
    ];
    for (why, mutate) in mutants {
        let mut doc = good.clone();
        mutate(&mut doc);
        assert_invalid(&v, &doc, why);
    }
}

#[test]
fn a_fingerprint_on_a_removed_key_is_rejected() {
    let v = validator();
    let doc = json!({
        "format_version": 1,
        "changes": [{
            "address": "kv.secret/app",
            "action": "update",
            "destructive": false,
            "secret": {"cas": 2, "keys": [
                {"key": "OLD", "action": "remove", "fingerprint": "00".repeat(32)}
            ]}
        }],
        "unmanaged": [],
        "warnings": [],
        "ownership": {"add": [], "remove": [], "record_version": 2, "create_mount": false},
        "summary": {"add": 0, "change": 1, "destroy": 0, "adopt": 0}
    });
    assert_invalid(&v, &doc, "a fingerprint on a removed key");
    let mut ok = doc.clone();
    ok["changes"][0]["secret"]["keys"][0]
        .as_object_mut()
        .unwrap()
        .remove("fingerprint");
    assert_valid(&v, &ok);
}

#[test]
fn plan_json_in_the_tests_never_holds_a_secret_value() {
    let values = [
        "schema-web-user",
        "schema-web-password",
        "schema-queue-password",
        "schema-live-user",
        "schema-live-session",
        "schema-live-legacy",
        "schema-live-token",
        "amqp://queue:5672",
    ];
    for (name, p) in plans() {
        let text = serde_json::to_string(&rendered(&p)).unwrap();
        for value in values {
            assert!(
                !text.contains(value),
                "{name}: {value} leaked into the plan JSON"
            );
        }
    }
}
