//! Handlers of the Extensions API, `/2020-01-01/extension/...`
//! (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-extensions-api.html>).
//! Error shapes from the RIE: `lambda/rapi/handler/agentregister.go`, `agentnext.go`,
//! `agentiniterror.go`, `agentexiterror.go` and `lambda/rapi/middleware/middleware.go`.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use serde_json::{json, Value};

use super::api_error::{self, ApiError, MAX_BUFFERED_RESPONSE};
use super::entries::ExtState;
use super::ids;
use super::invocation::ErrorBody;
use super::lifecycle;
use super::records::init_failure;
use super::records::{DeliveredEvent, Registration};
use super::shared::Shared;
use super::state::Env;

const NAME: &str = "lambda-extension-name";
const IDENTIFIER: &str = "lambda-extension-identifier";
const ERROR_TYPE: &str = "lambda-extension-function-error-type";
const ACCEPT_FEATURE: &str = "lambda-extension-accept-feature";

async fn read_body(body: Incoming) -> Result<Bytes, ApiError> {
    let collected = http_body_util::Limited::new(body, MAX_BUFFERED_RESPONSE)
        .collect()
        .await
        .map_err(|_| ApiError::RequestEntityTooLarge)?;
    Ok(collected.to_bytes())
}

/// The events of a register body, validated as the RIE does.
fn parse_register(body: &[u8], managed_instances: bool) -> Result<Vec<String>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| ApiError::InvalidRequestFormat(e.to_string()))?;
    let Some(object) = value.as_object() else {
        return Err(ApiError::InvalidRequestFormat("the register body must be a JSON object".into()));
    };
    if object.get("configurationKeys").and_then(Value::as_array).is_some_and(|keys| !keys.is_empty()) {
        return Err(ApiError::InvalidRequestFormat(
            "configurationKeys are deprecated; use environment variables instead".into(),
        ));
    }
    let events = match object.get("events") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|e| {
                e.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ApiError::InvalidRequestFormat(format!("event {e} is not a string")))
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => return Err(ApiError::InvalidRequestFormat(format!("events must be an array, not {other}"))),
    };
    for event in &events {
        // Classic Lambda: INVOKE and SHUTDOWN. Managed Instances: SHUTDOWN only
        // (RIE `internal/lambda-managed-instances/core/externalagent.go`).
        let allowed = match event.as_str() {
            "SHUTDOWN" => true,
            "INVOKE" => !managed_instances,
            _ => false,
        };
        if !allowed {
            return Err(ApiError::InvalidEventType(format!("{event}: ErrorInvalidEventType")));
        }
    }
    Ok(events)
}

/// `POST /extension/register`.
pub(crate) async fn register(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let name = parts.headers.get(NAME).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    if name.is_empty() {
        return ApiError::EmptyExtensionName.into_response();
    }
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let events = match parse_register(&body, shared.config.is_managed_instances()) {
        Ok(events) => events,
        Err(e) => return e.into_response(),
    };
    let result = lifecycle::update(&shared, |st| {
        if !matches!(st.env, Env::Initializing { .. }) {
            return Err(ApiError::RegistrationClosed);
        }
        if st.extensions.iter().any(|e| e.name == name) {
            return Err(ApiError::ExtensionInvalidState(if st.expected_extensions.contains(&name) {
                format!(
                        "State transition from Registered to Registered failed for extension {name}. Error: State transition is not allowed"
                    )
            } else {
                "Extension with this name already registered".into()
            }));
        }
        let id = ids::uuid_v4();
        st.extensions.push(ExtState {
            id: id.clone(),
            name: name.clone(),
            events: events.clone(),
            queue: Default::default(),
            waiting: 0,
            busy_with: None,
            exited: false,
        });
        st.registrations.push(Registration {
            name: name.clone(),
            events: events.clone(),
            identifier: id.clone(),
            at: shared.elapsed(),
            generation: st.generation,
        });
        Ok(id)
    });
    let id = match result {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    shared.log.emulator(format!("[ext:{name}] registered for {events:?}"));
    let f = &shared.config.function;
    let mut doc = json!({
        "functionName": f.name,
        "functionVersion": f.version,
        "handler": f.handler,
    });
    let wants_account = parts
        .headers
        .get(ACCEPT_FEATURE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|f| f.trim() == "accountId"));
    if wants_account {
        doc["accountId"] = json!(f.account_id);
    }
    let mut response =
        api_error::json_response(StatusCode::OK, Bytes::from(serde_json::to_vec(&doc).unwrap_or_default()));
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(IDENTIFIER, v);
    }
    response
}

/// The `Lambda-Extension-Identifier` header, checked as the RIE's
/// `AgentUniqueIdentifierHeaderValidator` does.
fn identifier(headers: &HeaderMap) -> Result<String, ApiError> {
    let id = headers.get(IDENTIFIER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if id.is_empty() {
        return Err(ApiError::MissingExtensionIdentifier);
    }
    if !ids::is_uuid(id) {
        return Err(ApiError::InvalidExtensionIdentifier);
    }
    Ok(id.to_ascii_lowercase())
}

/// Counts an open `/event/next` poll of one extension.
struct ExtWaiter {
    shared: Arc<Shared>,
    id: String,
}

impl Drop for ExtWaiter {
    fn drop(&mut self) {
        let id = self.id.clone();
        self.shared.quiet_update(|st| {
            if let Some(ext) = st.extensions.iter_mut().find(|e| e.id == id) {
                ext.waiting = ext.waiting.saturating_sub(1);
            }
        });
    }
}

/// `GET /extension/event/next`: long-polls for the extension's next event.
pub(crate) async fn next(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let id = match identifier(req.headers()) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let entered: Result<(), ApiError> = lifecycle::update(&shared, |st| {
        let ext = st
            .extensions
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or_else(|| ApiError::UnknownExtensionIdentifier(format!("Unknown extension {id}")))?;
        ext.waiting += 1;
        ext.busy_with = None;
        Ok(())
    });
    if let Err(e) = entered {
        return e.into_response();
    }
    let _waiter = ExtWaiter { shared: shared.clone(), id: id.clone() };
    loop {
        let mut changes = shared.subscribe();
        // Look before changing anything: an update wakes every waiter, this poll
        // included, so an idle extension's long poll spun at 100% CPU.
        let pending = shared.read(|st| st.extensions.iter().find(|e| e.id == id).is_none_or(|e| !e.queue.is_empty()));
        if !pending {
            if shared.is_closed() || changes.changed().await.is_err() {
                return ApiError::Internal.into_response();
            }
            continue;
        }
        let event = lifecycle::update(&shared, |st| {
            let at = shared.elapsed();
            let Some(ext) = st.extensions.iter_mut().find(|e| e.id == id) else {
                return Some(Err(ApiError::UnknownExtensionIdentifier(format!("Unknown extension {id}"))));
            };
            let event = ext.queue.pop_front()?;
            if event["eventType"] == "INVOKE" {
                ext.busy_with = event["requestId"].as_str().map(str::to_string);
            }
            let name = ext.name.clone();
            st.delivered.push(DeliveredEvent { extension: name, event: event.clone(), at });
            Some(Ok(event))
        });
        match event {
            Some(Ok(event)) => {
                let mut response = api_error::json_response(
                    StatusCode::OK,
                    Bytes::from(serde_json::to_vec(&event).unwrap_or_default()),
                );
                if let Ok(v) = HeaderValue::from_str(&ids::uuid_v4()) {
                    response.headers_mut().insert("lambda-extension-event-identifier", v);
                }
                return response;
            }
            Some(Err(e)) => return e.into_response(),
            None => {}
        }
        if shared.is_closed() || changes.changed().await.is_err() {
            return ApiError::Internal.into_response();
        }
    }
}

/// `POST /extension/init/error` (`init == true`) and `POST /extension/exit/error`.
pub(crate) async fn report_error(shared: Arc<Shared>, req: Request<Incoming>, init: bool) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let id = match identifier(&parts.headers) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let Some(error_type) =
        parts.headers.get(ERROR_TYPE).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty()).map(str::to_string)
    else {
        return ApiError::MissingErrorTypeHeader.into_response();
    };
    let body = match read_body(body).await {
        Ok(b) => ErrorBody::from_bytes(b),
        Err(e) => return e.into_response(),
    };
    let result = lifecycle::update(&shared, |st| {
        let initializing = matches!(st.env, Env::Initializing { .. });
        let generation = st.generation;
        let Some(ext) = st.extensions.iter_mut().find(|e| e.id == id) else {
            return Err(ApiError::UnknownExtensionIdentifier("Unknown Lambda-Extension-Identifier".into()));
        };
        let name = ext.name.clone();
        if init && !initializing {
            return Err(ApiError::ExtensionInvalidState(format!(
                "State transition from Ready to InitError failed for extension {id}. Error: State transition is not allowed"
            )));
        }
        ext.exited = true;
        shared
            .log
            .emulator(format!("[ext:{name}] reported {} error {error_type}", if init { "an init" } else { "an exit" }));
        if !initializing {
            return Ok(None);
        }
        let message = format!("Extension {name} reported {error_type}");
        let failure = init_failure(&error_type, message, Some(body.clone()));
        Ok(st.fail_init(&shared.config, &shared.log, generation, failure))
    });
    match result {
        Ok(reset) => {
            lifecycle::run(&shared, reset);
            api_error::accepted()
        }
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_bodies() {
        assert_eq!(
            parse_register(br#"{"events":["INVOKE","SHUTDOWN"]}"#, false),
            Ok(vec!["INVOKE".to_string(), "SHUTDOWN".to_string()])
        );
        assert_eq!(parse_register(br#"{"events":[]}"#, false), Ok(vec![]));
        assert!(matches!(parse_register(b"{not json", false), Err(ApiError::InvalidRequestFormat(_))));
        assert!(matches!(parse_register(br#"{"events":["FOO"]}"#, false), Err(ApiError::InvalidEventType(_))));
        assert!(matches!(parse_register(br#"{"events":["INVOKE"]}"#, true), Err(ApiError::InvalidEventType(_))));
        assert!(matches!(
            parse_register(br#"{"events":[],"configurationKeys":["a"]}"#, false),
            Err(ApiError::InvalidRequestFormat(_))
        ));
    }
}
