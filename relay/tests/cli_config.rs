//! `check-config`: every problem on its own line with its TOML key, exit 78; secrets
//! resolved but never printed.

mod cli_common;

use cli_common::{Relay, SANDBOX_TENANT};
use msgraph_relay::config::Config;

const SECRET: &str = "s3cret-value";

fn check(relay: &Relay) -> (i32, String, String) {
    let run = relay.run(&["check-config"], b"");
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
    (run.code, run.stdout, run.stderr)
}

fn with_graph(graph: &str) -> Relay {
    let relay = Relay::offline("");
    let spool = relay.spool_dir();
    relay.write_config(&format!(
        "[spool]\ndir = {:?}\n\n[graph]\n{graph}\n",
        spool.display().to_string()
    ));
    relay
}

fn problems(relay: &Relay, lines: &[&str]) -> String {
    let path = relay.config_path().display().to_string();
    let mut out: String = lines.iter().map(|l| format!("{path}: {l}\n")).collect();
    let s = if lines.len() == 1 { "" } else { "s" };
    out += &format!("msgraph-relay: {} problem{s} in {path}\n", lines.len());
    out
}

#[test]
fn a_complete_configuration_is_ok() {
    let relay = Relay::offline("");
    let (code, stdout, stderr) = check(&relay);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(stdout, format!("{}: ok\n", relay.config_path().display()));
}

#[test]
fn every_problem_is_listed_with_its_key() {
    let relay = with_graph(
        "auth = \"certificate\"\nclient_id = \"app\"\ncertificate_file = \"/nonexistent/cert.pem\"\ngraph_url = \"http://127.0.0.1:9/beta\"\n\n[log]\nlevel = \"info,[\"",
    );
    let (code, _, stderr) = check(&relay);
    assert_eq!(code, 78);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "{}: graph.graph_url: configuration error: Graph base URL \"http://127.0.0.1:9/beta\" must end in /v1.0 (this crate speaks Graph v1.0)",
            relay.config_path().display()
        )
    );
    let relay = with_graph(
        "auth = \"certificate\"\nclient_id = \"app\"\ncertificate_file = \"/nonexistent/cert.pem\"\n\n[log]\nlevel = \"info,[\"",
    );
    let (code, _, stderr) = check(&relay);
    assert_eq!(code, 78);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{stderr}");
    let path = relay.config_path().display().to_string();
    assert_eq!(
        lines[0],
        format!("{path}: graph.tenant: missing (needed with auth = \"certificate\")")
    );
    assert_eq!(
        lines[1],
        format!("{path}: graph.certificate_file: cannot read /nonexistent/cert.pem: No such file or directory (os error 2)")
    );
    assert!(
        lines[2].starts_with(&format!("{path}: log.level: not a tracing filter: ")),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], format!("msgraph-relay: 3 problems in {path}"));
}

#[test]
fn secrets_from_files_and_variables_are_resolved() {
    let relay = Relay::offline("");
    let file = relay.dir.path().join("secret.txt");
    std::fs::write(&file, format!("{SECRET}\n")).unwrap();
    let ok = with_graph(&format!(
        "tenant = \"{SANDBOX_TENANT}\"\nclient_id = \"app\"\nclient_secret_file = {:?}",
        file.display().to_string()
    ));
    assert_eq!(check(&ok).0, 0);

    let twice = with_graph(&format!(
        "tenant = \"t\"\nclient_id = \"app\"\nclient_secret = \"{SECRET}\"\nclient_secret_env = \"X\""
    ));
    assert_eq!(
        check(&twice),
        (
            78,
            String::new(),
            problems(&twice, &["graph.client_secret: set only one of client_secret, client_secret_file and client_secret_env"])
        )
    );
    let unset = with_graph(
        "tenant = \"t\"\nclient_id = \"app\"\nclient_secret_env = \"MSGRAPH_RELAY_TEST_UNSET_VARIABLE\"",
    );
    assert_eq!(
        check(&unset).2,
        problems(&unset, &["graph.client_secret_env: environment variable MSGRAPH_RELAY_TEST_UNSET_VARIABLE is not set"])
    );
    let none = with_graph("tenant = \"t\"\nclient_id = \"app\"");
    assert_eq!(
        check(&none).2,
        problems(&none, &["graph.client_secret: missing (set client_secret, client_secret_file or client_secret_env): the app's client secret"])
    );
}

#[test]
fn a_certificate_that_is_not_pem_is_reported() {
    let relay = Relay::offline("");
    let file = relay.dir.path().join("cert.pem");
    std::fs::write(&file, "not a certificate\n").unwrap();
    let bad = with_graph(&format!(
        "auth = \"certificate\"\ntenant = \"t\"\nclient_id = \"app\"\ncertificate_file = {:?}",
        file.display().to_string()
    ));
    let (code, _, stderr) = check(&bad);
    assert_eq!(code, 78);
    let first = stderr.lines().next().unwrap();
    assert!(
        first.starts_with(&format!(
            "{}: graph.certificate_file: configuration error: ",
            bad.config_path().display()
        )),
        "{first}"
    );
}

#[test]
fn device_code_needs_a_login_first() {
    let relay = Relay::offline("");
    let tokens = relay.dir.path().join("tokens.json");
    let bad = with_graph(&format!(
        "auth = \"device_code\"\nclient_id = \"app\"\ntoken_file = {:?}",
        tokens.display().to_string()
    ));
    assert_eq!(
        check(&bad).2,
        problems(
            &bad,
            &[&format!(
                "graph.token_file: {} does not exist: sign in first with `msgraph-relay login`",
                tokens.display()
            )]
        )
    );
}

#[test]
fn parse_errors_name_the_key_and_line() {
    let relay = Relay::offline("");
    relay.write_config(
        "[spool]\nhostname = \"h\"\n\n[graph]\ntenant = \"t\"\nclient_secrett = \"x\"\n",
    );
    let (code, _, stderr) = check(&relay);
    assert_eq!(code, 78);
    let path = relay.config_path().display().to_string();
    assert!(
        stderr.starts_with(&format!("msgraph-relay: {path}:6: graph.client_secrett: unknown field `client_secrett`, expected one of ")),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
    relay.write_config("[http]\nlisten = \"localhost\"\n");
    let (code, _, stderr) = check(&relay);
    assert_eq!(
        (code, stderr),
        (
            78,
            format!("msgraph-relay: {path}:2: http.listen: invalid socket address syntax\n")
        )
    );
}

#[test]
fn debug_output_redacts_secrets() {
    let config = Config::parse(&format!(
        "[graph]\nclient_secret = \"{SECRET}\"\nprivate_key = \"{SECRET}\"\n"
    ))
    .unwrap();
    let debug = format!("{config:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(debug.contains("client_secret: Some(<redacted>)"), "{debug}");
}

#[test]
fn smtp_problems_keep_their_keys() {
    let relay = Relay::offline(
        "[[smtp.users]]\nname = \"erp\"\npassword_hash = \"plaintext\"\nallowed_senders = [\"@contoso.com\"]\n",
    );
    let (code, _, stderr) = check(&relay);
    assert_eq!(code, 78);
    let first = stderr.lines().next().unwrap();
    assert!(
        first.starts_with(&format!(
            "{}: smtp.users: user \"erp\": `password_hash` is not an argon2 PHC string",
            relay.config_path().display()
        )),
        "{stderr}"
    );
}

#[test]
fn sendmail_addresses_are_checked() {
    let relay = Relay::offline("[sendmail]\ndefault_sender = \"root\"\nmax_message_size = 0\n");
    assert_eq!(
        check(&relay).2,
        problems(
            &relay,
            &[
                "sendmail.default_sender: \"root\" is not an email address",
                "sendmail.max_message_size: is 0"
            ]
        )
    );
}

#[test]
fn smtp_tls_files_are_read_and_parsed() {
    let relay = Relay::offline("");
    let dir = relay.dir.path();
    let certified = rcgen::generate_simple_self_signed(vec!["relay.test".to_string()]).unwrap();
    std::fs::write(dir.join("cert.pem"), certified.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), certified.signing_key.serialize_pem()).unwrap();
    std::fs::write(dir.join("garbage.pem"), "not PEM\n").unwrap();
    let with_tls = |cert: &str, key: &str| {
        let text = std::fs::read_to_string(relay.config_path()).unwrap();
        let text = text.split("\n[smtp]\n").next().unwrap().to_string();
        relay.write_config(&format!(
            "{text}\n[smtp]\nlisten = [\"127.0.0.1:0\"]\ntls_cert = {:?}\ntls_key = {:?}\n",
            dir.join(cert).display().to_string(),
            dir.join(key).display().to_string()
        ));
    };
    with_tls("cert.pem", "key.pem");
    assert_eq!(check(&relay).0, 0, "{:?}", check(&relay));
    with_tls("garbage.pem", "missing.pem");
    assert_eq!(
        check(&relay).2,
        problems(
            &relay,
            &[
                &format!(
                    "smtp.tls_cert: {} holds no PEM certificate",
                    dir.join("garbage.pem").display()
                ),
                &format!(
                    "smtp.tls_key: cannot read {}: No such file or directory (os error 2)",
                    dir.join("missing.pem").display()
                ),
            ]
        )
    );
}

#[test]
fn the_spool_database_url_and_the_lease_are_checked_and_the_password_never_printed() {
    let relay = Relay::offline("[delivery]\nlease = 0\n");
    let config = std::fs::read_to_string(relay.config_path()).unwrap();
    // An '@' in the password left unencoded: its rest would read as the host.
    relay.write_config(&config.replacen(
        "hostname = \"relay.test\"\n",
        &format!(
            "hostname = \"relay.test\"\ndatabase = \"postgres://relay:p@{SECRET}@db1/relay\"\n"
        ),
        1,
    ));
    assert_eq!(
        check(&relay).2,
        problems(
            &relay,
            &[
                "spool.database: the host contains '@': write an '@' in the user or password as %40",
                "delivery.lease: must be at least 1 (seconds)"
            ]
        )
    );
    relay.write_config(&config.replacen(
        "hostname = \"relay.test\"\n",
        &format!("hostname = \"relay.test\"\ndatabase = \"mysql://relay:{SECRET}@db1/relay\"\n"),
        1,
    ));
    assert_eq!(
        check(&relay).2,
        problems(
            &relay,
            &[
                "spool.database: must be a postgres:// URL",
                "delivery.lease: must be at least 1 (seconds)"
            ]
        )
    );
    // verify-full is libpq's name for what the relay always does with TLS.
    relay.write_config(&format!(
        "{}\n",
        config.replacen(
            "hostname = \"relay.test\"\n",
            &format!(
                "hostname = \"relay.test\"\ndatabase = \"postgres://relay:{SECRET}@db1/relay?sslmode=verify-full\"\n"
            ),
            1,
        )
        .replace("lease = 0", "lease = 30")
    ));
    let (code, stdout, stderr) = check(&relay);
    assert_eq!((code, stderr.as_str()), (0, ""), "{stdout}");
}
