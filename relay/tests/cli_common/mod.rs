//! Shared by the `cli_*` tests: a temporary relay directory with a configuration, and the
//! built `msgraph-relay` binary run as a real process.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_msgraph-relay");

/// The sandbox's fixed app registration (sandbox/src/state.rs).
pub const SANDBOX_TENANT: &str = "5f0c1e8a-4b7d-4c2e-9a31-6d8e2b7f4c10";

/// A temporary directory holding `relay.toml` and the spool.
pub struct Relay {
    pub dir: tempfile::TempDir,
}

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Relay {
    /// A relay whose Graph is at `graph_origin` (`http://127.0.0.1:PORT`; nothing needs to
    /// listen there unless a test delivers), with `extra` TOML appended.
    pub fn new(graph_origin: &str, client_id: &str, secret: &str, extra: &str) -> Relay {
        let dir = tempfile::tempdir().unwrap();
        let relay = Relay { dir };
        let config = format!(
            "[spool]\ndir = {spool:?}\nhostname = \"relay.test\"\n\n\
             [graph]\ntenant = \"{SANDBOX_TENANT}\"\nclient_id = \"{client_id}\"\n\
             client_secret = \"{secret}\"\ngraph_url = \"{graph_origin}/v1.0\"\n\
             authority_url = \"{graph_origin}\"\n\n\
             [http]\nlisten = \"127.0.0.1:0\"\n\n{extra}",
            spool = relay.spool_dir().display().to_string(),
        );
        relay.write_config(&config);
        relay
    }

    /// A relay whose Graph is nowhere (port 9, discard): for tests that never deliver.
    pub fn offline(extra: &str) -> Relay {
        Relay::new("http://127.0.0.1:9", "client", "s3cret-value", extra)
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("relay.toml")
    }

    pub fn spool_dir(&self) -> PathBuf {
        self.dir.path().join("spool")
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.config_path(), text).unwrap();
    }

    /// Runs `msgraph-relay --config relay.toml ARGS` with `stdin`.
    pub fn run(&self, args: &[&str], stdin: &[u8]) -> Run {
        let config = self.config_path();
        let mut all = vec!["--config", config.to_str().unwrap()];
        all.extend_from_slice(args);
        run_program(Path::new(BIN), &all, stdin, &[])
    }

    /// Runs `msgraph-relay sendmail ARGS` with the message on stdin.
    pub fn sendmail(&self, args: &[&str], stdin: &[u8]) -> Run {
        let mut all = vec!["sendmail"];
        all.extend_from_slice(args);
        self.run(&all, stdin)
    }

    /// The spool, opened by the test.
    pub fn spool(&self) -> msgraph_relay::spool::Spool {
        msgraph_relay::spool::Spool::open(self.spool_dir(), "relay.test").unwrap()
    }
}

/// Runs `program` with `args`, `stdin` and extra environment variables; waits for it.
pub fn run_program(program: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Run {
    let mut child = Command::new(program)
        .args(args)
        .env_remove("MSGRAPH_RELAY_CONFIG")
        .env_remove("RUST_LOG")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // The program may exit before reading everything (a lone "."): ignore EPIPE.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().unwrap().into()
}
