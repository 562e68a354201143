//! A real, non-dev OpenBao server with on-disk `pebbledb` storage, for init, unseal and restart
//! tests (OPENBAO.md §2 and §14).
//!
//! [`BaoServer::start`] writes a config (pebbledb at the given data dir, a TCP listener on a free
//! loopback port P with its cluster listener on P+1, TLS off), starts `bao server -config=...`
//! under the same watchdog as the dev servers in `mod.rs` (so no server outlives the test process),
//! and waits until the server listens: `GET /v1/sys/health` answers 501 (uninitialised) or 503
//! (sealed) and the server's own log says it started (so a port answered by another test's server
//! is never taken for ours). [`BaoServer::stop`] stops it gracefully (SIGTERM, wait);
//! [`BaoServer::restart`] starts it again on the same data dir, on the same port if it is still
//! free. `Drop` SIGKILLs whatever still runs.
//!
//! Unlike a dev server there is no root token until someone initialises the server, so the
//! helpers here take the token as an argument.
//!
//! [`BaoServer::start_with_args`] runs `bao` with arguments (and config files) of the caller's
//! making instead, under the same watchdog and readiness check (tests/compose.rs runs the Compose
//! recipe's own `openbao.hcl` this way).

use super::{
    MAX_ATTEMPTS, POLL_INTERVAL, READY_DEADLINE, WATCHDOG, bao_bin, clean_vaultform_cmd,
    describe_status, free_port_pair, http, is_vault_var, log_tail, new_agent,
};
use serde_json::Value;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How long a graceful stop may take before the server is killed (measured: ~1.3 s).
const GRACEFUL_STOP_DEADLINE: Duration = Duration::from_secs(30);
/// The line OpenBao logs once its listeners are up.
const STARTED_MARKER: &str = "OpenBao server started";

/// Makes the `bao` arguments for a start attempt whose API port is the argument (the cluster port
/// being the next one), writing any config file they name; `Err` gives up with that reason.
pub type ArgsFn = dyn Fn(u16) -> Result<Vec<OsString>, String> + Send + Sync;

/// A non-dev OpenBao server on pebbledb storage (or as [`BaoServer::start_with_args`]'s arguments
/// say). Starts uninitialised on an empty data dir.
pub struct BaoServer {
    data_dir: PathBuf,
    /// The caller's arguments ([`BaoServer::start_with_args`]); `None`: the built-in config.
    args: Option<Box<ArgsFn>>,
    port: u16,
    running: Option<Running>,
    /// Start attempts so far (numbers the config and log files).
    attempts: u32,
    agent: ureq::Agent,
    /// Config files, logs, pid files, fresh `HOME`s.
    dir: tempfile::TempDir,
}

/// One running server process.
struct Running {
    /// bao's own pid (a child of the watchdog).
    pid: u32,
    /// The `sh` watchdog, our direct child.
    watchdog: Child,
    /// The write end of the watchdog's pipe: dropping it kills bao.
    lifeline: Option<ChildStdin>,
    log_path: PathBuf,
}

impl BaoServer {
    /// Starts a server whose storage lives in `data_dir` (created if missing) and waits until it
    /// listens. Panics with every attempt's reason and log if no server comes up.
    pub fn start(data_dir: &Path) -> BaoServer {
        Self::launch_new(data_dir, None)
    }

    /// Starts `bao <args(port)>` instead of the built-in config: the arguments must make the
    /// server listen on `127.0.0.1:port` without TLS (readiness is probed there, as for
    /// [`BaoServer::start`]) with its cluster listener on `port + 1`, and keep its storage in
    /// `data_dir`. `args` is called again for every attempt and by [`BaoServer::restart`].
    pub fn start_with_args(
        data_dir: &Path,
        args: impl Fn(u16) -> Result<Vec<OsString>, String> + Send + Sync + 'static,
    ) -> BaoServer {
        Self::launch_new(data_dir, Some(Box::new(args)))
    }

    fn launch_new(data_dir: &Path, args: Option<Box<ArgsFn>>) -> BaoServer {
        fs::create_dir_all(data_dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", data_dir.display()));
        let dir = tempfile::Builder::new()
            .prefix("vaultform-bao-server-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir for the OpenBao server: {e}"));
        let mut server = BaoServer {
            data_dir: data_dir.to_path_buf(),
            args,
            port: 0,
            running: None,
            attempts: 0,
            agent: new_agent(Duration::from_secs(60)),
            dir,
        };
        server.launch(None);
        server
    }

    /// Stops the server gracefully: SIGTERM, then waits for it to exit (SIGKILL after 30 s).
    pub fn stop(&mut self) {
        let Some(mut running) = self.running.take() else {
            return;
        };
        let _ = Command::new("/bin/sh")
            .args(["-c", r#"kill -TERM "$1""#, "sh"])
            .arg(running.pid.to_string())
            .status();
        let deadline = Instant::now() + GRACEFUL_STOP_DEADLINE;
        loop {
            match running.watchdog.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if Instant::now() >= deadline => break,
                Ok(None) => thread::sleep(Duration::from_millis(20)),
            }
        }
        super::stop(&mut running.watchdog, running.lifeline.take());
    }

    /// Starts the server again on the same data dir, on the same port if it is still free (a new
    /// one otherwise). Stops it first if it runs.
    pub fn restart(&mut self) {
        self.stop();
        self.launch(Some(self.port));
    }

    /// Whether the server process runs.
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// `http://127.0.0.1:<port>` (no trailing slash).
    pub fn addr(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The API port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The storage directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The current process's log so far.
    pub fn log(&self) -> String {
        match &self.running {
            Some(r) => fs::read_to_string(&r.log_path)
                .unwrap_or_else(|e| format!("<cannot read log: {e}>")),
            None => "<server not running>".into(),
        }
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

    /// Sends `method` to `/v1/<path>` with an optional token and JSON body; returns the status and
    /// the body (`Null` when empty). Panics on transport errors, showing the server log.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let url = format!("{}/v1/{}", self.addr(), path.trim_start_matches('/'));
        http(&self.agent, method, &url, token, body)
            .unwrap_or_else(|e| panic!("{e}\n--- OpenBao log ---\n{}", self.log()))
    }

    /// The status code of `GET /v1/sys/health`: 501 uninitialised, 503 sealed, 200 active.
    pub fn health(&self) -> u16 {
        self.request("GET", "sys/health", None, None).0
    }

    /// `GET /v1/sys/seal-status` (unauthenticated).
    pub fn seal_status(&self) -> Value {
        let (status, body) = self.request("GET", "sys/seal-status", None, None);
        assert_eq!(status, 200, "sys/seal-status: {body}");
        body
    }

    /// `GET /v1/<path>` with `token`.
    pub fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.request("GET", path, Some(token), None)
    }

    /// Starts bao, first on `prefer_port` if given, then on fresh ports after early exits.
    fn launch(&mut self, prefer_port: Option<u16>) {
        assert!(self.running.is_none(), "the server is already running");
        let bin = bao_bin();
        let mut failures = String::new();
        for attempt in 1..=MAX_ATTEMPTS {
            let port = match (attempt, prefer_port) {
                (1, Some(port)) => port,
                _ => free_port_pair().unwrap_or_else(|e| panic!("{e}")),
            };
            self.attempts += 1;
            match self.try_launch(&bin, port) {
                Ok(running) => {
                    self.port = port;
                    self.running = Some(running);
                    return;
                }
                Err((reason, log, retry)) => {
                    let _ = write!(
                        failures,
                        "\n\nattempt {attempt} on 127.0.0.1:{port}: {reason}\n--- {} ---\n{}",
                        log.display(),
                        log_tail(&log)
                    );
                    if !retry {
                        break;
                    }
                }
            }
        }
        panic!(
            "cannot start an OpenBao server ({}) on {}:{failures}",
            bin.display(),
            self.data_dir.display()
        );
    }

    /// One start attempt on `port`. `Err((reason, log, worth_retrying))`.
    fn try_launch(&self, bin: &Path, port: u16) -> Result<Running, (String, PathBuf, bool)> {
        let n = self.attempts;
        let dir = self.dir.path();
        let config = dir.join(format!("config-{n}.hcl"));
        let log_path = dir.join(format!("bao-{n}.log"));
        let pid_path = dir.join(format!("bao-{n}.pid"));
        let fail = |reason: String, retry: bool| (reason, log_path.clone(), retry);
        let args = match &self.args {
            Some(args) => args(port).map_err(|e| fail(e, false))?,
            None => {
                fs::write(&config, config_text(&self.data_dir, port))
                    .map_err(|e| fail(format!("cannot write {}: {e}", config.display()), false))?;
                vec![
                    OsString::from("server"),
                    OsString::from(format!("-config={}", config.display())),
                ]
            }
        };

        let mut watchdog = spawn(bin, dir, &args, &log_path, &pid_path).map_err(|e| {
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
        let probe_agent = new_agent(Duration::from_secs(2));
        let url = format!("http://127.0.0.1:{port}/v1/sys/health");
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = watchdog.try_wait() {
                return Err(fail(
                    format!(
                        "exited after {:?}, before it was listening ({})",
                        started.elapsed(),
                        describe_status(status)
                    ),
                    true,
                ));
            }
            let ours = fs::read_to_string(&log_path).is_ok_and(|l| l.contains(STARTED_MARKER));
            let last = match http(&probe_agent, "GET", &url, None, None) {
                Ok((501 | 503, _)) if ours => break,
                Ok((status, body)) => format!("sys/health answered {status}: {body}"),
                Err(e) => e,
            };
            if started.elapsed() >= READY_DEADLINE {
                super::stop(&mut watchdog, Some(lifeline));
                return Err(fail(
                    format!("not listening after {READY_DEADLINE:?}; last probe: {last}"),
                    false,
                ));
            }
            thread::sleep(POLL_INTERVAL);
        }
        let pid = loop {
            if let Some(pid) = fs::read_to_string(&pid_path)
                .ok()
                .and_then(|s| s.trim().parse::<u32>().ok())
            {
                break pid;
            }
            if started.elapsed() >= READY_DEADLINE {
                super::stop(&mut watchdog, Some(lifeline));
                return Err(fail(
                    format!("the watchdog never wrote {}", pid_path.display()),
                    false,
                ));
            }
            thread::sleep(Duration::from_millis(5));
        };
        Ok(Running {
            pid,
            watchdog,
            lifeline: Some(lifeline),
            log_path,
        })
    }
}

impl Drop for BaoServer {
    /// SIGKILLs the server (through the watchdog) if it still runs.
    fn drop(&mut self) {
        if let Some(mut running) = self.running.take() {
            super::stop(&mut running.watchdog, running.lifeline.take());
        }
    }
}

/// The server config: pebbledb storage at `data_dir`, API on `port`, cluster on `port + 1`.
fn config_text(data_dir: &Path, port: u16) -> String {
    let quoted = |p: &Path| {
        p.to_string_lossy()
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
    };
    format!(
        r#"storage "pebbledb" {{
  path = "{data}"
}}

listener "tcp" {{
  address         = "127.0.0.1:{port}"
  cluster_address = "127.0.0.1:{cluster}"
  tls_disable     = true
}}

api_addr     = "http://127.0.0.1:{port}"
cluster_addr = "https://127.0.0.1:{cluster}"
"#,
        data = quoted(data_dir),
        cluster = port + 1,
    )
}

/// Spawns `bao <args>` under the [`WATCHDOG`] script, without any `VAULT_*` or `BAO_*`
/// variable, `HOME` and the working directory set to `dir`.
fn spawn(
    bin: &Path,
    dir: &Path,
    args: &[OsString],
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
        .args(args);
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

/// `vaultform` aimed at `server` with `VAULT_ADDR` only: no `VAULT_TOKEN`, every other
/// `VAULT_*`/`BAO_*` variable removed, `NO_COLOR=1` and a fresh empty `HOME`.
pub fn vaultform_at(server: &BaoServer) -> assert_cmd::Command {
    let mut cmd = clean_vaultform_cmd(&server.fresh_home());
    cmd.env("VAULT_ADDR", server.addr());
    cmd
}
