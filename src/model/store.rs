//! [`Items`]: resources of every kind, each kind's values of its own type.
//!
//! The desired and live states keep every kind's resources here, keyed by
//! kind and name, so that adding a kind adds no field anywhere: a kind stores
//! and finds its own type (`DesiredPolicy`, `LiveRole`, ...), and code that
//! does not know the kind sees only names. Asking for a kind's values with
//! another type finds nothing (a registry test checks every kind's types).

use super::address::Kind;
use indexmap::IndexMap;
use std::any::Any;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

/// The order of two names: their bytes' (which is `str`'s), compared eight
/// bytes at a time. The names of one kind share long prefixes (`svc-1234-`,
/// `bench/svc-`), where the `memcmp` call that `str`'s order makes per
/// comparison costs more than the comparison: addresses order by it (the
/// ownership record's sets), and the store checks and sorts its names by it.
pub fn name_order(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len().min(b.len());
    let (mut x, mut y) = (&a[..n], &b[..n]);
    while let (Some(cx), Some(cy)) = (x.first_chunk::<8>(), y.first_chunk::<8>()) {
        if cx != cy {
            // Big-endian: the first differing byte decides, as in `memcmp`.
            return u64::from_be_bytes(*cx).cmp(&u64::from_be_bytes(*cy));
        }
        (x, y) = (&x[8..], &y[8..]);
    }
    for (p, q) in x.iter().zip(y) {
        if p != q {
            return p.cmp(q);
        }
    }
    a.len().cmp(&b.len())
}

/// A value a kind stores: any plain data that can be cloned and printed.
pub trait Item: Any + Send + Sync + fmt::Debug {
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn Item>;
    /// As `Any`, to find the concrete type.
    fn as_any(&self) -> &(dyn Any + 'static);
    /// As mutable `Any`.
    fn as_any_mut(&mut self) -> &mut (dyn Any + 'static);
}

impl<T: Any + Send + Sync + fmt::Debug + Clone> Item for T {
    fn clone_box(&self) -> Box<dyn Item> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &(dyn Any + 'static) {
        self
    }
    fn as_any_mut(&mut self) -> &mut (dyn Any + 'static) {
        self
    }
}

/// A list of unique names in [`name_order`].
pub type Names<'a> = Box<dyn Iterator<Item = &'a str> + 'a>;

/// Walks `N` lists of unique names in [`name_order`] at once: every name
/// once, in that order, with the lists it is in. One pass, without the
/// copies and the sort of collecting them into a set.
pub fn merged<'a, const N: usize>(
    lists: [Names<'a>; N],
) -> impl Iterator<Item = (&'a str, [bool; N])> {
    let mut lists = lists.map(Iterator::peekable);
    std::iter::from_fn(move || {
        let least = lists
            .iter_mut()
            .filter_map(|l| l.peek().copied())
            .min_by(|a, b| name_order(a, b))?;
        let found = std::array::from_fn(|i| lists[i].next_if_eq(&least).is_some());
        Some((least, found))
    })
}

/// The names of two lists of unique names in [`name_order`] (a kind's
/// declared and managed names, say), each once, in that order ([`merged`]).
pub fn union<'a>(
    a: impl Iterator<Item = &'a String> + 'a,
    b: impl Iterator<Item = &'a String> + 'a,
) -> impl Iterator<Item = &'a str> + 'a {
    merged([
        Box::new(a.map(String::as_str)),
        Box::new(b.map(String::as_str)),
    ])
    .map(|(n, _)| n)
}

/// One kind's items: found by hashing their names, walked in name order.
#[derive(Default)]
struct Named {
    map: IndexMap<String, Box<dyn Item>, foldhash::fast::RandomState>,
    /// Whether `map` is out of name order. Items usually come in order (a
    /// manifest's tables, a server's lists, a record), and stay in order
    /// when each new name sorts after the last one.
    unsorted: bool,
    /// When out of order: the entries' indices in name order, made by the
    /// first walk after a change.
    order: OnceLock<Vec<usize>>,
}

impl Named {
    fn insert(&mut self, name: String, value: Box<dyn Item>) {
        let (at, old) = self.map.insert_full(name, value);
        if old.is_none() {
            // A new name, last: out of order unless it sorts after the one before.
            if !self.unsorted
                && let Some((before, _)) = at.checked_sub(1).and_then(|b| self.map.get_index(b))
                && let Some((new, _)) = self.map.get_index(at)
                && name_order(before, new) != Ordering::Less
            {
                self.unsorted = true;
            }
            self.order.take();
        }
    }

    fn remove(&mut self, name: &str) -> bool {
        match self.map.swap_remove_full(name) {
            Some((i, _, _)) => {
                // The last entry moved into the hole, unless it was the one removed.
                if i < self.map.len() {
                    self.unsorted = true;
                }
                self.order.take();
                true
            }
            None => false,
        }
    }

    /// The entries in name order.
    fn walk(&self) -> impl Iterator<Item = (&String, &Box<dyn Item>)> {
        let order = self.unsorted.then(|| {
            self.order
                .get_or_init(|| {
                    let mut order: Vec<usize> = (0..self.map.len()).collect();
                    order.sort_unstable_by(|&a, &b| {
                        let name = |i| self.map.get_index(i).map_or("", |(n, _)| n.as_str());
                        name_order(name(a), name(b))
                    });
                    order
                })
                .as_slice()
        });
        (0..self.map.len()).filter_map(move |i| {
            let at = match order {
                Some(order) => *order.get(i)?,
                None => i,
            };
            self.map.get_index(at)
        })
    }

    /// The entries in name order, mutable: puts `map` in order first.
    fn walk_mut(&mut self) -> impl Iterator<Item = (&String, &mut Box<dyn Item>)> {
        if self.unsorted {
            self.map.sort_by(|a, _, b, _| name_order(a, b));
            self.unsorted = false;
            self.order.take();
        }
        self.map.iter_mut()
    }
}

/// Resources by kind, then by name; each kind's values of its own type.
#[derive(Default)]
pub struct Items {
    by_kind: BTreeMap<Kind, Named>,
}

impl Clone for Items {
    fn clone(&self) -> Self {
        Self {
            by_kind: self
                .by_kind
                .iter()
                .map(|(k, m)| {
                    let named = Named {
                        map: m
                            .map
                            .iter()
                            .map(|(n, v)| (n.clone(), (**v).clone_box()))
                            .collect(),
                        unsorted: m.unsorted,
                        order: m.order.clone(),
                    };
                    (*k, named)
                })
                .collect(),
        }
    }
}

impl fmt::Debug for Items {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, items) in &self.by_kind {
            for (n, v) in items.walk() {
                m.entry(&format_args!("{k}.{n}"), v);
            }
        }
        m.finish()
    }
}

impl Items {
    /// Stores `value` as `kind`'s item `name` (replacing any).
    pub fn insert<T: Item>(&mut self, kind: Kind, name: impl Into<String>, value: T) {
        self.by_kind
            .entry(kind)
            .or_default()
            .insert(name.into(), Box::new(value));
    }

    /// `kind`'s item `name`, if there is one of type `T`.
    pub fn get<T: Item>(&self, kind: Kind, name: &str) -> Option<&T> {
        let item: &dyn Item = self.by_kind.get(&kind)?.map.get(name)?.as_ref();
        item.as_any().downcast_ref::<T>()
    }

    /// `kind`'s item `name`, mutable.
    pub fn get_mut<T: Item>(&mut self, kind: Kind, name: &str) -> Option<&mut T> {
        let item: &mut dyn Item = self.by_kind.get_mut(&kind)?.map.get_mut(name)?.as_mut();
        item.as_any_mut().downcast_mut::<T>()
    }

    /// Whether `kind` has an item `name` (of any type).
    pub fn contains(&self, kind: Kind, name: &str) -> bool {
        self.by_kind
            .get(&kind)
            .is_some_and(|m| m.map.contains_key(name))
    }

    /// Removes `kind`'s item `name`; whether there was one.
    pub fn remove(&mut self, kind: Kind, name: &str) -> bool {
        self.by_kind.get_mut(&kind).is_some_and(|m| m.remove(name))
    }

    /// `kind`'s items of type `T`, by name.
    pub fn iter<T: Item>(&self, kind: Kind) -> impl Iterator<Item = (&String, &T)> {
        self.by_kind
            .get(&kind)
            .into_iter()
            .flat_map(Named::walk)
            .filter_map(|(n, v)| Some((n, v.as_ref().as_any().downcast_ref::<T>()?)))
    }

    /// `kind`'s items of type `T`, mutable.
    pub fn iter_mut<T: Item>(&mut self, kind: Kind) -> impl Iterator<Item = (&String, &mut T)> {
        self.by_kind
            .get_mut(&kind)
            .into_iter()
            .flat_map(Named::walk_mut)
            .filter_map(|(n, v)| Some((n, v.as_mut().as_any_mut().downcast_mut::<T>()?)))
    }

    /// The names of `kind`'s items, sorted.
    pub fn names(&self, kind: Kind) -> impl Iterator<Item = &String> {
        self.by_kind
            .get(&kind)
            .into_iter()
            .flat_map(Named::walk)
            .map(|(n, _)| n)
    }

    /// How many items `kind` has.
    pub fn len(&self, kind: Kind) -> usize {
        self.by_kind.get(&kind).map_or(0, |m| m.map.len())
    }

    /// Whether there are no items at all.
    pub fn is_empty(&self) -> bool {
        self.by_kind.values().all(|m| m.map.is_empty())
    }

    /// Every kind that has items.
    pub fn kinds(&self) -> impl Iterator<Item = Kind> + '_ {
        self.by_kind
            .iter()
            .filter(|(_, m)| !m.map.is_empty())
            .map(|(k, _)| *k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The store's order is `str`'s: for any names, and for names that
        /// share a prefix longer than a chunk (the common case).
        #[test]
        fn name_order_is_the_order_of_str(
            a in "\\PC{0,20}",
            b in "\\PC{0,20}",
            prefix in "[a-z/-]{0,17}",
        ) {
            prop_assert_eq!(name_order(&a, &b), a.cmp(&b));
            let (pa, pb) = (format!("{prefix}{a}"), format!("{prefix}{b}"));
            prop_assert_eq!(name_order(&pa, &pb), pa.cmp(&pb));
            prop_assert_eq!(name_order(&pa, &prefix), pa.as_str().cmp(prefix.as_str()));
        }

        /// The union of two sorted lists is the union of their sets.
        #[test]
        fn union_is_the_set_union(
            a in proptest::collection::btree_set("[a-c]{0,10}", 0..12),
            b in proptest::collection::btree_set("[a-c]{0,10}", 0..12),
        ) {
            let got: Vec<&str> = union(a.iter(), b.iter()).collect();
            let want: Vec<&str> = a.union(&b).map(String::as_str).collect();
            prop_assert_eq!(got, want);
        }
    }

    fn list<'a>(names: &'a [&'a str]) -> Names<'a> {
        Box::new(names.iter().copied())
    }

    #[test]
    fn the_merge_gives_every_name_once_in_order_with_its_lists() {
        let got: Vec<(&str, [bool; 3])> = merged([
            list(&["a", "c", "e"]),
            list(&[]),
            list(&["b", "c", "e", "f"]),
        ])
        .collect();
        assert_eq!(
            got,
            [
                ("a", [true, false, false]),
                ("b", [false, false, true]),
                ("c", [true, false, true]),
                ("e", [true, false, true]),
                ("f", [false, false, true]),
            ]
        );
        assert_eq!(merged([list(&[]), list(&[])]).count(), 0);
    }

    #[test]
    fn the_union_of_two_name_lists_is_each_name_once_in_order() {
        let owned = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let (a, b) = (
            owned(&["a", "c", "e", "g"]),
            owned(&["b", "c", "g", "h", "i"]),
        );
        let got: Vec<&str> = union(a.iter(), b.iter()).collect();
        assert_eq!(got, ["a", "b", "c", "e", "g", "h", "i"]);
        assert_eq!(union(b.iter(), a.iter()).collect::<Vec<_>>(), got);
        assert_eq!(
            union(a.iter(), [].iter()).collect::<Vec<_>>(),
            ["a", "c", "e", "g"]
        );
        assert_eq!(union([].iter(), [].iter()).count(), 0);
    }

    #[test]
    fn name_order_edges() {
        for (a, b) in [
            ("", ""),
            ("", "a"),
            ("svc-1234", "svc-1234-policy"),
            ("svc-12345678", "svc-1234567\u{0}"),
            ("abcdefgh\u{0}", "abcdefgh"),
            ("bench/svc-10", "bench/svc-9"),
            ("\u{e9}", "z"),
        ] {
            assert_eq!(name_order(a, b), a.cmp(b), "{a:?} {b:?}");
            assert_eq!(name_order(b, a), b.cmp(a), "{b:?} {a:?}");
        }
    }

    proptest! {
        /// Whatever the order of inserts and removes, walks go in name order
        /// (shared and mutable), every name is found, and a copy agrees.
        #[test]
        fn walks_are_in_name_order_after_any_changes(
            ops in proptest::collection::vec((any::<bool>(), "[a-c]{0,3}"), 0..40),
        ) {
            let mut items = Items::default();
            let mut model = std::collections::BTreeMap::new();
            for (insert, name) in ops {
                if insert {
                    let len = name.len();
                    items.insert(A, name.clone(), len);
                    model.insert(name, len);
                } else {
                    prop_assert_eq!(items.remove(A, &name), model.remove(&name).is_some());
                }
                let names: Vec<&String> = items.names(A).collect();
                prop_assert_eq!(names, model.keys().collect::<Vec<_>>());
            }
            for (name, len) in &model {
                prop_assert_eq!(items.get::<usize>(A, name), Some(len));
            }
            let copy = items.clone();
            prop_assert_eq!(copy.names(A).collect::<Vec<_>>(), model.keys().collect::<Vec<_>>());
            let walked: Vec<String> = items.iter_mut::<usize>(A).map(|(n, _)| n.clone()).collect();
            prop_assert_eq!(walked, model.keys().cloned().collect::<Vec<_>>());
            prop_assert_eq!(items.len(A), model.len());
        }
    }

    #[test]
    fn items_walk_names_in_str_order_and_find_them_by_str() {
        let mut items = Items::default();
        let names = [
            "svc-9",
            "svc-10",
            "svc-1",
            "bench/svc-2",
            "",
            "svc-10-policy",
        ];
        for n in names {
            items.insert(A, n, n.len());
        }
        let mut sorted = names.to_vec();
        sorted.sort();
        assert_eq!(
            items.names(A).map(String::as_str).collect::<Vec<_>>(),
            sorted
        );
        for n in names {
            assert_eq!(items.get::<usize>(A, n), Some(&n.len()));
        }
        assert!(items.get::<usize>(A, "svc-").is_none());
    }

    const A: Kind = Kind::new(1, "a");
    const B: Kind = Kind::new(2, "b");

    #[test]
    fn each_kind_finds_its_own_type_only() {
        let mut items = Items::default();
        items.insert(A, "x", 5u32);
        items.insert(B, "x", String::from("five"));
        assert_eq!(items.get::<u32>(A, "x"), Some(&5));
        assert_eq!(items.get::<String>(A, "x"), None);
        assert_eq!(
            items.get::<String>(B, "x").map(String::as_str),
            Some("five")
        );
        assert!(items.contains(B, "x"));
        assert_eq!(items.iter::<u32>(A).count(), 1);
        assert_eq!(items.iter::<u32>(B).count(), 0);
        let copy = items.clone();
        assert!(items.remove(A, "x"));
        assert!(!items.contains(A, "x"));
        assert_eq!(copy.get::<u32>(A, "x"), Some(&5));
        assert_eq!(format!("{copy:?}"), r#"{a.x: 5, b.x: "five"}"#);
    }
}
