//! A loopback server run as a child process of the benchmark (the same binary, started with
//! `--serve …`), so the parent's CPU time and memory readings are the client's alone. The
//! child prints its origin (`http://127.0.0.1:PORT`) on its first line and exits when its
//! stdin closes.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

/// The running child; stopped (stdin closed, then waited for) on [`stop`](Self::stop) or drop.
pub struct ChildServer {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    child: Mutex<Option<Child>>,
}

impl ChildServer {
    /// Starts this binary with `args` and reads the origin it prints.
    pub fn start(args: &[&str]) -> Result<ChildServer, Box<dyn std::error::Error + Send + Sync>> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
        let origin = line.trim().to_string();
        if !origin.starts_with("http://127.0.0.1:") {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("the loopback server did not start: {line:?}").into());
        }
        Ok(ChildServer {
            origin,
            child: Mutex::new(Some(child)),
        })
    }

    /// Closes the child's stdin, which ends it, and waits for it.
    pub fn stop(&self) {
        let child = self.child.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(mut child) = child {
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.stop();
    }
}
