//! The `msgraph-relay` command line: one module per subcommand; `exit` and `load` are
//! what they share.

pub mod check_config;
pub mod exit;
pub mod hash_password;
pub mod http;
pub mod load;
pub mod logging;
pub mod login;
pub mod migrate;
pub mod queue;
pub mod sendmail;
pub mod serve;

use clap::{Parser, Subcommand};
use exit::{CliResult, Failure, USAGE};
use msgraph_relay::config::{Problem, DEFAULT_PATH};
use std::path::PathBuf;

/// SMTP submission relay and sendmail replacement that delivers through Microsoft Graph.
#[derive(Debug, Parser)]
#[command(name = "msgraph-relay", version, about)]
pub struct Cli {
    /// The configuration file.
    #[arg(long, short = 'c', global = true, env = "MSGRAPH_RELAY_CONFIG", default_value = DEFAULT_PATH)]
    pub config: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the SMTP listener, the delivery workers and /metrics, /healthz until SIGTERM.
    Serve,
    /// sendmail-compatible submission: reads a message from stdin and queues it
    /// (options: -t -f -r -F -i -oi -bp --direct; see relay/README.md).
    #[command(disable_help_flag = true)]
    Sendmail {
        /// sendmail's options and the recipients.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
        args: Vec<String>,
    },
    /// Shows and manages the queue.
    Queue {
        /// What to do with it.
        #[command(subcommand)]
        command: queue::QueueCommand,
    },
    /// Checks the configuration: every problem on one line with its key; exit 78 if any.
    CheckConfig,
    /// Brings the spool database's schema to this relay's version (PostgreSQL spool;
    /// every relay checks the version when it starts).
    Migrate,
    /// Signs a user in with a device code (auth = "device_code") and keeps the token.
    Login,
    /// Reads a password from stdin and prints its argon2 hash for [[smtp.users]].
    HashPassword,
}

/// Problems as one line (for failures that stop a subcommand).
pub fn join_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A `Deliverer` on the system clock for `spool`, with the configuration's `[delivery]`.
pub fn deliverer(
    config: &msgraph_relay::config::Config,
    spool: &msgraph_relay::spool::Spool,
    graph: msgraph_outlook::GraphClient,
    metrics: msgraph_relay::metrics::Metrics,
) -> msgraph_relay::delivery::Deliverer {
    let clock: std::sync::Arc<dyn msgraph_relay::clock::Clock> =
        std::sync::Arc::new(msgraph_relay::clock::SystemClock);
    msgraph_relay::delivery::Deliverer::new(
        spool.clone(),
        graph,
        config.delivery.clone(),
        clock,
        metrics,
    )
}

/// Runs `sendmail` with raw arguments (from `msgraph-relay sendmail …` or a `sendmail`
/// symlink); `default_config` is the configuration path unless `-C` says otherwise.
pub async fn sendmail(args: &[String], default_config: PathBuf) -> CliResult {
    let parsed = sendmail::parse(args).map_err(|e| Failure::new(USAGE, e))?;
    // The spool is shared with `serve` (another user, same group): files this process
    // creates (SQLite's WAL, message files) must stay writable for the group.
    // SAFETY: umask(2) only changes this process's file creation mask.
    unsafe { libc::umask(0o007) };
    let path = parsed.config.clone().unwrap_or(default_config);
    let config = load::config(&path)?;
    // sendmail is silent unless something goes wrong (RUST_LOG still overrides).
    let mut log = config.log.clone();
    log.level = "warn".to_string();
    logging::init(&log);
    if parsed.list_queue {
        // `-bp` (and `mailq`): the queue listing.
        let spool = load::spool(&config).await?;
        return queue::list(&spool, false, chrono::Utc::now()).await;
    }
    sendmail::run(&config, &parsed, tokio::io::stdin()).await
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Sendmail { args } => sendmail(&args, cli.config).await,
        Command::HashPassword => hash_password::run(),
        Command::CheckConfig => check_config::run(&cli.config),
        command => {
            let config = load::config(&cli.config)?;
            logging::init(&config.log);
            match command {
                Command::Serve => serve::run(config).await,
                Command::Login => login::run(&config).await,
                Command::Migrate => migrate::run(&config).await,
                Command::Queue { command } => {
                    let spool = load::spool(&config).await?;
                    queue::run(&spool, command, chrono::Utc::now()).await
                }
                _ => unreachable!("handled above"),
            }
        }
    }
}
