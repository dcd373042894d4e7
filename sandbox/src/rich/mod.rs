//! Rich notifications (GRAPH-FACTS-2 §4): resource data encrypted to the subscriber's
//! certificate ([`encrypted_content`], with [`annotate`] giving the decrypted JSON
//! Graph's type annotations), and `validationTokens` signed with the sandbox identity
//! platform's key ([`validation_token`], [`SigningKey`]), whose public half the JWKS
//! routes serve ([`crate::auth::discovery`]).

mod annotate;
mod encrypt;
mod keys;
mod token;

pub(crate) use annotate::{annotate, Entity};
pub(crate) use encrypt::check_certificate;
pub(crate) use encrypt::encrypted_content;
pub(crate) use keys::SigningKey;
pub(crate) use token::validation_token;
