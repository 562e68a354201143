//! The man page and shell completions committed under docs/ are what the CLI
//! definitions generate now (regenerate with scripts/generate-docs.sh), and
//! the completion scripts load in their shells.

use std::path::Path;

fn generate(args: &[&str]) -> Vec<u8> {
    let out = assert_cmd::cargo::cargo_bin_cmd!("vaultform")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn man_page_and_completions_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    let mut check = |file: &str, now: Vec<u8>| {
        let committed = std::fs::read(root.join(file)).unwrap_or_default();
        if committed != now {
            stale.push(file.to_string());
        }
    };
    check("docs/man/vaultform.1", generate(&["man"]));
    for shell in ["bash", "zsh", "fish"] {
        check(
            &format!("docs/completions/vaultform.{shell}"),
            generate(&["completions", shell]),
        );
    }
    assert!(
        stale.is_empty(),
        "out of date: {stale:?}; run scripts/generate-docs.sh and commit"
    );
    // Every subcommand has its section in the man page.
    let man = String::from_utf8(generate(&["man"])).unwrap();
    for sub in [
        "plan",
        "apply",
        "exec",
        "env",
        "health",
        "policy",
        "bootstrap",
        "completions",
    ] {
        assert!(
            man.contains(&format!("vaultform\\-{sub}")),
            "no man section for {sub}"
        );
    }
}

#[test]
fn the_bash_completion_script_loads_and_completes_subcommands() {
    let script = generate(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vaultform.bash");
    std::fs::write(&file, script).unwrap();
    // Load it in bash and ask for the completions of `vaultform p`.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            ". {}; COMP_WORDS=(vaultform p); COMP_CWORD=1; _vaultform vaultform p vaultform; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            file.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let words = String::from_utf8_lossy(&out.stdout);
    assert!(words.lines().any(|w| w == "plan"), "{words}");
    assert!(words.lines().any(|w| w == "policy"), "{words}");
}
