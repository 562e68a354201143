//! Issue 16: a plan reads a KV secret's data only when the mount's metadata
//! (one `SCAN <mount>/detailed-metadata/`) does not show the very version the
//! known record says held the declared values. Every hand edit must still be
//! planned exactly as without the skip: each test edits the server by hand,
//! then plans three ways (SCAN; paginated LIST of detailed metadata, forced;
//! keys only, forced: nothing can be skipped, the plan of old) and asserts
//! the three plans are identical and show what the edit did. Against a real
//! OpenBao dev server; every output and the known record are searched for
//! the secret values.

mod common;

use common::BaoDev;
use common::workspace::Workspace;
use serde_json::{Value, json};

/// The ways of listing a mount (`VAULTFORM_TEST_KV_LISTING`): the default
/// SCAN, paginated LIST with pages of one entry, and keys only.
const LISTINGS: [&str; 3] = ["scan", "list:1", "keys"];

/// One plan: exit code, the JSON plan, and the GETs it sent.
struct Planned {
    code: i32,
    plan: Value,
    reads: u64,
}

fn plan(ws: &mut Workspace, bao: &BaoDev, listing: &str) -> Planned {
    let mut cmd = common::vaultform_cmd(bao);
    cmd.env("VAULTFORM_TEST_KV_LISTING", listing)
        .arg("-f")
        .arg(ws.manifest())
        .args(["-v", "plan", "--format", "json", "--detailed-exitcode"]);
    let r = ws.record(cmd);
    assert!(
        r.code == 0 || r.code == 2,
        "{listing}: {}\n{}",
        r.stdout,
        r.stderr
    );
    let plan: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{listing}: not JSON ({e}): {}", r.stdout));
    let line = r
        .stderr
        .lines()
        .rfind(|l| l.contains(" requests ") && l.contains("reads="))
        .unwrap_or_else(|| panic!("no request counts in {}", r.stderr));
    let reads = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("reads="))
        .and_then(|v| v.parse().ok())
        .unwrap();
    Planned {
        code: r.code,
        plan,
        reads,
    }
}

/// Plans every way; asserts the plans are identical; returns the SCAN plan
/// and the GETs of each way.
fn plan_every_way(ws: &mut Workspace, bao: &BaoDev) -> (Planned, Vec<u64>) {
    let mut all: Vec<Planned> = LISTINGS.iter().map(|l| plan(ws, bao, l)).collect();
    for (l, p) in LISTINGS.iter().zip(&all).skip(1) {
        assert_eq!(
            p.plan, all[0].plan,
            "the plan with listing `{l}` differs from the plan with SCAN"
        );
        assert_eq!(p.code, all[0].code);
    }
    let reads = all.iter().map(|p| p.reads).collect();
    (all.swap_remove(0), reads)
}

/// One change of a plan: address, action, and each key with its action.
type Planned1 = (String, String, Vec<(String, String)>);

/// The changes of a plan.
fn changes(p: &Value) -> Vec<Planned1> {
    p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let keys = c["secret"]["keys"]
                .as_array()
                .map(|ks| {
                    ks.iter()
                        .map(|k| {
                            (
                                k["key"].as_str().unwrap().to_string(),
                                k["action"].as_str().unwrap().to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                c["address"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
                keys,
            )
        })
        .collect()
}

/// A server with fixtures/basic applied, and the workspace.
fn applied() -> (BaoDev, Workspace) {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    ws.remember_server_secrets(&bao, "kv-test/data/worker");
    (bao, ws)
}

/// The data of `kv-test/web` now, and its version.
fn web(bao: &BaoDev) -> (Value, u64) {
    let (status, body) = bao.get("kv-test/data/web");
    assert_eq!(status, 200, "{body}");
    (
        body["data"]["data"].clone(),
        body["data"]["metadata"]["version"].as_u64().unwrap(),
    )
}

/// Writes `data` to `kv-test/web` by hand, as `bao kv put` does.
fn put_web(bao: &BaoDev, data: &Value) {
    let (status, body) = bao.write("kv-test/data/web", &json!({ "data": data }));
    assert_eq!(status, 200, "{body}");
}

/// After the edit, applying converges and the next plan is empty and skips
/// the data reads again; the known record holds no value.
fn converges(ws: &mut Workspace, bao: &BaoDev) {
    ws.apply(bao);
    let (p, reads) = plan_every_way(ws, bao);
    assert_eq!(p.code, 0, "{:#}", p.plan);
    assert!(
        reads[0] + 2 <= reads[2],
        "with SCAN, no secret is read after an apply: {reads:?}"
    );
    let (status, record) = bao.get("vaultform/data/known/default");
    assert_eq!(status, 200, "{record}");
    let entries = record["data"]["data"]["entries"].as_str().unwrap();
    assert!(entries.contains("kv.kv-test/web\t"), "{entries}");
    let text = record.to_string();
    for s in &ws.secrets {
        assert!(!text.contains(s.as_str()), "a value in the known record");
    }
}

#[test]
fn after_an_apply_no_op_plans_read_no_secret_and_every_way_plans_the_same() {
    let (bao, mut ws) = applied();
    // Unmanaged secrets in a folder: reported the same by every listing.
    for p in ["team/a", "team/b", "team/deeper/c"] {
        assert_eq!(
            bao.write_kv(&format!("kv-test/data/{p}"), &json!({"data": {"k": "v"}})),
            200
        );
    }
    let (p, reads) = plan_every_way(&mut ws, &bao);
    assert_eq!(p.code, 0, "{:#}", p.plan);
    assert_eq!(
        p.plan["unmanaged_kv"]["kv-test"]["count"], 3,
        "{:#}",
        p.plan
    );
    // SCAN and LIST skip both secrets; keys only reads both.
    assert_eq!(reads[0], reads[1]);
    assert_eq!(reads[0] + 2, reads[2], "{reads:?}");
    converges(&mut ws, &bao);
}

#[test]
fn a_new_version_by_hand_is_planned() {
    let (bao, mut ws) = applied();
    let (mut data, _) = web(&bao);
    data["DB_HOST"] = json!("hand-edited-host");
    put_web(&bao, &data);
    let (p, _) = plan_every_way(&mut ws, &bao);
    assert_eq!(
        changes(&p.plan),
        [(
            "kv.kv-test/web".into(),
            "update".into(),
            vec![("DB_HOST".into(), "change".into())]
        )]
    );
    converges(&mut ws, &bao);
}

#[test]
fn a_new_version_by_hand_with_the_same_values_is_read_and_no_change() {
    // Also what a killed apply leaves: the data written, the record not.
    let (bao, mut ws) = applied();
    let (data, _) = web(&bao);
    put_web(&bao, &data);
    let (p, reads) = plan_every_way(&mut ws, &bao);
    assert_eq!(p.code, 0, "{:#}", p.plan);
    assert_eq!(
        reads[0] + 1,
        reads[2],
        "web is read, worker is not: {reads:?}"
    );
    // A no-op apply records what it read: the next plan skips web again.
    ws.apply(&bao);
    let (_, reads) = plan_every_way(&mut ws, &bao);
    assert_eq!(reads[0] + 2, reads[2], "{reads:?}");
}

#[test]
fn a_rollback_is_planned() {
    let (bao, mut ws) = applied();
    let (_, v1) = web(&bao);
    ws.set_env("VF_BASIC_WEB_DB_PASSWORD", "second-web-db-password");
    ws.apply(&bao);
    let (_, v2) = web(&bao);
    assert_eq!(v2, v1 + 1);
    // `bao kv rollback -version=1`: version 1's data written as a new version.
    let (_, old) = bao.get(&format!("kv-test/data/web?version={v1}"));
    let (status, body) = bao.write(
        "kv-test/data/web",
        &json!({ "options": { "cas": v2 }, "data": old["data"]["data"] }),
    );
    assert_eq!(status, 200, "{body}");
    let (p, _) = plan_every_way(&mut ws, &bao);
    assert_eq!(
        changes(&p.plan),
        [(
            "kv.kv-test/web".into(),
            "update".into(),
            vec![("DB_PASSWORD".into(), "change".into())]
        )]
    );
    converges(&mut ws, &bao);
}

#[test]
fn a_soft_delete_is_planned_and_an_undelete_undoes_it() {
    let (bao, mut ws) = applied();
    let (_, v) = web(&bao);
    assert_eq!(bao.delete("kv-test/data/web"), 204);
    let (p, _) = plan_every_way(&mut ws, &bao);
    let c = changes(&p.plan);
    assert_eq!(c.len(), 1, "{:#}", p.plan);
    assert_eq!(
        (c[0].0.as_str(), c[0].1.as_str()),
        ("kv.kv-test/web", "create")
    );
    assert_eq!(p.plan["changes"][0]["secret"]["cas"], v);
    // Undeleted: the same version, the same data: nothing to do, and the
    // listing shows the recorded version again, so it is not even read.
    let (status, _) = bao.write("kv-test/undelete/web", &json!({ "versions": [v] }));
    assert_eq!(status, 204);
    let (p, reads) = plan_every_way(&mut ws, &bao);
    assert_eq!(p.code, 0, "{:#}", p.plan);
    assert_eq!(reads[0] + 2, reads[2], "{reads:?}");
}

#[test]
fn a_destroyed_version_is_planned() {
    let (bao, mut ws) = applied();
    let (_, v) = web(&bao);
    let (status, _) = bao.write("kv-test/destroy/web", &json!({ "versions": [v] }));
    assert_eq!(status, 204);
    let (p, _) = plan_every_way(&mut ws, &bao);
    let c = changes(&p.plan);
    assert_eq!(c.len(), 1, "{:#}", p.plan);
    assert_eq!(
        (c[0].0.as_str(), c[0].1.as_str()),
        ("kv.kv-test/web", "create")
    );
    converges(&mut ws, &bao);
}

#[test]
fn a_metadata_delete_and_recreate_to_the_same_version_is_planned() {
    let (bao, mut ws) = applied();
    let (mut data, v) = web(&bao);
    assert_eq!(v, 1, "the cold apply wrote version 1");
    assert_eq!(bao.delete("kv-test/metadata/web"), 204);
    // Written again by hand: version 1 again, other values, a new created_time.
    data["DB_HOST"] = json!("recreated-host");
    let (status, body) = bao.write(
        "kv-test/data/web",
        &json!({ "options": { "cas": 0 }, "data": data }),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["version"], 1);
    let (p, _) = plan_every_way(&mut ws, &bao);
    assert_eq!(
        changes(&p.plan),
        [(
            "kv.kv-test/web".into(),
            "update".into(),
            vec![("DB_HOST".into(), "change".into())]
        )]
    );
    converges(&mut ws, &bao);
}

#[test]
fn a_changed_env_value_is_planned() {
    let (bao, mut ws) = applied();
    ws.set_env("VF_BASIC_WORKER_QUEUE_PASSWORD", "changed-queue-password");
    let (p, _) = plan_every_way(&mut ws, &bao);
    assert_eq!(
        changes(&p.plan),
        [(
            "kv.kv-test/worker".into(),
            "update".into(),
            vec![("QUEUE_PASSWORD".into(), "change".into())]
        )]
    );
    converges(&mut ws, &bao);
}

#[test]
fn a_changed_declaration_is_planned() {
    // From a known value to `generate`, and a key dropped: the declared
    // values' fingerprint changes, so the secret is read.
    let (bao, mut ws) = applied();
    ws.edit("vault.toml", |t| {
        t.replace("DB_HOST = \"web-db\"\n", "").replace(
            "QUEUE_URL = \"amqp://queue:5672\"",
            "QUEUE_URL = { generate = { length = 20 } }",
        )
    });
    let (p, _) = plan_every_way(&mut ws, &bao);
    assert_eq!(
        changes(&p.plan),
        [(
            "kv.kv-test/web".into(),
            "update".into(),
            vec![("DB_HOST".into(), "remove".into())]
        )],
        "QUEUE_URL has a value: `generate` keeps it"
    );
    converges(&mut ws, &bao);
}
