//! Careless and hostile local input, offline (`vaultform validate`): malformed
//! `.env` lines, lines past column 65,535, invalid UTF-8, devices and FIFOs as
//! sources, huge files. Every case ends in a clear error naming the file (and
//! line and column where there is one), never a panic or a hang, and never
//! echoes a value or more than a short excerpt of a line. Regressions for
//! issue 9, items 2, 3 and 4.

mod common;

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

/// A value used in every case; it must never appear in any output.
const VALUE: &str = "S3cr3t-Pa55-d0-not-print";

struct Out {
    code: Option<i32>,
    stderr: String,
    took: Duration,
}

fn validate(dir: &Path) -> Out {
    let home = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = common::offline_vaultform_cmd(home.path())
        .current_dir(dir)
        .args(["validate", "-f", "vault.toml"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked") && out.status.code() != Some(101),
        "panic:\n{stderr}"
    );
    assert!(
        !stdout.contains(VALUE) && !stderr.contains(VALUE),
        "value leaked:\n{stderr}"
    );
    Out {
        code: out.status.code(),
        stderr,
        took: started.elapsed(),
    }
}

fn workspace(manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("vault.toml"), manifest).unwrap();
    dir
}

/// A manifest with a `policies/` directory holding one policy, `p.hcl`.
fn policy_workspace(policy: impl AsRef<[u8]>) -> tempfile::TempDir {
    let dir = workspace("[policies]\ndir = \"policies\"\n");
    fs::create_dir(dir.path().join("policies")).unwrap();
    fs::write(dir.path().join("policies/p.hcl"), policy).unwrap();
    dir
}

const ENV_MANIFEST: &str =
    "env_file = \".env\"\n\n[secrets.\"secret/app\"]\nDB_PASSWORD = { env = \"DB_PASSWORD\" }\n";

#[test]
fn a_malformed_env_line_is_located_in_the_env_file_and_never_quoted() {
    let cases = [
        format!("DB_PASSWORD={VALUE} Pa55"),
        format!("DB_PASSWORD=\"{VALUE}"),
        format!("DB_PASSWORD='a'{VALUE}'"),
        format!("DB_PASSWORD={VALUE}\\q"),
        format!("DB_PASSWORD=${{x{VALUE}"),
        format!("DB_PASSWORD {VALUE}"),
    ];
    for line in cases {
        let dir = workspace(ENV_MANIFEST);
        fs::write(
            dir.path().join(".env"),
            format!("# values\nOTHER=1\n{line}\n"),
        )
        .unwrap();
        let out = validate(dir.path());
        assert_eq!(out.code, Some(1), "{line}: {}", out.stderr);
        assert!(out.stderr.contains("env_file"), "{line}: {}", out.stderr);
        assert!(
            out.stderr.contains(".env:3:"),
            "{line}: not located at line 3:\n{}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("vault.toml:1:"),
            "{line}: points at the manifest:\n{}",
            out.stderr
        );
    }
}

#[test]
fn diagnostics_past_column_65535_do_not_panic_and_show_an_excerpt() {
    // TOML: a control character at the end of a 70,000-character string
    // (the value far from it, so that the excerpt cannot reach it).
    let pad = "v".repeat(1000);
    let dir = workspace(&format!(
        "x = \"{pad}{VALUE}{}\u{1}\"\n",
        "v".repeat(70_000)
    ));
    let out = validate(dir.path());
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("vault.toml:1:"), "{}", out.stderr);
    assert!(
        out.stderr.len() < 8_000,
        "{} bytes of stderr",
        out.stderr.len()
    );

    // HCL: an error far along one line of a policy.
    let dir = policy_workspace(format!(
        "path \"secret/data/x\" {{ capabilities = [\"read\"] }} # {}\npath \"y\" {{ capabilities = [oops }}\n",
        "c".repeat(70_000)
    ));
    let out = validate(dir.path());
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.len() < 8_000,
        "{} bytes of stderr",
        out.stderr.len()
    );
    let dir = policy_workspace(format!(
        "path \"{}\" {{ capabilities = [\"nope\"] }}\n",
        "s".repeat(70_000)
    ));
    let out = validate(dir.path());
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.len() < 8_000,
        "{} bytes of stderr",
        out.stderr.len()
    );
}

#[test]
fn a_syntax_error_in_a_huge_value_echoes_only_an_excerpt_quickly() {
    let dir = workspace(&format!(
        "[secrets.\"secret/app\"]\nK = \"{VALUE}{}\n",
        "v".repeat(3 << 20)
    ));
    let out = validate(dir.path());
    assert_eq!(
        out.code,
        Some(1),
        "{}",
        &out.stderr[..out.stderr.len().min(2000)]
    );
    assert!(
        out.stderr.len() < 8_000,
        "{} bytes of stderr",
        out.stderr.len()
    );
    assert!(out.took < Duration::from_secs(20), "took {:?}", out.took);
    // The syntax error itself was found and shown (not a size refusal).
    assert!(
        out.stderr.contains("syntax"),
        "{}",
        &out.stderr[..out.stderr.len().min(2000)]
    );
}

#[test]
fn invalid_utf8_is_located() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("vault.toml"),
        b"# ok\n[mounts.a]\ntype = \"kv\xff\"\n",
    )
    .unwrap();
    let out = validate(dir.path());
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("line 3, column 11"), "{}", out.stderr);

    let dir = policy_workspace(b"path \"a\xfe\" {}\n");
    let out = validate(dir.path());
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("line 1,") && out.stderr.contains("column 8)"),
        "{}",
        out.stderr
    );
}

#[test]
fn devices_fifos_and_huge_files_are_refused_without_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let huge = dir.path().join("huge");
    fs::write(&huge, vec![b'x'; (8 << 20) + 1]).unwrap();
    for source in [
        "/dev/zero",
        "/dev/urandom",
        fifo.to_str().unwrap(),
        huge.to_str().unwrap(),
        dir.path().to_str().unwrap(),
    ] {
        for manifest in [
            format!("env_file = \"{source}\"\n"),
            format!("[secrets.\"secret/app\"]\nK = {{ file = \"{source}\" }}\n"),
        ] {
            let ws = workspace(&manifest);
            let out = validate(ws.path());
            assert_eq!(out.code, Some(1), "{manifest}: {}", out.stderr);
            assert!(
                out.stderr.contains("not a regular file") || out.stderr.contains("larger than"),
                "{manifest}: {}",
                out.stderr
            );
            assert!(
                out.took < Duration::from_secs(20),
                "{manifest}: took {:?}",
                out.took
            );
        }
    }
    // The manifest itself, and a policy file.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vaultform"))
        .args(["validate", "-f", "/dev/zero"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
    // Policy files: a FIFO, and links to a device and to the FIFO, beside a
    // good one (read without a metadata check, as a listed regular file).
    let ws = policy_workspace("path \"a\" { capabilities = [\"read\"] }\n");
    let pdir = ws.path().join("policies");
    let made = std::process::Command::new("mkfifo")
        .arg(pdir.join("fifo.hcl"))
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", pdir.join("zero.hcl")).unwrap();
    std::os::unix::fs::symlink(pdir.join("fifo.hcl"), pdir.join("link.hcl")).unwrap();
    let out = validate(ws.path());
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let stderr = common::flat(&out.stderr);
    for name in ["fifo.hcl", "zero.hcl", "link.hcl"] {
        assert!(
            stderr.contains(&format!("{name}: it is not a regular file")),
            "{name}: {}",
            out.stderr
        );
    }
    assert!(!out.stderr.contains("p.hcl"), "{}", out.stderr);
}

/// Found by scripts/fuzz-validate.py: the HCL parser overflowed the stack
/// (SIGABRT) on a few hundred nested brackets.
#[test]
fn deeply_nested_policies_are_refused_not_a_stack_overflow() {
    for body in ["capa{".repeat(500), "[".repeat(2000), "{a = ".repeat(3000)] {
        let dir = policy_workspace(&body);
        let out = validate(dir.path());
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        assert!(out.stderr.contains("too_deep"), "{}", out.stderr);
    }
}

/// Found by the fuzzer: one problem per line of a garbage file, each
/// rendered by scanning the file from the start, took minutes (a hang) and
/// printed megabytes.
#[test]
fn a_file_of_garbage_reports_the_first_problems_quickly() {
    let mut text = String::from("[mounts.a]\ntype = \"kv\"\n");
    for _ in 0..40_000 {
        text.push_str("x\u{0}\n");
    }
    let dir = workspace(&text);
    let out = validate(dir.path());
    assert_eq!(
        out.code,
        Some(1),
        "{}",
        &out.stderr[..out.stderr.len().min(2000)]
    );
    assert!(
        out.stderr.contains("more problem(s), not shown"),
        "{}",
        &out.stderr[..2000]
    );
    assert!(out.stderr.len() < 64 * 1024, "{} bytes", out.stderr.len());
    assert!(out.took < Duration::from_secs(10), "took {:?}", out.took);
}

/// Found by the fuzzer: messages quoted whole keys and values (70,000
/// characters) and passed control characters (ESC) to the terminal.
#[test]
fn messages_are_short_and_carry_no_control_characters() {
    let long = "k".repeat(70_000);
    for manifest in [
        format!("\"{long}\" = 1\n"),
        format!("[approles.web]\ntoken_ttl = \"{long}\"\n"),
        "\"a\\u001b[2Jb\" = 1\n".to_string(),
        "[approles.web]\ntoken_ttl = \"1h\u{1b}[2J\"\n".to_string(),
    ] {
        let dir = workspace(&manifest);
        let out = validate(dir.path());
        assert_eq!(
            out.code,
            Some(1),
            "{}",
            &out.stderr[..out.stderr.len().min(2000)]
        );
        assert!(out.stderr.len() < 8_000, "{} bytes", out.stderr.len());
        assert!(
            !out.stderr.chars().any(|c| c.is_control() && c != '\n'),
            "raw control character in:\n{}",
            out.stderr
        );
    }
}
