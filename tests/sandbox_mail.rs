//! Mail workflows end to end against the sandbox: a large upload that resumes after a failed
//! range, a reply, a filtered list, and a folder sync that reports removals.

use futures_util::TryStreamExt;
use msgraph_outlook::auth::StaticToken;
use msgraph_outlook::models::{Attachment, Message};
use msgraph_outlook::GraphClient;
use msgraph_outlook_sandbox::Sandbox;

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";

async fn sandbox() -> (Sandbox, GraphClient, GraphClient) {
    let sandbox = Sandbox::start().await.unwrap();
    for user in [ADELE, ALEX] {
        sandbox.add_user(user);
    }
    let as_user = |user: &str| {
        GraphClient::builder()
            .base_url(sandbox.base_url())
            .token_provider(StaticToken::delegated(sandbox.delegated_token(user)))
            .build()
            .unwrap()
    };
    let (adele, alex) = (as_user(ADELE), as_user(ALEX));
    (sandbox, adele, alex)
}

#[tokio::test]
async fn a_large_upload_resumes_after_a_failed_range_and_arrives_intact() {
    let (sandbox, adele, alex) = sandbox().await;
    let draft = adele
        .me()
        .create_draft(Message::new().subject("Big").to(ALEX))
        .await
        .unwrap();
    let message = adele.me().message(draft.id.unwrap());
    let content: Vec<u8> = (0..5 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    sandbox.fail_next_upload_range();
    let id = message
        .attachments()
        .upload(
            "big.bin",
            "application/octet-stream",
            content.len() as u64,
            &content[..],
        )
        .send()
        .await
        .unwrap()
        .expect("the sandbox's Location names the attachment");
    assert!(!id.is_empty());
    message.send().await.unwrap();

    let received = alex
        .me()
        .list_messages()
        .in_folder("inbox")
        .collect()
        .await
        .unwrap();
    let files = alex
        .me()
        .message(received[0].id.clone().unwrap())
        .attachments()
        .list()
        .await
        .unwrap();
    let listed_id = match &files[..] {
        [Attachment::File(file)] => file.id.clone().unwrap(),
        other => panic!("{other:?}"),
    };
    let Attachment::File(file) = alex
        .me()
        .message(received[0].id.clone().unwrap())
        .attachments()
        .get(&listed_id)
        .await
        .unwrap()
    else {
        panic!("not a file attachment")
    };
    assert_eq!(file.name, "big.bin");
    assert!(file.content_bytes == content, "the bytes arrive intact");
}

#[tokio::test]
async fn a_reply_reaches_the_sender_threaded_with_the_comment() {
    let (sandbox, adele, alex) = sandbox().await;
    alex.me()
        .send_mail(Message::new().subject("Lunch on Friday?").to(ADELE))
        .await
        .unwrap();
    let question = adele
        .me()
        .list_messages()
        .in_folder("inbox")
        .filter("subject eq 'Lunch on Friday?'")
        .collect()
        .await
        .unwrap();
    assert_eq!(question.len(), 1);
    adele
        .me()
        .message(question[0].id.clone().unwrap())
        .reply()
        .comment("Count me in.")
        .send()
        .await
        .unwrap();

    let inbox = sandbox.messages(ALEX, "inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["subject"], "RE: Lunch on Friday?");
    assert!(inbox[0]["conversationId"].is_string());
}

#[tokio::test]
async fn filters_and_search_narrow_the_list() {
    let (_sandbox, adele, alex) = sandbox().await;
    for subject in ["Budget Q3", "Lunch", "Budget Q4"] {
        alex.me()
            .send_mail(Message::new().subject(subject).to(ADELE))
            .await
            .unwrap();
    }
    let budgets = adele
        .me()
        .list_messages()
        .search("Budget")
        .collect()
        .await
        .unwrap();
    assert_eq!(budgets.len(), 2);
    let ordered: Vec<_> = adele
        .me()
        .list_messages()
        .order_by(["subject"])
        .top(1)
        .stream()
        .map_ok(|m| m.subject.unwrap_or_default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        ordered,
        ["Budget Q3", "Budget Q4", "Lunch"],
        "three pages of one, in order"
    );
}

#[tokio::test]
async fn a_sync_reports_new_and_removed_messages() {
    let (_sandbox, adele, alex) = sandbox().await;
    alex.me()
        .send_mail(Message::new().subject("First").to(ADELE))
        .await
        .unwrap();
    let initial = adele.me().sync_messages("inbox").send().await.unwrap();
    assert_eq!(initial.changed.len(), 1);
    let first_id = initial.changed[0].id.clone().unwrap();
    let link = initial.delta_link.expect("a delta link to store");

    alex.me()
        .send_mail(Message::new().subject("Second").to(ADELE))
        .await
        .unwrap();
    adele.me().message(&first_id).delete().await.unwrap();
    let changes = adele
        .me()
        .sync_messages("inbox")
        .resume(link)
        .send()
        .await
        .unwrap();
    let subjects: Vec<_> = changes
        .changed
        .iter()
        .map(|m| m.subject.clone().unwrap_or_default())
        .collect();
    assert_eq!(subjects, ["Second"]);
    assert_eq!(changes.removed, [first_id]);
}

#[tokio::test]
async fn a_cancelled_upload_attaches_nothing() {
    let (sandbox, adele, _alex) = sandbox().await;
    let draft = adele
        .me()
        .create_draft(Message::new().subject("Big").to(ALEX))
        .await
        .unwrap();
    let message = adele.me().message(draft.id.unwrap());
    let content = vec![1u8; 4 * 1024 * 1024];
    let upload = message
        .attachments()
        .upload(
            "big.bin",
            "application/octet-stream",
            content.len() as u64,
            &content[..],
        )
        .start()
        .await
        .unwrap();
    assert!(
        !format!("{upload:?}").contains("authtoken"),
        "the pre-authenticated URL stays hidden"
    );
    upload.cancel().await.unwrap();
    assert!(message.attachments().list().await.unwrap().is_empty());
    let deletes = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .count();
    assert_eq!(deletes, 1);
}
