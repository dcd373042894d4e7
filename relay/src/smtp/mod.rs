//! The SMTP submission server.
