//! The files operators install: the systemd unit passes `systemd-analyze verify`, and the
//! sample configurations are valid.

mod cli_common;

use cli_common::{run_program, BIN};
use msgraph_relay::config::Config;
use std::path::Path;

const UNIT: &str = include_str!("../dist/msgraph-relay.service");

#[test]
fn the_systemd_unit_verifies() {
    let Ok(output) = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
    else {
        eprintln!("skipped: systemd-analyze is not installed (apt-get install systemd)");
        return;
    };
    assert!(output.status.success());
    // verify checks that ExecStart's binary exists: point it at the one just built.
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("msgraph-relay.service");
    std::fs::write(&unit, UNIT.replace("/usr/local/bin/msgraph-relay", BIN)).unwrap();
    let output = std::process::Command::new("systemd-analyze")
        .args(["verify", unit.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    // Warnings about this unit would be printed too.
    assert!(!stderr.contains("msgraph-relay.service"), "{stderr}");
}

#[test]
fn the_unit_is_hardened_and_keeps_the_spool_in_its_state_directory() {
    for line in [
        "User=msgraph-relay",
        "StateDirectory=msgraph-relay",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
        "ReadWritePaths=/var/lib/msgraph-relay",
        "KillSignal=SIGTERM",
    ] {
        assert!(UNIT.lines().any(|l| l == line), "{line}");
    }
    let sample = Config::parse(include_str!("../dist/relay.toml")).unwrap();
    assert!(sample.spool.dir.starts_with("/var/lib/msgraph-relay"));
}

#[test]
fn the_sandbox_quick_start_configuration_checks_ok() {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sandbox.toml");
    let run = run_program(
        Path::new(BIN),
        &["--config", config.to_str().unwrap(), "check-config"],
        b"",
        &[],
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(run.stdout, format!("{}: ok\n", config.display()));
}
