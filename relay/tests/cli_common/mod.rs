//! Shared by the `cli_*` tests: a temporary relay directory with a configuration, and the
//! built `msgraph-relay` binary run as a real process.

#![allow(dead_code)]

use msgraph_outlook_sandbox::Sandbox;
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
             [http]\nlisten = \"127.0.0.1:0\"\n\n\
             [smtp]\nlisten = [\"127.0.0.1:0\"]\nallowed_networks = [\"127.0.0.1/32\"]\n\
             allowed_senders = [\"@contoso.com\"]\n\n{extra}",
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

    /// Puts the spool in the PostgreSQL database at `url` (`[spool] database`).
    pub fn use_database(&self, url: &str) {
        let config = std::fs::read_to_string(self.config_path()).unwrap();
        let config = config.replacen(
            "hostname = \"relay.test\"\n",
            &format!("hostname = \"relay.test\"\ndatabase = {url:?}\n"),
            1,
        );
        assert!(config.contains("database = "), "no [spool] hostname line");
        self.write_config(&config);
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
/// A sandbox with Adele and Alex, and a relay signed in to it as its app, whose
/// configuration ends with `extra`.
pub async fn sandbox_relay(extra: &str) -> (Sandbox, Relay) {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.add_user("adele@contoso.com");
    sandbox.add_user("alex@contoso.com");
    let relay = Relay::new(
        &sandbox.authority_url(),
        &sandbox.client_id(),
        &sandbox.client_secret(),
        extra,
    );
    (sandbox, relay)
}

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

/// A running `msgraph-relay serve`.
pub struct Serve {
    pub child: std::process::Child,
    /// The `/metrics` and `/healthz` address from the `listening` line.
    pub http: std::net::SocketAddr,
    /// The SMTP addresses from the `listening` line.
    pub smtp: Vec<std::net::SocketAddr>,
    /// Every line the process wrote on stderr so far.
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// The value of `key=` in a log line.
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(&format!(" {key}="))? + key.len() + 2;
    Some(line[start..].split(' ').next().unwrap_or(""))
}

impl Serve {
    /// Starts `serve` and waits (at most 60 s) for its `listening` line.
    pub fn start(relay: &Relay) -> Serve {
        use std::io::BufRead;
        let mut child = Command::new(BIN)
            .args(["--config", relay.config_path().to_str().unwrap(), "serve"])
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains(" listening ") {
                    let _ = tx.send(line.clone());
                }
                lines.lock().unwrap().push(line);
            }
        });
        let line = match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("no listening line: {:?}", log.lock().unwrap());
            }
        };
        let http = field(&line, "http").unwrap().parse().unwrap();
        let smtp = field(&line, "smtp")
            .unwrap()
            .split(',')
            .filter(|a| !a.is_empty())
            .map(|a| a.parse().unwrap())
            .collect();
        Serve {
            child,
            http,
            smtp,
            log,
        }
    }

    /// Sends SIGTERM and waits (at most 60 s) for the exit code.
    pub fn terminate(&mut self) -> i32 {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(
                std::time::Instant::now() < deadline,
                "serve did not stop: {:?}",
                self.log.lock().unwrap()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.1 GET on 127.0.0.1: (status, content type, body).
pub fn http_get(addr: std::net::SocketAddr, path: &str) -> (u16, String, String) {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_string)
        })
        .unwrap_or_default();
    (status, content_type, body.to_string())
}

/// Submits one message over plain SMTP without AUTH; returns the first line of each reply
/// (greeting, EHLO, MAIL, RCPT, DATA, end of data, QUIT).
pub fn smtp_submit(addr: std::net::SocketAddr, from: &str, to: &str, message: &str) -> Vec<String> {
    use std::io::BufRead;
    let stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let reply = |reader: &mut std::io::BufReader<std::net::TcpStream>| -> String {
        // A multi-line reply ends with "NNN " (space after the code).
        let mut first = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if first.is_empty() {
                first = line.trim_end().to_string();
            }
            if line.len() < 4 || line.as_bytes()[3] == b' ' {
                return first;
            }
        }
    };
    let mut replies = vec![reply(&mut reader)];
    for command in [
        "EHLO test.local".to_string(),
        format!("MAIL FROM:<{from}>"),
        format!("RCPT TO:<{to}>"),
        "DATA".to_string(),
    ] {
        write!(writer, "{command}\r\n").unwrap();
        replies.push(reply(&mut reader));
    }
    write!(writer, "{message}.\r\n").unwrap();
    replies.push(reply(&mut reader));
    write!(writer, "QUIT\r\n").unwrap();
    replies.push(reply(&mut reader));
    replies
}
