//! Integration-test harness: a real OpenBao dev server per test, and a `vaultform` command aimed
//! at it.
//!
//! Follows `OPENBAO.md` §14. [`BaoDev::start`] launches `bao server -dev` on a free loopback port
//! pair under a tiny `sh` watchdog, waits for `GET /v1/sys/health` = 200 and checks that the root
//! token works (so a port stolen by a concurrent server is noticed), and SIGKILLs the server on
//! `Drop`. The watchdog holds the read end of a pipe whose only writer is the test process: when
//! that write end closes for any reason (drop, panic, abort, SIGKILL of the test binary), the
//! watchdog SIGKILLs bao, so no server outlives its test.
//!
//! If a server cannot be started the test panics with the reason and the server log: integration
//! tests fail loudly, they never skip.
//!
//! The blocking HTTP helpers ([`BaoDev::get`], [`BaoDev::write`], [`BaoDev::delete`],
//! [`BaoDev::list`]) exist for assertions about what the server holds; they never go through
//! vaultform's own client.
#![allow(dead_code)]

pub mod databases;
pub mod faultproxy;
pub mod raft;
pub mod server;
pub mod tls;
pub mod tokenreview;
pub mod workspace;

use std::collections::hash_map::RandomState;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::hash::{BuildHasher, Hasher};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

/// How often readiness is polled.
const POLL_INTERVAL: Duration = Duration::from_millis(20);
/// How long one start attempt may take before the harness gives up (measured: ~0.2 s alone,
/// up to ~5 s with 30 servers starting at once on 2 cores).
const READY_DEADLINE: Duration = Duration::from_secs(30);
/// Start attempts, each on a new port, before the harness gives up on early exits.
const MAX_ATTEMPTS: u32 = 5;
/// How long `Drop` waits for the watchdog to kill bao and exit before killing the watchdog too.
const STOP_DEADLINE: Duration = Duration::from_secs(10);
/// How much of each attempt's log a failure message shows (the tail).
const LOG_TAIL_BYTES: usize = 16 * 1024;

/// The watchdog, run as `sh -c WATCHDOG sh <log> <pidfile> <bao> <args...>` with its stdin the
/// read end of a pipe held by the test process.
///
/// It starts bao in the background (stdin `/dev/null`, output to the log), writes bao's pid, and
/// runs a reader on the pipe that SIGKILLs bao at EOF. The shell itself waits for bao and exits
/// with bao's status, so `try_wait` on the watchdog sees an early exit of the server. fd 3 carries
/// the pipe because a non-interactive shell points the stdin of a background job at `/dev/null`.
pub(crate) const WATCHDOG: &str = r#"exec 3<&0 </dev/null
log=$1; pidfile=$2; shift 2
"$@" 3<&- >"$log" 2>&1 &
bao=$!
echo "$bao" >"$pidfile.tmp" && mv "$pidfile.tmp" "$pidfile"
{ while read -r _ <&3; do :; done; kill -KILL "$bao" 2>/dev/null; } &
watch=$!
exec 3<&-
wait "$bao" 2>/dev/null; rc=$?
kill -KILL "$watch" 2>/dev/null
exit "$rc"
"#;

/// Path of the real `bao` ELF binary.
///
/// `BAO_BIN` if set; otherwise runs `scripts/install-openbao.sh` once per test process (it installs
/// the pinned OpenBao into `.tools/` on first use and prints the binary's path). Panics with the
/// reason if neither yields an executable file.
pub fn bao_bin() -> PathBuf {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BIN.get_or_init(locate_bao) {
        Ok(path) => path.clone(),
        Err(reason) => panic!("cannot find the OpenBao server binary: {reason}"),
    }
}

fn locate_bao() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os("BAO_BIN").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(bin);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("BAO_BIN={} is not a file", path.display()))
        };
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install-openbao.sh");
    let output = Command::new("bash")
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            format!(
                "BAO_BIN is unset and running {} failed: {e}",
                script.display()
            )
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "BAO_BIN is unset and {} failed ({})\nstdout:\n{stdout}\nstderr:\n{}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr),
        ));
    }
    let path = stdout
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| format!("{} printed no path", script.display()))?;
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} printed {}, which is not a file",
            script.display(),
            path.display()
        ))
    }
}

/// A running OpenBao dev server (in-memory storage), stopped with SIGKILL on `Drop`.
///
/// The root token is random per server; `$HOME/.vault-token` is never written
/// (`-dev-no-store-token`). `secret/` is KV v2, as on every dev server.
pub struct BaoDev {
    /// `http://127.0.0.1:<port>`.
    addr: String,
    /// The root token.
    token: String,
    port: u16,
    /// bao's own pid (a child of the watchdog).
    pid: u32,
    /// The `sh` watchdog, our direct child.
    watchdog: Child,
    /// The write end of the watchdog's pipe: dropping it kills bao.
    lifeline: Option<ChildStdin>,
    log_path: PathBuf,
    agent: ureq::Agent,
    /// Per-server scratch space: logs, pid file, fresh `HOME`s for commands.
    dir: tempfile::TempDir,
    /// The file audit device's log, for servers from [`BaoDev::start_audited`].
    audit_log: Option<PathBuf>,
}

impl BaoDev {
    /// Starts a dev server on a free `127.0.0.1` port and waits until it serves requests.
    ///
    /// Retries on a new port when the server exits early or the port turns out to be answered by
    /// another server (port races between parallel tests), up to 5 attempts. Panics with every
    /// attempt's reason and log if no server comes up.
    pub fn start() -> BaoDev {
        Self::start_with_args(&[])
    }

    /// A dev server with a file audit device (declared in an extra `-config` file, the only
    /// way OpenBao allows): every request it serves is logged to [`BaoDev::audit_log_path`].
    pub fn start_audited() -> BaoDev {
        let config = tempfile::Builder::new()
            .prefix("vaultform-audit-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir for the audit config: {e}"))
            .keep();
        let log = config.join("audit.log");
        let file = config.join("audit.hcl");
        fs::write(
            &file,
            format!(
                "audit \"file\" \"trail\" {{\n  options {{\n    file_path = \"{}\"\n  }}\n}}\n",
                log.display()
            ),
        )
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
        let mut bao = Self::start_with_args(&[format!("-config={}", file.display())]);
        bao.audit_log = Some(log);
        bao
    }

    /// The audit log of a server from [`BaoDev::start_audited`].
    pub fn audit_log_path(&self) -> PathBuf {
        self.audit_log
            .clone()
            .unwrap_or_else(|| panic!("the server on port {} has no audit device", self.port))
    }

    /// Every request the audit device has logged so far: `(operation, path)`.
    pub fn audited_requests(&self) -> Vec<(String, String)> {
        let path = self.audit_log_path();
        let text = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read the audit log {}: {e}", path.display()));
        text.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["type"] == "request")
            .map(|v| {
                (
                    v["request"]["operation"].as_str().unwrap_or("").to_string(),
                    v["request"]["path"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    /// Starts a dev server whose configuration declares a `file` audit device
    /// writing to stdout: the example manifest's audit device, which OpenBao
    /// refuses to enable over the API. The configuration is read at start.
    pub fn start_with_stdout_audit() -> BaoDev {
        let config = tempfile::tempdir().expect("a temp dir");
        let audit = config.path().join("audit.hcl");
        fs::write(
            &audit,
            "audit \"file\" \"stdout\" {\n  options {\n    file_path = \"stdout\"\n  }\n}\n",
        )
        .expect("the audit configuration is written");
        BaoDev::start_with_args(&[format!("-config={}", audit.display())])
    }

    /// Starts a dev server with extra `bao server` arguments.
    pub fn start_with_args(extra: &[String]) -> BaoDev {
        let bin = bao_bin();
        let dir = tempfile::Builder::new()
            .prefix("vaultform-bao-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir for the OpenBao server: {e}"));
        let token = random_token();
        let probe_agent = new_agent(Duration::from_secs(2));
        let mut failures: Vec<Failure> = Vec::new();
        for attempt in 1..=MAX_ATTEMPTS {
            match try_start(&bin, dir.path(), &token, attempt, &probe_agent, extra) {
                Ok(started) => {
                    return BaoDev {
                        addr: format!("http://127.0.0.1:{}", started.port),
                        token,
                        port: started.port,
                        pid: started.pid,
                        watchdog: started.watchdog,
                        lifeline: Some(started.lifeline),
                        log_path: started.log_path,
                        agent: new_agent(Duration::from_secs(60)),
                        dir,
                        audit_log: None,
                    };
                }
                Err(failure) => {
                    let retry = failure.retry;
                    failures.push(failure);
                    if !retry {
                        break;
                    }
                }
            }
        }
        panic!("{}", describe_failures(&bin, &failures));
    }

    /// One dev server shared by every test in this test binary, started on first use.
    ///
    /// It is never dropped; the watchdog kills it when the test process exits (its temp dir is
    /// left behind). Tests sharing it must use their own mount paths and names.
    pub fn shared() -> &'static BaoDev {
        static SHARED: OnceLock<BaoDev> = OnceLock::new();
        SHARED.get_or_init(BaoDev::start)
    }

    /// The server's address, `http://127.0.0.1:<port>` (no trailing slash).
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// The root token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The API port (the dev cluster listener uses `port + 1`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The pid of the `bao` process itself.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The file holding the server's stdout and stderr.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_else(|e| format!("<cannot read log: {e}>"))
    }

    /// The full URL of an API path relative to `/v1/`, e.g. `url("sys/mounts")`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/v1/{}", self.addr, path.trim_start_matches('/'))
    }

    /// A new empty directory inside this server's temp dir, for use as `$HOME`.
    pub fn fresh_home(&self) -> PathBuf {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let home = self
            .dir
            .path()
            .join(format!("home-{}", NEXT.fetch_add(1, Ordering::Relaxed)));
        fs::create_dir_all(&home)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", home.display()));
        home
    }

    /// Sends `method` to `path` (relative to `/v1/`) with the root token and an optional JSON body.
    ///
    /// Returns the status and the body parsed as JSON (`Null` when empty, a `String` when not
    /// JSON). Panics on transport errors, naming the request and showing the server log.
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let url = self.url(path);
        http(&self.agent, method, &url, Some(&self.token), body).unwrap_or_else(|e| {
            panic!(
                "{e}\n--- OpenBao log ({}) ---\n{}",
                self.log_path.display(),
                self.log()
            )
        })
    }

    /// `GET /v1/<path>`.
    pub fn get(&self, path: &str) -> (u16, Value) {
        self.request("GET", path, None)
    }

    /// `POST /v1/<path>` with a JSON body.
    pub fn write(&self, path: &str, body: &Value) -> (u16, Value) {
        self.request("POST", path, Some(body))
    }

    /// `POST /v1/<path>` to a KV v2 mount that may have just been enabled: retried (20 ms apart,
    /// at most 100 times) while the mount upgrades its storage; returns the last status.
    pub fn write_kv(&self, path: &str, body: &Value) -> u16 {
        let mut status = 0;
        for _ in 0..100 {
            status = self.write(path, body).0;
            if status == 200 {
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        status
    }

    /// `DELETE /v1/<path>`; returns the status.
    pub fn delete(&self, path: &str) -> u16 {
        self.request("DELETE", path, None).0
    }

    /// `LIST /v1/<path>`: the `keys`, or empty when the server answers 404 (nothing there).
    ///
    /// Panics on any other status or a body without `data.keys`.
    pub fn list(&self, path: &str) -> Vec<String> {
        match self.request("LIST", path, None) {
            (404, _) => Vec::new(),
            (200, body) => body["data"]["keys"]
                .as_array()
                .unwrap_or_else(|| panic!("LIST {path}: no data.keys in {body}"))
                .iter()
                .map(|k| {
                    k.as_str()
                        .unwrap_or_else(|| panic!("LIST {path}: non-string key {k}"))
                        .to_owned()
                })
                .collect(),
            (status, body) => panic!("LIST {path}: unexpected {status}: {body}"),
        }
    }
}

impl Drop for BaoDev {
    /// SIGKILLs the server (through the watchdog) and reaps the watchdog.
    fn drop(&mut self) {
        stop(&mut self.watchdog, self.lifeline.take());
    }
}

/// Closes the watchdog's pipe, which makes it SIGKILL bao and exit, then reaps it. If it has not
/// exited within [`STOP_DEADLINE`], kills the watchdog too.
pub(crate) fn stop(watchdog: &mut Child, lifeline: Option<ChildStdin>) {
    drop(lifeline);
    let deadline = Instant::now() + STOP_DEADLINE;
    loop {
        match watchdog.try_wait() {
            Ok(Some(_)) | Err(_) => return,
            Ok(None) if Instant::now() >= deadline => {
                let _ = watchdog.kill();
                let _ = watchdog.wait();
                return;
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
        }
    }
}

/// Why one start attempt failed.
struct Failure {
    port: u16,
    reason: String,
    log: Option<PathBuf>,
    /// The watchdog shell's own output (normally empty).
    watchdog_log: Option<PathBuf>,
    /// Worth another try on a new port (the server lost a port race).
    retry: bool,
}

/// A server that answered `sys/health` with 200 and accepted our root token.
struct Started {
    port: u16,
    pid: u32,
    watchdog: Child,
    lifeline: ChildStdin,
    log_path: PathBuf,
}

/// What one readiness probe saw.
enum Probe {
    /// Health 200 and our token works.
    Ready,
    /// Health 200 but our token is refused: another server owns this port.
    NotOurs(String),
    /// Not listening or not ready yet.
    NotYet(String),
}

fn try_start(
    bin: &Path,
    dir: &Path,
    token: &str,
    attempt: u32,
    agent: &ureq::Agent,
    extra: &[String],
) -> Result<Started, Failure> {
    let port = free_port_pair().map_err(|reason| Failure {
        port: 0,
        reason,
        log: None,
        watchdog_log: None,
        retry: true,
    })?;
    let log_path = dir.join(format!("bao-{attempt}.log"));
    let pid_path = dir.join(format!("bao-{attempt}.pid"));
    let watchdog_log = dir.join(format!("watchdog-{attempt}.log"));
    let fail = |reason: String, retry: bool| Failure {
        port,
        reason,
        log: Some(log_path.clone()),
        watchdog_log: Some(watchdog_log.clone()),
        retry,
    };

    let mut watchdog = spawn_watchdog(
        bin,
        dir,
        token,
        port,
        (&log_path, &pid_path, &watchdog_log),
        extra,
    )
    .map_err(|e| {
        fail(
            format!("cannot start {} under /bin/sh: {e}", bin.display()),
            false,
        )
    })?;
    let Some(lifeline) = watchdog.stdin.take() else {
        let _ = watchdog.kill();
        let _ = watchdog.wait();
        return Err(fail("watchdog has no stdin pipe".into(), false));
    };

    let started = Instant::now();
    loop {
        match watchdog.try_wait() {
            Ok(Some(status)) => {
                return Err(fail(
                    format!(
                        "exited after {:?}, before it was ready ({})",
                        started.elapsed(),
                        describe_status(status)
                    ),
                    true,
                ));
            }
            Ok(None) => {}
            Err(e) => {
                stop(&mut watchdog, Some(lifeline));
                return Err(fail(format!("cannot check the server process: {e}"), false));
            }
        }
        let last = match probe(agent, port, token) {
            Probe::Ready => break,
            Probe::NotOurs(why) => {
                stop(&mut watchdog, Some(lifeline));
                return Err(fail(
                    format!("port {port} is served by another server: {why}"),
                    true,
                ));
            }
            Probe::NotYet(why) => why,
        };
        if started.elapsed() >= READY_DEADLINE {
            stop(&mut watchdog, Some(lifeline));
            return Err(fail(
                format!("not ready after {READY_DEADLINE:?}; last probe: {last}"),
                false,
            ));
        }
        thread::sleep(POLL_INTERVAL);
    }

    // The watchdog writes the pid file right after starting bao; it is there by now, or moments
    // later.
    let pid = loop {
        if let Some(pid) = fs::read_to_string(&pid_path)
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok())
        {
            break pid;
        }
        if started.elapsed() >= READY_DEADLINE {
            stop(&mut watchdog, Some(lifeline));
            return Err(fail(
                format!("the watchdog never wrote {}", pid_path.display()),
                false,
            ));
        }
        thread::sleep(Duration::from_millis(5));
    };
    Ok(Started {
        port,
        pid,
        watchdog,
        lifeline,
        log_path,
    })
}

/// Spawns `bao server -dev` under the [`WATCHDOG`] script (the paths are its
/// log, pid file and own log, in that order); bao's output goes to `log_path`, the
/// watchdog's own to `watchdog_log`.
fn spawn_watchdog(
    bin: &Path,
    dir: &Path,
    token: &str,
    port: u16,
    (log_path, pid_path, watchdog_log): (&Path, &Path, &Path),
    extra_args: &[String],
) -> std::io::Result<Child> {
    let out = fs::File::create(watchdog_log)?;
    let err = out.try_clone()?;
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(WATCHDOG)
        .arg("sh")
        .arg(log_path)
        .arg(pid_path)
        .arg(bin)
        .args(["server", "-dev", "-dev-no-store-token"])
        .arg(format!("-dev-root-token-id={token}"))
        .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
        .args(extra_args);
    for (key, _) in std::env::vars_os() {
        if is_vault_var(&key) {
            cmd.env_remove(key);
        }
    }
    cmd.env("HOME", dir)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(out)
        .stderr(err)
        .spawn()
}

fn probe(agent: &ureq::Agent, port: u16, token: &str) -> Probe {
    let base = format!("http://127.0.0.1:{port}/v1");
    match http(agent, "GET", &format!("{base}/sys/health"), None, None) {
        Ok((200, _)) => {}
        Ok((status, body)) => {
            return Probe::NotYet(format!("sys/health answered {status}: {body}"));
        }
        Err(e) => return Probe::NotYet(e),
    }
    match http(
        agent,
        "GET",
        &format!("{base}/auth/token/lookup-self"),
        Some(token),
        None,
    ) {
        Ok((200, _)) => Probe::Ready,
        Ok((403, body)) => Probe::NotOurs(format!("our root token was refused: {body}")),
        Ok((status, body)) => Probe::NotYet(format!("token lookup-self answered {status}: {body}")),
        Err(e) => Probe::NotYet(e),
    }
}

/// A port P on 127.0.0.1 such that P and P+1 (the cluster listener) were both free a moment
/// ago. Ports are released before returning, so a race with another listener is possible:
/// callers retry on early exit.
///
/// The ports come from below the kernel's ephemeral range ([`port_window`]), never from
/// `bind(0)`: an outgoing connection of any process takes its local port from that range, and a
/// raft node binds its cluster port only when it is unsealed, seconds after launch. CI saw it
/// happen (`listen tcp 127.0.0.1:41694: bind: address already in use` in the joining node's log,
/// and the join never finished). Within one test binary an atomic counter hands each pair out
/// once; a random start per process keeps concurrent binaries apart.
pub fn free_port_pair() -> Result<u16, String> {
    free_ports(2)
}

/// One port on 127.0.0.1 that was free a moment ago, chosen like [`free_port_pair`]'s.
pub fn free_port() -> Result<u16, String> {
    free_ports(1)
}

/// The first of `width` consecutive free ports in [`port_window`], each range handed out once
/// per process.
fn free_ports(width: u16) -> Result<u16, String> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static START: OnceLock<u64> = OnceLock::new();
    let (low, high) = port_window();
    // Pairs on even offsets, so a pair and a single port never overlap by one.
    let slots = u64::from((high - low) / 2);
    let start = *START.get_or_init(|| RandomState::new().build_hasher().finish() % slots);
    let mut last = String::new();
    for _ in 0..200 {
        let slot = (start + NEXT.fetch_add(1, Ordering::Relaxed)) % slots;
        // `slot < slots = (high - low) / 2`, so `low + 2 * slot + 1 < high`: no overflow.
        let port = low + 2 * u16::try_from(slot).expect("slot < slots <= u16::MAX / 2");
        let held: Result<Vec<TcpListener>, String> = (0..width)
            .map(|k| {
                TcpListener::bind(("127.0.0.1", port + k))
                    .map_err(|e| format!("127.0.0.1:{} busy: {e}", port + k))
            })
            .collect();
        match held {
            Ok(_) => return Ok(port),
            Err(e) => last = e,
        }
    }
    Err(format!(
        "no {width} free consecutive ports in 127.0.0.1:{low}..{high} after 200 tries ({last})"
    ))
}

/// The ports test servers listen on: `[10000, L)` where L is the low end of the kernel's
/// ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`, 32768 by default), so no outgoing
/// connection can be given one of them as its local port.
fn port_window() -> (u16, u16) {
    static WINDOW: OnceLock<(u16, u16)> = OnceLock::new();
    *WINDOW.get_or_init(|| {
        let range: Vec<u16> = fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        let (low, high) = match range[..] {
            [low, high] => (low, high),
            _ => (32768, 60999),
        };
        if low >= 12_000 {
            (10_000, low)
        } else if high <= 63_000 {
            // An ephemeral range that starts low: the ports above it instead.
            (high + 1, 65_000)
        } else {
            // The whole port space is ephemeral: nothing to avoid.
            (10_000, 65_000)
        }
    })
}

fn new_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .allow_non_standard_methods(true)
        .proxy(None)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// One HTTP exchange. `Err` only for transport problems; every status is `Ok`.
fn http(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Result<(u16, Value), String> {
    let what = format!("{method} {url}");
    let method = ureq::http::Method::from_bytes(method.as_bytes())
        .map_err(|e| format!("{what}: bad method: {e}"))?;
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    if let Some(token) = token {
        builder = builder.header("X-Vault-Token", token);
    }
    let response = match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .map(|req| agent.run(req)),
        None => builder.body(()).map(|req| agent.run(req)),
    }
    .map_err(|e| format!("{what}: cannot build request: {e}"))?
    .map_err(|e| format!("{what}: {e}"))?;
    let status = response.status().as_u16();
    let text = response
        .into_body()
        .read_to_string()
        .map_err(|e| format!("{what}: reading the {status} response: {e}"))?;
    let value = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Ok((status, value))
}

/// True for the variables a Vault/OpenBao client or server reads: `VAULT_*` and `BAO_*`.
fn is_vault_var(key: &OsStr) -> bool {
    let key = key.to_string_lossy();
    key.starts_with("VAULT_") || key.starts_with("BAO_")
}

/// A root token id unique to this server: `vf-root-` and 32 hex digits.
pub(crate) fn random_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut words = [0u64; 2];
    for word in &mut words {
        let mut h = RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        if let Ok(d) = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
            h.write_u128(d.as_nanos());
        }
        *word = h.finish();
    }
    format!("vf-root-{:016x}{:016x}", words[0], words[1])
}

fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => status.to_string(),
    }
}

fn describe_failures(bin: &Path, failures: &[Failure]) -> String {
    let mut msg = format!(
        "cannot start an OpenBao dev server ({}) after {} attempt(s):",
        bin.display(),
        failures.len()
    );
    for (i, f) in failures.iter().enumerate() {
        let _ = write!(
            msg,
            "\n\nattempt {} on 127.0.0.1:{}: {}",
            i + 1,
            f.port,
            f.reason
        );
        if let Some(log) = &f.log {
            let _ = write!(msg, "\n--- {} ---\n{}", log.display(), log_tail(log));
        }
        let watchdog_log = f.watchdog_log.as_ref();
        if let Some(log) = watchdog_log.filter(|p| fs::metadata(p).is_ok_and(|m| m.len() > 0)) {
            let _ = write!(
                msg,
                "\n--- watchdog output {} ---\n{}",
                log.display(),
                log_tail(log)
            );
        }
    }
    msg
}

fn log_tail(path: &Path) -> String {
    match fs::read(path) {
        Ok(bytes) if bytes.is_empty() => "<empty>".into(),
        Ok(bytes) if bytes.len() > LOG_TAIL_BYTES => format!(
            "<{} earlier bytes cut>\n{}",
            bytes.len() - LOG_TAIL_BYTES,
            String::from_utf8_lossy(&bytes[bytes.len() - LOG_TAIL_BYTES..])
        ),
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => format!("<cannot read: {e}>"),
    }
}

/// `vaultform` (the binary built from this crate) aimed at `bao`.
///
/// Removes every `VAULT_*`/`BAO_*` variable inherited from the developer's shell, then sets
/// `VAULT_ADDR` and `VAULT_TOKEN` to the server's, `NO_COLOR=1`, and `HOME` to a fresh empty
/// directory, so `~/.vault-token` and other personal config are never read.
pub fn vaultform_cmd(bao: &BaoDev) -> assert_cmd::Command {
    let mut cmd = clean_vaultform_cmd(&bao.fresh_home());
    cmd.env("VAULT_ADDR", bao.addr())
        .env("VAULT_TOKEN", bao.token());
    cmd
}

/// `vaultform` with no server: like [`vaultform_cmd`] but `VAULT_ADDR` points at a closed
/// loopback port and no token is set. For commands that must not need Vault (manifest validation).
/// `home` becomes `$HOME`; pass a temp dir that outlives the command.
pub fn offline_vaultform_cmd(home: &Path) -> assert_cmd::Command {
    let mut cmd = clean_vaultform_cmd(home);
    cmd.env("VAULT_ADDR", "http://127.0.0.1:9");
    cmd
}

fn clean_vaultform_cmd(home: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("vaultform");
    for (key, _) in std::env::vars_os() {
        if is_vault_var(&key) {
            cmd.env_remove(key);
        }
    }
    // Nor their proxies (tests that use one set it themselves).
    for proxy in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"] {
        cmd.env_remove(proxy).env_remove(proxy.to_lowercase());
    }
    cmd.env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .env("NO_COLOR", "1")
        .env("HOME", home);
    cmd
}

/// A diagnostic as one line: miette wraps messages and help at 80 columns
/// (`\n  | ` and `\n        `); assertions on text use this.
pub fn flat(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let t = line.trim_start();
        let continued = t.starts_with("| ")
            || (line.starts_with("        ") && !t.is_empty() && !out.is_empty());
        if continued {
            out.push(' ');
            out.push_str(t.strip_prefix("| ").unwrap_or(t).trim_end());
        } else {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(line.trim_end());
        }
    }
    out
}
