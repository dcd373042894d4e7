//! The `nginx` section: the sides against nginx from the distribution.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::compare::compare_at;
use crate::sides::{senders, token, SIDES};
use crate::{Failure, Options, Results};

/// The same comparison against nginx (a server that is not a tokio process): one mailbox,
/// the JWT token, concurrency 1 and 64.
pub(crate) async fn nginx(options: &Options, results: &mut Results) -> Result<(), Failure> {
    let Some(nginx) = Nginx::start()? else {
        println!("nginx: not run (no /usr/sbin/nginx; install Debian's nginx-light)");
        results.set("nginx.available", "no");
        return Ok(());
    };
    results.set("nginx.available", "yes");
    results.set("nginx.version", &nginx.version);
    let token = token();
    let senders = senders(&SIDES, &nginx.origin, &token, 1)?;
    let before = nginx.requests().await?;
    println!(
        "end to end against {} (1 worker process), {} sendMail per run, {}-byte token, 1 mailbox, median of {} rounds",
        nginx.version,
        options.requests,
        token.len(),
        options.rounds
    );
    let (n, rounds) = (options.requests, options.rounds);
    let sent = compare_at(&senders, n, &[1, 64], rounds, "nginx.jwt.m1", results).await?;
    // stub_status counts its own request too.
    let served = nginx.requests().await? - before - 1;
    if served != sent as u64 {
        return Err(format!("nginx counted {served} requests, {sent} were sent").into());
    }
    Ok(())
}

/// nginx from the distribution, started for the run with its own prefix directory on
/// 127.0.0.1: `POST …/sendMail` answers `202` with an empty body (the request body is read
/// and discarded), `/__status` is stub_status. Stopped when dropped.
struct Nginx {
    child: Child,
    origin: String,
    version: String,
    dir: std::path::PathBuf,
    http: reqwest::Client,
}

impl Nginx {
    const BINARY: &'static str = "/usr/sbin/nginx";

    fn start() -> Result<Option<Nginx>, Failure> {
        if !std::path::Path::new(Self::BINARY).exists() {
            return Ok(None);
        }
        let version = Command::new(Self::BINARY).arg("-v").output()?;
        let version = String::from_utf8_lossy(&version.stderr)
            .trim()
            .trim_start_matches("nginx version: ")
            .to_string();
        // A free port: bound, read and let go just before nginx binds it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let dir = std::env::temp_dir().join(format!("bench_e2e-nginx-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("logs"))?;
        std::fs::write(
            dir.join("nginx.conf"),
            format!(
                "worker_processes 1;\n\
                 pid nginx.pid;\n\
                 error_log logs/error.log error;\n\
                 events {{ worker_connections 1024; }}\n\
                 http {{\n\
                   access_log off;\n\
                   keepalive_requests 100000000;\n\
                   keepalive_timeout 600s;\n\
                   client_body_temp_path {dir}/body;\n\
                   proxy_temp_path {dir}/proxy;\n\
                   fastcgi_temp_path {dir}/fastcgi;\n\
                   uwsgi_temp_path {dir}/uwsgi;\n\
                   scgi_temp_path {dir}/scgi;\n\
                   server {{\n\
                     listen 127.0.0.1:{port};\n\
                     location = /__status {{ stub_status; }}\n\
                     location / {{ return 202; }}\n\
                   }}\n\
                 }}\n",
                dir = dir.display()
            ),
        )?;
        let child = Command::new(Self::BINARY)
            .arg("-p")
            .arg(&dir)
            .args(["-c", "nginx.conf", "-g", "daemon off; master_process on;"])
            .stdin(Stdio::null())
            .spawn()?;
        let nginx = Nginx {
            child,
            origin: format!("http://127.0.0.1:{port}"),
            version,
            dir,
            http: reqwest::Client::new(),
        };
        // Up when it answers (at most 5 s).
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(Some(nginx));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err("nginx did not start on 127.0.0.1".into())
    }

    /// Requests nginx has served (stub_status's third counter).
    async fn requests(&self) -> Result<u64, Failure> {
        let status = self
            .http
            .get(format!("{}/__status", self.origin))
            .send()
            .await?
            .text()
            .await?;
        // "Active connections: 1 \nserver accepts handled requests\n 1 1 1 \n…"
        status
            .lines()
            .nth(2)
            .and_then(|l| l.split_whitespace().nth(2))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("unexpected stub_status: {status:?}").into())
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: nginx's master stops its worker and exits.
        // SAFETY: kill only sends a signal to the child we started.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
