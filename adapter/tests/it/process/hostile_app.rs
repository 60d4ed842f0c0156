//! The `lambda-adapter` binary against a hostile app (issue 14): one raw-TCP app whose
//! `/hostile` requests get a chosen misbehaviour, every other request a plain `200 ok`.
//!
//! Each behaviour, in buffered and response_stream mode where they differ, must end the
//! invocation with a named error (or the app's intact answer) within the invocation's
//! deadline; the next invocation must then be served by the same adapter process; and
//! after more rounds of the same abuse the adapter must hold no more file descriptors,
//! app connections or CPU than before (a leaked task, connection or descriptor shows as
//! one of the three).

use std::time::{Duration, Instant};

use crate::common::{eventually, furl_event, target_of, Conn, FakeLambda, Invocation, Posted, RawApp, Running};
use tokio::net::TcpStream;

/// The deadline of the first hostile invocation of each test.
const DEADLINE_MS: u64 = 1_500;
/// The deadline of the later rounds (only the outcome is checked there, not the timing).
const ROUND_DEADLINE_MS: u64 = 500;
/// Rounds of abuse after the first, for the leak checks.
const ROUNDS: usize = 3;
/// How late after the deadline a result may reach Lambda on a loaded test machine. The
/// adapter itself aims 50 ms before the deadline.
const LATE_MS: u64 = 1_000;
/// How long any single result may take to arrive at all.
const RESULT_WAIT: Duration = Duration::from_secs(15);

/// What the app does with a `/hostile` request.
#[derive(Debug, Clone, Copy)]
enum Hostile {
    /// Accepts, reads the request, never answers (holds the connection until the adapter closes it).
    NeverAnswers,
    /// Sends a head promising 100 bytes and 7 of them, then stalls.
    HeadThenStall,
    /// A chunked body that never ends: 16 KiB chunks as fast as they are taken, with
    /// `pause_ms` between them.
    EndlessBody { pause_ms: u64 },
    /// A chunked body that never ends, one byte every 50 ms.
    Trickle,
    /// Sends a head promising 1000 bytes and 10 of them, then resets the connection.
    ResetMidBody,
    /// Reads the request and resets the connection without a byte of answer (every time:
    /// the adapter's one resend of a GET meets the same).
    ResetBeforeHead,
    /// `100 Continue` before reading the body, `103 Early Hints`, then the answer.
    Interim,
    /// An HTTP/1.0 answer without content-length: the body ends when the app closes.
    Http10CloseDelimited,
    /// The same in HTTP/1.1 (`connection: close`, no content-length).
    Http11CloseDelimited,
    /// A status line that is not HTTP.
    GarbageStatusLine,
    /// `kib` KiB of response headers in `count` headers.
    HugeHeaders { count: usize, kib: usize },
    /// `count` small response headers (`x-h-N: v`).
    ManyHeaders { count: usize },
}

/// What the hostile invocation must end with.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// An invocation error of this type.
    Error(&'static str),
    /// A streamed response: a 200 prelude, some of the body, then error trailers of this type.
    StreamCut(&'static str),
    /// The app's answer, status 200 and this body, complete.
    Answer(Body),
}

/// The body the app answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    /// `got:payload` (the request body echoed after the interim responses).
    Echo,
    /// 64 KiB of [`pattern`].
    Pattern,
    /// `ok`.
    Ok,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Buffered,
    Streaming,
}

/// 64 KiB of a recognisable pattern.
fn pattern() -> Vec<u8> {
    (0..64 * 1024).map(|i| b"0123456789abcdefghijklmnopqrstuvwxyz"[i % 36]).collect()
}

fn ok_answer() -> &'static [u8] {
    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok"
}

/// Serves one connection: `/hostile` gets `behaviour`, anything else `200 ok` (keep-alive).
async fn serve(behaviour: Hostile, socket: TcpStream) {
    let mut conn = Conn::new(socket);
    while let Some(head) = conn.head().await {
        if target_of(&head).starts_with("/hostile") {
            match misbehave(behaviour, &mut conn, &head).await {
                After::KeepServing => continue,
                After::WaitForClose => return conn.until_closed().await,
                After::Reset => return conn.reset(),
                After::Close => return,
            }
        }
        if conn.body(&head).await.is_none() || !conn.send(ok_answer()).await {
            return;
        }
    }
}

/// What the connection does after the misbehaviour.
enum After {
    /// The answer was complete: serve the next request on the connection.
    KeepServing,
    /// Hold the connection until the adapter closes it (a connection the adapter
    /// forgets stays open and is counted).
    WaitForClose,
    /// Reset it.
    Reset,
    /// Close it (FIN).
    Close,
}

async fn misbehave(behaviour: Hostile, conn: &mut Conn, head: &str) -> After {
    match behaviour {
        Hostile::NeverAnswers => After::WaitForClose,
        Hostile::HeadThenStall => {
            conn.send(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\npartial").await;
            After::WaitForClose
        }
        Hostile::EndlessBody { pause_ms } => {
            let chunk = [format!("{:x}\r\n", 16 * 1024).into_bytes(), vec![b'x'; 16 * 1024], b"\r\n".to_vec()].concat();
            let mut ok =
                conn.send(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n").await;
            while ok {
                ok = conn.send(&chunk).await;
                if pause_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(pause_ms)).await;
                }
            }
            After::Close
        }
        Hostile::Trickle => {
            let mut ok =
                conn.send(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n").await;
            while ok {
                ok = conn.send(b"1\r\nx\r\n").await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            After::Close
        }
        Hostile::ResetMidBody => {
            conn.send(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\n0123456789").await;
            // Let the head and the first bytes be read before the reset discards them.
            tokio::time::sleep(Duration::from_millis(100)).await;
            After::Reset
        }
        Hostile::ResetBeforeHead => {
            let _ = conn.body(head).await;
            After::Reset
        }
        Hostile::Interim => {
            if !conn.send(b"HTTP/1.1 100 Continue\r\n\r\n").await {
                return After::Close;
            }
            let Some(body) = conn.body(head).await else { return After::Close };
            let answer = [b"got:".as_slice(), &body].concat();
            let reply = [
                b"HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n".as_slice(),
                format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n", answer.len())
                    .as_bytes(),
                &answer,
            ]
            .concat();
            conn.send(&reply).await;
            After::KeepServing
        }
        Hostile::Http10CloseDelimited | Hostile::Http11CloseDelimited => {
            let head = if matches!(behaviour, Hostile::Http10CloseDelimited) {
                "HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\n"
            } else {
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n"
            };
            conn.send(head.as_bytes()).await;
            // In pieces, so the body arrives over several reads.
            for piece in pattern().chunks(16 * 1024) {
                if !conn.send(piece).await {
                    return After::Close;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            After::Close
        }
        Hostile::GarbageStatusLine => {
            conn.send(b"HTTPS/9.9 OK-ish banana\r\n\x01\x02 not a header\r\n\r\nwhatever").await;
            After::WaitForClose
        }
        Hostile::HugeHeaders { count, kib } => {
            let value = "v".repeat(kib * 1024 / count);
            let mut reply = String::from("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n");
            for i in 0..count {
                reply.push_str(&format!("x-big-{i}: {value}\r\n"));
            }
            reply.push_str("\r\nok");
            conn.send(reply.as_bytes()).await;
            After::KeepServing
        }
        Hostile::ManyHeaders { count } => {
            let mut reply = String::from("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n");
            for i in 0..count {
                reply.push_str(&format!("x-h-{i}: v\r\n"));
            }
            reply.push_str("\r\nok");
            conn.send(reply.as_bytes()).await;
            After::KeepServing
        }
    }
}

/// The hostile request: a GET, or for `Interim` a POST with a body and `expect: 100-continue`.
fn hostile_event(behaviour: Hostile) -> Vec<u8> {
    match behaviour {
        Hostile::Interim => furl_event("POST", "/hostile", "payload", &[("expect", "100-continue")]),
        _ => furl_event("GET", "/hostile", "", &[]),
    }
}

fn env(mode: Mode, port: u16) -> Vec<(&'static str, String)> {
    let mut env = vec![("AWS_LWA_PORT", port.to_string())];
    if mode == Mode::Streaming {
        env.push(("AWS_LWA_INVOKE_MODE", "response_stream".to_owned()));
    }
    env
}

fn start(fake: &FakeLambda, env: &[(&'static str, String)]) -> Running {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Running::start(&fake.address, &env)
}

/// Checks one hostile outcome against `expect`; with `timed`, also that it reached
/// Lambda by the deadline (and, for a timeout, not long before it).
fn check(posted: &Posted, mode: Mode, expect: Expect, timed: bool, adapter: &Running) {
    let context = || format!("{}\nadapter log:\n{}", posted.summary(), adapter.log());
    match expect {
        Expect::Error(error_type) => {
            assert_eq!(posted.kind, "error", "{}", context());
            assert_eq!(posted.error_type().as_deref(), Some(error_type), "{}", context());
        }
        Expect::StreamCut(error_type) => {
            assert_eq!(posted.kind, "response", "{}", context());
            assert!(posted.streamed(), "{}", context());
            assert_eq!(posted.status(), Some(200), "the prelude went out first: {}", context());
            assert_eq!(posted.error_type().as_deref(), Some(error_type), "{}", context());
            assert!(posted.error_message().is_some_and(|m| !m.is_empty()), "{}", context());
        }
        Expect::Answer(body) => {
            assert_eq!(posted.kind, "response", "{}", context());
            assert_eq!(posted.streamed(), mode == Mode::Streaming, "{}", context());
            assert_eq!(posted.status(), Some(200), "{}", context());
            assert_eq!(posted.error_type(), None, "{}", context());
            let want = match body {
                Body::Echo => b"got:payload".to_vec(),
                Body::Pattern => pattern(),
                Body::Ok => b"ok".to_vec(),
            };
            let got = posted.payload();
            assert!(
                got == want,
                "the app's body arrived changed ({} bytes, want {}): {}",
                got.len(),
                want.len(),
                context()
            );
        }
    }
    if timed {
        let deadline = posted.deadline_ms.expect("the hostile invocation had a deadline");
        assert!(
            posted.arrived_ms <= deadline + LATE_MS,
            "the result reached Lambda {} ms after the deadline: {}",
            posted.arrived_ms - deadline,
            context()
        );
        if posted.error_type().as_deref() == Some("Adapter.AppTimeout") {
            assert!(
                posted.arrived_ms + 300 >= deadline,
                "a timeout {} ms before the deadline: {}",
                deadline - posted.arrived_ms,
                context()
            );
        }
    }
}

/// One hostile invocation then one plain one, both checked.
async fn round(
    fake: &FakeLambda,
    adapter: &Running,
    behaviour: Hostile,
    mode: Mode,
    expect: Expect,
    n: usize,
    deadline_ms: u64,
) {
    let hostile = format!("hostile-{n}");
    fake.push(Invocation::new(&hostile, hostile_event(behaviour)).deadline_in(deadline_ms));
    let posted = fake.posted(&hostile, RESULT_WAIT).await;
    check(&posted, mode, expect, n == 0, adapter);
    let after = format!("after-{n}");
    fake.push(Invocation::new(&after, furl_event("GET", "/ok", "", &[])));
    let posted = fake.posted(&after, RESULT_WAIT).await;
    check(&posted, mode, Expect::Answer(Body::Ok), false, adapter);
}

/// After the rounds: the adapter's descriptors back near `baseline`, the app's
/// connections closed but for a pooled one or two, and no CPU used while idle.
async fn assert_nothing_leaked(adapter: &Running, app: &RawApp, baseline: usize) {
    let settled = eventually(Duration::from_secs(4), || adapter.fds() <= baseline + 2 && app.open() <= 2).await;
    assert!(
        settled,
        "leak after {ROUNDS} more rounds: {} fds (baseline {baseline}): {:?}; the app still has {} of {} connections open\nadapter log:\n{}",
        adapter.fds(),
        adapter.fd_targets(),
        app.open(),
        app.accepted(),
        adapter.log()
    );
    let before = adapter.cpu_ticks();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let used = adapter.cpu_ticks() - before;
    assert!(used <= 5, "the idle adapter used {used} clock ticks of CPU in 300 ms (a task left running?)");
}

#[rstest::rstest]
#[case::never_answers_buffered(Hostile::NeverAnswers, Mode::Buffered, Expect::Error("Adapter.AppTimeout"))]
#[case::never_answers_streaming(Hostile::NeverAnswers, Mode::Streaming, Expect::Error("Adapter.AppTimeout"))]
#[case::head_then_stall_buffered(Hostile::HeadThenStall, Mode::Buffered, Expect::Error("Adapter.AppTimeout"))]
#[case::head_then_stall_streaming(Hostile::HeadThenStall, Mode::Streaming, Expect::StreamCut("Adapter.AppTimeout"))]
#[case::endless_body_buffered(
    Hostile::EndlessBody { pause_ms: 0 },
    Mode::Buffered,
    Expect::Error("Adapter.ResponseTooLarge")
)]
#[case::trickling_endless_body_buffered(Hostile::Trickle, Mode::Buffered, Expect::Error("Adapter.AppTimeout"))]
#[case::endless_body_streaming(
    Hostile::EndlessBody { pause_ms: 20 },
    Mode::Streaming,
    Expect::StreamCut("Adapter.AppTimeout")
)]
#[case::reset_mid_body_buffered(Hostile::ResetMidBody, Mode::Buffered, Expect::Error("Adapter.AppConnectionError"))]
#[case::reset_mid_body_streaming(
    Hostile::ResetMidBody,
    Mode::Streaming,
    Expect::StreamCut("Adapter.AppConnectionError")
)]
#[case::reset_before_head_buffered(
    Hostile::ResetBeforeHead,
    Mode::Buffered,
    Expect::Error("Adapter.AppConnectionError")
)]
#[case::reset_before_head_streaming(
    Hostile::ResetBeforeHead,
    Mode::Streaming,
    Expect::Error("Adapter.AppConnectionError")
)]
#[case::interim_1xx_buffered(Hostile::Interim, Mode::Buffered, Expect::Answer(Body::Echo))]
#[case::interim_1xx_streaming(Hostile::Interim, Mode::Streaming, Expect::Answer(Body::Echo))]
#[case::http10_close_delimited_buffered(Hostile::Http10CloseDelimited, Mode::Buffered, Expect::Answer(Body::Pattern))]
#[case::http10_close_delimited_streaming(Hostile::Http10CloseDelimited, Mode::Streaming, Expect::Answer(Body::Pattern))]
#[case::http11_close_delimited_buffered(Hostile::Http11CloseDelimited, Mode::Buffered, Expect::Answer(Body::Pattern))]
#[case::garbage_status_line_buffered(
    Hostile::GarbageStatusLine,
    Mode::Buffered,
    Expect::Error("Adapter.AppConnectionError")
)]
#[case::garbage_status_line_streaming(
    Hostile::GarbageStatusLine,
    Mode::Streaming,
    Expect::Error("Adapter.AppConnectionError")
)]
#[case::one_100_kib_header_buffered(Hostile::HugeHeaders { count: 1, kib: 100 }, Mode::Buffered, Expect::Answer(Body::Ok))]
#[case::one_100_kib_header_streaming(Hostile::HugeHeaders { count: 1, kib: 100 }, Mode::Streaming, Expect::Answer(Body::Ok))]
// A buffered answer's head may take 128 KiB (the read buffer's cap), and never more than
// twice that (hyper refuses a head only when a read leaves it incomplete past the cap, and
// one read brings at most the buffer's room); a streamed one, whose reads are bigger,
// about 400 KB.
#[case::a_head_over_twice_128_kib_buffered(
    Hostile::HugeHeaders { count: 1, kib: 300 },
    Mode::Buffered,
    Expect::Error("Adapter.AppConnectionError")
)]
#[case::a_300_kib_head_streaming(Hostile::HugeHeaders { count: 1, kib: 300 }, Mode::Streaming, Expect::Answer(Body::Ok))]
#[case::more_headers_than_the_adapter_takes_buffered(
    Hostile::HugeHeaders { count: 2000, kib: 100 },
    Mode::Buffered,
    Expect::Error("Adapter.AppConnectionError")
)]
#[case::a_150_small_headers_buffered(Hostile::ManyHeaders { count: 150 }, Mode::Buffered, Expect::Answer(Body::Ok))]
#[tokio::test]
async fn hostile_app(#[case] behaviour: Hostile, #[case] mode: Mode, #[case] expect: Expect) {
    let app = RawApp::start(0, move |_, socket| serve(behaviour, socket)).await;
    let fake = FakeLambda::start().await;
    let adapter = start(&fake, &env(mode, app.port));

    round(&fake, &adapter, behaviour, mode, expect, 0, DEADLINE_MS).await;
    let baseline = adapter.fds();
    for n in 1..=ROUNDS {
        round(&fake, &adapter, behaviour, mode, expect, n, ROUND_DEADLINE_MS).await;
    }
    assert_nothing_leaked(&adapter, &app, baseline).await;
}

/// The reset before any answer: a GET is sent once more (the app may have closed an
/// idle connection just as it was reused), never more.
#[tokio::test]
async fn a_request_reset_before_any_answer_is_sent_at_most_twice() {
    let hostile_requests = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = hostile_requests.clone();
    let app = RawApp::start(0, move |_, socket| {
        let seen = seen.clone();
        async move {
            let mut conn = Conn::new(socket);
            while let Some(head) = conn.head().await {
                if target_of(&head).starts_with("/hostile") {
                    seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    return conn.reset();
                }
                if !conn.send(ok_answer()).await {
                    return;
                }
            }
        }
    })
    .await;
    let fake = FakeLambda::start().await;
    let adapter = start(&fake, &env(Mode::Buffered, app.port));
    fake.push(Invocation::new("reset", furl_event("GET", "/hostile", "", &[])).deadline_in(DEADLINE_MS));
    let posted = fake.posted("reset", RESULT_WAIT).await;
    check(&posted, Mode::Buffered, Expect::Error("Adapter.AppConnectionError"), true, &adapter);
    let sent = hostile_requests.load(std::sync::atomic::Ordering::SeqCst);
    assert!((1..=2).contains(&sent), "the request reached the app {sent} times");
}

/// An app that closes every connection idle for 200 ms (a FIN, as uvicorn or Node do
/// with a short keep-alive), and events 500 ms apart: each is served, a POST included
/// (which is never sent twice), so the adapter never writes to a connection the app
/// has closed; and no connection or descriptor piles up.
#[tokio::test]
async fn an_app_closing_idle_connections_after_200_ms_is_served_every_time() {
    let app = RawApp::start(0, |_, socket| async move {
        let mut conn = Conn::new(socket);
        loop {
            let Ok(Some((_, _))) = tokio::time::timeout(Duration::from_millis(200), conn.request()).await else {
                return; // idle for 200 ms (or closed): close
            };
            if !conn.send(ok_answer()).await {
                return;
            }
        }
    })
    .await;
    let fake = FakeLambda::start().await;
    let adapter = start(&fake, &env(Mode::Buffered, app.port));
    let mut baseline = 0;
    for n in 0..=ROUNDS {
        let method = if n % 2 == 0 { "POST" } else { "GET" };
        let id = format!("idle-{n}");
        fake.push(Invocation::new(&id, furl_event(method, "/ok", "x", &[])));
        let posted = fake.posted(&id, RESULT_WAIT).await;
        check(&posted, Mode::Buffered, Expect::Answer(Body::Ok), false, &adapter);
        if n == 0 {
            baseline = adapter.fds();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_nothing_leaked(&adapter, &app, baseline).await;
}

/// An app whose readiness endpoint takes 600 ms to answer (under the 2 s probe limit):
/// the adapter waits for it, sends no flood of probes, serves the first event, and does
/// not keep the probe's connection (the readiness client is not used again after init).
#[tokio::test]
async fn an_app_answering_readiness_slowly_is_waited_for() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let probe_connections_open = Arc::new(AtomicUsize::new(0));
    let open = probe_connections_open.clone();
    let app = RawApp::start(0, move |_, socket| {
        let open = open.clone();
        async move {
            let mut conn = Conn::new(socket);
            let mut probed = false;
            while let Some((head, _)) = conn.request().await {
                if target_of(&head) == "/" {
                    if !probed {
                        probed = true;
                        open.fetch_add(1, Ordering::SeqCst);
                    }
                    tokio::time::sleep(Duration::from_millis(600)).await;
                }
                if !conn.send(ok_answer()).await {
                    break;
                }
            }
            if probed {
                open.fetch_sub(1, Ordering::SeqCst);
            }
        }
    })
    .await;
    let fake = FakeLambda::start().await;
    let started = Instant::now();
    let adapter = start(&fake, &env(Mode::Buffered, app.port));
    fake.push(Invocation::new("first", furl_event("GET", "/ok", "", &[])));
    let posted = fake.posted("first", RESULT_WAIT).await;
    check(&posted, Mode::Buffered, Expect::Answer(Body::Ok), false, &adapter);
    assert!(started.elapsed() >= Duration::from_millis(600), "served before the app was ready");
    assert!(app.accepted() <= 3, "{} connections for one slow probe and one request", app.accepted());
    let closed = eventually(Duration::from_secs(3), || probe_connections_open.load(Ordering::SeqCst) == 0).await;
    assert!(
        closed,
        "the readiness probe's connection is still open 3 s after the app was ready ({} fds: {:?})",
        adapter.fds(),
        adapter.fd_targets()
    );
}

/// Idle connections to the app are kept 1 s (README, `http_client::POOL_IDLE_TIMEOUT`):
/// an app that never closes idle connections itself sees them all closed soon after.
#[tokio::test]
async fn idle_connections_to_the_app_are_closed_after_the_pools_idle_timeout() {
    let app = RawApp::start(0, |_, socket| async move {
        let mut conn = Conn::new(socket);
        while conn.request().await.is_some() {
            if !conn.send(ok_answer()).await {
                return;
            }
        }
    })
    .await;
    let fake = FakeLambda::start().await;
    let adapter = start(&fake, &env(Mode::Buffered, app.port));
    fake.push(Invocation::new("one", furl_event("GET", "/ok", "", &[])));
    check(&fake.posted("one", RESULT_WAIT).await, Mode::Buffered, Expect::Answer(Body::Ok), false, &adapter);
    let closed = eventually(Duration::from_secs(4), || app.open() == 0).await;
    assert!(
        closed,
        "{} of the app's {} connections are still open 4 s after the last request, with a 1 s idle timeout",
        app.open(),
        app.accepted()
    );
}

/// The app dies with a request in flight, is dead for the next invocation, and comes
/// back on the same port: the in-flight request is Adapter.AppConnectionError, the next
/// Adapter.AppUnreachable (both at once, not at the deadline), and once it is back the
/// adapter serves again.
#[tokio::test]
async fn an_app_that_dies_and_restarts_is_served_again() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let hung = Arc::new(AtomicUsize::new(0));
    let serve_until_killed = |hung: Arc<AtomicUsize>| {
        move |_, socket| {
            let hung = hung.clone();
            async move {
                let mut conn = Conn::new(socket);
                while let Some((head, _)) = conn.request().await {
                    if target_of(&head).starts_with("/hang") {
                        // In flight when the app dies.
                        hung.fetch_add(1, Ordering::SeqCst);
                        return conn.until_closed().await;
                    }
                    if !conn.send(ok_answer()).await {
                        return;
                    }
                }
            }
        }
    };
    let app = RawApp::start(0, serve_until_killed(hung.clone())).await;
    let port = app.port;
    let fake = FakeLambda::start().await;
    let adapter = start(&fake, &env(Mode::Buffered, port));

    fake.push(Invocation::new("before", furl_event("GET", "/ok", "", &[])));
    check(&fake.posted("before", RESULT_WAIT).await, Mode::Buffered, Expect::Answer(Body::Ok), false, &adapter);

    // A POST is never sent twice, so the death shows as it is.
    fake.push(Invocation::new("in-flight", furl_event("POST", "/hang", "x", &[])).deadline_in(5_000));
    assert!(
        eventually(Duration::from_secs(5), || hung.load(Ordering::SeqCst) == 1).await,
        "the request reached the app"
    );
    app.stop();
    let posted = fake.posted("in-flight", RESULT_WAIT).await;
    check(&posted, Mode::Buffered, Expect::Error("Adapter.AppConnectionError"), true, &adapter);
    assert!(posted.arrived_ms + 3_000 < posted.deadline_ms.unwrap(), "reported at once, not at the deadline");

    fake.push(Invocation::new("while-dead", furl_event("GET", "/ok", "", &[])).deadline_in(5_000));
    let posted = fake.posted("while-dead", RESULT_WAIT).await;
    check(&posted, Mode::Buffered, Expect::Error("Adapter.AppUnreachable"), true, &adapter);
    assert!(posted.arrived_ms + 3_000 < posted.deadline_ms.unwrap(), "reported at once, not at the deadline");

    let _restarted = RawApp::start(port, serve_until_killed(hung.clone())).await;
    fake.push(Invocation::new("after-restart", furl_event("GET", "/ok", "", &[])));
    check(&fake.posted("after-restart", RESULT_WAIT).await, Mode::Buffered, Expect::Answer(Body::Ok), false, &adapter);
}
