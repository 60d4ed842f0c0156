//! `event_json`'s second translation: the event again with one odd header, so the
//! `Value`-based readers take it, must get the answer the first one got.

use std::fmt;

use lambda_web_adapter::event::{classify, translate, EventError, ResponseShape, Source, Translation};
use serde_json::value::RawValue;
use serde_json::Value;

use super::{describe, Setup};

/// The header added to make the fast path give up (its value is a number).
pub const ODD_HEADER: &str = "x-lwa-fuzz-odd";

/// What a translation decided, in a form two translations can be compared by (warnings
/// left out; `x-amzn-request-context` compared as JSON, since its text is the event's).
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// A request for the app.
    Forward {
        /// Method, URI and body.
        request: (String, String, Vec<u8>),
        /// Every header but `x-amzn-request-context`, in order.
        headers: Vec<(String, Vec<u8>)>,
        /// `x-amzn-request-context`, parsed.
        request_context: Vec<Option<Value>>,
        /// The response shape.
        shape: (Source, bool, Option<Vec<u8>>),
    },
    /// A refusal.
    Reject {
        /// The response shape.
        shape: (Source, bool, Option<Vec<u8>>),
        /// The status.
        status: u16,
        /// The message.
        message: String,
    },
    /// An invocation error.
    Error(String),
}

/// The comparable form of a translation.
pub fn outcome(result: &Result<Translation, EventError>) -> Outcome {
    let shape_of =
        |s: &ResponseShape| (s.source, s.multi_value, s.accept_encoding.as_ref().map(|v| v.as_bytes().to_vec()));
    match result {
        Ok(Translation::Forward { request, shape, .. }) => Outcome::Forward {
            request: (request.method().to_string(), request.uri().to_string(), request.body().to_vec()),
            headers: request
                .headers()
                .iter()
                .filter(|(name, _)| name.as_str() != "x-amzn-request-context")
                .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
                .collect(),
            request_context: request
                .headers()
                .get_all("x-amzn-request-context")
                .iter()
                .map(|v| serde_json::from_slice(v.as_bytes()).ok())
                .collect(),
            shape: shape_of(shape),
        },
        Ok(Translation::Reject { shape, status, message, .. }) => {
            Outcome::Reject { shape: shape_of(shape), status: status.as_u16(), message: message.clone() }
        }
        Err(err) => Outcome::Error(err.to_string()),
    }
}

/// The event with one more header whose value is a number: the fast path gives up on it,
/// the `Value`-based readers drop that header with a warning, so the request must be the
/// same. Only `headers` is rewritten, and every other field keeps its text, repeated keys
/// included (a re-serialised `requestContext` could differ in its last float digit, as
/// serde_json parses floats to within one ULP). `None` when the event is not an HTTP event
/// or has no room for the header.
pub fn with_odd_header(event: &[u8], value: &Value) -> Option<Vec<u8>> {
    if classify(value) == Source::PassThrough {
        return None;
    }
    let mut root: Entries = serde_json::from_slice(event).ok()?;
    let odd = (ODD_HEADER.to_owned(), RawValue::from_string("1".to_owned()).ok()?);
    let mut positions = root.0.iter().enumerate().filter(|(_, (k, _))| k == "headers").map(|(i, _)| i);
    match (positions.next(), positions.next()) {
        (None, _) => root.0.push(("headers".to_owned(), serde_json::value::to_raw_value(&Entries(vec![odd])).ok()?)),
        (Some(at), None) => {
            let raw = root.0[at].1.get();
            let mut headers =
                if raw == "null" { Entries(Vec::new()) } else { serde_json::from_str::<Entries>(raw).ok()? };
            if headers.0.iter().any(|(k, _)| k == ODD_HEADER) {
                return None;
            }
            headers.0.push(odd);
            root.0[at].1 = serde_json::value::to_raw_value(&headers).ok()?;
        }
        // `headers` twice: which one the readers take is what is compared, so leave it.
        (Some(_), Some(_)) => return None,
    }
    serde_json::to_vec(&root).ok()
}

/// A JSON object's entries in order, repeated keys kept, values as their text.
struct Entries(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Entries, M::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(V)
    }
}

impl serde::Serialize for Entries {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// The fast path and the `Value`-based readers translate the event alike.
pub fn check_slow_path_agrees(event: &[u8], value: &Value, first: &Result<Translation, EventError>, setup: &Setup) {
    let Some(forced) = with_odd_header(event, value) else { return };
    let second = translate(&forced, &setup.ctx, &setup.config);
    let (a, b) = (outcome(first), outcome(&second));
    assert_eq!(
        a,
        b,
        "the Value-based readers disagree with the first translation\nfirst:  {}\nslow:   {}",
        describe(first),
        describe(&second)
    );
}
