//! `SmallMap` and `SmallSet`: a map and a set kept as one sorted `Vec`, for the few entries a page
//! holds (a profile's sources, a case's ticks, a group's members). They iterate in key order and
//! hold each key once, like `BTreeMap` and `BTreeSet`, but each B-tree instantiation brings several
//! KB of insert, search and drop code into the widget's wasm, where these are a binary search and
//! a `Vec::insert` (issue 15). Inserting is O(n): fine for tens of entries, not for thousands.

use std::borrow::Borrow;
use std::fmt;
use std::marker::PhantomData;

/// A map kept as a `Vec` of entries sorted by key, each key once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmallMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for SmallMap<K, V> {
    fn default() -> SmallMap<K, V> {
        SmallMap::new()
    }
}

impl<K, V> SmallMap<K, V> {
    /// An empty map.
    #[must_use]
    pub const fn new() -> SmallMap<K, V> {
        SmallMap { entries: Vec::new() }
    }

    /// How many entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, by key.
    #[must_use]
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(key, value)| (key, value))
    }

    /// The keys, in order.
    #[must_use]
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(key, _)| key)
    }

    /// The values, in their keys' order.
    #[must_use]
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, value)| value)
    }
}

impl<K: Ord, V> SmallMap<K, V> {
    /// Where `key` is (`Ok`), or where it would go (`Err`).
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(probe, _)| probe.borrow().cmp(key))
    }

    /// The value under `key`.
    #[must_use]
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().and_then(|index| self.entries.get(index)).map(|(_, value)| value)
    }

    /// The value under `key`, to change.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().and_then(|index| self.entries.get_mut(index)).map(|(_, value)| value)
    }

    /// Whether `key` has a value.
    #[must_use]
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Sets `key`'s value; returns the one it replaces.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(index) => self.entries.get_mut(index).map(|(_, old)| std::mem::replace(old, value)),
            Err(index) => {
                self.entries.insert(index, (key, value));
                None
            }
        }
    }

    /// Removes `key`'s entry; returns its value.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|index| self.entries.remove(index).1)
    }
}

impl<K: Ord, V> Extend<(K, V)> for SmallMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, entries: I) {
        for (key, value) in entries {
            self.insert(key, value);
        }
    }
}

/// Inserted one by one (a later duplicate key wins, as in `BTreeMap`): no sort code.
impl<K: Ord, V> FromIterator<(K, V)> for SmallMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> SmallMap<K, V> {
        let mut map = SmallMap::new();
        map.extend(entries);
        map
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for SmallMap<K, V> {
    fn from(entries: [(K, V); N]) -> SmallMap<K, V> {
        entries.into_iter().collect()
    }
}

impl<'a, K, V> IntoIterator for &'a SmallMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(key, value)| (key, value))
    }
}

impl<K, V> IntoIterator for SmallMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

/// An object, like `BTreeMap`'s (keys in order).
impl<K: serde::Serialize, V: serde::Serialize> serde::Serialize for SmallMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de, K: Ord + serde::Deserialize<'de>, V: serde::Deserialize<'de>> serde::Deserialize<'de> for SmallMap<K, V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<SmallMap<K, V>, D::Error> {
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

struct MapVisitor<K, V>(PhantomData<(K, V)>);

impl<'de, K: Ord + serde::Deserialize<'de>, V: serde::Deserialize<'de>> serde::de::Visitor<'de> for MapVisitor<K, V> {
    type Value = SmallMap<K, V>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a map")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut access: A) -> Result<SmallMap<K, V>, A::Error> {
        let mut map = SmallMap::new();
        while let Some((key, value)) = access.next_entry()? {
            map.insert(key, value);
        }
        Ok(map)
    }
}

/// A set kept as a sorted `Vec`, each item once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmallSet<T> {
    items: Vec<T>,
}

impl<T> Default for SmallSet<T> {
    fn default() -> SmallSet<T> {
        SmallSet::new()
    }
}

impl<T> SmallSet<T> {
    /// An empty set.
    #[must_use]
    pub const fn new() -> SmallSet<T> {
        SmallSet { items: Vec::new() }
    }

    /// How many items.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }
}

impl<T: Ord> SmallSet<T> {
    fn find<Q: Ord + ?Sized>(&self, item: &Q) -> Result<usize, usize>
    where
        T: Borrow<Q>,
    {
        self.items.binary_search_by(|probe| probe.borrow().cmp(item))
    }

    /// Whether `item` is in the set.
    #[must_use]
    pub fn contains<Q: Ord + ?Sized>(&self, item: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.find(item).is_ok()
    }

    /// Adds `item`; false if it was there already.
    pub fn insert(&mut self, item: T) -> bool {
        match self.find(&item) {
            Ok(_) => false,
            Err(index) => {
                self.items.insert(index, item);
                true
            }
        }
    }

    /// Removes `item`; false if it was not there.
    pub fn remove<Q: Ord + ?Sized>(&mut self, item: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.find(item).map(|index| self.items.remove(index)).is_ok()
    }
}

impl<T: Ord> Extend<T> for SmallSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.insert(item);
        }
    }
}

/// Inserted one by one: no sort code.
impl<T: Ord> FromIterator<T> for SmallSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> SmallSet<T> {
        let mut set = SmallSet::new();
        set.extend(items);
        set
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for SmallSet<T> {
    fn from(items: [T; N]) -> SmallSet<T> {
        items.into_iter().collect()
    }
}

impl<'a, T> IntoIterator for &'a SmallSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<T> IntoIterator for SmallSet<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// A list, like `BTreeSet`'s (items in order).
impl<T: serde::Serialize> serde::Serialize for SmallSet<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// Any list; duplicates are kept once and the items sorted, as `BTreeSet` reads them.
impl<'de, T: Ord + serde::Deserialize<'de>> serde::Deserialize<'de> for SmallSet<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<SmallSet<T>, D::Error> {
        deserializer.deserialize_seq(SetVisitor(PhantomData))
    }
}

struct SetVisitor<T>(PhantomData<T>);

impl<'de, T: Ord + serde::Deserialize<'de>> serde::de::Visitor<'de> for SetVisitor<T> {
    type Value = SmallSet<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a list")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut access: A) -> Result<SmallSet<T>, A::Error> {
        let mut set = SmallSet::new();
        while let Some(item) = access.next_element()? {
            set.insert(item);
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::{SmallMap, SmallSet};
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    proptest! {
        #[test]
        fn map_behaves_like_a_btree_map(operations in proptest::collection::vec((0u8..3, 0u8..12, 0u32..5), 0..80)) {
            let mut small = SmallMap::new();
            let mut btree = BTreeMap::new();
            for (operation, key, value) in operations {
                match operation {
                    0 => prop_assert_eq!(small.insert(key, value), btree.insert(key, value)),
                    1 => prop_assert_eq!(small.remove(&key), btree.remove(&key)),
                    _ => {
                        if let Some(old) = small.get_mut(&key) {
                            *old += value;
                        }
                        if let Some(old) = btree.get_mut(&key) {
                            *old += value;
                        }
                    }
                }
                prop_assert_eq!(small.get(&key), btree.get(&key));
                prop_assert_eq!(small.len(), btree.len());
            }
            prop_assert!(small.iter().eq(btree.iter()));
        }

        #[test]
        fn set_behaves_like_a_btree_set(operations in proptest::collection::vec((any::<bool>(), 0u8..12), 0..80)) {
            let mut small = SmallSet::new();
            let mut btree = BTreeSet::new();
            for (adds, item) in operations {
                if adds {
                    prop_assert_eq!(small.insert(item), btree.insert(item));
                } else {
                    prop_assert_eq!(small.remove(&item), btree.remove(&item));
                }
                prop_assert_eq!(small.contains(&item), btree.contains(&item));
            }
            prop_assert!(small.iter().eq(btree.iter()));
        }
    }

    #[test]
    fn strings_are_looked_up_by_str_sorted_and_kept_once() {
        let set: SmallSet<String> = ["kim", "eva", "kim", "ann"].into_iter().map(str::to_owned).collect();
        assert_eq!(set.iter().map(String::as_str).collect::<Vec<_>>(), ["ann", "eva", "kim"]);
        assert!(set.contains("eva") && !set.contains("bob"));
        let map = SmallMap::from([("b".to_owned(), 2), ("a".to_owned(), 1), ("b".to_owned(), 3)]);
        assert_eq!(map.get("b"), Some(&3), "a later duplicate wins");
        assert_eq!(map.keys().map(String::as_str).collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn a_map_is_a_json_object_in_key_order() {
        let map: SmallMap<String, String> =
            serde_json::from_str(r#"{"z": "1", "a": "2"}"#).expect("an object of strings reads");
        assert_eq!(serde_json::to_string(&map).expect("writes"), r#"{"a":"2","z":"1"}"#);
        let empty: SmallMap<String, String> = serde_json::from_str("{}").expect("reads");
        assert!(empty.is_empty());
        assert!(serde_json::from_str::<SmallMap<String, String>>("[]").is_err());
    }

    #[test]
    fn a_set_is_a_sorted_json_list() {
        let set: SmallSet<String> = serde_json::from_str(r#"["kim", "eva", "kim"]"#).expect("a list of strings reads");
        assert_eq!(serde_json::to_string(&set).expect("writes"), r#"["eva","kim"]"#);
    }
}
