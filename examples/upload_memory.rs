//! Benchmark (not a test): uploads a file (100 MiB by default) through an attachment upload
//! session to a loopback server and reports how far the process's peak resident memory rose
//! above the client's baseline, against the target "peak < baseline + 2 × range size".
//!
//! ```text
//! cargo run --release --example upload_memory [-- [SIZE_MB] [--range-bytes N] [--out FILE]]
//! ```
//!
//! - `SIZE_MB`: the file's size in MiB (default 100).
//! - `--range-bytes N`: bytes per range (`LargeUpload::chunk_size`; a multiple of 327,680,
//!   at most 4 MiB; default the crate's 3,276,800).
//! - `--out FILE`: also write the results as `key=value` lines (for scripts/bench).
//!
//! The baseline is the resident memory once the runtime (with its worker threads and one
//! blocking thread), the client and the open file exist, the file is written (in 64 KiB
//! blocks, so writing it raises nothing) and the client has made one request: an upload
//! session created and cancelled. That request pages in the HTTP code and opens the pooled
//! connection, about 0.6 MiB whatever the range size: the cost of a client in use, not of
//! the upload. The resident memory before it is printed as "cold", with the peak over it.
//! The peak high-water mark (`VmHWM`) is reset at the baseline (`/proc/self/clear_refs`), so
//! the peak reported is the upload's own; where that reset is refused, the peak since start.
//! The process exits non-zero when the target is missed.
//!
//! The loopback server runs in a child process (this binary with `--serve SIZE`), so its
//! buffers and tasks (one per connection the client opens) are not counted; it reads each
//! body in 64 KiB pieces and discards them. Everything runs on 127.0.0.1; the server exits
//! when this process closes its stdin.

#[path = "../benches/support/mod.rs"]
mod support;

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use msgraph_outlook::api::DEFAULT_UPLOAD_CHUNK;
use msgraph_outlook::auth::StaticToken;
use msgraph_outlook::GraphClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use support::child_process::ChildServer;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("--serve") {
        let size = args.nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        return serve_main(size);
    }
    let options = match Options::parse(args) {
        Ok(options) => options,
        Err(e) => {
            eprintln!(
                "error: {e}\n\nusage: upload_memory [SIZE_MB] [--range-bytes N] [--out FILE]"
            );
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

struct Options {
    size_mb: u64,
    range: usize,
    out: Option<String>,
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
        let mut options = Options {
            size_mb: 100,
            range: DEFAULT_UPLOAD_CHUNK,
            out: None,
        };
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--range-bytes" => {
                    options.range = value()?.parse().map_err(|e| format!("{arg}: {e}"))?
                }
                "--out" => options.out = Some(value()?),
                size => options.size_mb = size.parse().map_err(|e| format!("{size:?}: {e}"))?,
            }
        }
        Ok(options)
    }
}

/// Returns whether the target was met.
async fn run(options: Options) -> Result<bool, Box<dyn std::error::Error>> {
    let Options {
        size_mb,
        range,
        out,
    } = options;
    let size = size_mb * 1024 * 1024;

    // The file to upload, written in small blocks so that writing it does not raise the peak.
    let path =
        std::env::temp_dir().join(format!("msgraph-outlook-upload-{}.bin", std::process::id()));
    {
        let mut file = std::fs::File::create(&path)?;
        let block = [0x5au8; 64 * 1024];
        for _ in 0..size / block.len() as u64 {
            file.write_all(&block)?;
        }
    }

    // The loopback server: this binary with `--serve SIZE`, in a child process.
    let server = ChildServer::start(&["--serve", &size.to_string()])
        .map_err(|e| e as Box<dyn std::error::Error>)?;
    let origin = server.origin.clone();

    let client = GraphClient::builder()
        .base_url(format!("{origin}/v1.0"))
        .token_provider(StaticToken::delegated("benchmark-token"))
        .build()?;
    let file = tokio::fs::File::open(&path).await?;
    let cold = support::status_kib("VmRSS:");

    // One request before the baseline (a session created, then cancelled): the first request
    // pages in the HTTP code and opens the pooled connection, about 0.6 MiB whatever the
    // range size, which is the cost of a client in use, not of the upload.
    let attachments = client.me().message("AAMkDraft=").attachments();
    attachments
        .upload(
            "warm-up.bin",
            "application/octet-stream",
            size,
            tokio::io::empty(),
        )
        .start()
        .await?
        .cancel()
        .await?;

    // The baseline. Resetting the high-water mark makes the peak below the upload's own.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let baseline = support::status_kib("VmHWM:");

    let started = Instant::now();
    let result = attachments
        .upload("big.bin", "application/octet-stream", size, file)
        .chunk_size(range)
        .send()
        .await;
    let elapsed = started.elapsed();
    let peak = support::status_kib("VmHWM:");
    std::fs::remove_file(&path)?;
    server.stop();
    let id = result?;

    let range_kib = range as u64 / 1024;
    let target = baseline + 2 * range_kib;
    let ratio = (peak.saturating_sub(baseline)) as f64 / range_kib as f64;
    let met = peak < target;
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!("upload_memory: {size_mb} MiB through an upload session to 127.0.0.1, ranges of {range} bytes");
    println!("  attachment id:   {id:?}");
    println!(
        "  time:            {:.2} s ({:.0} MiB/s)",
        elapsed.as_secs_f64(),
        size_mb as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  cold RSS:        {:.1} MiB (runtime, client, open file, no request yet; peak = cold + {:.2} × range)",
        mib(cold),
        (peak.saturating_sub(cold)) as f64 / range_kib as f64
    );
    println!(
        "  baseline RSS:    {:.1} MiB (the same after one request{})",
        mib(baseline),
        if reset {
            ""
        } else {
            "; peak since start: clear_refs refused"
        }
    );
    println!(
        "  peak RSS:        {:.1} MiB = baseline + {:.2} × range",
        mib(peak),
        ratio
    );
    println!(
        "  target:          peak < baseline + 2 × range = {:.1} MiB: {}",
        mib(target),
        if met { "met" } else { "MISSED" }
    );

    if let Some(out) = out {
        let results = [
            ("size_bytes", size.to_string()),
            ("range_bytes", range.to_string()),
            ("seconds", format!("{:.3}", elapsed.as_secs_f64())),
            ("cold_kib", cold.to_string()),
            ("baseline_kib", baseline.to_string()),
            ("baseline_reset", reset.to_string()),
            ("peak_kib", peak.to_string()),
            ("target_kib", target.to_string()),
            ("ratio", format!("{ratio:.2}")),
            ("met", met.to_string()),
        ];
        let text: String = results.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        std::fs::write(&out, text)?;
    }
    Ok(met)
}

/// A minimal Graph + upload host: createUploadSession answers with an upload URL on this
/// server; PUTs are read and discarded; the last one answers 201 with a `Location`; DELETE
/// (cancelling a session) answers 204. Prints its origin, then serves until stdin closes.
fn serve_main(size: u64) -> ExitCode {
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let origin = format!("http://{}", listener.local_addr().expect("address"));
        println!("{origin}");
        std::io::stdout().flush().expect("stdout");
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(connection(stream, origin.clone(), size));
        }
    });
    ExitCode::SUCCESS
}

async fn connection(mut stream: TcpStream, origin: String, size: u64) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    let mut discard = vec![0u8; 64 * 1024];
    loop {
        head.clear();
        while !head.ends_with(b"\r\n\r\n") {
            match stream.read(&mut byte).await {
                Ok(1) => head.push(byte[0]),
                _ => return,
            }
        }
        let text = String::from_utf8_lossy(&head).to_string();
        let header = |name: &str| {
            text.lines()
                .find_map(|l| {
                    l.split_once(':')
                        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                })
                .map(|(_, v)| v.trim().to_string())
        };
        let mut remaining: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while remaining > 0 {
            let n = remaining.min(discard.len());
            if stream.read_exact(&mut discard[..n]).await.is_err() {
                return;
            }
            remaining -= n;
        }
        let (status, extra, body) = if text.starts_with("POST") {
            let url = format!("{origin}/upload/session?authtoken=x");
            (
                201,
                String::new(),
                format!(r#"{{"uploadUrl":"{url}","nextExpectedRanges":["0-"]}}"#),
            )
        } else if text.starts_with("DELETE") {
            (204, String::new(), String::new())
        } else {
            let range = header("content-range").unwrap_or_default();
            let end: u64 = range
                .split(['-', '/'])
                .nth(1)
                .and_then(|e| e.parse().ok())
                .unwrap_or(0);
            if end + 1 == size {
                (201, format!("location: {origin}/api/v2.0/Users('a')/Messages('m')/Attachments('AAMkBench=')\r\n"), String::new())
            } else {
                (
                    200,
                    String::new(),
                    format!(r#"{{"nextExpectedRanges":["{}-"]}}"#, end + 1),
                )
            }
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{extra}\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}
