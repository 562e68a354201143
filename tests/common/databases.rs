//! Real database servers for the database secrets engine tests: PostgreSQL and
//! Redis from the distribution's packages (installed by
//! `scripts/install-test-servers.sh`, which `scripts/test.sh` runs), each
//! started on a free loopback port in its own temp dir, under the same
//! watchdog as the OpenBao servers (killed when the test process ends, even
//! by SIGKILL), with a random superuser password.
//!
//! A server that cannot be started fails the test with the reason and its
//! log; nothing is skipped.

use super::{WATCHDOG, random_token, stop};
use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long a database server may take to accept connections.
const READY_DEADLINE: Duration = Duration::from_secs(60);
/// Start attempts, each on a new port.
const ATTEMPTS: u32 = 3;

const INSTALL_HINT: &str = "run scripts/install-test-servers.sh (scripts/test.sh does), which installs PostgreSQL 15 and Redis 7.0 from the distribution's packages";

/// A process under the watchdog; SIGKILLed on drop.
struct Watched {
    watchdog: Child,
    lifeline: Option<ChildStdin>,
    log: PathBuf,
}

impl Watched {
    fn spawn(dir: &Path, name: &str, argv: &[String]) -> Watched {
        let log = dir.join(format!("{name}.log"));
        let pidfile = dir.join(format!("{name}.pid"));
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("sh")
            .arg(&log)
            .arg(&pidfile)
            .args(argv)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the watchdog for {name}: {e}"));
        let lifeline = child.stdin.take();
        Watched {
            watchdog: child,
            lifeline,
            log,
        }
    }

    fn exited(&mut self) -> bool {
        matches!(self.watchdog.try_wait(), Ok(Some(_)))
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        stop(&mut self.watchdog, self.lifeline.take());
    }
}

fn free_port() -> u16 {
    super::free_port().unwrap_or_else(|e| panic!("{e}"))
}

/// Waits until `port` accepts connections and `ready` says yes.
fn wait_ready(w: &mut Watched, port: u16, ready: impl Fn() -> bool) -> Result<(), String> {
    let deadline = Instant::now() + READY_DEADLINE;
    loop {
        if w.exited() {
            return Err(format!("exited early:\n{}", w.log()));
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() && ready() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("not ready after {READY_DEADLINE:?}:\n{}", w.log()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn run(cmd: &mut Command) -> Result<Output, String> {
    cmd.output().map_err(|e| format!("{cmd:?}: {e}"))
}

/// The folder with PostgreSQL's server programs.
fn pg_bin() -> PathBuf {
    let dir = std::env::var_os("VAULTFORM_PG_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15/bin"));
    if !dir.join("postgres").is_file() || !dir.join("initdb").is_file() {
        panic!(
            "PostgreSQL's server programs are not in {} ({INSTALL_HINT})",
            dir.display()
        );
    }
    dir
}

/// `(uid, gid)` to run PostgreSQL as: it refuses to run as root, so as
/// root the `postgres` system user the package creates.
fn pg_user() -> Option<(String, String)> {
    let out = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&out.stdout).trim() != "0" {
        return None;
    }
    let id = |flag: &str| {
        let out = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run id: {e}"));
        if !out.status.success() {
            panic!("running as root, PostgreSQL needs the `postgres` system user ({INSTALL_HINT})");
        }
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    Some((id("-u"), id("-g")))
}

/// argv that runs `program` as the PostgreSQL user.
fn as_pg(user: &Option<(String, String)>, program: PathBuf) -> Vec<String> {
    let mut argv = Vec::new();
    if let Some((uid, gid)) = user {
        argv.extend([
            "setpriv".to_string(),
            format!("--reuid={uid}"),
            format!("--regid={gid}"),
            "--clear-groups".to_string(),
        ]);
    }
    argv.push(program.display().to_string());
    argv
}

/// A PostgreSQL server on a free loopback port, superuser `postgres`.
pub struct Postgres {
    port: u16,
    password: String,
    _server: Watched,
    _dir: tempfile::TempDir,
}

impl Postgres {
    /// Initialises a cluster in a temp dir and starts it.
    pub fn start() -> Postgres {
        let bin = pg_bin();
        let user = pg_user();
        let dir = tempfile::Builder::new()
            .prefix("vaultform-pg-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir for PostgreSQL: {e}"));
        let password = random_token();
        let pwfile = dir.path().join("pw");
        fs::write(&pwfile, &password).unwrap_or_else(|e| panic!("{}: {e}", pwfile.display()));
        if let Some((uid, gid)) = &user {
            let chown = run(Command::new("chown")
                .arg("-R")
                .arg(format!("{uid}:{gid}"))
                .arg(dir.path()))
            .unwrap_or_else(|e| panic!("{e}"));
            assert!(chown.status.success(), "chown of the PostgreSQL dir failed");
        }
        let data = dir.path().join("data");
        let mut argv = as_pg(&user, bin.join("initdb"));
        argv.extend([
            "-D".into(),
            data.display().to_string(),
            "-U".into(),
            "postgres".into(),
            "--auth=scram-sha-256".into(),
            format!("--pwfile={}", pwfile.display()),
            "--no-sync".into(),
        ]);
        let init = run(Command::new(&argv[0]).args(&argv[1..])).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            init.status.success(),
            "initdb failed ({INSTALL_HINT}):\n{}\n{}",
            String::from_utf8_lossy(&init.stdout),
            String::from_utf8_lossy(&init.stderr)
        );
        let mut failures = Vec::new();
        for _ in 0..ATTEMPTS {
            let port = free_port();
            let mut argv = as_pg(&user, bin.join("postgres"));
            argv.extend([
                "-D".into(),
                data.display().to_string(),
                "-p".into(),
                port.to_string(),
                "-k".into(),
                dir.path().display().to_string(),
                "-c".into(),
                "listen_addresses=127.0.0.1".into(),
                "-c".into(),
                "fsync=off".into(),
            ]);
            let mut server = Watched::spawn(dir.path(), &format!("postgres-{port}"), &argv);
            let probe = |pw: &str| {
                psql(port, "postgres", pw, "select 1")
                    .map(|o| o.status.success())
                    .unwrap_or(false)
            };
            match wait_ready(&mut server, port, || probe(&password)) {
                Ok(()) => {
                    return Postgres {
                        port,
                        password,
                        _server: server,
                        _dir: dir,
                    };
                }
                Err(e) => failures.push(format!("port {port}: {e}")),
            }
        }
        panic!("PostgreSQL did not start:\n{}", failures.join("\n"));
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser's password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// Runs SQL as the superuser; panics if it fails.
    pub fn sql(&self, statement: &str) -> String {
        let out = psql(self.port, "postgres", &self.password, statement)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Whether `user`/`password` log in; `Ok(current_user)` or the error text.
    pub fn login(&self, user: &str, password: &str) -> Result<String, String> {
        let out = psql(self.port, user, password, "select current_user")?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }
}

fn psql(port: u16, user: &str, password: &str, statement: &str) -> Result<Output, String> {
    run(Command::new("psql")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", user])
        .args([
            "-d",
            "postgres",
            "-tA",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            statement,
        ])
        .env("PGPASSWORD", password)
        .env("PGCONNECT_TIMEOUT", "5")
        .stdin(Stdio::null()))
}

/// A Redis server on a free loopback port, its `default` user protected by
/// a random password, nothing persisted.
pub struct Redis {
    port: u16,
    password: String,
    _server: Watched,
    _dir: tempfile::TempDir,
}

impl Redis {
    /// Starts it.
    pub fn start() -> Redis {
        let server_bin = std::env::var_os("VAULTFORM_REDIS_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/bin/redis-server"));
        if !server_bin.is_file() {
            panic!(
                "redis-server is not at {} ({INSTALL_HINT})",
                server_bin.display()
            );
        }
        let dir = tempfile::Builder::new()
            .prefix("vaultform-redis-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir for Redis: {e}"));
        let password = random_token();
        // The password in a config file, not on a command line others can read.
        let conf = dir.path().join("redis.conf");
        let mut failures = Vec::new();
        for _ in 0..ATTEMPTS {
            let port = free_port();
            fs::write(
                &conf,
                format!(
                    "port {port}\nbind 127.0.0.1\nsave \"\"\nappendonly no\ndir {}\nrequirepass {password}\n",
                    dir.path().display()
                ),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", conf.display()));
            let argv = vec![server_bin.display().to_string(), conf.display().to_string()];
            let mut server = Watched::spawn(dir.path(), &format!("redis-{port}"), &argv);
            match wait_ready(&mut server, port, || {
                cli(port, "default", &password, &["PING"]).is_ok_and(|o| o == "PONG")
            }) {
                Ok(()) => {
                    return Redis {
                        port,
                        password,
                        _server: server,
                        _dir: dir,
                    };
                }
                Err(e) => failures.push(format!("port {port}: {e}")),
            }
        }
        panic!("Redis did not start:\n{}", failures.join("\n"));
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `default` user's password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// Runs a command as `user`: its output, or the error text.
    pub fn command(&self, user: &str, password: &str, args: &[&str]) -> Result<String, String> {
        cli(self.port, user, password, args)
    }
}

fn cli(port: u16, user: &str, password: &str, args: &[&str]) -> Result<String, String> {
    let out = run(Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "--user", user])
        .args(args)
        // The password through the environment, not the command line.
        .env("REDISCLI_AUTH", password)
        .stdin(Stdio::null()))?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if out.status.success()
        && !text.starts_with("ERR")
        && !text.starts_with("NOPERM")
        && !text.starts_with("WRONGPASS")
    {
        Ok(text)
    } else {
        Err(format!(
            "{text}{}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}
