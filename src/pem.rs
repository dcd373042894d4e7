//! PEM text (RFC 7468): the one reader of certificate and key blocks, for certificate
//! credentials, rich-notification certificates and their private keys.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::error::{Error, Result};

/// The first PEM block whose label is one of `labels`: its label and decoded contents.
/// Messages name `what`, never the contents.
pub(crate) fn pem_block<'l>(
    pem: &[u8],
    what: &str,
    labels: &[&'l str],
) -> Result<(&'l str, Vec<u8>)> {
    let text = std::str::from_utf8(pem)
        .map_err(|_| Error::Config(format!("the {what} is not PEM text")))?;
    let mut lines = text.lines().map(str::trim);
    let label = loop {
        let Some(line) = lines.next() else {
            return Err(Error::Config(format!(
                "no PEM block for the {what} (expected -----BEGIN {}-----)",
                labels[0]
            )));
        };
        let found = line
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
            .and_then(|label| labels.iter().find(|l| **l == label));
        if let Some(label) = found {
            break *label;
        }
    };
    let end = format!("-----END {label}-----");
    let mut base64 = String::new();
    for line in lines.by_ref() {
        if line == end {
            return STANDARD
                .decode(base64.as_bytes())
                .map(|der| (label, der))
                .map_err(|_| Error::Config(format!("the {what} PEM block is not valid base64")));
        }
        if line.contains(':') {
            // RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`): a legacy encrypted key.
            return Err(Error::Config(format!(
                "the {what} PEM block has headers (is it encrypted?): decrypt it first"
            )));
        }
        base64.push_str(line);
    }
    Err(Error::Config(format!(
        "the {what} PEM block has no {end} line"
    )))
}
