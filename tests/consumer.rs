//! The service side against a real OpenBao: `vaultform exec`, `env` and
//! `health` with the credentials `apply` delivers; the auth chain; the
//! Vault -> Docker secrets -> environment fallback with the server stopped;
//! signals and exit codes through `exec`; `--watch` delivering a change across
//! token renewals and re-logins. Every output is searched for the values used.

mod common;

use common::workspace::Workspace;
use common::{BaoDev, flat};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// fixtures/basic with `web` delivering its credentials to `creds/web`.
fn delivered(bao: &BaoDev, wrap: bool, edits: &[(&str, &str)]) -> Workspace {
    let mut ws = Workspace::new();
    let dir = ws.path("creds/web");
    let wrap = if wrap { "wrap_ttl = \"5m\"\n" } else { "" };
    ws.edit("vault.toml", |t| {
        t.replacen(
            "[approles.web]\n",
            &format!(
                "[approles.web]\ncredentials_dir = \"{}\"\n{wrap}",
                dir.display()
            ),
            1,
        )
    });
    for (from, to) in edits {
        ws.edit("vault.toml", |t| t.replacen(from, to, 1));
    }
    ws.apply(bao);
    ws.remember_server_secrets(bao, "kv-test/data/web");
    ws.remember_server_secrets(bao, "kv-test/data/worker");
    for f in ["role_id", "secret_id"] {
        let v = fs::read_to_string(dir.join(f)).unwrap().trim().to_string();
        ws.secrets.push(v);
    }
    ws
}

/// `vaultform` as a service runs it: the server's address, no token.
fn service_cmd(bao: &BaoDev, ws: &Workspace) -> assert_cmd::Command {
    let mut cmd = common::vaultform_cmd(bao);
    cmd.env_remove("VAULT_TOKEN")
        .env("VAULT_MAX_RETRIES", "0")
        .env("VAULTFORM_DOCKER_SECRETS_DIR", ws.path("run-secrets"))
        .current_dir(ws.path(""));
    cmd
}

/// The environment a child saw (written by `env -0` to a file).
fn env_file(path: &Path) -> BTreeMap<String, String> {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .split(|b| *b == 0)
        .filter(|l| !l.is_empty())
        .filter_map(|l| {
            let l = String::from_utf8_lossy(l);
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// The variables the child has that neither the test's environment nor the
/// harness (`VAULT_ADDR`, `NO_COLOR`, ...) gave vaultform.
fn added(child: &BTreeMap<String, String>) -> Vec<String> {
    let base = env_file_of_plain_child();
    child
        .keys()
        .filter(|k| !base.contains_key(*k))
        .filter(|k| !k.starts_with("VAULT") && *k != "NO_COLOR" && *k != "HOME")
        .cloned()
        .collect()
}

fn env_file_of_plain_child() -> BTreeMap<String, String> {
    let out = std::process::Command::new("env")
        .arg("-0")
        .output()
        .unwrap();
    out.stdout
        .split(|b| *b == 0)
        .filter_map(|l| {
            let l = String::from_utf8_lossy(l);
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

fn kv(bao: &BaoDev, path: &str) -> serde_json::Map<String, Value> {
    bao.get(&format!("kv-test/data/{path}")).1["data"]["data"]
        .as_object()
        .unwrap()
        .clone()
}

fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out after {limit:?} waiting for {what}");
}

#[test]
fn exec_with_delivered_credentials_sees_exactly_its_keys() {
    let bao = BaoDev::start();
    let mut ws = delivered(&bao, false, &[]);
    let out = ws.path("child.env");
    let mut cmd = service_cmd(&bao, &ws);
    cmd.env("VAULT_ROLE_ID", "must-not-reach-the-child")
        .args([
            "exec",
            "--approle-dir",
            "creds/web",
            "--secret",
            "kv-test/web",
            "--",
        ])
        .args(["sh", "-c", "env -0 > \"$0\"; exit 3"])
        .arg(&out);
    let r = ws.record(cmd);
    assert_eq!(
        r.code, 3,
        "the child's exit code is vaultform's: {}",
        r.stderr
    );
    let child = env_file(&out);
    let mut got = added(&child);
    got.sort();
    assert_eq!(got, ["DB_HOST", "DB_PASSWORD", "DB_USER", "SESSION_KEY"]);
    let web = kv(&bao, "web");
    for (k, v) in &web {
        assert_eq!(child[k], v.as_str().unwrap(), "{k}");
    }
    assert!(!child.contains_key("VAULT_TOKEN") && !child.contains_key("VAULT_ROLE_ID"));
    assert!(
        r.stderr
            .contains("DB_PASSWORD from vault (kv-test/web#DB_PASSWORD)"),
        "{}",
        r.stderr
    );
    // The login token was revoked before the command started: only the root
    // token's accessor is left.
    assert_eq!(bao.list("auth/token/accessors").len(), 1);

    // Another service's path: the policy's 403 is a clear error, fallback or not.
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "exec",
        "--approle-dir",
        "creds/web",
        "--secret",
        "kv-test/worker#QUEUE_PASSWORD",
        "--",
        "true",
    ]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1);
    let e = flat(&r.stderr);
    assert!(
        e.contains("permission denied reading kv-test/worker (403)"),
        "{e}"
    );
    assert!(e.contains("approle"), "{e}");
    // Seed naming: lower-case keys get the path's last segment.
    assert_eq!(
        bao.write_kv(
            "kv-test/data/app/mongodb",
            &json!({"data": {"root_password": "mongo-pw-5b1c", "root-user": "admin"}}),
        ),
        200
    );
    ws.secrets.push("mongo-pw-5b1c".into());
    let mut cmd = common::vaultform_cmd(&bao);
    cmd.args(["env", "--format", "json", "--secret", "kv-test/app/mongodb"]);
    let out = cmd.output().unwrap();
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc,
        json!({"MONGODB_ROOT_PASSWORD": "mongo-pw-5b1c", "MONGODB_ROOT_USER": "admin"})
    );
    ws.outputs
        .push(String::from_utf8_lossy(&out.stderr).into_owned());
}

#[test]
fn env_formats_round_trip_any_value() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    let nasty = "it's a \"test\" $HOME `id` \\ \n second line\ttab é";
    bao.write(
        "sys/mounts/kv-test",
        &json!({"type": "kv", "options": {"version": "2"}}),
    );
    assert_eq!(
        bao.write_kv(
            "kv-test/data/odd",
            &json!({"data": {"value": nasty, "n": 42}})
        ),
        200
    );
    for (format, reader) in [
        ("shell", ". \"$1\"; printf '%s' \"$ODD_VALUE\""),
        ("dotenv", "set -a; . \"$1\"; printf '%s' \"$ODD_VALUE\""),
    ] {
        let out = common::vaultform_cmd(&bao)
            .args([
                "env",
                "--quiet",
                "--format",
                format,
                "--secret",
                "kv-test/odd",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stderr.is_empty());
        let file = ws.path(&format!("out.{format}"));
        fs::write(&file, &out.stdout).unwrap();
        if format == "dotenv" {
            let parsed: BTreeMap<String, String> = dotenvy::from_path_iter(&file)
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(parsed["ODD_VALUE"], nasty);
            assert_eq!(parsed["ODD_N"], "42");
            continue;
        }
        let back = std::process::Command::new("sh")
            .args(["-c", reader, "sh"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(back.stdout).unwrap(), nasty, "{format}");
    }
    ws.secrets.push(nasty.into());
}

#[test]
fn the_fallback_goes_key_by_key_from_vault_to_docker_secrets_to_the_environment() {
    let bao = BaoDev::start();
    let mut ws = delivered(&bao, false, &[]);
    let docker = ws.path("run-secrets");
    fs::create_dir_all(&docker).unwrap();
    fs::write(docker.join("db_user"), "docker-user-71\n").unwrap();
    ws.secrets.push("docker-user-71".into());
    ws.secrets.push("env-password-93".into());
    let keys = "kv-test/web#DB_USER,DB_PASSWORD,DB_HOST";
    // Up: every key from Vault, the files and variables are not used.
    let out = ws.path("up.env");
    let mut cmd = service_cmd(&bao, &ws);
    cmd.env("DB_PASSWORD", "env-password-93")
        .args([
            "exec",
            "--approle-dir",
            "creds/web",
            "--secret",
            keys,
            "--",
            "sh",
            "-c",
            "env -0 > \"$0\"",
        ])
        .arg(&out);
    let r = ws.record(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        env_file(&out)["DB_USER"],
        kv(&bao, "web")["DB_USER"].as_str().unwrap()
    );
    assert_eq!(r.stderr.matches("from vault").count(), 3, "{}", r.stderr);

    // The server stops.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(bao.pid() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    wait_for("the server to stop", Duration::from_secs(10), || {
        std::net::TcpStream::connect(("127.0.0.1", bao.port())).is_err()
    });
    // DB_HOST is nowhere: an error naming every place looked.
    let mut cmd = service_cmd(&bao, &ws);
    cmd.env("DB_PASSWORD", "env-password-93").args([
        "exec",
        "--approle-dir",
        "creds/web",
        "--secret",
        keys,
        "--",
        "true",
    ]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1);
    let e = flat(&r.stderr);
    assert!(e.contains("1 value(s) found nowhere"), "{e}");
    assert!(e.contains("DB_HOST (kv-test/web#DB_HOST)"), "{e}");
    assert!(e.contains("could not be reached"), "{e}");
    assert!(
        e.contains(&format!("no file {}", docker.join("db_host").display())),
        "{e}"
    );
    assert!(e.contains("$DB_HOST is not set"), "{e}");
    assert!(e.contains("WARN"), "a Vault failure is a warning: {e}");
    // With DB_HOST in the environment: each key from the next source that has it.
    let out = ws.path("down.env");
    let mut cmd = service_cmd(&bao, &ws);
    cmd.env("DB_PASSWORD", "env-password-93")
        .env("DB_HOST", "db.internal")
        .args([
            "exec",
            "--approle-dir",
            "creds/web",
            "--secret",
            keys,
            "--",
            "sh",
            "-c",
            "env -0 > \"$0\"",
        ])
        .arg(&out);
    let r = ws.record(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let child = env_file(&out);
    assert_eq!(child["DB_USER"], "docker-user-71");
    assert_eq!(child["DB_PASSWORD"], "env-password-93");
    assert_eq!(child["DB_HOST"], "db.internal");
    let e = r.stderr;
    assert!(
        e.contains(&format!(
            "DB_USER from docker secret {}",
            docker.join("db_user").display()
        )),
        "{e}"
    );
    assert!(
        e.contains("DB_PASSWORD from environment (kv-test/web#DB_PASSWORD)"),
        "{e}"
    );
    // --require-vault: no fallback.
    let mut cmd = service_cmd(&bao, &ws);
    cmd.env("DB_PASSWORD", "env-password-93")
        .env("DB_HOST", "db.internal")
        .args([
            "exec",
            "--require-vault",
            "--approle-dir",
            "creds/web",
            "--secret",
            keys,
            "--",
            "true",
        ]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1);
    assert!(
        flat(&r.stderr).contains("could not log in to Vault"),
        "{}",
        r.stderr
    );
    // Keys not named: nothing to fall back to, said so.
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "exec",
        "--approle-dir",
        "creds/web",
        "--secret",
        "kv-test/web",
        "--",
        "true",
    ]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1);
    assert!(flat(&r.stderr).contains("names no keys"), "{}", r.stderr);
}

#[test]
fn the_auth_chain_tries_each_method_and_lists_why_each_failed() {
    let bao = BaoDev::start();
    let mut ws = delivered(&bao, false, &[]);
    // No token, no AppRole directory, no Kubernetes role.
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "exec",
        "--require-vault",
        "--secret",
        "kv-test/web#DB_HOST",
        "--",
        "true",
    ]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1);
    let e = flat(&r.stderr);
    for part in [
        "token: not configured",
        "approle: not configured",
        "kubernetes: not configured",
    ] {
        assert!(e.contains(part), "{part}: {e}");
    }
    // A bad token, then AppRole: the chain goes on to AppRole.
    let out = ws.path("chain.env");
    let mut cmd = service_cmd(&bao, &ws);
    cmd.env("VAULT_TOKEN", "s.not-a-real-token-000000")
        .args([
            "exec",
            "-v",
            "--approle-dir",
            "creds/web",
            "--secret",
            "kv-test/web#DB_HOST",
            "--",
            "sh",
            "-c",
            "env -0 > \"$0\"",
        ])
        .arg(&out);
    let r = ws.record(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(env_file(&out)["DB_HOST"], "web-db");
    // --auth limits and orders: token only fails, naming the bad token.
    let mut cmd = service_cmd(&bao, &ws);
    cmd.env("VAULT_TOKEN", "s.not-a-real-token-000000").args([
        "exec",
        "--require-vault",
        "--auth",
        "token",
        "--approle-dir",
        "creds/web",
        "--secret",
        "kv-test/web#DB_HOST",
        "--",
        "true",
    ]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1);
    assert!(
        flat(&r.stderr).contains("the token from $VAULT_TOKEN is invalid or expired"),
        "{}",
        r.stderr
    );
    // A token in the Docker-secrets directory (the seed's "token from Docker secrets").
    let docker = ws.path("run-secrets");
    fs::create_dir_all(&docker).unwrap();
    fs::write(docker.join("vault_token"), bao.token()).unwrap();
    ws.secrets.push(bao.token().to_string());
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "env",
        "--require-vault",
        "--auth",
        "token",
        "--secret",
        "kv-test/web#DB_HOST",
    ]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "export DB_HOST='web-db'\n");
}

#[test]
fn kubernetes_is_the_third_link_of_the_chain() {
    let review = common::tokenreview::TokenReview::start("apps", "flask");
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    bao.write(
        "sys/mounts/kv-test",
        &json!({"type": "kv", "options": {"version": "2"}}),
    );
    assert_eq!(
        bao.write_kv(
            "kv-test/data/app/flask",
            &json!({"data": {"secret_key": "flask-key-4471"}}),
        ),
        200
    );
    ws.secrets.push("flask-key-4471".into());
    bao.write(
        "sys/policies/acl/flask",
        &json!({"policy": "path \"kv-test/data/app/flask\" { capabilities = [\"read\"] }"}),
    );
    assert_eq!(
        bao.write("sys/auth/kubernetes", &json!({"type": "kubernetes"}))
            .0,
        204
    );
    let (status, body) = bao.write(
        "auth/kubernetes/config",
        &json!({"kubernetes_host": review.host, "kubernetes_ca_cert": review.ca_pem, "disable_local_ca_jwt": true}),
    );
    assert_eq!(status, 204, "{body}");
    let (status, body) = bao.write(
        "auth/kubernetes/role/flask",
        &json!({"bound_service_account_names": ["flask"], "bound_service_account_namespaces": ["apps"],
                "token_policies": ["flask"], "token_ttl": "10m"}),
    );
    assert_eq!(status, 204, "{body}");
    let jwt = common::tokenreview::service_account_jwt("apps", "flask");
    ws.secrets.push(jwt.clone());
    let sa = ws.path("sa-token");
    fs::write(&sa, &jwt).unwrap();
    let out = ws.path("k8s.env");
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "exec",
        "--require-vault",
        "--approle-dir",
        "missing-dir",
        "--k8s-role",
        "flask",
        "--k8s-token-file",
    ])
    .arg(&sa)
    .args([
        "--secret",
        "kv-test/app/flask",
        "--",
        "sh",
        "-c",
        "env -0 > \"$0\"",
    ])
    .arg(&out);
    let r = ws.record(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(env_file(&out)["FLASK_SECRET_KEY"], "flask-key-4471");
    assert_eq!(
        bao.list("auth/token/accessors").len(),
        1,
        "the login token was revoked"
    );
}

#[test]
fn a_wrapped_secret_id_is_unwrapped_once_and_an_expired_one_meets_the_next_apply() {
    let bao = BaoDev::start();
    let mut ws = delivered(&bao, true, &[]);
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "exec",
        "--approle-dir",
        "creds/web",
        "--secret",
        "kv-test/web#DB_HOST",
        "--",
        "true",
    ]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The wrapping token is spent: a second start says so.
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "exec",
        "--require-vault",
        "--approle-dir",
        "creds/web",
        "--secret",
        "kv-test/web#DB_HOST",
        "--",
        "true",
    ]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1);
    assert!(
        flat(&r.stderr).contains("already unwrapped or has expired"),
        "{}",
        r.stderr
    );
    // The cron's apply delivers a new one, and the service starts.
    ws.apply(&bao);
    let fresh = fs::read_to_string(ws.path("creds/web/secret_id")).unwrap();
    ws.secrets.push(fresh.trim().to_string());
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "exec",
        "--require-vault",
        "--approle-dir",
        "creds/web",
        "--secret",
        "kv-test/web#DB_HOST",
        "--",
        "true",
    ]);
    assert_eq!(ws.record(cmd).code, 0);

    // A plain secret ID that expired while the service was down: `--auth-wait`
    // keeps re-reading the files until the next apply delivers a new one.
    let bao2 = BaoDev::start();
    let mut ws2 = delivered(
        &bao2,
        false,
        &[("secret_id_ttl = \"1h\"", "secret_id_ttl = \"4s\"")],
    );
    let expired = fs::read_to_string(ws2.path("creds/web/secret_id")).unwrap();
    std::thread::sleep(Duration::from_secs(5));
    let mut waiting = std::process::Command::new(assert_cmd::cargo::cargo_bin!("vaultform"));
    waiting
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", ws2.path(""))
        .env("VAULT_ADDR", bao2.addr())
        .env("NO_COLOR", "1")
        .current_dir(ws2.path(""))
        .args([
            "exec",
            "--require-vault",
            "--auth-wait",
            "30s",
            "--approle-dir",
            "creds/web",
            "--secret",
            "kv-test/web#DB_HOST",
            "--",
            "true",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = waiting.spawn().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    ws2.apply(&bao2);
    let fresh = fs::read_to_string(ws2.path("creds/web/secret_id")).unwrap();
    assert_ne!(fresh, expired, "apply replaced the expired secret ID");
    ws2.secrets.push(fresh.trim().to_string());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    ws2.outputs.push(stderr.clone());
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("trying again"), "{stderr}");
}

#[test]
fn render_dir_writes_private_files_and_passes_their_paths() {
    use std::os::unix::fs::PermissionsExt;
    let bao = BaoDev::start();
    let mut ws = delivered(&bao, false, &[]);
    let dir = ws.path("rendered");
    // Without a command: render and exit (the one-shot of a stock image).
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "exec",
        "--approle-dir",
        "creds/web",
        "--secret",
        "kv-test/web#DB_PASSWORD",
        "--rename",
        "kv-test/web#DB_PASSWORD=POSTGRES_PASSWORD",
        "--render-dir",
    ])
    .arg(&dir);
    let r = ws.record(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let file = dir.join("POSTGRES_PASSWORD");
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        kv(&bao, "web")["DB_PASSWORD"].as_str().unwrap()
    );
    assert_eq!(
        fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file left"
    );
    // With a command: it gets NAME_FILE, as the postgres image reads it.
    let out = ws.path("render.env");
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "exec",
        "--approle-dir",
        "creds/web",
        "--secret",
        "kv-test/web#DB_PASSWORD",
        "--rename",
        "kv-test/web#DB_PASSWORD=POSTGRES_PASSWORD",
        "--render-dir",
    ])
    .arg(&dir)
    .args(["--", "sh", "-c", "env -0 > \"$0\""])
    .arg(&out);
    assert_eq!(ws.record(cmd).code, 0);
    let child = env_file(&out);
    assert_eq!(PathBuf::from(&child["POSTGRES_PASSWORD_FILE"]), file);
    assert!(!child.contains_key("POSTGRES_PASSWORD"));
    // A symbolic link as the directory is refused.
    let link = ws.path("link");
    std::os::unix::fs::symlink(&dir, &link).unwrap();
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "exec",
        "--approle-dir",
        "creds/web",
        "--secret",
        "kv-test/web#DB_HOST",
        "--render-dir",
    ])
    .arg(&link);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1);
    assert!(flat(&r.stderr).contains("symbolic link"), "{}", r.stderr);
}

#[test]
fn health_reports_the_seed_fields_and_fails_on_sealed_uninitialised_and_unreachable() {
    let bao = BaoDev::start();
    let mut ws = delivered(&bao, false, &[]);
    fs::create_dir_all(ws.path("run-secrets")).unwrap();
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "health",
        "--format",
        "json",
        "--approle-dir",
        "creds/web",
        "--secret",
        "kv-test/web",
    ]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["vault"]["healthy"], true);
    assert_eq!(doc["vault"]["available"], true);
    assert_eq!(doc["vault"]["sealed"], false);
    assert_eq!(doc["vault"]["initialized"], true);
    assert!(doc["vault"]["version"].as_str().unwrap().starts_with("2.7"));
    assert!(doc["vault"]["latency_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(doc["docker_secrets"]["available"], true);
    assert_eq!(doc["credentials"]["login"], true);
    assert_eq!(doc["credentials"]["paths"]["kv-test/web"], true);
    assert_eq!(doc["overall"], true);
    // A path the policy does not grant: unhealthy for this service.
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "health",
        "--format",
        "prometheus",
        "--approle-dir",
        "creds/web",
        "--secret",
        "kv-test/web",
        "--secret",
        "kv-test/worker",
    ]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("vaultform_health_secret_readable{path=\"kv-test/worker\"} 0"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("vaultform_health_overall 0"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("vaultform_health_vault_healthy 1"),
        "{}",
        r.stdout
    );
    // Sealed.
    assert_eq!(bao.write("sys/seal", &json!({})).0, 204);
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args(["health"]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("is sealed"), "{}", r.stdout);
    // Unreachable.
    drop(bao);
    let mut cmd = common::offline_vaultform_cmd(&ws.path(""));
    cmd.args(["health", "--format", "json"]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["vault"]["available"], false);
    assert_eq!(doc["overall"], false);
    assert!(
        doc["vault"]["message"]
            .as_str()
            .unwrap()
            .contains("unreachable"),
        "{doc}"
    );
    // Uninitialised.
    let data = tempfile::tempdir().unwrap();
    let server = common::server::BaoServer::start(data.path());
    let mut cmd = common::server::vaultform_at(&server);
    cmd.args(["health"]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("is not initialised"), "{}", r.stdout);
}

/// Starts `vaultform exec` in the background with a child that records that
/// it is ready and exits 42 on SIGTERM; returns it once the child is ready.
fn start_trapping(
    bao: &BaoDev,
    ws: &Workspace,
    extra: &[&str],
    ready: &Path,
) -> std::process::Child {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("vaultform"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", ws.path(""))
        .env("VAULT_ADDR", bao.addr())
        .env("NO_COLOR", "1")
        .current_dir(ws.path(""))
        .args([
            "exec",
            "--quiet",
            "--approle-dir",
            "creds/web",
            "--secret",
            "kv-test/web#DB_HOST",
        ])
        .args(extra)
        .args([
            "--",
            "sh",
            "-c",
            "trap 'exit 42' TERM; echo \"$DB_HOST\" >> \"$0\"; while :; do sleep 0.05; done",
        ])
        .arg(ready)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    wait_for("the child to start", Duration::from_secs(20), || {
        ready.exists()
    });
    child
}

#[test]
fn signals_and_exit_codes_pass_through_exec_with_and_without_watch() {
    let bao = BaoDev::start();
    let mut ws = delivered(&bao, false, &[]);
    for extra in [&[][..], &["--watch", "30s"][..]] {
        let ready = ws.path(&format!("ready-{}", extra.len()));
        let child = start_trapping(&bao, &ws, extra, &ready);
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(42), "{extra:?}: {stderr}");
        ws.outputs.push(stderr);
    }
    // A child killed by a signal: 128 + N, as a shell reports it.
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "exec",
        "--watch",
        "30s",
        "--approle-dir",
        "creds/web",
        "--secret",
        "kv-test/web#DB_HOST",
        "--",
        "sh",
        "-c",
        "kill -KILL $$",
    ]);
    assert_eq!(cmd.output().unwrap().status.code(), Some(137));
    // A command that does not exist: a clear error.
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "exec",
        "--approle-dir",
        "creds/web",
        "--secret",
        "kv-test/web#DB_HOST",
        "--",
        "/nonexistent/program",
    ]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        flat(&String::from_utf8_lossy(&out.stderr)).contains("cannot run `/nonexistent/program`")
    );
}

#[test]
fn watch_delivers_a_change_across_token_renewals_and_relogins() {
    let bao = BaoDev::start();
    // Tokens live 4 s, 8 s at most: over the test the watch renews its
    // token, then logs in again when renewal cannot reach past the next read.
    let mut ws = delivered(
        &bao,
        false,
        &[
            ("token_ttl = \"1h\"", "token_ttl = \"4s\""),
            ("token_max_ttl = \"4h\"", "token_max_ttl = \"8s\""),
        ],
    );
    let ready = ws.path("restarts");
    let child = start_trapping(&bao, &ws, &["--watch", "1s", "-v"], &ready);
    std::thread::sleep(Duration::from_secs(10));
    let mut web = kv(&bao, "web");
    web.insert("DB_HOST".into(), json!("db-moved.internal"));
    assert_eq!(
        bao.write_kv("kv-test/data/web", &json!({"data": web.clone()})),
        200
    );
    wait_for("the restarted child", Duration::from_secs(15), || {
        fs::read_to_string(&ready).is_ok_and(|t| t.contains("db-moved.internal"))
    });
    assert_eq!(
        fs::read_to_string(&ready).unwrap(),
        "web-db\ndb-moved.internal\n"
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(42));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("renewed the token"), "{stderr}");
    assert!(stderr.contains("logging in again"), "{stderr}");
    ws.outputs.push(stderr);
    // Signal mode with rendered files: the file changes, then the child gets SIGHUP.
    let dir = ws.path("watch-rendered");
    let log = ws.path("hups");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("vaultform"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("VAULT_ADDR", bao.addr())
        .current_dir(ws.path(""))
        .args(["exec", "--quiet", "--watch", "1s", "--on-change", "signal", "--approle-dir", "creds/web", "--secret", "kv-test/web#DB_HOST", "--render-dir"])
        .arg(&dir)
        .args(["--", "sh", "-c", "trap 'cat \"$DB_HOST_FILE\" >> \"$0\"; echo >> \"$0\"' HUP; trap 'exit 0' TERM; : > \"$0\"; while :; do sleep 0.05; done"])
        .arg(&log)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    wait_for("the child to start", Duration::from_secs(20), || {
        log.exists()
    });
    web.insert("DB_HOST".into(), json!("db-third.internal"));
    assert_eq!(bao.write_kv("kv-test/data/web", &json!({"data": web})), 200);
    wait_for("SIGHUP after the change", Duration::from_secs(15), || {
        fs::read_to_string(&log).is_ok_and(|t| t.contains("db-third.internal"))
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    ws.outputs.push(stderr);
}

#[test]
fn hostile_specs_are_refused_before_any_request_and_hostile_values_are_errors() {
    let bao = BaoDev::start_audited();
    let mut ws = Workspace::new();
    let before = bao.audited_requests().len();
    let bad: &[&[&str]] = &[
        &["--secret", "secret/../sys/policies/acl"],
        &["--secret", "secret/%2e%2e/x"],
        &["--secret", "secret//x"],
        &["--secret", "sys/x"],
        &["--secret", "secret/a b"],
        &["--secret", "secret/x\ny"],
        &["--secret", "secret/\u{2215}x"],
        &["--secret", "secret/x#"],
        &["--secret", "secret/x#LD_PRELOAD"],
        &["--secret", "secret/x#a", "--rename", "secret/x#a=PATH"],
        &["--secret", "secret/x#a", "--rename", "secret/x#a=A-B"],
        &["--secret", "secret/x", "--k8s-role", "../x"],
        &["--secret", "secret/x", "--approle-mount", "../sys"],
        &["--secret", "secret/a/x#k", "--secret", "secret/b/x#k"],
        &["--secret", "secret/x", "--prefix", "1X"],
    ];
    for args in bad {
        let mut cmd = common::vaultform_cmd(&bao);
        cmd.arg("exec").args(*args).args(["--", "true"]);
        let r = ws.record(cmd);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("vaultform::consumer::"),
            "{args:?}: {}",
            r.stderr
        );
    }
    // Files that are not regular files, or too large, are refused without hanging.
    let fifo = ws.path("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for file in [PathBuf::from("/dev/zero"), fifo.clone()] {
        let mut cmd = common::vaultform_cmd(&bao);
        cmd.args(["exec", "--service", "x", "--services-file"])
            .arg(&file)
            .args(["--", "true"]);
        let r = ws.record(cmd);
        assert_eq!(r.code, 1);
        assert!(
            flat(&r.stderr).contains("not a regular file"),
            "{}",
            r.stderr
        );
    }
    // A services file with a 70,000-column line: a short, pointed error, no panic.
    let long = ws.path("long.toml");
    fs::write(
        &long,
        format!(
            "[services.x]\nprefix = \"{}\" bogus = 1\n",
            "A".repeat(70_000)
        ),
    )
    .unwrap();
    let mut cmd = common::vaultform_cmd(&bao);
    cmd.args(["exec", "--service", "x", "--services-file"])
        .arg(&long)
        .args(["--", "true"]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1, "{}", &r.stderr[..r.stderr.len().min(2000)]);
    assert!(
        !r.stderr.contains("panicked") && r.stderr.len() < 4096,
        "{} bytes",
        r.stderr.len()
    );
    assert!(r.stderr.contains("long.toml:2:"), "{}", r.stderr);
    assert_eq!(bao.audited_requests().len(), before, "nothing was sent");

    // Hostile contents in Vault: a key that would set LD_PRELOAD, a NUL byte,
    // two keys that give one name.
    bao.write(
        "sys/mounts/kv-test",
        &json!({"type": "kv", "options": {"version": "2"}}),
    );
    for (path, data) in [
        ("evil", json!({"LD_PRELOAD": "/tmp/x.so"})),
        ("nul", json!({"k": "a\u{0}b"})),
        ("twins", json!({"a-b": "1", "a_b": "2"})),
    ] {
        assert_eq!(
            bao.write_kv(&format!("kv-test/data/{path}"), &json!({ "data": data })),
            200
        );
    }
    for (secret, code) in [
        ("kv-test/evil", "vaultform::consumer::bad_name"),
        ("kv-test/nul", "vaultform::consumer::nul"),
        ("kv-test/twins", "vaultform::consumer::name_collision"),
    ] {
        let mut cmd = common::vaultform_cmd(&bao);
        cmd.args(["exec", "--secret", secret, "--", "true"]);
        let r = ws.record(cmd);
        assert_eq!(r.code, 1, "{secret}");
        assert!(r.stderr.contains(code), "{secret}: {}", r.stderr);
    }
    // A NUL byte is fine in a rendered file.
    let mut cmd = common::vaultform_cmd(&bao);
    cmd.args(["exec", "--secret", "kv-test/nul", "--render-dir"])
        .arg(ws.path("r"));
    assert_eq!(ws.record(cmd).code, 0);
    assert_eq!(fs::read(ws.path("r/NUL_K")).unwrap(), b"a\0b");
    // A Docker secret larger than 1 MiB, with Vault down: an error, not a read of it all.
    let docker = ws.path("big-secrets");
    fs::create_dir_all(&docker).unwrap();
    fs::write(docker.join("x_k"), vec![b'a'; (1 << 20) + 1]).unwrap();
    let mut cmd = common::offline_vaultform_cmd(&ws.path(""));
    cmd.env("VAULT_MAX_RETRIES", "0")
        .args(["exec", "--secret", "kv-test/x#k", "--docker-secrets-dir"])
        .arg(&docker)
        .args(["--", "true"]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1);
    assert!(
        flat(&r.stderr).contains("larger than 1 MiB"),
        "{}",
        r.stderr
    );
}

#[test]
fn watch_keeps_the_command_running_with_its_values_while_vault_is_down() {
    let bao = BaoDev::start();
    let mut ws = delivered(&bao, false, &[]);
    let ready = ws.path("starts");
    let child = start_trapping(&bao, &ws, &["--watch", "1s"], &ready);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(bao.pid() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    // Several intervals with the server gone: no restart with fallback values.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(fs::read_to_string(&ready).unwrap(), "web-db\n");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(42), "{stderr}");
    assert!(stderr.contains("keeps its values"), "{stderr}");
    ws.outputs.push(stderr);
}

#[test]
fn auth_wait_gives_up_at_once_on_a_missing_approle_directory() {
    let bao = BaoDev::start();
    let mut ws = delivered(&bao, false, &[]);
    let started = Instant::now();
    let mut cmd = service_cmd(&bao, &ws);
    cmd.args([
        "exec",
        "--require-vault",
        "--auth-wait",
        "60s",
        "--approle-dir",
        "creds/typo",
        "--secret",
        "kv-test/web#DB_HOST",
        "--",
        "true",
    ]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1);
    assert!(
        flat(&r.stderr).contains("no file creds/typo/role_id"),
        "{}",
        r.stderr
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "it did not wait out --auth-wait"
    );
}
