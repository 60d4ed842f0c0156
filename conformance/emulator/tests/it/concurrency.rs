//! Lambda Managed Instances mode (`AWS_LAMBDA_MAX_CONCURRENCY`): concurrent `/next`
//! pollers, and the Managed Instances rules of the RIE.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::common::{next, post, respond};
use lwa_emulator::{Emulator, EmulatorConfig, Invocation, Outcome};

async fn managed(n: u32) -> Emulator {
    Emulator::start(EmulatorConfig::new().max_concurrency(n).timeout(Duration::from_secs(3))).await.expect("emulator")
}

#[tokio::test]
async fn four_concurrent_pollers_each_get_a_distinct_invocation() {
    let emu = managed(4).await;
    let addr = emu.runtime_api();
    let mut handles = Vec::new();
    for i in 0..4 {
        handles.push(emu.invoke_streaming(Invocation::new(format!("{{\"n\":{i}}}"))).await);
    }
    let pollers: Vec<_> = (0..4)
        .map(|_| {
            let addr = addr.clone();
            tokio::spawn(async move { next(&addr).await })
        })
        .collect();
    let mut got = Vec::new();
    for p in pollers {
        got.push(p.await.expect("join"));
    }
    // All four are out at once, before any answer.
    let ids: HashSet<_> = got.iter().map(|n| n.id.clone()).collect();
    assert_eq!(ids.len(), 4);
    let payloads: HashSet<_> = got.iter().map(|n| n.reply.body.clone()).collect();
    assert_eq!(payloads.len(), 4);
    for n in &got {
        assert_eq!(respond(&addr, &n.id, n.reply.body.clone()).await.status, 202);
    }
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.outcome().await.body_json(), Some(serde_json::json!({"n": i})));
    }
}

#[tokio::test]
async fn no_more_than_the_limit_is_handed_out() {
    let emu = managed(2).await;
    let addr = emu.runtime_api();
    let mut handles = Vec::new();
    for _ in 0..3 {
        handles.push(emu.invoke_streaming(Invocation::new("{}")).await);
    }
    let first = next(&addr).await;
    let second = next(&addr).await;
    let third = tokio::spawn({
        let addr = addr.clone();
        async move { (next(&addr).await, Instant::now()) }
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(!third.is_finished(), "a third invocation went out while two were running");
    // Ordering, not timing: the third goes out only after one of the two has finished,
    // however long it waited (a slow leak would hand it out before the release).
    let released = Instant::now();
    assert_eq!(respond(&addr, &first.id, "1").await.status, 202);
    let (third, handed_out) = third.await.expect("join");
    assert!(handed_out >= released, "the third invocation went out before one of the two running finished");
    assert_eq!(respond(&addr, &second.id, "2").await.status, 202);
    assert_eq!(respond(&addr, &third.id, "3").await.status, 202);
    for h in handles {
        assert_eq!(h.outcome().await.kind(), "buffered");
    }
}

#[tokio::test]
async fn managed_instances_rules() {
    let emu = Emulator::start(EmulatorConfig::new().max_concurrency(2).timeout(Duration::from_millis(200)))
        .await
        .expect("emulator");
    let addr = emu.runtime_api();
    // Extensions may not register for INVOKE in Managed Instances.
    let r = post(
        &addr,
        "/2020-01-01/extension/register",
        &[("lambda-extension-name", "adapter")],
        r#"{"events":["INVOKE","SHUTDOWN"]}"#,
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["errorType"], "Extension.InvalidEventType");
    // A second answer is 400 InvalidRequestID (not 403 as in a classic environment).
    let h = emu.invoke_streaming(Invocation::new("{}")).await;
    let n = next(&addr).await;
    respond(&addr, &n.id, "1").await;
    assert_eq!(respond(&addr, &n.id, "2").await.status, 400);
    h.outcome().await;
    // A timed-out invocation is answered 410 InvokeTimeout, and the environment stays.
    let h = emu.invoke_streaming(Invocation::new("{}")).await;
    let n = next(&addr).await;
    assert_eq!(h.outcome().await, Outcome::Timeout);
    let late = respond(&addr, &n.id, "late").await;
    assert_eq!(late.status, 410);
    assert_eq!(late.json()["errorType"], "InvokeTimeout");
    assert_eq!(emu.init_count(), 1);
}
