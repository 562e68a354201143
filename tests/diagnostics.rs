//! Every invalid manifest, rendered as the diagnostic a person sees.
//!
//! Runs the real binary offline (`vaultform validate -f <relative path>` from the repository
//! root, no colour, no server) on each `fixtures/invalid/*.toml` and on `fixtures/invalid-hcl/`,
//! checks the exit code, the stable error codes and how many problems are reported, and
//! snapshots stderr. Also checks that the valid manifests (`fixtures/basic/`, the root example)
//! pass `validate`.

mod common;

use std::fs;
use std::path::Path;

/// The repository root: every command runs here, with paths relative to it.
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The codes each `fixtures/invalid/<name>.toml` must report, one entry per problem, in the order
/// the diagnostic lists them. A new fixture needs an entry here.
const EXPECTED: &[(&str, &[&str])] = &[
    ("bad_duration", &["vaultform::manifest::bad_duration"]),
    ("builtin_mount", &["vaultform::manifest::builtin"]),
    ("duplicate_role", &["vaultform::manifest::duplicate"]),
    ("generate_length", &["vaultform::manifest::generate_length"]),
    ("missing_env", &["vaultform::manifest::missing_env"]),
    (
        "path_traversal",
        &[
            "vaultform::manifest::bad_name",
            "vaultform::manifest::bad_name",
            "vaultform::manifest::bad_name",
            "vaultform::manifest::bad_name",
            "vaultform::manifest::bad_name",
        ],
    ),
    (
        "several_errors",
        &[
            "vaultform::manifest::unknown_key",
            "vaultform::manifest::wrong_type",
            "vaultform::manifest::unknown_policy",
            "vaultform::manifest::bad_duration",
            "vaultform::manifest::upper_case",
        ],
    ),
    ("source_typo", &["vaultform::manifest::unknown_key"]),
    ("toml_syntax", &["vaultform::manifest::syntax"]),
    ("two_sources", &["vaultform::manifest::value_source"]),
    ("undefined_policy", &["vaultform::manifest::unknown_policy"]),
    ("unknown_key", &["vaultform::manifest::unknown_key"]),
    ("unreadable_file", &["vaultform::manifest::unreadable_file"]),
    ("uppercase_name", &["vaultform::manifest::upper_case"]),
    ("wrong_type", &["vaultform::manifest::wrong_type"]),
];

/// What one `vaultform` run printed.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// The temp dir used as `$HOME` (removed by now; kept to filter it out of snapshots).
    home: String,
}

/// Runs `vaultform validate -f <manifest>` offline from the repository root, with `env` added to
/// the (cleaned) environment.
fn validate(manifest: &str, env: &[(String, String)]) -> Run {
    let home = tempfile::tempdir().expect("temp HOME");
    let mut cmd = common::offline_vaultform_cmd(home.path());
    cmd.current_dir(ROOT)
        .env_remove("VAULTFORM_MANIFEST")
        .env_remove("VAULTFORM_LOG")
        .env_remove("VAULTFORM_TEST_SURELY_UNSET_VAR")
        .args(["validate", "-f", manifest]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run vaultform");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
        home: home.path().display().to_string(),
    }
}

/// Escapes a literal for use in an insta filter regex.
fn regex_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The codes of the problems listed, in order (`Error: <code>` lines).
fn reported_codes(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("Error: "))
        .map(str::trim)
        .collect()
}

/// Checks what every failed validation must look like, then snapshots stderr as `name`.
fn assert_invalid(manifest: &str, expected: &[&str], name: &str) -> Run {
    let run = validate(manifest, &[]);
    assert_eq!(
        run.code,
        Some(1),
        "{manifest}: expected exit code 1\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stdout.trim().is_empty(),
        "{manifest}: stdout should be empty on failure, got:\n{}",
        run.stdout
    );
    assert!(
        !run.stderr.contains('\x1b'),
        "{manifest}: colour codes with NO_COLOR set:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.starts_with("vaultform::manifest::invalid"),
        "{manifest}: the report should open with the summary code:\n{}",
        run.stderr
    );
    let problems = match expected.len() {
        1 => "1 problem in".to_string(),
        n => format!("{n} problems in"),
    };
    // The header names the manifest, or the one file all problems are in.
    let header = common::flat(&run.stderr);
    assert!(
        header.contains(&format!("{problems} {manifest}; nothing was changed"))
            || (header.contains(&format!("{problems} "))
                && header.contains("; nothing was changed")),
        "{manifest}: expected `{problems} ...; nothing was changed`:\n{}",
        run.stderr
    );
    assert_eq!(
        reported_codes(&run.stderr),
        expected,
        "{manifest}: wrong problems reported:\n{}",
        run.stderr
    );
    // Snapshots must not depend on the machine: no repository root, no temp dirs.
    let root = regex_literal(ROOT);
    let home = regex_literal(&run.home);
    let tmp = regex_literal(&std::env::temp_dir().display().to_string());
    insta::with_settings!({
        description => format!("vaultform validate -f {manifest}"),
        omit_expression => true,
        filters => vec![
            (root.as_str(), "[ROOT]"),
            (home.as_str(), "[HOME]"),
            (tmp.as_str(), "[TMP]"),
            // miette pads empty source lines; editors strip trailing blanks from .snap files.
            (r"(?m)[ \t]+$", ""),
        ],
    }, {
        insta::assert_snapshot!(name, &run.stderr);
    });
    run
}

#[test]
fn every_invalid_manifest_is_reported_with_its_codes() {
    // glob! canonicalises its base, so strip a canonical root.
    let root = Path::new(ROOT)
        .canonicalize()
        .expect("canonical repository root");
    insta::glob!("../fixtures/invalid", "*.toml", |path| {
        let rel = path
            .strip_prefix(&root)
            .expect("fixture under the repository root");
        let manifest = rel.to_str().expect("UTF-8 path");
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("file name");
        let Some((_, expected)) = EXPECTED.iter().find(|(name, _)| *name == stem) else {
            panic!("{manifest} has no entry in EXPECTED (tests/diagnostics.rs): add its codes")
        };
        assert_invalid(manifest, expected, "invalid");
    });
}

#[test]
fn every_expected_entry_has_a_fixture() {
    for (name, _) in EXPECTED {
        let path = Path::new(ROOT).join(format!("fixtures/invalid/{name}.toml"));
        assert!(
            path.is_file(),
            "EXPECTED names {name}, but {path:?} is missing"
        );
    }
}

#[test]
fn invalid_policy_hcl_is_reported_in_the_policy_file() {
    let manifest = "fixtures/invalid-hcl/vault.toml";
    let run = assert_invalid(manifest, &["vaultform::policy::syntax"], "invalid_hcl");
    assert!(
        run.stderr
            .contains("[fixtures/invalid-hcl/policies/broken-policy.hcl:3:33]"),
        "should point at the `}}` closing the list:\n{}",
        run.stderr
    );
    assert!(
        common::flat(&run.stderr).contains(
            "1 problem in fixtures/invalid-hcl/policies/broken-policy.hcl; nothing was changed"
        ),
        "the header names the policy file:\n{}",
        run.stderr
    );
}

#[test]
fn several_errors_are_all_reported_at_once() {
    let run = validate("fixtures/invalid/several_errors.toml", &[]);
    assert_eq!(run.code, Some(1));
    assert_eq!(reported_codes(&run.stderr).len(), 5, "{}", run.stderr);
    // Each problem points at its own line, in file order.
    let places: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix(",-[fixtures/invalid/several_errors.toml:")
        })
        .collect();
    assert_eq!(
        places,
        ["16:1]", "17:17]", "20:19]", "21:13]", "23:11]"],
        "{}",
        run.stderr
    );
}

#[test]
fn basic_fixture_is_valid() {
    let run = validate("fixtures/basic/vault.toml", &[]);
    assert_eq!(
        run.code,
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stdout
            .contains("fixtures/basic/vault.toml is valid: 1 mount(s), 1 auth method(s), 2 policies, 2 role(s), 2 secret path(s)."),
        "{}",
        run.stdout
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn example_manifest_is_valid_with_the_example_env() {
    // The root .env is git-ignored and may be missing: pass .env.example's values explicitly.
    let env: Vec<(String, String)> = dotenvy::from_path_iter(Path::new(ROOT).join(".env.example"))
        .expect("read .env.example")
        .map(|item| item.expect("parse .env.example"))
        .collect();
    assert!(!env.is_empty(), ".env.example holds no values");
    let run = validate("vault.toml", &env);
    assert_eq!(
        run.code,
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stdout.contains("vault.toml is valid: "),
        "{}",
        run.stdout
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn validate_format_json_reports_valid_and_invalid_manifests_without_values() {
    const LITERAL: &str = "validate-json-literal-value-7";
    const FROM_ENV: &str = "validate-json-env-value-8";
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("vault.toml");
    let good = format!(
        "[mounts.secret]\ntype = \"kv\"\noptions = {{ version = \"2\" }}\n\n[secrets.\"secret/app\"]\nAPI_PASSWORD = \"{LITERAL}\"\nDB = {{ env = \"VF_VALIDATE_JSON_DB\" }}\n"
    );
    let run = |text: &str| {
        fs::write(&manifest, text).unwrap();
        let out = common::offline_vaultform_cmd(dir.path())
            .env("VF_VALIDATE_JSON_DB", FROM_ENV)
            .arg("-f")
            .arg(&manifest)
            .args(["validate", "--format", "json"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        for v in [LITERAL, FROM_ENV] {
            assert!(
                !stdout.contains(v) && !stderr.contains(v),
                "{stdout}{stderr}"
            );
        }
        let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        (out.status.code(), doc)
    };
    let (code, doc) = run(&good);
    assert_eq!(code, Some(0), "{doc}");
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["resources"]["mount"], 1);
    assert_eq!(doc["resources"]["kv"], 1);
    // The literal under a secret-looking key is warned about, never quoted.
    assert!(
        doc["warnings"][0]
            .as_str()
            .unwrap()
            .contains("API_PASSWORD"),
        "{doc}"
    );

    let (code, doc) = run(&format!("{good}\n[approles.web]\ntoken_tll = \"1h\"\n"));
    assert_eq!(code, Some(1), "{doc}");
    assert_eq!(doc["valid"], false);
    let text = doc["error"].to_string();
    assert!(text.contains("vaultform::manifest::unknown_key"), "{text}");
    assert!(text.contains("\"offset\""), "{text}");
}
