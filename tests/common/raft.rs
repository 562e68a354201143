//! A real three-node OpenBao raft cluster on loopback, for HA tests (OPENBAO.md §9, §10, §14).
//!
//! [`RaftCluster::start`] picks a free loopback port pair (API P, cluster P+1) per node, writes one
//! config per node (raft storage with `performance_multiplier = 1` and the same `retry_join` block
//! for every node, TLS off), starts every `bao server -config=...` under the watchdog of `mod.rs`
//! (so no server outlives the test process) and waits until each listens: `sys/health` answers
//! 501/503 and the node's own log says it started. A node that exits early (a port taken
//! meanwhile) makes the whole cluster start again on new ports (the configs name each other).
//!
//! Nobody initialises anything here on its own: a test inits the node it means to (a
//! `retry_join` node nobody has initialised can itself be initialised and would form a second
//! cluster), then [`RaftCluster::unseal`] the others once they have learnt the seal config from the
//! leader. Every wait is bounded in time; failures panic with every node's state and log tail.
//!
//! Transport errors are values here ([`RaftCluster::request`] returns `Err`), since a node may be
//! dead on purpose.

use super::{
    MAX_ATTEMPTS, POLL_INTERVAL, WATCHDOG, bao_bin, clean_vaultform_cmd, describe_status,
    free_port_pair, http, is_vault_var, log_tail, new_agent,
};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The line OpenBao logs once its listeners are up.
const STARTED_MARKER: &str = "OpenBao server started";
/// How long one node may take to listen (measured ~0.3 s for three at once).
const LISTEN_DEADLINE: Duration = Duration::from_secs(30);

/// What `vaultform operator init --keys-file` wrote, as plain text.
#[derive(Clone, Debug)]
pub struct Keys {
    /// Unseal keys, hex.
    pub hex: Vec<String>,
    /// Unseal keys, base64.
    pub base64: Vec<String>,
    /// The root token.
    pub root_token: String,
    /// Keys needed to unseal.
    pub threshold: usize,
}

impl Keys {
    /// Parses a keys file (plain JSON, version 1).
    pub fn read(path: &Path) -> Keys {
        let text = fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let v: Value = serde_json::from_slice(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        let list = |field: &str| -> Vec<String> {
            v[field]
                .as_array()
                .unwrap_or_else(|| panic!("{}: no {field} list", path.display()))
                .iter()
                .map(|k| k.as_str().expect("a key is a string").to_string())
                .collect()
        };
        Keys {
            hex: list("keys_hex"),
            base64: list("keys_base64"),
            root_token: v["root_token"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: no root_token", path.display()))
                .to_string(),
            threshold: v["threshold"]
                .as_u64()
                .unwrap_or_else(|| panic!("{}: no threshold", path.display()))
                as usize,
        }
    }

    /// Every value that must never appear in an output.
    pub fn secrets(&self) -> Vec<String> {
        let mut all = self.hex.clone();
        all.extend(self.base64.iter().cloned());
        all.push(self.root_token.clone());
        all
    }
}

/// One node of the cluster.
pub struct RaftNode {
    /// `node1`, `node2`, ...
    pub name: String,
    /// The API port (the cluster listener is `port + 1`).
    pub port: u16,
    data_dir: PathBuf,
    running: Option<Running>,
    /// Processes started so far for this node (numbers its log files).
    starts: u32,
    /// The log of the last process (kept after it dies, for failure messages).
    last_log: Option<PathBuf>,
}

/// One running bao process.
struct Running {
    pid: u32,
    watchdog: Child,
    lifeline: Option<ChildStdin>,
}

impl RaftNode {
    /// `http://127.0.0.1:<port>`.
    pub fn addr(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Whether its process runs (as far as this harness knows).
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }
}

/// A raft cluster of OpenBao servers on loopback. `Drop` SIGKILLs every node still running.
pub struct RaftCluster {
    /// The nodes, in start order.
    pub nodes: Vec<RaftNode>,
    /// Configs, logs, pid files, data dirs, fresh `HOME`s.
    dir: tempfile::TempDir,
    agent: ureq::Agent,
    homes: u32,
}

impl RaftCluster {
    /// Starts `count` raft nodes that all `retry_join` each other, and waits until each listens
    /// (uninitialised). Panics with the reason and the logs if the cluster cannot be started.
    pub fn start(count: usize) -> RaftCluster {
        let dir = tempfile::Builder::new()
            .prefix("vaultform-raft-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir for the raft cluster: {e}"));
        let mut cluster = RaftCluster {
            nodes: Vec::new(),
            dir,
            agent: new_agent(Duration::from_secs(30)),
            homes: 0,
        };
        let mut failures = String::new();
        for attempt in 1..=MAX_ATTEMPTS {
            match cluster.try_start(count, attempt) {
                Ok(()) => return cluster,
                Err((reason, retry)) => {
                    let _ = write!(failures, "\n\nattempt {attempt}: {reason}");
                    cluster.kill_all();
                    if !retry {
                        break;
                    }
                }
            }
        }
        panic!(
            "cannot start a {count}-node OpenBao raft cluster ({}):{failures}",
            bao_bin().display()
        );
    }

    /// One attempt: fresh ports and data dirs for every node. `Err((reason, worth_retrying))`.
    fn try_start(&mut self, count: usize, attempt: u32) -> Result<(), (String, bool)> {
        let ports = distinct_port_pairs(count).map_err(|e| (e, false))?;
        self.nodes = ports
            .iter()
            .enumerate()
            .map(|(i, &port)| {
                let name = format!("node{}", i + 1);
                RaftNode {
                    data_dir: self.dir.path().join(format!("{name}-a{attempt}/data")),
                    name,
                    port,
                    running: None,
                    starts: 0,
                    last_log: None,
                }
            })
            .collect();
        for i in 0..count {
            self.launch(i).map_err(|e| (e, false))?;
        }
        let started = Instant::now();
        for i in 0..count {
            self.wait_listening(i, started)?;
        }
        Ok(())
    }

    /// Writes node `i`'s config and starts its process (does not wait).
    fn launch(&mut self, i: usize) -> Result<(), String> {
        assert!(
            self.nodes[i].running.is_none(),
            "{} already runs",
            self.nodes[i].name
        );
        let config = self.config_text(i);
        let node = &mut self.nodes[i];
        node.starts += 1;
        fs::create_dir_all(&node.data_dir)
            .map_err(|e| format!("cannot create {}: {e}", node.data_dir.display()))?;
        let base = self
            .dir
            .path()
            .join(format!("{}-p{}", node.name, node.port));
        let config_path = base.with_extension(format!("{}.hcl", node.starts));
        let log_path = base.with_extension(format!("{}.log", node.starts));
        let pid_path = base.with_extension(format!("{}.pid", node.starts));
        fs::write(&config_path, config)
            .map_err(|e| format!("cannot write {}: {e}", config_path.display()))?;
        let mut watchdog = spawn(
            &bao_bin(),
            self.dir.path(),
            &config_path,
            &log_path,
            &pid_path,
        )
        .map_err(|e| format!("cannot start bao under /bin/sh: {e}"))?;
        let lifeline = watchdog.stdin.take();
        // The watchdog writes the pid file right after starting bao.
        let started = Instant::now();
        let pid = loop {
            if let Some(pid) = fs::read_to_string(&pid_path)
                .ok()
                .and_then(|s| s.trim().parse::<u32>().ok())
            {
                break pid;
            }
            if started.elapsed() > Duration::from_secs(10) {
                super::stop(&mut watchdog, lifeline);
                return Err(format!("the watchdog never wrote {}", pid_path.display()));
            }
            thread::sleep(Duration::from_millis(5));
        };
        node.last_log = Some(log_path);
        node.running = Some(Running {
            pid,
            watchdog,
            lifeline,
        });
        Ok(())
    }

    /// Waits until node `i` listens: health 501/503 and its log says it started.
    fn wait_listening(&mut self, i: usize, since: Instant) -> Result<(), (String, bool)> {
        let probe = new_agent(Duration::from_secs(2));
        let url = format!("{}/v1/sys/health", self.nodes[i].addr());
        loop {
            let node = &mut self.nodes[i];
            let running = node.running.as_mut().expect("launched");
            if let Ok(Some(status)) = running.watchdog.try_wait() {
                let log = node.last_log.clone().unwrap_or_default();
                node.running = None;
                return Err((
                    format!(
                        "{} (127.0.0.1:{}) exited after {:?}, before it was listening ({})\n--- {} ---\n{}",
                        node.name,
                        node.port,
                        since.elapsed(),
                        describe_status(status),
                        log.display(),
                        log_tail(&log)
                    ),
                    true,
                ));
            }
            let ours = node
                .last_log
                .as_ref()
                .and_then(|p| fs::read_to_string(p).ok())
                .is_some_and(|l| l.contains(STARTED_MARKER));
            let last = match http(&probe, "GET", &url, None, None) {
                Ok((501 | 503, _)) if ours => return Ok(()),
                Ok((status, body)) => format!("sys/health answered {status}: {body}"),
                Err(e) => e,
            };
            if since.elapsed() >= LISTEN_DEADLINE {
                let name = node.name.clone();
                return Err((
                    format!(
                        "{name} not listening after {LISTEN_DEADLINE:?}; last probe: {last}\n{}",
                        self.describe()
                    ),
                    false,
                ));
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    /// Node `i`'s config: raft storage, `retry_join` to every node, API on P, cluster on P+1.
    fn config_text(&self, i: usize) -> String {
        let node = &self.nodes[i];
        let quoted = |p: &Path| {
            p.to_string_lossy()
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
        };
        let mut joins = String::new();
        for other in &self.nodes {
            let _ = write!(
                joins,
                "\n  retry_join {{\n    leader_api_addr = \"{}\"\n  }}",
                other.addr()
            );
        }
        format!(
            r#"storage "raft" {{
  path                   = "{data}"
  node_id                = "{name}"
  performance_multiplier = 1
  # Autopilot promotes joiners to voters sooner than its 10 s default.
  autopilot_reconcile_interval = "1s"
  autopilot_update_interval    = "500ms"{joins}
}}

listener "tcp" {{
  address         = "127.0.0.1:{port}"
  cluster_address = "127.0.0.1:{cluster}"
  tls_disable     = true
}}

api_addr     = "http://127.0.0.1:{port}"
cluster_addr = "https://127.0.0.1:{cluster}"
"#,
            data = quoted(&node.data_dir),
            name = node.name,
            port = node.port,
            cluster = node.port + 1,
        )
    }

    /// Node `i`'s address, `http://127.0.0.1:<port>`.
    pub fn addr(&self, i: usize) -> String {
        self.nodes[i].addr()
    }

    /// Sends `method` to `/v1/<path>` on node `i`; `Err` for transport errors (a dead node).
    pub fn request(
        &self,
        i: usize,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let url = format!("{}/v1/{}", self.addr(i), path.trim_start_matches('/'));
        http(&self.agent, method, &url, token, body)
    }

    /// The `sys/health` status of node `i`, or the transport error.
    pub fn health(&self, i: usize) -> Result<u16, String> {
        self.request(i, "GET", "sys/health", None, None)
            .map(|(s, _)| s)
    }

    /// `GET sys/seal-status` on node `i` (status and body), or the transport error.
    pub fn seal_status(&self, i: usize) -> Result<(u16, Value), String> {
        self.request(i, "GET", "sys/seal-status", None, None)
    }

    /// Every node's health, pid and log tail, for failure messages.
    pub fn describe(&self) -> String {
        let mut out = String::from("--- cluster state ---");
        for (i, node) in self.nodes.iter().enumerate() {
            let health = if node.running.is_some() {
                match self.request(i, "GET", "sys/health", None, None) {
                    Ok((s, b)) => format!("health {s} {b}"),
                    Err(e) => format!("health: {e}"),
                }
            } else {
                "not running".to_string()
            };
            let _ = write!(
                out,
                "\n{} 127.0.0.1:{} pid {:?}: {health}",
                node.name,
                node.port,
                node.running.as_ref().map(|r| r.pid)
            );
        }
        for node in &self.nodes {
            if let Some(log) = &node.last_log {
                let _ = write!(
                    out,
                    "\n--- {} log {} ---\n{}",
                    node.name,
                    log.display(),
                    tail_lines(&log_tail(log), 40, NOISE)
                );
            }
        }
        out
    }

    /// A new empty directory for use as `$HOME` of a command.
    pub fn fresh_home(&mut self) -> PathBuf {
        self.homes += 1;
        let home = self.dir.path().join(format!("home-{}", self.homes));
        fs::create_dir_all(&home)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", home.display()));
        home
    }

    /// `vaultform` aimed at node `i`: `VAULT_ADDR` (and `VAULT_TOKEN` if given) only, every other
    /// `VAULT_*`/`BAO_*` variable removed, `NO_COLOR=1`, a fresh `HOME`, at most `limit` to run.
    pub fn vaultform(
        &mut self,
        i: usize,
        token: Option<&str>,
        limit: Duration,
    ) -> assert_cmd::Command {
        let home = self.fresh_home();
        let mut cmd = clean_vaultform_cmd(&home);
        cmd.env("VAULT_ADDR", self.addr(i)).timeout(limit);
        if let Some(token) = token {
            cmd.env("VAULT_TOKEN", token);
        }
        cmd
    }

    /// Like [`RaftCluster::vaultform`], as a plain `std` command to spawn in the background;
    /// its stdout and stderr go to `out` and `err`.
    pub fn vaultform_background(
        &mut self,
        i: usize,
        token: &str,
        out: &Path,
        err: &Path,
    ) -> Command {
        let home = self.fresh_home();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vaultform"));
        for (key, _) in std::env::vars_os() {
            if is_vault_var(&key) {
                cmd.env_remove(key);
            }
        }
        let file = |p: &Path| {
            fs::File::create(p).unwrap_or_else(|e| panic!("cannot create {}: {e}", p.display()))
        };
        cmd.env_remove("CLICOLOR_FORCE")
            .env_remove("FORCE_COLOR")
            .env("NO_COLOR", "1")
            .env("HOME", home)
            .env("VAULT_ADDR", self.addr(i))
            .env("VAULT_TOKEN", token)
            .stdin(Stdio::null())
            .stdout(file(out))
            .stderr(file(err));
        cmd
    }

    /// Unseals node `i` with `keys` over HTTP, the way a careful operator does on a joining node:
    /// waits (bounded) until its seal-status knows the seal config (`initialized`, `n > 0`), sends
    /// the threshold of keys, then waits (bounded) until health says unsealed (200 or 429).
    ///
    /// Returns a transcript of every exchange and seal-status seen; `Err` holds it too.
    pub fn unseal(&self, i: usize, keys: &Keys, deadline: Duration) -> Result<String, String> {
        let started = Instant::now();
        let mut log = format!("unseal {} ({}):", self.nodes[i].name, self.addr(i));
        let fail = |log: &mut String, why: String| -> Result<String, String> {
            let _ = write!(log, "\nFAILED after {:?}: {why}", started.elapsed());
            Err(std::mem::take(log))
        };
        // 1. The seal config, learnt from the leader by the retry_join loop (2 s tick).
        let mut last = String::new();
        loop {
            match self.seal_status(i) {
                Ok((200, body)) => {
                    let seen = brief_seal_status(&body);
                    if seen != last {
                        let _ = write!(log, "\n  {:>6} ms seal-status {seen}", ms(started));
                        last = seen;
                    }
                    if body["sealed"] == false {
                        let _ = write!(log, "\n  already unsealed");
                        return Ok(log);
                    }
                    if body["initialized"] == true && body["n"].as_u64().unwrap_or(0) > 0 {
                        if body["progress"].as_u64().unwrap_or(0) > 0 {
                            let r = self.request(
                                i,
                                "POST",
                                "sys/unseal",
                                None,
                                Some(&json!({"reset": true})),
                            );
                            let _ = write!(log, "\n  reset -> {}", brief_answer(&r));
                        }
                        break;
                    }
                }
                other => {
                    let seen = format!("{other:?}");
                    if seen != last {
                        let _ = write!(log, "\n  {:>6} ms seal-status {seen}", ms(started));
                        last = seen;
                    }
                }
            }
            if started.elapsed() >= deadline {
                return fail(&mut log, "the node never learnt the seal config".into());
            }
            thread::sleep(Duration::from_millis(50));
        }
        // 2. The threshold of keys, one call each; 3. health says unsealed (a joining node turns
        // standby a moment after the call that joins it). A join that has not finished 15 s after
        // the keys is started again with the keys, at most 3 rounds. (It was seen when the
        // joiner's cluster port, bound only at unseal, had been taken meanwhile as the local port
        // of an outgoing connection; ports now come from outside the ephemeral range, see
        // `free_port_pair`, and a second round would not have helped that one.)
        for round in 1..=3 {
            if round > 1 {
                let _ = write!(log, "\n  round {round}: the keys again");
            }
            for (k, key) in keys.hex.iter().take(keys.threshold).enumerate() {
                let r = self.request(i, "POST", "sys/unseal", None, Some(&json!({ "key": key })));
                let _ = write!(
                    log,
                    "\n  {:>6} ms POST sys/unseal key #{} -> {}",
                    ms(started),
                    k + 1,
                    brief_answer(&r)
                );
                match r {
                    Ok((200, body)) if body["sealed"] == false => break,
                    Ok((200, _)) => {}
                    other => return fail(&mut log, format!("unseal call failed: {other:?}")),
                }
            }
            let keys_sent = Instant::now();
            let mut last = String::new();
            loop {
                let h = self.health(i);
                let seen = format!("{h:?}");
                if seen != last {
                    let _ = write!(log, "\n  {:>6} ms health {seen}", ms(started));
                    last = seen;
                }
                if matches!(h, Ok(200 | 429)) {
                    if round > 1 {
                        eprintln!("note: the harness unsealed a node in {round} rounds:\n{log}");
                    }
                    return Ok(log);
                }
                if started.elapsed() >= deadline {
                    let st = self.seal_status(i);
                    let _ = write!(log, "\n  seal-status now {}", brief_answer(&st));
                    return fail(&mut log, "still sealed".into());
                }
                if keys_sent.elapsed() >= Duration::from_secs(15) {
                    let st = self.seal_status(i);
                    let _ = write!(log, "\n  seal-status now {}", brief_answer(&st));
                    break;
                }
                thread::sleep(Duration::from_millis(50));
            }
        }
        fail(&mut log, "still sealed after 3 rounds of keys".into())
    }

    /// Waits (bounded) until exactly one running node is active (health 200) and every other
    /// running node is a standby (429). Returns (active, standbys).
    pub fn wait_for_roles(&self, deadline: Duration) -> (usize, Vec<usize>) {
        let started = Instant::now();
        loop {
            let mut active = Vec::new();
            let mut standby = Vec::new();
            let mut other = Vec::new();
            for (i, node) in self.nodes.iter().enumerate() {
                if !node.is_running() {
                    continue;
                }
                match self.health(i) {
                    Ok(200) => active.push(i),
                    Ok(429) => standby.push(i),
                    h => other.push(format!("{}: {h:?}", node.name)),
                }
            }
            if active.len() == 1 && other.is_empty() {
                return (active[0], standby);
            }
            if started.elapsed() >= deadline {
                panic!(
                    "no single active node with every other node standby after {deadline:?} \
                     (active {active:?}, standby {standby:?}, other {other:?})\n{}",
                    self.describe()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits (bounded) until the raft configuration, read on `leader`, has `voters` voters and
    /// autopilot reports a failure tolerance of at least `tolerance`.
    pub fn wait_for_voters(&self, leader: usize, token: &str, voters: usize, deadline: Duration) {
        let started = Instant::now();
        loop {
            let config = self.request(
                leader,
                "GET",
                "sys/storage/raft/configuration",
                Some(token),
                None,
            );
            let count = match &config {
                Ok((200, body)) => body["data"]["config"]["servers"]
                    .as_array()
                    .map(|s| s.iter().filter(|s| s["voter"] == true).count())
                    .unwrap_or(0),
                _ => 0,
            };
            let state = self.request(
                leader,
                "GET",
                "sys/storage/raft/autopilot/state",
                Some(token),
                None,
            );
            let tolerance = match &state {
                Ok((200, body)) => body["data"]["failure_tolerance"].as_u64().unwrap_or(0),
                _ => 0,
            };
            let wanted_tolerance = (voters as u64 - 1) / 2;
            if count >= voters && tolerance >= wanted_tolerance {
                return;
            }
            let last = format!(
                "voters {count}, failure_tolerance {tolerance}; configuration {}; autopilot {}",
                brief_answer(&config),
                brief_answer(&state)
            );
            if started.elapsed() >= deadline {
                panic!(
                    "the cluster did not reach {voters} voters within {deadline:?}: {last}\n{}",
                    self.describe()
                );
            }
            thread::sleep(Duration::from_millis(250));
        }
    }

    /// Shortens autopilot's `server_stabilization_time` (default 10 s) through node `i` (the active
    /// one), so that joiners become voters a few seconds after they join.
    pub fn fast_autopilot(&self, i: usize, token: &str) {
        let r = self.request(
            i,
            "POST",
            "sys/storage/raft/autopilot/configuration",
            Some(token),
            Some(&json!({ "server_stabilization_time": "2s" })),
        );
        if !matches!(r, Ok((200 | 204, _))) {
            panic!(
                "cannot set the autopilot configuration: {}\n{}",
                brief_answer(&r),
                self.describe()
            );
        }
    }

    /// The pid of node `i`'s bao process.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.nodes[i].running.as_ref().map(|r| r.pid)
    }

    /// SIGKILLs node `i`'s bao process (no graceful step-down) and reaps its watchdog.
    pub fn kill(&mut self, i: usize) {
        let Some(mut running) = self.nodes[i].running.take() else {
            return;
        };
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(running.pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
        super::stop(&mut running.watchdog, running.lifeline.take());
    }

    /// Starts node `i` again on its data dir and port, and waits until it listens (sealed).
    pub fn restart(&mut self, i: usize) {
        self.kill(i);
        if let Err(e) = self.launch(i) {
            panic!(
                "cannot restart {}: {e}\n{}",
                self.nodes[i].name,
                self.describe()
            );
        }
        if let Err((e, _)) = self.wait_listening(i, Instant::now()) {
            panic!("cannot restart {}: {e}", self.nodes[i].name);
        }
    }

    fn kill_all(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
    }
}

impl Drop for RaftCluster {
    /// SIGKILLs every node. When the test is failing, keeps the cluster's directory (configs,
    /// full logs) and says where it is.
    fn drop(&mut self) {
        self.kill_all();
        if thread::panicking() {
            self.dir.disable_cleanup(true);
            eprintln!(
                "the raft cluster's configs and full logs are kept in {}",
                self.dir.path().display()
            );
        }
    }
}

/// `count` API ports P (each with P+1 free too), no two pairs overlapping.
fn distinct_port_pairs(count: usize) -> Result<Vec<u16>, String> {
    let mut ports: Vec<u16> = Vec::new();
    for _ in 0..(count * 20) {
        if ports.len() == count {
            break;
        }
        let p = free_port_pair()?;
        if ports.iter().all(|&q| p.abs_diff(q) > 1) {
            ports.push(p);
        }
    }
    if ports.len() == count {
        Ok(ports)
    } else {
        Err(format!("could not find {count} distinct free port pairs"))
    }
}

/// Spawns `bao server -config=<config>` under the watchdog, without `VAULT_*`/`BAO_*` variables.
fn spawn(
    bin: &Path,
    dir: &Path,
    config: &Path,
    log_path: &Path,
    pid_path: &Path,
) -> std::io::Result<Child> {
    let watchdog_log = fs::File::create(log_path.with_extension("watchdog.log"))?;
    let err = watchdog_log.try_clone()?;
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(WATCHDOG)
        .arg("sh")
        .arg(log_path)
        .arg(pid_path)
        .arg(bin)
        .arg("server")
        .arg(format!("-config={}", config.display()));
    for (key, _) in std::env::vars_os() {
        if is_vault_var(&key) {
            cmd.env_remove(key);
        }
    }
    cmd.env("HOME", dir)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(watchdog_log)
        .stderr(err)
        .spawn()
}

fn ms(since: Instant) -> u128 {
    since.elapsed().as_millis()
}

/// Log lines that every probe of an uninitialised node adds, left out of failure messages.
const NOISE: &str = "security barrier not initialized";

/// The last `n` lines of `text` that do not contain `noise`.
fn tail_lines(text: &str, n: usize, noise: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.contains(noise)).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The seal-status fields that matter, on one line.
pub fn brief_seal_status(body: &Value) -> String {
    format!(
        "initialized={} sealed={} t={} n={} progress={} nonce={}",
        body["initialized"], body["sealed"], body["t"], body["n"], body["progress"], body["nonce"]
    )
}

/// An answer on one line: status and body (seal-status fields only when it is one).
pub fn brief_answer(r: &Result<(u16, Value), String>) -> String {
    match r {
        Ok((status, body)) if body.get("sealed").is_some() => {
            format!("{status} {}", brief_seal_status(body))
        }
        Ok((status, body)) => {
            let text = body.to_string();
            let cut: String = text.chars().take(400).collect();
            format!("{status} {cut}")
        }
        Err(e) => format!("transport error: {e}"),
    }
}
