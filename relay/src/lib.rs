//! `msgraph-relay`: an SMTP submission relay and `sendmail` replacement that delivers
//! through Microsoft Graph (on the `msgraph-outlook` crate), durably and never twice.
//!
//! Layers, each depending only on those below it:
//! - `cli` (the binary's subcommands) → [`smtp`] (receiving) and [`delivery`] (sending) →
//!   [`spool`] (durable queue) → [`envelope`], [`config`], [`clock`], [`shutdown`],
//!   [`metrics`].
//!
//! Operators: see `relay/README.md`.
#![warn(missing_docs)]

pub mod clock;
pub mod config;
pub mod delivery;
pub mod envelope;
pub mod metrics;
pub mod shutdown;
pub mod size_limit;
pub mod smtp;
pub mod spool;
