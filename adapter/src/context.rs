//! What Lambda says about one invocation, and the context headers the app receives.

use serde::Serialize;
use serde_json::value::RawValue;

use crate::config::FunctionInfo;
use http::HeaderName;

/// The Runtime API's `invocation/next` headers, as names (looked up on every invocation:
/// a name given as text would be parsed each time).
pub(crate) mod names {
    use http::HeaderName;

    /// Lambda-Runtime-Aws-Request-Id.
    pub(crate) static REQUEST_ID: HeaderName = HeaderName::from_static("lambda-runtime-aws-request-id");
    /// Lambda-Runtime-Deadline-Ms.
    pub(crate) static DEADLINE_MS: HeaderName = HeaderName::from_static("lambda-runtime-deadline-ms");
    /// Lambda-Runtime-Invoked-Function-Arn.
    pub(crate) static FUNCTION_ARN: HeaderName = HeaderName::from_static("lambda-runtime-invoked-function-arn");
    /// Lambda-Runtime-Trace-Id.
    pub(crate) static TRACE_ID: HeaderName = HeaderName::from_static("lambda-runtime-trace-id");
    /// Lambda-Runtime-Client-Context.
    pub(crate) static CLIENT_CONTEXT: HeaderName = HeaderName::from_static("lambda-runtime-client-context");
    /// Lambda-Runtime-Cognito-Identity.
    pub(crate) static COGNITO_IDENTITY: HeaderName = HeaderName::from_static("lambda-runtime-cognito-identity");
    /// Lambda-Runtime-Aws-Tenant-Id.
    pub(crate) static TENANT_ID: HeaderName = HeaderName::from_static("lambda-runtime-aws-tenant-id");
}

/// The invocation's metadata, from the Runtime API's `invocation/next` response headers.
///
/// Values are kept raw: a client context or identity that is not JSON is passed on as
/// `null` with a warning instead of failing the invocation (lambda_runtime 1.5 aborts its
/// whole run loop on a malformed client context).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvokeContext {
    /// Lambda-Runtime-Aws-Request-Id.
    pub request_id: String,
    /// Lambda-Runtime-Deadline-Ms (epoch milliseconds), 0 when absent.
    pub deadline_ms: u64,
    /// Lambda-Runtime-Invoked-Function-Arn.
    pub function_arn: String,
    /// Lambda-Runtime-Trace-Id.
    pub trace_id: Option<String>,
    /// Lambda-Runtime-Client-Context (JSON, raw).
    pub client_context: Option<String>,
    /// Lambda-Runtime-Cognito-Identity (JSON, raw).
    pub cognito_identity: Option<String>,
    /// Lambda-Runtime-Aws-Tenant-Id.
    pub tenant_id: Option<String>,
}

impl InvokeContext {
    /// Reads the Runtime API's headers; a header that is missing or not text is `None`.
    pub fn from_headers(headers: &http::HeaderMap) -> Self {
        let value = |name: &HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let text = |name: &HeaderName| value(name).map(str::to_owned);
        InvokeContext {
            request_id: text(&names::REQUEST_ID).unwrap_or_default(),
            deadline_ms: value(&names::DEADLINE_MS).and_then(|v| v.trim().parse().ok()).unwrap_or(0),
            function_arn: text(&names::FUNCTION_ARN).unwrap_or_default(),
            trace_id: text(&names::TRACE_ID),
            client_context: text(&names::CLIENT_CONTEXT),
            cognito_identity: text(&names::COGNITO_IDENTITY),
            tenant_id: text(&names::TENANT_ID),
        }
    }

    /// The `x-amzn-lambda-context` JSON, with the field names lambda_runtime's `Context`
    /// serialises to (what LWA sends), plus any warnings about fields that were dropped.
    ///
    /// Written straight from borrowed fields (no intermediate `Value`): this runs on every
    /// invocation. A client context or identity is embedded as the raw JSON Lambda sent.
    pub fn lambda_context_json(&self, function: &FunctionInfo) -> (String, Vec<String>) {
        let mut warnings = Vec::new();
        let mut raw_json = |name: &str, raw: &'_ Option<String>| -> Option<Box<RawValue>> {
            let raw = raw.as_deref()?;
            match serde_json::from_str::<Box<RawValue>>(raw) {
                Ok(value) => Some(value),
                Err(err) => {
                    warnings
                        .push(format!("{name} from the Runtime API is not JSON ({err}); passed to the app as null"));
                    None
                }
            }
        };
        let client_context = raw_json("client context", &self.client_context);
        let identity = raw_json("cognito identity", &self.cognito_identity);
        let context = LambdaContext {
            request_id: &self.request_id,
            deadline: self.deadline_ms,
            invoked_function_arn: &self.function_arn,
            xray_trace_id: self.trace_id.as_deref(),
            client_context: client_context.as_deref(),
            identity: identity.as_deref(),
            tenant_id: self.tenant_id.as_deref(),
            env_config: EnvConfig {
                function_name: &function.name,
                memory: function.memory_mb,
                version: &function.version,
                log_stream: &function.log_stream,
                log_group: &function.log_group,
            },
        };
        // Serialising borrowed strings and numbers into a String cannot fail.
        (serde_json::to_string(&context).unwrap_or_default(), warnings)
    }
}

/// The `x-amzn-lambda-context` document, field for field as lambda_runtime's `Context`.
#[derive(Serialize)]
struct LambdaContext<'a> {
    request_id: &'a str,
    deadline: u64,
    invoked_function_arn: &'a str,
    xray_trace_id: Option<&'a str>,
    client_context: Option<&'a RawValue>,
    identity: Option<&'a RawValue>,
    tenant_id: Option<&'a str>,
    env_config: EnvConfig<'a>,
}

#[derive(Serialize)]
struct EnvConfig<'a> {
    function_name: &'a str,
    memory: u32,
    version: &'a str,
    log_stream: &'a str,
    log_group: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn headers(pairs: &[(&'static str, &'static str)]) -> http::HeaderMap {
        pairs.iter().map(|(k, v)| (http::HeaderName::from_static(k), http::HeaderValue::from_static(v))).collect()
    }

    #[test]
    fn reads_every_runtime_header() {
        let ctx = InvokeContext::from_headers(&headers(&[
            ("lambda-runtime-aws-request-id", "req-1"),
            ("lambda-runtime-deadline-ms", "1700000000000"),
            ("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:123456789012:function:f"),
            ("lambda-runtime-trace-id", "Root=1-abc"),
            ("lambda-runtime-client-context", "{\"custom\":{\"k\":\"v\"}}"),
            ("lambda-runtime-cognito-identity", "{\"identity_id\":\"id\"}"),
            ("lambda-runtime-aws-tenant-id", "tenant-7"),
        ]));
        assert_eq!(ctx.request_id, "req-1");
        assert_eq!(ctx.deadline_ms, 1_700_000_000_000);
        assert_eq!(ctx.tenant_id.as_deref(), Some("tenant-7"));
        let (json, warnings) = ctx.lambda_context_json(&FunctionInfo::default());
        assert!(warnings.is_empty());
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["client_context"]["custom"]["k"], "v");
        assert_eq!(v["identity"]["identity_id"], "id");
        assert_eq!(v["xray_trace_id"], "Root=1-abc");
    }

    /// Regression: lambda_runtime 1.5 ends its run loop when the client context is not JSON.
    #[test]
    fn client_context_that_is_not_json_becomes_null_with_a_warning() {
        let ctx = InvokeContext { client_context: Some("not json".into()), ..Default::default() };
        let (json, warnings) = ctx.lambda_context_json(&FunctionInfo::default());
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["client_context"], Value::Null);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("client context"));
    }
}
