//! `docs/vault.schema.json`, the JSON Schema of `vault.toml` for editors, is
//! what `vaultform schema` generates from the kinds' definitions now
//! (regenerate with scripts/generate-docs.sh); every manifest the loader
//! accepts validates against it; the invalid fixtures the schema can judge
//! (unknown keys, wrong types, bad durations, names, sources) are rejected.
//!
//! No server.

use jsonschema::Validator;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn generated() -> Vec<u8> {
    let out = assert_cmd::cargo::cargo_bin_cmd!("vaultform")
        .arg("schema")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn validator() -> Validator {
    let schema: Value = serde_json::from_slice(&generated()).unwrap();
    jsonschema::draft7::new(&schema).unwrap_or_else(|e| panic!("the schema does not compile: {e}"))
}

/// A TOML manifest as the JSON a schema validator (and taplo) sees.
fn as_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let value: toml::Value =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::to_value(value).unwrap()
}

fn errors(v: &Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Every manifest file the loader accepts: the example, the compose
/// example's, and every `fixtures/**/vault.toml` (`fixtures/invalid-hcl`'s
/// TOML is fine: its policy file is what is wrong). `fixtures/invalid/*.toml`
/// are below.
fn valid_manifests() -> Vec<PathBuf> {
    let root = Path::new(ROOT);
    let mut out = vec![
        root.join("vault.toml"),
        root.join("examples/compose/vault.toml"),
    ];
    let mut dirs = vec![root.join("fixtures")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.file_name().is_some_and(|n| n == "vault.toml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_committed_schema_is_up_to_date() {
    let committed =
        std::fs::read(Path::new(ROOT).join("docs/vault.schema.json")).unwrap_or_default();
    assert!(
        committed == generated(),
        "docs/vault.schema.json is out of date: run scripts/generate-docs.sh and commit"
    );
}

#[test]
fn the_example_names_the_schema_for_editors() {
    let text = std::fs::read_to_string(Path::new(ROOT).join("vault.toml")).unwrap();
    assert!(
        text.starts_with("#:schema ./docs/vault.schema.json\n"),
        "vault.toml's first line is not the #:schema line taplo reads"
    );
}

#[test]
fn every_valid_manifest_validates() {
    let v = validator();
    let manifests = valid_manifests();
    assert!(manifests.len() >= 5, "{manifests:?}");
    for path in manifests {
        let errs = errors(&v, &as_json(&path));
        assert!(
            errs.is_empty(),
            "{} does not match the schema:\n{}",
            path.display(),
            errs.join("\n")
        );
    }
}

#[test]
fn the_invalid_fixtures_the_schema_can_judge_are_rejected() {
    let v = validator();
    // Problems a table shows: rejected by the schema.
    let rejected = [
        "bad_duration",
        "generate_length",
        "path_traversal",
        "several_errors",
        "source_typo",
        "two_sources",
        "unknown_key",
        "uppercase_name",
        "wrong_type",
    ];
    // Problems only the loader sees: another section, a file, a variable,
    // a name Vault reserves, a syntax error (not TOML at all).
    let loader_only = [
        "builtin_mount",
        "duplicate_role",
        "missing_env",
        "toml_syntax",
        "undefined_policy",
        "unreadable_file",
    ];
    let dir = Path::new(ROOT).join("fixtures/invalid");
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        seen.push(name.clone());
        if rejected.contains(&name.as_str()) {
            assert!(
                !v.is_valid(&as_json(&path)),
                "the schema accepts fixtures/invalid/{name}.toml"
            );
        } else {
            assert!(
                loader_only.contains(&name.as_str()),
                "fixtures/invalid/{name}.toml is new: list it in this test"
            );
            if name != "toml_syntax" {
                let errs = errors(&v, &as_json(&path));
                assert!(
                    errs.is_empty(),
                    "{name}: the schema now rejects it; move it to `rejected`:\n{}",
                    errs.join("\n")
                );
            }
        }
    }
    assert_eq!(seen.len(), rejected.len() + loader_only.len(), "{seen:?}");
}

#[test]
fn durations_in_the_schema_are_those_the_loader_accepts() {
    let v = validator();
    for text in [
        "0", "90s", "1h30m", "1.5h", ".5m", "500ms", "250us", "7d", "1d12h", "3600", "1 hour",
        "1h30", "-1h", "1.5", "h", "", "1e3s", "1H",
    ] {
        let doc = json!({"approles": {"web": {"token_ttl": text}}});
        assert_eq!(
            v.is_valid(&doc),
            vaultform::duration::parse(text).is_some(),
            "{text:?}"
        );
    }
}

#[test]
fn names_in_the_schema_are_those_the_loader_accepts() {
    let v = validator();
    for name in [
        "web", "a.b", "a..b", "_x_", "web-1", "-web", "web-", ".web", "Web", "a b", "",
    ] {
        let doc = json!({"approles": {name: {}}});
        let loader = vaultform::names::role_name(name).is_ok() && name == name.to_lowercase();
        assert_eq!(v.is_valid(&doc), loader, "{name:?}");
    }
    for path in [
        "secret", "team/kv", "a.b/c", "...", ".x", "..x", ".", "..", "a/../b", "a//b", "/a", "a/",
        "a b",
    ] {
        let doc = json!({"mounts": {path: {"type": "kv"}}});
        assert_eq!(
            v.is_valid(&doc),
            vaultform::names::path(path).is_ok(),
            "{path:?}"
        );
    }
}
