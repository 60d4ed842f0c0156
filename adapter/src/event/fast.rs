//! The fast path: a borrowed, typed read of well-formed HTTP events, with no
//! intermediate `serde_json::Value` (callgrind showed building one at a fifth of the
//! adapter's instructions per invocation). It classifies with the rules of [`super::classify`]
//! and gives up (`None`) on anything unusual: a missing or mistyped field, a header value
//! that is not a string. The `Value`-based readers then handle the event and name the
//! problem, so behaviour is the same on both paths; the corpus snapshots check that.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{uri, HttpEvent, Source};

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
pub(crate) struct Borrowed<'a>(Cow<'a, str>);

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
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v))
            }
        }
        d.deserialize_str(V).map(Borrowed)
    }
}

pub(crate) struct Strings<'a>(Vec<Cow<'a, str>>);

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
    fn present(&self) -> bool {
        !matches!(self, Slot::Absent)
    }

    fn value(self) -> Option<T> {
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

/// The fields of every HTTP source.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Shape<'a> {
    #[serde(default, borrow)]
    version: Slot<Borrowed<'a>>,
    #[serde(default, borrow)]
    http_method: Slot<Borrowed<'a>>,
    #[serde(default, borrow)]
    path: Slot<Borrowed<'a>>,
    #[serde(default, borrow)]
    raw_path: Slot<Borrowed<'a>>,
    #[serde(default, borrow)]
    raw_query_string: Slot<Borrowed<'a>>,
    #[serde(default, borrow)]
    headers: Slot<Pairs<'a>>,
    #[serde(default, borrow)]
    multi_value_headers: Slot<MultiPairs<'a>>,
    #[serde(default, borrow)]
    query_string_parameters: Slot<Pairs<'a>>,
    #[serde(default, borrow)]
    multi_value_query_string_parameters: Slot<MultiPairs<'a>>,
    #[serde(default, borrow)]
    cookies: Slot<Strings<'a>>,
    #[serde(default, borrow)]
    body: Slot<Borrowed<'a>>,
    #[serde(default)]
    is_base64_encoded: Slot<bool>,
    #[serde(default, borrow)]
    request_context: Option<&'a RawValue>,
    // Only for classifying: authorizers and VPC Lattice events.
    #[serde(default, borrow, rename = "type")]
    kind: Slot<Borrowed<'a>>,
    #[serde(default)]
    method_arn: Slot<Any>,
    #[serde(default)]
    route_arn: Slot<Any>,
    #[serde(default)]
    method: Slot<Any>,
    #[serde(default, rename = "raw_path")]
    lattice_raw_path: Slot<Any>,
}

/// The parts of `requestContext` that decide the source and the v2 method.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContextShape<'a> {
    #[serde(default)]
    elb: Slot<Any>,
    #[serde(default, borrow)]
    http: Slot<HttpShape<'a>>,
    #[serde(default, borrow)]
    domain_name: Slot<Borrowed<'a>>,
    #[serde(default)]
    resource_path: Slot<Any>,
    #[serde(default)]
    stage: Slot<Any>,
    #[serde(default)]
    connection_id: Slot<Any>,
    #[serde(default)]
    event_type: Slot<Any>,
    #[serde(default)]
    target_group_arn: Slot<Any>,
    #[serde(default)]
    service_network_arn: Slot<Any>,
}

/// `requestContext.http`: an object only (a serde derive would also take an array, field
/// by field, which the `Value` readers refuse).
struct HttpShape<'a> {
    method: Slot<Borrowed<'a>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for HttpShape<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = HttpShape<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut method = Slot::Absent;
                while let Some(key) = map.next_key::<Borrowed<'a>>()? {
                    if key.0 == "method" {
                        if method.present() {
                            return Err(serde::de::Error::duplicate_field("method"));
                        }
                        method = map.next_value::<Slot<Borrowed<'a>>>()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(HttpShape { method })
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// What the fast path read: the source and the owned pieces the request is built from.
pub(crate) struct FastEvent<'a> {
    pub(crate) source: Source,
    pub(crate) method: Cow<'a, str>,
    pub(crate) path: Cow<'a, str>,
    pub(crate) query: String,
    pub(crate) headers: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub(crate) cookies: Vec<Cow<'a, str>>,
    pub(crate) body: Option<Cow<'a, str>>,
    pub(crate) base64: bool,
    pub(crate) request_context: Option<&'a RawValue>,
    pub(crate) multi_value: bool,
}

impl<'a> FastEvent<'a> {
    /// The source-independent view used by the request builder.
    pub(crate) fn view(&self) -> HttpEvent<'_> {
        HttpEvent {
            method: &self.method,
            path: Cow::Borrowed(&self.path),
            query: self.query.clone(),
            headers: self.headers.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect(),
            cookies: self.cookies.iter().map(|c| c.as_ref()).collect(),
            body: self.body.as_deref(),
            base64: self.base64,
            request_context: None,
            multi_value: self.multi_value,
        }
    }
}

/// What the fast path decided.
pub(crate) enum Fast<'a> {
    /// Not an HTTP event: forward as pass-through.
    PassThrough,
    /// A well-formed HTTP event.
    Http(FastEvent<'a>),
}

/// Reads an event; `None` when the `Value`-based readers must take over.
pub(crate) fn read(event: &[u8]) -> Option<Fast<'_>> {
    // Only an object: a serde derive would read an array as a struct, field by field.
    if event.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    let shape: Shape<'_> = serde_json::from_slice(event).ok()?;
    let context: Option<ContextShape<'_>> = match shape.request_context {
        Some(raw) if raw.get().starts_with('{') => Some(serde_json::from_str(raw.get()).ok()?),
        _ => None,
    };
    // The rules of `classify`, from the same facts.
    let has = |f: fn(&ContextShape<'_>) -> bool| context.as_ref().is_some_and(f);
    let source = super::Rules {
        authorizer: matches!(shape.kind, Slot::Value(_)) && (shape.method_arn.present() || shape.route_arn.present()),
        elb: has(|c| c.elb.present()),
        websocket: has(|c| c.connection_id.present() && c.event_type.present()),
        version: match &shape.version {
            Slot::Value(v) => Some(v.0.as_ref()),
            _ => None,
        },
        v2_http: has(|c| c.http.present()) || shape.raw_path.present(),
        function_url_domain: has(|c| matches!(&c.domain_name, Slot::Value(d) if d.0.contains(".lambda-url."))),
        lattice_v2: shape.method.present() || has(|c| c.target_group_arn.present() || c.service_network_arn.present()),
        lattice_v1: shape.lattice_raw_path.present(),
        rest: context.is_some()
            && (shape.http_method.present() || has(|c| c.resource_path.present() && c.stage.present())),
    }
    .source();
    let base64 = match shape.is_base64_encoded {
        Slot::Value(b) => b,
        _ => false,
    };
    let body = shape.body.value().map(|b| b.0);
    let fast = match source {
        Source::ApiGatewayV2 | Source::FunctionUrl => {
            let http = context?.http.value()?;
            let cookies = match shape.cookies {
                Slot::Absent | Slot::Null => Vec::new(),
                Slot::Value(c) => c.0,
            };
            FastEvent {
                source,
                method: http.method.value()?.0,
                path: shape.raw_path.value()?.0,
                query: shape.raw_query_string.value().map(|q| q.0.into_owned()).unwrap_or_default(),
                headers: shape.headers.value().map(|h| h.0).unwrap_or_default(),
                cookies,
                body,
                base64,
                request_context: shape.request_context,
                multi_value: false,
            }
        }
        Source::ApiGatewayV1 | Source::HttpApiV1 | Source::Alb => {
            let multi_value = shape.multi_value_headers.present() && !matches!(shape.multi_value_headers, Slot::Null)
                || matches!(shape.multi_value_query_string_parameters, Slot::Value(_));
            let pairs = match shape.multi_value_query_string_parameters {
                Slot::Value(m) => m.0,
                _ => shape.query_string_parameters.value().map(|p| p.0).unwrap_or_default(),
            };
            let query = if source == Source::Alb { uri::alb_query(&pairs) } else { uri::rest_query(&pairs) };
            let single = shape.headers.value().map(|h| h.0).unwrap_or_default();
            let headers = super::headers::merge(single, shape.multi_value_headers.value().map(|m| m.0));
            FastEvent {
                source,
                method: shape.http_method.value()?.0,
                path: shape.path.value()?.0,
                query,
                headers,
                cookies: Vec::new(),
                body,
                base64,
                request_context: shape.request_context,
                multi_value: source != Source::Alb || multi_value,
            }
        }
        Source::PassThrough => return Some(Fast::PassThrough),
        // Rare enough to leave to the `Value` readers.
        Source::WebSocket | Source::VpcLatticeV1 | Source::VpcLatticeV2 => return None,
    };
    Some(Fast::Http(fast))
}
