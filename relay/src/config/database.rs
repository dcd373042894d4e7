//! `[spool] database`: the PostgreSQL URL of a queue shared by several relays.

/// Parses a database URL the way the relay uses it. libpq's `sslmode=verify-ca` and
/// `verify-full` mean `require` here (the certificate is always checked); a host with an
/// `@` in it is a password with an unencoded `@`, whose rest would show as the host in
/// logs: refused.
pub fn parse_url(url: &str) -> Result<tokio_postgres::Config, String> {
    let url = url
        .replace("sslmode=verify-full", "sslmode=require")
        .replace("sslmode=verify-ca", "sslmode=require");
    let config = url
        .parse::<tokio_postgres::Config>()
        .map_err(|e| e.to_string())?;
    let at_in_host = config
        .get_hosts()
        .iter()
        .any(|host| matches!(host, tokio_postgres::config::Host::Tcp(h) if h.contains('@')));
    if at_in_host {
        return Err("the host contains '@': write an '@' in the user or password as %40".into());
    }
    Ok(config)
}
