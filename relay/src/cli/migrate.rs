//! `migrate`: brings the spool database's schema to this relay's version (PostgreSQL;
//! the SQLite spool creates its schema when opened).

use super::exit::{CliResult, Failure, CONFIG, TEMPFAIL};
use msgraph_relay::config::Config;
use msgraph_relay::spool::{Spool, SpoolError};

/// Runs the migrations and prints what was done.
pub async fn run(config: &Config) -> CliResult {
    match Spool::migrate(&config.spool).await {
        Ok(done) => {
            println!("{done}");
            Ok(())
        }
        Err(e @ SpoolError::Schema(_)) => Err(Failure::new(CONFIG, e.to_string())),
        Err(e) => Err(Failure::new(TEMPFAIL, format!("migrate: {e}"))),
    }
}
