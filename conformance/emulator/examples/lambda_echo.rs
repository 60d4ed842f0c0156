//! A `lambda_runtime` function used by the emulator's tests. The event's `action` field
//! picks what it does: `echo` (default) returns the event and its context, `error`
//! returns an error, `panic` panics, `sleep` sleeps `ms` milliseconds, `big` returns a
//! string of `bytes` bytes.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (payload, ctx) = event.into_parts();
    let action = payload.get("action").and_then(Value::as_str).unwrap_or("echo").to_string();
    eprintln!("handling {action} for {}", ctx.request_id);
    match action.as_str() {
        "error" => Err("the handler failed on purpose".into()),
        "panic" => fail(),
        "sleep" => {
            let ms = payload.get("ms").and_then(Value::as_u64).unwrap_or(100);
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            Ok(json!({"slept": ms}))
        }
        "big" => {
            let n = payload.get("bytes").and_then(Value::as_u64).unwrap_or(0) as usize;
            Ok(Value::String("x".repeat(n)))
        }
        _ => Ok(json!({
            "event": payload,
            "requestId": ctx.request_id,
            "deadline": ctx.deadline,
            "invokedFunctionArn": ctx.invoked_function_arn,
            "traceId": ctx.xray_trace_id,
            "tenantId": ctx.tenant_id,
            "functionName": ctx.env_config.function_name,
            "memory": ctx.env_config.memory,
        })),
    }
}

#[allow(clippy::panic)]
fn fail() -> Result<Value, Error> {
    panic!("the handler panicked on purpose")
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    println!("echo function starting");
    lambda_runtime::run(service_fn(handler)).await
}
