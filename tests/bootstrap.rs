//! `operator init`, `operator unseal` and `bootstrap` against real, non-dev OpenBao servers with
//! on-disk (pebbledb) storage: from uninitialised to configured, restarts, refusals that change
//! nothing, age-encrypted keys files and keys on stdin.
//!
//! Every test collects the stdout and stderr of every command in a [`Workspace`], whose `Drop`
//! checks that no unseal key (hex or base64), no root token and no fixture secret appears in any.

mod common;

use common::server::{BaoServer, vaultform_at};
use common::workspace::{Run, Workspace};
use serde_json::Value;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Runs `vaultform -f <workspace manifest> ARGS` against `bao` (with `stdin` if given) and records
/// its outputs in `ws`.
fn run(ws: &mut Workspace, bao: &BaoServer, args: &[&str], stdin: Option<String>) -> Run {
    let cmd = vf(bao, ws, args);
    run_cmd(ws, cmd, stdin)
}

/// Runs `cmd` (with `stdin` if given) and records its outputs in `ws`.
fn run_cmd(ws: &mut Workspace, mut cmd: assert_cmd::Command, stdin: Option<String>) -> Run {
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    ws.record(cmd)
}

/// `vaultform -f <workspace manifest> ARGS` aimed at `bao`, without a token.
fn vf(bao: &BaoServer, ws: &Workspace, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = vaultform_at(bao);
    cmd.arg("-f").arg(ws.manifest()).args(args);
    cmd
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// What a keys file holds, as plain text for assertions.
struct Keys {
    hex: Vec<String>,
    base64: Vec<String>,
    root_token: String,
}

impl Keys {
    fn parse(json: &[u8]) -> Keys {
        let v: Value = serde_json::from_slice(json).unwrap();
        let list = |field: &str| -> Vec<String> {
            v[field]
                .as_array()
                .unwrap_or_else(|| panic!("no {field}"))
                .iter()
                .map(|k| k.as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(v["version"], 1);
        let keys = Keys {
            hex: list("keys_hex"),
            base64: list("keys_base64"),
            root_token: v["root_token"].as_str().unwrap().to_string(),
        };
        assert_eq!(keys.hex.len(), v["shares"].as_u64().unwrap() as usize);
        assert_eq!(keys.base64.len(), keys.hex.len());
        assert!(v["threshold"].as_u64().unwrap() >= 1);
        assert!(
            v["vault_addr"]
                .as_str()
                .unwrap()
                .starts_with("http://127.0.0.1:")
        );
        assert!(v["created_unix"].as_u64().unwrap() > 1_600_000_000);
        keys
    }

    fn read(path: &Path) -> Keys {
        Keys::parse(&fs::read(path).unwrap())
    }

    /// Registers every key and the token as values no output may contain.
    fn forbid_in(&self, ws: &mut Workspace) {
        ws.secrets.extend(self.hex.iter().cloned());
        ws.secrets.extend(self.base64.iter().cloned());
        ws.secrets.push(self.root_token.clone());
    }
}

/// A temp dir for keys files, away from the server's data and the manifest.
fn key_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("vaultform-keys-")
        .tempdir()
        .unwrap()
}

fn assert_ok(r: &Run, what: &str) {
    assert_eq!(
        r.code, 0,
        "{what} failed:\n--- stdout ---\n{}\n--- stderr ---\n{}",
        r.stdout, r.stderr
    );
}

fn assert_fails(r: &Run, what: &str) {
    assert_eq!(
        r.code, 1,
        "{what} should fail:\n--- stdout ---\n{}\n--- stderr ---\n{}",
        r.stdout, r.stderr
    );
}

#[test]
fn bootstrap_configures_a_fresh_server_and_unseals_it_after_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let mut bao = BaoServer::start(&data.path().join("storage"));
    assert_eq!(bao.health(), 501, "a fresh server is uninitialised");
    let mut ws = Workspace::new();
    let dir = key_dir();
    let keys_file = dir.path().join("keys.json");

    let r = run(
        &mut ws,
        &bao,
        &["bootstrap", "--keys-file", s(&keys_file)],
        None,
    );
    assert_ok(&r, "first bootstrap");
    assert_eq!(mode(&keys_file), 0o600);
    let keys = Keys::read(&keys_file);
    keys.forbid_in(&mut ws);
    assert_eq!((keys.hex.len(), keys.base64.len()), (5, 5));
    assert!(
        r.stderr.contains("5 key shares and a threshold of 3"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("Never commit"), "{}", r.stderr);
    assert!(r.stderr.contains("Unsealed"), "{}", r.stderr);
    assert!(r.stdout.contains("Apply complete"), "{}", r.stdout);

    // What the server holds.
    assert_eq!(bao.health(), 200);
    let status = bao.seal_status();
    assert_eq!(
        (status["t"].as_u64(), status["n"].as_u64()),
        (Some(3), Some(5))
    );
    let token = keys.root_token.clone();
    let (_, mounts) = bao.get("sys/mounts", &token);
    assert_eq!(mounts["data"]["kv-test/"]["type"], "kv", "{mounts}");
    let (_, auths) = bao.get("sys/auth", &token);
    assert_eq!(auths["data"]["approle/"]["type"], "approle", "{auths}");
    let (status, web) = bao.get("kv-test/data/web", &token);
    assert_eq!(status, 200, "{web}");
    assert_eq!(
        web["data"]["data"]["DB_PASSWORD"],
        "fixture-web-db-password"
    );
    ws.remember_server_secrets_with(&bao, &token, "kv-test/data/web");
    ws.remember_server_secrets_with(&bao, &token, "kv-test/data/worker");

    // Converged.
    let mut plan = vf(&bao, &ws, &["plan", "--detailed-exitcode"]);
    plan.env("VAULT_TOKEN", &token);
    let r = run_cmd(&mut ws, plan, None);
    assert_ok(&r, "plan after bootstrap");
    assert!(r.stdout.contains("No changes."), "{}", r.stdout);

    // A restart seals it; bootstrap unseals it and finds nothing to do.
    bao.restart();
    assert_eq!(bao.health(), 503, "a restarted server is sealed");
    let r = run(
        &mut ws,
        &bao,
        &["bootstrap", "--keys-file", s(&keys_file)],
        None,
    );
    assert_ok(&r, "bootstrap after restart");
    assert!(r.stderr.contains("Unsealed"), "{}", r.stderr);
    assert!(r.stdout.contains("No changes."), "{}", r.stdout);
    assert_eq!(bao.health(), 200);
    let (_, web) = bao.get("kv-test/data/web", &token);
    assert_eq!(
        web["data"]["data"]["DB_PASSWORD"],
        "fixture-web-db-password"
    );

    // On a running, unsealed server it only applies (here reporting in JSON).
    let r = run(
        &mut ws,
        &bao,
        &[
            "bootstrap",
            "--keys-file",
            s(&keys_file),
            "--format",
            "json",
        ],
        None,
    );
    assert_ok(&r, "bootstrap on an unsealed server");
    assert!(r.stderr.contains("already unsealed"), "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["format_version"], 1, "{doc}");
    assert_eq!(doc["plan"]["changes"], serde_json::json!([]), "{doc}");
    assert_eq!(
        Keys::read(&keys_file).root_token,
        token,
        "keys file untouched"
    );
}

#[test]
fn bootstrap_waits_for_a_server_that_is_not_up_yet() {
    let data = tempfile::tempdir().unwrap();
    let mut bao = BaoServer::start(&data.path().join("storage"));
    bao.stop();
    let port = bao.port();
    let mut ws = Workspace::new();
    let dir = key_dir();
    let keys_file = dir.path().join("keys.json");

    // bootstrap starts while nothing listens (connection refused), the server comes up later.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_vaultform"));
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("VAULT_") || k.starts_with("BAO_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env("NO_COLOR", "1")
        .env("HOME", bao.fresh_home())
        .env("VAULT_ADDR", bao.addr())
        .arg("-f")
        .arg(ws.manifest())
        .args(["bootstrap", "--keys-file", s(&keys_file), "--wait", "60s"]);
    let waiting = std::thread::spawn(move || cmd.output().unwrap());
    std::thread::sleep(std::time::Duration::from_millis(1500));
    bao.restart();
    assert_eq!(bao.port(), port, "the server came back on another port");
    let out = waiting.join().unwrap();
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    ws.outputs.push(r.stdout.clone());
    ws.outputs.push(r.stderr.clone());
    assert_ok(&r, "bootstrap started before the server");
    assert!(r.stderr.contains("waiting for Vault"), "{}", r.stderr);
    assert!(r.stdout.contains("Apply complete"), "{}", r.stdout);
    Keys::read(&keys_file).forbid_in(&mut ws);
    assert_eq!(bao.health(), 200);
}

#[test]
fn bootstrap_gives_up_when_no_server_answers_in_time() {
    let mut ws = Workspace::new();
    let dir = key_dir();
    let keys_file = dir.path().join("keys.json");
    // Port 9 (discard) is privileged, so no test server ever listens there.
    let mut cmd = common::offline_vaultform_cmd(dir.path());
    cmd.arg("-f").arg(ws.manifest()).args([
        "bootstrap",
        "--keys-file",
        s(&keys_file),
        "--wait",
        "2s",
    ]);
    let started = std::time::Instant::now();
    let r = run_cmd(&mut ws, cmd, None);
    assert_fails(&r, "bootstrap without a server");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(
        r.stderr.contains("did not answer within 2s"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("server_not_ready"), "{}", r.stderr);
    assert!(r.stderr.contains("waiting for Vault"), "{}", r.stderr);
    assert!(!keys_file.exists());
}

#[test]
fn init_refuses_an_existing_keys_file_and_leaves_the_server_uninitialised() {
    let data = tempfile::tempdir().unwrap();
    let bao = BaoServer::start(&data.path().join("storage"));
    let mut ws = Workspace::new();
    let dir = key_dir();

    let keys_file = dir.path().join("keys.json");
    fs::write(&keys_file, "an older keys file\n").unwrap();
    chmod(&keys_file, 0o600);
    let r = run(
        &mut ws,
        &bao,
        &["operator", "init", "--keys-file", s(&keys_file)],
        None,
    );
    assert_fails(&r, "init over an existing keys file");
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    assert!(r.stderr.contains("keys_file_exists"), "{}", r.stderr);
    assert_eq!(
        fs::read_to_string(&keys_file).unwrap(),
        "an older keys file\n"
    );
    assert_eq!(bao.seal_status()["initialized"], false);
    assert_eq!(bao.health(), 501);

    // Nor does a keys file that cannot be created, or a bad recipient.
    let nowhere = dir.path().join("missing-dir/keys.json");
    let r = run(
        &mut ws,
        &bao,
        &["operator", "init", "--keys-file", s(&nowhere)],
        None,
    );
    assert_fails(&r, "init into a missing directory");
    assert!(r.stderr.contains("keys_file_create"), "{}", r.stderr);
    let fresh = dir.path().join("fresh.json");
    let r = run(
        &mut ws,
        &bao,
        &[
            "operator",
            "init",
            "--keys-file",
            s(&fresh),
            "--recipient",
            "age1notarecipient",
        ],
        None,
    );
    assert_fails(&r, "init with a bad recipient");
    assert!(r.stderr.contains("invalid_recipient"), "{}", r.stderr);
    assert!(!fresh.exists());
    // Nor do impossible share settings.
    let r = run(
        &mut ws,
        &bao,
        &[
            "operator",
            "init",
            "--keys-file",
            s(&fresh),
            "--key-shares",
            "3",
            "--key-threshold",
            "4",
        ],
        None,
    );
    assert_fails(&r, "init with threshold > shares");
    assert!(r.stderr.contains("invalid_shares"), "{}", r.stderr);
    assert!(!fresh.exists());
    assert_eq!(bao.seal_status()["initialized"], false);

    // Unseal of an uninitialised server says what to do instead.
    let r = run(
        &mut ws,
        &bao,
        &["operator", "unseal", "--keys-stdin"],
        Some("00\n".into()),
    );
    assert_fails(&r, "unseal of an uninitialised server");
    assert!(r.stderr.contains("not_initialized"), "{}", r.stderr);
}

#[test]
fn unseal_refuses_a_keys_file_others_can_read() {
    let data = tempfile::tempdir().unwrap();
    let bao = BaoServer::start(&data.path().join("storage"));
    let mut ws = Workspace::new();
    let dir = key_dir();
    let keys_file = dir.path().join("keys.json");

    let r = run(
        &mut ws,
        &bao,
        &["operator", "init", "--keys-file", s(&keys_file)],
        None,
    );
    assert_ok(&r, "init");
    let keys = Keys::read(&keys_file);
    keys.forbid_in(&mut ws);
    assert_eq!(mode(&keys_file), 0o600);
    assert!(r.stdout.contains(s(&keys_file)), "{}", r.stdout);
    assert!(r.stdout.contains("threshold of 3"), "{}", r.stdout);
    assert!(r.stdout.contains("off this machine"), "{}", r.stdout);
    assert!(r.stdout.contains("Never commit"), "{}", r.stdout);
    assert_eq!(bao.health(), 503, "initialised and sealed");
    let written = fs::read(&keys_file).unwrap();

    // Init again: says so, writes nothing, exit 0.
    let again = dir.path().join("again.json");
    let r = run(
        &mut ws,
        &bao,
        &["operator", "init", "--keys-file", s(&again)],
        None,
    );
    assert_ok(&r, "init of an initialised server");
    assert!(r.stdout.contains("already initialised"), "{}", r.stdout);
    assert!(!again.exists());
    assert_eq!(fs::read(&keys_file).unwrap(), written);

    chmod(&keys_file, 0o644);
    let r = run(
        &mut ws,
        &bao,
        &["operator", "unseal", "--keys-file", s(&keys_file)],
        None,
    );
    assert_fails(&r, "unseal with a 0644 keys file");
    assert!(r.stderr.contains("keys_file_permissions"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("chmod 600 {}", s(&keys_file))),
        "{}",
        r.stderr
    );
    assert_eq!(bao.health(), 503, "still sealed");
    assert_eq!(bao.seal_status()["progress"], 0);

    chmod(&keys_file, 0o600);
    let r = run(
        &mut ws,
        &bao,
        &["operator", "unseal", "--keys-file", s(&keys_file)],
        None,
    );
    assert_ok(&r, "unseal");
    assert!(r.stdout.contains("Unsealed"), "{}", r.stdout);
    assert_eq!(bao.health(), 200);

    let r = run(
        &mut ws,
        &bao,
        &["operator", "unseal", "--keys-file", s(&keys_file)],
        None,
    );
    assert_ok(&r, "unseal of an unsealed server");
    assert!(r.stdout.contains("already unsealed"), "{}", r.stdout);
}

#[test]
fn age_encrypted_keys_file_round_trip() {
    use age::secrecy::ExposeSecret;
    let data = tempfile::tempdir().unwrap();
    let mut bao = BaoServer::start(&data.path().join("storage"));
    let mut ws = Workspace::new();
    let dir = key_dir();
    let keys_file = dir.path().join("keys.json.age");
    let identity = age::x25519::Identity::generate();
    let identity_file = dir.path().join("identity.txt");
    let identity_text = identity.to_string().expose_secret().to_string();
    fs::write(&identity_file, format!("{identity_text}\n")).unwrap();
    chmod(&identity_file, 0o600);
    ws.secrets.push(identity_text);
    let recipient = identity.to_public().to_string();

    let r = run(
        &mut ws,
        &bao,
        &[
            "operator",
            "init",
            "--keys-file",
            s(&keys_file),
            "--recipient",
            &recipient,
        ],
        None,
    );
    assert_ok(&r, "init --recipient");
    assert!(
        r.stdout.contains("age-encrypted to 1 recipient"),
        "{}",
        r.stdout
    );
    assert_eq!(mode(&keys_file), 0o600);
    let bytes = fs::read(&keys_file).unwrap();
    assert!(
        String::from_utf8_lossy(&bytes).starts_with("-----BEGIN AGE ENCRYPTED FILE-----"),
        "armored"
    );
    assert!(serde_json::from_slice::<Value>(&bytes).is_err(), "not JSON");
    let keys = Keys::parse(&age::decrypt(&identity, &bytes).unwrap());
    keys.forbid_in(&mut ws);
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(&keys.root_token) && !text.contains(&keys.hex[0]));

    // Without the identity: a clear refusal.
    let r = run(
        &mut ws,
        &bao,
        &["operator", "unseal", "--keys-file", s(&keys_file)],
        None,
    );
    assert_fails(&r, "unseal of an encrypted file without --identity");
    assert!(r.stderr.contains("--identity"), "{}", r.stderr);

    // An identity file others can read is refused too.
    chmod(&identity_file, 0o644);
    let unseal = [
        "operator",
        "unseal",
        "--keys-file",
        s(&keys_file),
        "--identity",
        s(&identity_file),
    ];
    let r = run(&mut ws, &bao, &unseal, None);
    assert_fails(&r, "unseal with a 0644 identity");
    assert!(r.stderr.contains("identity_permissions"), "{}", r.stderr);
    assert_eq!(bao.health(), 503);

    // Another identity does not decrypt it.
    let other = dir.path().join("other.txt");
    let other_identity = age::x25519::Identity::generate();
    fs::write(&other, other_identity.to_string().expose_secret()).unwrap();
    chmod(&other, 0o600);
    let r = run(
        &mut ws,
        &bao,
        &[
            "operator",
            "unseal",
            "--keys-file",
            s(&keys_file),
            "--identity",
            s(&other),
        ],
        None,
    );
    assert_fails(&r, "unseal with the wrong identity");
    assert!(r.stderr.contains("keys_file_decrypt"), "{}", r.stderr);

    chmod(&identity_file, 0o600);
    let r = run(&mut ws, &bao, &unseal, None);
    assert_ok(&r, "unseal --identity");
    assert_eq!(bao.health(), 200);

    // bootstrap after a restart decrypts the file for the keys and the root token.
    bao.restart();
    assert_eq!(bao.health(), 503);
    let r = run(
        &mut ws,
        &bao,
        &[
            "bootstrap",
            "--keys-file",
            s(&keys_file),
            "--identity",
            s(&identity_file),
        ],
        None,
    );
    assert_ok(&r, "bootstrap with an encrypted keys file");
    assert!(r.stdout.contains("Apply complete"), "{}", r.stdout);
    let (_, mounts) = bao.get("sys/mounts", &keys.root_token);
    assert_eq!(mounts["data"]["kv-test/"]["type"], "kv", "{mounts}");
    ws.remember_server_secrets_with(&bao, &keys.root_token, "kv-test/data/web");
    ws.remember_server_secrets_with(&bao, &keys.root_token, "kv-test/data/worker");
}

#[test]
fn unseal_takes_keys_from_stdin_and_names_wrong_ones() {
    let data = tempfile::tempdir().unwrap();
    let bao = BaoServer::start(&data.path().join("storage"));
    let mut ws = Workspace::new();
    let dir = key_dir();
    let keys_file = dir.path().join("keys.json");
    let r = run(
        &mut ws,
        &bao,
        &["operator", "init", "--keys-file", s(&keys_file)],
        None,
    );
    assert_ok(&r, "init");
    let keys = Keys::read(&keys_file);
    keys.forbid_in(&mut ws);
    let unseal = ["operator", "unseal", "--keys-stdin"];

    // Too few keys: refused before any is sent.
    let two = format!("{}\n{}\n", keys.hex[0], keys.hex[1]);
    let r = run(&mut ws, &bao, &unseal, Some(two));
    assert_fails(&r, "unseal with two keys");
    assert!(r.stderr.contains("not_enough_keys"), "{}", r.stderr);
    assert_eq!(bao.seal_status()["progress"], 0);

    // The same key twice counts once: refused before any is sent...
    let twice = format!("{}\n{}\n{}\n", keys.hex[0], keys.hex[1], keys.hex[0]);
    let r = run(&mut ws, &bao, &unseal, Some(twice));
    assert_fails(&r, "unseal with a key given twice");
    assert!(
        r.stderr.contains("2 different unseal key(s)"),
        "{}",
        r.stderr
    );
    assert_eq!(bao.seal_status()["progress"], 0);
    // ...and as hex and base64 the server notices it.
    let both = format!("{}\n{}\n{}\n", keys.hex[0], keys.base64[0], keys.hex[1]);
    let r = run(&mut ws, &bao, &unseal, Some(both));
    assert_fails(&r, "unseal with one key as hex and base64");
    assert!(r.stderr.contains("duplicate_keys"), "{}", r.stderr);
    assert_eq!(bao.health(), 503);

    // Well-formed keys of another server: refused at the threshold.
    let wrong: String = (1..=3)
        .map(|i| format!("{}\n", format!("{i:02x}").repeat(33)))
        .collect();
    let r = run(&mut ws, &bao, &unseal, Some(wrong));
    assert_fails(&r, "unseal with wrong keys");
    assert!(r.stderr.contains("wrong_keys"), "{}", r.stderr);
    assert!(
        r.stderr.contains("does not belong to this server"),
        "{}",
        r.stderr
    );
    assert_eq!(bao.health(), 503);

    // No keys at all.
    let r = run(&mut ws, &bao, &unseal, Some("\n".into()));
    assert_fails(&r, "unseal with empty stdin");
    assert!(r.stderr.contains("no_keys_on_stdin"), "{}", r.stderr);

    // Real keys, hex and base64 mixed, with a blank line.
    let input = format!("{}\n\n{}\n{}\n", keys.hex[4], keys.base64[2], keys.hex[0]);
    let r = run(&mut ws, &bao, &unseal, Some(input));
    assert_ok(&r, "unseal --keys-stdin");
    assert!(r.stdout.contains("Unsealed"), "{}", r.stdout);
    assert_eq!(bao.health(), 200);
}

/// Values the server generated, read with a given token (the workspace helper uses a dev server).
trait RememberWith {
    fn remember_server_secrets_with(&mut self, bao: &BaoServer, token: &str, path: &str);
}

impl RememberWith for Workspace {
    fn remember_server_secrets_with(&mut self, bao: &BaoServer, token: &str, path: &str) {
        let (_, body) = bao.get(path, token);
        let values = body["data"]["data"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for v in values.values() {
            if let Some(s) = v.as_str()
                && s.len() >= 8
            {
                self.secrets.push(s.to_string());
            }
        }
    }
}

/// Logs in like a service does with delivered files; returns the token if it worked.
fn service_login(bao: &BaoServer, dir: &Path) -> Option<String> {
    let role_id = fs::read_to_string(dir.join("role_id"))
        .unwrap()
        .trim()
        .to_string();
    let secret_id = fs::read_to_string(dir.join("secret_id"))
        .unwrap()
        .trim()
        .to_string();
    let body = serde_json::json!({"role_id": role_id, "secret_id": secret_id});
    let (status, resp) = bao.request("POST", "auth/approle/login", None, Some(&body));
    (status == 200).then(|| resp["auth"]["client_token"].as_str().unwrap().to_string())
}

#[test]
fn bootstrap_delivers_credentials_a_service_logs_in_with_and_rotation_replaces_them() {
    let data = tempfile::tempdir().unwrap();
    let bao = BaoServer::start(&data.path().join("storage"));
    let mut ws = Workspace::new();
    let creds = ws.path("approle/web");
    ws.edit("vault.toml", |t| {
        t.replacen(
            "[approles.web]\n",
            &format!(
                "[approles.web]\ncredentials_dir = \"{}\"\n",
                creds.display()
            ),
            1,
        )
    });
    let dir = key_dir();
    let keys_file = dir.path().join("keys.json");
    let r = run(
        &mut ws,
        &bao,
        &["bootstrap", "--keys-file", s(&keys_file)],
        None,
    );
    assert_ok(&r, "bootstrap");
    let keys = Keys::read(&keys_file);
    keys.forbid_in(&mut ws);
    let root = keys.root_token.clone();
    ws.remember_server_secrets_with(&bao, &root, "kv-test/data/web");
    ws.remember_server_secrets_with(&bao, &root, "kv-test/data/worker");
    assert_eq!(mode(&creds.join("role_id")), 0o600);
    assert_eq!(mode(&creds.join("secret_id")), 0o600);
    assert_eq!(mode(&creds), 0o700);
    let first_secret = fs::read_to_string(creds.join("secret_id"))
        .unwrap()
        .trim()
        .to_string();
    ws.secrets.push(first_secret);

    // The service logs in and reads only what its policy allows.
    let token = service_login(&bao, &creds).expect("delivered credentials log in");
    ws.secrets.push(token.clone());
    assert_eq!(bao.get("kv-test/data/web", &token).0, 200);
    assert_eq!(bao.get("kv-test/data/worker", &token).0, 403);
    assert_eq!(bao.get("sys/mounts", &token).0, 403);

    // Rotation: the old secret ID stops working, the new one works.
    let old = fs::read_to_string(creds.join("secret_id"))
        .unwrap()
        .trim()
        .to_string();
    let mut rotate = vf(&bao, &ws, &["rotate", "secret-id", "web"]);
    rotate.env("VAULT_TOKEN", &root);
    let r = run_cmd(&mut ws, rotate, None);
    assert_ok(&r, "rotate secret-id");
    let new = fs::read_to_string(creds.join("secret_id"))
        .unwrap()
        .trim()
        .to_string();
    ws.secrets.push(new.clone());
    assert_ne!(old, new);
    assert!(
        service_login(&bao, &creds).is_some(),
        "the new secret ID works"
    );
    let role_id = fs::read_to_string(creds.join("role_id"))
        .unwrap()
        .trim()
        .to_string();
    let body = serde_json::json!({"role_id": role_id, "secret_id": old});
    assert_eq!(
        bao.request("POST", "auth/approle/login", None, Some(&body))
            .0,
        400,
        "the old one is destroyed"
    );

    // Bootstrap again leaves valid credentials alone.
    let r = run(
        &mut ws,
        &bao,
        &["bootstrap", "--keys-file", s(&keys_file)],
        None,
    );
    assert_ok(&r, "second bootstrap");
    assert!(r.stdout.contains("No changes."), "{}", r.stdout);
    assert_eq!(
        fs::read_to_string(creds.join("secret_id")).unwrap().trim(),
        new
    );
}

#[test]
fn init_and_unseal_report_in_json_without_a_key() {
    let data = tempfile::tempdir().unwrap();
    let bao = BaoServer::start(&data.path().join("storage"));
    let mut ws = Workspace::new();
    let dir = key_dir();
    let keys_file = dir.path().join("keys.json");
    let init = [
        "operator",
        "init",
        "--format",
        "json",
        "--key-shares",
        "3",
        "--key-threshold",
        "2",
        "--keys-file",
        s(&keys_file),
    ];
    let r = run(&mut ws, &bao, &init, None);
    assert_ok(&r, "init --format json");
    Keys::read(&keys_file).forbid_in(&mut ws);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["command"], "operator init");
    assert_eq!(doc["initialized_now"], true);
    assert_eq!(doc["key_shares"], 3);
    assert_eq!(doc["key_threshold"], 2);
    assert_eq!(doc["keys_file"], s(&keys_file));
    assert_eq!(doc["encrypted_to_recipients"], 0);

    let again = dir.path().join("again.json");
    let r = run(
        &mut ws,
        &bao,
        &[
            "operator",
            "init",
            "--format",
            "json",
            "--keys-file",
            s(&again),
        ],
        None,
    );
    assert_ok(&r, "init of an initialised server");
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["initialized_now"], false);
    assert!(doc["keys_file"].is_null() && !again.exists());

    let unseal = [
        "operator",
        "unseal",
        "--format",
        "json",
        "--keys-file",
        s(&keys_file),
    ];
    let r = run(&mut ws, &bao, &unseal, None);
    assert_ok(&r, "unseal --format json");
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["command"], "operator unseal");
    assert_eq!(doc["unsealed_now"], true);
    assert_eq!(doc["key_threshold"], 2);
    assert!(doc["keys_submitted"].as_u64().unwrap() >= 2);
    assert_eq!(bao.health(), 200);
    let r = run(&mut ws, &bao, &unseal, None);
    assert_ok(&r, "unseal of an unsealed server");
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["unsealed_now"], false);
    assert_eq!(doc["sealed"], false);
}
