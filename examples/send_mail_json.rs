//! Sends a message built from command-line arguments as JSON (`sendMail`).
//!
//! ```text
//! cargo run --example send_mail_json -- --to alex@contoso.com --subject Hi --body Hello
//! ```
//!
//! With no `GRAPH_*` credentials set it runs against an in-process sandbox; see the README
//! for the variables that point it at a real tenant.

mod common;

use std::path::Path;
use std::process::ExitCode;

use msgraph_outlook::models::{FileAttachment, Message};

const USAGE: &str = "\
usage: send_mail_json --to ADDR [--to ADDR]... [--cc ADDR]... [--subject S] [--body TEXT]
                      [--html] [--attach FILE]... [--no-save-to-sent-items]

  --to ADDR                 recipient (repeatable, at least one)
  --cc ADDR                 copy recipient (repeatable)
  --subject S               subject
  --body TEXT               body (plain text unless --html)
  --html                    the body is HTML
  --attach FILE             attach a file (repeatable)
  --no-save-to-sent-items   keep no copy in the sender's Sent Items
  --help                    show this help

Configuration comes from GRAPH_* variables (see README); without credentials the local
sandbox is used.";

#[derive(Default)]
struct Args {
    to: Vec<String>,
    cc: Vec<String>,
    subject: Option<String>,
    body: Option<String>,
    html: bool,
    attach: Vec<String>,
    save_to_sent_items: bool,
}

/// `Ok(None)` means `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        save_to_sent_items: true,
        ..Args::default()
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--to" => parsed.to.push(value()?),
            "--cc" => parsed.cc.push(value()?),
            "--subject" => parsed.subject = Some(value()?),
            "--body" => parsed.body = Some(value()?),
            "--attach" => parsed.attach.push(value()?),
            "--html" => parsed.html = true,
            "--no-save-to-sent-items" => parsed.save_to_sent_items = false,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if parsed.to.is_empty() {
        return Err("at least one --to is required".into());
    }
    Ok(Some(parsed))
}

/// A content type from the file extension; recipients' mail clients pick a viewer by it.
fn content_type(path: &Path) -> &'static str {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match extension.to_ascii_lowercase().as_str() {
        "txt" | "log" => "text/plain",
        "htm" | "html" => "text/html",
        "csv" => "text/csv",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "eml" => "message/rfc822",
        _ => "application/octet-stream",
    }
}

fn build_message(args: &Args) -> Result<Message, String> {
    let mut message = Message::new();
    if let Some(subject) = &args.subject {
        message = message.subject(subject);
    }
    if let Some(body) = &args.body {
        message = if args.html {
            message.html_body(body)
        } else {
            message.text_body(body)
        };
    }
    for to in &args.to {
        message = message.to(to.as_str());
    }
    for cc in &args.cc {
        message = message.cc(cc.as_str());
    }
    for file in &args.attach {
        let path = Path::new(file);
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {file}: {e}"))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.clone());
        message = message.attach(FileAttachment::new(name, content_type(path), bytes));
    }
    Ok(message)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => return common::usage_error(USAGE, &problem),
    };
    let message = match build_message(&args) {
        Ok(message) => message,
        Err(e) => return common::fail(e),
    };
    let setup = match common::setup().await {
        Ok(setup) => setup,
        Err(e) => return common::fail(e),
    };
    let sent = setup
        .mailbox
        .send_mail(message)
        .save_to_sent_items(args.save_to_sent_items)
        .await;
    match sent {
        Ok(accepted) => {
            common::report(&setup, &accepted, args.save_to_sent_items).await;
            ExitCode::SUCCESS
        }
        Err(e) => common::fail(e),
    }
}
