//! Reading declarations: typed reads of a spanned TOML tree that record a
//! [`Problem`] for every wrong type and keep going, so one run reports every
//! problem; what a kind's declaration needs from the manifest loader
//! ([`Sources`]: secret values, references checked later); and handing a
//! section's nested tables to the kinds declared there ([`nested`]).

use super::contract::{Declare, Section};
use super::registry;
use crate::diag::Problem;
use crate::duration;
use crate::kinds::fields::{self, FieldType, FieldValue};
use crate::model::{Desired, Kind};
use crate::toml_tree::{Table, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use toml::Spanned;

/// A spanned TOML value.
pub type Val<'i> = Spanned<Value<'i>>;

/// The reader: the source for diagnostics and the problems found so far.
pub struct Walker {
    /// The manifest source.
    pub src: crate::diag::LazySource,
    /// Problems found.
    pub problems: Vec<Problem>,
    /// Problems found but not kept: past [`KEEP`], only counted (a file of
    /// garbage has one per line, and only the first are shown).
    pub dropped: usize,
}

/// How many problems a load keeps (it shows fewer, sorted by place).
pub const KEEP: usize = 4 * crate::diag::MAX_PROBLEMS;

/// What declarations need from the manifest loader beyond typed reads.
pub trait Sources {
    /// A secret value from its source: a literal (with a warning when the
    /// key looks secret), `{ env }`, `{ file }`, `{ generate }` or
    /// `{ external }`. `None` after recording a problem.
    fn secret_value(
        &mut self,
        w: &mut Walker,
        desired: &mut Desired,
        key: &str,
        v: &Val<'_>,
    ) -> Option<crate::kinds::kv::DesiredValue>;

    /// A policy that `what` grants, checked once every policy is declared.
    fn policy_ref(&mut self, what: String, policy: String, span: Range<usize>);

    /// The path rules of the declared policy `policy`, from the parse that
    /// checked it: the manifest's policy lints read them once every kind is
    /// declared, without parsing the policy again.
    fn policy_rules(&mut self, policy: &str, rules: Vec<crate::kinds::policy::lint::Rule>);
}

/// Hands the tables inside a declared resource's section to the kinds
/// declared there (`[mounts.NAME.kv_config]`, `[auth.NAME.roles]`): each key
/// to the kinds nested under `parent` with that key that accept the
/// resource's type. A key no kind accepts for this type is a problem.
pub fn nested(
    cx: &mut Declare<'_, '_>,
    parent: Kind,
    table: &Table<'_>,
    options: &BTreeMap<String, String>,
) {
    let mut keys: Vec<&'static str> = Vec::new();
    for def in registry::all() {
        for s in def.sections() {
            if let Section::Nested { parent: p, key } = *s
                && p == parent
                && !keys.contains(&key)
            {
                keys.push(key);
            }
        }
    }
    for key in keys {
        let Some((k, v)) = table.get_key_value(key) else {
            continue;
        };
        let mut taken = false;
        let mut rules: Vec<(&'static str, &'static str)> = Vec::new();
        for def in registry::all() {
            let here = def.sections().iter().any(
                |s| matches!(*s, Section::Nested { parent: p, key: kk } if p == parent && kk == key),
            );
            if !here {
                continue;
            }
            rules.extend(def.parent_rule());
            if def.accepts_parent(cx.parent_type, options) {
                taken = true;
                def.declare(cx, v);
            }
        }
        if !taken {
            let code = rules
                .first()
                .map_or("vaultform::manifest::roles_unsupported", |r| r.1);
            let needs: Vec<&str> = rules.iter().map(|r| r.0).collect();
            cx.w.problem(
                code,
                k.span(),
                format!(
                    "`{key}` needs {}; `{}` is `{}`",
                    needs.join(" or "),
                    cx.parent,
                    cx.parent_type
                ),
                "not supported here",
                format!("declare `{key}` only under {}", needs.join(" or ")),
            );
        }
    }
}

/// The JSON Schema of the keys inside a `parent` section that other kinds
/// declare (`kv_config`, `roles`, `config`, ...): each key's schema from the
/// kinds declared there, any of them when several share a key (`roles` of an
/// AppRole, a Kubernetes or a JWT method, told apart by the method's type).
pub fn nested_schemas(parent: Kind) -> serde_json::Map<String, serde_json::Value> {
    let mut by_key: BTreeMap<&'static str, Vec<serde_json::Value>> = BTreeMap::new();
    for def in registry::all() {
        for s in def.sections() {
            if let Section::Nested { parent: p, key } = *s
                && p == parent
            {
                let mut one = def
                    .schema(*s)
                    .unwrap_or_else(|| serde_json::json!({"type": "object"}));
                if let (Some(obj), Some((needs, _))) = (one.as_object_mut(), def.parent_rule()) {
                    obj.entry("description")
                        .or_insert_with(|| format!("{} (in {needs})", def.about()).into());
                }
                by_key.entry(key).or_default().push(one);
            }
        }
    }
    by_key
        .into_iter()
        .map(|(key, mut schemas)| {
            let schema = if schemas.len() == 1 {
                schemas.remove(0)
            } else {
                serde_json::json!({ "anyOf": schemas })
            };
            (key.to_string(), schema)
        })
        .collect()
}

impl Walker {
    /// Checks a name with one of [`crate::names`]' rules; a problem at `span`
    /// if it fails.
    pub fn check_name(
        &mut self,
        name: &str,
        span: Range<usize>,
        what: &str,
        rule: fn(&str) -> Result<(), crate::names::NameError>,
    ) -> bool {
        match rule(name) {
            Ok(()) => true,
            Err(why) => {
                self.problem(
                    "vaultform::manifest::bad_name",
                    span,
                    format!(
                        "{what} `{}` is not valid: {why}",
                        crate::names::excerpt(name)
                    ),
                    "invalid name",
                    why.help(),
                );
                false
            }
        }
    }

    /// Records a problem at a span.
    pub fn problem(
        &mut self,
        code: &'static str,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        if self.problems.len() >= KEEP {
            self.dropped += 1;
            return;
        }
        let p = Problem::at(code, message, &self.src, span, label).help(help);
        self.problems.push(p);
    }

    /// Records that `v` (of `what`) is not of the `expected` type.
    pub fn wrong_type(&mut self, v: &Val<'_>, what: &str, expected: &str) {
        self.problem(
            "vaultform::manifest::wrong_type",
            v.span(),
            format!("{what} must be {expected}, not {}", v.get_ref().type_str()),
            format!("expected {expected}"),
            format!("write {what} as {expected}"),
        );
    }

    /// Reports every key of `table` not in `allowed`.
    pub fn only_keys(&mut self, table: &Table<'_>, what: impl fmt::Display, allowed: &[&str]) {
        self.only_known_keys(table, what, |k| allowed.contains(&k), || allowed.to_vec());
    }

    /// Like [`Walker::only_keys`], for a table whose keys are known by
    /// `known` (a field table's lookup): the list of valid keys for the
    /// help is built only when a key is unknown.
    pub fn only_known_keys<'k>(
        &mut self,
        table: &Table<'_>,
        what: impl fmt::Display,
        known: impl Fn(&str) -> bool,
        allowed: impl FnOnce() -> Vec<&'k str>,
    ) {
        let mut allowed = Some(allowed);
        let mut list = Vec::new();
        for (k, _) in table.iter() {
            if known(k.get_ref()) {
                continue;
            }
            if let Some(make) = allowed.take() {
                list = make();
            }
            self.problem(
                "vaultform::manifest::unknown_key",
                k.span(),
                format!("unknown key `{}` in {what}", k.get_ref()),
                "not a known key",
                match closest(k.get_ref(), &list) {
                    Some(near) => {
                        format!("did you mean `{near}`? valid keys: {}", list.join(", "))
                    }
                    None => format!("valid keys: {}", list.join(", ")),
                },
            );
        }
    }

    /// A table, or a problem.
    pub fn table<'a, 'i>(&mut self, v: &'a Val<'i>, what: &str) -> Option<&'a Table<'i>> {
        match v.get_ref() {
            Value::Table(t) => Some(t),
            _ => {
                self.wrong_type(v, what, "a table");
                None
            }
        }
    }

    /// A string, or a problem.
    pub fn string(&mut self, v: &Val<'_>, what: &str) -> Option<String> {
        match v.get_ref() {
            Value::String(s) => Some(s.to_string()),
            _ => {
                self.wrong_type(v, what, "a string");
                None
            }
        }
    }

    /// A boolean, or a problem.
    pub fn boolean(&mut self, v: &Val<'_>, what: &str) -> Option<bool> {
        match v.get_ref() {
            Value::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(v, what, "true or false");
                None
            }
        }
    }

    /// An integer, or a problem.
    pub fn integer(&mut self, v: &Val<'_>, what: &str) -> Option<i64> {
        match v.get_ref() {
            Value::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some(n),
                Err(_) => {
                    self.problem(
                        "vaultform::manifest::out_of_range",
                        v.span(),
                        format!("{what} is too large"),
                        "too large",
                        "use an integer that fits in 64 bits",
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(v, what, "an integer");
                None
            }
        }
    }

    /// A list of strings (a single string is split on commas, as Vault does).
    pub fn string_list(&mut self, v: &Val<'_>, what: &str) -> Option<Vec<(String, Range<usize>)>> {
        match v.get_ref() {
            Value::Array(items) => {
                let mut out = Vec::new();
                let mut ok = true;
                for item in items.iter() {
                    match item.get_ref() {
                        Value::String(s) => out.push((s.to_string(), item.span())),
                        _ => {
                            self.wrong_type(item, &format!("each item of {what}"), "a string");
                            ok = false;
                        }
                    }
                }
                ok.then_some(out)
            }
            // Vault accepts "a,b" for lists; so do we.
            Value::String(s) => {
                let span = v.span();
                Some(
                    s.split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(|p| (p.to_string(), span.clone()))
                        .collect(),
                )
            }
            _ => {
                self.wrong_type(v, what, "a list of strings");
                None
            }
        }
    }

    /// A duration: `"1h"` style text or integer seconds.
    pub fn duration(&mut self, v: &Val<'_>, what: &str) -> Option<FieldValue> {
        match v.get_ref() {
            Value::String(s) => match duration::parse(s) {
                Some(secs) => Some(FieldValue::Duration(secs, s.to_string())),
                None => {
                    self.problem(
                        "vaultform::manifest::bad_duration",
                        v.span(),
                        format!("{what} is not a duration: {s:?}"),
                        "not a duration",
                        "write a duration such as \"90s\", \"30m\", \"1.5h\", \"7d\", \"500ms\" or integer seconds",
                    );
                    None
                }
            },
            Value::Integer(_) => {
                let n = self.integer(v, what)?;
                match u64::try_from(n) {
                    Ok(secs) => Some(FieldValue::Duration(secs, duration::format(secs))),
                    Err(_) => {
                        self.problem(
                            "vaultform::manifest::bad_duration",
                            v.span(),
                            format!("{what} cannot be negative"),
                            "negative",
                            "write a duration such as \"1h\" or a number of seconds from 0 up",
                        );
                        None
                    }
                }
            }
            _ => {
                self.wrong_type(v, what, "a duration such as \"1h\" or integer seconds");
                None
            }
        }
    }

    /// A field of a known type.
    pub fn field(&mut self, v: &Val<'_>, what: &str, ty: FieldType) -> Option<FieldValue> {
        match ty {
            FieldType::Duration => self.duration(v, what),
            FieldType::Int => {
                let n = self.integer(v, what)?;
                if n < 0 {
                    self.problem(
                        "vaultform::manifest::out_of_range",
                        v.span(),
                        format!("{what} cannot be negative"),
                        "negative",
                        "use 0 (no limit) or a positive number",
                    );
                    return None;
                }
                Some(FieldValue::Int(n))
            }
            FieldType::Bool => self.boolean(v, what).map(FieldValue::Bool),
            FieldType::Str => self.string(v, what).map(FieldValue::Str),
            FieldType::List => self.string_list(v, what).map(|l| {
                FieldValue::List(l.into_iter().map(|(s, _)| s.trim().to_string()).collect())
            }),
            FieldType::Seq => match v.get_ref() {
                Value::String(s) => Some(FieldValue::Seq(vec![s.trim().to_string()])),
                Value::Array(_) => {
                    let items = self.string_list(v, what)?;
                    Some(FieldValue::Seq(
                        items
                            .into_iter()
                            .map(|(s, _)| s.trim().to_string())
                            .collect(),
                    ))
                }
                _ => {
                    self.wrong_type(v, what, "a string or a list of strings");
                    None
                }
            },
            FieldType::Cidrs => {
                let list = self.string_list(v, what)?;
                let mut out = Vec::new();
                let mut ok = true;
                for (s, span) in list {
                    match fields::canonical_cidr(&s) {
                        Some(c) => out.push(c),
                        None => {
                            // An address is not a value: naming it is fine, cut short.
                            self.problem(
                                "vaultform::manifest::bad_cidr",
                                span,
                                format!(
                                    "{what}: `{}` is not an IP address or CIDR block",
                                    crate::kinds::names::excerpt(&s)
                                ),
                                "not a CIDR",
                                "write an address such as 10.0.0.1 or a block such as 10.0.0.0/8 or 2001:db8::/32",
                            );
                            ok = false;
                        }
                    }
                }
                ok.then_some(FieldValue::Cidrs(out))
            }
            FieldType::WriteOnly => {
                self.problem(
                    "vaultform::manifest::wrong_type",
                    v.span(),
                    format!("{what} is a secret and is read from a value source here"),
                    "not here",
                    "declare it where its kind reads secrets",
                );
                None
            }
            FieldType::Object => match self.json(v, what)? {
                serde_json::Value::Object(m) => Some(FieldValue::Object(m)),
                _ => {
                    self.wrong_type(v, what, "a table");
                    None
                }
            },
            FieldType::Choice(choices) => {
                let s = self.string(v, what)?;
                match choices.iter().find(|(accepted, _)| *accepted == s) {
                    Some((_, stored)) => Some(FieldValue::Str((*stored).to_string())),
                    None => {
                        let mut valid: Vec<&str> = choices.iter().map(|(a, _)| *a).collect();
                        valid.dedup();
                        self.problem(
                            "vaultform::manifest::bad_choice",
                            v.span(),
                            format!("{what} must be one of: {}", valid.join(", ")),
                            "not a valid choice",
                            format!("write one of: {}", valid.join(", ")),
                        );
                        None
                    }
                }
            }
        }
    }

    /// Any TOML value as JSON (for auth method config).
    pub fn json(&mut self, v: &Val<'_>, what: &str) -> Option<serde_json::Value> {
        use serde_json::Value as J;
        Some(match v.get_ref() {
            Value::String(s) => J::String(s.to_string()),
            Value::Integer(_) => J::from(self.integer(v, what)?),
            Value::Float(f) => J::from(f.as_str().parse::<f64>().ok()?),
            Value::Boolean(b) => J::Bool(*b),
            Value::Datetime(d) => J::String(d.to_string()),
            Value::Array(items) => {
                J::Array(items.iter().filter_map(|i| self.json(i, what)).collect())
            }
            Value::Table(t) => J::Object(
                t.iter()
                    .filter_map(|(k, i)| Some((k.get_ref().to_string(), self.json(i, what)?)))
                    .collect(),
            ),
        })
    }
}

/// The allowed key most like a mistyped one, if any is close.
fn closest<'a>(typed: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (strsim::jaro_winkler(typed, a), *a))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, a)| a)
}
