//! Exit codes (sysexits.h, as sendmail and MTAs use them) and the one-line failure every
//! subcommand ends with.

use std::fmt;

/// `EX_USAGE`: the command line is wrong.
pub const USAGE: u8 = 64;
/// `EX_DATAERR`: the input (the message on stdin) is wrong.
pub const DATAERR: u8 = 65;
/// `EX_NOINPUT`: what was named (a queue id) does not exist.
pub const NOINPUT: u8 = 66;
/// `EX_UNAVAILABLE`: a service (Graph) refused; the message failed.
pub const UNAVAILABLE: u8 = 69;
/// `EX_SOFTWARE`: an internal error.
pub const SOFTWARE: u8 = 70;
/// `EX_TEMPFAIL`: try again later (spool unwritable or full, queue busy).
pub const TEMPFAIL: u8 = 75;
/// `EX_CONFIG`: the configuration is wrong.
pub const CONFIG: u8 = 78;

/// A subcommand's failure: its exit code and the one line printed on stderr.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: u8,
    /// The line (without the program name).
    pub message: String,
}

impl Failure {
    /// A failure with `code`.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What subcommands return.
pub type CliResult = Result<(), Failure>;
