//! Finding kinds in [`REGISTRY`](super::REGISTRY) (declared in `kinds/mod.rs`,
//! one line per kind folder): by name, for addresses, in dependency order.

use super::contract::KindDef;
use crate::model::{Address, Kind};

/// Every kind's contract, in dependency order.
pub fn all() -> impl DoubleEndedIterator<Item = &'static dyn KindDef> {
    super::REGISTRY.iter().copied()
}

/// The contract of `kind`.
pub fn def(kind: Kind) -> Option<&'static dyn KindDef> {
    // The registry is in rank order (a test below checks it): every
    // address of the ownership record and the plan looks its kind up here.
    let at = super::REGISTRY
        .binary_search_by_key(&kind.rank(), |d| d.kind().rank())
        .ok()?;
    super::REGISTRY
        .get(at)
        .copied()
        .filter(|d| d.kind() == kind)
}

impl Kind {
    /// The kind named by an address prefix.
    pub fn from_name(name: &str) -> Option<Kind> {
        all().map(|d| d.kind()).find(|k| k.as_str() == name)
    }

    /// Every kind, in dependency order.
    pub fn all() -> impl DoubleEndedIterator<Item = Kind> {
        all().map(|d| d.kind())
    }
}

impl Address {
    /// Parses `<kind>.<name>`. The name must be valid for its kind
    /// ([`KindDef::check_name`]): addresses from the ownership record, saved
    /// plans and `--target` name only what the manifest itself could declare,
    /// so no request is ever built from an unchecked name.
    pub fn parse(text: &str) -> Option<Self> {
        let (kind, name) = text.split_once('.')?;
        let def = all().find(|d| d.kind().as_str() == kind)?;
        def.check_name(name).ok()?;
        Some(Self::new(def.kind(), name))
    }
}

impl<'de> serde::Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Address::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid address `{text}`")))
    }
}

impl<'de> serde::Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Kind::from_name(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown kind `{text}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn kinds_are_in_rank_order_with_unique_names_and_ranks() {
        let kinds: Vec<Kind> = Kind::all().collect();
        assert!(
            kinds.windows(2).all(|w| w[0].rank() < w[1].rank()),
            "{kinds:?}"
        );
        let names: BTreeSet<&str> = kinds.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), kinds.len());
        for k in &kinds {
            assert_eq!(Kind::from_name(k.as_str()), Some(*k));
            assert_eq!(def(*k).map(|d| d.kind()), Some(*k));
            assert!(
                k.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{k}"
            );
        }
    }

    #[test]
    fn addresses_parse_only_names_their_kind_accepts() {
        assert!(Address::parse("approle.team/approle/web").is_some());
        assert!(Address::parse("approle.approle").is_none());
        assert!(Address::parse("kv.secret").is_none());
        assert!(Address::parse("kv.secret/a/../../../sys/mounts/important").is_none());
        assert!(Address::parse("policy.../x").is_none());
        assert!(Address::parse("nokind.x").is_none());
        // A known rank under another name is not a kind.
        assert!(def(Kind::new(Kind::POLICY.rank(), "other")).is_none());
        let a: Address = serde_json::from_str("\"mount.secret\"").expect("parses");
        assert_eq!(a, Address::new(Kind::MOUNT, "secret"));
    }
}
