//! Sends a ready-made RFC 5322 message (an `.eml` file) as MIME (`sendMail`, text/plain).
//!
//! ```text
//! cargo run --example send_mail_mime -- examples/data/sample.eml
//! cat message.eml | cargo run --example send_mail_mime
//! ```
//!
//! Recipients come from the message's To/Cc/Bcc headers. With no `GRAPH_*` credentials set
//! it runs against an in-process sandbox; see the README for the variables.

mod common;

use std::io::Read;
use std::process::ExitCode;

const USAGE: &str = "\
usage: send_mail_mime [FILE.eml | -]

Reads the message from FILE.eml, or from standard input when FILE is - or absent, and
sends it as MIME. Configuration comes from GRAPH_* variables (see README); without
credentials the local sandbox is used.";

enum Source {
    Stdin,
    File(String),
}

/// `Ok(None)` means `--help`.
fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<Source>, String> {
    let args: Vec<String> = args.collect();
    match args.as_slice() {
        [] => Ok(Some(Source::Stdin)),
        [flag] if flag == "-h" || flag == "--help" => Ok(None),
        [dash] if dash == "-" => Ok(Some(Source::Stdin)),
        [flag] if flag.starts_with("--") => Err(format!("unknown argument {flag:?}")),
        [path] => Ok(Some(Source::File(path.clone()))),
        _ => Err("expected at most one file".into()),
    }
}

fn read(source: &Source) -> Result<Vec<u8>, String> {
    match source {
        Source::Stdin => {
            let mut mime = Vec::new();
            std::io::stdin()
                .read_to_end(&mut mime)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            Ok(mime)
        }
        Source::File(path) => std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}")),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let source = match parse_args(std::env::args().skip(1)) {
        Ok(Some(source)) => source,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => return common::usage_error(USAGE, &problem),
    };
    let mime = match read(&source) {
        Ok(mime) => mime,
        Err(e) => return common::fail(e),
    };
    let setup = match common::setup().await {
        Ok(setup) => setup,
        Err(e) => return common::fail(e),
    };
    match setup.mailbox.send_mime(mime).await {
        // Graph always keeps a copy of a MIME send in Sent Items.
        Ok(accepted) => {
            common::report(&setup, &accepted, true).await;
            ExitCode::SUCCESS
        }
        Err(e) => common::fail(e),
    }
}
