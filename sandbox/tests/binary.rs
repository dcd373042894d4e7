//! The `msgraph-outlook-sandbox` binary as an outside program uses it (issue 15, items
//! 18 and 19): `--log FILE` writes one JSON line per request, `--token-lifetime`
//! sets `expires_in` and the expiry, `/_sandbox/clock` moves the clock.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::assert_graph_error;
use serde_json::{json, Value};

/// The running binary; killed on drop.
struct Binary {
    child: Child,
    authority: String,
    /// Adele's printed delegated token.
    token: String,
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> Binary {
    let mut child = Command::new(env!("CARGO_BIN_EXE_msgraph-outlook-sandbox"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let (mut authority, mut token) = (None, None);
    while let Some(Ok(line)) = lines.next() {
        if let Some(url) = line.trim().strip_prefix("authority URL:") {
            authority = Some(url.trim().to_string());
        }
        if line.trim().starts_with("adele@contoso.com (id") {
            token = lines
                .next()
                .and_then(Result::ok)
                .map(|t| t.trim().to_string());
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let (Some(authority), Some(token)) = (authority, token) else {
        // Say why (e.g. an option the binary does not know) instead of just failing.
        let _ = child.kill();
        let mut stderr = String::new();
        let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr);
        panic!("the binary printed no authority URL or token; stderr: {stderr}");
    };
    Binary {
        child,
        authority,
        token,
    }
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()[name].to_str().unwrap().to_string()
}

#[tokio::test]
async fn log_file_and_token_lifetime_through_the_binary() {
    let log = std::env::temp_dir().join(format!("sandbox-binary-{}.jsonl", std::process::id()));
    let bin = start(&[
        "--user",
        "adele@contoso.com",
        "--log",
        log.to_str().unwrap(),
        "--token-lifetime",
        "60",
    ]);
    let client = reqwest::Client::new();
    let graph = format!("{}/v1.0", bin.authority);

    // 1. A Graph request with a client-request-id.
    let resp = client
        .get(format!("{graph}/me/messages?$top=1"))
        .bearer_auth(&bin.token)
        .header("client-request-id", "5c0a1f2e-0000-4000-8000-000000000001")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let first_id = header(&resp, "request-id");
    // 2. A POST without a token.
    let resp = client
        .post(format!("{graph}/me/sendMail"))
        .header("content-type", "application/json")
        .body("{\"message\": {}}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let second_id = header(&resp, "request-id");
    // 3. An app token: `expires_in` is the lifetime given.
    let resp = client
        .post(format!("{}/contoso.com/oauth2/v2.0/token", bin.authority))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "9b2e6c3d-71a4-4f58-8e0b-3c5d7a1f2e64"),
            ("client_secret", "sandbox~Secret.0123456789abcdefABCDEF"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    let third_id = header(&resp, "x-ms-request-id");
    let token: Value = resp.json().await.unwrap();
    assert_eq!(token["expires_in"], 60);
    // 4. 61 seconds later by the clock route, Adele's printed token is expired.
    let resp = client
        .post(format!("{}/_sandbox/clock", bin.authority))
        .json(&json!({"advanceSeconds": 61}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let resp = client
        .get(format!("{graph}/me/messages"))
        .bearer_auth(&bin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let fifth_id = header(&resp, "request-id");
    let body: Value = resp.json().await.unwrap();
    assert_graph_error(
        &body,
        "InvalidAuthenticationToken",
        "Lifetime validation failed, the token is expired.",
    );

    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    assert!(!text.contains(&bin.token), "no Authorization in the log");
    let mut lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for line in &mut lines {
        // `time` is the sandbox clock's; checked for form, then left out.
        let time = line.as_object_mut().unwrap().remove("time").unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(time.as_str().unwrap()).is_ok());
    }
    let form_size = lines[2]["bodySize"].clone();
    assert_eq!(
        lines,
        [
            json!({"method": "GET", "path": "/v1.0/me/messages", "query": "$top=1", "status": 200,
                   "clientRequestId": "5c0a1f2e-0000-4000-8000-000000000001",
                   "requestId": first_id, "bodySize": 0}),
            json!({"method": "POST", "path": "/v1.0/me/sendMail", "query": null, "status": 401,
                   "clientRequestId": null, "requestId": second_id, "bodySize": 15}),
            json!({"method": "POST", "path": "/contoso.com/oauth2/v2.0/token", "query": null,
                   "status": 200, "clientRequestId": null, "requestId": third_id,
                   "bodySize": form_size}),
            json!({"method": "POST", "path": "/_sandbox/clock", "query": null, "status": 200,
                   "clientRequestId": null, "requestId": null, "bodySize": 21}),
            json!({"method": "GET", "path": "/v1.0/me/messages", "query": null, "status": 401,
                   "clientRequestId": null, "requestId": fifth_id, "bodySize": 0}),
        ]
    );
    assert!(form_size.as_u64().unwrap() > 100);
}

/// `--messages-per-minute`, `--max-message-size` and the clock route together, as the
/// relay's quick start uses them.
#[tokio::test]
async fn sending_limits_and_message_size_through_the_binary() {
    use base64::Engine as _;
    let bin = start(&[
        "--user",
        "adele@contoso.com",
        "--user",
        "alex@contoso.com",
        "--messages-per-minute",
        "1",
        "--max-message-size",
        "adele@contoso.com:5000",
    ]);
    let base = format!("{}/v1.0", bin.authority);
    let client = reqwest::Client::new();
    let tips: Value = client
        .post(format!("{base}/me/getMailTips"))
        .bearer_auth(&bin.token)
        .json(
            &json!({"EmailAddresses": ["adele@contoso.com"], "MailTipsOptions": "maxMessageSize"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tips["value"][0]["maxMessageSize"], 5000);

    let mail = json!({"message": {"subject": "paced", "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]}});
    for _ in 0..2 {
        let resp = client
            .post(format!("{base}/me/sendMail"))
            .bearer_auth(&bin.token)
            .json(&mail)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 202);
    }
    let count = |folder: &'static str| {
        let (client, base, token) = (client.clone(), base.clone(), bin.token.clone());
        async move {
            let v: Value = client
                .get(format!("{base}/me/mailFolders/{folder}/messages"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["value"].as_array().unwrap().len()
        }
    };
    assert_eq!(count("outbox").await, 1);
    assert_eq!(count("sentitems").await, 1);
    let resp = client
        .post(format!("{}/_sandbox/clock", bin.authority))
        .json(&json!({"advanceSeconds": 61}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(count("outbox").await, 0);
    assert_eq!(count("sentitems").await, 2);

    let big = format!(
        "To: alex@contoso.com\r\nSubject: big\r\n\r\n{}",
        "x".repeat(5000)
    );
    let resp = client
        .post(format!("{base}/me/sendMail"))
        .bearer_auth(&bin.token)
        .header("content-type", "text/plain")
        .body(base64::engine::general_purpose::STANDARD.encode(big))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_graph_error(
        &body,
        "ErrorMessageSizeExceeded",
        "The message exceeds the maximum supported size.",
    );
}
