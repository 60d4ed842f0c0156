//! The `lambda-adapter` binary against a hostile Runtime API (issue 14): a hand-written
//! fake Lambda (`common::FakeLambda`) that is slow to hand out events, refuses or cuts
//! result posts, hands out oversized events and invalid invocation headers, or goes away.
//!
//! The adapter reports what it can, never spins, keeps serving while Lambda is there, and
//! exits non-zero with a clear line only when Lambda itself is gone.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common::{
    eventually, furl_event, now_ms, target_of, Conn, Deadline, FakeLambda, Invocation, Next, PostAnswer, Posted,
    RawApp, Running, NEXT,
};
use http::HeaderValue;

const RESULT_WAIT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Buffered,
    Streaming,
}

/// A well-behaved app: `/ok` (and the readiness check) answer `ok`; `/big` 1 MiB of `x`;
/// `/slow` `slow` after 300 ms; `/echo-len` the length of the request body; `/stream`
/// four chunks 100 ms apart. `streams` counts `/stream` answers still being written.
struct App {
    raw: RawApp,
    streams: Arc<AtomicUsize>,
}

async fn app() -> App {
    let streams = Arc::new(AtomicUsize::new(0));
    let counter = streams.clone();
    let raw = RawApp::start(0, move |_, socket| {
        let streams = counter.clone();
        async move {
            let mut conn = Conn::new(socket);
            while let Some((head, body)) = conn.request().await {
                let reply = match target_of(&head) {
                    "/big" => {
                        let body = vec![b'x'; 1024 * 1024];
                        [format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n", body.len()).into_bytes(), body].concat()
                    }
                    "/slow" => {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 4\r\n\r\nslow".to_vec()
                    }
                    "/echo-len" => {
                        let text = body.len().to_string();
                        format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{text}", text.len())
                            .into_bytes()
                    }
                    "/stream" => {
                        streams.fetch_add(1, Ordering::SeqCst);
                        let mut ok = conn
                            .send(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
                            .await;
                        for i in 0..4 {
                            let data = format!("data: {i}\n\n");
                            ok = ok && conn.send(format!("{:x}\r\n{data}\r\n", data.len()).as_bytes()).await;
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        ok = ok && conn.send(b"0\r\n\r\n").await;
                        streams.fetch_sub(1, Ordering::SeqCst);
                        if !ok {
                            return;
                        }
                        continue;
                    }
                    _ => b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok".to_vec(),
                };
                if !conn.send(&reply).await {
                    return;
                }
            }
        }
    })
    .await;
    App { raw, streams }
}

fn start(fake: &FakeLambda, app: &App, mode: Mode) -> Running {
    let port = app.raw.port.to_string();
    let mut env = vec![("AWS_LWA_PORT", port.as_str())];
    if mode == Mode::Streaming {
        env.push(("AWS_LWA_INVOKE_MODE", "response_stream"));
    }
    Running::start(&fake.address, &env)
}

fn get(path: &str) -> Vec<u8> {
    furl_event("GET", path, "", &[])
}

/// The invocation `id` got the app's `200` with `body`.
fn assert_answer(posted: &Posted, body: &[u8], adapter: &Running) {
    let context = || format!("{}\nadapter log:\n{}", posted.summary(), adapter.log());
    assert_eq!(posted.kind, "response", "{}", context());
    assert_eq!(posted.status(), Some(200), "{}", context());
    assert_eq!(posted.error_type(), None, "{}", context());
    assert!(posted.payload() == body, "the app's body arrived changed: {}", context());
}

/// The adapter is still there and serves an ordinary event.
async fn assert_serves_the_next_event(fake: &FakeLambda, adapter: &mut Running, id: &str) {
    fake.push(Invocation::new(id, get("/ok")));
    // Stop waiting as soon as the adapter is gone.
    eventually(RESULT_WAIT, || !adapter.running() || fake.posts().iter().any(|p| p.id == id)).await;
    let Some(posted) = fake.try_posted(id, Duration::from_millis(100)).await else {
        let state = if adapter.alive() { "still running" } else { "exited" };
        panic!("the next event ({id}) was not served; the adapter has {state}\nadapter log:\n{}", adapter.log());
    };
    assert_answer(&posted, b"ok", adapter);
    assert!(adapter.alive(), "the adapter exited\n{}", adapter.log());
}

/// A Runtime API that takes its time to hand out the next event: the adapter waits on
/// its one `/next` without asking again, without CPU and without new descriptors, then
/// serves the event when it comes (800 ms into a slow answer).
#[tokio::test]
async fn slow_next_is_waited_for_without_spinning() {
    let app = app().await;
    let fake = FakeLambda::start().await;
    let mut adapter = start(&fake, &app, Mode::Buffered);
    assert!(eventually(RESULT_WAIT, || fake.count("GET", NEXT) == 1).await, "the adapter never asked for an event");
    let (fds, ticks, requests) = (adapter.fds(), adapter.cpu_ticks(), fake.requests().len());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let used = adapter.cpu_ticks() - ticks;
    assert!(used <= 5, "waiting 2 s on /next used {used} clock ticks of CPU\n{}", adapter.log());
    assert_eq!(fake.requests().len(), requests, "requests while waiting: {:?}", fake.requests());
    assert!(adapter.fds() <= fds, "descriptors grew while waiting: {fds} -> {}", adapter.fds());

    fake.push(Invocation::new("late", get("/ok")).after(Duration::from_millis(800)));
    let posted = fake.posted("late", RESULT_WAIT).await;
    assert_answer(&posted, b"ok", &adapter);
    assert!(adapter.alive());
}

/// Lambda refuses a result post (`413`: payload too large; `500`): the adapter logs a
/// line naming the invocation and the status, does not retry in a loop, and serves the
/// next event.
#[rstest::rstest]
#[case::response_500_buffered(Mode::Buffered, get("/ok"), 500)]
#[case::response_413_buffered(Mode::Buffered, get("/big"), 413)]
#[case::response_413_streaming(Mode::Streaming, get("/stream"), 413)]
#[case::response_500_streaming(Mode::Streaming, get("/stream"), 500)]
#[case::error_500(Mode::Buffered, b"{not json".to_vec(), 500)]
#[tokio::test]
async fn refused_result_post_is_logged_and_the_next_event_is_served(
    #[case] mode: Mode,
    #[case] event: Vec<u8>,
    #[case] status: u16,
) {
    let app = app().await;
    let fake = FakeLambda::start().await;
    let mut adapter = start(&fake, &app, mode);
    fake.answer_posts("refused", PostAnswer::Status(status));
    fake.push(Invocation::new("refused", event));
    fake.posted("refused", RESULT_WAIT).await;
    let line =
        adapter.log_line(Duration::from_secs(5), |l| l.contains("refused") && l.contains(&status.to_string())).await;
    assert!(line.is_some(), "no log line names the invocation and the {status}:\n{}", adapter.log());
    assert_serves_the_next_event(&fake, &mut adapter, "after").await;
    let attempts = fake.posts().iter().filter(|p| p.id == "refused").count();
    assert!(attempts <= 2, "the refused result was posted {attempts} times");
}

/// Lambda cuts the connection in the middle of a result post: the adapter logs it, lets
/// go of the app's response (a stream being forwarded stops), and serves the next event.
#[rstest::rstest]
#[case::buffered_response(Mode::Buffered, get("/big"))]
#[case::streamed_response(Mode::Streaming, get("/stream"))]
#[case::streamed_big_response(Mode::Streaming, get("/big"))]
#[case::invocation_error(Mode::Buffered, b"{not json".to_vec())]
#[tokio::test]
async fn result_post_cut_midway_is_logged_and_the_next_event_is_served(#[case] mode: Mode, #[case] event: Vec<u8>) {
    let app = app().await;
    let fake = FakeLambda::start().await;
    let mut adapter = start(&fake, &app, mode);
    fake.answer_posts("cut-post", PostAnswer::CutMidBody);
    fake.push(Invocation::new("cut-post", event));
    let posted = fake.posted("cut-post", RESULT_WAIT).await;
    assert!(!posted.complete || posted.answer == PostAnswer::CutMidBody);
    let line = adapter.log_line(Duration::from_secs(5), |l| l.contains("cut-post") && l.contains("ERROR")).await;
    assert!(line.is_some(), "no error line names the invocation:\n{}", adapter.log());
    assert_serves_the_next_event(&fake, &mut adapter, "after").await;
    let released = eventually(Duration::from_secs(3), || app.streams.load(Ordering::SeqCst) == 0).await;
    assert!(released, "the app is still streaming to an adapter whose post was cut");
}

/// A 7 MiB event (over Lambda's 6 MB request limit, so only a broken or local Lambda
/// sends it): forwarded whole (the adapter has no reason to refuse what Lambda handed
/// out), no crash, and the next event is served.
#[tokio::test]
async fn oversized_event_is_forwarded_and_the_next_event_is_served() {
    let app = app().await;
    let fake = FakeLambda::start().await;
    let mut adapter = start(&fake, &app, Mode::Buffered);
    let body = "a".repeat(7 * 1024 * 1024);
    fake.push(Invocation::new("huge", furl_event("POST", "/echo-len", &body, &[])));
    let posted = fake.posted("huge", Duration::from_secs(30)).await;
    assert_answer(&posted, body.len().to_string().as_bytes(), &adapter);
    assert_serves_the_next_event(&fake, &mut adapter, "after").await;
}

/// An invocation without a usable `Lambda-Runtime-Aws-Request-Id` (absent, or not text)
/// cannot be answered: the adapter says so in a line naming the header, and serves the
/// next event.
#[rstest::rstest]
#[case::missing(None)]
#[case::not_text(Some(HeaderValue::from_bytes(b"id-\xff\xfe").unwrap()))]
#[case::empty(Some(HeaderValue::from_static("")))]
#[tokio::test]
async fn invocation_without_a_request_id_is_named_and_the_next_event_is_served(#[case] id: Option<HeaderValue>) {
    let app = app().await;
    let fake = FakeLambda::start().await;
    let mut adapter = start(&fake, &app, Mode::Buffered);
    fake.push(Invocation::new("unused", get("/ok")).raw_id(id));
    // One invocation at a time: once the next one is served, this one is over.
    assert_serves_the_next_event(&fake, &mut adapter, "after").await;
    let line = adapter
        .log_line(Duration::from_secs(1), |l| l.to_ascii_lowercase().contains("lambda-runtime-aws-request-id"))
        .await;
    assert!(line.is_some(), "no log line names the missing Lambda-Runtime-Aws-Request-Id:\n{}", adapter.log());
}

/// A request id that cannot appear in a URL path as it is (a space; `?` or `/`, which
/// would address another path): the result reaches Lambda under that id (percent-
/// encoded), or else a log line names it; it never lands on another invocation's path.
#[rstest::rstest]
#[case::space("bad id")]
#[case::question_mark("a?b")]
#[case::slash("a/../b")]
#[tokio::test]
async fn request_id_that_is_not_a_path_segment_is_never_misaddressed(#[case] id: &str) {
    let app = app().await;
    let fake = FakeLambda::start().await;
    let mut adapter = start(&fake, &app, Mode::Buffered);
    fake.push(Invocation::new(id, get("/ok")));
    // One invocation at a time: once the next one is served, this one is over.
    assert_serves_the_next_event(&fake, &mut adapter, "after").await;
    let reported = eventually(Duration::from_secs(1), || {
        fake.posts().iter().any(|p| addressed_to(p, id)) || adapter.log().lines().any(|l| l.contains(id))
    })
    .await;
    assert!(reported, "the result for {id:?} reached Lambda under no path and no line names it:\n{}", adapter.log());
    let misaddressed: Vec<String> = fake
        .posts()
        .iter()
        .filter(|p| !addressed_to(p, id) && p.id != "after")
        .map(|p| format!("{} -> {}", p.id, p.summary()))
        .collect();
    assert!(misaddressed.is_empty(), "results for {id:?} posted to other paths: {misaddressed:#?}");
}

/// Whether a post went to `/invocation/<id>/...` with `id` as one (percent-encoded)
/// path segment.
fn addressed_to(posted: &Posted, id: &str) -> bool {
    !posted.id.contains('/') && percent_encoding::percent_decode_str(&posted.id).decode_utf8_lossy() == id
}

/// `Lambda-Runtime-Deadline-Ms` values Lambda never sends: the invocation is served (the
/// app takes 300 ms), with no deadline where none can be read, and nothing panics. A
/// value that is not a number is named in a warning.
#[rstest::rstest]
#[case::absent(Deadline::Absent, false)]
#[case::relative_cargo_lambda_watch(Deadline::Header(HeaderValue::from_static("600000")), false)]
#[case::past(Deadline::Header(HeaderValue::from_str(&(now_ms() - 5_000).to_string()).unwrap()), false)]
#[case::year_3000(Deadline::Header(HeaderValue::from_static("32503680000000")), false)]
#[case::u64_max(Deadline::Header(HeaderValue::from_static("18446744073709551615")), false)]
#[case::padded(Deadline::Header(HeaderValue::from_str(&format!(" {} ", now_ms() + 60_000)).unwrap()), false)]
#[case::not_a_number(Deadline::Header(HeaderValue::from_static("soon")), true)]
#[case::negative(Deadline::Header(HeaderValue::from_static("-5")), true)]
#[case::float(Deadline::Header(HeaderValue::from_static("1.7e12")), true)]
#[case::over_u64(Deadline::Header(HeaderValue::from_static("99999999999999999999")), true)]
#[tokio::test]
async fn odd_deadlines_are_served(#[case] deadline: Deadline, #[case] named: bool) {
    let app = app().await;
    let fake = FakeLambda::start().await;
    let mut adapter = start(&fake, &app, Mode::Buffered);
    fake.push(Invocation::new("odd", get("/slow")).deadline(deadline));
    let posted = fake.posted("odd", RESULT_WAIT).await;
    assert_answer(&posted, b"slow", &adapter);
    if named {
        let line = adapter
            .log_line(Duration::from_secs(2), |l| l.to_ascii_lowercase().contains("lambda-runtime-deadline-ms"))
            .await;
        assert!(line.is_some(), "no warning names the unreadable Lambda-Runtime-Deadline-Ms:\n{}", adapter.log());
    }
    assert_serves_the_next_event(&fake, &mut adapter, "after").await;
}

/// The `/next` long poll's connection drops once while Lambda is still there: that is
/// not Lambda gone. The adapter asks again and serves the event.
#[tokio::test]
async fn next_cut_once_while_lambda_is_up_is_asked_again() {
    let app = app().await;
    let fake = FakeLambda::start().await;
    let mut adapter = start(&fake, &app, Mode::Buffered);
    fake.push(Next::Cut);
    assert_serves_the_next_event(&fake, &mut adapter, "after-cut").await;
}

/// `/next` answers 500 ("container error: the runtime should exit promptly"): the adapter
/// exits non-zero at once, with a line naming the call and the status, without spinning.
#[tokio::test]
async fn next_answering_500_exits_non_zero_with_a_clear_line() {
    let app = app().await;
    let fake = FakeLambda::start().await;
    let mut adapter = start(&fake, &app, Mode::Buffered);
    assert!(eventually(RESULT_WAIT, || fake.count("GET", NEXT) == 1).await, "the adapter never asked for an event");
    let ticks = adapter.cpu_ticks();
    fake.push(Next::Status(500));
    let (status, at_exit) = adapter.exit_within(Duration::from_secs(5)).await.unwrap_or_else(|| {
        panic!("still running 5 s after /next answered 500; {} /next calls\n{}", fake.count("GET", NEXT), adapter.log())
    });
    assert!(!status.success(), "exit status {status}");
    assert!(at_exit - ticks <= 20, "{} clock ticks of CPU on the way out", at_exit - ticks);
    let log = adapter.log();
    let last = log.lines().last().unwrap_or("");
    assert!(
        last.contains("invocation/next") && last.contains("500"),
        "the last line does not say why: {last:?}\n{log}"
    );
}

/// Lambda goes away after an invocation (its listener and every connection closed): the
/// adapter exits non-zero within a few seconds, with a last line naming the Lambda call
/// that failed, and without spinning on the way.
#[tokio::test]
async fn runtime_api_gone_exits_non_zero_with_a_clear_line() {
    let app = app().await;
    let fake = FakeLambda::start().await;
    let mut adapter = start(&fake, &app, Mode::Buffered);
    fake.push(Invocation::new("one", get("/ok")));
    assert_answer(&fake.posted("one", RESULT_WAIT).await, b"ok", &adapter);
    assert!(eventually(RESULT_WAIT, || fake.count("GET", NEXT) == 2).await);
    let ticks = adapter.cpu_ticks();
    fake.go_away();
    let (status, at_exit) = adapter
        .exit_within(Duration::from_secs(5))
        .await
        .unwrap_or_else(|| panic!("still running 5 s after Lambda went away\n{}", adapter.log()));
    assert!(!status.success(), "exit status {status}");
    assert!(at_exit - ticks <= 20, "{} clock ticks of CPU on the way out", at_exit - ticks);
    let log = adapter.log();
    let last = log.lines().last().unwrap_or("");
    assert!(
        last.contains("invocation/next") || last.contains("event/next"),
        "the last line does not say which call to Lambda failed: {last:?}\n{log}"
    );
}
