//! Loading the configuration and opening the spool the way every subcommand does, with
//! the exit codes sendmail callers expect (78 for the configuration, 75 for the spool).

use super::exit::{Failure, CONFIG, TEMPFAIL};
use msgraph_relay::config::Config;
use msgraph_relay::spool::Spool;
use std::path::Path;

/// The configuration at `path`, or exit 78 with the first thing that stops it loading.
pub fn config(path: &Path) -> Result<Config, Failure> {
    Config::load(path).map_err(|e| Failure::new(CONFIG, e.to_string()))
}

/// The spool of `config`, or exit 75 (it may work later: a full disk, a directory not yet
/// created by the service).
pub fn spool(config: &Config) -> Result<Spool, Failure> {
    Spool::open(&config.spool.dir, &config.spool.hostname).map_err(|e| {
        Failure::new(
            TEMPFAIL,
            format!("cannot open the spool {}: {e}", config.spool.dir.display()),
        )
    })
}
