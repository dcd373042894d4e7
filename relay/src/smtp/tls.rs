//! The TLS server configuration for `STARTTLS` and implicit TLS: rustls with the ring
//! provider (the rustls already in the tree), certificate chain and key from PEM files.

use super::SmtpError;
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// Loads `cert` (a PEM certificate chain) and `key` (a PEM private key) into an acceptor.
pub fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, SmtpError> {
    let tls_error = |what: String| SmtpError::Tls(what);
    let certs = {
        let mut reader = std::io::BufReader::new(
            std::fs::File::open(cert)
                .map_err(|e| tls_error(format!("cannot open {}: {e}", cert.display())))?,
        );
        rustls_pemfile::certs(&mut reader)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_error(format!("cannot read {}: {e}", cert.display())))?
    };
    if certs.is_empty() {
        return Err(tls_error(format!(
            "{} holds no PEM certificate",
            cert.display()
        )));
    }
    let key = {
        let mut reader = std::io::BufReader::new(
            std::fs::File::open(key)
                .map_err(|e| tls_error(format!("cannot open {}: {e}", key.display())))?,
        );
        rustls_pemfile::private_key(&mut reader)
            .map_err(|e| tls_error(format!("cannot read {}: {e}", key.display())))?
            .ok_or_else(|| tls_error(format!("{} holds no PEM private key", key.display())))?
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| tls_error(format!("certificate and key do not fit: {e}")))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
