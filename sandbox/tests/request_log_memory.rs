//! Memory under unauthenticated uploads (issue 15, item 14): 200 POSTs of 1 MB without a
//! token (to a Graph path and to an unknown path) neither grow the process by what
//! they sent nor leave anything but method, path and status in the request log. Its
//! own test binary, so no other test's allocations blur the reading.

use msgraph_outlook_sandbox::Sandbox;

/// Resident set size of this process, KiB (Linux; `None` elsewhere).
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test]
async fn unauthenticated_megabytes_are_neither_buffered_nor_recorded() {
    let sb = Sandbox::start().await.unwrap();
    let client = reqwest::Client::new();
    let body = vec![b'x'; 1_000_000];
    // Warm up the allocator and the connection pool with the same request shapes.
    for path in ["/v1.0/me/sendMail", "/random"] {
        let resp = client
            .post(format!("{}{path}", sb.authority_url()))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_client_error());
    }
    let before = rss_kib();
    for i in 0..200 {
        let path = if i % 2 == 0 {
            "/v1.0/me/sendMail"
        } else {
            "/random"
        };
        let resp = client
            .post(format!("{}{path}", sb.authority_url()))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), if i % 2 == 0 { 401 } else { 404 });
    }
    if let (Some(before), Some(after)) = (before, rss_kib()) {
        // 200 MB went through; what stays is the log's small entries.
        assert!(
            after.saturating_sub(before) < 32 * 1024,
            "RSS grew from {before} KiB to {after} KiB"
        );
    }
    let log = sb.requests();
    assert_eq!(log.len(), 202);
    assert!(log
        .iter()
        .all(|r| r.body.is_empty() && r.headers.is_empty() && r.body_size == 1_000_000));
    assert!(log[2..]
        .iter()
        .all(|r| r.status == 401 || (r.status == 404 && r.path == "/random")));
}
