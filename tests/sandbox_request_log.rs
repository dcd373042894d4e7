//! `Sandbox::requests()` records every endpoint, identity platform included, and
//! `Sandbox::graph_requests()` keeps the Graph ones (issue 16 item 12).

#[path = "support/sandbox_clients.rs"]
mod sandbox_clients;

use msgraph_outlook::models::Message;
use msgraph_outlook_sandbox::{RequestKind, Sandbox};
use sandbox_clients::app;

#[tokio::test]
async fn token_requests_and_upload_ranges_are_recorded_and_graph_requests_leaves_them_out() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.add_user("adele@contoso.com");
    sandbox.add_user("alex@contoso.com");
    let adele = app(&sandbox).user("adele@contoso.com");

    // A token request (client credentials), then Graph: a draft, a 4 MB upload in two
    // ranges, the send.
    let draft = adele
        .create_draft(Message::new().subject("Report").to("alex@contoso.com"))
        .await
        .unwrap();
    let message = adele.message(draft.id.unwrap());
    let content = vec![7u8; 4 * 1024 * 1024];
    message
        .attachments()
        .upload(
            "report.bin",
            "application/octet-stream",
            content.len() as u64,
            &content[..],
        )
        .send()
        .await
        .unwrap();
    message.send().await.unwrap();

    let all: Vec<(String, String, RequestKind)> = sandbox
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.path.clone(), r.kind()))
        .collect();
    let token_path = format!("/{}/oauth2/v2.0/token", sandbox.tenant_id());
    assert_eq!(
        all[0],
        (
            "POST".to_string(),
            token_path,
            RequestKind::IdentityPlatform
        )
    );
    // The token request keeps no header or body: the client secret is not recorded.
    let token = &sandbox.requests()[0];
    assert_eq!(
        (token.status, token.headers.len(), token.body.len()),
        (200, 0, 0)
    );
    let uploads = all
        .iter()
        .filter(|(method, _, kind)| method == "PUT" && *kind == RequestKind::UploadSession)
        .count();
    assert_eq!(uploads, 2, "{all:#?}");

    let graph: Vec<(String, String)> = sandbox
        .graph_requests()
        .into_iter()
        .map(|r| {
            assert!(r.is_graph());
            (r.method, r.path)
        })
        .collect();
    let id = &graph[0..1]; // the create
    assert_eq!(
        id,
        [(
            "POST".to_string(),
            "/v1.0/users/adele@contoso.com/messages".to_string()
        )]
    );
    assert_eq!(
        graph.len(),
        3,
        "create, createUploadSession, send: {graph:#?}"
    );
    assert!(graph[1].1.ends_with("/attachments/createUploadSession"));
    assert!(graph[2].1.ends_with("/send"));
    // Everything else was one of the other kinds.
    assert_eq!(all.len(), graph.len() + 1 + uploads);

    // The sandbox's own clock route is recorded too, and is not Graph.
    let clock = format!("{}/_sandbox/clock", sandbox.authority_url());
    let answer = reqwest::get(clock).await.unwrap();
    assert_eq!(answer.status(), 200);
    let last = sandbox.requests().pop().unwrap();
    assert_eq!(
        (last.path.as_str(), last.kind()),
        ("/_sandbox/clock", RequestKind::SandboxControl)
    );
    assert_eq!(sandbox.graph_requests().len(), 3);
}
