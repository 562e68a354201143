//! Scale benchmark: the real `vaultform` binary against a fresh OpenBao dev
//! server, for S generated services, next to a *floor*: the same requests
//! issued as raw HTTP from this process at the best concurrency found.
//!
//! ```sh
//! cargo bench --bench scale -- [--sizes 10,100,1000] [--rounds 3] [--json target/bench/scale.json]
//! scripts/bench.sh [same options]          # installs OpenBao, builds, runs this
//! ```
//!
//! Each service `svc-N` has a policy (`policies/svc-N-policy.hcl`), an AppRole
//! role (token TTL 1h, max 4h, secret-id TTL 1h) and a KV v2 secret
//! `bench/svc-N` of five keys (one from `.env`). For every size and round,
//! on a fresh server and workspace, it runs:
//!
//! | step | command | expected |
//! |---|---|---|
//! | `validate` | `vaultform validate` (offline: start-up and manifest cost, no floor) | exit 0 |
//! | `cold_apply` | `apply --auto-approve` on an empty server | exit 0 |
//! | `noop_plan` | `plan --detailed-exitcode` | exit 0 |
//! | `drift_plan` | the same after changing `.env` for 1% of services (at least one) | exit 2 |
//! | `drift_apply` | `apply --auto-approve` | exit 0 |
//! | `noop_apply` | `apply --auto-approve` again | exit 0, zero writes |
//!
//! Next to each run of vaultform, on the same server, runs a trial of the
//! *floor*: the same requests sent raw from this process. No-op plan, drift
//! plan and no-op re-apply send the plan's reads; a drift apply sends them and
//! writes the drifted secrets back (their current data, with check-and-set).
//! Each trial uses one of concurrency 4, 8, 16 and 32 on one of two tokio
//! runtimes (multi-thread with two workers, or current-thread like
//! vaultform's), in turn. Every step but `validate` and `cold_apply` runs
//! `--repeat` times per round (default: the 8 combinations), each run followed
//! by its floor trial (a drift apply's comes just before it, so that its
//! write-back is not left for the no-op re-apply to find as a hand edit): the
//! server's speed drifts within a round (identical
//! reads took 485-774 ms, tracking the server's own CPU; it gets faster as it
//! warms up), so vaultform and its floor are timed side by side, over equally
//! many samples. `drift_apply` gets a new 1% drift each time. After the
//! steps, the cold apply's floor runs under fresh names (`f<c><rt>kv/`,
//! `f<c><rt>ar/`, ...) with every combination; a cold apply cannot be repeated
//! on one server, so its vaultform best is over the rounds only.
//!
//! vaultform's figure for a step is its best wall time over all its runs; the
//! floor's is the best over that step's trials (all rounds, concurrencies and
//! runtimes). The ratio of the two is the figure to track: the machine is
//! shared and noisy, absolute times are not. Beside it the table shows the
//! median ratio: vaultform's median over its runs against the floor's median
//! at the floor's best concurrency and runtime.
//!
//! The floor is a floor of requests, not of process start-up: its client is
//! built before the clock starts (the connection pool is fresh). Its cold apply
//! waits for nothing but the mounts, writes the ownership record as one string
//! (OpenBao refuses request bodies with more than 1000 JSON strings by
//! default) and repeats writes a just-enabled KV v2 mount refuses while it
//! upgrades, as any client must.
//!
//! vaultform runs as a grandchild: this binary re-executes itself as
//! `--measure-child`, which spawns vaultform, waits for it and reads
//! `getrusage(RUSAGE_CHILDREN)`, so CPU time and peak RSS are vaultform's own.
//! Request counts come from vaultform's `-v` log line
//! `... vaultform::vault::login: requests reads=R lists=L writes=W`.
//!
//! Under `cargo test --all-targets` (no `--bench` argument) it only prints a
//! line and exits 0.

use futures::stream::{self, StreamExt};
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::signal::{Signal, kill};
use nix::sys::time::TimeVal;
use nix::unistd::Pid;
use rand::Rng;
use rand::distributions::Alphanumeric;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

type R<T> = Result<T, String>;

/// Floor concurrencies tried by default.
const CONCURRENCIES: [usize; 4] = [4, 8, 16, 32];
/// How long a dev server may take to answer health 200.
const READY_DEADLINE: Duration = Duration::from_secs(30);
/// Start attempts, each on a new port.
const START_ATTEMPTS: u32 = 5;
/// How long one vaultform run may take before it is killed.
const CHILD_DEADLINE: Duration = Duration::from_secs(900);
/// Per-request timeout of the floor and health clients.
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);
/// How often, and how far apart, the floor repeats a write that a KV v2 mount
/// refused because it was enabled a moment ago.
const UPGRADE_RETRIES: u32 = 200;
const UPGRADE_RETRY_DELAY: Duration = Duration::from_millis(5);
/// How long `Drop` waits for the server's watchdog to exit.
const STOP_DEADLINE: Duration = Duration::from_secs(10);

/// Keys of every generated secret, in manifest order.
const SECRET_KEYS: [&str; 5] = ["HOST", "PORT", "DB_NAME", "USERNAME", "PASSWORD"];

/// The vaultform steps, in the order they run.
const STEPS: [&str; 6] = [
    "validate",
    "cold_apply",
    "noop_plan",
    "drift_plan",
    "drift_apply",
    "noop_apply",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--measure-child") {
        return match measure_child(&args[1..]) {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("scale --measure-child: {e}");
                ExitCode::from(1)
            }
        };
    }
    if !args.iter().any(|a| a == "--bench") {
        println!(
            "scale: benchmark against a real OpenBao server; run it with `cargo bench --bench scale` \
             or scripts/bench.sh (skipped outside `cargo bench`)"
        );
        return ExitCode::SUCCESS;
    }
    let opts = match Opts::parse(&args) {
        Ok(Some(o)) => o,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scale: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&opts) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("scale: a vaultform run failed (see FAILED above)");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("scale: error: {e}");
            ExitCode::from(1)
        }
    }
}

const USAGE: &str = "usage: cargo bench --bench scale -- [--sizes 10,100,1000] [--rounds 3] \
[--json target/bench/scale.json] [--concurrency 4,8,16,32] [--repeat N] [--parallelism N] \
[--max-request-json-strings N]

  --sizes        numbers of services (1..=20000 each)
  --rounds       rounds per size, each on a fresh server; best of them is reported (1..=20)
  --json         where to write the JSON results
  --concurrency  floor concurrencies to try
  --repeat       runs per round of each vaultform step that can be repeated on the same server
                 (all but validate and cold apply); default: the floor's trials per round
                 (concurrencies x 2 runtimes), so both best figures are minimums over equally
                 many samples (1..=50)
  --parallelism  passed to vaultform as --parallelism (default: vaultform's own, 16)
  --max-request-json-strings N
                 serve from an extra listener with this JSON strings limit (-1: none) instead of
                 OpenBao's default 1000 per request body; the stock server is the default
env: BAO_BIN (else scripts/install-openbao.sh is run), VAULTFORM_BIN (else the binary cargo built)";

/// Command-line options.
#[derive(Clone)]
struct Opts {
    sizes: Vec<usize>,
    rounds: usize,
    json: PathBuf,
    concurrencies: Vec<usize>,
    /// Runs per round of the repeatable steps; `None`: the floor's trials per round.
    repeat: Option<usize>,
    parallelism: Option<u16>,
    /// Serve vaultform and the floor from an extra listener with this
    /// `max_request_json_strings` (-1: unlimited) instead of the stock 1000.
    max_json_strings: Option<i64>,
}

impl Opts {
    /// Runs per round of a repeatable step: as many as the floor has trials per round.
    fn repeat(&self) -> usize {
        self.repeat
            .unwrap_or(self.concurrencies.len() * Flavor::ALL.len())
    }

    fn parse(args: &[String]) -> R<Option<Opts>> {
        let mut o = Opts {
            sizes: vec![10, 100, 1000],
            rounds: 3,
            json: Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench/scale.json"),
            concurrencies: CONCURRENCIES.to_vec(),
            repeat: None,
            parallelism: None,
            max_json_strings: None,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
                _ => (arg.as_str(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| it.next().cloned())
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match name {
                "--bench" => {}
                "-h" | "--help" => {
                    println!("{USAGE}");
                    return Ok(None);
                }
                "--sizes" => o.sizes = list(&value()?, name, 1, 20_000)?,
                "--rounds" => o.rounds = number(&value()?, name, 1, 20)?,
                "--json" => o.json = PathBuf::from(value()?),
                "--concurrency" => o.concurrencies = list(&value()?, name, 1, 256)?,
                "--repeat" => o.repeat = Some(number(&value()?, name, 1, 50)?),
                "--parallelism" => {
                    o.parallelism = Some(number(&value()?, name, 1, 256)? as u16);
                }
                "--max-request-json-strings" => {
                    let v = value()?;
                    o.max_json_strings = Some(
                        v.trim()
                            .parse::<i64>()
                            .ok()
                            .filter(|n| *n == -1 || *n > 0)
                            .ok_or_else(|| {
                                format!("{name}: `{v}` is not -1 or a positive number")
                            })?,
                    );
                }
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(Some(o))
    }
}

fn number(text: &str, name: &str, min: usize, max: usize) -> R<usize> {
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("{name}: `{text}` is not a number in {min}..={max}"))
}

fn list(text: &str, name: &str, min: usize, max: usize) -> R<Vec<usize>> {
    let v = text
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| number(s, name, min, max))
        .collect::<R<Vec<_>>>()?;
    if v.is_empty() {
        return Err(format!("{name}: empty list"));
    }
    Ok(v)
}

// ---------------------------------------------------------------------------
// The measuring helper: this binary re-executed as `--measure-child`.

/// `--measure-child OUT ERR DEADLINE_SECS -- PROGRAM ARGS...`: runs PROGRAM with
/// stdout/stderr to files, kills it after the deadline, and prints
/// `spawn_unix_ns wall_ns user_us sys_us maxrss_kib exit_code`.
fn measure_child(args: &[String]) -> R<String> {
    let [out, err, deadline, sep, program, rest @ ..] = args else {
        return Err("usage: --measure-child OUT ERR DEADLINE_SECS -- PROGRAM ARGS...".into());
    };
    if sep != "--" {
        return Err("expected `--` before the program".into());
    }
    let deadline = Duration::from_secs(deadline.parse().map_err(|_| "bad deadline")?);
    let stdout = fs::File::create(out).map_err(|e| format!("cannot create {out}: {e}"))?;
    let stderr = fs::File::create(err).map_err(|e| format!("cannot create {err}: {e}"))?;
    let before = getrusage(UsageWho::RUSAGE_CHILDREN).map_err(|e| format!("getrusage: {e}"))?;
    let spawn_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let pid = Pid::from_raw(i32::try_from(child.id()).map_err(|_| "pid out of range")?);
    let done = Arc::new(AtomicBool::new(false));
    let watch = {
        let done = done.clone();
        thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                if started.elapsed() > deadline {
                    let _ = kill(pid, Signal::SIGKILL);
                    return;
                }
                thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let status = child.wait().map_err(|e| format!("wait: {e}"));
    let wall = started.elapsed();
    done.store(true, Ordering::SeqCst);
    let _ = watch.join();
    let status = status?;
    let after = getrusage(UsageWho::RUSAGE_CHILDREN).map_err(|e| format!("getrusage: {e}"))?;
    let us = |t: TimeVal| t.tv_sec() * 1_000_000 + t.tv_usec();
    Ok(format!(
        "{} {} {} {} {} {}",
        spawn_unix,
        wall.as_nanos(),
        us(after.user_time()) - us(before.user_time()),
        us(after.system_time()) - us(before.system_time()),
        after.max_rss(),
        status.code().unwrap_or(-1),
    ))
}

// ---------------------------------------------------------------------------
// The OpenBao dev server.

/// The watchdog, run as `sh -c WATCHDOG sh <log> <pidfile> <bao> <args...>` with
/// its stdin the read end of a pipe held by this process: when that closes for
/// any reason (drop, panic, SIGKILL of the benchmark), bao is killed. Same
/// pattern as the integration tests (OPENBAO.md section 14).
const WATCHDOG: &str = r#"exec 3<&0 </dev/null
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

/// A running dev server (in-memory storage), killed on `Drop`.
struct Bao {
    addr: String,
    token: String,
    pid: u32,
    version: String,
    _proc: Watched,
    _dir: tempfile::TempDir,
}

/// The watchdog shell and the write end of its pipe; dropping it kills bao.
struct Watched {
    watchdog: Child,
    lifeline: Option<ChildStdin>,
}

impl Drop for Watched {
    fn drop(&mut self) {
        // Closing the pipe makes the watchdog SIGKILL bao; then reap the watchdog.
        drop(self.lifeline.take());
        let started = Instant::now();
        while started.elapsed() < STOP_DEADLINE {
            match self.watchdog.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => thread::sleep(Duration::from_millis(10)),
            }
        }
        let _ = self.watchdog.kill();
        let _ = self.watchdog.wait();
    }
}

impl Bao {
    fn start(bin: &Path, rt: &tokio::runtime::Runtime, json_strings: Option<i64>) -> R<Bao> {
        let dir = tempfile::Builder::new()
            .prefix("vaultform-bench-bao-")
            .tempdir()
            .map_err(|e| format!("cannot create a temp dir: {e}"))?;
        let token: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(24)
            .map(char::from)
            .collect();
        let http = http_client()?;
        let mut failures = Vec::new();
        for attempt in 1..=START_ATTEMPTS {
            let port = free_port_pair(&[])?;
            // With a JSON strings limit of our own: an extra listener, used for everything.
            let extra = match json_strings {
                Some(n) => {
                    let q = free_port_pair(&[port, port + 1])?;
                    let cfg = dir.path().join(format!("listener-{attempt}.hcl"));
                    fs::write(
                        &cfg,
                        format!(
                            "listener \"tcp\" {{\n  address = \"127.0.0.1:{q}\"\n  tls_disable = true\n  \
                             max_request_json_strings = {n}\n}}\n"
                        ),
                    )
                    .map_err(|e| format!("cannot write {}: {e}", cfg.display()))?;
                    Some((q, cfg))
                }
                None => None,
            };
            let log = dir.path().join(format!("bao-{attempt}.log"));
            let pidfile = dir.path().join(format!("bao-{attempt}.pid"));
            let mut cmd = Command::new("sh");
            cmd.arg("-c")
                .arg(WATCHDOG)
                .arg("sh")
                .arg(&log)
                .arg(&pidfile)
                .arg(bin)
                .args([
                    "server",
                    "-dev",
                    "-dev-no-store-token",
                    &format!("-dev-root-token-id={token}"),
                    &format!("-dev-listen-address=127.0.0.1:{port}"),
                ])
                .args(
                    extra
                        .iter()
                        .map(|(_, cfg)| format!("-config={}", cfg.display())),
                )
                .env("HOME", dir.path())
                .current_dir(dir.path())
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            for (k, _) in std::env::vars_os() {
                let k = k.to_string_lossy();
                if k.starts_with("VAULT_") || k.starts_with("BAO_") {
                    cmd.env_remove(&*k);
                }
            }
            let mut watchdog = cmd
                .spawn()
                .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
            let lifeline = watchdog.stdin.take();
            let mut proc = Watched { watchdog, lifeline };
            let addr = format!(
                "http://127.0.0.1:{}",
                extra.as_ref().map_or(port, |(q, _)| *q)
            );
            match rt.block_on(wait_ready(&mut proc, &http, &addr, &token, &pidfile)) {
                Ok((pid, version)) => {
                    return Ok(Bao {
                        addr,
                        token,
                        pid,
                        version,
                        _proc: proc,
                        _dir: dir,
                    });
                }
                Err(reason) => {
                    drop(proc);
                    failures.push(format!(
                        "attempt {attempt} on port {port}: {reason}\n--- {} (tail) ---\n{}",
                        log.display(),
                        log_tail(&log)
                    ));
                }
            }
        }
        Err(format!(
            "could not start an OpenBao dev server from {}:\n{}",
            bin.display(),
            failures.join("\n")
        ))
    }

    /// Waits, at most 5 s, until the server is idle (under 10 ms of CPU in
    /// 250 ms), so that background work left by one step (Go's GC, KV v2
    /// upgrades after a cold apply) is not charged to the next timed run.
    /// Called before every timed run, vaultform's and the floor's alike.
    fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut last = self.cpu_ms();
        while Instant::now() < deadline {
            thread::sleep(Duration::from_millis(250));
            let now = self.cpu_ms();
            let busy = now - last > 10.0; // false for NaN too: then do not wait
            if !busy {
                return;
            }
            last = now;
        }
    }

    /// The server's CPU time so far (user + system), in ms, from /proc.
    fn cpu_ms(&self) -> f64 {
        let Ok(stat) = fs::read_to_string(format!("/proc/{}/stat", self.pid)) else {
            return f64::NAN;
        };
        let Some((_, after)) = stat.rsplit_once(')') else {
            return f64::NAN;
        };
        let f: Vec<&str> = after.split_whitespace().collect();
        // Fields 14 and 15 of stat (utime, stime) in clock ticks of 1/100 s.
        let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        (ticks(11) + ticks(12)) * 10.0
    }
}

/// Polls health until 200 (and the root token works); returns bao's pid and version.
async fn wait_ready(
    proc: &mut Watched,
    http: &reqwest::Client,
    addr: &str,
    token: &str,
    pidfile: &Path,
) -> R<(u32, String)> {
    let started = Instant::now();
    let mut last = String::from("no answer yet");
    for _ in 0..(READY_DEADLINE.as_millis() / 20) {
        if started.elapsed() > READY_DEADLINE {
            break;
        }
        if let Ok(Some(status)) = proc.watchdog.try_wait() {
            return Err(format!("the server exited early ({status})"));
        }
        match http.get(format!("{addr}/v1/sys/health")).send().await {
            Ok(resp) if resp.status().as_u16() == 200 => {
                let health: Value = resp.json().await.unwrap_or(Value::Null);
                // The root token must work: the port may be answered by another server.
                let me = http
                    .get(format!("{addr}/v1/auth/token/lookup-self"))
                    .header("X-Vault-Token", token)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                if me != 200 {
                    return Err(format!(
                        "health is 200 but the root token gets {me} (another server on this port?)"
                    ));
                }
                let version = health["version"].as_str().unwrap_or("?").to_string();
                for _ in 0..250 {
                    if let Some(pid) = fs::read_to_string(pidfile)
                        .ok()
                        .and_then(|t| t.trim().parse().ok())
                    {
                        return Ok((pid, version));
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                return Err("no pid file from the watchdog".into());
            }
            Ok(resp) => last = format!("health answered {}", resp.status()),
            Err(e) => last = format!("health: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(format!(
        "not ready after {}s ({last})",
        READY_DEADLINE.as_secs()
    ))
}

/// A loopback port P with P+1 free too (dev mode's cluster listener), neither in `avoid`.
fn free_port_pair(avoid: &[u16]) -> R<u16> {
    for _ in 0..50 {
        let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
        let port = l.local_addr().map_err(|e| format!("bind: {e}"))?.port();
        if port < u16::MAX
            && !avoid.contains(&port)
            && !avoid.contains(&(port + 1))
            && TcpListener::bind(("127.0.0.1", port + 1)).is_ok()
        {
            return Ok(port);
        }
    }
    Err("no free loopback port pair found in 50 tries".into())
}

fn log_tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let start = text.len().saturating_sub(4000);
    let start = (start..text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    text[start..].to_string()
}

fn http_client() -> R<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(HTTP_TIMEOUT)
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

// ---------------------------------------------------------------------------
// The generated workspace.

struct Workspace {
    dir: tempfile::TempDir,
    size: usize,
}

impl Workspace {
    fn create(size: usize) -> R<Workspace> {
        let dir = tempfile::Builder::new()
            .prefix("vaultform-bench-ws-")
            .tempdir()
            .map_err(|e| format!("cannot create a temp dir: {e}"))?;
        let io = |e: std::io::Error| format!("cannot write the workspace: {e}");
        let mut toml = String::from(
            "# Generated by benches/scale.rs\nenv_file = \".env\"\n\n\
             [mounts.bench]\ntype = \"kv\"\noptions = { version = \"2\" }\n\n\
             [auth.approle]\ntype = \"approle\"\n\n\
             [policies]\ndir = \"policies\"\n",
        );
        fs::create_dir(dir.path().join("policies")).map_err(io)?;
        for n in 0..size {
            let _ = write!(
                toml,
                "\n[approles.svc-{n}]\ntoken_policies = [\"svc-{n}-policy\"]\n\
                 token_ttl = \"1h\"\ntoken_max_ttl = \"4h\"\nsecret_id_ttl = \"1h\"\n\n\
                 [secrets.\"bench/svc-{n}\"]\nHOST = \"svc-{n}-db\"\nPORT = \"5432\"\n\
                 DB_NAME = \"svc_{n}\"\nUSERNAME = \"svc_{n}\"\n\
                 PASSWORD = {{ env = \"SVC_{n}_PASSWORD\" }}\n"
            );
            fs::write(
                dir.path().join(format!("policies/svc-{n}-policy.hcl")),
                policy_text(&format!("bench/data/svc-{n}")),
            )
            .map_err(io)?;
        }
        fs::write(dir.path().join("vault.toml"), toml).map_err(io)?;
        let ws = Workspace { dir, size };
        ws.write_env(&[], 0)?;
        Ok(ws)
    }

    fn manifest(&self) -> PathBuf {
        self.dir.path().join("vault.toml")
    }

    /// The services whose password the drift step changes: 1%, at least one, spread out.
    fn drifted(&self) -> Vec<usize> {
        let k = (self.size / 100).max(1);
        (0..k).map(|i| i * self.size / k).collect()
    }

    /// Writes `.env`; services in `changed` get generation `generation`'s password.
    fn write_env(&self, changed: &[usize], generation: u32) -> R<()> {
        let mut env = String::new();
        for n in 0..self.size {
            let g = if changed.contains(&n) { generation } else { 0 };
            let _ = writeln!(env, "SVC_{n}_PASSWORD=pw{n:06}g{g}Xq7");
        }
        fs::write(self.dir.path().join(".env"), env).map_err(|e| format!("cannot write .env: {e}"))
    }
}

fn policy_text(path: &str) -> String {
    format!("path \"{path}\" {{\n  capabilities = [\"read\"]\n}}\n")
}

// ---------------------------------------------------------------------------
// Running vaultform.

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Counts {
    reads: u64,
    lists: u64,
    writes: u64,
    /// Floor only: requests repeated because a new KV v2 mount was still upgrading.
    retries: u64,
}

impl Counts {
    fn total(&self) -> u64 {
        self.reads + self.lists + self.writes
    }
    fn json(&self) -> Value {
        json!({ "reads": self.reads, "lists": self.lists, "writes": self.writes, "retries": self.retries })
    }
}

/// One vaultform run.
#[derive(Clone, Debug)]
struct Run {
    wall_ms: f64,
    cpu_ms: f64,
    user_ms: f64,
    sys_ms: f64,
    maxrss_kib: u64,
    exit: i32,
    counts: Option<Counts>,
    /// From spawn to the "read live state" log line (start-up + reading live state + planning).
    plan_phase_ms: Option<f64>,
    /// Requests made by then.
    plan_counts: Option<Counts>,
    server_cpu_ms: f64,
}

impl Run {
    fn json(&self) -> Value {
        json!({
            "wall_ms": round3(self.wall_ms),
            "cpu_ms": round3(self.cpu_ms),
            "user_ms": round3(self.user_ms),
            "sys_ms": round3(self.sys_ms),
            "peak_rss_kib": self.maxrss_kib,
            "exit_code": self.exit,
            "requests": self.counts.map(|c| c.json()),
            "plan_phase_ms": self.plan_phase_ms.map(round3),
            "plan_phase_requests": self.plan_counts.map(|c| c.json()),
            "server_cpu_ms": round3(self.server_cpu_ms),
        })
    }
}

struct Ctx {
    vaultform: PathBuf,
    bao: PathBuf,
    opts: Opts,
    /// Multi-threaded runtime (two workers, like vaultform's) for the floor and health checks.
    rt: tokio::runtime::Runtime,
    /// Single-threaded runtime for the floor.
    ct: tokio::runtime::Runtime,
    logs: PathBuf,
}

fn run_vaultform(ctx: &Ctx, bao: &Bao, ws: &Workspace, step: &str, args: &[&str]) -> R<Run> {
    let out = ctx.logs.join(format!("{step}.stdout"));
    let err = ctx.logs.join(format!("{step}.stderr"));
    let self_exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut cmd = Command::new(self_exe);
    cmd.arg("--measure-child")
        .arg(&out)
        .arg(&err)
        .arg(CHILD_DEADLINE.as_secs().to_string())
        .arg("--")
        .arg(&ctx.vaultform)
        .arg("-f")
        .arg(ws.manifest())
        .args(["--no-color", "-v"]);
    if let Some(p) = ctx.opts.parallelism {
        cmd.arg("--parallelism").arg(p.to_string());
    }
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", ws.dir.path())
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", &bao.token)
        .env("NO_COLOR", "1")
        .current_dir(ws.dir.path())
        .stdin(Stdio::null());
    bao.settle();
    let server_before = bao.cpu_ms();
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run the measuring helper: {e}"))?;
    let server_cpu_ms = bao.cpu_ms() - server_before;
    if !output.status.success() {
        return Err(format!(
            "measuring `vaultform {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let line = String::from_utf8_lossy(&output.stdout);
    let f: Vec<i128> = line
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let [spawn_unix_ns, wall_ns, user_us, sys_us, maxrss, exit] = f[..] else {
        return Err(format!("unexpected helper output `{line}`"));
    };
    let stderr = fs::read_to_string(&err).unwrap_or_default();
    let mut counts = None;
    let mut plan_counts = None;
    let mut plan_phase_ms = None;
    for l in stderr.lines() {
        if l.contains(": requests ") && l.contains("reads=") {
            counts = parse_counts(l);
        } else if l.contains("read live state") && l.contains("reads=") {
            plan_counts = parse_counts(l);
            plan_phase_ms = log_time_ns(l).map(|t| (t - spawn_unix_ns) as f64 / 1e6);
        }
    }
    let ms = |us: i128| us as f64 / 1000.0;
    Ok(Run {
        wall_ms: wall_ns as f64 / 1e6,
        cpu_ms: ms(user_us + sys_us),
        user_ms: ms(user_us),
        sys_ms: ms(sys_us),
        maxrss_kib: maxrss.max(0) as u64,
        exit: exit as i32,
        counts,
        plan_phase_ms,
        plan_counts,
        server_cpu_ms,
    })
}

fn parse_counts(line: &str) -> Option<Counts> {
    let field = |name: &str| -> Option<u64> {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .and_then(|v| v.trim_matches(|c: char| !c.is_ascii_digit()).parse().ok())
    };
    Some(Counts {
        reads: field("reads=")?,
        lists: field("lists=")?,
        writes: field("writes=")?,
        retries: 0,
    })
}

/// The timestamp tracing puts first on a log line, as Unix nanoseconds.
fn log_time_ns(line: &str) -> Option<i128> {
    let ts = line.split_whitespace().next()?;
    let t = humantime::parse_rfc3339(ts).ok()?;
    Some(t.duration_since(UNIX_EPOCH).ok()?.as_nanos() as i128)
}

// ---------------------------------------------------------------------------
// The floor: the same requests as raw HTTP.

struct Req {
    method: Method,
    path: String,
    body: Option<Value>,
    /// Keep the parsed response body (for a later phase).
    keep: bool,
}

impl Req {
    fn get(path: impl Into<String>) -> Req {
        Req {
            method: Method::GET,
            path: path.into(),
            body: None,
            keep: false,
        }
    }
    fn list(path: impl Into<String>) -> Req {
        Req {
            method: list_method(),
            path: path.into(),
            body: None,
            keep: false,
        }
    }
    fn scan(path: impl Into<String>) -> Req {
        Req {
            method: Method::from_bytes(b"SCAN").unwrap_or(Method::GET),
            path: path.into(),
            body: None,
            keep: false,
        }
    }
    fn post(path: impl Into<String>, body: Value) -> Req {
        Req {
            method: Method::POST,
            path: path.into(),
            body: Some(body),
            keep: false,
        }
    }
}

fn list_method() -> Method {
    Method::from_bytes(b"LIST").unwrap_or(Method::GET)
}

/// What vaultform's plan reads once the manifest is applied.
fn plan_reads(size: usize) -> Vec<Req> {
    let mut v = vec![
        Req::get("sys/mounts"),
        Req::get("sys/auth"),
        Req::list("sys/policies/acl"),
        Req::get("vaultform/data/managed"),
        Req::list("vaultform/metadata/records"),
        Req::get("vaultform/data/fingerprint-key"),
        Req::list("auth/approle/role"),
        Req::scan("bench/metadata/"),
    ];
    for n in 0..size {
        v.push(Req::get(format!("sys/policies/acl/svc-{n}-policy")));
        v.push(Req::get(format!("auth/approle/role/svc-{n}")));
        v.push(Req::get(format!("bench/data/svc-{n}")));
    }
    v
}

/// A cold apply's requests, under names of their own (`p` is a unique prefix):
/// the reads of a plan on an empty server and the mount enables, then
/// everything that depends on the mounts.
fn cold_requests(size: usize, p: &str) -> (Vec<Req>, Vec<Req>) {
    let kv2 = json!({ "type": "kv", "options": { "version": "2" } });
    let first = vec![
        Req::get("sys/mounts"),
        Req::get("sys/auth"),
        Req::list("sys/policies/acl"),
        Req::post(format!("sys/mounts/{p}own"), kv2.clone()),
        Req::post(format!("sys/mounts/{p}kv"), kv2),
        Req::post(format!("sys/auth/{p}ar"), json!({ "type": "approle" })),
    ];
    let mut addresses = vec![format!("auth.{p}ar"), format!("mount.{p}kv")];
    let mut second = Vec::new();
    for n in 0..size {
        addresses.push(format!("approle.{p}ar/svc-{n}"));
        addresses.push(format!("kv.{p}kv/svc-{n}"));
        addresses.push(format!("policy.{p}-svc-{n}-policy"));
        second.push(Req::post(
            format!("sys/policies/acl/{p}-svc-{n}-policy"),
            json!({ "policy": policy_text(&format!("{p}kv/data/svc-{n}")) }),
        ));
        second.push(Req::post(
            format!("auth/{p}ar/role/svc-{n}"),
            json!({
                "token_policies": [format!("{p}-svc-{n}-policy")],
                "token_ttl": 3600, "token_max_ttl": 14400, "secret_id_ttl": 3600,
            }),
        ));
        second.push(Req::post(
            format!("{p}kv/data/svc-{n}"),
            json!({ "options": { "cas": 0 }, "data": secret_data(n, 0) }),
        ));
    }
    addresses.sort();
    // One newline-joined string, not a JSON list: OpenBao refuses request bodies
    // with more than 1000 strings by default (max_request_json_strings).
    let addresses = addresses.join("\n");
    let key: String = (0..64)
        .map(|i| if i % 2 == 0 { 'a' } else { '5' })
        .collect();
    second.push(Req::post(
        format!("{p}own/data/managed"),
        json!({ "options": { "cas": 0 }, "data": { "addresses": addresses, "format": 1 } }),
    ));
    second.push(Req::get(format!("{p}own/data/fingerprint-key")));
    second.push(Req::post(
        format!("{p}own/data/fingerprint-key"),
        json!({ "options": { "cas": 0 }, "data": { "key": key } }),
    ));
    (first, second)
}

fn secret_data(n: usize, generation: u32) -> Value {
    let values = [
        format!("svc-{n}-db"),
        "5432".to_string(),
        format!("svc_{n}"),
        format!("svc_{n}"),
        format!("pw{n:06}g{generation}Xq7"),
    ];
    Value::Object(
        SECRET_KEYS
            .iter()
            .zip(values)
            .map(|(k, v)| (k.to_string(), Value::String(v)))
            .collect(),
    )
}

/// Issues `reqs` at concurrency `conc`; returns the kept bodies by path.
async fn issue(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    reqs: Vec<Req>,
    conc: usize,
    counts: &mut Counts,
) -> R<BTreeMap<String, Value>> {
    for r in &reqs {
        match r.method.as_str() {
            "GET" => counts.reads += 1,
            "LIST" | "SCAN" => counts.lists += 1,
            _ => counts.writes += 1,
        }
    }
    let retries = &AtomicU64::new(0);
    let results = stream::iter(reqs)
        .map(|r| async move {
            let what = |e: &dyn std::fmt::Display| format!("floor: {} {}: {e}", r.method, r.path);
            let mut attempt = 0;
            let (status, bytes) = loop {
                let mut rb = client
                    .request(r.method.clone(), format!("{base}/v1/{}", r.path))
                    .header("X-Vault-Token", token);
                if let Some(b) = &r.body {
                    rb = rb.json(b);
                }
                let resp = rb.send().await.map_err(|e| what(&e))?;
                let status = resp.status().as_u16();
                let bytes = resp.bytes().await.map_err(|e| what(&e))?;
                // A KV v2 mount refuses writes for a moment after it is enabled
                // ("Upgrading from non-versioned to versioned data"); a client
                // has to wait that out, so the floor does too.
                if status == 400 && attempt < UPGRADE_RETRIES && is_kv_upgrading(&bytes) {
                    attempt += 1;
                    retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(UPGRADE_RETRY_DELAY).await;
                    continue;
                }
                break (status, bytes);
            };
            // A missing item (GET) or an empty folder (LIST) answers 404;
            // vaultform reads both as "nothing there", and so does the floor.
            let ok = (200..300).contains(&status)
                || (status == 404 && (r.method == Method::GET || r.method.as_str() == "LIST"));
            if !ok {
                return Err(what(&format!(
                    "status {status}: {}",
                    String::from_utf8_lossy(&bytes)
                )));
            }
            Ok(r.keep.then(|| {
                (
                    r.path.clone(),
                    serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                )
            }))
        })
        .buffer_unordered(conc.max(1))
        .collect::<Vec<_>>()
        .await;
    counts.retries += retries.load(Ordering::Relaxed);
    let mut kept = BTreeMap::new();
    for r in results {
        if let Some((k, v)) = r? {
            kept.insert(k, v);
        }
    }
    Ok(kept)
}

/// Whether a 400 body is KV v2's "still upgrading after being enabled" answer.
fn is_kv_upgrading(body: &[u8]) -> bool {
    String::from_utf8_lossy(body).contains("Upgrading from non-versioned to versioned data")
}

/// One floor measurement.
#[derive(Clone, Copy, Debug)]
struct FloorRun {
    wall_ms: f64,
    conc: usize,
    flavor: Flavor,
    counts: Counts,
    server_cpu_ms: f64,
    client_cpu_ms: f64,
}

/// The floor client's tokio runtime: multi-threaded (two workers), or a
/// single thread like vaultform's. The floor is the best of both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    MultiThread,
    CurrentThread,
}

impl Flavor {
    const ALL: [Flavor; 2] = [Flavor::MultiThread, Flavor::CurrentThread];
    /// Short name for the table.
    fn short(self) -> &'static str {
        match self {
            Flavor::MultiThread => "mt",
            Flavor::CurrentThread => "ct",
        }
    }
    fn name(self) -> &'static str {
        match self {
            Flavor::MultiThread => "multi_thread",
            Flavor::CurrentThread => "current_thread",
        }
    }
}

/// Runs `first`, then the requests `then` builds from the kept bodies, with a
/// fresh connection pool, and times the whole.
fn floor_trial(
    ctx: &Ctx,
    bao: &Bao,
    conc: usize,
    flavor: Flavor,
    first: Vec<Req>,
    then: impl FnOnce(&BTreeMap<String, Value>) -> Vec<Req> + Send + 'static,
) -> R<FloorRun> {
    let client = http_client()?;
    let (addr, token) = (bao.addr.clone(), bao.token.clone());
    let work = async move {
        let mut counts = Counts::default();
        let started = Instant::now();
        let kept = issue(&client, &addr, &token, first, conc, &mut counts).await?;
        let second = then(&kept);
        if !second.is_empty() {
            issue(&client, &addr, &token, second, conc, &mut counts).await?;
        }
        Ok::<_, String>((started.elapsed(), counts))
    };
    timed(ctx, bao, conc, flavor, work)
}

/// Runs a trial's `work` (which returns its own wall time and counts) on the
/// `flavor` runtime once the server is idle, with the client's and the
/// server's CPU time over it.
fn timed(
    ctx: &Ctx,
    bao: &Bao,
    conc: usize,
    flavor: Flavor,
    work: impl std::future::Future<Output = R<(std::time::Duration, Counts)>> + Send + 'static,
) -> R<FloorRun> {
    bao.settle();
    let server_before = bao.cpu_ms();
    let client_before = self_cpu_ms();
    let (wall, counts) = match flavor {
        // On a worker thread, so that I/O wake-ups stay on the runtime's threads.
        Flavor::MultiThread => ctx
            .rt
            .block_on(ctx.rt.spawn(work))
            .map_err(|e| format!("trial task: {e}"))??,
        Flavor::CurrentThread => ctx.ct.block_on(work)?,
    };
    Ok(FloorRun {
        wall_ms: wall.as_secs_f64() * 1000.0,
        conc,
        flavor,
        counts,
        server_cpu_ms: bao.cpu_ms() - server_before,
        client_cpu_ms: self_cpu_ms() - client_before,
    })
}

/// The plan's reads through hyper's pooled client directly, without
/// reqwest (vaultform has sent with this client since the third part of
/// issue 16): what the HTTP exchange alone costs. For information beside the
/// floor, which stays the raw reqwest client the issue set.
fn hyper_trial(ctx: &Ctx, bao: &Bao, conc: usize, flavor: Flavor, reqs: Vec<Req>) -> R<FloorRun> {
    use http_body_util::{BodyExt, Full};
    let mut tcp = hyper_util::client::legacy::connect::HttpConnector::new();
    tcp.set_nodelay(true);
    let client: hyper_util::client::legacy::Client<_, Full<bytes::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(tcp);
    let (addr, token) = (bao.addr.clone(), bao.token.clone());
    let work = async move {
        let mut counts = Counts::default();
        for r in &reqs {
            match r.method.as_str() {
                "GET" => counts.reads += 1,
                "LIST" | "SCAN" => counts.lists += 1,
                _ => counts.writes += 1,
            }
        }
        let started = Instant::now();
        let (client, addr, token) = (&client, &addr, &token);
        let results = stream::iter(reqs)
            .map(|r| async move {
                let what =
                    |e: &dyn std::fmt::Display| format!("hyper: {} {}: {e}", r.method, r.path);
                let req = http::Request::builder()
                    .method(r.method.clone())
                    .uri(format!("{addr}/v1/{}", r.path))
                    .header("X-Vault-Token", token.as_str())
                    .body(Full::new(bytes::Bytes::new()))
                    .map_err(|e| what(&e))?;
                let resp = client.request(req).await.map_err(|e| what(&e))?;
                let status = resp.status().as_u16();
                let body = resp
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| what(&e))?
                    .to_bytes();
                if (200..300).contains(&status) || status == 404 {
                    Ok(())
                } else {
                    Err(what(&format!(
                        "status {status}: {}",
                        String::from_utf8_lossy(&body)
                    )))
                }
            })
            .buffer_unordered(conc.max(1))
            .collect::<Vec<R<()>>>()
            .await;
        results.into_iter().collect::<R<Vec<()>>>()?;
        Ok::<_, String>((started.elapsed(), counts))
    };
    timed(ctx, bao, conc, flavor, work)
}

/// A floor trial of a drift apply: the plan's reads, then the drifted
/// secrets written back (their current data, with check-and-set).
fn drift_floor_trial(
    ctx: &Ctx,
    bao: &Bao,
    conc: usize,
    flavor: Flavor,
    size: usize,
    drifted: &[usize],
) -> R<FloorRun> {
    let mut first = plan_reads(size);
    for r in &mut first {
        if drifted
            .iter()
            .any(|n| r.path == format!("bench/data/svc-{n}"))
        {
            r.keep = true;
        }
    }
    let f = floor_trial(ctx, bao, conc, flavor, first, |kept| {
        kept.iter()
            .map(|(path, body)| {
                Req::post(
                    path.clone(),
                    json!({
                        "options": { "cas": body["data"]["metadata"]["version"] },
                        "data": body["data"]["data"],
                    }),
                )
            })
            .collect()
    })?;
    if f.counts.writes != drifted.len() as u64 {
        return Err(format!(
            "floor drift apply wrote {} secrets, expected {}",
            f.counts.writes,
            drifted.len()
        ));
    }
    Ok(f)
}

/// This process's CPU time so far (user + system), in ms: during a floor trial,
/// that of the raw HTTP client (the runtime's threads do nothing else).
fn self_cpu_ms() -> f64 {
    getrusage(UsageWho::RUSAGE_SELF)
        .map(|u| {
            let us = |t: TimeVal| t.tv_sec() as f64 * 1e6 + t.tv_usec() as f64;
            (us(u.user_time()) + us(u.system_time())) / 1000.0
        })
        .unwrap_or(f64::NAN)
}

// ---------------------------------------------------------------------------
// One size.

/// Everything measured for one size.
struct SizeResult {
    size: usize,
    /// Per step, every run (`--repeat` per round for the repeatable steps).
    vaultform: BTreeMap<&'static str, Vec<Run>>,
    /// Per step, the floor trials run beside it (the cold apply's after the
    /// other steps), every round.
    floor: BTreeMap<&'static str, Vec<FloorRun>>,
    notes: Vec<String>,
    /// Per drift plan run: whether it changed exactly the drifted secrets.
    drift_exact: Vec<bool>,
    /// vaultform runs that failed (exit 1 or killed); the size's later steps and rounds are skipped.
    failures: Vec<Failure>,
}

/// A vaultform run that failed.
struct Failure {
    size: usize,
    round: usize,
    step: &'static str,
    exit: i32,
    /// The end of its stderr.
    message: String,
}

fn bench_size(ctx: &Ctx, size: usize, version: &mut String) -> R<SizeResult> {
    let mut res = SizeResult {
        size,
        vaultform: BTreeMap::new(),
        floor: BTreeMap::new(),
        notes: Vec::new(),
        drift_exact: Vec::new(),
        failures: Vec::new(),
    };
    for round in 1..=ctx.opts.rounds {
        eprintln!("scale: S={size} round {round}/{}", ctx.opts.rounds);
        let bao = Bao::start(&ctx.bao, &ctx.rt, ctx.opts.max_json_strings)?;
        *version = bao.version.clone();
        let ws = Workspace::create(size)?;
        let drifted = ws.drifted();
        // Ok(None): vaultform failed; that is a result (recorded), not an error of the benchmark.
        let mut nth = 0;
        let mut reapply_writes = Vec::new();
        let mut step = |name: &'static str, args: &[&str], want_exit: i32| -> R<Option<Run>> {
            nth += 1;
            let log = format!("s{size}-r{round}-{nth:02}-{name}");
            let run = run_vaultform(ctx, &bao, &ws, &log, args)?;
            let stderr = ctx.logs.join(format!("{log}.stderr"));
            if run.exit == 1 || run.exit < 0 {
                let tail = log_tail(&stderr);
                let start = tail.len().saturating_sub(1500);
                let start = (start..tail.len())
                    .find(|i| tail.is_char_boundary(*i))
                    .unwrap_or(0);
                eprintln!(
                    "scale:   {name:<12} FAILED (exit {}) after {:.1} ms:\n{}",
                    run.exit,
                    run.wall_ms,
                    &tail[start..]
                );
                res.failures.push(Failure {
                    size,
                    round,
                    step: name,
                    exit: run.exit,
                    message: tail[start..].trim().to_string(),
                });
                return Ok(None);
            }
            if run.exit != want_exit {
                res.notes.push(format!(
                    "S={size} round {round}: {name} exited {} (expected {want_exit})",
                    run.exit
                ));
            }
            if run.counts.is_none() && name != "validate" {
                res.notes.push(format!(
                    "S={size} round {round}: {name}: no `requests reads=.. lists=.. writes=..` line in {}",
                    stderr.display()
                ));
            }
            eprintln!(
                "scale:   {name:<12} {:>9.1} ms  cpu {:>8.1} ms  rss {:>6.1} MiB  {}",
                run.wall_ms,
                run.cpu_ms,
                run.maxrss_kib as f64 / 1024.0,
                run.counts
                    .map(|c| format!("r={} l={} w={}", c.reads, c.lists, c.writes))
                    .unwrap_or_default()
            );
            if name == "drift_plan" {
                // The drift plan must find exactly the changed secrets.
                let text =
                    fs::read_to_string(ctx.logs.join(format!("{log}.stdout"))).unwrap_or_default();
                let mut found: Vec<usize> = text
                    .lines()
                    .filter(|l| l.contains("will be updated"))
                    .filter_map(|l| {
                        let rest = &l[l.find("kv.bench/svc-")? + "kv.bench/svc-".len()..];
                        rest.split(|c: char| !c.is_ascii_digit())
                            .next()?
                            .parse()
                            .ok()
                    })
                    .collect();
                found.sort_unstable();
                let other = text.lines().filter(|l| l.contains("will be")).count() - found.len();
                let exact = found == drifted && other == 0;
                res.drift_exact.push(exact);
                if !exact {
                    res.notes.push(format!(
                        "S={size} round {round}: the drift plan changed {} secret(s) and {other} other \
                         resource(s); expected exactly the {} drifted secrets",
                        found.len(),
                        drifted.len()
                    ));
                }
            }
            res.vaultform.entry(name).or_default().push(run.clone());
            Ok(Some(run))
        };
        // The floor's trials: every concurrency with both runtimes.
        let trials: Vec<(usize, Flavor)> = ctx
            .opts
            .concurrencies
            .iter()
            .flat_map(|&c| Flavor::ALL.map(|f| (c, f)))
            .collect();
        let mut floors: BTreeMap<&'static str, Vec<FloorRun>> = BTreeMap::new();
        // A floor trial of the plan's reads (what no-op plan, drift plan and
        // no-op re-apply send), recorded as `step`'s floor.
        let mut plan_floor = |step: &'static str, i: usize| -> R<()> {
            let (c, flavor) = trials[i % trials.len()];
            let f = floor_trial(ctx, &bao, c, flavor, plan_reads(size), |_| Vec::new())?;
            floors.entry(step).or_default().push(f);
            Ok(())
        };
        let mut drift_floors = Vec::new();
        let mut hyper_floors = Vec::new();
        let completed = 'steps: {
            let Some(_) = step("validate", &["validate"], 0)? else {
                break 'steps false;
            };
            let Some(_) = step("cold_apply", &["apply", "--auto-approve"], 0)? else {
                break 'steps false;
            };
            // Every repeatable step runs `repeat` times, each run followed by
            // one floor trial (cycling through concurrencies and runtimes):
            // the server's speed drifts within a round (it gets faster as it
            // warms up), so vaultform and its floor are timed side by side,
            // and each best is a minimum over equally many samples.
            let repeat = ctx.opts.repeat();
            for i in 0..repeat {
                let Some(_) = step("noop_plan", &["plan", "--detailed-exitcode"], 0)? else {
                    break 'steps false;
                };
                plan_floor("noop_plan", i)?;
                let (c, flavor) = trials[i % trials.len()];
                hyper_floors.push(hyper_trial(ctx, &bao, c, flavor, plan_reads(size))?);
            }
            ws.write_env(&drifted, 1)?;
            for i in 0..repeat {
                let Some(_) = step("drift_plan", &["plan", "--detailed-exitcode"], 2)? else {
                    break 'steps false;
                };
                plan_floor("drift_plan", i)?;
            }
            for i in 0..repeat {
                // A new 1% drift for each run.
                if i > 0 {
                    ws.write_env(&drifted, i as u32 + 1)?;
                }
                // The floor's trial runs first here: it writes the drifted
                // secrets back as they are, a new version of each that
                // vaultform did not write. Run after vaultform's apply, it
                // left those versions to the no-op re-apply, which had to
                // read them and then recorded them in the known record (its
                // one write). Before the apply, they are versions of secrets
                // the apply reads and writes anyway.
                let (c, flavor) = trials[i % trials.len()];
                drift_floors.push(drift_floor_trial(ctx, &bao, c, flavor, size, &drifted)?);
                let Some(_) = step("drift_apply", &["apply", "--auto-approve"], 0)? else {
                    break 'steps false;
                };
            }
            for i in 0..repeat {
                let Some(reapply) = step("noop_apply", &["apply", "--auto-approve"], 0)? else {
                    break 'steps false;
                };
                if let Some(c) = reapply.counts
                    && c.writes != 0
                {
                    reapply_writes.push(c.writes);
                }
                plan_floor("noop_apply", i)?;
            }
            true
        };
        for w in reapply_writes {
            res.notes.push(format!(
                "S={size} round {round}: no-op re-apply made {w} write(s) (target: 0)"
            ));
        }
        if !completed {
            eprintln!("scale:   skipping the rest of S={size} (vaultform failed)");
            break;
        }
        floors
            .entry("drift_apply")
            .or_default()
            .extend(drift_floors);
        for (k, v) in floors {
            res.floor.entry(k).or_default().extend(v);
        }
        res.floor
            .entry(HYPER_TRIALS)
            .or_default()
            .extend(hyper_floors);

        // The cold apply's floor, on the same server under fresh names.
        for &(c, flavor) in &trials {
            let (first, second) = cold_requests(size, &format!("f{c}{}", flavor.short()));
            let f = floor_trial(ctx, &bao, c, flavor, first, move |_| second)?;
            if f.counts.retries > 0 {
                res.notes.push(format!(
                    "S={size} round {round}: the cold-apply floor ({c}, {}) repeated {} \
                     write(s) refused while a new KV v2 mount was upgrading",
                    flavor.name(),
                    f.counts.retries
                ));
            }
            res.floor.entry("cold_apply").or_default().push(f);
        }
        // This round's best floors.
        let best = |k: &str, n: usize| {
            res.floor
                .get(k)
                .and_then(|v| best_floor(&v[v.len().saturating_sub(n)..]))
                .map(|f| format!("{:.1} ms @{}{}", f.wall_ms, f.conc, f.flavor.short()))
                .unwrap_or_default()
        };
        let repeat = ctx.opts.repeat();
        eprintln!(
            "scale:   floor: no-op plan {}, drift plan {}, drift apply {}, no-op apply {}, cold apply {}",
            best("noop_plan", repeat),
            best("drift_plan", repeat),
            best("drift_apply", repeat),
            best("noop_apply", repeat),
            best("cold_apply", trials.len())
        );
    }
    Ok(res)
}

/// The median (mean of the middle two for an even count); `None` when empty.
fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// The no-op plan's reads through hyper directly ([`hyper_trial`]), kept
/// beside the floors (never one of them).
const HYPER_TRIALS: &str = "noop_plan_hyper";

fn best_floor(v: &[FloorRun]) -> Option<FloorRun> {
    v.iter()
        .copied()
        .min_by(|a, b| a.wall_ms.total_cmp(&b.wall_ms))
}

/// Which floor a vaultform step is compared with: the trials run beside it
/// (no-op plan, drift plan and no-op re-apply all send the plan's reads).
fn floor_of(step: &str) -> Option<&'static str> {
    match step {
        "cold_apply" => Some("cold_apply"),
        "noop_plan" => Some("noop_plan"),
        "drift_plan" => Some("drift_plan"),
        "drift_apply" => Some("drift_apply"),
        "noop_apply" => Some("noop_apply"),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// The whole run: table and JSON.

/// One row of the report.
struct Row {
    step: &'static str,
    size: usize,
    best: Run,
    cpu_ms_min: f64,
    rss_kib_max: u64,
    floor: Option<FloorRun>,
    /// The least client CPU over the floor's trials, ms.
    floor_cpu_min: Option<f64>,
    /// Median wall ms of vaultform's runs.
    median_ms: f64,
    /// Median wall ms of the floor's trials at its best concurrency and runtime.
    floor_median_ms: Option<f64>,
    /// Most writes any run made.
    writes_max: Option<u64>,
    /// How many runs and floor trials (at the best concurrency and runtime) the figures are over.
    samples: (usize, usize),
    /// No-op plan only: the least client CPU of the hyper trials, ms, and
    /// their requests.
    hyper_cpu: Option<(f64, u64)>,
}

impl Row {
    fn ratio(&self) -> Option<f64> {
        self.floor.map(|f| self.best.wall_ms / f.wall_ms)
    }
    fn median_ratio(&self) -> Option<f64> {
        self.floor_median_ms.map(|f| self.median_ms / f)
    }
    fn floor_cpu_per_request(&self) -> Option<f64> {
        let f = self.floor.filter(|f| f.counts.total() > 0)?;
        self.floor_cpu_min.map(|c| c / f.counts.total() as f64)
    }
    fn hyper_cpu_per_request(&self) -> Option<f64> {
        self.hyper_cpu
            .filter(|(_, n)| *n > 0)
            .map(|(cpu, n)| cpu / n as f64)
    }
    fn cpu_per_request(&self) -> Option<f64> {
        self.best
            .counts
            .filter(|c| c.total() > 0)
            .map(|c| self.cpu_ms_min / c.total() as f64)
    }
}

fn rows(results: &[SizeResult]) -> Vec<Row> {
    let mut rows = Vec::new();
    for r in results {
        for step in STEPS {
            let Some(runs) = r.vaultform.get(step).filter(|v| !v.is_empty()) else {
                continue;
            };
            let Some(best) = runs
                .iter()
                .min_by(|a, b| a.wall_ms.total_cmp(&b.wall_ms))
                .cloned()
            else {
                continue;
            };
            let trials = floor_of(step).and_then(|k| r.floor.get(k));
            let floor = trials.and_then(|v| best_floor(v));
            // The floor's trials at its best concurrency and runtime.
            let at_best: Vec<f64> = match (trials, floor) {
                (Some(v), Some(b)) => v
                    .iter()
                    .filter(|f| f.conc == b.conc && f.flavor == b.flavor)
                    .map(|f| f.wall_ms)
                    .collect(),
                _ => Vec::new(),
            };
            rows.push(Row {
                step,
                size: r.size,
                cpu_ms_min: runs.iter().map(|x| x.cpu_ms).fold(f64::INFINITY, f64::min),
                rss_kib_max: runs.iter().map(|x| x.maxrss_kib).max().unwrap_or(0),
                floor,
                floor_cpu_min: trials
                    .and_then(|v| v.iter().map(|f| f.client_cpu_ms).reduce(f64::min)),
                median_ms: median(runs.iter().map(|x| x.wall_ms).collect()).unwrap_or(f64::NAN),
                floor_median_ms: median(at_best.clone()),
                writes_max: runs.iter().filter_map(|x| x.counts).map(|c| c.writes).max(),
                samples: (runs.len(), at_best.len()),
                hyper_cpu: (step == "noop_plan")
                    .then(|| r.floor.get(HYPER_TRIALS))
                    .flatten()
                    .and_then(|v| {
                        let cpu = v.iter().map(|f| f.client_cpu_ms).reduce(f64::min)?;
                        Some((cpu, v.first()?.counts.total()))
                    }),
                best,
            });
        }
    }
    rows
}

/// Runs everything; `Ok(false)` when a vaultform run failed (the report says which).
fn run(opts: &Opts) -> R<bool> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start tokio: {e}"))?;
    let bao = bao_bin()?;
    let vaultform = vaultform_bin()?;
    let logs = tempfile::Builder::new()
        .prefix("vaultform-bench-logs-")
        .tempdir()
        .map_err(|e| format!("cannot create a temp dir: {e}"))?;
    let bao_version = Command::new(&bao)
        .arg("version")
        .env_clear()
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    eprintln!(
        "scale: vaultform {}, {bao_version} ({}), sizes {:?}, {} round(s), floor concurrency {:?}",
        vaultform.display(),
        bao.display(),
        opts.sizes,
        opts.rounds,
        opts.concurrencies
    );
    let ctx = Ctx {
        vaultform,
        bao,
        opts: opts.clone(),
        rt,
        ct: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start tokio: {e}"))?,
        logs: logs.path().to_path_buf(),
    };
    let started = Instant::now();
    let mut results = Vec::new();
    let mut server_version = String::new();
    for &size in &opts.sizes {
        match bench_size(&ctx, size, &mut server_version) {
            Ok(r) => results.push(r),
            Err(e) => {
                // Keep the logs of a failed run for a look.
                let kept = logs.keep();
                return Err(format!("{e}\n(vaultform logs kept in {})", kept.display()));
            }
        }
    }
    let rows = rows(&results);
    let notes: Vec<String> = results.iter().flat_map(|r| r.notes.clone()).collect();
    print!("{}", table(&rows));
    let judged = opts.sizes.iter().copied().max().unwrap_or(0);
    let mut targets = Vec::new();
    for &size in &opts.sizes {
        if size >= 1000 || size == judged {
            targets.extend(self::targets(&rows, &results, size));
        }
    }
    println!();
    for t in &targets {
        println!(
            "target {:<44} {:>12}  {}",
            t["target"].as_str().unwrap_or(""),
            t["value"].as_str().unwrap_or(""),
            match t["met"].as_bool() {
                Some(true) => "met",
                Some(false) => "NOT met",
                None => "(for information)",
            }
        );
    }
    for n in &notes {
        println!("note: {n}");
    }
    let failures: Vec<&Failure> = results.iter().flat_map(|r| &r.failures).collect();
    for f in &failures {
        println!(
            "\nFAILED: S={} round {}: {} exited {}; the size's later steps and rounds were skipped:\n{}",
            f.size, f.round, f.step, f.exit, f.message
        );
    }
    let json = report_json(
        &ctx,
        &results,
        &rows,
        &targets,
        &notes,
        &bao_version,
        &server_version,
        started.elapsed(),
    );
    if let Some(dir) = opts.json.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut f = fs::File::create(&opts.json)
        .map_err(|e| format!("cannot write {}: {e}", opts.json.display()))?;
    serde_json::to_writer_pretty(&mut f, &json)
        .map_err(|e| format!("cannot write {}: {e}", opts.json.display()))?;
    let _ = writeln!(f);
    println!(
        "\nwrote {} ({:.0} s in all)",
        opts.json.display(),
        started.elapsed().as_secs_f64()
    );
    if !failures.is_empty() {
        let kept = logs.keep();
        println!(
            "vaultform's stdout/stderr of every run are kept in {}",
            kept.display()
        );
    }
    Ok(failures.is_empty())
}

fn table(rows: &[Row]) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "\n{:<12} {:>5} {:>10} {:>9} {:>6} {:>5} {:>6} {:>5} {:>6} {:>5} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "step",
        "S",
        "vaultform",
        "floor",
        "ratio",
        "@conc",
        "median",
        "n",
        "reads",
        "lists",
        "writes",
        "cpu ms",
        "cpu/req",
        "raw/req",
        "rss MiB",
        "plan ms",
        "bao cpu",
        "bao fl"
    );
    let _ = writeln!(t, "{}", "-".repeat(151));
    let mut last = None;
    for r in rows {
        if last.is_some() && last != Some(r.size) {
            let _ = writeln!(t);
        }
        last = Some(r.size);
        let c = r.best.counts;
        let opt = |v: Option<f64>, prec: usize| {
            v.map(|x| format!("{x:.prec$}"))
                .unwrap_or_else(|| "-".into())
        };
        let _ = writeln!(
            t,
            "{:<12} {:>5} {:>10.1} {:>9} {:>6} {:>5} {:>6} {:>5} {:>6} {:>5} {:>6} {:>8.1} {:>8} {:>8} {:>8.1} {:>8} {:>8.0} {:>8}",
            r.step,
            r.size,
            r.best.wall_ms,
            opt(r.floor.map(|f| f.wall_ms), 1),
            opt(r.ratio(), 2),
            r.floor
                .map(|f| format!("{}{}", f.conc, f.flavor.short()))
                .unwrap_or_else(|| "-".into()),
            opt(r.median_ratio(), 2),
            format!("{}/{}", r.samples.0, r.samples.1),
            c.map(|c| c.reads.to_string()).unwrap_or_else(|| "-".into()),
            c.map(|c| c.lists.to_string()).unwrap_or_else(|| "-".into()),
            c.map(|c| c.writes.to_string())
                .unwrap_or_else(|| "-".into()),
            r.cpu_ms_min,
            opt(r.cpu_per_request(), 4),
            opt(r.floor_cpu_per_request(), 4),
            r.rss_kib_max as f64 / 1024.0,
            opt(r.best.plan_phase_ms, 1),
            r.best.server_cpu_ms,
            opt(r.floor.map(|f| f.server_cpu_ms), 0),
        );
    }
    let _ = writeln!(
        t,
        "\nvaultform/floor: best wall ms over all runs (floor: over rounds, concurrencies and client runtimes; @conc =\n\
         its best concurrency, mt = multi-thread runtime, ct = current-thread); median: vaultform's median wall ms /\n\
         the floor's median at @conc; n: vaultform runs / floor trials at @conc;\n\
         cpu ms: vaultform's user+sys (least over rounds), cpu/req = that / requests; raw/req: the same for the raw\n\
         HTTP client of the floor (least over its trials); rss: vaultform's peak, largest over rounds; plan ms: from\n\
         spawn to the end of planning (`read live state` log line); bao cpu / bao fl: the server's CPU ms during\n\
         vaultform's best run / the best floor trial (10 ms ticks)."
    );
    t
}

/// The issues' targets, judged on `size` (every size from 1000 up, and the
/// largest one asked for); a target whose figure is missing (vaultform
/// failed) is not met.
fn targets(rows: &[Row], results: &[SizeResult], size: usize) -> Vec<Value> {
    let at = |step: &str| rows.iter().find(|r| r.size == size && r.step == step);
    let mut out = Vec::new();
    let mut push = |target: String, value: Option<f64>, unit: &str, met: Option<bool>| {
        let value = value.map_or_else(|| "not measured".to_string(), |v| format!("{v:.3}{unit}"));
        out.push(
            json!({ "target": target, "size": size, "value": value, "met": met == Some(true) }),
        );
    };
    let ratio = |s: &str| at(s).and_then(Row::ratio);
    let r = ratio("noop_plan");
    // Issue 16: fewer requests than resources, faster than the old floor
    // (one read per resource, raw HTTP at its best concurrency).
    push(
        format!("no-op plan <= 0.75x one-read floor (S={size})"),
        r,
        "x",
        r.map(|x| x <= 0.75),
    );
    let resources = (3 * size + 2) as f64;
    let per_resource = at("noop_plan")
        .and_then(|r| r.best.counts)
        .map(|c| c.total() as f64 / resources);
    push(
        format!("no-op plan requests <= 0.7 x resources (S={size})"),
        per_resource,
        "",
        per_resource.map(|x| x <= 0.7),
    );
    let exact = results
        .iter()
        .find(|r| r.size == size)
        .filter(|r| !r.drift_exact.is_empty())
        .map(|r| r.drift_exact.iter().all(|e| *e));
    push(
        format!("drift plans change exactly the drifted secrets (S={size})"),
        exact.map(|e| if e { 1.0 } else { 0.0 }),
        "",
        exact,
    );
    // vaultform's CPU per request against the raw client's, step by step.
    let cpu_vs_raw = rows
        .iter()
        .filter(|r| r.size == size && r.step != "noop_plan" && r.step != "drift_plan")
        .filter_map(|r| Some(r.cpu_per_request()? / r.floor_cpu_per_request()?))
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    push(
        format!("CPU/request <= 1.2x raw client's, worst apply step (S={size})"),
        cpu_vs_raw,
        "x",
        cpu_vs_raw.map(|x| x <= 1.2),
    );
    let plan_cpu =
        at("noop_plan").and_then(|r| Some(r.cpu_per_request()? / r.floor_cpu_per_request()?));
    push(
        format!("no-op plan CPU/request vs raw one-read client's (S={size})"),
        plan_cpu,
        "x",
        plan_cpu.map(|x| x <= 1.2),
    );
    // The same comparison per job rather than per request: vaultform's CPU
    // for the whole no-op plan against the raw client's for reading every
    // resource once (the plan's old requests). Since issue 16 a plan sends a
    // third fewer requests than the floor, so its CPU per request carries the
    // per-resource work (manifest, decoding, planning) over fewer requests.
    let plan_job = at("noop_plan").and_then(|r| Some(r.cpu_ms_min / r.floor_cpu_min?));
    push(
        format!("no-op plan CPU vs raw one-read client's, whole job (S={size})"),
        plan_job,
        "x",
        plan_job.map(|x| x <= 1.2),
    );
    // For information: the same against a raw client on vaultform's own
    // HTTP stack (hyper without reqwest), which the floor does not use.
    let mut infos = Vec::new();
    let mut info = |target: String, value: Option<f64>| {
        let value = value.map_or_else(|| "not measured".to_string(), |v| format!("{v:.3}x"));
        infos.push(json!({ "target": target, "size": size, "value": value, "met": null }));
    };
    let hyper_req =
        at("noop_plan").and_then(|r| Some(r.cpu_per_request()? / r.hyper_cpu_per_request()?));
    info(
        format!("no-op plan CPU/request vs raw hyper client's (S={size})"),
        hyper_req,
    );
    let hyper_job = at("noop_plan").and_then(|r| Some(r.cpu_ms_min / r.hyper_cpu?.0));
    info(
        format!("no-op plan CPU vs raw hyper client's, whole job (S={size})"),
        hyper_job,
    );
    for s in ["cold_apply", "drift_apply"] {
        let r = ratio(s);
        push(
            format!("{s} <= 1.5x floor (S={size})"),
            r,
            "x",
            r.map(|x| x <= 1.5),
        );
    }
    let worst_cpu = rows
        .iter()
        .filter(|r| r.size == size)
        .filter_map(Row::cpu_per_request)
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    push(
        format!("CPU < 0.1 ms/request, worst step (S={size})"),
        worst_cpu,
        " ms",
        worst_cpu.map(|x| x < 0.1),
    );
    let w = at("noop_apply")
        .and_then(|r| r.writes_max)
        .map(|w| w as f64);
    push(
        format!("no-op re-apply makes 0 writes (S={size})"),
        w,
        "",
        w.map(|x| x == 0.0),
    );
    // Only meaningful once every step has run.
    let rss = at("noop_apply").and_then(|_| {
        rows.iter()
            .filter(|r| r.size == size)
            .map(|r| r.rss_kib_max)
            .max()
            .map(|k| k as f64 / 1024.0)
    });
    push(
        format!("peak RSS < 100 MiB (S={size})"),
        rss,
        " MiB",
        rss.map(|x| x < 100.0),
    );
    out.extend(infos);
    out
}

#[allow(clippy::too_many_arguments)]
fn report_json(
    ctx: &Ctx,
    results: &[SizeResult],
    rows: &[Row],
    targets: &[Value],
    notes: &[String],
    bao_version: &str,
    server_version: &str,
    elapsed: Duration,
) -> Value {
    let now = SystemTime::now();
    let steps: Vec<Value> = rows
        .iter()
        .map(|r| {
            let res = results.iter().find(|x| x.size == r.size);
            let floor_all: Vec<Value> = floor_of(r.step)
                .and_then(|k| res.and_then(|x| x.floor.get(k)))
                .map(|v| {
                    v.iter()
                        .map(|f| {
                            json!({
                                "concurrency": f.conc,
                                "runtime": f.flavor.name(),
                                "wall_ms": round3(f.wall_ms),
                                "client_cpu_ms": round3(f.client_cpu_ms),
                                "server_cpu_ms": round3(f.server_cpu_ms),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            let rounds: Vec<Value> = res
                .and_then(|x| x.vaultform.get(r.step))
                .map(|v| v.iter().map(Run::json).collect())
                .unwrap_or_default();
            json!({
                "size": r.size,
                "step": r.step,
                "vaultform": {
                    "wall_ms": round3(r.best.wall_ms),
                    "cpu_ms": round3(r.cpu_ms_min),
                    "cpu_ms_per_request": r.cpu_per_request().map(round6),
                    "peak_rss_kib": r.rss_kib_max,
                    "peak_rss_mib": round3(r.rss_kib_max as f64 / 1024.0),
                    "requests": r.best.counts.map(|c| c.json()),
                    "plan_phase_ms": r.best.plan_phase_ms.map(round3),
                    "server_cpu_ms": round3(r.best.server_cpu_ms),
                    "median_wall_ms": round3(r.median_ms),
                    "runs_count": r.samples.0,
                    "exit_code": r.best.exit,
                    "rounds": rounds,
                },
                "floor": r.floor.map(|f| json!({
                    "wall_ms": round3(f.wall_ms),
                    "concurrency": f.conc,
                    "runtime": f.flavor.name(),
                    "requests": f.counts.json(),
                    "server_cpu_ms": round3(f.server_cpu_ms),
                    "client_cpu_ms_per_request": r.floor_cpu_per_request().map(round6),
                    "median_wall_ms_at_best": r.floor_median_ms.map(round3),
                    "trials_at_best": r.samples.1,
                    "trials": floor_all,
                })),
                "ratio": r.ratio().map(round3),
                "median_ratio": r.median_ratio().map(round3),
                "hyper_client": r.hyper_cpu.map(|(cpu, n)| json!({
                    "client_cpu_ms": round3(cpu),
                    "requests": n,
                    "client_cpu_ms_per_request": r.hyper_cpu_per_request().map(round6),
                })),
            })
        })
        .collect();
    json!({
        "format": 1,
        "timestamp": humantime::format_rfc3339_seconds(now).to_string(),
        "timestamp_unix": now.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "machine": {
            "nproc": thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            "hostname": fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_default(),
        },
        "openbao_version": server_version,
        "openbao_build": bao_version,
        "vaultform_version": env!("CARGO_PKG_VERSION"),
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
        "options": {
            "sizes": ctx.opts.sizes,
            "rounds": ctx.opts.rounds,
            "floor_concurrencies": ctx.opts.concurrencies,
            "repeat": ctx.opts.repeat(),
            "vaultform_parallelism": ctx.opts.parallelism.map(u64::from),
            "max_request_json_strings": ctx.opts.max_json_strings,
        },
        "elapsed_s": round3(elapsed.as_secs_f64()),
        "steps": steps,
        "targets": targets,
        "notes": notes,
        "failures": results.iter().flat_map(|r| &r.failures).map(|f| json!({
            "size": f.size,
            "round": f.round,
            "step": f.step,
            "exit_code": f.exit,
            "message": f.message,
        })).collect::<Vec<_>>(),
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Whether vaultform's sources differ from the commit (uncommitted edits were measured).
fn git_dirty() -> Option<bool> {
    let out = Command::new("git")
        .args([
            "status",
            "--porcelain",
            "--",
            "src",
            "Cargo.toml",
            "Cargo.lock",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(!out.stdout.is_empty())
}

fn git_commit() -> Option<String> {
    let out = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

// ---------------------------------------------------------------------------
// Binaries.

/// `BAO_BIN`, else the path `scripts/install-openbao.sh` prints.
fn bao_bin() -> R<PathBuf> {
    if let Some(bin) = std::env::var_os("BAO_BIN").filter(|v| !v.is_empty()) {
        let p = PathBuf::from(bin);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("BAO_BIN={} is not a file", p.display()))
        };
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install-openbao.sh");
    let out = Command::new("bash")
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("BAO_BIN is unset and {} failed: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "BAO_BIN is unset and {} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let p = String::from_utf8_lossy(&out.stdout)
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| format!("{} printed no path", script.display()))?;
    if p.is_file() {
        Ok(p)
    } else {
        Err(format!(
            "{} printed {}, not a file",
            script.display(),
            p.display()
        ))
    }
}

/// `VAULTFORM_BIN`, else the release binary cargo built for this bench
/// (built with `cargo build --release` if it is missing).
fn vaultform_bin() -> R<PathBuf> {
    if let Some(bin) = std::env::var_os("VAULTFORM_BIN").filter(|v| !v.is_empty()) {
        let p = PathBuf::from(bin);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("VAULTFORM_BIN={} is not a file", p.display()))
        };
    }
    let p = PathBuf::from(env!("CARGO_BIN_EXE_vaultform"));
    if !p.is_file() {
        let status = Command::new("cargo")
            .args(["build", "--release", "--bin", "vaultform"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .map_err(|e| format!("cannot run cargo build: {e}"))?;
        if !status.success() || !p.is_file() {
            return Err(format!("{} is missing and cargo build failed", p.display()));
        }
    }
    Ok(p)
}
