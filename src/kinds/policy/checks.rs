//! Who can do what, offline: principals (a role of the manifest, or policy
//! names) resolved to their policies, the policies merged into an
//! [`Acl`], and the manifest's
//! `[[policy_tests]]` checked against them by `validate` and `plan`.
//!
//! ```toml
//! [[policy_tests]]
//! principal = "approle.approle/user"
//! path = "secret/data/user"
//! can = ["read"]
//! cannot = ["update", "delete"]
//! ```

use super::acl::{Acl, DEFAULT_POLICY, Decision};
use super::model::DesiredPolicy;
use crate::kinds::fields::FieldValue;
use crate::kinds::mount::DesiredBackend;
use crate::kinds::role::DesiredRole;
use crate::model::{Address, Desired, Kind};

pub use crate::model::PolicyTest;
use std::collections::BTreeSet;

/// The policies a principal holds: a role's `token_policies` (plus `default`
/// unless `token_no_default_policy = true`), or the names given.
pub fn principal_policies(desired: &Desired, principal: &str) -> Result<Vec<String>, String> {
    if let Some(addr) = Address::parse(principal)
        && matches!(addr.kind, Kind::APPROLE | Kind::KUBERNETES_ROLE)
    {
        let role = desired
            .items
            .get::<DesiredRole>(addr.kind, &addr.name)
            .ok_or_else(|| format!("`{principal}` is not a role of the manifest"))?;
        let no_default = matches!(
            role.fields.get("token_no_default_policy"),
            Some(FieldValue::Bool(true))
        );
        return Ok(with_default(role.policies(), no_default));
    }
    let names: Vec<String> = principal
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        return Err(
            "no principal: give a role address (approle.approle/user) or policy names (a,b)".into(),
        );
    }
    Ok(names)
}

/// A token's policies: the role's, plus `default` unless the role sets
/// `token_no_default_policy` (the server's rule).
pub fn with_default(mut policies: Vec<String>, no_default: bool) -> Vec<String> {
    if !no_default && !policies.iter().any(|p| p == "default") {
        policies.push("default".into());
    }
    policies
}

/// The merged policies (and whether `root` is among them), or the name of a
/// policy the manifest does not have.
pub fn acl_for(desired: &Desired, policies: &[String]) -> Result<(Acl, bool), String> {
    let mut texts: Vec<(&str, Option<String>, &str)> = Vec::new();
    let mut root = false;
    for name in policies {
        match name.as_str() {
            "root" => root = true,
            "default" => texts.push(("default", None, DEFAULT_POLICY)),
            _ => {
                let p = desired.items.get::<DesiredPolicy>(Kind::POLICY, name).ok_or_else(|| {
                    format!(
                        "policy `{}` is not in the manifest",
                        crate::names::excerpt(name)
                    )
                })?;
                texts.push((name, Some(p.file.display().to_string()), &p.text));
            }
        }
    }
    let acl = Acl::new(texts.iter().map(|(n, f, t)| (*n, f.as_deref(), *t)));
    Ok((acl, root))
}

/// What `principal` may do on `path`.
pub fn decide(
    desired: &Desired,
    principal: &str,
    path: &str,
) -> Result<(Vec<String>, Acl, Decision), String> {
    let policies = principal_policies(desired, principal)?;
    let (acl, root) = acl_for(desired, &policies)?;
    let decision = if root {
        Decision {
            capabilities: BTreeSet::from(["root".to_string()]),
            rule: None,
            matched: None,
            origins: Vec::new(),
        }
    } else {
        acl.decide(path.trim_start_matches('/'))
    };
    Ok((policies, acl, decision))
}

/// Why a test failed, in words that name the rule that decided.
pub fn check(desired: &Desired, t: &PolicyTest) -> Result<(), String> {
    let (_, _, d) = decide(desired, &t.principal, &t.path)?;
    let has = |c: &str| d.capabilities.contains("root") || d.capabilities.contains(c);
    let missing: Vec<&str> = t
        .can
        .iter()
        .map(String::as_str)
        .filter(|c| !has(c))
        .collect();
    let extra: Vec<&str> = t
        .cannot
        .iter()
        .map(String::as_str)
        .filter(|c| has(c))
        .collect();
    if missing.is_empty() && extra.is_empty() {
        return Ok(());
    }
    let why = match (&d.rule, d.origins.first()) {
        (Some(rule), Some(_)) => {
            let places: Vec<String> = d
                .origins
                .iter()
                .map(|o| {
                    format!(
                        "{}:{}",
                        o.file.as_deref().unwrap_or("the built-in default policy"),
                        o.line
                    )
                })
                .collect();
            format!("decided by path \"{rule}\" at {}", places.join(", "))
        }
        _ if d.capabilities.contains("root") => "the root policy allows everything".into(),
        _ => "no rule matches the path".into(),
    };
    let granted = d
        .capabilities
        .iter()
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("lacks {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        parts.push(format!("has {}", extra.join(", ")));
    }
    Err(format!(
        "policy test failed: {} on {} {} (granted: {granted}; {why})",
        t.principal,
        t.path,
        parts.join(" and ")
    ))
}

/// The lints of policies (warnings; `[policies] allow = ["NAME", ...]`
/// silences one everywhere): `(name, description)`.
pub const LINTS: &[(&str, &str)] = &[
    (
        "kv_v2_path",
        "a path on a KV v2 mount without data/ or metadata/",
    ),
    (
        "unknown_mount",
        "a path no declared mount or auth method can serve",
    ),
    ("unused_policy", "a policy no role of the manifest grants"),
    ("sys_sudo", "sudo, or a glob, on sys/ (or everything)"),
];

/// Paths every server serves without a declared mount.
const BUILTIN_PREFIXES: &[&str] = &[
    "sys/",
    "identity/",
    "cubbyhole/",
    "auth/token/",
    "cubbyhole",
];

/// What the policy lints need of a path rule: its path as written, its line
/// and whether it grants `sudo` (kept for every policy of a manifest while
/// it loads, so smaller than a [`Rule`](super::lint::Rule)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintRule {
    /// The path glob.
    pub path: String,
    /// Line of the rule in its file.
    pub line: usize,
    /// Whether the rule grants `sudo`.
    pub sudo: bool,
}

impl From<&super::lint::Rule> for LintRule {
    fn from(r: &super::lint::Rule) -> Self {
        Self {
            path: r.path.clone(),
            line: r.line,
            sudo: r.capabilities.contains("sudo"),
        }
    }
}

/// Warnings about the manifest's policies, as `[lint] file:line: message`.
/// `parsed` holds policies' rules already parsed (the others are parsed here).
pub fn lint(
    desired: &Desired,
    allow: &[String],
    parsed: &std::collections::BTreeMap<String, Vec<LintRule>>,
) -> Vec<String> {
    let on = |name: &str| !allow.iter().any(|a| a == name);
    let mut out = Vec::new();
    let kv2: Vec<String> = desired
        .items
        .iter::<DesiredBackend>(Kind::MOUNT)
        .filter(|(_, m)| m.type_name == "kv" && m.options.get("version").is_some_and(|v| v == "2"))
        .map(|(_, m)| format!("{}/", m.path))
        .collect();
    let mounts: Vec<String> = desired
        .items
        .names(Kind::MOUNT)
        .map(|p| format!("{p}/"))
        .chain(desired.items.names(Kind::AUTH).map(|p| format!("auth/{p}/")))
        .collect();
    let used: BTreeSet<String> = [Kind::APPROLE, Kind::KUBERNETES_ROLE]
        .into_iter()
        .flat_map(|k| desired.items.iter::<DesiredRole>(k))
        .flat_map(|(_, r)| r.policies())
        .collect();
    for (name, p) in desired.items.iter::<DesiredPolicy>(Kind::POLICY) {
        let file = p.file.display();
        if on("unused_policy") && !used.contains(name) {
            out.push(format!(
                "[unused_policy] {file}: policy `{name}` is granted by no role of the manifest (fine if tokens, entities or groups outside it use it)"
            ));
        }
        let parsed_here;
        let rules = match parsed.get(name) {
            Some(r) => r.as_slice(),
            None => {
                parsed_here = super::lint::rules(&p.text)
                    .unwrap_or_default()
                    .iter()
                    .map(LintRule::from)
                    .collect::<Vec<_>>();
                parsed_here.as_slice()
            }
        };
        for rule in rules {
            let path = rule.path.trim_start_matches('/');
            // Made only for a finding: most rules have none.
            let at = || format!("{file}:{}", rule.line);
            let wild = |s: &str| s.starts_with('*') || s.starts_with('+') || s.contains("{{");
            if on("sys_sudo")
                && ((path.starts_with("sys/") || wild(path))
                    && (rule.sudo || path == "sys/*" || path == "*"))
            {
                out.push(format!(
                    "[sys_sudo] {}: path \"{}\" grants {} on the server's configuration",
                    at(),
                    rule.path,
                    if rule.sudo {
                        "sudo"
                    } else {
                        "everything under it"
                    }
                ));
            }
            if wild(path) {
                continue;
            }
            if let Some(mount) = kv2.iter().find(|m| path.starts_with(m.as_str()))
                && on("kv_v2_path")
            {
                let rest = &path[mount.len()..];
                let served = [
                    "data/",
                    "metadata/",
                    "delete/",
                    "undelete/",
                    "destroy/",
                    "subkeys/",
                    "detailed-metadata/",
                    "config",
                ];
                if !rest.is_empty() && !wild(rest) && !served.iter().any(|s| rest.starts_with(s)) {
                    out.push(format!(
                        "[kv_v2_path] {}: `{mount}` is KV v2, so \"{}\" matches no secret: write \"{mount}data/{rest}\" (reads) or \"{mount}metadata/{rest}\" (lists)",
                        at(),
                        rule.path
                    ));
                }
            }
            if on("unknown_mount")
                && !BUILTIN_PREFIXES.iter().any(|b| path.starts_with(b))
                && !mounts
                    .iter()
                    .any(|m| path.starts_with(m.as_str()) || format!("{path}/") == *m)
            {
                out.push(format!(
                    "[unknown_mount] {}: no mount or auth method of the manifest serves \"{}\" (fine if it exists on the server)",
                    at(),
                    rule.path
                ));
            }
        }
    }
    out
}
