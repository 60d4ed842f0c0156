//! `lwa-conformance emulate`.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use lwa_conformance::{Emulator, Invocation};
use serde_json::value::RawValue;
use tokio::sync::mpsc;

use super::LambdaArgs;

/// Arguments of `emulate`.
#[derive(Debug, Args)]
pub(crate) struct EmulateArgs {
    #[command(flatten)]
    lambda: LambdaArgs,
    /// Runtime API port (chosen by the OS when absent).
    #[arg(long)]
    port: Option<u16>,
    /// Invoke with the JSON event(s) of this file (repeatable; in order; `-` is stdin).
    /// Pretty-printed files such as AWS's samples or SAM's events/ work as they are; a file
    /// holding several documents invokes once per document. With --event, stdin is read
    /// only where `-` is given.
    #[arg(long = "event", value_name = "FILE")]
    events: Vec<PathBuf>,
    /// The runtime command (optional when an extension is the runtime, as a web adapter is).
    #[arg(last = true, value_name = "RUNTIME COMMAND")]
    runtime: Vec<String>,
}

/// Where events come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    fn name(&self) -> String {
        match self {
            Self::Stdin => "stdin".into(),
            Self::File(path) => path.display().to_string(),
        }
    }
}

/// The JSON documents of `reader`, one after the other, each as the exact bytes given
/// (whitespace inside kept, whitespace between dropped). Documents may span lines and
/// several may share one. A document is yielded as soon as it is complete, so a terminal
/// or pipe gets one invocation per document as it is typed.
fn documents(reader: impl Read) -> impl Iterator<Item = Result<Vec<u8>, serde_json::Error>> {
    serde_json::Deserializer::from_reader(reader)
        .into_iter::<Box<RawValue>>()
        .map(|doc| doc.map(|raw| raw.get().as_bytes().to_vec()))
}

/// Reads every source in order on a thread of its own (stdin blocks; a plain thread does
/// not hold the runtime up at exit) and sends each document, or why reading stopped.
fn read_events(sources: Vec<Source>) -> mpsc::UnboundedReceiver<anyhow::Result<Vec<u8>>> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for source in sources {
            let reader: Box<dyn Read> = match &source {
                Source::Stdin => Box::new(std::io::stdin().lock()),
                Source::File(path) => match std::fs::File::open(path) {
                    Ok(file) => Box::new(std::io::BufReader::new(file)),
                    Err(e) => {
                        let _ = tx.send(Err(anyhow::anyhow!("cannot read --event {}: {e}", path.display())));
                        return;
                    }
                },
            };
            for (n, doc) in documents(reader).enumerate() {
                let doc = doc.map_err(|e| anyhow::anyhow!("{}: document {} is not JSON: {e}", source.name(), n + 1));
                let failed = doc.is_err();
                if tx.send(doc).is_err() || failed {
                    return;
                }
            }
        }
    });
    rx
}

pub(crate) async fn run(args: EmulateArgs) -> anyhow::Result<ExitCode> {
    let mut config = args.lambda.config()?;
    if let Some(port) = args.port {
        config = config.port(port);
    }
    if !args.runtime.is_empty() {
        config = config.runtime_command(args.runtime.clone());
    }
    let sources: Vec<Source> = if args.events.is_empty() {
        vec![Source::Stdin]
    } else {
        args.events.iter().map(|p| if p.as_os_str() == "-" { Source::Stdin } else { Source::File(p.clone()) }).collect()
    };
    let emulator = Emulator::start(config).await.context("starting the emulator")?;
    println!("AWS_LAMBDA_RUNTIME_API={}", emulator.runtime_api());
    match emulator.init_result() {
        Some(Ok(took)) => eprintln!("[emulator] init done in {:.1} ms", took.as_secs_f64() * 1000.0),
        Some(Err(failure)) => super::print_init_failure(&emulator, &failure).await,
        None => eprintln!("[emulator] waiting for a runtime to poll /runtime/invocation/next"),
    }
    let mut events = read_events(sources);
    let mut code = ExitCode::SUCCESS;
    loop {
        let event = tokio::select! {
            event = events.recv() => event,
            () = super::stop_signal() => None,
        };
        let payload = match event {
            Some(Ok(payload)) => payload,
            Some(Err(e)) => {
                eprintln!("[emulator] {e:#}");
                code = ExitCode::FAILURE;
                break;
            }
            None => break,
        };
        let mut handle = emulator.invoke_streaming(Invocation::new(payload)).await;
        let id = handle.request_id().await;
        let mut doc = handle.outcome().await.to_json();
        doc["requestId"] = id.map(serde_json::Value::String).unwrap_or(serde_json::Value::Null);
        println!("{doc}");
    }
    let report = emulator.shutdown().await;
    super::print_shutdown(&report);
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_span_lines_and_keep_their_bytes() {
        let input = b"{\n  \"a\": 1,\n  \"b\": [1, 2]\n}\n\n{\"c\":\"x y\"} [3]\n\"text\"  42\n";
        let docs: Vec<Vec<u8>> = documents(&input[..]).collect::<Result<_, _>>().expect("all JSON");
        assert_eq!(
            docs,
            vec![
                b"{\n  \"a\": 1,\n  \"b\": [1, 2]\n}".to_vec(),
                b"{\"c\":\"x y\"}".to_vec(),
                b"[3]".to_vec(),
                b"\"text\"".to_vec(),
                b"42".to_vec(),
            ]
        );
    }

    #[test]
    fn garbage_stops_with_an_error() {
        let mut docs = documents(&b"{\"ok\":true}\nnot json\n"[..]);
        assert!(docs.next().is_some_and(|d| d.is_ok()));
        assert!(docs.next().is_some_and(|d| d.is_err()));
        assert_eq!(documents(&b"   \n"[..]).count(), 0);
    }
}
