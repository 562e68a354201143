//! The Compose recipe (examples/compose) without a container engine: every
//! service of `docker-compose.yml` is run as a plain process, in `depends_on`
//! order, against a real OpenBao started from the recipe's own `openbao.hcl`,
//! with the same files, volumes and variables the containers would get.
//!
//! Each service gets a root directory of its own (its container's file system):
//! the files its image copies (read from the Dockerfile) and its bind mounts
//! are copied there; a named volume is one directory shared by every service
//! that mounts it. Container paths in arguments, variables and the mounted
//! config files are rewritten to those host paths, and `openbao:8200` (or
//! `0.0.0.0:8200`) to the test server on 127.0.0.1. `.env` is `.env.example`.
//! `vaultform`, `python` and `bao` are found on a `PATH` whose first directory
//! links them to the binary under test, `python3` and the pinned OpenBao.
//!
//! Not covered: building the images (no engine here) and the stock `mongo`
//! image's own entrypoint; what that entrypoint reads is checked instead.
//! Every output is searched for every secret value the run saw.

mod common;

use common::server::BaoServer;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a one-shot service may run (bootstrap waits for the server and applies).
const ONE_SHOT_LIMIT: Duration = Duration::from_secs(90);
/// How long the application may take to print `ready`, and to stop after SIGTERM.
const APP_LIMIT: Duration = Duration::from_secs(30);
/// Poll interval of every wait.
const POLL: Duration = Duration::from_millis(20);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn recipe() -> PathBuf {
    repo().join("examples/compose")
}

// ---------------------------------------------------------------------------
// docker-compose.yml and the Dockerfile, as far as the test needs them.
// ---------------------------------------------------------------------------

// Unknown fields are errors: a typo (`depend_on`) must not be ignored here
// while Compose would refuse it, and a new feature of the recipe is a field
// this test must learn about.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ComposeFile {
    name: String,
    services: BTreeMap<String, Service>,
    #[serde(default)]
    volumes: BTreeMap<String, Option<serde_yaml_ng::Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Service {
    image: Option<String>,
    build: Option<Build>,
    command: Vec<String>,
    entrypoint: Option<Vec<String>>,
    environment: BTreeMap<String, String>,
    env_file: Option<String>,
    volumes: Vec<String>,
    depends_on: BTreeMap<String, DependsOn>,
    healthcheck: Option<Healthcheck>,
    user: Option<String>,
    init: bool,
    restart: Option<String>,
    ports: Vec<String>,
    cap_add: Vec<String>,
    cap_drop: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Build {
    context: String,
    dockerfile: String,
    target: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DependsOn {
    condition: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Healthcheck {
    test: Vec<String>,
    timeout: Option<String>,
    interval: Option<String>,
    retries: Option<u32>,
    start_period: Option<String>,
}

/// One `volumes:` entry of a service (short syntax).
#[derive(Clone, Debug)]
struct Mount {
    /// `./policies` (a bind mount, relative to examples/compose) or a volume name.
    source: String,
    /// The path inside the container.
    target: String,
    read_only: bool,
}

impl Mount {
    fn parse(text: &str) -> Mount {
        let parts: Vec<&str> = text.split(':').collect();
        let (source, target, read_only) = match parts.as_slice() {
            [s, t] => (s, t, false),
            [s, t, "ro"] => (s, t, true),
            [s, t, "rw"] => (s, t, false),
            _ => panic!("volume `{text}`: write SOURCE:TARGET[:ro]"),
        };
        assert!(target.starts_with('/'), "volume `{text}`: relative target");
        Mount {
            source: source.to_string(),
            target: target.trim_end_matches('/').to_string(),
            read_only,
        }
    }

    fn is_bind(&self) -> bool {
        self.source.starts_with("./") || self.source.starts_with("../")
    }
}

/// A stage of the Dockerfile: its name, ENTRYPOINT and COPY lines.
#[derive(Debug, Default)]
struct Stage {
    entrypoint: Option<Vec<String>>,
    /// `(from stage, source, destination)`.
    copies: Vec<(Option<String>, String, String)>,
}

fn parse_dockerfile(text: &str) -> BTreeMap<String, Stage> {
    let mut stages: BTreeMap<String, Stage> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.first().map(|w| w.to_ascii_uppercase()).as_deref() {
            Some("FROM") => {
                let name = match words.as_slice() {
                    [_, _, as_, name] if as_.eq_ignore_ascii_case("as") => name.to_string(),
                    _ => panic!(
                        "Dockerfile: every stage needs a name (`FROM image AS name`): {line}"
                    ),
                };
                stages.insert(name.clone(), Stage::default());
                current = Some(name);
            }
            Some("ENTRYPOINT") => {
                let json = line["ENTRYPOINT".len()..].trim();
                let argv: Vec<String> = serde_json::from_str(json).unwrap_or_else(|e| {
                    panic!("Dockerfile: ENTRYPOINT must be a JSON array ({e}): {line}")
                });
                let stage = current.as_ref().expect("ENTRYPOINT before FROM");
                stages.get_mut(stage).unwrap().entrypoint = Some(argv);
            }
            Some("COPY") => {
                let mut from = None;
                let mut paths = Vec::new();
                for w in &words[1..] {
                    if let Some(f) = w.strip_prefix("--from=") {
                        from = Some(f.to_string());
                    } else if !w.starts_with("--") {
                        paths.push(w.to_string());
                    }
                }
                let dest = paths.pop().expect("COPY without a destination");
                assert!(
                    !paths.is_empty(),
                    "Dockerfile: COPY without a source: {line}"
                );
                let several = paths.len() > 1;
                let stage = current.as_ref().expect("COPY before FROM");
                for src in paths {
                    // Several sources go into the destination directory.
                    let to = if several {
                        let base = src.trim_end_matches('/').rsplit('/').next().unwrap();
                        format!("{}/{base}", dest.trim_end_matches('/'))
                    } else {
                        dest.clone()
                    };
                    stages
                        .get_mut(stage)
                        .unwrap()
                        .copies
                        .push((from.clone(), src, to));
                }
            }
            _ => {}
        }
    }
    stages
}

/// Compose interpolation: `$$` is a literal `$`; the recipe uses no variables.
fn interpolate(text: &str) -> String {
    let out = text.replace("$$", "\u{0}");
    assert!(
        !out.contains('$'),
        "`{text}` uses Compose variable interpolation; the recipe must not depend on the host's environment"
    );
    out.replace('\u{0}', "$")
}

fn parse_duration(text: &str) -> Duration {
    let secs: u64 = text
        .strip_suffix('s')
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("healthcheck duration `{text}`: write seconds, e.g. 5s"));
    Duration::from_secs(secs)
}

// ---------------------------------------------------------------------------
// A service's file system, and the rewriting of container paths and addresses.
// ---------------------------------------------------------------------------

/// Where a service's container paths are on the host.
#[derive(Clone, Debug)]
struct Fs {
    /// The container's own root: image files and bind mounts are copied here.
    rootfs: PathBuf,
    /// Named volumes: (container path, shared host directory).
    volumes: Vec<(String, PathBuf)>,
}

impl Fs {
    fn resolve(&self, path: &str) -> PathBuf {
        assert!(path.starts_with('/'), "{path} is not absolute");
        let best = self
            .volumes
            .iter()
            .filter(|(t, _)| path == t || path.starts_with(&format!("{t}/")))
            .max_by_key(|(t, _)| t.len());
        match best {
            Some((t, host)) => {
                let rest = path[t.len()..].trim_start_matches('/');
                if rest.is_empty() {
                    host.clone()
                } else {
                    host.join(rest)
                }
            }
            None => self.rootfs.join(path.trim_start_matches('/')),
        }
    }

    fn resolve_text(&self, path: &str) -> String {
        let p = self.resolve(path).display().to_string();
        assert!(
            !p.contains(['"', '\\', ' ']),
            "a temp path with a quote, backslash or space: {p}"
        );
        p
    }
}

/// `openbao:8200` and the listen addresses -> the test server on 127.0.0.1:`port`
/// (its cluster listener on `port + 1`), in one pass.
fn rewrite_addresses(text: &str, port: u16) -> String {
    let api = format!("127.0.0.1:{port}");
    let cluster = format!("127.0.0.1:{}", port + 1);
    let rules: [(&str, &str); 6] = [
        ("openbao:8200", &api),
        ("openbao:8201", &cluster),
        ("0.0.0.0:8200", &api),
        ("0.0.0.0:8201", &cluster),
        ("127.0.0.1:8200", &api),
        ("127.0.0.1:8201", &cluster),
    ];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for (from, to) in rules {
            if let Some(after) = rest.strip_prefix(from) {
                out.push_str(to);
                rest = after;
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    for leftover in ["openbao:", "0.0.0.0"] {
        assert!(
            !out.contains(leftover),
            "`{text}` names `{leftover}` in a way the test cannot point at 127.0.0.1"
        );
    }
    out
}

/// An argument or a variable's value: addresses, then a container path (the
/// whole value, or after `=` in `-flag=/path`).
fn rewrite_value(fs: &Fs, port: u16, value: &str) -> String {
    let value = rewrite_addresses(&interpolate(value), port);
    if value.starts_with('/') {
        return fs.resolve_text(&value);
    }
    if value.starts_with('-')
        && let Some((flag, path)) = value.split_once('=')
        && path.starts_with('/')
    {
        return format!("{flag}={}", fs.resolve_text(path));
    }
    value
}

/// A config file's text: addresses, and every quoted absolute path.
fn rewrite_text(fs: &Fs, port: u16, text: &str) -> String {
    let text = rewrite_addresses(text, port);
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("\"/") {
        out.push_str(&rest[..=at]);
        let inner = &rest[at + 1..];
        let end = inner.find('"').expect("unterminated string");
        let path = &inner[..end];
        if path.contains(char::is_whitespace) {
            out.push_str(path);
        } else {
            out.push_str(&fs.resolve_text(path));
        }
        rest = &inner[end..];
    }
    out.push_str(rest);
    out
}

/// Copies `from` (a file or a directory) to `to`, rewriting each file's text.
fn copy_rewritten(from: &Path, to: &Path, rewrite: &dyn Fn(&str) -> String) {
    if from.is_dir() {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_rewritten(&entry.path(), &to.join(entry.file_name()), rewrite);
        }
    } else {
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        let text = fs::read_to_string(from)
            .unwrap_or_else(|e| panic!("bind mount source {}: {e}", from.display()));
        fs::write(to, rewrite(&text)).unwrap();
    }
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn owner(path: &Path) -> (u32, u32) {
    let m = fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (m.uid(), m.gid())
}

// ---------------------------------------------------------------------------
// The stack: the recipe, the directories standing in for volumes and root
// file systems, the outputs seen and the secret values to look for in them.
// ---------------------------------------------------------------------------

struct Stack {
    compose: ComposeFile,
    stages: BTreeMap<String, Stage>,
    /// `.env.example`, standing in for `.env`.
    env_example: Vec<(String, String)>,
    tmp: tempfile::TempDir,
    /// vaultform, python, bao.
    bin_dir: PathBuf,
    /// (name, value): never to appear in any output.
    secrets: Vec<(String, String)>,
    /// (what ran, stdout + stderr), for failure reports.
    outputs: Vec<(String, String)>,
    runs: u32,
}

/// How one process ended.
struct Ran {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

impl Stack {
    fn load() -> Stack {
        let text = fs::read_to_string(recipe().join("docker-compose.yml")).unwrap();
        let compose: ComposeFile = serde_yaml_ng::from_str(&text)
            .unwrap_or_else(|e| panic!("examples/compose/docker-compose.yml: {e}"));
        let stages = parse_dockerfile(&fs::read_to_string(recipe().join("Dockerfile")).unwrap());
        let env_example: Vec<(String, String)> =
            dotenvy::from_path_iter(recipe().join(".env.example"))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
        let tmp = tempfile::Builder::new()
            .prefix("vaultform-compose-")
            .tempdir()
            .unwrap();
        let bin_dir = tmp.path().join("bin");
        fs::create_dir_all(&bin_dir).unwrap();
        let python = find_on_path("python3");
        // The images' `python` is python3 (python:3.12-slim links it so); so is ours.
        for (name, target) in [
            ("vaultform", vaultform_bin()),
            ("python", python),
            ("bao", common::bao_bin()),
        ] {
            std::os::unix::fs::symlink(&target, bin_dir.join(name)).unwrap();
        }
        let secrets = env_example
            .iter()
            .map(|(k, v)| {
                assert!(
                    v.len() >= 12,
                    ".env.example: {k}'s value is too short to search the outputs for"
                );
                (format!(".env {k}"), v.clone())
            })
            .collect();
        Stack {
            compose,
            stages,
            env_example,
            tmp,
            bin_dir,
            secrets,
            outputs: Vec::new(),
            runs: 0,
        }
    }

    fn service(&self, name: &str) -> &Service {
        self.compose
            .services
            .get(name)
            .unwrap_or_else(|| panic!("docker-compose.yml has no service `{name}`"))
    }

    fn mounts(&self, name: &str) -> Vec<Mount> {
        self.service(name)
            .volumes
            .iter()
            .map(|v| Mount::parse(v))
            .collect()
    }

    fn volume_dir(&self, volume: &str) -> PathBuf {
        assert!(
            self.compose.volumes.contains_key(volume),
            "volume `{volume}` is not declared under volumes:"
        );
        let dir = self.tmp.path().join("volumes").join(volume);
        if !dir.exists() {
            // A fresh named volume: an empty directory (Docker's default mode).
            fs::create_dir_all(&dir).unwrap();
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        }
        dir
    }

    fn rootfs(&self, name: &str) -> PathBuf {
        self.tmp.path().join("rootfs").join(name)
    }

    /// Where the service's container paths are: its root, its volumes.
    fn fs_of(&self, name: &str) -> Fs {
        Fs {
            rootfs: self.rootfs(name),
            volumes: self
                .mounts(name)
                .into_iter()
                .filter(|m| !m.is_bind())
                .map(|m| (m.target.clone(), self.volume_dir(&m.source)))
                .collect(),
        }
    }

    /// The service's file system: its image's files and its bind mounts copied
    /// into its root (rewritten for a server on `port`), its volumes mapped.
    fn prepare(&self, name: &str, port: u16) -> Fs {
        let fs_map = self.fs_of(name);
        fs::create_dir_all(&fs_map.rootfs).unwrap();
        if let Some(build) = &self.service(name).build {
            let stage = &self.stages[&build.target];
            for (from, src, dest) in &stage.copies {
                let to = fs_map.rootfs.join(dest.trim_start_matches('/'));
                match from.as_deref() {
                    // What the builder stage builds: the binary under test.
                    Some("builder") if src.ends_with("/vaultform") => {
                        fs::create_dir_all(to.parent().unwrap()).unwrap();
                        let _ = fs::remove_file(&to);
                        std::os::unix::fs::symlink(vaultform_bin(), &to).unwrap();
                    }
                    // CA certificates and the volumes' mount points: nothing to run.
                    Some(_) => {}
                    None => copy_rewritten(&repo().join(src), &to, &|t| t.to_string()),
                }
            }
        }
        for m in self.mounts(name).into_iter().filter(Mount::is_bind) {
            let to = fs_map.rootfs.join(m.target.trim_start_matches('/'));
            let _ = fs::remove_dir_all(&to);
            copy_rewritten(&recipe().join(&m.source), &to, &|t| {
                rewrite_text(&fs_map, port, t)
            });
        }
        fs_map
    }

    /// The environment a service's container starts with: `PATH`, `HOME`, the
    /// env_file's values, then `environment:` (which wins, as in Compose).
    fn env(&self, name: &str, fs_map: &Fs, port: u16) -> Vec<(String, String)> {
        let svc = self.service(name);
        let host_path = std::env::var("PATH").unwrap_or_default();
        let mut env = vec![
            (
                "PATH".to_string(),
                format!("{}:{host_path}", self.bin_dir.display()),
            ),
            ("HOME".to_string(), fs_map.rootfs.display().to_string()),
        ];
        if let Some(file) = &svc.env_file {
            assert_eq!(file, ".env", "{name}: the recipe's env_file is .env");
            env.extend(self.env_example.iter().cloned());
        }
        for (k, v) in &svc.environment {
            env.push((k.clone(), rewrite_value(fs_map, port, v)));
        }
        env
    }

    /// The argv a built service's container runs: the stage's ENTRYPOINT (if
    /// any; python:3.12-slim has none) and `command`, rewritten.
    fn argv(&self, name: &str, fs_map: &Fs, port: u16) -> Vec<String> {
        let svc = self.service(name);
        assert!(
            svc.entrypoint.is_none(),
            "{name}: entrypoint is the image's"
        );
        let build = svc.build.as_ref().expect("a built service");
        let mut argv = self.stages[&build.target]
            .entrypoint
            .clone()
            .unwrap_or_default();
        argv.extend(svc.command.iter().cloned());
        argv.iter()
            .map(|a| rewrite_value(fs_map, port, a))
            .collect()
    }

    /// Spawns `argv` with exactly `env`, in the container's `/` (no image of
    /// the recipe sets a WORKDIR), output to files.
    fn spawn(
        &mut self,
        what: &str,
        argv: &[String],
        env: &[(String, String)],
        fs_map: &Fs,
    ) -> Proc {
        self.runs += 1;
        let logs = self.tmp.path().join("logs");
        fs::create_dir_all(&logs).unwrap();
        let stdout = logs.join(format!("{}-{what}.out", self.runs));
        let stderr = logs.join(format!("{}-{what}.err", self.runs));
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(&fs_map.rootfs)
            .stdin(Stdio::null())
            .stdout(fs::File::create(&stdout).unwrap())
            .stderr(fs::File::create(&stderr).unwrap());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{what}: cannot run {argv:?}: {e}"));
        Proc {
            what: what.to_string(),
            child: Some(child),
            stdout,
            stderr,
        }
    }

    /// Runs to the end (killed after `limit`), records and searches the output.
    fn run(
        &mut self,
        server: &BaoServer,
        what: &str,
        argv: &[String],
        env: &[(String, String)],
        fs_map: &Fs,
        limit: Duration,
    ) -> Ran {
        let mut p = self.spawn(what, argv, env, fs_map);
        let status = p.wait(limit);
        let ran = self.collect(&p, status, server);
        match ran {
            Ok(r) => r,
            Err(why) => self.fail(server, &why),
        }
    }

    fn collect(
        &mut self,
        p: &Proc,
        status: Option<ExitStatus>,
        server: &BaoServer,
    ) -> Result<Ran, String> {
        let stdout = p.read_stdout();
        let stderr = fs::read_to_string(&p.stderr).unwrap_or_default();
        self.record(server, &p.what, &format!("{stdout}{stderr}"));
        match status {
            Some(status) => Ok(Ran {
                status,
                stdout,
                stderr,
            }),
            None => Err(format!("{} did not finish in time (killed)", p.what)),
        }
    }

    /// Keeps an output for failure reports, after checking it for secret values.
    fn record(&mut self, server: &BaoServer, what: &str, text: &str) {
        self.outputs.push((what.to_string(), text.to_string()));
        for (name, value) in &self.secrets {
            if text.contains(value.as_str()) {
                let why = format!("the output of {what} contains the value of {name}");
                self.fail(server, &why);
            }
        }
    }

    fn secret(&mut self, name: &str, value: &str) {
        assert!(!value.is_empty(), "{name} is empty");
        self.secrets.push((name.to_string(), value.to_string()));
    }

    fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (name, value) in &self.secrets {
            out = out.replace(value.as_str(), &format!("<{name}>"));
        }
        out
    }

    /// Panics with the reason, every output so far and the server's log, all
    /// with secret values replaced by their names.
    fn fail(&self, server: &BaoServer, why: &str) -> ! {
        let mut report = format!("{}\n", self.redact(why));
        for (what, text) in &self.outputs {
            report.push_str(&format!("\n--- {what} ---\n{}", self.redact(text)));
        }
        report.push_str(&format!(
            "\n--- OpenBao log ---\n{}",
            self.redact(&server.log())
        ));
        panic!("{report}");
    }

    fn check(&self, server: &BaoServer, ok: bool, why: impl FnOnce() -> String) {
        if !ok {
            self.fail(server, &why());
        }
    }

    /// Runs a service's healthcheck (`CMD` or `CMD-SHELL`) in its environment;
    /// its exit code. Bounded by twice the healthcheck's own timeout.
    fn healthcheck(&mut self, server: &BaoServer, name: &str) -> Ran {
        let port = server.port();
        let fs_map = self.prepare(name, port);
        let env = self.env(name, &fs_map, port);
        let hc = self
            .service(name)
            .healthcheck
            .as_ref()
            .unwrap_or_else(|| panic!("{name} has no healthcheck"));
        let limit = hc
            .timeout
            .as_deref()
            .map(parse_duration)
            .unwrap_or(Duration::from_secs(30))
            .saturating_mul(2)
            .max(Duration::from_secs(6));
        let argv: Vec<String> = match hc.test.split_first() {
            Some((kind, args)) if kind == "CMD" => args
                .iter()
                .map(|a| rewrite_value(&fs_map, port, a))
                .collect(),
            Some((kind, [script])) if kind == "CMD-SHELL" => vec![
                "/bin/sh".into(),
                "-c".into(),
                rewrite_addresses(&interpolate(script), port),
            ],
            _ => panic!("{name}: healthcheck test must be [CMD, ...] or [CMD-SHELL, script]"),
        };
        self.run(
            server,
            &format!("{name} healthcheck"),
            &argv,
            &env,
            &fs_map,
            limit,
        )
    }

    /// Like Compose judging a service healthy: its healthcheck run up to
    /// `retries` times (a second apart here, not `interval`), the first
    /// success wins. A server under load can be briefly without an active
    /// node after an unseal (measured: 500 "local node not active"); Compose
    /// would retry too.
    fn healthy(&mut self, server: &BaoServer, name: &str) -> Ran {
        let retries = self
            .service(name)
            .healthcheck
            .as_ref()
            .and_then(|hc| hc.retries)
            .unwrap_or(3)
            .clamp(1, 12);
        let mut last = self.healthcheck(server, name);
        for _ in 1..retries {
            if last.code() == Some(0) {
                break;
            }
            std::thread::sleep(Duration::from_secs(1));
            last = self.healthcheck(server, name);
        }
        last
    }

    /// Every service, dependencies first (each after all it depends on).
    fn start_order(&self) -> Vec<String> {
        let mut order: Vec<String> = Vec::new();
        let mut left: BTreeSet<&String> = self.compose.services.keys().collect();
        while !left.is_empty() {
            let ready: Vec<&String> = left
                .iter()
                .copied()
                .filter(|s| {
                    self.compose.services[*s]
                        .depends_on
                        .keys()
                        .all(|d| order.contains(d))
                })
                .collect();
            assert!(
                !ready.is_empty(),
                "depends_on has a cycle or names a missing service among {left:?}"
            );
            for s in ready {
                order.push(s.clone());
                left.remove(s);
            }
        }
        order
    }
}

/// A spawned process, killed if still running when dropped.
struct Proc {
    what: String,
    child: Option<Child>,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Proc {
    /// Waits up to `limit`; `None` (and the process killed) if it did not exit.
    fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                self.child = None;
                return Some(status);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                self.child = None;
                return None;
            }
            std::thread::sleep(POLL);
        }
    }

    fn exited(&mut self) -> Option<ExitStatus> {
        let status = self.child.as_mut()?.try_wait().unwrap();
        if status.is_some() {
            self.child = None;
        }
        status
    }

    fn pid(&self) -> i32 {
        i32::try_from(self.child.as_ref().expect("running").id()).unwrap()
    }

    fn read_stdout(&self) -> String {
        fs::read_to_string(&self.stdout).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn vaultform_bin() -> PathBuf {
    PathBuf::from(assert_cmd::cargo::cargo_bin!("vaultform"))
}

fn find_on_path(program: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("{program} is not on PATH (the flask service's stand-in needs it)")
        })
}

fn running_as_root() -> bool {
    let probe = tempfile::NamedTempFile::new().unwrap();
    owner(probe.path()).0 == 0
}

fn toml_file(path: &Path) -> toml::Table {
    toml::from_str(&fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------
// The test.
// ---------------------------------------------------------------------------

#[test]
fn the_compose_recipe_runs_its_services_as_processes_against_openbao() {
    let started = Instant::now();
    let mut stack = Stack::load();
    check_recipe(&stack);

    // `vaultform validate` as the README says, offline, with .env.example's values.
    let out = Command::new(vaultform_bin())
        .args(["validate", "-f"])
        .arg(recipe().join("vault.toml"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", stack.tmp.path())
        .envs(stack.env_example.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "vaultform validate examples/compose/vault.toml:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let order = stack.start_order();
    assert_eq!(
        order,
        [
            "openbao",
            "bootstrap",
            "mongodb-secrets",
            "mongodb",
            "flask"
        ],
        "a new service in the recipe needs its step in this test"
    );
    let mut server = start_openbao(&stack);
    let mut vault: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    for name in &order {
        match name.as_str() {
            "openbao" => {
                // Answers while uninitialised: healthy for Compose, so bootstrap may start.
                let hc = stack.healthcheck(&server, "openbao");
                stack.check(&server, hc.code() == Some(0), || {
                    format!(
                        "openbao healthcheck on an uninitialised server: {:?}",
                        hc.status
                    )
                });
            }
            "bootstrap" => {
                let root_token = run_bootstrap(&mut stack, &server, true);
                for path in ["app/mongodb", "app/redis", "app/flask"] {
                    let (status, body) = server.get(&format!("secret/data/{path}"), &root_token);
                    stack.check(&server, status == 200, || {
                        format!("secret/{path}: {status}")
                    });
                    let data = body["data"]["data"]
                        .as_object()
                        .cloned()
                        .unwrap_or_default();
                    vault.insert(path.to_string(), data);
                }
                for (var, path, key) in [
                    ("MONGODB_ROOT_USERNAME", "app/mongodb", "root_username"),
                    ("MONGODB_ROOT_PASSWORD", "app/mongodb", "root_password"),
                    ("REDIS_PASSWORD", "app/redis", "password"),
                ] {
                    let want = stack
                        .env_example
                        .iter()
                        .find(|(k, _)| k == var)
                        .map(|(_, v)| v.clone());
                    let got = vault[path][key].as_str().map(str::to_string);
                    stack.check(&server, got.is_some() && got == want, || {
                        format!("secret/{path}#{key} is not .env.example's {var}")
                    });
                }
                for key in ["secret_key", "jwt_key"] {
                    let v = vault["app/flask"][key]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    stack.secret(&format!("secret/app/flask#{key}"), &v);
                }
            }
            "mongodb-secrets" => run_mongodb_secrets(&mut stack, &server),
            "mongodb" => check_mongodb(&mut stack, &server, &vault["app/mongodb"]),
            "flask" => run_flask(&mut stack, &server),
            other => panic!("no step for service `{other}`"),
        }
    }

    // A restart: the server comes back sealed; bootstrap unseals it with the
    // keys file and applies again (nothing to change), as after a reboot.
    server.restart();
    let health = server.health();
    stack.check(&server, health == 503, || {
        format!("after a restart sys/health answered {health}, not 503 (sealed)")
    });
    let hc = stack.healthcheck(&server, "openbao");
    stack.check(&server, hc.code() == Some(0), || {
        "openbao healthcheck on a sealed server".into()
    });
    let hc = stack.healthcheck(&server, "flask");
    stack.check(&server, hc.code() == Some(1), || {
        format!("flask healthcheck on a sealed server: {:?}", hc.status)
    });
    stack.check(&server, hc.stdout.contains("is sealed"), || {
        "the flask healthcheck does not say the server is sealed".into()
    });
    let keys_before = fs::read(keys_file(&stack)).unwrap();
    run_bootstrap(&mut stack, &server, false);
    stack.check(&server, server.seal_status()["sealed"] == false, || {
        "bootstrap left the restarted server sealed".into()
    });
    stack.check(
        &server,
        fs::read(keys_file(&stack)).unwrap() == keys_before,
        || "the second bootstrap changed the keys file".into(),
    );
    let hc = stack.healthy(&server, "flask");
    stack.check(&server, hc.code() == Some(0), || {
        "flask healthcheck after the second bootstrap".into()
    });
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(120),
        "the recipe's run took {took:?}"
    );
}

/// What the recipe promises without running anything.
fn check_recipe(stack: &Stack) {
    let c = &stack.compose;
    assert_eq!(
        c.name, "vaultform-example",
        "README.md names the volumes vaultform-example_*"
    );
    // Every named volume used is declared, and every declared one is used.
    let mut used = BTreeSet::new();
    for (name, svc) in &c.services {
        for m in svc.volumes.iter().map(|v| Mount::parse(v)) {
            if m.is_bind() {
                assert!(
                    m.read_only,
                    "{name}: bind mount {} must be read-only",
                    m.source
                );
                assert!(
                    recipe().join(&m.source).exists(),
                    "{name}: {} does not exist",
                    m.source
                );
            } else {
                assert!(
                    c.volumes.contains_key(&m.source),
                    "{name}: volume {} is not declared",
                    m.source
                );
                used.insert(m.source.clone());
            }
        }
        if let Some(b) = &svc.build {
            assert_eq!(
                b.context, "../..",
                "{name}: the build context is the repository root"
            );
            assert_eq!(b.dockerfile, "examples/compose/Dockerfile", "{name}");
            assert!(
                stack.stages.contains_key(&b.target),
                "{name}: no stage {}",
                b.target
            );
        } else {
            assert!(svc.image.is_some(), "{name}: neither image nor build");
        }
        // Published ports on the host's loopback only.
        for p in &svc.ports {
            assert!(
                p.starts_with("127.0.0.1:"),
                "{name}: port {p} is not on loopback"
            );
        }
        // Added capabilities only on top of none.
        if !svc.cap_add.is_empty() {
            assert_eq!(
                svc.cap_drop,
                ["ALL"],
                "{name}: cap_add without cap_drop: [ALL]"
            );
        }
        if let Some(hc) = &svc.healthcheck {
            for d in [&hc.timeout, &hc.interval, &hc.start_period]
                .into_iter()
                .flatten()
            {
                parse_duration(d);
            }
            assert!(
                hc.retries.is_some_and(|r| r > 0),
                "{name}: healthcheck retries"
            );
        }
        for (dep, d) in &svc.depends_on {
            let one_shot = c.services[dep].restart.as_deref() == Some("no");
            let want = if one_shot {
                "service_completed_successfully"
            } else if c.services[dep].healthcheck.is_some() {
                "service_healthy"
            } else {
                "service_started"
            };
            assert_eq!(d.condition, want, "{name} depends on {dep}");
        }
    }
    let declared: BTreeSet<String> = c.volumes.keys().cloned().collect();
    assert_eq!(used, declared, "declared volumes = used volumes");

    // Images: the server is the pinned OpenBao the tests run; the built ones
    // carry the binary where their commands expect it.
    let version = Command::new(common::bao_bin())
        .arg("version")
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&version.stdout);
    let image = c.services["openbao"].image.as_deref().unwrap_or_default();
    let tag = image
        .strip_prefix("quay.io/openbao/openbao:")
        .unwrap_or_else(|| panic!("openbao: image {image} is not quay.io/openbao/openbao"));
    assert!(
        version.contains(&format!("v{tag} ")),
        "openbao: image tag {tag}, but the tests run {version}"
    );
    assert_eq!(
        stack.stages["vaultform"].entrypoint.as_deref(),
        Some(&["/usr/local/bin/vaultform".to_string()][..])
    );
    assert!(c.services["flask"].init, "flask: init: true reaps orphans");
    assert_eq!(
        c.services["mongodb-secrets"].user.as_deref(),
        Some("0:0"),
        "mongodb-secrets: --render-owner needs root"
    );

    // vault.toml and services.toml meet at credentials_dir = approle_dir; the
    // volume there is written by bootstrap and mounted read-only by the service.
    let manifest = toml_file(&recipe().join("vault.toml"));
    let services = toml_file(&recipe().join("services.toml"));
    let approles = manifest["approles"].as_table().unwrap();
    let bootstrap_mounts = stack.mounts("bootstrap");
    for (role, def) in approles {
        let dir = def["credentials_dir"].as_str().unwrap();
        assert_eq!(
            services["services"][role]["approle_dir"].as_str(),
            Some(dir),
            "services.toml [services.{role}] approle_dir = vault.toml's credentials_dir"
        );
        let volume = bootstrap_mounts
            .iter()
            .find(|m| m.target == dir && !m.is_bind() && !m.read_only)
            .unwrap_or_else(|| panic!("bootstrap does not mount a volume at {dir}"))
            .source
            .clone();
        let readers: Vec<&String> = c
            .services
            .iter()
            .filter(|(n, _)| *n != "bootstrap")
            .filter(|(_, s)| {
                s.volumes
                    .iter()
                    .map(|v| Mount::parse(v))
                    .any(|m| m.source == volume && m.target == dir && m.read_only)
            })
            .map(|(n, _)| n)
            .collect();
        assert!(
            !readers.is_empty(),
            "no service mounts {volume} read-only at {dir}"
        );
    }
}

fn start_openbao(stack: &Stack) -> BaoServer {
    let svc = stack.service("openbao");
    let data = stack
        .mounts("openbao")
        .into_iter()
        .find(|m| !m.is_bind())
        .expect("openbao: a data volume");
    let data_dir = stack.volume_dir(&data.source);
    // What the image's entrypoint (docker-entrypoint.sh of OpenBao's image)
    // makes of `server ARGS`: `bao server -config=/openbao/config
    // -dev-root-token-id= -dev-listen-address=0.0.0.0:8200 ARGS` (the -dev-*
    // flags do nothing without -dev).
    let (first, rest) = svc.command.split_first().expect("openbao: a command");
    assert_eq!(first, "server", "openbao: the command starts with `server`");
    let mut args = vec![
        "server".to_string(),
        "-config=/openbao/config".to_string(),
        "-dev-root-token-id=".to_string(),
        "-dev-listen-address=0.0.0.0:8200".to_string(),
    ];
    args.extend(rest.iter().cloned());
    // The config is staged afresh for each port the server is started on.
    let binds: Vec<Mount> = stack
        .mounts("openbao")
        .into_iter()
        .filter(Mount::is_bind)
        .collect();
    let fs_map = Fs {
        rootfs: stack.rootfs("openbao"),
        volumes: vec![(data.target.clone(), data_dir.clone())],
    };
    BaoServer::start_with_args(&data_dir, move |port| {
        for m in &binds {
            let to = fs_map.rootfs.join(m.target.trim_start_matches('/'));
            copy_rewritten(&recipe().join(&m.source), &to, &|t| {
                rewrite_text(&fs_map, port, t)
            });
        }
        Ok(args
            .iter()
            .map(|a| OsString::from(rewrite_value(&fs_map, port, a)))
            .collect())
    })
}

fn keys_file(stack: &Stack) -> PathBuf {
    let svc = stack.service("bootstrap");
    let at = svc
        .command
        .iter()
        .position(|a| a == "--keys-file")
        .expect("bootstrap: --keys-file");
    stack.fs_of("bootstrap").resolve(&svc.command[at + 1])
}

/// Runs the bootstrap service; on the first run checks the keys file and the
/// delivered credentials and remembers them as secrets. The root token.
fn run_bootstrap(stack: &mut Stack, server: &BaoServer, first: bool) -> String {
    let port = server.port();
    let fs_map = stack.prepare("bootstrap", port);
    let argv = stack.argv("bootstrap", &fs_map, port);
    let env = stack.env("bootstrap", &fs_map, port);
    let r = stack.run(server, "bootstrap", &argv, &env, &fs_map, ONE_SHOT_LIMIT);
    stack.check(server, r.code() == Some(0), || {
        format!("bootstrap exited with {:?}", r.status)
    });
    let keys = keys_file(stack);
    stack.check(server, mode(&keys) == 0o600, || {
        format!("keys file mode {:o}", mode(&keys))
    });
    let doc: Value = serde_json::from_slice(&fs::read(&keys).unwrap()).unwrap();
    let root = doc["root_token"].as_str().unwrap_or_default().to_string();
    if first {
        stack.secret("the root token", &root);
        for (i, k) in doc["keys_hex"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            stack.secret(&format!("unseal key {i}"), k.as_str().unwrap_or_default());
        }
        for (i, k) in doc["keys_base64"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            stack.secret(
                &format!("unseal key {i} (base64)"),
                k.as_str().unwrap_or_default(),
            );
        }
        stack.check(server, doc["shares"] == 5 && doc["threshold"] == 3, || {
            "the seed's 5 shares, threshold 3".into()
        });
        stack.check(server, r.stderr.contains("Initialised Vault at"), || {
            "the first bootstrap does not report an init".into()
        });
        // Each AppRole's credentials, in its volume: directory 0700, files 0600.
        let manifest = toml_file(&recipe().join("vault.toml"));
        for (role, def) in manifest["approles"].as_table().unwrap() {
            let dir = fs_map.resolve(def["credentials_dir"].as_str().unwrap());
            stack.check(server, mode(&dir) == 0o700, || {
                format!("{role}: credentials_dir mode {:o}", mode(&dir))
            });
            for file in ["role_id", "secret_id"] {
                let path = dir.join(file);
                stack.check(server, path.is_file() && mode(&path) == 0o600, || {
                    format!("{role}: {file} missing or not 0600")
                });
                let value = fs::read_to_string(&path).unwrap().trim().to_string();
                stack.secret(&format!("{role}'s {file}"), &value);
            }
        }
    } else {
        stack.check(server, r.stderr.contains("Unsealed"), || {
            "the second bootstrap did not unseal the restarted server".into()
        });
        stack.check(server, r.stdout.contains("No changes"), || {
            "the second bootstrap changed something".into()
        });
    }
    root
}

fn run_mongodb_secrets(stack: &mut Stack, server: &BaoServer) {
    let port = server.port();
    let fs_map = stack.prepare("mongodb-secrets", port);
    let mut argv = stack.argv("mongodb-secrets", &fs_map, port);
    let root = running_as_root();
    if !root {
        // Giving the files to uid 999 needs root (the container runs as 0:0);
        // without it, render them as ourselves and do not check the owner.
        let at = argv
            .iter()
            .position(|a| a == "--render-owner")
            .expect("--render-owner");
        argv.drain(at..at + 2);
    }
    let env = stack.env("mongodb-secrets", &fs_map, port);
    let r = stack.run(
        server,
        "mongodb-secrets",
        &argv,
        &env,
        &fs_map,
        ONE_SHOT_LIMIT,
    );
    stack.check(server, r.code() == Some(0), || {
        format!("mongodb-secrets exited with {:?}", r.status)
    });
    let at = argv.iter().position(|a| a == "--render-dir").unwrap();
    let dir = PathBuf::from(&argv[at + 1]);
    stack.check(server, mode(&dir) == 0o700, || {
        format!("render dir mode {:o}", mode(&dir))
    });
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        stack.check(server, mode(&path) == 0o600, || {
            format!("{} mode {:o}", path.display(), mode(&path))
        });
        if root {
            stack.check(server, owner(&path) == (999, 999), || {
                format!(
                    "{} is owned by {:?}, not 999:999",
                    path.display(),
                    owner(&path)
                )
            });
        }
    }
    stack.check(
        server,
        r.stderr.contains("MONGO_INITDB_ROOT_PASSWORD from vault"),
        || "mongodb-secrets does not say where the password came from".into(),
    );
}

/// The stock mongo image cannot run here (no engine, and its entrypoint is
/// not ours to run): check what it would read. Each *_FILE variable points,
/// through mongodb's own mounts, at a rendered file holding the value Vault
/// holds for the key services.toml renames to that variable.
fn check_mongodb(stack: &mut Stack, server: &BaoServer, data: &serde_json::Map<String, Value>) {
    let svc = stack.service("mongodb");
    stack.check(
        server,
        svc.build.is_none() && svc.command.is_empty(),
        || "mongodb runs the stock image with its own entrypoint and command".into(),
    );
    let services = toml_file(&recipe().join("services.toml"));
    let renames = services["services"]["mongodb"]["secrets"]["secret/app/mongodb"]["rename"]
        .as_table()
        .unwrap()
        .clone();
    let fs_map = stack.prepare("mongodb", server.port());
    let file_vars: Vec<(String, String)> = svc
        .environment
        .iter()
        .filter(|(k, _)| k.ends_with("_FILE"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    stack.check(server, file_vars.len() == renames.len(), || {
        "one *_FILE variable per rendered key".into()
    });
    for (var, path) in file_vars {
        let name = var.trim_end_matches("_FILE");
        let key = renames
            .iter()
            .find(|(_, v)| v.as_str() == Some(name))
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| panic!("{var}: services.toml renames no key to {name}"));
        let host = fs_map.resolve(&path);
        let got = fs::read_to_string(&host)
            .unwrap_or_else(|e| stack.fail(server, &format!("{var} -> {}: {e}", host.display())));
        let want = data[&key].as_str().unwrap_or_default();
        stack.check(server, got == want, || {
            format!("{var} points at a file that does not hold secret/app/mongodb#{key}")
        });
    }
}

fn run_flask(stack: &mut Stack, server: &BaoServer) {
    let port = server.port();
    let fs_map = stack.prepare("flask", port);
    let argv = stack.argv("flask", &fs_map, port);
    let mut env = stack.env("flask", &fs_map, port);
    // The only variables the test adds: the stand-in listens on loopback, on a
    // free port, instead of 0.0.0.0:5000.
    env.push(("APP_HOST".into(), "127.0.0.1".into()));
    env.push(("APP_PORT".into(), "0".into()));
    let mut app = stack.spawn("flask", &argv, &env, &fs_map);
    let deadline = Instant::now() + APP_LIMIT;
    let listening = loop {
        let out = app.read_stdout();
        if out.lines().any(|l| l == "ready") {
            break out
                .lines()
                .find_map(|l| l.strip_prefix("app: listening on "))
                .map(str::to_string)
                .unwrap_or_default();
        }
        if let Some(status) = app.exited() {
            let _ = stack.collect(&app, Some(status), server);
            stack.fail(server, &format!("flask exited before `ready`: {status:?}"));
        }
        if Instant::now() >= deadline {
            let _ = stack.collect(&app, None, server);
            stack.fail(server, "flask did not print `ready` in time");
        }
        std::thread::sleep(POLL);
    };
    let out = app.read_stdout();
    let err = fs::read_to_string(&app.stderr).unwrap_or_default();
    stack.record(server, "flask (until ready)", &format!("{out}{err}"));
    let got: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("app: got "))
        .collect();
    let want = [
        "FLASK_SECRET_KEY",
        "FLASK_JWT_KEY",
        "MONGODB_ROOT_USERNAME",
        "MONGODB_ROOT_PASSWORD",
        "REDIS_PASSWORD",
    ];
    stack.check(server, got == want, || {
        format!("the application got {got:?}")
    });
    stack.check(
        server,
        err.contains("REDIS_PASSWORD from vault (secret/app/redis#password)"),
        || "vaultform exec does not name each value's source".into(),
    );

    // The stand-in answers on loopback with the names only.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    stack.check(server, listening.starts_with("127.0.0.1:"), || {
        format!("the application listens on `{listening}`")
    });
    let body = agent
        .get(&format!("http://{listening}/health"))
        .call()
        .ok()
        .and_then(|mut r| r.body_mut().read_to_string().ok())
        .unwrap_or_default();
    stack.record(server, "GET /health", &body);
    let doc: Value = serde_json::from_str(&body).unwrap_or_default();
    stack.check(
        server,
        doc["secrets"].as_array().map(Vec::len) == Some(5),
        || format!("GET /health answered {body}"),
    );

    // The healthcheck, while the application runs.
    let hc = stack.healthy(server, "flask");
    stack.check(server, hc.code() == Some(0), || {
        format!("flask healthcheck exited with {:?}", hc.status)
    });
    stack.check(
        server,
        hc.stdout.contains("read secret/app/redis: ok"),
        || "the healthcheck does not report the service's reads".into(),
    );

    // `vaultform exec` replaced itself with python: SIGTERM goes straight to it.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(app.pid()),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = app.wait(APP_LIMIT);
    let ran = stack.collect(&app, status, server);
    match ran {
        Ok(r) => {
            stack.check(server, r.status.success(), || {
                format!("flask after SIGTERM: {:?}", r.status)
            });
            stack.check(server, r.stdout.contains("app: stopped"), || {
                "the application did not stop cleanly".into()
            });
        }
        Err(why) => stack.fail(server, &why),
    }
}
