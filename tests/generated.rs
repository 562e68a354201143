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

/// docs/adding-a-kind.md stays true: every line of its Rust excerpts (but
/// `...` and comments) is in the source it quotes, the demonstration kind's
/// folder and the registry.
#[test]
fn the_adding_a_kind_guide_quotes_the_code_as_it_is() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let guide = read("docs/adding-a-kind.md");
    let source: String = [read("src/kinds/kv_config/mod.rs"), read("src/kinds/mod.rs")]
        .concat()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut in_rust = false;
    let mut checked = 0;
    let mut missing = Vec::new();
    for line in guide.lines() {
        if line.starts_with("```") {
            in_rust = line == "```rust";
            continue;
        }
        if !in_rust {
            continue;
        }
        let code = line.split("//").next().unwrap_or("").trim();
        if code.is_empty() || code == "..." {
            continue;
        }
        let norm = code.split_whitespace().collect::<Vec<_>>().join(" ");
        // A one-line form of a block the source spreads over several lines
        // is compared without spaces.
        let squeeze = |t: &str| -> String {
            let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
            t.replace(",}", "}").replace(",]", "]")
        };
        let squeezed = squeeze(&norm);
        if !source.contains(&norm) && !squeeze(&source).contains(squeezed.trim_end_matches(',')) {
            missing.push(code.to_string());
        }
        checked += 1;
    }
    assert!(
        checked > 20,
        "the guide has no Rust excerpts left ({checked} lines)"
    );
    assert!(
        missing.is_empty(),
        "docs/adding-a-kind.md quotes lines that are not in src/kinds/kv_config/mod.rs or src/kinds/mod.rs:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_readme_lists_every_kind_in_apply_order() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    // The table's rows: "| `kind` | `kind.ADDRESS` | ...".
    let rows: Vec<&str> = readme
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("| `")?;
            let (kind, rest) = rest.split_once("` | `")?;
            rest.starts_with(&format!("{kind}.")).then_some(kind)
        })
        .collect();
    let registered: Vec<&str> = vaultform::model::Kind::all().map(|k| k.as_str()).collect();
    assert_eq!(
        rows, registered,
        "README.md's table of kinds is not the registry (in rank order)"
    );
}

#[test]
fn every_subcommand_help_has_examples() {
    use clap::CommandFactory;
    // Every subcommand clap knows, nested ones too: a new one without
    // examples fails here.
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            out.push(p.clone());
            walk(sub, p, out);
        }
    }
    let mut subcommands = Vec::new();
    walk(
        &vaultform::cli::Cli::command(),
        Vec::new(),
        &mut subcommands,
    );
    assert!(subcommands.len() >= 20, "{subcommands:?}");
    for sub in &subcommands {
        let mut args: Vec<&str> = sub.iter().map(String::as_str).collect();
        args.push("--help");
        let help = String::from_utf8(generate(&args)).unwrap();
        let examples = help
            .split_once("Example")
            .map(|(_, rest)| rest)
            .unwrap_or_else(|| panic!("`vaultform {}` has no examples:\n{help}", sub.join(" ")));
        assert!(
            examples.contains(&format!("vaultform {}", sub[0])),
            "`vaultform {}`'s examples do not show it:\n{help}",
            sub.join(" ")
        );
    }
}
