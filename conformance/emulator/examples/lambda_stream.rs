//! A streaming `lambda_runtime` function used by the emulator's tests: answers with an
//! HTTP integration prelude (status 201, a header, a cookie) and `chunks` body chunks
//! `delay_ms` apart; with `"fail": true` the stream ends with an error, which
//! lambda_runtime 1.5 writes into the body instead of sending trailers.

use std::time::Duration;

use lambda_runtime::{service_fn, Error, LambdaEvent, MetadataPrelude, StreamResponse};
use serde_json::Value;
use tokio_stream::wrappers::UnboundedReceiverStream;

async fn handler(
    event: LambdaEvent<Value>,
) -> Result<StreamResponse<UnboundedReceiverStream<Result<String, Error>>>, Error> {
    let payload = event.payload;
    let chunks = payload.get("chunks").and_then(Value::as_u64).unwrap_or(3);
    let delay = payload.get("delay_ms").and_then(Value::as_u64).unwrap_or(50);
    let fail = payload.get("fail").and_then(Value::as_bool).unwrap_or(false);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        for i in 0..chunks {
            if i > 0 {
                tokio::time::sleep(Duration::from_millis(delay)).await;
            }
            if tx.send(Ok(format!("chunk {i}\n"))).is_err() {
                return;
            }
        }
        if fail {
            let _ = tx.send(Err("the stream failed on purpose".into()));
        }
    });
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", http::HeaderValue::from_static("text/plain"));
    headers.insert("x-custom", http::HeaderValue::from_static("yes"));
    Ok(StreamResponse {
        metadata_prelude: MetadataPrelude {
            status_code: http::StatusCode::CREATED,
            headers,
            cookies: vec!["a=1; Path=/".into()],
        },
        stream: UnboundedReceiverStream::new(rx),
    })
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
