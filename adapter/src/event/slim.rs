//! The event as the `Value`-based readers need it: the fields they read, parsed into a
//! `Value`; every other field skipped unparsed, like the fast path skips it.
//!
//! A `Value` of the whole event would fail on what the adapter never reads (nesting past
//! serde_json's recursion limit in an authorizer's context, say) while the fast path
//! forwarded the same event: the two paths must not disagree on fields neither uses.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A field kept: as a whole `Value`, or as an object of which only some fields are kept.
#[derive(Clone, Copy)]
enum Keep {
    Whole,
    Some(&'static [(&'static str, Keep)]),
}

/// Of `requestContext.http`, the method.
const HTTP: &[(&str, Keep)] = &[("method", Keep::Whole)];

/// Of `requestContext`, what classification and the readers look at.
const CONTEXT: &[(&str, Keep)] = &[
    ("http", Keep::Some(HTTP)),
    ("elb", Keep::Whole),
    ("domainName", Keep::Whole),
    ("resourcePath", Keep::Whole),
    ("stage", Keep::Whole),
    ("connectionId", Keep::Whole),
    ("eventType", Keep::Whole),
    ("routeKey", Keep::Whole),
    ("targetGroupArn", Keep::Whole),
    ("serviceNetworkArn", Keep::Whole),
];

/// The top-level fields classification and the readers look at.
const EVENT: &[(&str, Keep)] = &[
    ("version", Keep::Whole),
    ("requestContext", Keep::Some(CONTEXT)),
    ("httpMethod", Keep::Whole),
    ("path", Keep::Whole),
    ("rawPath", Keep::Whole),
    ("rawQueryString", Keep::Whole),
    ("headers", Keep::Whole),
    ("multiValueHeaders", Keep::Whole),
    ("queryStringParameters", Keep::Whole),
    ("multiValueQueryStringParameters", Keep::Whole),
    ("cookies", Keep::Whole),
    ("body", Keep::Whole),
    ("isBase64Encoded", Keep::Whole),
    // Authorizers and VPC Lattice.
    ("type", Keep::Whole),
    ("methodArn", Keep::Whole),
    ("routeArn", Keep::Whole),
    ("method", Keep::Whole),
    ("raw_path", Keep::Whole),
    ("query_string_parameters", Keep::Whole),
    ("is_base64_encoded", Keep::Whole),
];

/// The event's top-level object with only the fields the readers use; `None` when the
/// event is JSON but not an object (a pass-through event, checked and skipped unparsed).
pub(crate) fn parse(event: &[u8]) -> Result<Option<Map<String, Value>>, serde_json::Error> {
    let first = event.iter().find(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'));
    if first != Some(&b'{') {
        serde_json::from_slice::<IgnoredAny>(event)?;
        return Ok(None);
    }
    let mut de = serde_json::Deserializer::from_slice(event);
    let top = Part(EVENT).deserialize(&mut de)?;
    de.end()?;
    // Text that starts with `{` and parses is an object.
    Ok(match top {
        Value::Object(map) => Some(map),
        _ => None,
    })
}

/// The fields of `map` that `keep` names, in document order (a repeated name: the last).
fn kept<'de, M: MapAccess<'de>>(
    mut map: M,
    keep: &'static [(&'static str, Keep)],
) -> Result<Map<String, Value>, M::Error> {
    let mut out = Map::new();
    while let Some(name) = map.next_key::<String>()? {
        match keep.iter().find(|(n, _)| *n == name) {
            Some((_, Keep::Whole)) => {
                let value = map.next_value::<Value>()?;
                out.insert(name, value);
            }
            Some((_, Keep::Some(fields))) => {
                let value = map.next_value_seed(Part(fields))?;
                out.insert(name, value);
            }
            None => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(out)
}

/// A field kept in part: an object keeps only `.0`'s fields; anything else is kept whole
/// (the readers name it as mistyped).
struct Part(&'static [(&'static str, Keep)]);

impl<'de> DeserializeSeed<'de> for Part {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Part {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Value, M::Error> {
        kept(map, self.0).map(Value::Object)
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Value, S::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by `just mutants`: a kept part (`requestContext`, its `http`) that is not an
    /// object must reach the readers as it was sent, so their error names its type.
    #[test]
    fn a_kept_part_that_is_not_an_object_is_kept_as_sent() {
        for http in ["true", "false", "-7", "7", "1.5", r#""GET""#, r#""G\u0045T""#, "null", "[1,{}]"] {
            let event = format!(r#"{{"requestContext":{{"http":{http},"stage":"s"}},"ignored":{{"deep":[1]}}}}"#);
            let top = parse(event.as_bytes()).unwrap().expect("an object");
            let sent: Value = serde_json::from_str(http).unwrap();
            assert_eq!(top["requestContext"]["http"], sent, "{http}");
            assert_eq!(top["requestContext"]["stage"], "s");
            assert!(!top.contains_key("ignored"));
        }
        for scalar in ["true", "7", "-7", "1.5", r#""x""#, "null", "[1]", " \t\r\n[{}]"] {
            assert_eq!(parse(scalar.as_bytes()).unwrap(), None, "{scalar}: skipped, not an object");
        }
        let spaced = parse(b" \t\r\n{\"version\":\"2.0\",\"x\":1}").unwrap().expect("an object after whitespace");
        assert_eq!(spaced.get("version"), Some(&Value::from("2.0")));
        for broken in ["tru", "{} x", "[1", "\u{c}{}", ""] {
            assert!(parse(broken.as_bytes()).is_err(), "{broken:?} is not JSON");
        }
    }
}
