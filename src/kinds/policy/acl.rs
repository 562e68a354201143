//! Offline evaluation of ACL policies: which capabilities a set of policies
//! grants on a path, and which rule decided it, following the server's rules
//! (checked against OpenBao's `sys/capabilities` by `tests/policy_eval.rs`):
//!
//! 1. Rules with the same path (exact, `*`-prefix or `+`-segment, as written)
//!    are merged across policies: capabilities add up, and a `deny` on one of
//!    them leaves only `deny`.
//! 2. An exact rule for the path decides; for a path ending in `/`, an exact
//!    rule for the path without it (the server asks as for a list).
//! 3. Otherwise the matching glob rules (`prefix*`, and paths with `+`
//!    segments) are ranked and the highest decides: the first `+` or `*` later
//!    in the rule wins; then a rule not ending in `*`; then fewer `+`; then the
//!    longer rule; then the lexicographically greater.
//! 4. For a path ending in `/` that no glob rule matches, steps 3 is tried
//!    again without the `/` (measured).
//! 5. No rule: `deny`.
//!
//! Templated rules (`{{identity.entity.id}}`) apply only to tokens with an
//! identity entity; the principals evaluated here have none, so they are
//! skipped (and reported as such). Pure; no I/O.

use super::lint::{self, Rule};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// The built-in `default` policy of OpenBao 2.7.2, as `sys/policies/acl/default`
/// returns it on a new server (a test compares it with the live one).
pub const DEFAULT_POLICY: &str = include_str!("default-openbao-2.7.2.hcl");

/// Where a rule comes from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Origin {
    /// The policy's name.
    pub policy: String,
    /// Its file (`None` for the built-in `default`).
    pub file: Option<String>,
    /// The rule's line in it.
    pub line: usize,
}

/// How a rule matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    /// The rule is the path itself.
    Exact,
    /// A `prefix*` rule.
    Glob,
    /// A rule with `+` segments.
    Segment,
}

/// The answer for one path.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    /// Capabilities granted; `["deny"]` when none.
    pub capabilities: BTreeSet<String>,
    /// The rule that decided, as written (`None`: no rule matched).
    pub rule: Option<String>,
    /// How it matched.
    pub matched: Option<Match>,
    /// The policy rules merged into it.
    pub origins: Vec<Origin>,
}

#[derive(Clone, Debug, Default)]
struct Merged {
    caps: BTreeSet<String>,
    origins: Vec<Origin>,
}

impl Merged {
    fn add(&mut self, caps: &BTreeSet<String>, origin: Origin) {
        self.origins.push(origin);
        if self.caps.contains("deny") {
            return;
        }
        if caps.contains("deny") {
            self.caps = BTreeSet::from(["deny".to_string()]);
        } else {
            self.caps.extend(caps.iter().cloned());
        }
    }
}

/// A set of policies, merged.
#[derive(Clone, Debug, Default)]
pub struct Acl {
    exact: BTreeMap<String, Merged>,
    /// Keyed by the rule without its trailing `*`.
    prefix: BTreeMap<String, Merged>,
    /// Keyed by the rule as written.
    segment: BTreeMap<String, Merged>,
    /// Templated rules that were skipped.
    pub templated: Vec<Origin>,
}

impl Acl {
    /// Merges policies: `(name, file, text)`. Texts that do not parse are skipped.
    pub fn new<'a>(policies: impl IntoIterator<Item = (&'a str, Option<&'a str>, &'a str)>) -> Acl {
        let mut acl = Acl::default();
        for (name, file, text) in policies {
            for rule in lint::rules(text).unwrap_or_default() {
                acl.insert(name, file, rule);
            }
        }
        acl
    }

    /// Merges the already parsed rules of one policy.
    pub fn add_rules(&mut self, name: &str, file: Option<&str>, rules: &[Rule]) {
        for rule in rules {
            self.insert(name, file, rule.clone());
        }
    }

    fn insert(&mut self, name: &str, file: Option<&str>, rule: Rule) {
        let origin = Origin {
            policy: name.to_string(),
            file: file.map(str::to_string),
            line: rule.line,
        };
        if rule.path.contains("{{") {
            self.templated.push(origin);
            return;
        }
        let (tree, key) = if rule.path.contains('+') {
            (&mut self.segment, rule.path.clone())
        } else if let Some(p) = rule.path.strip_suffix('*') {
            (&mut self.prefix, p.to_string())
        } else {
            (&mut self.exact, rule.path.clone())
        };
        tree.entry(key).or_default().add(&rule.capabilities, origin);
    }

    /// What the policies grant on `path` (as `sys/capabilities` answers).
    pub fn decide(&self, path: &str) -> Decision {
        let decided = |m: &Merged, rule: String, matched: Match| Decision {
            capabilities: if m.caps.is_empty() {
                BTreeSet::from(["deny".to_string()])
            } else {
                m.caps.clone()
            },
            rule: Some(rule),
            matched: Some(matched),
            origins: m.origins.clone(),
        };
        if let Some(m) = self.exact.get(path) {
            return decided(m, path.to_string(), Match::Exact);
        }
        if let Some(trimmed) = path.strip_suffix('/')
            && let Some(m) = self.exact.get(trimmed)
        {
            return decided(m, trimmed.to_string(), Match::Exact);
        }
        let found = self
            .glob(path)
            .or_else(|| path.strip_suffix('/').and_then(|p| self.glob(p)));
        match found {
            Some((rule, m, matched)) => decided(m, rule, matched),
            None => Decision {
                capabilities: BTreeSet::from(["deny".to_string()]),
                rule: None,
                matched: None,
                origins: Vec::new(),
            },
        }
    }

    /// The highest-ranked glob rule (prefix or `+`) matching `path`.
    fn glob(&self, path: &str) -> Option<(String, &Merged, Match)> {
        let mut best: Option<(String, &Merged, Match)> = None;
        // The longest matching prefix rule.
        if let Some((k, m)) = self
            .prefix
            .iter()
            .filter(|(k, _)| path.starts_with(k.as_str()))
            .max_by_key(|(k, _)| k.len())
        {
            best = Some((format!("{k}*"), m, Match::Glob));
        }
        for (rule, m) in &self.segment {
            if !segment_match(rule, path) {
                continue;
            }
            let better = match &best {
                None => true,
                Some((current, _, _)) => priority(rule, current) == Ordering::Greater,
            };
            if better {
                best = Some((rule.clone(), m, Match::Segment));
            }
        }
        best
    }
}

/// Whether a rule with `+` segments (and perhaps a trailing `*`) matches.
fn segment_match(rule: &str, path: &str) -> bool {
    let (rule, is_prefix) = match rule.strip_suffix('*') {
        Some(r) => (r, true),
        None => (rule, false),
    };
    let want: Vec<&str> = rule.split('/').collect();
    let have: Vec<&str> = path.split('/').collect();
    if have.len() < want.len() || (!is_prefix && have.len() != want.len()) {
        return false;
    }
    want.iter().enumerate().all(|(i, w)| {
        *w == "+" || *w == have[i] || (is_prefix && i == want.len() - 1 && have[i].starts_with(w))
    })
}

/// Whether rule `a` ranks above (`Greater`) or below rule `b` when both match.
pub fn priority(a: &str, b: &str) -> Ordering {
    let first = |s: &str| s.find(['+', '*']).unwrap_or(s.len());
    first(a)
        .cmp(&first(b))
        .then_with(|| b.ends_with('*').cmp(&a.ends_with('*')))
        .then_with(|| b.matches('+').count().cmp(&a.matches('+').count()))
        .then_with(|| a.len().cmp(&b.len()))
        .then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acl(policies: &[(&str, &str)]) -> Acl {
        Acl::new(policies.iter().map(|(n, t)| (*n, None, *t)))
    }

    fn caps(d: &Decision) -> Vec<&str> {
        d.capabilities.iter().map(String::as_str).collect()
    }

    #[test]
    fn exact_beats_glob_and_longest_prefix_wins() {
        let a = acl(&[(
            "p",
            "path \"secret/*\" { capabilities = [\"read\"] }\npath \"secret/data/*\" { capabilities = [\"list\"] }\npath \"secret/data/x\" { capabilities = [\"update\"] }",
        )]);
        assert_eq!(caps(&a.decide("secret/data/x")), ["update"]);
        assert_eq!(caps(&a.decide("secret/data/y")), ["list"]);
        assert_eq!(caps(&a.decide("secret/other")), ["read"]);
        assert_eq!(caps(&a.decide("other")), ["deny"]);
        assert_eq!(a.decide("secret/data/x").origins[0].line, 3);
    }

    #[test]
    fn deny_wins_on_the_same_rule_only() {
        let a = acl(&[
            (
                "a",
                "path \"secret/*\" { capabilities = [\"read\"] }\npath \"secret/x\" { capabilities = [\"read\"] }",
            ),
            ("b", "path \"secret/*\" { capabilities = [\"deny\"] }"),
        ]);
        assert_eq!(caps(&a.decide("secret/y")), ["deny"]);
        assert_eq!(caps(&a.decide("secret/x")), ["read"]);
    }

    #[test]
    fn segment_wildcards_rank_by_the_servers_rules() {
        let a = acl(&[(
            "p",
            "path \"secret/+/x\" { capabilities = [\"read\"] }\npath \"secret/a/*\" { capabilities = [\"list\"] }\npath \"secret/+/+\" { capabilities = [\"update\"] }",
        )]);
        // secret/a/* has its glob later than secret/+/x's `+`.
        assert_eq!(caps(&a.decide("secret/a/x")), ["list"]);
        assert_eq!(caps(&a.decide("secret/b/x")), ["read"]);
        assert_eq!(caps(&a.decide("secret/b/y")), ["update"]);
        assert_eq!(caps(&a.decide("secret/b/y/z")), ["deny"]);
    }

    #[test]
    fn legacy_and_templated_rules() {
        let a = acl(&[(
            "p",
            "path \"x\" { policy = \"write\" }\npath \"id/{{identity.entity.id}}\" { capabilities = [\"read\"] }",
        )]);
        assert_eq!(
            caps(&a.decide("x")),
            ["create", "delete", "list", "read", "update"]
        );
        assert_eq!(a.templated.len(), 1);
    }

    #[test]
    fn the_servers_lenient_readings_evaluate_as_measured() {
        // Measured with sys/capabilities on OpenBao 2.7.2.
        let a = acl(&[("p", "path \"a\" \"b\" { capabilities = [\"read\"] }")]);
        assert_eq!(caps(&a.decide("a")), ["read"]);
        assert_eq!(caps(&a.decide("a/b")), ["deny"]);
        let a = acl(&[(
            "p",
            "path \"x\" {\n  capabilities = [\"read\"]\n  capabilities = [\"list\"]\n}",
        )]);
        assert_eq!(caps(&a.decide("x")), ["list", "read"]);
        let a = acl(&[("p", "path { capabilities = [\"update\"] }")]);
        assert_eq!(caps(&a.decide("path")), ["update"]);
        let a = acl(&[("p", "{\"path\": {\"j\": {\"capabilities\": [\"read\"]}}")]);
        assert_eq!(caps(&a.decide("j")), ["read"]);
    }

    #[test]
    fn the_default_policy_parses() {
        let a = acl(&[("default", DEFAULT_POLICY)]);
        assert_eq!(caps(&a.decide("auth/token/lookup-self")), ["read"]);
        assert_eq!(
            caps(&a.decide("cubbyhole/x")),
            ["create", "delete", "list", "read", "update"]
        );
    }
}
