//! Property test against a real OpenBao: for every role field type, any value
//! the manifest accepts is accepted by the server, and what the server then
//! stores compares equal to what the manifest says, so a plan after an apply is
//! empty. Regression for issue 9, item 5 (`token_bound_cidrs = ["127.0.0.1/32"]`
//! was stored as `127.0.0.1` and planned as a change forever; `999.1.1.1/99`
//! passed validate).

mod common;

use common::BaoDev;
use proptest::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;
use vaultform::kinds::contract::PlanCx;
use vaultform::kinds::{Address, Kind};
use vaultform::model::plan::{Action, Change};
use vaultform::model::{Desired, Live};
use vaultform::secret::FingerprintKey;
use vaultform::vault::{Connection, Vault};

/// Reads the server as a plan does and diffs one resource through its kind's
/// contract: the change (none when the server holds what the manifest says)
/// and the live state, for messages.
async fn replan(vault: &Vault, desired: &Desired, address: &Address) -> (Option<Change>, String) {
    let live = vaultform::live::read(vault, desired, 4).await.unwrap();
    let def = vaultform::kinds::registry::def(address.kind).unwrap();
    let cx = PlanCx {
        desired,
        live: &live,
        fp: &FingerprintKey::random(),
        managed: &Default::default(),
    };
    (def.diff(address, &cx), format!("{:?}", live.items))
}

/// CIDR forms the server rewrites (measured) and plain ones.
const CIDRS: &[&str] = &[
    "127.0.0.1/32",
    "127.0.0.1",
    "10.0.0.0/8",
    "10.1.2.3/8",
    "::1",
    "::1/128",
    "2001:DB8::/32",
    "2001:0db8:0000::/32",
    "::ffff:1.2.3.4",
    " 10.0.0.0/8",
    "0.0.0.0/0",
    "::/0",
    "192.168.0.0/16",
];

const DURATIONS: &[&str] = &[
    "0", "0s", "90s", "30m", "1h", "90m", "1h30m", "7d", "3600", "100000h", "1.5h", "500ms",
    "1500ms", ".5m", "2.5s", "1d12h",
];

fn cidr() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(CIDRS).prop_map(str::to_string),
        (any::<[u8; 4]>(), 0u8..=32)
            .prop_map(|(a, p)| format!("{}.{}.{}.{}/{p}", a[0], a[1], a[2], a[3])),
        (any::<[u16; 8]>(), 0u8..=128).prop_map(|(a, p)| {
            format!(
                "{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}/{p}",
                a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
            )
        }),
    ]
}

fn toml_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| serde_json::to_string(s).unwrap())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn duration() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(DURATIONS).prop_map(|d| format!("\"{d}\"")),
        (0u64..200_000).prop_map(|s| s.to_string()),
    ]
}

/// The fields of one AppRole role, as TOML lines.
fn approle_fields() -> impl Strategy<Value = Vec<String>> {
    (
        duration(),
        duration(),
        duration(),
        duration(),
        0i64..1000,
        0i64..1000,
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(cidr(), 0..3),
        proptest::collection::vec(cidr(), 0..3),
        proptest::sample::select(
            &[
                "service",
                "batch",
                "default",
                "default-service",
                "default-batch",
            ][..],
        ),
        any::<bool>(),
    )
        .prop_map(
            |(
                ttl,
                max,
                secret_ttl,
                explicit,
                uses,
                sid_uses,
                no_default,
                bind,
                tcidrs,
                scidrs,
                ty,
                local,
            )| {
                // Batch tokens with a use count are refused (checked offline).
                let uses = if ty.contains("batch") { 0 } else { uses };
                let mut lines = vec![
                    format!("token_ttl = {ttl}"),
                    format!("token_max_ttl = {max}"),
                    format!("secret_id_ttl = {secret_ttl}"),
                    format!("token_explicit_max_ttl = {explicit}"),
                    format!("token_num_uses = {uses}"),
                    format!("secret_id_num_uses = {sid_uses}"),
                    format!("token_no_default_policy = {no_default}"),
                    format!("token_bound_cidrs = {}", toml_list(&tcidrs)),
                    format!("secret_id_bound_cidrs = {}", toml_list(&scidrs)),
                    format!("token_type = \"{ty}\""),
                    format!("local_secret_ids = {local}"),
                    "token_policies = [\"default\"]".to_string(),
                ];
                // bind_secret_id = false needs another constraint (checked offline).
                if bind || !tcidrs.is_empty() || !scidrs.is_empty() {
                    lines.push(format!("bind_secret_id = {bind}"));
                }
                lines
            },
        )
}

fn kubernetes_fields() -> impl Strategy<Value = Vec<String>> {
    let name = "[a-z][a-z0-9-]{0,10}";
    (
        prop_oneof![
            Just(vec!["*".to_string()]),
            proptest::collection::vec(name.prop_map(|n| format!(" {n} ")), 1..3),
        ],
        proptest::collection::vec("[A-Za-z][a-z0-9-]{0,10}", 1..3),
        proptest::sample::select(&["serviceaccount_uid", "serviceaccount_name"][..]),
        proptest::sample::select(&["service", "batch", "default"][..]),
        "[a-z]{0,8}",
        duration(),
        proptest::collection::vec(cidr(), 0..3),
    )
        .prop_map(|(names, namespaces, alias, ty, audience, ttl, cidrs)| {
            vec![
                format!("bound_service_account_names = {}", toml_list(&names)),
                format!(
                    "bound_service_account_namespaces = {}",
                    toml_list(&namespaces)
                ),
                format!("alias_name_source = \"{alias}\""),
                format!("token_type = \"{ty}\""),
                format!("audience = \"{audience}\""),
                format!("token_ttl = {ttl}"),
                format!("token_bound_cidrs = {}", toml_list(&cidrs)),
            ]
        })
}

struct Rig {
    bao: BaoDev,
    vault: Vault,
    rt: tokio::runtime::Runtime,
}

fn rig() -> Rig {
    let bao = BaoDev::start();
    for (path, ty) in [("approle", "approle"), ("kubernetes", "kubernetes")] {
        let (s, body) = bao.write(&format!("sys/auth/{path}"), &json!({ "type": ty }));
        assert_eq!(s, 204, "{body}");
    }
    let vault = Vault::new(&Connection::new(bao.addr(), bao.token())).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    Rig { bao, vault, rt }
}

/// Loads a manifest declaring one role with `lines`, writes the role, reads
/// it back and diffs: nothing may differ.
fn round_trip(rig: &Rig, section: &str, kind: Kind, key: &str, lines: &[String]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.toml");
    let text = format!("{section}\n{}\n", lines.join("\n"));
    std::fs::write(&path, &text).unwrap();
    let desired = vaultform::manifest::load_with_env(&path, &BTreeMap::new())
        .unwrap_or_else(|e| panic!("the manifest refused a generated value:\n{text}\n{e:?}"));
    let address = Address::new(kind, key);
    let def = vaultform::kinds::registry::def(kind).unwrap();
    rig.rt.block_on(async {
        let nothing = Live::default();
        let fp = vaultform::secret::FingerprintKey::random();
        let delete = Change::new(address.clone(), Action::Delete);
        def.apply(&rig.vault, &delete, &desired, &nothing, &fp)
            .await
            .unwrap();
        let create = Change::new(address.clone(), Action::Create);
        def.apply(&rig.vault, &create, &desired, &nothing, &fp)
            .await
            .unwrap_or_else(|e| panic!("the server refused what validate accepted:\n{text}\n{e}"));
        let (change, live) = replan(&rig.vault, &desired, &address).await;
        assert!(
            change.is_none(),
            "written then read back, it differs:\n{text}\nchange: {change:?}\nlive: {live}"
        );
    });
    let _ = &rig.bao;
}

#[test]
fn every_approle_field_value_written_reads_back_equal() {
    let rig = rig();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&approle_fields(), |lines| {
            // token_ttl must not exceed token_max_ttl (checked offline):
            // generated pairs that break it are skipped.
            let load = |l: &[String]| {
                let dir = tempfile::tempdir().unwrap();
                let p = dir.path().join("vault.toml");
                std::fs::write(
                    &p,
                    format!(
                        "[auth.approle]\ntype = \"approle\"\n[approles.r]\n{}\n",
                        l.join("\n")
                    ),
                )
                .unwrap();
                vaultform::manifest::load_with_env(&p, &BTreeMap::new())
                    .map_err(|e| format!("{e:?}"))
            };
            if let Err(e) = load(&lines) {
                prop_assume!(!e.contains("ttl_order"));
            }
            round_trip(
                &rig,
                "[auth.approle]\ntype = \"approle\"\n[approles.r]",
                Kind::APPROLE,
                "approle/r",
                &lines,
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn every_kubernetes_role_field_value_written_reads_back_equal() {
    let rig = rig();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&kubernetes_fields(), |lines| {
            round_trip(
                &rig,
                "[auth.kubernetes]\ntype = \"kubernetes\"\n[auth.kubernetes.roles.k]",
                Kind::KUBERNETES_ROLE,
                "kubernetes/k",
                &lines,
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn invalid_cidrs_and_choices_fail_validate() {
    for (field, value) in [
        ("token_bound_cidrs", "[\"999.1.1.1/99\"]"),
        ("token_bound_cidrs", "[\"10.0.0.0/33\"]"),
        ("secret_id_bound_cidrs", "[\"/tmp/sock\"]"),
        ("secret_id_bound_cidrs", "[\"010.0.0.1\"]"),
        ("token_type", "\"Service\""),
        ("token_type", "\"bogus\""),
        ("token_num_uses", "-1"),
        ("secret_id_num_uses", "-1"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("vault.toml");
        std::fs::write(&p, format!("[approles.r]\n{field} = {value}\n")).unwrap();
        let err = vaultform::manifest::load_with_env(&p, &BTreeMap::new())
            .expect_err(&format!("{field} = {value} passed"));
        assert_eq!(err.problems.len(), 1, "{field} = {value}: {err:?}");
    }
}

#[test]
fn mount_and_auth_tunables_written_read_back_equal() {
    use vaultform::kinds::mount::vault::{Family, enable, tune};
    let rig = rig();
    let cases = [
        (
            "kv",
            "[mounts.m{i}]\ntype = \"kv\"\noptions = { version = 2 }\ndescription = \" spaced \"\ndefault_lease_ttl = \"1h\"\nmax_lease_ttl = \"90m\"\n",
        ),
        (
            "kv",
            "[mounts.m{i}]\ntype = \"kv-v2\"\ndefault_lease_ttl = 0\nmax_lease_ttl = \"7d\"\n",
        ),
        (
            "approle",
            "[auth.a{i}]\ntype = \"approle\"\ntoken_type = \"default-batch\"\ndefault_lease_ttl = \"1h30m\"\n",
        ),
        (
            "approle",
            "[auth.a{i}]\ntype = \"approle\"\ntoken_type = \"default-service\"\ndescription = \"x\"\n",
        ),
        (
            "approle",
            "[auth.a{i}]\ntype = \"approle\"\ntoken_type = \"batch\"\nmax_lease_ttl = 3600\n",
        ),
    ];
    for (i, (_, text)) in cases.iter().enumerate() {
        let text = text.replace("{i}", &i.to_string());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.toml");
        std::fs::write(&path, &text).unwrap();
        let desired = vaultform::manifest::load_with_env(&path, &BTreeMap::new())
            .unwrap_or_else(|e| panic!("{text}\n{e:?}"));
        let (family, kind) = if desired.count(Kind::MOUNT) == 0 {
            (Family::Auth, Kind::AUTH)
        } else {
            (Family::Mounts, Kind::MOUNT)
        };
        let (name, d) = desired
            .items
            .iter::<vaultform::kinds::mount::DesiredBackend>(kind)
            .next()
            .unwrap();
        rig.rt.block_on(async {
            enable(&rig.vault, family, d)
                .await
                .unwrap_or_else(|e| panic!("{text}\n{e}"));
            // Tune too: some fields (token_type) are only set by a tune.
            tune(&rig.vault, family, d)
                .await
                .unwrap_or_else(|e| panic!("{text}\n{e}"));
            let address = Address::new(kind, name.clone());
            let (change, live) = replan(&rig.vault, &desired, &address).await;
            assert!(change.is_none(), "{text}\n{change:?}\n{live}");
        });
    }
}

/// The reported case end to end: apply, then plan is empty (it was exit 2 forever).
#[test]
fn a_slash_32_cidr_converges_after_apply() {
    let bao = BaoDev::start();
    let mut ws = common::workspace::Workspace::new();
    ws.edit("vault.toml", |t| {
        t.replace(
            "[approles.web]\n",
            "[approles.web]\ntoken_bound_cidrs = [\"127.0.0.1/32\", \"2001:DB8::/32\"]\nsecret_id_bound_cidrs = [\"127.0.0.1\"]\n",
        )
    });
    ws.apply(&bao);
    let (_, role) = bao.get("auth/approle/role/web");
    assert_eq!(
        role["data"]["token_bound_cidrs"],
        json!(["127.0.0.1", "2001:db8::/32"])
    );
    ws.assert_converged(&bao);
}

#[test]
fn auth_configs_written_read_back_equal() {
    let rig = rig();
    let ca = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/k8s/ca.pem"))
        .unwrap();
    let pubkey = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/jwt/test-signing-key.pub.pem"
    ))
    .unwrap();
    let (s, body) = rig.bao.write("sys/auth/jwt", &json!({ "type": "jwt" }));
    assert_eq!(s, 204, "{body}");
    let cases = [
        format!(
            "[auth.kubernetes]\ntype = \"kubernetes\"\nconfig = {{ kubernetes_host = \"https://127.0.0.1:6443\", kubernetes_ca_cert = {}, disable_local_ca_jwt = \"true\" }}\n",
            serde_json::to_string(&ca).unwrap()
        ),
        format!(
            "[auth.kubernetes]\ntype = \"kubernetes\"\nconfig = {{ kubernetes_host = \"https://k8s.example:443/\", kubernetes_ca_cert = {}, disable_local_ca_jwt = true, pem_keys = [] }}\n",
            serde_json::to_string(&ca).unwrap()
        ),
        format!(
            "[auth.jwt]\ntype = \"jwt\"\nconfig = {{ jwt_validation_pubkeys = [{}], bound_issuer = \"https://issuer.example\", default_role = \"ci\", jwt_supported_algs = \"RS256,ES256\" }}\n",
            serde_json::to_string(&pubkey).unwrap()
        ),
    ];
    for text in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.toml");
        std::fs::write(&path, &text).unwrap();
        let desired = vaultform::manifest::load_with_env(&path, &BTreeMap::new())
            .unwrap_or_else(|e| panic!("{text}\n{e:?}"));
        let (name, d) = desired
            .items
            .iter::<vaultform::kinds::auth::DesiredAuthConfig>(Kind::AUTH_CONFIG)
            .next()
            .unwrap();
        rig.rt.block_on(async {
            vaultform::kinds::auth::vault::write(&rig.vault, d)
                .await
                .unwrap_or_else(|e| panic!("{text}\n{e}"));
            let address = Address::new(Kind::AUTH_CONFIG, name.clone());
            let (change, live) = replan(&rig.vault, &desired, &address).await;
            assert!(change.is_none(), "{text}\n{change:?}\n{live}");
        });
    }
}
