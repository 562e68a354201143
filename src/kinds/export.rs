//! `vaultform import`'s side of the kind contract: what a kind writes into
//! a manifest for the resources a live server has ([`KindDef::export`]).
//!
//! Each kind adds its own sections to one [`Export`]: TOML tables for
//! `vault.toml`, policy files, and secret values (kept inside [`Secret`],
//! written to a file only when asked). Pure: no I/O.
//!
//! [`KindDef::export`]: super::contract::KindDef::export

use super::fields::{FieldType, live_list};
use crate::duration;
use crate::model::{Address, Kind, Live};
use crate::secret::Secret;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// How imported secret values are declared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ValueMode {
    /// `{ env = "NAME" }`, the names listed in `.env.example` (and the values
    /// in a 0600 `.env` when asked).
    #[default]
    Env,
    /// `{ external = true }`: the values stay as they are in Vault, which
    /// vaultform only checks exist.
    External,
}

/// Which resources to import (every filter given must match).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Kind names (`policy`, `approle`, `kv`); empty: every kind.
    pub kinds: BTreeSet<String>,
    /// Mount or auth paths: the mount itself and what lives on it; empty:
    /// every mount, and resources that are on none (policies).
    pub mounts: BTreeSet<String>,
    /// A prefix of the address name (`secret/app/`, `approle/`).
    pub prefix: Option<String>,
}

/// What `vaultform import` is building: the manifest's tables, the policy
/// files, the secret values, and notes on what was left out.
#[derive(Debug, Default)]
pub struct Export {
    /// The top-level table of `vault.toml`.
    pub root: toml::Table,
    /// Policy files: `policies/<name>.<hcl|json>` -> text.
    pub policies: BTreeMap<String, String>,
    /// Environment variable -> value, for `.env` / `.env.example`.
    pub env: BTreeMap<String, Secret>,
    /// What was not imported, and why (comments at the top of `vault.toml`).
    pub notes: Vec<String>,
    /// How secret values are declared.
    pub values: ValueMode,
    /// Which resources to import.
    pub filter: Filter,
    /// The ownership record's mount (never imported).
    pub ownership_mount: String,
    /// Mounts and auth methods that hold an imported resource: imported
    /// whatever the filter says (a role needs its auth method).
    pub parents: BTreeSet<Address>,
    /// How many resources were imported, by kind name.
    pub counts: BTreeMap<&'static str, usize>,
    /// The paths of the tables that are sections (`[mounts.secret]`), not
    /// values (`options = { ... }`).
    pub sections: BTreeSet<Vec<String>>,
    /// The addresses imported.
    pub imported: BTreeSet<Address>,
}

impl Export {
    /// Whether the filter takes resource `name` of `kind`, on `mount` (the
    /// mount or auth path it lives on; `None` for resources on none).
    pub fn wants(&self, kind: Kind, mount: Option<&str>, name: &str) -> bool {
        let f = &self.filter;
        (f.kinds.is_empty() || f.kinds.contains(kind.as_str()))
            && (f.mounts.is_empty() || mount.is_some_and(|m| f.mounts.contains(m)))
            && f.prefix.as_deref().is_none_or(|p| name.starts_with(p))
    }

    /// Whether the filter takes it, or another imported resource needs it.
    pub fn wants_parent(&self, address: &Address, mount: &str) -> bool {
        self.parents.contains(address) || self.wants(address.kind, Some(mount), &address.name)
    }

    /// Whether the ownership record of another manifest claims `address`
    /// (left to that manifest, with a note).
    pub fn owned_elsewhere(&mut self, live: &Live, address: &Address) -> bool {
        match live.managed.owner_elsewhere(address) {
            Some(other) => {
                self.notes.push(format!(
                    "{address}: managed by the manifest `{other}` (its ownership record)"
                ));
                true
            }
            None => false,
        }
    }

    /// Notes the names the server lists for `kind` that vaultform does not
    /// accept (`ok` says which it does): never read, never declared.
    pub fn note_refused<'n>(
        &mut self,
        kind: Kind,
        names: impl Iterator<Item = &'n String>,
        ok: impl Fn(&str) -> bool,
    ) {
        for n in names {
            if !ok(n) && self.wants(kind, n.split_once('/').map(|(m, _)| m), n) {
                self.notes.push(format!(
                    "{kind} `{}`: a name vaultform does not accept (not read)",
                    crate::names::excerpt(n)
                ));
            }
        }
    }

    /// The table at `path` below the root, made where missing.
    pub fn table(&mut self, path: &[&str]) -> &mut toml::Table {
        let mut t = &mut self.root;
        for key in path {
            let entry = t
                .entry(key.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            // Made a table just above.
            let toml::Value::Table(next) = entry else {
                unreachable!("the entry was made a table above")
            };
            t = next;
        }
        t
    }

    /// Records one imported resource `address` declared at `path`, with its
    /// table, and the mount or auth method it needs.
    pub fn declare(
        &mut self,
        address: &Address,
        path: &[&str],
        table: toml::Table,
        parent: Option<Address>,
    ) {
        self.sections
            .insert(path.iter().map(|p| p.to_string()).collect());
        let t = self.table(path);
        t.extend(table);
        *self.counts.entry(address.kind.as_str()).or_default() += 1;
        self.imported.insert(address.clone());
        if let Some(p) = parent {
            self.parents.insert(p);
        }
    }

    /// How the secret value at `what` (`secret/app` `PASSWORD`) is declared:
    /// `{ env = "SECRET_APP_PASSWORD" }` with the value kept for `.env`, or
    /// `{ external = true }`.
    pub fn secret(&mut self, what: &[&str], value: &Secret) -> toml::Value {
        let mut t = toml::Table::new();
        match self.values {
            ValueMode::External => {
                t.insert("external".into(), toml::Value::Boolean(true));
            }
            ValueMode::Env => {
                let name = self.env_name(what);
                self.env.insert(name.clone(), value.clone());
                t.insert("env".into(), toml::Value::String(name));
            }
        }
        toml::Value::Table(t)
    }

    /// A free environment variable name made of `parts`: upper case, every
    /// run of other characters one `_`, `_2`, `_3`... when taken.
    fn env_name(&self, parts: &[&str]) -> String {
        let mut base = String::new();
        for c in parts.join("_").chars() {
            if c.is_ascii_alphanumeric() {
                base.push(c.to_ascii_uppercase());
            } else if !base.ends_with('_') {
                base.push('_');
            }
        }
        let mut base = base.trim_matches('_').to_string();
        if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
            base.insert(0, 'V');
            base.insert(1, '_');
        }
        if !self.env.contains_key(&base) {
            return base;
        }
        (2..)
            .map(|n| format!("{base}_{n}"))
            .find(|n| !self.env.contains_key(n))
            .unwrap_or(base)
    }
}

/// `type`, and `description` and `options` when set: how a mount, an auth
/// method and an audit device are declared.
pub fn backend_table(
    type_name: &str,
    description: &str,
    options: &std::collections::BTreeMap<String, String>,
) -> toml::Table {
    let mut t = toml::Table::new();
    t.insert("type".into(), toml::Value::String(type_name.to_string()));
    if !description.is_empty() {
        t.insert(
            "description".into(),
            toml::Value::String(description.to_string()),
        );
    }
    if !options.is_empty() {
        let options = options
            .iter()
            .map(|(k, v)| (k.clone(), toml::Value::String(v.clone())))
            .collect();
        t.insert("options".into(), toml::Value::Table(options));
    }
    t
}

/// A JSON value as TOML; `None` for `null` (TOML has none). `null` members
/// of tables and arrays are left out.
pub fn json_to_toml(v: &Value) -> Option<toml::Value> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64()?),
        },
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(items) => toml::Value::Array(items.iter().filter_map(json_to_toml).collect()),
        Value::Object(m) => toml::Value::Table(
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), json_to_toml(v)?)))
                .collect(),
        ),
    })
}

/// Whether a live value says nothing (absent, `null`, `""`, `[]`, `{}`).
pub fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(m)) => m.is_empty(),
        _ => false,
    }
}

impl FieldType {
    /// The manifest's form of the live value of a field of this type, as
    /// `import` writes it; `None` when it is unset, empty or a zero duration
    /// (the server's default), or write-only (the server never returns it).
    /// What it writes reads back as a value that
    /// [`matches`](super::fields::FieldValue::matches) the live one.
    pub fn export(self, live: Option<&Value>) -> Option<toml::Value> {
        if is_empty(live) {
            return None;
        }
        let live = live?;
        let strings = |l: Vec<String>| {
            (!l.is_empty())
                .then(|| toml::Value::Array(l.into_iter().map(toml::Value::String).collect()))
        };
        match self {
            FieldType::Duration => {
                let s = match live {
                    Value::Number(n) => n.as_u64()?,
                    Value::String(s) => duration::parse(s)?,
                    _ => return None,
                };
                (s > 0).then(|| toml::Value::String(duration::format(s)))
            }
            FieldType::Int => match live {
                Value::String(s) => s.trim().parse().ok().map(toml::Value::Integer),
                v => v.as_i64().map(toml::Value::Integer),
            },
            FieldType::Bool => match live {
                Value::String(s) => s.trim().parse().ok().map(toml::Value::Boolean),
                v => v.as_bool().map(toml::Value::Boolean),
            },
            FieldType::Str => live.as_str().map(|s| toml::Value::String(s.to_string())),
            FieldType::Choice(pairs) => {
                let stored = live.as_str()?;
                // The accepted spelling that is stored as itself, else the
                // first one stored as this.
                pairs
                    .iter()
                    .find(|(a, s)| *a == stored && *s == stored)
                    .or_else(|| pairs.iter().find(|(_, s)| *s == stored))
                    .map(|(a, _)| toml::Value::String(a.to_string()))
            }
            FieldType::List | FieldType::Cidrs => strings(live_list(Some(live))),
            FieldType::Seq => match live {
                Value::Array(items) => strings(
                    items
                        .iter()
                        .filter_map(|v| v.as_str().map(|s| s.trim().to_string()))
                        .collect(),
                ),
                Value::String(s) => strings(vec![s.trim().to_string()]),
                _ => None,
            },
            FieldType::Object => match live {
                Value::Object(_) => json_to_toml(live),
                _ => None,
            },
            FieldType::WriteOnly => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::fields::FieldValue;
    use serde_json::json;

    #[test]
    fn env_names_are_upper_case_and_unique() {
        let mut e = Export::default();
        let v = Secret::from_string("x".into());
        let a = e.secret(&["secret", "app/db", "pass-word"], &v);
        let b = e.secret(&["secret", "app", "db_pass word"], &v);
        let c = e.secret(&["9x", "é"], &v);
        assert_eq!(a.to_string(), r#"{ env = "SECRET_APP_DB_PASS_WORD" }"#);
        assert_eq!(b.to_string(), r#"{ env = "SECRET_APP_DB_PASS_WORD_2" }"#);
        assert_eq!(c.to_string(), r#"{ env = "V_9X" }"#);
        e.values = ValueMode::External;
        assert_eq!(e.secret(&["a"], &v).to_string(), "{ external = true }");
        assert_eq!(e.env.len(), 3);
    }

    #[test]
    fn exported_fields_match_what_they_came_from() {
        let cases = [
            (FieldType::Duration, json!(3600)),
            (FieldType::Duration, json!("90s")),
            (FieldType::Int, json!("4")),
            (FieldType::Int, json!(0)),
            (FieldType::Bool, json!(false)),
            (FieldType::Bool, json!("true")),
            (FieldType::Str, json!("a b")),
            (FieldType::List, json!(["b", "a"])),
            (FieldType::List, json!("a,b")),
            (FieldType::Cidrs, json!(["10.0.0.0/8", "127.0.0.1"])),
            (FieldType::Seq, json!(["CREATE ROLE x;", "GRANT y;"])),
            (FieldType::Object, json!({"a": "b", "n": [1, 2]})),
        ];
        for (ty, live) in cases {
            let t = ty.export(Some(&live)).expect("exported");
            let j: Value = serde_json::to_value(&t).unwrap();
            let back = match ty {
                FieldType::Duration => FieldValue::Duration(
                    duration::parse(j.as_str().unwrap()).unwrap(),
                    String::new(),
                ),
                FieldType::Int => FieldValue::Int(j.as_i64().unwrap()),
                FieldType::Bool => FieldValue::Bool(j.as_bool().unwrap()),
                FieldType::Str => FieldValue::Str(j.as_str().unwrap().into()),
                FieldType::Object => FieldValue::Object(j.as_object().unwrap().clone()),
                _ => {
                    let l: Vec<String> = serde_json::from_value(j).unwrap();
                    match ty {
                        FieldType::Seq => FieldValue::Seq(l),
                        FieldType::Cidrs => FieldValue::Cidrs(l),
                        _ => FieldValue::List(l),
                    }
                }
            };
            assert!(back.matches(Some(&live)), "{ty:?} {live}");
        }
    }

    #[test]
    fn empty_and_default_values_are_left_out() {
        for v in [json!(null), json!(""), json!([]), json!({})] {
            assert_eq!(FieldType::Str.export(Some(&v)), None);
        }
        assert_eq!(FieldType::Duration.export(Some(&json!(0))), None);
        assert_eq!(FieldType::WriteOnly.export(Some(&json!("x"))), None);
        let choice = crate::kinds::role::model::APPROLE_TOKEN_TYPES;
        assert_eq!(
            FieldType::Choice(choice).export(Some(&json!("service"))),
            Some(toml::Value::String("service".into()))
        );
    }
}
