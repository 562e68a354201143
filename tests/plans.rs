//! Plans for pull-request CI, deploys and drift detection, against a real
//! OpenBao: saved plans and their staleness checks, --target, drift exit codes
//! and metrics. Every output and saved plan is searched for secret values.

mod common;

use common::BaoDev;
use common::workspace::Workspace;
use serde_json::{Value, json};
use std::fs;

fn kv_version(bao: &BaoDev, path: &str) -> Value {
    bao.get(path).1["data"]["metadata"]["version"].clone()
}

#[test]
fn a_saved_plan_applies_when_nothing_changed_and_holds_no_secret() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    let plan_file = ws.path("plan.json");
    let r = ws.run(&bao, &["plan", "--out", plan_file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Saved the plan to"), "{}", r.stdout);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&plan_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let r = ws.run(&bao, &["apply", plan_file.to_str().unwrap()]);
    assert_eq!(
        r.code, 0,
        "a saved plan is its own approval:\n{}\n{}",
        r.stdout, r.stderr
    );
    assert!(r.stdout.contains("Apply complete"), "{}", r.stdout);
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    ws.remember_server_secrets(&bao, "kv-test/data/worker");
    // The fingerprint key is in Vault, not in the file.
    let (_, key) = bao.get("vaultform/data/fingerprint-key");
    let key = key["data"]["data"]["key"].as_str().unwrap().to_string();
    ws.secrets.push(key);
    let saved = fs::read_to_string(&plan_file).unwrap();
    let parsed: Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(parsed["saved_plan_version"], 1);
    assert!(saved.contains("DB_PASSWORD"), "key names are in the plan");
    ws.outputs.push(saved);
    ws.assert_converged(&bao);
}

#[test]
fn a_saved_plan_is_refused_when_the_secret_changed_in_vault_meanwhile() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    ws.set_env("VF_BASIC_WEB_DB_PASSWORD", "planned-new-password-77");
    let plan_file = ws.path("plan.json");
    let r = ws.run(&bao, &["plan", "--out", plan_file.to_str().unwrap()]);
    assert_eq!(r.code, 0);
    ws.outputs.push(fs::read_to_string(&plan_file).unwrap());
    // Someone changes the secret by hand between plan and apply.
    let hand = json!({"data": {"DB_USER": "web_user", "DB_PASSWORD": "changed-by-hand-99", "DB_HOST": "web-db"}});
    ws.secrets.push("changed-by-hand-99".into());
    assert_eq!(bao.write("kv-test/data/web", &hand).0, 200);
    let version = kv_version(&bao, "kv-test/data/web");
    let r = ws.run(&bao, &["apply", plan_file.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("stale"), "{}", r.stderr);
    assert!(r.stderr.contains("kv.kv-test/web"), "{}", r.stderr);
    assert!(r.stderr.contains("changed in Vault"), "{}", r.stderr);
    assert_eq!(
        kv_version(&bao, "kv-test/data/web"),
        version,
        "nothing was written"
    );
    assert_eq!(
        bao.get("kv-test/data/web").1["data"]["data"]["DB_PASSWORD"],
        "changed-by-hand-99"
    );
}

#[test]
fn a_saved_plan_is_refused_when_a_source_value_changed_meanwhile() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    ws.set_env("VF_BASIC_WEB_DB_PASSWORD", "planned-password-one");
    let plan_file = ws.path("plan.json");
    assert_eq!(
        ws.run(&bao, &["plan", "--out", plan_file.to_str().unwrap()])
            .code,
        0
    );
    ws.outputs.push(fs::read_to_string(&plan_file).unwrap());
    ws.set_env("VF_BASIC_WEB_DB_PASSWORD", "edited-after-planning-two");
    let before = bao.get("kv-test/data/web").1["data"].clone();
    let r = ws.run(&bao, &["apply", plan_file.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("source value of DB_PASSWORD no longer matches"),
        "{}",
        r.stderr
    );
    assert!(
        bao.get("kv-test/data/web").1["data"] == before,
        "something was written"
    );
}

#[test]
fn a_saved_plan_does_not_apply_changes_that_appeared_after_it() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    ws.edit("vault.toml", |t| {
        t.replacen("token_ttl = \"30m\"", "token_ttl = \"45m\"", 1)
    });
    let plan_file = ws.path("plan.json");
    assert_eq!(
        ws.run(&bao, &["plan", "--out", plan_file.to_str().unwrap()])
            .code,
        0
    );
    ws.edit("policies/web-policy.hcl", |t| t + "\n# a later edit\n");
    let r = ws.run(&bao, &["apply", plan_file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(
        bao.get("auth/approle/role/worker").1["data"]["token_ttl"],
        2700
    );
    let policy = bao.get("sys/policies/acl/web-policy").1;
    assert!(
        !policy["data"]["policy"]
            .as_str()
            .unwrap()
            .contains("a later edit")
    );
}

#[test]
fn drift_detection_exits_2_and_writes_metrics_by_kind() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    let metrics = ws.path("vaultform.prom");
    let m = metrics.to_str().unwrap().to_string();
    let r = ws.run(&bao, &["plan", "--detailed-exitcode", "--metrics-file", &m]);
    assert_eq!(r.code, 0);
    let text = fs::read_to_string(&metrics).unwrap();
    assert!(
        text.contains("vaultform_drift_resources{kind=\"policy\"} 0"),
        "{text}"
    );
    assert!(text.contains("vaultform_last_check_success 1"), "{text}");

    // Drift by hand: a policy and a role.
    bao.write(
        "sys/policies/acl/web-policy",
        &json!({"policy": "path \"x\" { capabilities = [\"read\"] }"}),
    );
    bao.write("auth/approle/role/web", &json!({"token_ttl": "5m"}));
    let r = ws.run(&bao, &["plan", "--detailed-exitcode", "--metrics-file", &m]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let text = fs::read_to_string(&metrics).unwrap();
    assert!(
        text.contains("vaultform_drift_resources{kind=\"policy\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("vaultform_drift_resources{kind=\"approle\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("vaultform_drift_resources{kind=\"kv\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE vaultform_check_duration_seconds gauge"),
        "{text}"
    );
    ws.outputs.push(text);

    // A failed check still writes metrics, saying it failed.
    let out = common::vaultform_cmd(&bao)
        .env("VAULT_ADDR", "http://127.0.0.1:9")
        .args(["plan", "--detailed-exitcode", "--metrics-file", &m, "-f"])
        .arg(ws.manifest())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = fs::read_to_string(&metrics).unwrap();
    assert!(text.contains("vaultform_last_check_success 0"), "{text}");
    assert!(
        text.contains("vaultform_last_success_timestamp_seconds "),
        "the last success is carried over: {text}"
    );
    assert!(!text.contains("vaultform_drift_resources"), "{text}");
}

#[test]
fn target_limits_plan_and_apply_to_a_resource_and_its_dependencies() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    let r = ws.run(
        &bao,
        &[
            "plan",
            "--format",
            "json",
            "--target",
            "approle.approle/web",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let plan: Value = serde_json::from_str(&r.stdout).unwrap();
    let addresses: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        addresses,
        vec!["auth.approle", "policy.web-policy", "approle.approle/web"]
    );
    let r = ws.run(
        &bao,
        &["apply", "--auto-approve", "--target", "approle.approle/web"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(bao.get("auth/approle/role/web").0, 200);
    assert_eq!(bao.get("auth/approle/role/worker").0, 404);
    assert_eq!(bao.get("sys/policies/acl/worker-policy").0, 404);
    let r = ws.run(&bao, &["plan", "--detailed-exitcode"]);
    assert_eq!(r.code, 2);
    assert!(!r.stdout.contains("approle.approle/web "), "{}", r.stdout);
    assert!(
        r.stdout.contains("+ approle.approle/worker"),
        "{}",
        r.stdout
    );
    let r = ws.run(&bao, &["plan", "--target", "policy.nope"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("policy.nope"), "{}", r.stderr);
    let r = ws.run(&bao, &["plan", "--target", "bogus"]);
    assert_eq!(
        r.code, 1,
        "a usage error is 1, never 2 (which means changes)"
    );
    assert!(r.stderr.contains("is not an address"), "{}", r.stderr);
}

#[test]
fn apply_without_a_terminal_or_auto_approve_refuses() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    let r = ws.run(&bao, &["apply"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("--auto-approve"), "{}", r.stderr);
    assert_eq!(bao.get("sys/policies/acl/web-policy").0, 404);
}

/// Runs `vaultform ARGS` on a pseudo-terminal (util-linux `script`), typing `answer`.
fn on_a_terminal(bao: &BaoDev, ws: &Workspace, args: &str, answer: &str) -> (Option<i32>, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let line = format!(
        "{} -f {} {args}",
        env!("CARGO_BIN_EXE_vaultform"),
        ws.manifest().display()
    );
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"]);
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("VAULT_") || k.starts_with("BAO_") {
            cmd.env_remove(&key);
        }
    }
    let mut child = cmd
        .env("VAULT_ADDR", bao.addr())
        .env("VAULT_TOKEN", bao.token())
        .env("NO_COLOR", "1")
        .env("HOME", bao.fresh_home())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs the command on a pseudo-terminal");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn apply_on_a_terminal_asks_and_only_yes_applies() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    let (code, out) = on_a_terminal(&bao, &ws, "apply", "no\n");
    assert_eq!(code, Some(1), "a cancelled apply exits 1: {out}");
    assert!(out.contains("Only 'yes' is accepted"), "{out}");
    assert!(
        out.contains("Apply cancelled; nothing was changed."),
        "{out}"
    );
    assert_eq!(bao.get("sys/policies/acl/web-policy").0, 404);
    ws.outputs.push(out);
    let (code, out) = on_a_terminal(&bao, &ws, "apply", "yes\n");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Apply complete"), "{out}");
    assert_eq!(bao.get("sys/policies/acl/web-policy").0, 200);
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    ws.outputs.push(out);
}

/// `apply --format json`: one document on stdout (the plan, what was applied,
/// the counts), no prompt (so it needs --auto-approve or a saved plan), and
/// an empty report when there is nothing to do. The workspace searches every
/// output for the secret values it used.
#[test]
fn apply_reports_one_json_document() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    let r = ws.run(&bao, &["apply", "--format", "json"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        common::flat(&r.stderr).contains("vaultform::apply::no_approval"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.trim().is_empty(), "{}", r.stdout);

    let r = ws.run(&bao, &["apply", "--auto-approve", "--format", "json"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).expect("one JSON document");
    assert_eq!(doc["format_version"], 1);
    let planned = doc["plan"]["changes"].as_array().unwrap().len();
    let applied = doc["applied"].as_array().unwrap();
    assert!(planned > 3 && applied.len() == planned, "{doc}");
    assert!(
        applied.contains(&json!({"address": "kv.kv-test/web", "action": "create"})),
        "{doc}"
    );
    let s = &doc["summary"];
    let total: u64 = ["created", "updated", "replaced", "deleted"]
        .iter()
        .map(|k| s[k].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, planned, "{doc}");
    ws.remember_server_secrets(&bao, "kv-test/data/web");

    let r = ws.run(&bao, &["apply", "--format", "json"]);
    assert_eq!(r.code, 0, "nothing to do needs no approval:\n{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["applied"], json!([]));
    assert_eq!(doc["plan"]["changes"], json!([]));
    assert_eq!(
        doc["summary"],
        json!({"created": 0, "updated": 0, "replaced": 0, "deleted": 0, "adopted": 0})
    );
    ws.assert_converged(&bao);
}

/// Literals of the manifest (already in the repository) are shown in plans
/// unless the key looks secret or is marked `sensitive`; values from the
/// environment, files and `generate` never are.
#[test]
fn plans_show_literals_that_may_be_shown_and_nothing_else() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.set_env("VF_SHOWN_FROM_ENV", "env-value-never-shown");
    ws.secrets.extend(
        [
            "literal-api-key-value",
            "pw-in-the-url",
            "blue-but-sensitive",
            "seven-seven-secret",
        ]
        .map(String::from),
    );
    ws.edit("vault.toml", |t| {
        t + r#"
[secrets."kv-test/shown"]
LOG_LEVEL = "debug"
PORT = 8080
GREETING = "say \"hi\""
API_KEY = "literal-api-key-value"
DATABASE_URL = "postgres://app:pw-in-the-url@db/app"
COLOUR = { value = "blue-but-sensitive", sensitive = true }
REGION = { value = "eu-west-1" }
SEVEN = { value = "seven-seven-secret", sensitive = true }
FROM_ENV = { env = "VF_SHOWN_FROM_ENV" }
"#
    });
    let r = ws.run(&bao, &["plan"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    for want in [
        "+ LOG_LEVEL = \"debug\"",
        "+ PORT = \"8080\"",
        "+ GREETING = \"say \\\"hi\\\"\"",
        "+ REGION = \"eu-west-1\"",
        "+ API_KEY = (sensitive)",
        "+ DATABASE_URL = (sensitive)",
        "+ COLOUR = (sensitive)",
        "+ FROM_ENV = (sensitive)",
        "+ DB_HOST = \"web-db\"",
    ] {
        assert!(r.stdout.contains(want), "no {want:?} in:\n{}", r.stdout);
    }
    let r = ws.run(&bao, &["plan", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let plan: Value = serde_json::from_str(&r.stdout).unwrap();
    let change = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "kv.kv-test/shown")
        .unwrap();
    let keys = change["secret"]["keys"].as_array().unwrap();
    let value = |k: &str| keys.iter().find(|c| c["key"] == k).unwrap()["value"].clone();
    assert_eq!(value("LOG_LEVEL"), json!("debug"));
    assert_eq!(value("PORT"), json!("8080"));
    assert_eq!(value("API_KEY"), Value::Null);
    assert_eq!(value("FROM_ENV"), Value::Null);
    let r = ws.run(&bao, &["plan", "--format", "markdown"]);
    assert!(
        r.stdout.contains("`LOG_LEVEL`: added: `debug`"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("`COLOUR`: added (sensitive)"),
        "{}",
        r.stdout
    );
    ws.apply(&bao);
    ws.assert_converged(&bao);
    // Changed literal: the new value is shown.
    ws.edit("vault.toml", |t| {
        t.replace("LOG_LEVEL = \"debug\"", "LOG_LEVEL = \"info\"")
    });
    let r = ws.run(&bao, &["plan"]);
    assert!(r.stdout.contains("~ LOG_LEVEL = \"info\""), "{}", r.stdout);
    // `sensitive` goes with a literal value only.
    ws.edit("vault.toml", |t| {
        t.replace(
            "FROM_ENV = { env = \"VF_SHOWN_FROM_ENV\" }",
            "FROM_ENV = { env = \"VF_SHOWN_FROM_ENV\", sensitive = false }",
        )
    });
    let r = ws.run(&bao, &["validate"]);
    assert_eq!(r.code, 1);
    assert!(
        common::flat(&r.stderr).contains("`sensitive` goes with a literal `value`"),
        "{}",
        r.stderr
    );
}
