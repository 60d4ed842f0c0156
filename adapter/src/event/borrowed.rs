//! Borrowed JSON pieces for the fast path: strings borrowed from the event bytes when they
//! have no escapes, objects of strings and of string lists kept in document order, and
//! [`Slot`] for a field that may be absent or `null`. Anything else fails to deserialize,
//! and the fast path gives up.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// `{"name": "value", ...}` in document order.
#[derive(Default)]
pub(crate) struct Pairs<'a>(pub(crate) Vec<(Cow<'a, str>, Cow<'a, str>)>);

/// `{"name": ["v1", "v2"], ...}` in document order, one pair per value.
#[derive(Default)]
pub(crate) struct MultiPairs<'a>(pub(crate) Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Pairs<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Pairs<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((k, v)) = map.next_entry::<Borrowed<'a>, Borrowed<'a>>()? {
                    out.push((k.0, v.0));
                }
                if has_duplicate(out.iter().map(|(k, _)| k.as_ref())) {
                    return Err(serde::de::Error::custom("a name appears twice"));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for MultiPairs<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = MultiPairs<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of string lists")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
                let mut names = Vec::new();
                while let Some((k, values)) = map.next_entry::<Borrowed<'a>, Strings<'a>>()? {
                    for v in values.0 {
                        out.push((k.0.clone(), v));
                    }
                    names.push(k.0);
                }
                if has_duplicate(names.iter().map(|k| k.as_ref())) {
                    return Err(serde::de::Error::custom("a name appears twice"));
                }
                Ok(MultiPairs(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// Whether a name appears twice in an object. The fast path then gives up: a JSON object
/// with a repeated name means its last value to the `Value` readers (as to JavaScript's
/// JSON.parse), and the paths must agree.
fn has_duplicate<'s>(names: impl ExactSizeIterator<Item = &'s str> + Clone) -> bool {
    if names.len() <= 32 {
        // Pairwise, without allocating: this runs on every headers and query map.
        names.clone().enumerate().any(|(i, a)| names.clone().skip(i + 1).any(|b| b == a))
    } else {
        let mut seen = std::collections::HashSet::with_capacity(names.len());
        names.into_iter().any(|name| !seen.insert(name))
    }
}

/// A string, borrowed from the event when it has no escapes.
pub(crate) struct Borrowed<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Borrowed<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(v))
            }
            // An escaped string is unescaped into serde_json's scratch buffer, so it comes
            // here and is copied. (serde_json's slice and str readers never call
            // visit_string, whose default forwards here anyway.)
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_owned()))
            }
        }
        d.deserialize_str(V).map(Borrowed)
    }
}

/// `["v1", "v2"]`, each string borrowed when it can be.
pub(crate) struct Strings<'a>(pub(crate) Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Strings<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Strings<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(1));
                while let Some(v) = seq.next_element::<Borrowed<'a>>()? {
                    out.push(v.0);
                }
                Ok(Strings(out))
            }
        }
        d.deserialize_seq(V(std::marker::PhantomData))
    }
}

/// A field that is absent, `null`, or a value of type `T` (anything else fails the fast
/// path, and the `Value`-based readers take over).
#[derive(Default)]
pub(crate) enum Slot<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Slot<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(d).map(|o| o.map_or(Slot::Null, Slot::Value))
    }
}

impl<T> Slot<T> {
    pub(crate) fn present(&self) -> bool {
        !matches!(self, Slot::Absent)
    }

    pub(crate) fn value(self) -> Option<T> {
        match self {
            Slot::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// Any value at all: only its presence matters.
pub(crate) struct Any;

impl<'de> Deserialize<'de> for Any {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| Any)
    }
}
