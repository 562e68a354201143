//! Live state, as far as the plan needs it: read by `live::read`; plain data.

use super::address::{Address, Kind};
use super::store::Items;
use crate::secret::FingerprintKey;
use std::collections::{BTreeMap, BTreeSet};

/// What vaultform manages, from the ownership record inside Vault.
#[derive(Clone, Debug, Default)]
pub struct Managed {
    /// Managed addresses.
    pub addresses: BTreeSet<Address>,
    /// The record's KV version (0 when there is none yet).
    pub version: u64,
    /// Whether the record's mount exists.
    pub mount_exists: bool,
    /// The key for saved plans' fingerprints, kept beside the record.
    pub fingerprint_key: Option<FingerprintKey>,
    /// Other manifests' records, by manifest name (only those that exist).
    pub others: BTreeMap<String, Record>,
}

/// One manifest's ownership record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// The addresses it claims.
    pub addresses: BTreeSet<Address>,
    /// Its KV version (0 when it does not exist).
    pub version: u64,
}

impl Managed {
    /// The other manifest whose record claims `address`, if any.
    pub fn owner_elsewhere(&self, address: &Address) -> Option<&str> {
        self.others
            .iter()
            .find(|(_, r)| r.addresses.contains(address))
            .map(|(n, _)| n.as_str())
    }

    /// The managed names of `kind`.
    pub fn names(&self, kind: Kind) -> impl Iterator<Item = &String> {
        super::address::names_of_kind(&self.addresses, kind)
    }
}

/// Live state.
#[derive(Clone, Debug, Default)]
pub struct Live {
    /// Resources read, by kind and name, each kind's own type.
    pub items: Items,
    /// Every name the server lists, for kinds that are listed (all mounts,
    /// every policy, the roles on the mounts vaultform uses): what exists
    /// beyond what was read, for adoption and unmanaged reports.
    pub listed: BTreeMap<Kind, BTreeSet<String>>,
    /// Other facts a kind keeps about the server (the secret paths of a KV
    /// mount, ...), by kind and a name of the kind's choosing.
    pub facts: Items,
    /// The ownership record.
    pub managed: Managed,
    /// Keyed fingerprints of the write-only values this manifest last wrote.
    pub write_only: WriteOnly,
    /// What this manifest last knew of the resources it wrote or read.
    pub known: Known,
    /// Read everything the server has, not only what the manifest declares
    /// or manages (`vaultform import`).
    pub everything: bool,
    /// When reading everything: the requests the token may not make
    /// (`LIST auth/x/role`), skipped instead of failing the whole read.
    pub unreadable: Vec<String>,
}

/// What vaultform knows of values the server never returns (a userpass
/// password): the keyed fingerprint (HMAC with the fingerprint key kept
/// beside the ownership record) of the value it last wrote, by
/// `<address>#<field>`, kept in Vault beside the ownership record. Never a
/// value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteOnly {
    /// Fingerprints by `<address>#<field>`.
    pub fingerprints: BTreeMap<String, String>,
    /// The record's KV version (0 when there is none).
    pub version: u64,
}

impl WriteOnly {
    /// The key of one field of one resource.
    pub fn key(address: &Address, field: &str) -> String {
        format!("{address}#{field}")
    }
}

/// What vaultform last knew of resources it wrote or read, so that a plan
/// can tell from a bulk listing (one `SCAN` of a KV v2 mount's metadata) that
/// a resource has not changed since, and skip reading it. One entry per
/// address, of the kind's own making (a KV secret: its version, that
/// version's `created_time` and a keyed fingerprint of the declared values);
/// kept in Vault beside the ownership record. Never a value.
///
/// An entry only ever says "version V, created at T, held what the manifest
/// declared when its values had fingerprint F": versions are immutable, so an
/// entry stays true whatever happens later, and a kind reads the resource
/// whenever the server shows anything else.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Known {
    /// Entries by address.
    pub entries: BTreeMap<Address, String>,
    /// The record's KV version (0 when there is none).
    pub version: u64,
}

impl Live {
    /// The names the server lists for `kind`.
    pub fn listed(&self, kind: Kind) -> impl Iterator<Item = &String> {
        self.listed.get(&kind).into_iter().flatten()
    }

    /// Whether the server lists `name` for `kind`.
    pub fn is_listed(&self, kind: Kind, name: &str) -> bool {
        self.listed.get(&kind).is_some_and(|s| s.contains(name))
    }

    /// Whether `kind`'s `name` exists: read, or listed.
    pub fn exists(&self, kind: Kind, name: &str) -> bool {
        self.items.contains(kind, name) || self.is_listed(kind, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_names_are_one_kinds_in_name_order() {
        let managed = Managed {
            addresses: [
                Address::new(Kind::APPROLE, "approle/b"),
                Address::new(Kind::POLICY, "z"),
                Address::new(Kind::APPROLE, "approle/a"),
                Address::new(Kind::MOUNT, "kv"),
                Address::new(Kind::POLICY, "a"),
            ]
            .into_iter()
            .collect(),
            ..Managed::default()
        };
        let names = |kind| managed.names(kind).map(String::as_str).collect::<Vec<_>>();
        assert_eq!(names(Kind::POLICY), ["a", "z"]);
        assert_eq!(names(Kind::APPROLE), ["approle/a", "approle/b"]);
        assert_eq!(names(Kind::MOUNT), ["kv"]);
        assert!(names(Kind::AUTH).is_empty());
    }
}
