//! A large attachment (3 MB to 150 MB) on a draft through an upload session, then send:
//! the file is streamed one range at a time.
//!
//! ```text
//! cargo run --example large_attachment -- --to alex@contoso.com [--file PATH | --size-mb 8]
//! ```
//!
//! With no `GRAPH_*` credentials set it runs against an in-process sandbox.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use msgraph_outlook::models::Message;

const USAGE: &str = "\
usage: large_attachment [--to ADDR] [--file PATH | --size-mb N]

  --to ADDR     recipient (default alex@contoso.com)
  --file PATH   the file to attach (any size up to 150 MB)
  --size-mb N   without --file: attach a generated file of N MiB (default 8)";

#[tokio::main]
async fn main() -> ExitCode {
    let (mut to, mut file, mut size_mb) = ("alex@contoso.com".to_string(), None, 8u64);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--to", Some(value)) => to = value,
            ("--file", Some(value)) => file = Some(PathBuf::from(value)),
            ("--size-mb", Some(value)) => match value.parse() {
                Ok(n) => size_mb = n,
                Err(_) => return common::usage_error(USAGE, &format!("{value:?} is not a size")),
            },
            _ => return common::usage_error(USAGE, &format!("unexpected argument {arg:?}")),
        }
    }
    let setup = match common::setup().await {
        Ok(setup) => setup,
        Err(e) => return common::fail(e),
    };
    let path = match file {
        Some(path) => path,
        None => match generated(size_mb) {
            Ok(path) => path,
            Err(e) => return common::fail(format!("cannot write a sample file: {e}")),
        },
    };
    let result = run(&setup, &to, &path).await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => common::fail(e),
    }
}

/// A file of `size_mb` MiB in the temp directory, named after its size.
fn generated(size_mb: u64) -> std::io::Result<PathBuf> {
    let path = std::env::temp_dir().join(format!("report-{size_mb}MiB.bin"));
    let mut file = std::fs::File::create(&path)?;
    let block = vec![0x42u8; 1024 * 1024];
    for _ in 0..size_mb {
        file.write_all(&block)?;
    }
    Ok(path)
}

async fn run(
    setup: &common::Setup,
    to: &str,
    path: &std::path::Path,
) -> msgraph_outlook::Result<()> {
    let mailbox = &setup.mailbox;
    let draft = mailbox
        .create_draft(
            Message::new()
                .subject("The full report")
                .text_body("Attached.")
                .to(to),
        )
        .await?;
    let message = mailbox.message(draft.id.unwrap_or_default());
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let id = message
        .attachments()
        .attach_file(path, "application/octet-stream")
        .await?;
    // None: attached, but Graph's answer did not say under which id.
    let id = id.as_deref().unwrap_or("(id not reported)");
    println!("Attached {} ({size} bytes) as {id}", path.display());
    let accepted = message.send().await?;
    common::report(setup, &accepted, true).await;
    Ok(())
}
