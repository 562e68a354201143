//! [`Items`]: resources of every kind, each kind's values of its own type.
//!
//! The desired and live states keep every kind's resources here, keyed by
//! kind and name, so that adding a kind adds no field anywhere: a kind stores
//! and finds its own type (`DesiredPolicy`, `LiveRole`, ...), and code that
//! does not know the kind sees only names. Asking for a kind's values with
//! another type finds nothing (a registry test checks every kind's types).

use super::address::Kind;
use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;

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

/// Resources by kind, then by name; each kind's values of its own type.
#[derive(Default)]
pub struct Items {
    by_kind: BTreeMap<Kind, BTreeMap<String, Box<dyn Item>>>,
}

impl Clone for Items {
    fn clone(&self) -> Self {
        Self {
            by_kind: self
                .by_kind
                .iter()
                .map(|(k, m)| {
                    let m = m
                        .iter()
                        .map(|(n, v)| (n.clone(), (**v).clone_box()))
                        .collect();
                    (*k, m)
                })
                .collect(),
        }
    }
}

impl fmt::Debug for Items {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, items) in &self.by_kind {
            for (n, v) in items {
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
        let item: &dyn Item = self.by_kind.get(&kind)?.get(name)?.as_ref();
        item.as_any().downcast_ref::<T>()
    }

    /// `kind`'s item `name`, mutable.
    pub fn get_mut<T: Item>(&mut self, kind: Kind, name: &str) -> Option<&mut T> {
        let item: &mut dyn Item = self.by_kind.get_mut(&kind)?.get_mut(name)?.as_mut();
        item.as_any_mut().downcast_mut::<T>()
    }

    /// Whether `kind` has an item `name` (of any type).
    pub fn contains(&self, kind: Kind, name: &str) -> bool {
        self.by_kind
            .get(&kind)
            .is_some_and(|m| m.contains_key(name))
    }

    /// Removes `kind`'s item `name`; whether there was one.
    pub fn remove(&mut self, kind: Kind, name: &str) -> bool {
        self.by_kind
            .get_mut(&kind)
            .is_some_and(|m| m.remove(name).is_some())
    }

    /// `kind`'s items of type `T`, by name.
    pub fn iter<T: Item>(&self, kind: Kind) -> impl Iterator<Item = (&String, &T)> {
        self.by_kind
            .get(&kind)
            .into_iter()
            .flatten()
            .filter_map(|(n, v)| Some((n, v.as_ref().as_any().downcast_ref::<T>()?)))
    }

    /// `kind`'s items of type `T`, mutable.
    pub fn iter_mut<T: Item>(&mut self, kind: Kind) -> impl Iterator<Item = (&String, &mut T)> {
        self.by_kind
            .get_mut(&kind)
            .into_iter()
            .flatten()
            .filter_map(|(n, v)| Some((n, v.as_mut().as_any_mut().downcast_mut::<T>()?)))
    }

    /// The names of `kind`'s items, sorted.
    pub fn names(&self, kind: Kind) -> impl Iterator<Item = &String> {
        self.by_kind.get(&kind).into_iter().flat_map(|m| m.keys())
    }

    /// How many items `kind` has.
    pub fn len(&self, kind: Kind) -> usize {
        self.by_kind.get(&kind).map_or(0, BTreeMap::len)
    }

    /// Whether there are no items at all.
    pub fn is_empty(&self) -> bool {
        self.by_kind.values().all(BTreeMap::is_empty)
    }

    /// Every kind that has items.
    pub fn kinds(&self) -> impl Iterator<Item = Kind> + '_ {
        self.by_kind
            .iter()
            .filter(|(_, m)| !m.is_empty())
            .map(|(k, _)| *k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
