//! vaultform against a real three-node OpenBao raft cluster on loopback (OPENBAO.md §10):
//! a first apply through a standby and through the leader, an apply whose leader is SIGKILLed
//! mid-way and then converges on the new leader, and `operator unseal` of a node that joins with
//! `retry_join`.
//!
//! Every cluster is started by [`common::raft::RaftCluster`] (raft storage,
//! `performance_multiplier = 1`, `retry_join` to every node, each process under the watchdog) and
//! initialised with `vaultform operator init --keys-file` on its first node. Every wait is bounded;
//! a cluster that cannot be started fails the test with every node's state and log.

mod common;

use common::raft::{Keys, RaftCluster, brief_answer, brief_seal_status};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// The longest one `vaultform` run may take.
const RUN_LIMIT: Duration = Duration::from_secs(150);
/// How long a node may take to unseal (a joiner: ~2 s for the retry_join tick, ~2 s of join).
const UNSEAL_DEADLINE: Duration = Duration::from_secs(60);
/// How long the cluster may take to settle into one active node and standbys.
const ROLES_DEADLINE: Duration = Duration::from_secs(45);

/// One run of the binary.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Run {
    fn show(&self) -> String {
        format!(
            "exit {} after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.took, self.stdout, self.stderr
        )
    }
}

/// Runs `cmd` and returns its outputs; `outputs` collects them for the leak check.
fn run(mut cmd: assert_cmd::Command, outputs: &mut Vec<String>) -> Run {
    let started = Instant::now();
    let out = cmd.output().expect("vaultform runs");
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: started.elapsed(),
    };
    outputs.push(r.stdout.clone());
    outputs.push(r.stderr.clone());
    r
}

/// Asserts that no output holds any of `secrets`.
fn assert_no_leak(outputs: &[String], secrets: &[String]) {
    for out in outputs {
        for s in secrets {
            assert!(
                !out.contains(s.as_str()),
                "a secret value leaked into an output:\n{out}"
            );
        }
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

/// A cluster with node 0 initialised by `vaultform operator init --keys-file` and unsealed.
struct Initialised {
    cluster: RaftCluster,
    keys: Keys,
    keys_file: PathBuf,
    /// Holds the keys file.
    _keys_dir: tempfile::TempDir,
    outputs: Vec<String>,
}

/// Starts three raft nodes, initialises node 0 with `vaultform operator init` (5 shares,
/// threshold 3, keys file 0600) and unseals it over HTTP: it becomes the active node.
fn start_and_init() -> Initialised {
    let started = Instant::now();
    let mut cluster = RaftCluster::start(3);
    let keys_dir = tempfile::Builder::new()
        .prefix("vaultform-ha-keys-")
        .tempdir()
        .expect("a temp dir");
    let keys_file = keys_dir.path().join("keys.json");
    let mut outputs = Vec::new();
    let mut init = cluster.vaultform(0, None, RUN_LIMIT);
    init.args([
        "operator",
        "init",
        "--key-shares",
        "5",
        "--key-threshold",
        "3",
        "--keys-file",
        s(&keys_file),
    ]);
    let r = run(init, &mut outputs);
    assert_eq!(
        r.code,
        0,
        "vaultform operator init on node1: {}\n{}",
        r.show(),
        cluster.describe()
    );
    assert_eq!(mode(&keys_file), 0o600, "the keys file must be 0600");
    let keys = Keys::read(&keys_file);
    assert_eq!((keys.hex.len(), keys.threshold), (5, 3));
    assert_no_leak(&outputs, &keys.secrets());
    if let Err(transcript) = cluster.unseal(0, &keys, UNSEAL_DEADLINE) {
        panic!(
            "cannot unseal node1 over HTTP:\n{transcript}\n{}",
            cluster.describe()
        );
    }
    // Unsealed, it is a standby for a moment, then takes the leadership.
    let active = Instant::now();
    while cluster.health(0) != Ok(200) {
        if active.elapsed() >= ROLES_DEADLINE {
            panic!(
                "node1 did not become active within {ROLES_DEADLINE:?}\n{}",
                cluster.describe()
            );
        }
        thread::sleep(Duration::from_millis(25));
    }
    eprintln!(
        "node1 initialised and unsealed {:?} after launch",
        started.elapsed()
    );
    Initialised {
        cluster,
        keys,
        keys_file,
        _keys_dir: keys_dir,
        outputs,
    }
}

/// Unseals nodes 1 and 2 over HTTP (in parallel) and waits for one active node and two standbys.
fn unseal_joiners(init: &Initialised) -> (usize, Vec<usize>) {
    let started = Instant::now();
    let (cluster, keys) = (&init.cluster, &init.keys);
    let results: Vec<Result<String, String>> = thread::scope(|scope| {
        let handles: Vec<_> = [1, 2]
            .into_iter()
            .map(|i| scope.spawn(move || cluster.unseal(i, keys, UNSEAL_DEADLINE)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("the unseal thread does not panic"))
            .collect()
    });
    for r in &results {
        if let Err(transcript) = r {
            panic!(
                "cannot unseal a joining node over HTTP:\n{transcript}\n{}",
                cluster.describe()
            );
        }
    }
    let roles = cluster.wait_for_roles(ROLES_DEADLINE);
    eprintln!(
        "joiners unsealed, roles settled in {:?}: active {:?}, standby {:?}",
        started.elapsed(),
        init.cluster.nodes[roles.0].name,
        roles
            .1
            .iter()
            .map(|&i| init.cluster.nodes[i].name.clone())
            .collect::<Vec<_>>()
    );
    roles
}

/// Copies fixtures/basic (manifest, policies, .env) into `to`.
fn copy_fixture(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/basic");
    copy_dir(&from, to);
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
        }
    }
}

/// `GET <path>` on node `i` with `token`, expecting 200.
fn read(cluster: &RaftCluster, i: usize, token: &str, path: &str) -> Value {
    match cluster.request(i, "GET", path, Some(token), None) {
        Ok((200, body)) => body,
        other => panic!(
            "GET {path} on {}: {}",
            cluster.nodes[i].name,
            brief_answer(&other)
        ),
    }
}

#[test]
fn apply_through_a_standby_converges() {
    let started = Instant::now();
    let mut init = start_and_init();
    let (leader, standbys) = unseal_joiners(&init);
    let standby = standbys[0];
    let root = init.keys.root_token.clone();
    let work = tempfile::tempdir().expect("a temp dir");
    copy_fixture(work.path());
    let manifest = work.path().join("vault.toml");

    let mut apply = init.cluster.vaultform(standby, Some(&root), RUN_LIMIT);
    apply
        .arg("-v")
        .arg("-f")
        .arg(&manifest)
        .args(["apply", "--auto-approve"]);
    let r = run(apply, &mut init.outputs);
    assert_eq!(
        r.code,
        0,
        "apply through the standby {} failed: {}\n{}",
        init.cluster.nodes[standby].name,
        r.show(),
        init.cluster.describe()
    );

    // Converged, as seen through the standby and through the leader.
    for (who, node) in [("the standby", standby), ("the leader", leader)] {
        let mut plan = init.cluster.vaultform(node, Some(&root), RUN_LIMIT);
        plan.arg("-f")
            .arg(&manifest)
            .args(["plan", "--detailed-exitcode"]);
        let r = run(plan, &mut init.outputs);
        assert_eq!(
            r.code,
            0,
            "plan --detailed-exitcode through {who} ({}) after the apply: {}",
            init.cluster.nodes[node].name,
            r.show()
        );
        assert!(r.stdout.contains("No changes."), "{}", r.show());
    }

    // What the leader holds.
    let c = &init.cluster;
    let web = read(c, leader, &root, "kv-test/data/web");
    let web = &web["data"]["data"];
    assert_eq!(web["DB_USER"], "web_user");
    assert_eq!(web["DB_PASSWORD"], "fixture-web-db-password");
    assert_eq!(web["DB_HOST"], "web-db");
    assert_eq!(web["SESSION_KEY"].as_str().map(str::len), Some(32), "{web}");
    let worker = read(c, leader, &root, "kv-test/data/worker");
    let worker = &worker["data"]["data"];
    assert_eq!(worker["QUEUE_URL"], "amqp://queue:5672");
    assert_eq!(worker["QUEUE_PASSWORD"], "fixture-worker-queue-password");
    assert_eq!(
        worker["SIGNING_KEY"].as_str().map(str::len),
        Some(48),
        "{worker}"
    );
    for name in ["web-policy", "worker-policy"] {
        let body = read(c, leader, &root, &format!("sys/policies/acl/{name}"));
        let want = fs::read_to_string(work.path().join(format!("policies/{name}.hcl")))
            .expect("the fixture policy");
        assert_eq!(
            body["data"]["policy"].as_str().map(str::trim_end),
            Some(want.trim_end()),
            "policy {name}"
        );
    }
    let role = read(c, leader, &root, "auth/approle/role/web");
    assert_eq!(role["data"]["token_ttl"], 3600);
    assert_eq!(role["data"]["token_policies"], json!(["web-policy"]));
    let role = read(c, leader, &root, "auth/approle/role/worker");
    assert_eq!(role["data"]["token_ttl"], 1800);

    let mut secrets = init.keys.secrets();
    secrets.extend(
        [
            "fixture-web-db-password",
            "fixture-worker-queue-password",
            web["SESSION_KEY"].as_str().unwrap_or("-"),
            worker["SIGNING_KEY"].as_str().unwrap_or("-"),
        ]
        .map(String::from),
    );
    assert_no_leak(&init.outputs, &secrets);
    eprintln!("apply_through_a_standby_converges: {:?}", started.elapsed());
}

#[test]
fn a_first_apply_through_the_leader_converges() {
    // The same fixture, on a raft cluster whose active node is addressed directly: vaultform's own
    // mount and the KV mount are new, and a new KV v2 mount upgrades its storage for a moment.
    let started = Instant::now();
    let mut init = start_and_init();
    let (leader, _) = unseal_joiners(&init);
    let root = init.keys.root_token.clone();
    let work = tempfile::tempdir().expect("a temp dir");
    copy_fixture(work.path());
    let manifest = work.path().join("vault.toml");
    let mut apply = init.cluster.vaultform(leader, Some(&root), RUN_LIMIT);
    apply
        .arg("-f")
        .arg(&manifest)
        .args(["apply", "--auto-approve"]);
    let r = run(apply, &mut init.outputs);
    assert_eq!(
        r.code,
        0,
        "the first apply through the leader failed: {}\n{}",
        r.show(),
        init.cluster.describe()
    );
    let mut plan = init.cluster.vaultform(leader, Some(&root), RUN_LIMIT);
    plan.arg("-f")
        .arg(&manifest)
        .args(["plan", "--detailed-exitcode"]);
    let r = run(plan, &mut init.outputs);
    assert_eq!(r.code, 0, "plan after the apply: {}", r.show());
    let web = read(&init.cluster, leader, &root, "kv-test/data/web");
    assert_eq!(
        web["data"]["data"]["DB_PASSWORD"],
        "fixture-web-db-password"
    );
    let mut secrets = init.keys.secrets();
    secrets.push("fixture-web-db-password".into());
    secrets.push("fixture-worker-queue-password".into());
    assert_no_leak(&init.outputs, &secrets);
    eprintln!(
        "a_first_apply_through_the_leader_converges: {:?}",
        started.elapsed()
    );
}

/// How many services the scale manifest declares: 200, or
/// `VAULTFORM_HA_SERVICES` (the leader-kill test was also run with 1,000).
fn services() -> usize {
    std::env::var("VAULTFORM_HA_SERVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n: &usize| (10..=5000).contains(n))
        .unwrap_or(200)
}

/// Escapes `value` as a TOML basic string (with the quotes).
fn toml_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes a manifest of [`services`] services into `dir`: a KV v2 mount, an approle auth method,
/// and per service a policy file, an approle and a KV secret of literal values. Returns every
/// secret's path under the mount and its exact key/values.
fn write_scale_manifest(dir: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    fs::create_dir_all(dir.join("policies")).expect("a policies dir");
    let mut toml = String::from(
        "# Generated by tests/ha.rs: many services, for an apply long enough to kill a leader in.\n\
         [vaultform]\nname = \"ha-scale\"\n\n\
         [mounts.kv-ha]\ntype = \"kv\"\noptions = { version = \"2\" }\ndescription = \"vaultform HA test\"\n\n\
         [auth.approle]\ntype = \"approle\"\n\n\
         [policies]\ndir = \"policies\"\n",
    );
    let mut secrets = BTreeMap::new();
    for n in 0..services() {
        let name = format!("svc-{n:03}");
        fs::write(
            dir.join(format!("policies/{name}.hcl")),
            format!("path \"kv-ha/data/{name}\" {{\n  capabilities = [\"read\"]\n}}\n"),
        )
        .expect("a policy file");
        let values: BTreeMap<String, String> = [
            ("USER", format!("{name}-user")),
            (
                "PASSWORD",
                format!(
                    "pw-{n:03}-\"quoted\" back\\slash ünïcödé 🔑 tab\there\nnew line <&> 'single' ${{NOT_EXPANDED}} {{\"json\":{n}}} trailing "
                ),
            ),
            (
                "DSN",
                format!("postgres://{name}:p%40ss@db-{n}.internal:5432/{name}?sslmode=disable"),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let _ = write!(
            toml,
            "\n[approles.{name}]\ntoken_policies = [\"{name}\"]\ntoken_ttl = \"1h\"\ntoken_max_ttl = \"4h\"\nsecret_id_ttl = \"1h\"\n\n[secrets.\"kv-ha/{name}\"]\n"
        );
        for (k, v) in &values {
            let _ = writeln!(toml, "{k} = {}", toml_string(v));
        }
        secrets.insert(name, values);
    }
    fs::write(dir.join("vault.toml"), toml).expect("the manifest");
    secrets
}

/// How many ACL policies the node holds besides `default` and `root` (`None` if it cannot say).
fn policy_count(cluster: &RaftCluster, i: usize, token: &str) -> Option<usize> {
    match cluster.request(i, "LIST", "sys/policies/acl", Some(token), None) {
        Ok((200, body)) => body["data"]["keys"]
            .as_array()
            .map(|k| k.iter().filter(|k| *k != "default" && *k != "root").count()),
        _ => None,
    }
}

#[test]
fn a_leader_killed_mid_apply_converges_after_reapply() {
    let started = Instant::now();
    let mut init = start_and_init();
    let root = init.keys.root_token.clone();
    init.cluster.fast_autopilot(0, &root);
    let (leader, standbys) = unseal_joiners(&init);
    // Losing the leader is survivable only with three voters (joiners start as non-voters).
    let voters_from = Instant::now();
    init.cluster
        .wait_for_voters(leader, &root, 3, Duration::from_secs(60));
    eprintln!("3 voters after {:?}", voters_from.elapsed());

    let work = tempfile::tempdir().expect("a temp dir");
    let expected = write_scale_manifest(work.path());
    let manifest = work.path().join("vault.toml");
    let standby = standbys[0];

    // As on any cluster that has been in use for a while, the mounts exist already (made here
    // over HTTP, through the leader, so that only the apply below is vaultform's): the KV mount,
    // the approle method and vaultform's own KV v2 mount. Creating mounts through a standby, and
    // right before using them, is what the other tests look at.
    for (path, body) in [
        (
            "sys/mounts/kv-ha",
            json!({"type": "kv", "options": {"version": "2"}, "description": "vaultform HA test"}),
        ),
        ("sys/auth/approle", json!({"type": "approle"})),
        (
            "sys/mounts/vaultform",
            json!({"type": "kv", "options": {"version": "2"}}),
        ),
    ] {
        let r = init
            .cluster
            .request(leader, "POST", path, Some(&root), Some(&body));
        assert!(
            matches!(r, Ok((200 | 204, _))),
            "POST {path} on the leader: {}",
            brief_answer(&r)
        );
    }
    // ... and both the leader and the standby serve them (a new KV v2 mount upgrades its storage
    // for a moment; a standby's mount table lags the leader's by about a second).
    let serving = Instant::now();
    for (node, mount) in [leader, standby]
        .into_iter()
        .flat_map(|n| [(n, "kv-ha"), (n, "vaultform")])
    {
        loop {
            let r = init.cluster.request(
                node,
                "GET",
                &format!("{mount}/data/not-there"),
                Some(&root),
                None,
            );
            if matches!(&r, Ok((404, body)) if body["errors"] == json!([])) {
                break;
            }
            if serving.elapsed() >= Duration::from_secs(20) {
                panic!(
                    "{} does not serve {mount}/ after 20 s: {}",
                    init.cluster.nodes[node].name,
                    brief_answer(&r)
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    // The apply, through a standby, in the background.
    let (out, err) = (
        work.path().join("apply-1.out"),
        work.path().join("apply-1.err"),
    );
    let mut cmd = init
        .cluster
        .vaultform_background(standby, &root, &out, &err);
    cmd.arg("-v")
        .arg("-f")
        .arg(&manifest)
        .args(["apply", "--auto-approve"]);
    let apply_started = Instant::now();
    let mut apply = cmd.spawn().expect("vaultform starts");

    // Kill the leader once the apply is writing (policies appear), at the earliest after 0.5 s.
    let written_at_kill;
    let kill_deadline = Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = apply.try_wait() {
            panic!(
                "the apply finished ({status}) after {:?}, before the leader could be killed: make the manifest larger\n--- stderr ---\n{}",
                apply_started.elapsed(),
                fs::read_to_string(&err).unwrap_or_default()
            );
        }
        let count = policy_count(&init.cluster, leader, &root);
        if apply_started.elapsed() >= Duration::from_millis(500) && count.unwrap_or(0) >= 5 {
            written_at_kill = count;
            break;
        }
        if apply_started.elapsed() >= kill_deadline {
            let _ = apply.kill();
            let _ = apply.wait();
            panic!(
                "the apply wrote no policy within {kill_deadline:?}\n--- stderr ---\n{}\n{}",
                fs::read_to_string(&err).unwrap_or_default(),
                init.cluster.describe()
            );
        }
        thread::sleep(Duration::from_millis(25));
    }
    let old_leader_name = init.cluster.nodes[leader].name.clone();
    init.cluster.kill(leader);
    let killed_at = apply_started.elapsed();
    eprintln!(
        "SIGKILLed the leader {old_leader_name} ({}) {killed_at:?} into the apply through {} ({}); {written_at_kill:?} of {} policies written",
        init.cluster.addr(leader),
        init.cluster.nodes[standby].name,
        init.cluster.addr(standby),
        services(),
    );

    // A new leader among the survivors.
    let failover = Instant::now();
    let (new_leader, _) = init.cluster.wait_for_roles(Duration::from_secs(30));
    eprintln!(
        "new leader {} after {:?}",
        init.cluster.nodes[new_leader].name,
        failover.elapsed()
    );

    // The first apply ends on its own (bounded).
    let first = loop {
        if let Ok(Some(status)) = apply.try_wait() {
            break status;
        }
        if apply_started.elapsed() >= RUN_LIMIT {
            let _ = apply.kill();
            let _ = apply.wait();
            panic!(
                "the apply interrupted by the leader's death did not end within {RUN_LIMIT:?}\n--- stderr ---\n{}",
                fs::read_to_string(&err).unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(50));
    };
    let first_out = fs::read_to_string(&out).unwrap_or_default();
    let first_err = fs::read_to_string(&err).unwrap_or_default();
    eprintln!(
        "the interrupted apply ended after {:?} with {first}\n--- stderr (tail) ---\n{}",
        apply_started.elapsed(),
        tail(&first_err, 30)
    );
    init.outputs.push(first_out);
    init.outputs.push(first_err);

    // Apply again (through the same node) until it succeeds: at most 4 runs.
    let mut runs = Vec::new();
    for attempt in 1..=4 {
        let mut cmd = init.cluster.vaultform(standby, Some(&root), RUN_LIMIT);
        cmd.arg("-v").arg("-f").arg(&manifest).args([
            "apply",
            "--auto-approve",
            "--lock-timeout",
            "90s",
        ]);
        let r = run(cmd, &mut init.outputs);
        eprintln!(
            "re-apply #{attempt}: exit {} after {:?}\n{}",
            r.code,
            r.took,
            tail(&r.stderr, 15)
        );
        let ok = r.code == 0;
        runs.push(r);
        if ok {
            break;
        }
        thread::sleep(Duration::from_secs(1));
    }
    let last = runs.last().expect("one run at least");
    assert_eq!(
        last.code,
        0,
        "no re-apply succeeded in {} runs; the last: {}\n{}",
        runs.len(),
        last.show(),
        init.cluster.describe()
    );

    // Converged, seen from the new leader.
    let mut plan = init.cluster.vaultform(new_leader, Some(&root), RUN_LIMIT);
    plan.arg("-f")
        .arg(&manifest)
        .args(["plan", "--detailed-exitcode"]);
    let r = run(plan, &mut init.outputs);
    assert_eq!(
        r.code,
        0,
        "plan --detailed-exitcode against the new leader: {}",
        r.show()
    );

    // Every secret byte-exact, every policy and role there, read from the new leader.
    let c = &init.cluster;
    let mut wrong = Vec::new();
    for (name, values) in &expected {
        let body = read(c, new_leader, &root, &format!("kv-ha/data/{name}"));
        let got: BTreeMap<String, String> = serde_json::from_value(body["data"]["data"].clone())
            .unwrap_or_else(|e| panic!("kv-ha/{name}: data is not a map of strings ({e}): {body}"));
        if &got != values {
            wrong.push(name.clone());
        }
        let policy = read(c, new_leader, &root, &format!("sys/policies/acl/{name}"));
        assert_eq!(
            policy["data"]["policy"].as_str().map(str::trim_end),
            Some(
                format!("path \"kv-ha/data/{name}\" {{\n  capabilities = [\"read\"]\n}}").as_str()
            ),
            "policy {name}"
        );
        let role = read(c, new_leader, &root, &format!("auth/approle/role/{name}"));
        assert_eq!(role["data"]["token_policies"], json!([name]), "role {name}");
    }
    assert!(
        wrong.is_empty(),
        "{} of {} secrets differ from the manifest: {wrong:?}",
        wrong.len(),
        services()
    );
    let passwords: Vec<String> = expected
        .values()
        .map(|v| v["PASSWORD"].clone())
        .chain(init.keys.secrets())
        .collect();
    assert_no_leak(&init.outputs, &passwords);
    eprintln!(
        "a_leader_killed_mid_apply_converges_after_reapply: {:?}",
        started.elapsed()
    );
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Records node `i`'s seal-status every 25 ms (changes only) until `stop` is set, at most 90 s.
fn watch_seal_status(cluster: &RaftCluster, i: usize, stop: &AtomicBool, log: &Mutex<Vec<String>>) {
    let started = Instant::now();
    let mut last = String::new();
    while !stop.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(90) {
        let seen = brief_answer(&cluster.seal_status(i));
        if seen != last {
            log.lock()
                .expect("the log lock")
                .push(format!("{:>6} ms {seen}", started.elapsed().as_millis()));
            last = seen;
        }
        thread::sleep(Duration::from_millis(25));
    }
}

/// What `vaultform operator unseal` does, step by step over HTTP, with seal-status read before
/// and after each `POST sys/unseal`: the server's answers, for the record. Sends the keys file's
/// hex keys in order until an answer says `sealed: false` (every key at most once).
fn replay_unseal(cluster: &RaftCluster, i: usize, keys: &Keys) -> String {
    let started = Instant::now();
    let ms = || started.elapsed().as_millis();
    let mut log = format!("replay on {}:", cluster.nodes[i].name);
    let _ = write!(
        log,
        "\n  {:>6} ms seal-status {}",
        ms(),
        brief_answer(&cluster.seal_status(i))
    );
    for (k, key) in keys.hex.iter().enumerate() {
        let r = cluster.request(i, "POST", "sys/unseal", None, Some(&json!({ "key": key })));
        let _ = write!(
            log,
            "\n  {:>6} ms POST sys/unseal key #{} -> {}",
            ms(),
            k + 1,
            brief_answer(&r)
        );
        let _ = write!(
            log,
            "\n  {:>6} ms seal-status {}",
            ms(),
            brief_answer(&cluster.seal_status(i))
        );
        match r {
            Ok((200, body)) if body["sealed"] == false => break,
            Ok((200, _)) => {}
            _ => break,
        }
    }
    let mut last = String::new();
    while started.elapsed() < Duration::from_secs(20) {
        let health = cluster.health(i);
        let h = format!("{health:?}");
        if h != last {
            let _ = write!(log, "\n  {:>6} ms health {h}", ms());
            last = h;
        }
        if matches!(health, Ok(200 | 429)) {
            break;
        }
        thread::sleep(Duration::from_millis(50));
    }
    log
}

#[test]
fn operator_unseal_on_a_joining_node() {
    let started = Instant::now();
    let mut init = start_and_init();
    let joiner = 1;
    let name = init.cluster.nodes[joiner].name.clone();

    // Unsealing is possible only once the joiner has learnt the seal config from the leader.
    let wait = Instant::now();
    let before = loop {
        if let Ok((200, body)) = init.cluster.seal_status(joiner)
            && body["initialized"] == true
            && body["n"].as_u64().unwrap_or(0) > 0
        {
            break body;
        }
        if wait.elapsed() >= UNSEAL_DEADLINE {
            panic!(
                "{name} never learnt the seal config: {}\n{}",
                brief_answer(&init.cluster.seal_status(joiner)),
                init.cluster.describe()
            );
        }
        thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(before["sealed"], true, "{before}");
    assert_eq!(mode(&init.keys_file), 0o600);

    // `vaultform operator unseal --keys-file` against the joiner, its seal-status watched meanwhile.
    let stop = AtomicBool::new(false);
    let watched = Mutex::new(Vec::new());
    let mut cmd = init.cluster.vaultform(joiner, None, RUN_LIMIT);
    cmd.arg("-vv")
        .args(["operator", "unseal", "--keys-file", s(&init.keys_file)]);
    let r = thread::scope(|scope| {
        let cluster = &init.cluster;
        let (stop, watched) = (&stop, &watched);
        scope.spawn(move || watch_seal_status(cluster, joiner, stop, watched));
        let r = run(cmd, &mut init.outputs);
        // A moment more of watching: the joiner turns standby after the call that joins it.
        let until = Instant::now() + Duration::from_secs(15);
        while Instant::now() < until && !matches!(cluster.health(joiner), Ok(200 | 429)) {
            thread::sleep(Duration::from_millis(50));
        }
        stop.store(true, Ordering::SeqCst);
        r
    });
    let health_after = init.cluster.health(joiner);
    let status_after = brief_answer(&init.cluster.seal_status(joiner));
    let watched = watched.lock().expect("the log lock").join("\n  ");

    // The other joiner, step by step over HTTP, the same way: what the server answers.
    let replay = replay_unseal(&init.cluster, 2, &init.keys);
    let evidence = format!(
        "vaultform operator unseal on {name}: {}\n\
         seal-status before: {}\n\
         seal-status of {name} while it ran (changes, polled every 25 ms):\n  {watched}\n\
         health after: {health_after:?}; seal-status after: {status_after}\n\n{replay}",
        r.show(),
        brief_seal_status(&before),
    );
    eprintln!("{evidence}");
    assert_no_leak(&init.outputs, &init.keys.secrets());
    assert_eq!(r.code, 0, "{evidence}\n{}", init.cluster.describe());
    assert!(
        matches!(health_after, Ok(429 | 200)),
        "{name} is not unsealed:\n{evidence}\n{}",
        init.cluster.describe()
    );
    assert!(r.stdout.contains("Unsealed"), "{evidence}");
    // And the cluster settles: one active node, both joiners standbys.
    let (active, standbys) = init.cluster.wait_for_roles(ROLES_DEADLINE);
    assert_eq!(active, 0, "node1 stays the active node");
    assert_eq!(standbys.len(), 2);
    eprintln!("operator_unseal_on_a_joining_node: {:?}", started.elapsed());
}
