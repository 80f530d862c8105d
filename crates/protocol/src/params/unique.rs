//! A JSON body may not name the same key twice in one object. `serde_json` keeps the last of
//! duplicates silently, so `{"Amount":-5,"Amount":10}` would be read as 10 by us and as -5 by a
//! proxy or log reader that keeps the first: the body is walked once to refuse that before it is
//! parsed for real.

use std::collections::HashSet;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// The first key that appears twice in one object of `body`, at any depth; `None` when every
/// object's keys are unique (or the body is not JSON, which the real parse reports).
pub fn first_duplicate_key(body: &[u8]) -> Option<String> {
    let mut de = serde_json::Deserializer::from_slice(body);
    Unique::deserialize(&mut de).ok().and_then(|u| u.0)
}

/// Any JSON value, thrown away but for the first duplicate key found in it.
struct Unique(Option<String>);

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Unique, D::Error> {
        deserializer.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique(None))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique(None))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique(None))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique(None))
    }
    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique(None))
    }
    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        let mut first = None;
        while let Some(Unique(found)) = seq.next_element::<Unique>()? {
            first = first.or(found);
        }
        Ok(Unique(first))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        let mut seen = HashSet::new();
        let mut first = None;
        while let Some(key) = map.next_key::<String>()? {
            let Unique(found) = map.next_value::<Unique>()?;
            first = first.or(found);
            if !seen.insert(key.clone()) {
                first = first.or(Some(key));
            }
        }
        Ok(Unique(first))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_found_at_any_depth() {
        assert_eq!(
            first_duplicate_key(br#"{"Amount":-5,"Amount":10}"#),
            Some("Amount".into())
        );
        assert_eq!(
            first_duplicate_key(br#"{"JsonData":{"a":1,"b":[{"x":1,"x":2}]}}"#),
            Some("x".into())
        );
        assert_eq!(
            first_duplicate_key(br#"{"Amount":1e3,"amount2":"1","List":[1,2,{}],"N":null}"#),
            None
        );
        assert_eq!(first_duplicate_key(b"{not json"), None);
    }
}
