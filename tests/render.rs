//! Snapshots of the three plan renderings (human, JSON, markdown) of one plan holding every kind
//! of change, built through the public library API: `fixtures/render/` loaded with an explicit
//! environment, planned purely against a hand-built [`Live`] with a fixed fingerprint key.
//!
//! Every rendering is also searched for every secret value the test used.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::json;
use vaultform::kinds::kv::LiveSecret;
use vaultform::kinds::mount::LiveBackend;
use vaultform::kinds::policy::LivePolicy;
use vaultform::kinds::{Address, Kind};
use vaultform::live::{Live, Managed};
use vaultform::manifest::{self, Desired};
use vaultform::plan::{self, Action, KeyAction, Plan};
use vaultform::render::{self, Style};
use vaultform::secret::{FingerprintKey, Secret};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Values from the environment map (`{ env = ... }`).
const WEB_DB_PASSWORD: &str = "render-secret-value-1";
const WORKER_DB_PASSWORD: &str = "render-secret-value-2";

/// Every value the test puts in the manifest, the environment or the live state. None may appear
/// in any rendering.
const VALUES: &[&str] = &[
    WEB_DB_PASSWORD,
    WORKER_DB_PASSWORD,
    "render-secret-value-3", // a literal in fixtures/render/vault.toml, under a secret-looking key
    "render-live-value-1",
    "render-live-value-2",
    "render-live-value-3",
    "render-live-value-4",
];

/// The manifest, loaded with an explicit environment (the process environment is not read).
fn desired() -> Desired {
    let env = BTreeMap::from([
        (
            "RENDER_WEB_DB_PASSWORD".to_string(),
            WEB_DB_PASSWORD.to_string(),
        ),
        (
            "RENDER_WORKER_DB_PASSWORD".to_string(),
            WORKER_DB_PASSWORD.to_string(),
        ),
    ]);
    let path = Path::new(ROOT).join("fixtures/render/vault.toml");
    match manifest::load_with_env(&path, &env) {
        Ok(d) => d,
        Err(e) => panic!(
            "fixtures/render/vault.toml is invalid: {:?}",
            miette::Report::new(e)
        ),
    }
}

fn backend(v: serde_json::Value) -> LiveBackend {
    LiveBackend::from_json(&v)
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

/// A server that vaultform has managed before: built-ins, resources the manifest still declares
/// (some drifted), managed resources it no longer declares, and hand-made ones.
fn live() -> Live {
    let web_policy_before = "# web: its own secret, read only.\n\
                             path \"secret/data/web\" {\n  capabilities = [\"read\", \"list\"]\n}\n";
    let mut live = Live {
        managed: Managed {
            addresses: [
                Address::new(Kind::MOUNT, "secret"),
                Address::new(Kind::MOUNT, "crypto"),
                Address::new(Kind::POLICY, "web-policy"),
                Address::new(Kind::POLICY, "old-policy"),
                Address::new(Kind::APPROLE, "approle/web"),
                Address::new(Kind::APPROLE, "approle/legacy"),
                Address::new(Kind::KV, "secret/web"),
                Address::new(Kind::KV, "secret/legacy"),
            ]
            .into(),
            version: 7,
            mount_exists: true,
            ..Managed::default()
        },
        ..Live::default()
    };
    for (name, item) in Vec::<(String, _)>::from([
        ("sys".into(), backend(json!({"type": "system"}))),
        ("cubbyhole".into(), backend(json!({"type": "cubbyhole"}))),
        ("identity".into(), backend(json!({"type": "identity"}))),
        (
            "vaultform".into(),
            backend(json!({"type": "kv", "options": {"version": "2"}})),
        ),
        (
            "secret".into(),
            backend(json!({
                "type": "kv", "description": "key/value secret storage",
                "options": {"version": "2"},
                "config": {"default_lease_ttl": 0, "max_lease_ttl": 0}
            })),
        ),
        (
            "crypto".into(),
            backend(json!({"type": "kv", "options": {"version": "1"}})),
        ),
        (
            "scratch".into(),
            backend(json!({"type": "kv", "options": {"version": "2"}})),
        ),
    ]) {
        live.items.insert(Kind::MOUNT, name, item);
    }
    for (name, item) in Vec::<(String, _)>::from([
        ("token".into(), backend(json!({"type": "token"}))),
        ("approle".into(), backend(json!({"type": "approle"}))),
    ]) {
        live.items.insert(Kind::AUTH, name, item);
    }
    for (name, item) in Vec::<(String, _)>::from([
        (
            "web-policy".into(),
            LivePolicy {
                text: web_policy_before.into(),
            },
        ),
        (
            "old-policy".into(),
            LivePolicy {
                text: "path \"secret/data/old\" {\n  capabilities = [\"read\"]\n}\n".into(),
            },
        ),
    ]) {
        live.items.insert(Kind::POLICY, name, item);
    }
    live.listed.insert(
        Kind::POLICY,
        ["default", "root", "web-policy", "old-policy", "handmade"]
            .map(String::from)
            .into(),
    );
    for (name, item) in Vec::<(String, vaultform::kinds::role::LiveRole)>::from([
        (
            "approle/web".into(),
            serde_json::from_value(json!({
                "bind_secret_id": true, "secret_id_ttl": 0, "token_type": "default",
                "token_policies": ["web-policy"], "token_ttl": 3600, "token_max_ttl": 14400,
                "token_bound_cidrs": []
            }))
            .expect("role json"),
        ),
        (
            "approle/legacy".into(),
            serde_json::from_value(json!({"token_policies": ["old-policy"], "token_ttl": 600}))
                .expect("role json"),
        ),
    ]) {
        live.items.insert(Kind::APPROLE, name, item);
    }
    live.listed.insert(
        Kind::APPROLE,
        ["approle/web", "approle/legacy", "approle/handmade"]
            .map(String::from)
            .into(),
    );
    for (name, item) in Vec::<(String, _)>::from([
        (
            "secret/web".into(),
            secret(
                5,
                &[
                    ("DB_USER", "web"),
                    ("DB_PASSWORD", "render-live-value-1"),
                    ("OLD_KEY", "render-live-value-2"),
                    ("SESSION_KEY", "render-live-value-4"),
                ],
            ),
        ),
        (
            "secret/legacy".into(),
            secret(2, &[("TOKEN", "render-live-value-3")]),
        ),
    ]) {
        live.items.insert(Kind::KV, name, item);
    }
    live
}

fn fixture_plan() -> Plan {
    plan::plan(
        &desired(),
        &live(),
        &FingerprintKey::from_bytes(vec![1; 32]),
    )
}

fn human(p: &Plan) -> String {
    let mut buf = Vec::new();
    render::human::render(p, &mut buf, Style::default()).expect("render human");
    String::from_utf8(buf).expect("utf-8")
}

fn json_text(p: &Plan) -> String {
    let mut buf = Vec::new();
    render::json::render(p, &mut buf).expect("render json");
    String::from_utf8(buf).expect("utf-8")
}

fn markdown(p: &Plan) -> String {
    let mut buf = Vec::new();
    render::markdown::render(p, &mut buf).expect("render markdown");
    String::from_utf8(buf).expect("utf-8")
}

/// Snapshots `text` as `name`, with the repository root (in lint warnings) made relative.
fn snapshot(name: &str, text: &str) {
    let root = format!("{}/", regex_literal(ROOT));
    insta::with_settings!({
        omit_expression => true,
        filters => vec![(root.as_str(), "")],
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// Escapes a literal for use in an insta filter regex.
fn regex_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[test]
fn fixture_plan_holds_every_kind_of_change() {
    let p = fixture_plan();
    let changes: Vec<(String, Action)> = p
        .changes
        .iter()
        .map(|c| (c.address.to_string(), c.action))
        .collect();
    let expected: Vec<(String, Action)> = [
        ("mount.crypto", Action::Replace),
        ("mount.reports", Action::Create),
        ("mount.secret", Action::Update),
        ("auth.approle", Action::Adopt),
        ("auth.kubernetes", Action::Create),
        ("auth_config.kubernetes", Action::Create),
        ("policy.web-policy", Action::Update),
        ("policy.worker-policy", Action::Create),
        ("approle.approle/web", Action::Update),
        ("approle.approle/worker", Action::Create),
        ("kv.secret/web", Action::Update),
        ("kv.secret/worker", Action::Create),
        // Deletions last, most dependent kind first.
        ("kv.secret/legacy", Action::Delete),
        ("approle.approle/legacy", Action::Delete),
        ("policy.old-policy", Action::Delete),
    ]
    .map(|(a, action)| (a.to_string(), action))
    .into();
    assert_eq!(changes, expected);

    let by_address = |a: &str| {
        p.changes
            .iter()
            .find(|c| c.address.to_string() == a)
            .unwrap_or_else(|| panic!("no change for {a}"))
    };
    assert!(by_address("mount.crypto").destructive);
    assert!(!by_address("mount.secret").destructive);
    let ttl = &by_address("approle.approle/web").fields;
    assert_eq!(ttl.len(), 1, "{ttl:?}");
    assert_eq!(
        (
            ttl[0].name.as_str(),
            ttl[0].before.as_deref(),
            ttl[0].after.as_deref()
        ),
        ("token_ttl", Some("1h"), Some("2h"))
    );
    let keys = |a: &str| -> Vec<(String, KeyAction)> {
        by_address(a)
            .secret
            .as_ref()
            .expect("secret change")
            .keys
            .iter()
            .map(|k| (k.key.clone(), k.action))
            .collect()
    };
    assert_eq!(
        keys("kv.secret/web"),
        [
            ("DB_PASSWORD".to_string(), KeyAction::Change),
            ("OLD_KEY".to_string(), KeyAction::Remove),
        ]
    );
    assert_eq!(
        keys("kv.secret/worker"),
        [
            ("DB_HOST".to_string(), KeyAction::Add),
            ("DB_PASSWORD".to_string(), KeyAction::Add),
            ("SESSION_KEY".to_string(), KeyAction::Generate),
            ("SIGNING_KEY".to_string(), KeyAction::Add),
        ]
    );

    let unmanaged: BTreeSet<String> = p.unmanaged.iter().map(|a| a.to_string()).collect();
    assert_eq!(
        unmanaged,
        [
            "mount.scratch",
            "policy.handmade",
            "approle.approle/handmade"
        ]
        .map(String::from)
        .into(),
        "built-ins and the ownership mount are never listed"
    );
    assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
    assert_eq!(p.ownership.add.len(), 7, "{:?}", p.ownership.add);
    assert_eq!(p.ownership.remove.len(), 3, "{:?}", p.ownership.remove);
    assert_eq!(p.ownership.record_version, 7);
}

#[test]
fn human_rendering() {
    snapshot("human", &human(&fixture_plan()));
}

fn compact(p: &Plan) -> String {
    let mut buf = Vec::new();
    render::human::render_with(p, &mut buf, Style::default(), true).expect("render compact");
    String::from_utf8(buf).expect("utf-8")
}

/// `--compact`: one line per change (what changes, not how).
#[test]
fn compact_human_rendering() {
    let p = fixture_plan();
    let text = compact(&p);
    snapshot("human_compact", &text);
    // The block of changes: one line each, in the plan's order.
    let block = text
        .split_once("actions:\n\n")
        .and_then(|(_, rest)| rest.split_once("\n\n"))
        .map(|(b, _)| b)
        .expect("a block of changes");
    let lines: Vec<&str> = block.lines().collect();
    assert_eq!(lines.len(), p.changes.len(), "{text}");
    for (line, c) in lines.iter().zip(&p.changes) {
        assert!(line.contains(&c.address.to_string()), "{line}");
    }
    assert!(text.contains(&render::summary_line(&p)), "{text}");
}

#[test]
fn human_rendering_has_no_colour_by_default() {
    assert!(!human(&fixture_plan()).contains('\x1b'));
}

#[test]
fn json_rendering() {
    snapshot("json", &json_text(&fixture_plan()));
}

#[test]
fn json_rendering_is_versioned_and_round_trips() {
    let p = fixture_plan();
    let text = json_text(&p);
    let value: serde_json::Value = serde_json::from_str(&text).expect("plan JSON parses");
    assert_eq!(value["format_version"], 1);
    assert_eq!(value["format_version"], plan::FORMAT_VERSION);
    let back: Plan = serde_json::from_str(&text).expect("plan JSON reads back as a Plan");
    assert_eq!(back, p);
}

#[test]
fn markdown_rendering() {
    snapshot("markdown", &markdown(&fixture_plan()));
}

#[test]
fn no_rendering_holds_a_secret_value() {
    let p = fixture_plan();
    let outputs = [
        ("human", human(&p)),
        ("json", json_text(&p)),
        ("markdown", markdown(&p)),
        ("compact", compact(&p)),
        ("plan debug", format!("{p:?}")),
        ("desired debug", format!("{:?}", desired())),
    ];
    for (what, text) in &outputs {
        for value in VALUES {
            assert!(!text.contains(value), "{what} output holds `{value}`");
        }
    }
    // The keys themselves are shown.
    assert!(outputs[0].1.contains("DB_PASSWORD = (sensitive)"));
    assert!(outputs[0].1.contains("SIGNING_KEY = (sensitive)"));
    // A literal under a key that may be shown is (it is in the repository).
    assert!(outputs[0].1.contains("DB_HOST = \"worker-db\""));
    assert!(outputs[2].1.contains("`DB_HOST`: added: `worker-db`"));
}
