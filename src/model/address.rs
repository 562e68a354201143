//! What names a resource: its [`Kind`] and its [`Address`].
//!
//! A kind is a name and a dependency rank, both fixed by the kind's folder
//! (`kinds/<kind>/`). Which kinds exist is the registry's business
//! (`kinds::registry`): parsing a kind's name, and with it deserialising an
//! address, is implemented there.

use std::cmp::Ordering;
use std::fmt;

/// The kind of a managed resource. Kinds sort by rank, the order in which
/// apply creates them (lower first; deletions run the other way), then name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Kind {
    rank: u16,
    name: &'static str,
}

impl Kind {
    /// A kind: `rank` orders creation (a kind's dependencies have lower
    /// ranks), `name` is the word used in addresses (`policy`, `approle`).
    pub const fn new(rank: u16, name: &'static str) -> Self {
        Self { rank, name }
    }

    /// The word used in addresses.
    pub fn as_str(self) -> &'static str {
        self.name
    }

    /// The dependency rank.
    pub fn rank(self) -> u16 {
        self.rank
    }
}

/// Whether `a` and `b` are one string in memory: a kind's name is the same
/// `&'static str` wherever the kind is copied, so two addresses of one kind
/// order without reading their kind's name (maps of 30,000 addresses
/// compare kinds hundreds of thousands of times).
fn same_str(a: &'static str, b: &'static str) -> bool {
    std::ptr::eq(a, b)
}

impl Ord for Kind {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank.cmp(&other.rank).then_with(|| {
            if same_str(self.name, other.name) {
                Ordering::Equal
            } else {
                super::store::name_order(self.name, other.name)
            }
        })
    }
}

impl PartialOrd for Kind {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name)
    }
}

/// A resource's address, `<kind>.<name>`: `mount.secret`, `policy.user-policy`,
/// `approle.approle/user`, `kv.secret/user_db`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Address {
    /// What kind of resource.
    pub kind: Kind,
    /// Its name within the kind: a path, a policy name, or `<mount>/<role>`.
    pub name: String,
}

/// By kind, then by name in [`super::store::name_order`] (which is `str`'s).
/// The names of `kind`'s addresses in `set`, in name order: addresses order
/// by kind first, so the kind's are one run, from its empty name on.
pub fn names_of_kind(
    set: &std::collections::BTreeSet<Address>,
    kind: Kind,
) -> impl Iterator<Item = &String> {
    set.range(Address::new(kind, String::new())..)
        .take_while(move |a| a.kind == kind)
        .map(|a| &a.name)
}

impl Ord for Address {
    fn cmp(&self, other: &Self) -> Ordering {
        self.kind
            .cmp(&other.kind)
            .then_with(|| super::store::name_order(&self.name, &other.name))
    }
}

impl PartialOrd for Address {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Address {
    /// Builds an address.
    pub fn new(kind: Kind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
        }
    }

    /// For names of the form `<mount>/<item>` (roles, credentials, settings
    /// of a mount's items), `(<mount>, <item>)`: split on the last `/`, since
    /// mounts may be nested (`team/approle/web`).
    pub fn mount_and_role(&self) -> Option<(&str, &str)> {
        self.name.rsplit_once('/')
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind, self.name)
    }
}

impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_order_by_rank_then_name_whether_or_not_their_names_are_one_string() {
        let name = String::from("policy");
        let leaked: &'static str = Box::leak(name.into_boxed_str());
        let (a, b) = (Kind::new(3, "policy"), Kind::new(3, leaked));
        assert_eq!(a.cmp(&b), Ordering::Equal);
        assert_eq!(a, b);
        assert_eq!(Kind::new(3, "a").cmp(&Kind::new(3, "b")), Ordering::Less);
        assert_eq!(Kind::new(2, "z").cmp(&Kind::new(3, "a")), Ordering::Less);
        assert_eq!(
            Address::new(a, "x").cmp(&Address::new(b, "y")),
            Ordering::Less
        );
    }
}
