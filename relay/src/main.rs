//! `msgraph-relay`: see `relay/README.md`. Invoked as `sendmail` (a symlink) it behaves
//! as `msgraph-relay sendmail`, and as `mailq` as `msgraph-relay queue list`.

mod cli;

use clap::Parser;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let invoked_as = argv
        .first()
        .and_then(|a| Path::new(a).file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("msgraph-relay")
        .to_string();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("{invoked_as}: cannot start: {e}");
            return ExitCode::from(cli::exit::SOFTWARE);
        }
    };
    let outcome = runtime.block_on(async {
        match invoked_as.as_str() {
            "sendmail" => cli::sendmail(&argv[1..], default_config()).await,
            "mailq" => {
                let mut args = vec!["-bp".to_string()];
                args.extend(argv[1..].iter().cloned());
                cli::sendmail(&args, default_config()).await
            }
            _ => match cli::Cli::try_parse_from(&argv) {
                Ok(parsed) => cli::run(parsed).await,
                Err(e) => {
                    let code = if e.use_stderr() { cli::exit::USAGE } else { 0 };
                    let _ = e.print();
                    Err(cli::exit::Failure::new(code, String::new()))
                }
            },
        }
    });
    // Leave no worker thread waiting on stdin.
    runtime.shutdown_background();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("{invoked_as}: {}", failure.message);
            }
            ExitCode::from(failure.code)
        }
    }
}

/// `MSGRAPH_RELAY_CONFIG`, else the platform default.
fn default_config() -> PathBuf {
    std::env::var_os("MSGRAPH_RELAY_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(msgraph_relay::config::DEFAULT_PATH))
}
