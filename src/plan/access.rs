//! What a plan's policy and role changes do to access: for every role whose
//! policies or policy texts change, the capabilities it has on each path the
//! changed rules name, before (the server's policies and role) and after (the
//! manifest's). Pure; evaluated as the server does (`kinds::policy::acl`).

use super::{AccessChange, Action, Change};
use crate::kinds::Kind;
use crate::kinds::policy::acl::{Acl, DEFAULT_POLICY};
use crate::live::Live;
use crate::manifest::Desired;
use crate::manifest::policy_lint;
use std::collections::{BTreeMap, BTreeSet};

/// The most access lines a plan lists (a sweeping change is summarised).
pub const MAX_ACCESS_CHANGES: usize = 200;

fn role_policies(fields: impl Fn(&str) -> Option<Vec<String>>, no_default: bool) -> Vec<String> {
    crate::manifest::policy_tests::with_default(
        fields("token_policies").unwrap_or_default(),
        no_default,
    )
}

/// Access changes implied by `changes`.
pub fn changes(desired: &Desired, live: &Live, changes: &[Change]) -> Vec<AccessChange> {
    let changed_policies: BTreeSet<&str> = changes
        .iter()
        .filter(|c| c.address.kind == Kind::Policy)
        .map(|c| c.address.name.as_str())
        .collect();
    let changed_roles: BTreeSet<(Kind, &str)> = changes
        .iter()
        .filter(|c| matches!(c.address.kind, Kind::Approle | Kind::KubernetesRole))
        .filter(|c| {
            c.action != Action::Update
                || c.fields.iter().any(|f| {
                    f.name.starts_with("token_policies") || f.name == "token_no_default_policy"
                })
        })
        .map(|c| (c.address.kind, c.address.name.as_str()))
        .collect();
    if changed_policies.is_empty() && changed_roles.is_empty() {
        return Vec::new();
    }
    let before_text = |name: &str| -> Option<String> {
        match name {
            "default" => Some(DEFAULT_POLICY.to_string()),
            _ => live.policies.get(name).map(|p| p.text.clone()),
        }
    };
    let after_text = |name: &str| -> Option<String> {
        match name {
            "default" => Some(DEFAULT_POLICY.to_string()),
            _ => desired.policies.get(name).map(|p| p.text.clone()),
        }
    };
    let acl = |names: &[String], text: &dyn Fn(&str) -> Option<String>| {
        let texts: Vec<(String, String)> = names
            .iter()
            .filter_map(|n| text(n).map(|t| (n.clone(), t)))
            .collect();
        Acl::new(texts.iter().map(|(n, t)| (n.as_str(), None, t.as_str())))
    };
    let paths_of = |names: &[String], text: &dyn Fn(&str) -> Option<String>| -> BTreeSet<String> {
        names
            .iter()
            .filter_map(|n| text(n))
            .flat_map(|t| policy_lint::rules(&t).unwrap_or_default())
            .map(|r| r.path)
            .filter(|p| !p.contains("{{"))
            .collect()
    };
    let mut out = Vec::new();
    for (kind, desired_roles, live_roles) in [
        (Kind::Approle, &desired.approles, &live.approles),
        (
            Kind::KubernetesRole,
            &desired.kubernetes_roles,
            &live.kubernetes_roles,
        ),
    ] {
        let keys: BTreeSet<&String> = desired_roles.keys().collect();
        for key in keys {
            let d = &desired_roles[key];
            let after_names = role_policies(
                |f| match d.fields.get(f) {
                    Some(crate::kinds::fields::FieldValue::List(l)) => Some(l.clone()),
                    _ => None,
                },
                matches!(
                    d.fields.get("token_no_default_policy"),
                    Some(crate::kinds::fields::FieldValue::Bool(true))
                ),
            );
            let before_names = match live_roles.get(key) {
                Some(l) => role_policies(
                    |f| {
                        l.get(f).and_then(|v| v.as_array()).map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(str::to_string))
                                .collect()
                        })
                    },
                    l.get("token_no_default_policy").and_then(|v| v.as_bool()) == Some(true),
                ),
                None => Vec::new(),
            };
            let role_changed = changed_roles.contains(&(kind, key.as_str()));
            let touches: Vec<String> = after_names
                .iter()
                .chain(&before_names)
                .filter(|n| changed_policies.contains(n.as_str()))
                .cloned()
                .collect();
            if !role_changed && touches.is_empty() {
                continue;
            }
            // The paths to compare: every rule of a changed policy (old and
            // new text), or, when the role's own policy list changed, every
            // rule of its policies.
            let mut paths = paths_of(&touches, &before_text);
            paths.extend(paths_of(&touches, &after_text));
            if role_changed {
                // The built-in default policy's own paths are the same for
                // every token: not listed (it still counts in the answers).
                let own = |names: &[String]| -> Vec<String> {
                    names.iter().filter(|n| *n != "default").cloned().collect()
                };
                paths.extend(paths_of(&own(&before_names), &before_text));
                paths.extend(paths_of(&own(&after_names), &after_text));
            }
            let before = acl(&before_names, &before_text);
            let after = acl(&after_names, &after_text);
            let principal = crate::kinds::Address::new(kind, key.clone()).to_string();
            for path in paths {
                let b = if before_names.is_empty() {
                    BTreeSet::from(["deny".to_string()])
                } else {
                    before.decide(&path).capabilities
                };
                let a = after.decide(&path).capabilities;
                if a != b {
                    out.push(AccessChange {
                        principal: principal.clone(),
                        path,
                        before: b.into_iter().collect(),
                        after: a.into_iter().collect(),
                    });
                }
            }
        }
    }
    out.truncate(MAX_ACCESS_CHANGES);
    out
}

/// Groups access changes by principal (for renderers).
pub fn by_principal(changes: &[AccessChange]) -> BTreeMap<&str, Vec<&AccessChange>> {
    let mut m: BTreeMap<&str, Vec<&AccessChange>> = BTreeMap::new();
    for c in changes {
        m.entry(c.principal.as_str()).or_default().push(c);
    }
    m
}
