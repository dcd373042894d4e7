//! `msgraph-relay serve` as a process: the `listening` line, `/metrics`, `/healthz`, and
//! SIGTERM → exit 0 with every accepted message still accounted for.

mod cli_common;

use cli_common::{http_get, sandbox_relay, Relay, Serve};
use msgraph_relay::spool::State;

#[tokio::test(flavor = "multi_thread")]
async fn metrics_and_healthz_are_served() {
    let (_sandbox, relay) = sandbox_relay("").await;
    let serve = Serve::start(&relay);
    assert_eq!(serve.http.ip().to_string(), "127.0.0.1");
    assert_ne!(serve.http.port(), 0);
    assert_eq!(serve.smtp.len(), 1);
    assert_ne!(serve.smtp[0].port(), 0);
    let http = serve.http;

    let (status, content_type, body) =
        tokio::task::spawn_blocking(move || http_get(http, "/healthz"))
            .await
            .unwrap();
    assert_eq!(
        (status, content_type.as_str(), body.as_str()),
        (200, "text/plain; charset=utf-8", "ok\n")
    );

    let (status, content_type, body) =
        tokio::task::spawn_blocking(move || http_get(http, "/metrics"))
            .await
            .unwrap();
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    for line in [
        "# TYPE msgraph_relay_queue_messages gauge",
        "msgraph_relay_queue_messages{state=\"queued\"} 0",
        "msgraph_relay_queue_messages{state=\"failed\"} 0",
        "# TYPE msgraph_relay_delivered counter",
        "msgraph_relay_delivered_total 0",
    ] {
        assert!(body.lines().any(|l| l == line), "{line:?} not in\n{body}");
    }
    assert!(body.ends_with("# EOF\n"), "{body}");

    let (status, _, _) = tokio::task::spawn_blocking(move || http_get(http, "/nothing"))
        .await
        .unwrap();
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_fails_when_the_spool_stops_taking_messages() {
    let (_sandbox, relay) = sandbox_relay("").await;
    let serve = Serve::start(&relay);
    let http = serve.http;
    let (status, _, _) = tokio::task::spawn_blocking(move || http_get(http, "/healthz"))
        .await
        .unwrap();
    assert_eq!(status, 200);
    // Make `incoming/` unusable (a file where the directory was): root ignores modes.
    let incoming = relay.spool_dir().join("incoming");
    std::fs::remove_dir_all(&incoming).unwrap();
    std::fs::write(&incoming, "x").unwrap();
    let (status, _, body) = tokio::task::spawn_blocking(move || http_get(http, "/healthz"))
        .await
        .unwrap();
    assert_eq!(status, 503);
    assert!(
        body.starts_with("spool not writable: spool I/O error: Not a directory"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_exits_0_and_every_accepted_message_is_accounted_for() {
    let (sandbox, relay) = sandbox_relay("").await;
    let mut serve = Serve::start(&relay);
    let mut ids = Vec::new();
    for n in 0..5 {
        let run = relay.sendmail(
            &["-t"],
            format!(
                "From: adele@contoso.com\nTo: alex@contoso.com\nSubject: before stop {n}\n\nx\n"
            )
            .as_bytes(),
        );
        assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    }
    // And one over SMTP, from an allowed network without AUTH.
    let smtp = serve.smtp[0];
    let transcript = tokio::task::spawn_blocking(move || {
        cli_common::smtp_submit(
            smtp,
            "adele@contoso.com",
            "alex@contoso.com",
            "From: adele@contoso.com\r\nTo: alex@contoso.com\r\nSubject: before stop smtp\r\n\r\nx\r\n",
        )
    })
    .await
    .unwrap();
    assert_eq!(
        transcript.iter().map(|r| &r[..3]).collect::<Vec<_>>(),
        ["220", "250", "250", "250", "354", "250", "221"],
        "{transcript:?}"
    );
    let http = serve.http;
    let (_, _, metrics) = tokio::task::spawn_blocking(move || http_get(http, "/metrics"))
        .await
        .unwrap();
    let depth: u64 = ["queued", "sending", "unknown", "sent"]
        .iter()
        .map(|state| {
            let prefix = format!("msgraph_relay_queue_messages{{state=\"{state}\"}} ");
            metrics
                .lines()
                .find_map(|l| l.strip_prefix(&prefix))
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    assert_eq!(depth, 6, "{metrics}");
    assert!(
        metrics
            .lines()
            .any(|l| l == "msgraph_relay_accepted_total 1"),
        "{metrics}"
    );

    let code = tokio::task::spawn_blocking(move || {
        let code = serve.terminate();
        (code, serve.log.lock().unwrap().clone())
    })
    .await
    .unwrap();
    assert_eq!(code.0, 0, "{:?}", code.1);
    assert!(
        code.1
            .iter()
            .any(|l| l.contains("shutting down") && l.contains("signal=\"SIGTERM\"")),
        "{:?}",
        code.1
    );

    // Nothing lost: each message is sent (and then in alex's Inbox exactly once) or
    // still waiting in the spool.
    let spool = relay.spool();
    for record in spool.list(&[], 100).await.unwrap() {
        ids.push(record.id.clone());
        let subject = record.subject.clone().unwrap();
        let in_inbox = sandbox
            .messages("alex@contoso.com", "inbox")
            .iter()
            .filter(|m| m["subject"] == subject.as_str())
            .count();
        match record.state {
            State::Sent => assert_eq!(in_inbox, 1, "{subject}"),
            State::Queued | State::Unknown => assert!(in_inbox <= 1, "{subject}"),
            state => panic!("{subject}: {state}"),
        }
    }
    assert_eq!(ids.len(), 6);
}

#[tokio::test(flavor = "multi_thread")]
async fn json_log_lines_and_no_secret_in_the_log() {
    use std::io::BufRead;
    let (sandbox, relay) = sandbox_relay("").await;
    let text = std::fs::read_to_string(relay.config_path()).unwrap();
    relay.write_config(&format!("{text}\n[log]\nformat = \"json\"\n"));
    let mut child = std::process::Command::new(cli_common::BIN)
        .args(["--config", relay.config_path().to_str().unwrap(), "serve"])
        .env_remove("RUST_LOG")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    // Read to the end (a closed pipe would make the relay's last log lines fail).
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.unwrap();
            if line.contains("listening") {
                let _ = tx.send(());
            }
            lines.push(line);
        }
        lines
    });
    rx.recv_timeout(std::time::Duration::from_secs(60)).unwrap();
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let lines = reader.join().unwrap();
    let listening_line = lines.iter().find(|l| l.contains("listening")).unwrap();
    let listening: serde_json::Value = serde_json::from_str(listening_line).unwrap();
    assert_eq!(listening["level"], "INFO");
    assert_eq!(listening["fields"]["message"], "listening");
    assert!(listening["fields"]["http"]
        .as_str()
        .unwrap()
        .starts_with("127.0.0.1:"));
    let last: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(last["fields"]["message"], "stopped");
    for line in &lines {
        assert!(!line.contains(&sandbox.client_secret()), "{line}");
    }
}

#[test]
fn serve_refuses_a_configuration_with_problems() {
    let relay = Relay::offline("");
    let text = std::fs::read_to_string(relay.config_path()).unwrap();
    relay.write_config(&text.replace(
        "client_secret = ",
        "client_secret_env = \"MSGRAPH_RELAY_TEST_UNSET\"\n#",
    ));
    let run = relay.run(&["serve"], b"");
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (78, "msgraph-relay: graph.client_secret_env: environment variable MSGRAPH_RELAY_TEST_UNSET is not set\n")
    );
}
