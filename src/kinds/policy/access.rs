//! What a plan's policy and role changes do to access: for every role whose
//! policies or policy texts change, the capabilities it has on each path the
//! changed rules name, before (the server's policies and role) and after (the
//! manifest's). Pure; evaluated as the server does (`kinds::policy::acl`).

use super::acl::{Acl, DEFAULT_POLICY};
use super::lint::{self, Rule};
use super::model::{DesiredPolicy, LivePolicy};
use crate::kinds::role::{DesiredRole, LiveRole};
use crate::model::plan::{AccessChange, Action, Change};
use crate::model::{Desired, Kind, Live};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// Parsed rules by (after the plan?, policy name).
type RuleCache = BTreeMap<(bool, String), Rc<Vec<Rule>>>;

/// The most access lines a plan lists (a sweeping change is summarised).
pub const MAX_ACCESS_CHANGES: usize = 200;

fn role_policies(fields: impl Fn(&str) -> Option<Vec<String>>, no_default: bool) -> Vec<String> {
    super::checks::with_default(
        fields("token_policies").unwrap_or_default(),
        no_default,
    )
}

/// Access changes implied by `changes`.
pub fn changes(desired: &Desired, live: &Live, changes: &[Change]) -> Vec<AccessChange> {
    let changed_policies: BTreeSet<&str> = changes
        .iter()
        .filter(|c| c.address.kind == Kind::POLICY)
        .map(|c| c.address.name.as_str())
        .collect();
    let changed_roles: BTreeSet<(Kind, &str)> = changes
        .iter()
        .filter(|c| matches!(c.address.kind, Kind::APPROLE | Kind::KUBERNETES_ROLE))
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
    // Each policy text is parsed once per side, however many roles use it
    // (a cold apply creates every policy and every role).
    let cache: std::cell::RefCell<RuleCache> = Default::default();
    let rules = |after: bool, name: &str| -> Rc<Vec<Rule>> {
        if let Some(r) = cache.borrow().get(&(after, name.to_string())) {
            return r.clone();
        }
        let text = match (name, after) {
            ("default", _) => Some(DEFAULT_POLICY),
            (_, false) => live
                .items
                .get::<LivePolicy>(Kind::POLICY, name)
                .map(|p| p.text.as_str()),
            (_, true) => desired
                .items
                .get::<DesiredPolicy>(Kind::POLICY, name)
                .map(|p| p.text.as_str()),
        };
        let parsed = Rc::new(text.and_then(lint::rules).unwrap_or_default());
        cache
            .borrow_mut()
            .insert((after, name.to_string()), parsed.clone());
        parsed
    };
    let acl = |names: &[String], after: bool| {
        let mut acl = Acl::default();
        for n in names {
            acl.add_rules(n, None, &rules(after, n));
        }
        acl
    };
    let paths_of = |names: &[String], after: bool| -> BTreeSet<String> {
        names
            .iter()
            .flat_map(|n| {
                rules(after, n)
                    .iter()
                    .map(|r| r.path.clone())
                    .collect::<Vec<_>>()
            })
            .filter(|p| !p.contains("{{"))
            .collect()
    };
    let mut out = Vec::new();
    for kind in [Kind::APPROLE, Kind::KUBERNETES_ROLE] {
        for (key, d) in desired.items.iter::<DesiredRole>(kind) {
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
            let before_names = match live.items.get::<LiveRole>(kind, key) {
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
            let mut paths = paths_of(&touches, false);
            paths.extend(paths_of(&touches, true));
            if role_changed {
                // The built-in default policy's own paths are the same for
                // every token: not listed (it still counts in the answers).
                let own = |names: &[String]| -> Vec<String> {
                    names.iter().filter(|n| *n != "default").cloned().collect()
                };
                paths.extend(paths_of(&own(&before_names), false));
                paths.extend(paths_of(&own(&after_names), true));
            }
            if out.len() >= MAX_ACCESS_CHANGES {
                break;
            }
            let before = acl(&before_names, false);
            let after = acl(&after_names, true);
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
