//! Rich notifications (GRAPH-FACTS-2 §4): resource data encrypted to the subscriber's
//! certificate ([`encrypted_content`], with [`annotate`] giving the decrypted JSON
//! Graph's type annotations), and `validationTokens` signed with the sandbox identity
//! platform's key ([`validation_token`], [`SigningKey`]), whose public half the JWKS
//! routes serve ([`crate::auth::discovery`]).

// Until the subscription routes call them (`check_certificate` on create/PATCH,
// `annotate` before `encrypted_content`); remove once they do.
#[allow(dead_code)]
mod annotate;
#[allow(dead_code)]
mod encrypt;
mod keys;
mod random;
mod token;

#[allow(unused_imports)]
pub(crate) use annotate::{annotate, Entity};
#[allow(unused_imports)]
pub(crate) use encrypt::check_certificate;
pub(crate) use encrypt::encrypted_content;
pub(crate) use keys::SigningKey;
pub(crate) use token::validation_token;
