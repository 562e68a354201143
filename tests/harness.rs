//! Tests of the integration-test harness itself (`tests/common`): servers start, serve, stay
//! isolated from each other, and are gone after drop or after the test process is killed.
//!
//! Nothing here runs the `vaultform` binary.

mod common;

use std::fs;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::BaoDev;
use serde_json::json;

/// Env var naming the file the killed-process helper reports to; set only for that child.
const CHILD_REPORT: &str = "VAULTFORM_HARNESS_CHILD_REPORT";

/// True while `pid` is a live (not zombie) `bao` process.
fn bao_alive(pid: u32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // Format: `pid (comm) state ...`; comm may contain spaces, so split after the last ')'.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .unwrap_or("?");
    let comm = stat
        .split_once('(')
        .and_then(|(_, rest)| rest.rsplit_once(')'))
        .map_or("", |(comm, _)| comm);
    state != "Z" && comm == "bao"
}

fn port_accepts(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1)).is_ok()
}

fn wait_until(deadline: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < deadline {
        if cond() {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    cond()
}

/// Test servers listen outside the kernel's ephemeral range, so an outgoing connection can never
/// hold a port between its choice and a late bind (a raft node's cluster port, bound at unseal:
/// seen in CI), and no port is handed out twice by one process.
#[test]
fn server_ports_are_outside_the_ephemeral_range_and_never_handed_out_twice() {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .expect("Linux says its ephemeral range");
    let (low, high): (u16, u16) = match range.split_whitespace().collect::<Vec<_>>()[..] {
        [l, h] => (l.parse().unwrap(), h.parse().unwrap()),
        _ => panic!("unexpected ip_local_port_range: {range:?}"),
    };
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..200 {
        let (port, width) = if i % 3 == 0 {
            (common::free_port().unwrap(), 1)
        } else {
            (common::free_port_pair().unwrap(), 2)
        };
        for p in port..port + width {
            // Where the ephemeral range leaves room below or above it (Linux's default
            // 32768-60999 does), the allocator stays out of it.
            let avoidable = low >= 12_000 || high <= 63_000;
            assert!(
                !avoidable || !(low..=high).contains(&p),
                "port {p} is in the ephemeral range {low}-{high}"
            );
            assert!(seen.insert(p), "port {p} handed out twice");
        }
    }
}

#[test]
fn two_servers_start_concurrently_on_different_ports() {
    let (a, b) = thread::scope(|s| {
        let a = s.spawn(BaoDev::start);
        let b = s.spawn(BaoDev::start);
        (a.join().unwrap(), b.join().unwrap())
    });

    assert_ne!(a.port(), b.port(), "both servers got port {}", a.port());
    assert_ne!(a.addr(), b.addr());
    assert_ne!(
        a.token(),
        b.token(),
        "root tokens must be random per server"
    );
    assert_ne!(a.pid(), b.pid());

    for bao in [&a, &b] {
        assert_eq!(bao.addr(), format!("http://127.0.0.1:{}", bao.port()));
        let (status, health) = bao.get("sys/health");
        assert_eq!(status, 200, "health of {}: {health}", bao.addr());
        assert_eq!(health["initialized"], json!(true));
        assert_eq!(health["sealed"], json!(false));
        assert_eq!(health["standby"], json!(false));

        let (status, me) = bao.get("auth/token/lookup-self");
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["data"]["id"], json!(bao.token()));
        assert_eq!(me["data"]["policies"], json!(["root"]));
    }

    // The servers are separate: a secret written to one is not on the other.
    let (status, body) = a.write("secret/data/only-on-a", &json!({"data": {"k": "v"}}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(a.get("secret/data/only-on-a").0, 200);
    assert_eq!(b.get("secret/data/only-on-a").0, 404);
}

#[test]
fn kv_v2_write_then_read_round_trips() {
    let bao = BaoDev::start();

    let (status, body) = bao.write(
        "secret/data/x",
        &json!({"data": {"user": "u", "password": "p", "port": 5432}}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["version"], json!(1));

    let (status, body) = bao.get("secret/data/x");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["data"],
        json!({"user": "u", "password": "p", "port": 5432})
    );
    assert_eq!(body["data"]["metadata"]["version"], json!(1));

    assert_eq!(bao.list("secret/metadata"), vec!["x".to_owned()]);
    // LIST of an empty or missing prefix is a 404 on the wire and empty here.
    assert!(bao.list("secret/metadata/nothing-here").is_empty());

    // A missing key is 404 with an empty `errors` list.
    let (status, body) = bao.get("secret/data/missing");
    assert_eq!(status, 404);
    assert_eq!(body, json!({"errors": []}));

    assert_eq!(bao.delete("secret/metadata/x"), 204);
    assert_eq!(bao.get("secret/data/x").0, 404);
    assert!(bao.list("secret/metadata").is_empty());
}

#[test]
fn dev_server_has_the_documented_defaults() {
    let bao = BaoDev::start();

    let (status, mounts) = bao.get("sys/mounts");
    assert_eq!(status, 200, "{mounts}");
    assert_eq!(mounts["data"]["secret/"]["type"], json!("kv"));
    assert_eq!(
        mounts["data"]["secret/"]["options"],
        json!({"version": "2"})
    );

    let (status, auth) = bao.get("sys/auth");
    assert_eq!(status, 200, "{auth}");
    let methods: Vec<&String> = auth["data"].as_object().unwrap().keys().collect();
    assert_eq!(methods, ["token/"]);

    assert_eq!(
        bao.list("sys/policies/acl"),
        vec!["default".to_owned(), "root".to_owned()]
    );
    // The server's output goes to its log file.
    assert!(
        bao.log().contains("127.0.0.1:"),
        "unexpected server log:\n{}",
        bao.log()
    );
}

#[test]
fn server_is_gone_after_drop() {
    let bao = BaoDev::start();
    let (pid, port) = (bao.pid(), bao.port());
    assert!(bao_alive(pid), "pid {pid} should be a running bao");
    assert!(port_accepts(port), "port {port} should accept connections");

    drop(bao);

    // Drop reaps the watchdog, which has reaped bao: no waiting needed.
    assert!(!bao_alive(pid), "bao pid {pid} survived drop");
    assert!(
        !port_accepts(port),
        "port {port} still accepts connections after drop"
    );
}

#[test]
fn server_dies_with_a_killed_test_process() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("child-report");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "killed_process_helper",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env(CHILD_REPORT, &report)
        // The child dies without running destructors: keep its temp dirs inside ours.
        .env("TMPDIR", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let reported = wait_until(Duration::from_secs(60), || {
        fs::read_to_string(&report).is_ok_and(|s| s.ends_with('\n'))
    });
    if !reported {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the helper process never reported a started server");
    }
    let text = fs::read_to_string(&report).unwrap();
    let (pid, port) = text.trim().split_once(' ').unwrap();
    let (pid, port): (u32, u16) = (pid.parse().unwrap(), port.parse().unwrap());
    assert!(
        bao_alive(pid),
        "the helper's bao (pid {pid}) should be running"
    );

    child.kill().unwrap(); // SIGKILL: no destructors run in the child
    child.wait().unwrap();

    assert!(
        wait_until(Duration::from_secs(10), || !bao_alive(pid)),
        "bao pid {pid} outlived its SIGKILLed test process"
    );
    assert!(
        wait_until(Duration::from_secs(5), || !port_accepts(port)),
        "port {port} still accepts connections after the test process died"
    );
}

/// Run only as a child of `server_dies_with_a_killed_test_process`: starts a server, reports
/// `<bao pid> <port>`, and waits to be killed.
#[test]
#[ignore = "helper process for server_dies_with_a_killed_test_process"]
fn killed_process_helper() {
    let report =
        std::env::var_os(CHILD_REPORT).expect("run only by server_dies_with_a_killed_test_process");
    let bao = BaoDev::start();
    let tmp = Path::new(&report).with_extension("tmp");
    fs::write(&tmp, format!("{} {}\n", bao.pid(), bao.port())).unwrap();
    fs::rename(&tmp, &report).unwrap();
    thread::sleep(Duration::from_secs(120));
    panic!("the parent test should have killed this process");
}
