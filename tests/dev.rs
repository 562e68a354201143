//! `vaultform dev`: a real OpenBao dev server comes up with the manifest
//! applied and AppRole credentials delivered, re-applies on a change under
//! `--watch`, and stops cleanly on SIGINT.

mod common;

use common::workspace::Workspace;
use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn wait_line(
    rx: &mpsc::Receiver<String>,
    want: &str,
    limit: Duration,
    seen: &mut Vec<String>,
) -> String {
    let deadline = Instant::now() + limit;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                seen.push(line.clone());
                if line.contains(want) {
                    return line;
                }
            }
            Err(_) => break,
        }
    }
    panic!(
        "no line with {want:?} within {limit:?}; output so far:\n{}",
        seen.join("\n")
    );
}

#[test]
fn dev_serves_the_manifest_applies_changes_and_stops_on_sigint() {
    let mut ws = Workspace::new();
    let dev_dir = ws.path("dev");
    let home = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("vaultform"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", home.path())
        .env("NO_COLOR", "1")
        .arg("-f")
        .arg(ws.manifest())
        .args(["dev", "--watch", "--bao"])
        .arg(common::bao_bin())
        .arg("--dir")
        .arg(&dev_dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let line = wait_line(
        &rx,
        "export VAULT_ADDR=",
        Duration::from_secs(90),
        &mut seen,
    );
    let addr = line
        .trim()
        .trim_start_matches("export VAULT_ADDR=")
        .to_string();
    let token = std::fs::read_to_string(dev_dir.join("root-token"))
        .unwrap()
        .trim()
        .to_string();
    ws.secrets.push(token.clone());
    let get = |path: &str| {
        ureq::get(&format!("{addr}/v1/{path}"))
            .header("X-Vault-Token", &token)
            .config()
            .http_status_as_error(false)
            .build()
            .call()
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    };
    assert_eq!(
        get("sys/policies/acl/web-policy"),
        200,
        "the manifest was applied"
    );
    assert_eq!(get("kv-test/data/web"), 200);
    for f in ["role_id", "secret_id"] {
        use std::os::unix::fs::PermissionsExt;
        let p = dev_dir.join("approle/web").join(f);
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600,
            "{}",
            p.display()
        );
        ws.secrets
            .push(std::fs::read_to_string(&p).unwrap().trim().to_string());
    }
    ws.remember_server_secrets_at(&addr, &token, "kv-test/data/web");
    // The server's log holds its root token and unseal key: private.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dev_dir), 0o700);
        assert_eq!(mode(&dev_dir.join("server.log")), 0o600);
        assert_eq!(mode(&dev_dir.join("root-token")), 0o600);
    }
    // --watch: a new policy file is applied.
    std::fs::write(
        ws.path("policies/extra-policy.hcl"),
        "path \"kv-test/data/extra\" {\n  capabilities = [\"read\"]\n}\n",
    )
    .unwrap();
    wait_line(&rx, "applying again", Duration::from_secs(30), &mut seen);
    let deadline = Instant::now() + Duration::from_secs(30);
    while get("sys/policies/acl/extra-policy") != 200 {
        assert!(
            Instant::now() < deadline,
            "the change was not applied:\n{}",
            seen.join("\n")
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // SIGINT: the server stops, vaultform exits 0.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "vaultform dev did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    assert_eq!(get("sys/health"), 0, "the server is gone");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    while let Ok(line) = rx.try_recv() {
        seen.push(line);
    }
    ws.outputs.push(seen.join("\n"));
    ws.outputs.push(stderr);
}
