//! The fast path: a borrowed, typed read of well-formed HTTP events, with no
//! intermediate `serde_json::Value` (callgrind showed building one at a fifth of the
//! adapter's instructions per invocation). It deserializes one [`Shape`] of every HTTP
//! field (strings borrowed from the event where they have no escapes, see
//! [`super::borrowed`]), classifies with [`super::Rules`], and reads the source with that
//! source module's own `read`, through [`Fields`] on the shape: the rules are the same
//! code on both paths, monomorphised, with no `Value` and no copy of the strings. Anything
//! unusual (a missing or mistyped field, a header value that is not a string, a name that
//! appears twice) makes it give up (`None`); the `Value`-based readers then handle the
//! event and name the problem. WebSocket and VPC Lattice events are left to them.

use std::borrow::Cow;
use std::fmt;
use std::mem::take;

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::borrowed::{Any, Borrowed, MultiPairs, Pairs, Slot, Strings};
use super::fields::{Fields, Key, Read};
use super::{alb, apigw_v1, apigw_v2, HttpEvent, Source};

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

/// What the fast path read: the source and the pieces the request is built from.
pub(crate) struct FastEvent<'a> {
    pub(crate) source: Source,
    pub(crate) read: Read<Cow<'a, str>>,
    pub(crate) request_context: Option<&'a RawValue>,
}

impl<'a> FastEvent<'a> {
    /// The source-independent view used by the request builder.
    pub(crate) fn view(&self) -> HttpEvent<'_> {
        let read = &self.read;
        HttpEvent {
            method: &read.method,
            path: Cow::Borrowed(&read.path),
            query: read.query.clone(),
            headers: read.headers.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect(),
            cookies: read.cookies.iter().map(|c| c.as_ref()).collect(),
            body: read.body.as_deref(),
            base64: read.base64,
            request_context: None,
            multi_value: read.multi_value,
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
    let request_context = shape.request_context;
    let mut event = Parsed { shape, context };
    let read = match source {
        Source::ApiGatewayV2 | Source::FunctionUrl => apigw_v2::read(&mut event),
        Source::ApiGatewayV1 | Source::HttpApiV1 => apigw_v1::read(&mut event),
        Source::Alb => alb::read(&mut event),
        Source::PassThrough => return Some(Fast::PassThrough),
        // Rare enough to leave to the `Value` readers.
        Source::WebSocket | Source::VpcLatticeV1 | Source::VpcLatticeV2 => return None,
    };
    Some(Fast::Http(FastEvent { source, read: read.ok()?, request_context }))
}

/// The fast path gives up: the `Value`-based readers take the event.
pub(crate) struct GiveUp;

/// The deserialized event, whose fields the source's rules take one by one.
struct Parsed<'a> {
    shape: Shape<'a>,
    context: Option<ContextShape<'a>>,
}

impl<'a> Parsed<'a> {
    fn string(&mut self, key: Key) -> Result<&mut Slot<Borrowed<'a>>, GiveUp> {
        Ok(match key {
            Key::HttpMethod => &mut self.shape.http_method,
            Key::Path => &mut self.shape.path,
            Key::RawPath => &mut self.shape.raw_path,
            Key::RawQueryString => &mut self.shape.raw_query_string,
            Key::Body => &mut self.shape.body,
            _ => return Err(GiveUp),
        })
    }
}

impl<'a> Fields for Parsed<'a> {
    type Str = Cow<'a, str>;
    type Error = GiveUp;

    fn str_opt(&mut self, key: Key) -> Result<Option<Cow<'a, str>>, GiveUp> {
        Ok(take(self.string(key)?).value().map(|s| s.0))
    }

    fn str_req(&mut self, key: Key) -> Result<Cow<'a, str>, GiveUp> {
        self.str_opt(key)?.ok_or(GiveUp)
    }

    fn bool_or_false(&mut self, key: Key) -> Result<bool, GiveUp> {
        match key {
            Key::IsBase64Encoded => Ok(take(&mut self.shape.is_base64_encoded).value().unwrap_or(false)),
            _ => Err(GiveUp),
        }
    }

    fn has(&self, key: Key) -> bool {
        let s = &self.shape;
        match key {
            Key::HttpMethod => matches!(s.http_method, Slot::Value(_)),
            Key::Path => matches!(s.path, Slot::Value(_)),
            Key::RawPath => matches!(s.raw_path, Slot::Value(_)),
            Key::RawQueryString => matches!(s.raw_query_string, Slot::Value(_)),
            Key::Headers => matches!(s.headers, Slot::Value(_)),
            Key::MultiValueHeaders => matches!(s.multi_value_headers, Slot::Value(_)),
            Key::QueryStringParameters => matches!(s.query_string_parameters, Slot::Value(_)),
            Key::MultiValueQueryStringParameters => matches!(s.multi_value_query_string_parameters, Slot::Value(_)),
            Key::Cookies => matches!(s.cookies, Slot::Value(_)),
            Key::Body => matches!(s.body, Slot::Value(_)),
            Key::IsBase64Encoded => matches!(s.is_base64_encoded, Slot::Value(_)),
        }
    }

    fn single_map(&mut self, key: Key) -> Result<Option<Vec<(Cow<'a, str>, Cow<'a, str>)>>, GiveUp> {
        let slot = match key {
            Key::Headers => &mut self.shape.headers,
            Key::QueryStringParameters => &mut self.shape.query_string_parameters,
            _ => return Err(GiveUp),
        };
        Ok(take(slot).value().map(|p| p.0))
    }

    fn multi_map(&mut self, key: Key) -> Result<Option<Vec<(Cow<'a, str>, Cow<'a, str>)>>, GiveUp> {
        let slot = match key {
            Key::MultiValueHeaders => &mut self.shape.multi_value_headers,
            Key::MultiValueQueryStringParameters => &mut self.shape.multi_value_query_string_parameters,
            _ => return Err(GiveUp),
        };
        Ok(take(slot).value().map(|p| p.0))
    }

    fn str_list(&mut self, key: Key) -> Result<Vec<Cow<'a, str>>, GiveUp> {
        match key {
            Key::Cookies => Ok(take(&mut self.shape.cookies).value().map(|c| c.0).unwrap_or_default()),
            _ => Err(GiveUp),
        }
    }

    // Nothing to check first: `http_method` gives up on the same condition, and here every
    // problem is the same one (the Value readers order their errors with it).
    fn require_http_context(&mut self) -> Result<(), GiveUp> {
        Ok(())
    }

    fn http_method(&mut self) -> Result<Cow<'a, str>, GiveUp> {
        let http = self.context.as_mut().and_then(|c| take(&mut c.http).value()).ok_or(GiveUp)?;
        http.method.value().map(|m| m.0).ok_or(GiveUp)
    }
}
