//! Benchmark (not a test): uploads a 100 MB file through an attachment upload session to a
//! loopback server and reports the process's peak resident memory. The target is a peak
//! under 40 MB: the upload streams one range at a time.
//!
//! ```text
//! cargo run --release --example upload_memory [-- SIZE_MB]
//! ```
//!
//! The loopback server is in this process and discards what it receives, so its own memory
//! stays flat; everything runs on 127.0.0.1.

#[path = "../benches/support/mod.rs"]
mod support;

use std::io::Write;
use std::time::Instant;

use msgraph_outlook::auth::StaticToken;
use msgraph_outlook::GraphClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let size_mb: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100);
    let size = size_mb * 1024 * 1024;

    // The file to upload, written in 1 MiB blocks so that writing it costs no memory either.
    let path =
        std::env::temp_dir().join(format!("msgraph-outlook-upload-{}.bin", std::process::id()));
    {
        let mut file = std::fs::File::create(&path)?;
        let block = vec![0x5au8; 1024 * 1024];
        for _ in 0..size_mb {
            file.write_all(&block)?;
        }
    }
    let before = support::status_kib("VmHWM:");

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let origin = format!("http://{}", listener.local_addr()?);
    tokio::spawn(serve(listener, origin.clone(), size));

    let client = GraphClient::builder()
        .base_url(format!("{origin}/v1.0"))
        .token_provider(StaticToken::delegated("benchmark-token"))
        .build()?;
    let file = tokio::fs::File::open(&path).await?;
    let started = Instant::now();
    let id = client
        .me()
        .message("AAMkDraft=")
        .attachments()
        .upload("big.bin", "application/octet-stream", size, file)
        .send()
        .await?;
    let elapsed = started.elapsed();
    std::fs::remove_file(&path)?;

    let peak = support::status_kib("VmHWM:");
    println!("upload_memory: {size_mb} MiB through an upload session to 127.0.0.1");
    println!("  attachment id:        {id:?}");
    println!(
        "  time:                 {:.2} s ({:.0} MiB/s)",
        elapsed.as_secs_f64(),
        size_mb as f64 / elapsed.as_secs_f64()
    );
    println!("  peak RSS before:      {:.1} MiB", before as f64 / 1024.0);
    println!(
        "  peak RSS after:       {:.1} MiB (target: under 40 MiB)",
        peak as f64 / 1024.0
    );
    if peak > 40 * 1024 {
        return Err(format!("peak RSS {peak} KiB is over 40 MiB").into());
    }
    Ok(())
}

/// A minimal Graph + upload host: createUploadSession answers with an upload URL on this
/// server; PUTs are read and discarded; the last one answers 201 with a `Location`.
async fn serve(listener: TcpListener, origin: String, size: u64) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(connection(stream, origin.clone(), size));
    }
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
