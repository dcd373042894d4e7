//! Loading the configuration and opening the spool the way every subcommand does, with
//! the exit codes sendmail callers expect (78 for the configuration, 75 for the spool).

use super::exit::{Failure, CONFIG, TEMPFAIL};
use msgraph_relay::config::Config;
use msgraph_relay::spool::{Spool, SpoolError};
use std::path::Path;

/// The configuration at `path`, or exit 78 with the first thing that stops it loading.
pub fn config(path: &Path) -> Result<Config, Failure> {
    Config::load(path).map_err(|e| Failure::new(CONFIG, e.to_string()))
}

/// The spool of `config`, or exit 75 (it may work later: a full disk, a directory not yet
/// created by the service, a database restarting), or 78 for a database at another
/// schema version (`msgraph-relay migrate`).
pub async fn spool(config: &Config) -> Result<Spool, Failure> {
    Spool::open_configured(&config.spool).await.map_err(|e| {
        let code = match e {
            SpoolError::Schema(_) => CONFIG,
            _ => TEMPFAIL,
        };
        Failure::new(
            code,
            format!("cannot open the spool {}: {e}", where_is(config)),
        )
    })
}

/// The spool's place for messages: the database (without its password) or the directory.
pub fn where_is(config: &Config) -> String {
    match config.spool.database_source().resolve() {
        Ok(Some(url)) => msgraph_relay::spool::postgres::connect::describe(url.expose()),
        _ => config.spool.dir.display().to_string(),
    }
}
