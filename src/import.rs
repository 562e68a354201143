//! `vaultform import`: reads everything a live server has of every kind
//! vaultform manages and writes the manifest that describes it — so that it
//! plans no change against that server, and its first apply only records
//! ownership (adopts).
//!
//! [`read`] reads (every kind's reads with [`Live::everything`](crate::model::Live::everything)),
//! [`export`] asks each kind for its sections (pure), [`Imported`] holds the
//! files' texts; writing them is the CLI's part. Secret values stay inside
//! [`Secret`]: the manifest names environment variables, and only `.env`
//! (written on request, mode 0600) holds values.

use crate::consumer::output::dotenv_quote;
use crate::kinds::export::{Export, Filter, ValueMode};
use crate::kinds::registry;
use crate::model::{Desired, Live};
use crate::secret::Secret;
use crate::vault::{Vault, VaultError};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What to import, and how.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Which resources.
    pub filter: Filter,
    /// How secret values are declared.
    pub values: ValueMode,
    /// `[vaultform] name` of the new manifest (`None`: the default).
    pub name: Option<String>,
    /// `[vaultform] ownership_mount`.
    pub ownership_mount: String,
    /// Maximum concurrent requests.
    pub parallelism: usize,
}

/// The files of an imported manifest.
#[derive(Debug)]
pub struct Imported {
    /// `vault.toml`.
    pub manifest: String,
    /// `policies/<file>` -> text, byte for byte as the server has it.
    pub policies: BTreeMap<String, String>,
    /// Environment variable -> value (for `.env`; names for `.env.example`).
    pub env: BTreeMap<String, Secret>,
    /// What was left out, and why.
    pub notes: Vec<String>,
    /// Resources imported, by kind.
    pub counts: BTreeMap<&'static str, usize>,
    /// Addresses this manifest's ownership record claims that were not
    /// imported (its next apply would delete them).
    pub dropped: Vec<String>,
}

/// Reads everything the server has (as the manifest named `opts.name` sees
/// it: other manifests' resources are left to them).
pub async fn read(vault: &Vault, opts: &Options) -> Result<Live, VaultError> {
    let mut desired = Desired::empty(
        miette::NamedSource::new("vault.toml", String::new()),
        std::path::PathBuf::from("."),
        &opts.ownership_mount,
    );
    if let Some(name) = &opts.name {
        desired.name = name.clone();
    }
    crate::live::read_everything(vault, &desired, opts.parallelism).await
}

/// Every kind's sections for `live`, children before their mounts (a mount
/// holding an imported role is imported whatever the filter says). Pure.
pub fn export(live: &Live, opts: &Options) -> Imported {
    let mut out = Export {
        values: opts.values,
        filter: opts.filter.clone(),
        ownership_mount: opts.ownership_mount.clone(),
        ..Export::default()
    };
    let kinds: Vec<_> = registry::all().collect();
    for k in kinds.iter().rev() {
        k.export(live, &mut out);
    }
    for request in &live.unreadable {
        out.notes.push(format!(
            "{request}: permission denied (403); what is there is not imported"
        ));
    }
    // What this manifest's own record claims but the import leaves out:
    // its next plan would delete it.
    let dropped: Vec<String> = live
        .managed
        .addresses
        .iter()
        .filter(|a| !out.imported.contains(a) && out.wants(a.kind, None, &a.name))
        .map(ToString::to_string)
        .collect();
    for a in &dropped {
        out.notes.push(format!(
            "{a}: WARNING: this manifest's ownership record claims it, and it is not imported: the next apply would delete it unless you declare it"
        ));
    }
    let manifest = render(&out, opts);
    Imported {
        manifest,
        policies: out.policies,
        env: out.env,
        notes: out.notes,
        counts: out.counts,
        dropped,
    }
}

/// `.env.example`: every variable the manifest names, without its value.
pub fn env_example(env: &BTreeMap<String, Secret>) -> String {
    let mut s = String::from(
        "# The environment variables vault.toml names (written by `vaultform import`).\n\
         # Put their values in .env (never commit it), or in the process environment.\n\
         # An empty value would be written to Vault as empty: fill in every one.\n",
    );
    for name in env.keys() {
        let _ = writeln!(s, "{name}=");
    }
    s
}

/// `.env`: every variable with its value, as dotenv parsers read it back.
pub fn env_file(env: &BTreeMap<String, Secret>) -> String {
    let mut s =
        String::from("# Secret values imported by `vaultform import`: never commit this file.\n");
    for (name, value) in env {
        let _ = writeln!(s, "{name}={}", dotenv_quote(&value.expose_text()));
    }
    s
}

/// The manifest's text: a header, `[vaultform]`, then every section.
fn render(out: &Export, opts: &Options) -> String {
    let mut s = String::from(
        "# Written by `vaultform import` from a live server: it plans no change\n\
         # against that server, and its first apply records ownership only.\n",
    );
    if !out.notes.is_empty() {
        s.push_str("#\n# Not imported, or imported in part:\n");
        for n in &out.notes {
            let _ = writeln!(s, "#   - {}", comment_safe(n));
        }
    }
    s.push('\n');
    let mut head = toml::Table::new();
    if let Some(name) = &opts.name {
        head.insert("name".into(), toml::Value::String(name.clone()));
    }
    if opts.ownership_mount != crate::manifest::DEFAULT_OWNERSHIP_MOUNT {
        head.insert(
            "ownership_mount".into(),
            toml::Value::String(opts.ownership_mount.clone()),
        );
    }
    if !out.env.is_empty() {
        s.push_str("# The values of { env = \"...\" }: .env beside this file (see .env.example).\nenv_file = \".env\"\n\n");
    }
    if !head.is_empty() {
        s.push_str("[vaultform]\n");
        for (k, v) in &head {
            let _ = writeln!(s, "{} = {v}", key(k));
        }
        s.push('\n');
    }
    let sections = &out.sections;
    let mut path = Vec::new();
    section(&mut s, &mut path, &out.root, sections);
    while s.ends_with("\n\n") {
        s.pop();
    }
    s
}

/// One table: its values (inline), then its sub-sections.
fn section(
    s: &mut String,
    path: &mut Vec<String>,
    t: &toml::Table,
    sections: &BTreeSet<Vec<String>>,
) {
    // Whether a declared section starts with `p`: the first one at or after
    // `p` in order does if any does (one search per key, not a scan of every
    // section: an import of 10,000 services declares 30,000).
    let is_section = |p: &[String]| {
        sections
            .range(p.to_vec()..)
            .next()
            .is_some_and(|sec| sec.starts_with(p))
    };
    let mut lines = String::new();
    let mut subs = Vec::new();
    for (k, v) in t {
        path.push(k.clone());
        if v.is_table() && is_section(path) {
            subs.push(k);
        } else {
            let _ = writeln!(lines, "{} = {v}", key(k));
        }
        path.pop();
    }
    if !path.is_empty() && (!lines.is_empty() || sections.contains(path)) {
        let header: Vec<String> = path.iter().map(|p| key(p)).collect();
        let _ = writeln!(s, "[{}]", header.join("."));
        s.push_str(&lines);
        s.push('\n');
    }
    for k in subs {
        if let Some(toml::Value::Table(sub)) = t.get(k) {
            path.push(k.clone());
            section(s, path, sub, sections);
            path.pop();
        }
    }
}

/// A TOML key: bare when it can be, else a quoted string.
fn key(k: &str) -> String {
    if !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}

/// A note as one comment line: control characters (a newline in a key
/// name) shown as `?`.
fn comment_safe(n: &str) -> String {
    n.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_inline_values() {
        let mut out = Export::default();
        let mut t = toml::Table::new();
        t.insert("type".into(), toml::Value::String("kv".into()));
        let mut o = toml::Table::new();
        o.insert("version".into(), toml::Value::String("2".into()));
        t.insert("options".into(), toml::Value::Table(o));
        let mount = crate::model::Address::new(crate::model::Kind::MOUNT, "a/b");
        out.declare(&mount, &["mounts", "a/b"], t, None);
        let mut r = toml::Table::new();
        r.insert("token_ttl".into(), toml::Value::String("1h".into()));
        out.declare(
            &crate::model::Address::new(crate::model::Kind::APPROLE, "approle/web.app"),
            &["auth", "approle", "roles", "web.app"],
            r,
            None,
        );
        out.notes.push("x\ny = 1".into());
        let text = render(&out, &Options::default());
        assert!(
            text.contains("[mounts.\"a/b\"]\noptions = { version = \"2\" }\ntype = \"kv\"\n"),
            "{text}"
        );
        assert!(
            text.contains("[auth.approle.roles.\"web.app\"]\ntoken_ttl = \"1h\"\n"),
            "{text}"
        );
        assert!(text.contains("#   - x?y = 1\n"), "{text}");
        assert!(!text.contains("\n[auth]\n"), "{text}");
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        assert!(parsed["auth"]["approle"]["roles"]["web.app"].is_table());
    }

    /// Sections are found by prefix whatever else is declared around them.
    #[test]
    fn nested_sections_are_found_among_many() {
        let mut out = Export::default();
        for i in 0..50 {
            let mut r = toml::Table::new();
            r.insert("token_ttl".into(), toml::Value::String("1h".into()));
            let name = format!("r{i}");
            out.declare(
                &crate::model::Address::new(crate::model::Kind::APPROLE, format!("approle/{name}")),
                &["auth", "approle", "roles", &name],
                r,
                None,
            );
        }
        let mut m = toml::Table::new();
        m.insert("type".into(), toml::Value::String("approle".into()));
        out.declare(
            &crate::model::Address::new(crate::model::Kind::AUTH, "approle"),
            &["auth", "approle"],
            m,
            None,
        );
        let text = render(&out, &Options::default());
        assert!(
            text.contains("[auth.approle]\ntype = \"approle\"\n"),
            "{text}"
        );
        for i in 0..50 {
            assert!(
                text.contains(&format!("[auth.approle.roles.r{i}]\ntoken_ttl = \"1h\"\n")),
                "{text}"
            );
        }
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(
            parsed["auth"]["approle"]["roles"].as_table().unwrap().len(),
            50
        );
    }

    #[test]
    fn env_file_reads_back_as_the_values() {
        let mut env = BTreeMap::new();
        let awkward = [
            "a b",
            "x\ny",
            "q\"q",
            "$HOME",
            "# not a comment",
            "",
            "back\\slash",
            "é ☃",
        ];
        for (i, v) in awkward.iter().enumerate() {
            env.insert(format!("V{i}"), Secret::from_string(v.to_string()));
        }
        let text = env_file(&env);
        let parsed: BTreeMap<String, String> = dotenvy::from_read_iter(text.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        for (i, v) in awkward.iter().enumerate() {
            assert_eq!(parsed[&format!("V{i}")], *v);
        }
        let example = env_example(&env);
        assert!(example.contains("V1=\n"));
        assert!(!example.contains("HOME"));
    }
}
