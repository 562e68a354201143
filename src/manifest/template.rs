//! Units declared once: `[templates.NAME]` holds manifest sections with
//! placeholders, `[instances.NAME]` makes one copy of a template for a name.
//!
//! ```toml
//! [templates.service]
//! approles."{name}" = { token_policies = ["{name}-policy"], token_ttl = "1h" }
//! secrets."secret/{name}".SECRET_KEY = { generate = { length = 50 } }
//! secrets."secret/{name}".DB_PASSWORD = { env = "{NAME}_DB_PASSWORD" }
//!
//! [instances.user]
//! template = "service"
//!
//! [instances.chat]
//! template = ["service", "queue-reader"]    # several: copied in order
//! vars = { queue = "chat-events" }
//! approles.chat.token_ttl = "30m"          # overrides the template's value
//! ```
//!
//! Expansion happens before any kind reads its sections, on the parsed
//! TOML: every key and string of the template (inside lists and tables too)
//! has its placeholders replaced — `{name}` (the instance's name), `{NAME}`
//! (upper case, `-` as `_`, for environment variable names) and the
//! instance's `vars`; `{{` and `}}` are left alone (Vault's own templates,
//! such as a database role's `{{name}}`, pass through). The instance's other
//! tables are merged over the copy (tables key by key, anything else
//! replaced), and the result is declared like the manifest's own sections.
//! Everything keeps the place it came from, so a problem points at the
//! template's line (or the override's), and says which instance it is in.

use crate::kinds::declare::{Val, Walker};
use crate::names;
use crate::toml_tree::{Array, Table, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;

/// One instance, expanded: sections to declare.
pub struct Expansion<'i> {
    /// The instance's name.
    pub name: String,
    /// Where `[instances.NAME]` is.
    pub span: Range<usize>,
    /// The sections, as if written at the top of the manifest.
    pub sections: Table<'i>,
}

/// Keys of an instance that are not sections.
const INSTANCE_KEYS: &[&str] = &["template", "vars"];

/// Reads `[templates]` and `[instances]` and expands every instance; problems
/// go to `w`. `sections` are the top-level keys a template may use (the
/// kinds' sections).
pub fn expand<'i>(w: &mut Walker, root: &Table<'i>, sections: &[&str]) -> Vec<Expansion<'i>> {
    let mut templates: BTreeMap<String, &Table<'i>> = BTreeMap::new();
    if let Some(v) = root.get("templates")
        && let Some(t) = w.table(v, "[templates]")
    {
        for (k, v) in t.iter() {
            let name = k.get_ref().to_string();
            if !w.check_name(&name, k.span(), "template", names::role_name) {
                continue;
            }
            let what = format!("[templates.{name}]");
            if let Some(body) = w.table(v, &what) {
                w.only_keys(body, &what, sections);
                templates.insert(name, body);
            }
        }
    }
    let mut out = Vec::new();
    let Some(v) = root.get("instances") else {
        return out;
    };
    let Some(t) = w.table(v, "[instances]") else {
        return out;
    };
    let mut allowed: Vec<&str> = INSTANCE_KEYS.to_vec();
    allowed.extend(sections);
    for (k, v) in t.iter() {
        let name = k.get_ref().to_string();
        if !w.check_name(&name, k.span(), "instance", names::role_name) {
            continue;
        }
        let what = format!("[instances.{name}]");
        let Some(body) = w.table(v, &what) else {
            continue;
        };
        w.only_keys(body, &what, &allowed);
        let Some(template) = body.get("template") else {
            w.problem(
                "vaultform::manifest::missing_key",
                k.span(),
                format!("{what} needs `template`"),
                "no template",
                "add template = \"<a name from [templates]>\"",
            );
            continue;
        };
        // One template, or several copied in order (later ones merged over).
        let tnames: Vec<(String, Range<usize>)> = match template.get_ref() {
            Value::Array(_) => match w.string_list(template, "template") {
                Some(l) => l,
                None => continue,
            },
            _ => match w.string(template, "template") {
                Some(t) => vec![(t, template.span())],
                None => continue,
            },
        };
        let Some(vars) = vars(w, &name, body.get("vars")) else {
            continue;
        };
        let mut sections = Table::new();
        for (tname, tspan) in &tnames {
            let Some(tbody) = templates.get(tname) else {
                let known: Vec<&str> = templates.keys().map(String::as_str).collect();
                w.problem(
                    "vaultform::manifest::unknown_template",
                    tspan.clone(),
                    format!(
                        "{what} uses template `{}`, which [templates] does not declare",
                        names::excerpt(tname)
                    ),
                    "no such template",
                    if known.is_empty() {
                        "declare [templates.<name>] with the sections to copy".to_string()
                    } else {
                        format!("declared templates: {}", known.join(", "))
                    },
                );
                continue;
            };
            let mut cx = Substitute {
                w,
                vars: &vars,
                template: tname,
            };
            for (k, v) in cx.table(tbody) {
                merge_into(&mut sections, k, v);
            }
        }
        for (sk, sv) in body.iter() {
            if INSTANCE_KEYS.contains(&sk.get_ref().as_ref()) {
                continue;
            }
            merge_into(&mut sections, sk.clone(), sv.clone());
        }
        out.push(Expansion {
            name,
            span: k.span(),
            sections,
        });
    }
    out
}

/// The instance's placeholders: `name`, `NAME` and its `vars`.
fn vars(w: &mut Walker, name: &str, v: Option<&Val<'_>>) -> Option<BTreeMap<String, String>> {
    let mut out = BTreeMap::from([
        ("name".to_string(), name.to_string()),
        ("NAME".to_string(), name.to_uppercase().replace('-', "_")),
    ]);
    let Some(v) = v else {
        return Some(out);
    };
    let t = w.table(v, "vars")?;
    let mut ok = true;
    for (k, val) in t.iter() {
        let key = k.get_ref().to_string();
        if !is_ident(&key) || key == "name" || key == "NAME" {
            w.problem(
                "vaultform::manifest::bad_name",
                k.span(),
                format!("`{}` cannot be a template variable", names::excerpt(&key)),
                "not a variable name",
                "use letters, digits and `_`, starting with a letter; `name` and `NAME` are given",
            );
            ok = false;
            continue;
        }
        match w.string(val, &format!("vars.{key}")) {
            Some(s) => {
                out.insert(key, s);
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

struct Substitute<'a, 'w> {
    w: &'w mut Walker,
    vars: &'a BTreeMap<String, String>,
    template: &'a str,
}

impl Substitute<'_, '_> {
    fn table<'i>(&mut self, t: &Table<'i>) -> Table<'i> {
        let mut out = Table::new();
        for (k, v) in t.iter() {
            let key = self.text(k.get_ref(), k.span());
            out.insert(Spanned::new(k.span(), key), self.value(v));
        }
        out
    }

    fn value<'i>(&mut self, v: &Val<'i>) -> Val<'i> {
        let span = v.span();
        let value = match v.get_ref() {
            Value::String(s) => Value::String(self.text(s, span.clone())),
            Value::Array(items) => {
                let mut a = Array::new();
                for item in items.iter() {
                    a.push(self.value(item));
                }
                Value::Array(a)
            }
            Value::Table(t) => Value::Table(self.table(t)),
            other => other.clone(),
        };
        Spanned::new(span, value)
    }

    /// `text` with its placeholders replaced; an unknown one is a problem
    /// at `span` (and stays as written).
    fn text<'i>(&mut self, text: &Cow<'i, str>, span: Range<usize>) -> Cow<'i, str> {
        if !text.contains('{') {
            return text.clone();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest: &str = text;
        while let Some(i) = rest.find(['{', '}']) {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            // Vault's own templates: `{{` and `}}` pass through.
            if rest.starts_with("{{") || rest.starts_with("}}") {
                out.push_str(&rest[..2]);
                rest = &rest[2..];
                continue;
            }
            if rest.starts_with('}') {
                out.push('}');
                rest = &rest[1..];
                continue;
            }
            let Some(end) = rest.find('}') else {
                out.push_str(rest);
                rest = "";
                break;
            };
            let var = &rest[1..end];
            match self.vars.get(var) {
                Some(value) if is_ident(var) => out.push_str(value),
                _ if !is_ident(var) => out.push_str(&rest[..=end]),
                _ => {
                    let mut known: Vec<&str> = self.vars.keys().map(String::as_str).collect();
                    known.sort();
                    self.w.problem(
                        "vaultform::manifest::unknown_variable",
                        span.clone(),
                        format!(
                            "template `{}` uses `{{{}}}`, which is not a variable",
                            self.template,
                            names::excerpt(var)
                        ),
                        "unknown variable",
                        format!(
                            "variables here: {} (add others with vars = {{ ... }} in the instance)",
                            known.join(", ")
                        ),
                    );
                    out.push_str(&rest[..=end]);
                }
            }
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Cow::Owned(out)
    }
}

/// Puts `value` at `key` of `into`: two tables merge key by key, anything
/// else replaces what was there.
fn merge_into<'i>(into: &mut Table<'i>, key: Spanned<Cow<'i, str>>, value: Val<'i>) {
    let existing = into.get_mut(key.get_ref().as_ref());
    match (existing, value.get_ref()) {
        (Some(have), Value::Table(add)) if matches!(have.get_ref(), Value::Table(_)) => {
            if let Value::Table(t) = have.get_mut() {
                for (k, v) in add.iter() {
                    merge_into(t, k.clone(), v.clone());
                }
            }
        }
        _ => {
            into.remove(key.get_ref().as_ref());
            into.insert(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_text(text: &str) -> (Vec<(String, String)>, Vec<String>) {
        let (root, errors) = crate::toml_tree::parse(text);
        assert!(errors.is_empty(), "{errors:?}");
        let mut w = Walker {
            src: crate::diag::LazySource::new("vault.toml", std::sync::Arc::from(text)),
            problems: Vec::new(),
            dropped: 0,
        };
        let out = expand(&mut w, root.get_ref(), &["approles", "secrets", "mounts"]);
        let shown = out
            .iter()
            .map(|e| {
                let t: toml::Table = e
                    .sections
                    .iter()
                    .map(|(k, v)| (k.get_ref().to_string(), plain(v.get_ref())))
                    .collect();
                (e.name.clone(), toml::Value::Table(t).to_string())
            })
            .collect();
        let problems = w.problems.iter().map(|p| p.code.to_string()).collect();
        (shown, problems)
    }

    fn plain(v: &Value<'_>) -> toml::Value {
        match v {
            Value::String(s) => toml::Value::String(s.to_string()),
            Value::Boolean(b) => toml::Value::Boolean(*b),
            Value::Array(a) => toml::Value::Array(a.iter().map(|i| plain(i.get_ref())).collect()),
            Value::Table(t) => toml::Value::Table(
                t.iter()
                    .map(|(k, v)| (k.get_ref().to_string(), plain(v.get_ref())))
                    .collect(),
            ),
            other => toml::Value::String(format!("{other:?}")),
        }
    }

    #[test]
    fn placeholders_keys_and_overrides_expand_per_instance() {
        let (out, problems) = expand_text(
            r#"
[templates.svc]
approles."{name}" = { token_policies = ["{name}-policy"], token_ttl = "1h" }
secrets."secret/{name}".PW = { env = "{NAME}_PW" }
secrets."secret/{name}".SQL = "GRANT \"{{name}}\" {q}"

[instances.user-api]
template = "svc"
vars = { q = "x" }

[templates.extra]
secrets."secret/{name}".MORE = "m"

[instances.chat]
template = ["svc", "extra"]
vars = { q = "y" }
approles.chat.token_ttl = "30m"
"#,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let chat = &out.iter().find(|(n, _)| n == "chat").expect("chat").1;
        assert!(chat.contains("token_ttl = \"30m\""), "{chat}");
        assert!(
            chat.contains("token_policies = [\"chat-policy\"]"),
            "{chat}"
        );
        assert!(
            chat.contains("MORE = \"m\"") && chat.contains("CHAT_PW"),
            "{chat}"
        );
        let user = &out.iter().find(|(n, _)| n == "user-api").expect("user").1;
        assert!(user.contains("user-api = {"), "{user}");
        assert!(user.contains("USER_API_PW"), "{user}");
        assert!(user.contains("token_ttl = \"1h\""), "{user}");
        // Vault's own `{{name}}` passes through; `{q}` is the instance's.
        assert!(user.contains(r#"GRANT "{{name}}" x"#), "{user}");
    }

    #[test]
    fn unknown_templates_variables_and_sections_are_problems() {
        let (_, problems) = expand_text(
            r#"
[templates.svc]
approles."{name}" = { token_policies = ["{nmae}-policy"] }
policy_tests = []

[instances.a]
template = "nope"

[instances.b]

[instances.c]
template = "svc"
vars = { name = "x" }

[instances.d]
template = "svc"
"#,
        );
        for code in [
            "vaultform::manifest::unknown_key",
            "vaultform::manifest::unknown_template",
            "vaultform::manifest::missing_key",
            "vaultform::manifest::bad_name",
            "vaultform::manifest::unknown_variable",
        ] {
            assert!(problems.iter().any(|p| p == code), "{code}: {problems:?}");
        }
    }
}
