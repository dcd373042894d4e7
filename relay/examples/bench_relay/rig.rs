//! What the benchmark's sections share: a spool directory on the real disk, the SMTP
//! configuration, the test messages, percentiles and memory readings.

use msgraph_relay::config::smtp::Network;
use msgraph_relay::config::SmtpConfig;
use std::path::Path;

/// A temporary spool directory under `TMPDIR` (or /tmp); refused on tmpfs, where an fsync
/// costs nothing and the numbers would say nothing about durability.
pub fn spool_dir() -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("msgraph-relay-bench.")
        .tempdir()?;
    if filesystem(dir.path()) == "tmpfs" {
        return Err(std::io::Error::other(format!(
            "{} is on tmpfs: set TMPDIR to a directory on a disk",
            dir.path().display()
        )));
    }
    Ok(dir)
}

/// The file system `path` is on, by statfs(2) magic number.
pub fn filesystem(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return "unknown".into();
    };
    // SAFETY: a valid NUL-terminated path and a zeroed statfs the call fills in.
    let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statfs(c_path.as_ptr(), &mut stat) } != 0 {
        return "unknown".into();
    }
    match stat.f_type as u64 {
        0xEF53 => "ext4".into(),
        0x5846_5342 => "xfs".into(),
        0x9123_683E => "btrfs".into(),
        0x0102_1994 => "tmpfs".into(),
        0x794C_7630 => "overlayfs".into(),
        other => format!("0x{other:x}"),
    }
}

/// Plain SMTP on an ephemeral port of 127.0.0.1, open to 127.0.0.1 without `AUTH` (the
/// benchmark measures the spool, not argon2) for senders at contoso.com, no
/// connection-rate limit.
pub fn smtp_config(max_message_size: u64) -> SmtpConfig {
    SmtpConfig {
        listen: vec!["127.0.0.1:0".parse().expect("address")],
        hostname: "relay.bench".into(),
        require_auth: false,
        allowed_networks: vec!["127.0.0.1/32".parse::<Network>().expect("network")],
        max_connections: 1024,
        connections_per_minute: 1_000_000,
        allowed_senders: vec!["@contoso.com".into()],
        max_message_size,
        ..SmtpConfig::default()
    }
}

/// Message `n` from `from` to `to`: headers and a plain-text body of about `size` bytes,
/// CRLF line endings, no line starting with a dot (nothing to stuff).
pub fn message(n: usize, from: &str, to: &str, size: usize) -> Vec<u8> {
    let mut text = format!(
        "From: Bench <{from}>\r\nTo: <{to}>\r\nSubject: relay benchmark {n}\r\n\
         Message-ID: <bench-{n}-{}@relay.bench>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n",
        std::process::id()
    );
    let line = "The quick brown fox jumps over the lazy dog; a line of about seventy bytes.\r\n";
    while text.len() + line.len() <= size {
        text.push_str(line);
    }
    text.into_bytes()
}

/// The `p`-quantile (0–1) of sorted durations, in milliseconds (nearest rank).
pub fn quantile_ms(sorted: &[std::time::Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

/// A field of /proc/self/status in KiB (`VmHWM:` is the peak resident set).
pub fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with(field))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}
