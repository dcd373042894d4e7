//! A real PostgreSQL server for the relay's PostgreSQL tests (`mod pg_support;`), from
//! Debian's `postgresql` package (`apt-get install postgresql`).
//!
//! [`PgServer::start`] runs `initdb` (trust authentication, superuser `postgres`, UTF8, C
//! locale) into a fresh temporary directory and starts the server there, listening on
//! 127.0.0.1 at a free port with its unix socket in the data directory; `fsync` stays on.
//! [`PgServer::shared`] is one such server per test binary, for tests that only need
//! databases ([`PgServer::fresh_database`]); a test that stops or restarts its server starts
//! its own.
//!
//! Binaries: `$MSGRAPH_RELAY_PG_BINDIR` if set, else the highest `/usr/lib/postgresql/*/bin`
//! that has `initdb` and `pg_ctl`; `psql` from there, else from `PATH`. As root (CI), where
//! `initdb` and `postgres` refuse to run, they run as the `postgres` user (`runuser`, else
//! `setpriv`) in a temporary directory it can traverse.
//!
//! Cleanup: dropping a server stops it (`pg_ctl stop -m immediate`) and removes its
//! directory; the shared one is stopped the same way by an `atexit` hook. Should the test
//! binary die without either (a signal, SIGKILL), each server has a guard process, a shell
//! waiting for end of file on a pipe only the test binary holds, that then stops the server
//! and removes its directory.
#![allow(dead_code)]

use std::collections::HashSet;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long starting (and stopping) may take before the test fails.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Attempts at a free port when another process took the one picked first.
const PORT_ATTEMPTS: usize = 5;

/// The environment variable naming a directory with `initdb`, `pg_ctl` and `postgres`.
pub const BINDIR_ENV: &str = "MSGRAPH_RELAY_PG_BINDIR";

/// A PostgreSQL server in a temporary data directory, listening on 127.0.0.1.
pub struct PgServer {
    bindir: PathBuf,
    psql: PathBuf,
    /// How `initdb`, `pg_ctl` and the guard run: `[]`, or `runuser -u postgres --` as root.
    as_postgres: Vec<String>,
    port: u16,
    /// Holds `data/` and `postgres.log`; traversable by the `postgres` user.
    dir: tempfile::TempDir,
    /// The guard process (its stdin is the pipe whose end of file makes it clean up).
    guard: Mutex<Option<Child>>,
}

impl PgServer {
    /// initdb (trust auth, superuser `postgres`, UTF8) into a fresh temp data directory and
    /// start it on 127.0.0.1 at a free port (unix socket in the data dir, not /var/run),
    /// fsync on (default). Waits until it accepts connections (bounded 30 s). Panics with a
    /// clear message naming the package to install (`apt-get install postgresql`) when no
    /// server binaries are found.
    pub fn start() -> PgServer {
        let bindir = server_bindir();
        let psql = client_binary(&bindir, "psql");
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        let as_postgres = if root {
            as_postgres_prefix()
        } else {
            Vec::new()
        };
        let dir = tempfile::Builder::new()
            .prefix("msgraph-relay-pg-")
            .tempdir_in(temp_base(root))
            .expect("creating the PostgreSQL test directory");
        let mut server = PgServer {
            bindir,
            psql,
            as_postgres,
            port: 0,
            dir,
            guard: Mutex::new(None),
        };
        // From here on a panic drops `server`, which stops what was started and removes
        // the directory.
        server.prepare_directory(root);
        server.spawn_guard();
        server.initdb();
        for attempt in 1..=PORT_ATTEMPTS {
            server.port = free_port();
            server.write_settings();
            let logged_before = server.log().len();
            match server.try_start() {
                Ok(()) => break,
                Err(_)
                    if attempt < PORT_ATTEMPTS
                        && server
                            .log()
                            .get(logged_before..)
                            .is_some_and(|new| new.contains("could not bind")) =>
                {
                    eprintln!("pg_support: port {} was taken, trying another", server.port);
                }
                Err(why) => panic!("{why}"),
            }
        }
        server.wait_ready();
        server
    }

    /// One server per test binary, started on first use; stopped (and its directory
    /// removed) when the test binary exits, by an `atexit` hook. Tests using it must not stop
    /// it: a test that stops or restarts a server starts its own with [`PgServer::start`].
    pub fn shared() -> &'static PgServer {
        static SHARED: OnceLock<PgServer> = OnceLock::new();
        extern "C" fn stop_shared() {
            if let Some(server) = SHARED.get() {
                server.shut_down();
            }
        }
        SHARED.get_or_init(|| {
            let server = PgServer::start();
            // SAFETY: registers a plain `extern "C" fn` with no arguments.
            if unsafe { libc::atexit(stop_shared) } != 0 {
                eprintln!("pg_support: atexit failed; the guard process will stop the server");
            }
            server
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `postgres://postgres@127.0.0.1:{port}/{database}`
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// CREATE DATABASE with a unique name derived from `prefix` (so parallel tests in one
    /// binary never share one); returns its url.
    pub fn fresh_database(&self, prefix: &str) -> String {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let mut base: String = prefix
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(40)
            .collect();
        if !base.starts_with(|c: char| c.is_ascii_lowercase()) {
            base.insert_str(0, "db_");
        }
        let name = format!("{base}_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        self.psql("postgres", &format!("CREATE DATABASE \"{name}\""));
        self.url(&name)
    }

    /// `pg_ctl stop -m fast` (waits); the server keeps its port and data directory for
    /// [`PgServer::start_again`].
    pub fn stop(&self) {
        let out = self.pg_ctl(&["stop", "-m", "fast", "-w", "-t", &secs(READY_TIMEOUT)]);
        if !out.status.success() {
            panic!("{}", self.failure("pg_ctl stop -m fast", &out));
        }
    }

    /// Starts it again on the same port and data directory (waits until ready).
    pub fn start_again(&self) {
        if let Err(why) = self.try_start() {
            panic!("{why}");
        }
        self.wait_ready();
    }

    /// Runs SQL through psql on a database, returns stdout (-At output), panics with stderr
    /// on failure.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        match self.try_psql(database, sql) {
            Ok(stdout) => stdout,
            Err(why) => panic!("psql on {database:?} failed for {sql:?}: {why}"),
        }
    }

    /// [`PgServer::psql`] without the panic: `Err` holds psql's exit status and stderr
    /// (say, when the server is stopped).
    pub fn try_psql(&self, database: &str, sql: &str) -> Result<String, String> {
        let mut child = Command::new(&self.psql)
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
            ])
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                database,
                "-f",
                "-",
            ])
            .env("PGCONNECT_TIMEOUT", "10")
            .env_remove("PGOPTIONS")
            .env_remove("PGSERVICE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("running {}: {e}", self.psql.display()));
        let mut stdin = child.stdin.take().unwrap();
        // psql reads all of stdin unless it stops early (ON_ERROR_STOP): ignore a broken pipe.
        let _ = stdin
            .write_all(sql.as_bytes())
            .and_then(|()| stdin.write_all(b"\n"));
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "{}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim_end()
            ))
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The server's log (all of it so far).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    /// As root: the directory traversable, `data/` and the log owned by `postgres`.
    fn prepare_directory(&self, root: bool) {
        let data = self.data_dir();
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::File::create(self.log_path()).unwrap();
        if root {
            std::fs::set_permissions(self.dir.path(), std::fs::Permissions::from_mode(0o755))
                .unwrap();
            let (uid, gid) = postgres_ids();
            for path in [data, self.log_path()] {
                std::os::unix::fs::chown(&path, Some(uid), Some(gid))
                    .unwrap_or_else(|e| panic!("chown postgres {}: {e}", path.display()));
            }
        }
    }

    /// A shell that ignores the usual signals and waits for end of file on its stdin, which
    /// comes when this process exits however it exits; it then stops the server and removes
    /// its directory (both no-ops when [`Drop`] or the `atexit` hook did it already).
    fn spawn_guard(&self) {
        const SCRIPT: &str = "trap '' HUP INT QUIT TERM PIPE; while read -r _; do :; done; \
                              \"$@\" stop -D \"$PG_DATA\" -m immediate -w; rm -rf \"$PG_DIR\"";
        let child = Command::new("/bin/sh")
            .args(["-c", SCRIPT, "pg_support-guard"])
            .args(&self.as_postgres)
            .arg(self.bindir.join("pg_ctl"))
            .env("PG_DATA", self.data_dir())
            .env("PG_DIR", self.dir.path())
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the PostgreSQL guard process (/bin/sh)");
        *self.guard.lock().unwrap() = Some(child);
    }

    fn initdb(&self) {
        let out = self
            .server_command("initdb")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
            .output()
            .expect("running initdb");
        if !out.status.success() {
            panic!("{}", self.failure("initdb", &out));
        }
        let conf = self.data_dir().join("postgresql.conf");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&conf)
            .unwrap();
        file.write_all(
            b"\n# pg_support: listen address, port and socket\ninclude 'pg_support.conf'\n",
        )
        .unwrap();
    }

    /// `data/pg_support.conf`: 127.0.0.1 at `self.port`, the socket in the data directory.
    fn write_settings(&self) {
        let data = self.data_dir();
        let settings = format!(
            "listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\n",
            self.port,
            data.display().to_string().replace('\'', "''"),
        );
        let path = data.join("pg_support.conf");
        std::fs::write(&path, settings).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }

    /// `pg_ctl start -w`: `Err` with the log's tail when the server did not come up.
    fn try_start(&self) -> Result<(), String> {
        let log = self.log_path();
        let out = self.pg_ctl(&[
            "start",
            "-w",
            "-t",
            &secs(READY_TIMEOUT),
            "-l",
            log.to_str().unwrap(),
        ]);
        if out.status.success() {
            Ok(())
        } else {
            Err(self.failure(&format!("pg_ctl start (port {})", self.port), &out))
        }
    }

    /// Until `SELECT 1` answers on 127.0.0.1 (`pg_ctl -w` waited already; this checks TCP).
    fn wait_ready(&self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            match self.try_psql("postgres", "SELECT 1") {
                Ok(out) if out.trim() == "1" => return,
                Ok(out) => panic!("SELECT 1 answered {out:?}"),
                Err(why) if Instant::now() >= deadline => panic!(
                    "PostgreSQL on 127.0.0.1:{} not ready after {READY_TIMEOUT:?}: {why}\n\
                     server log (tail):\n{}",
                    self.port,
                    self.log_tail()
                ),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    fn pg_ctl(&self, args: &[&str]) -> Output {
        self.server_command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("running pg_ctl")
    }

    /// `bindir/program`, as the `postgres` user when this process is root.
    fn server_command(&self, program: &str) -> Command {
        let program = self.bindir.join(program);
        let mut command = match self.as_postgres.split_first() {
            None => Command::new(&program),
            Some((wrapper, args)) => {
                let mut command = Command::new(wrapper);
                command.args(args).arg(&program);
                command
            }
        };
        command.current_dir(self.dir.path()).env("LC_ALL", "C");
        command
    }

    fn failure(&self, what: &str, out: &Output) -> String {
        format!(
            "{what} failed ({}) in {}\nstdout: {}\nstderr: {}\nserver log (tail):\n{}",
            out.status,
            self.dir.path().display(),
            String::from_utf8_lossy(&out.stdout).trim_end(),
            String::from_utf8_lossy(&out.stderr).trim_end(),
            self.log_tail()
        )
    }

    fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        if lines.is_empty() {
            return "(empty)".to_string();
        }
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Stops the server at once, removes its directory and ends the guard. Idempotent.
    fn shut_down(&self) {
        let data = self.data_dir();
        if data.join("postmaster.pid").exists() {
            let _ = self.pg_ctl(&["stop", "-m", "immediate", "-w"]);
        }
        if let Some(mut guard) = self.guard.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = guard.kill();
            let _ = guard.wait();
        }
        let _ = std::fs::remove_dir_all(self.dir.path());
    }
}

impl Drop for PgServer {
    /// `pg_ctl stop -m immediate`, the data directory removed.
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// `$MSGRAPH_RELAY_PG_BINDIR`, else the highest `/usr/lib/postgresql/*/bin` with `initdb`
/// and `pg_ctl`.
fn server_bindir() -> PathBuf {
    let usable = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os(BINDIR_ENV) {
        let dir = PathBuf::from(dir);
        assert!(
            usable(&dir),
            "{BINDIR_ENV}={} has no initdb and pg_ctl: point it at a PostgreSQL server's bin \
             directory, or unset it and install Debian's server package (`apt-get install \
             postgresql`)",
            dir.display()
        );
        return dir;
    }
    let mut found: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let version = name
                .split('.')
                .map(|n| n.parse().ok())
                .collect::<Option<Vec<u32>>>()?;
            let bin = entry.path().join("bin");
            usable(&bin).then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "no PostgreSQL server binaries: no /usr/lib/postgresql/*/bin has initdb and \
             pg_ctl, and {BINDIR_ENV} is not set. The relay's PostgreSQL tests start their own \
             server: install Debian's package with `apt-get install postgresql` (.ci/run does)"
        ),
    }
}

/// `bindir/name` if there, else `name` from `PATH`.
fn client_binary(bindir: &Path, name: &str) -> PathBuf {
    let path = bindir.join(name);
    if path.is_file() {
        path
    } else {
        PathBuf::from(name)
    }
}

/// As root: `runuser -u postgres --`, else `setpriv` to the `postgres` user.
fn as_postgres_prefix() -> Vec<String> {
    postgres_ids();
    let find = |name: &str| {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    };
    if let Some(runuser) = find("runuser") {
        return [runuser.to_str().unwrap(), "-u", "postgres", "--"]
            .map(String::from)
            .to_vec();
    }
    if let Some(setpriv) = find("setpriv") {
        let (uid, gid) = postgres_ids();
        return vec![
            setpriv.to_str().unwrap().to_string(),
            format!("--reuid={uid}"),
            format!("--regid={gid}"),
            "--init-groups".to_string(),
            "--".to_string(),
        ];
    }
    panic!("running as root, and neither runuser nor setpriv (util-linux) is there to run PostgreSQL as the postgres user")
}

/// The `postgres` user's uid and gid (Debian's `postgresql` package creates the user).
fn postgres_ids() -> (u32, u32) {
    // SAFETY: getpwnam with a NUL-terminated name; the fields are copied at once, before any
    // other call could reuse its static buffer (test support, called on few threads).
    let entry = unsafe { libc::getpwnam(c"postgres".as_ptr()) };
    assert!(
        !entry.is_null(),
        "running as root, PostgreSQL must run as the `postgres` user, and there is none: \
         install Debian's package with `apt-get install postgresql`"
    );
    unsafe { ((*entry).pw_uid, (*entry).pw_gid) }
}

/// Where the temporary directory goes: the usual temp dir, but as root only if the
/// `postgres` user can traverse every directory on the way (else /tmp).
fn temp_base(root: bool) -> PathBuf {
    let base = std::env::temp_dir();
    if !root {
        return base;
    }
    let traversable = base
        .ancestors()
        .all(|dir| std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o001 != 0));
    if traversable {
        base
    } else {
        PathBuf::from("/tmp")
    }
}

/// A port nothing listens on now (and not one this process handed out before).
fn free_port() -> u16 {
    static GIVEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    let given = given.get_or_insert_with(HashSet::new);
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if given.insert(port) {
            return port;
        }
    }
}

fn secs(duration: Duration) -> String {
    duration.as_secs().to_string()
}
