//! A copy of fixtures/basic to edit, and runs of the binary whose outputs are
//! all searched for secret values when the workspace is dropped.

use super::{BaoDev, vaultform_cmd};
use std::fs;
use std::path::{Path, PathBuf};

/// Values from fixtures/basic/.env, searched for in every output.
pub const FIXTURE_SECRETS: &[&str] = &["fixture-web-db-password", "fixture-worker-queue-password"];

/// A copy of fixtures/basic in a temp dir, free to edit.
pub struct Workspace {
    dir: tempfile::TempDir,
    /// Every stdout and stderr so far.
    pub outputs: Vec<String>,
    /// Values that must never appear in an output.
    pub secrets: Vec<String>,
}

/// One run of the binary.
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Workspace {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/basic"),
            dir.path(),
        );
        Self {
            dir,
            outputs: Vec::new(),
            secrets: FIXTURE_SECRETS.iter().map(|s| s.to_string()).collect(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn manifest(&self) -> PathBuf {
        self.path("vault.toml")
    }

    pub fn edit(&self, rel: &str, f: impl FnOnce(String) -> String) {
        let p = self.path(rel);
        let text = fs::read_to_string(&p).unwrap();
        fs::write(&p, f(text)).unwrap();
    }

    /// Sets a value in the workspace's .env and remembers it as a secret.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.secrets.push(value.to_string());
        self.edit(".env", |t| {
            let mut out: Vec<String> = t
                .lines()
                .filter(|l| !l.starts_with(&format!("{key}=")))
                .map(str::to_string)
                .collect();
            out.push(format!("{key}={value}"));
            out.join("\n") + "\n"
        });
    }

    pub fn run(&mut self, bao: &BaoDev, args: &[&str]) -> Run {
        let mut cmd = vaultform_cmd(bao);
        cmd.arg("-f").arg(self.manifest()).args(args);
        self.record(cmd)
    }

    /// Runs a prepared command and records its outputs for the secret search.
    pub fn record(&mut self, mut cmd: assert_cmd::Command) -> Run {
        let out = cmd.output().unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        self.outputs.push(run.stdout.clone());
        self.outputs.push(run.stderr.clone());
        run
    }

    pub fn apply(&mut self, bao: &BaoDev) -> Run {
        let r = self.run(bao, &["apply", "--auto-approve"]);
        assert_eq!(r.code, 0, "apply failed:\n{}\n{}", r.stdout, r.stderr);
        r
    }

    pub fn plan(&mut self, bao: &BaoDev) -> Run {
        self.run(bao, &["plan", "--detailed-exitcode"])
    }

    pub fn assert_converged(&mut self, bao: &BaoDev) {
        let r = self.plan(bao);
        assert_eq!(
            r.code, 0,
            "plan after apply is not empty:\n{}\n{}",
            r.stdout, r.stderr
        );
        assert!(r.stdout.contains("No changes."), "{}", r.stdout);
    }

    /// Like [`Workspace::remember_server_secrets`], for a server given by address and token.
    #[allow(dead_code)]
    pub fn remember_server_secrets_at(&mut self, addr: &str, token: &str, path: &str) {
        let body: serde_json::Value = ureq::get(&format!("{addr}/v1/{path}"))
            .header("X-Vault-Token", token)
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        if let Some(m) = body["data"]["data"].as_object() {
            for v in m.values() {
                if let Some(s) = v.as_str()
                    && s.len() >= 8
                {
                    self.secrets.push(s.to_string());
                }
            }
        }
    }

    /// Remembers values read from the server (generated ones) as secrets too.
    pub fn remember_server_secrets(&mut self, bao: &BaoDev, path: &str) {
        let (_, body) = bao.get(path);
        if let Some(m) = body["data"]["data"].as_object() {
            for v in m.values() {
                if let Some(s) = v.as_str()
                    && s.len() >= 8
                {
                    self.secrets.push(s.to_string());
                }
            }
        }
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        for out in &self.outputs {
            for s in &self.secrets {
                assert!(
                    !out.contains(s.as_str()),
                    "secret value leaked into output:\n{out}"
                );
            }
        }
    }
}

/// Copies the quick start's example into `to` (`vault.toml`, `policies/`, and
/// `.env` from `.env.example`); returns the example's values of 8 characters
/// or more, for the tests that search every output for them.
pub fn copy_example(to: &Path) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("vault.toml"), to.join("vault.toml")).unwrap();
    std::fs::copy(root.join(".env.example"), to.join(".env")).unwrap();
    copy_dir(&root.join("policies"), &to.join("policies"));
    std::fs::read_to_string(root.join(".env.example"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(_, v)| v.to_string()))
        .filter(|v| v.len() >= 8)
        .collect()
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}
