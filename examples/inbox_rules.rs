//! Files invoices with an Inbox rule: creates a folder and a category, a rule "messages
//! from SENDER with 'invoice' in the subject → move to that folder, mark read,
//! categorise", sends a matching and a non-matching message from SENDER, prints where
//! each landed, then deletes the rule.
//!
//! ```text
//! cargo run --example inbox_rules
//! ```
//!
//! With no `GRAPH_*` credentials set it runs against an in-process sandbox (the rule is
//! made in adele@contoso.com's mailbox, alex@contoso.com sends). Against a tenant it needs
//! app credentials (see the README), `GRAPH_USER` (the mailbox that gets the rule) and
//! `GRAPH_RULE_SENDER` (another mailbox the app may send from); the app needs
//! `MailboxSettings.ReadWrite`, `Mail.ReadWrite` and `Mail.Send`. The folder and the
//! category are kept for the next run.

mod common;

use std::process::ExitCode;
use std::time::Duration;

use msgraph_outlook::api::Mailbox;
use msgraph_outlook::models::{
    CategoryColor, MailFolder, Message, MessageRule, MessageRuleActions, MessageRulePredicates,
};

const FOLDER: &str = "Invoices";
const CATEGORY: &str = "Invoices";
const MATCHING: &str = "Invoice 2026-117";
const OTHER: &str = "Lunch on Friday?";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => common::fail(e),
    }
}

async fn run() -> Result<(), String> {
    let setup = common::setup().await?;
    let (owner, sender) = match &setup.sandbox {
        Some(_) => (
            common::SANDBOX_USERS[0].to_string(),
            common::SANDBOX_USERS[1].to_string(),
        ),
        None => (
            common::env("GRAPH_USER").ok_or("GRAPH_USER is not set (the mailbox for the rule)")?,
            common::env("GRAPH_RULE_SENDER")
                .ok_or("GRAPH_RULE_SENDER is not set (a mailbox to send from)")?,
        ),
    };
    let mailbox = &setup.mailbox;
    let e = |e: msgraph_outlook::Error| e.to_string();

    let folder = find_or_create_folder(mailbox).await?;
    let folder_id = folder.id.clone().ok_or("the folder has no id")?;
    println!("Folder: {FOLDER}");
    ensure_category(mailbox).await?;
    println!("Category: {CATEGORY}");

    let rules = mailbox.message_rules();
    let rule = rules
        .create(
            MessageRule::new(format!("Invoices from {sender}"), 1)
                .when(
                    MessageRulePredicates::new()
                        .from_addresses([sender.as_str()])
                        .subject_contains(["invoice"]),
                )
                .then(
                    MessageRuleActions::new()
                        .move_to_folder(&folder_id)
                        .mark_as_read()
                        .assign_categories([CATEGORY])
                        .stop_processing_rules(),
                ),
        )
        .await
        .map_err(e)?;
    let rule_id = rule.id.clone().ok_or("the rule has no id")?;
    println!(
        "Rule created: {:?} (sequence {})",
        rule.display_name.as_deref().unwrap_or(""),
        rule.sequence.unwrap_or_default()
    );

    // The rule is deleted whatever happens next, so a failed run leaves no rule behind.
    let outcome = async {
        let from = setup.client.user(sender.as_str());
        for subject in [MATCHING, OTHER] {
            let message = Message::new()
                .subject(subject)
                .text_body("Sent by the inbox_rules example.")
                .to(owner.as_str());
            from.send_mail(message).await.map_err(e)?;
            println!("Sent {subject:?} from {sender} to {owner}");
        }

        let wait = setup.sandbox.is_none();
        for subject in [MATCHING, OTHER] {
            println!("{}", landed(mailbox, &folder_id, subject, wait).await?);
        }
        Ok::<(), String>(())
    }
    .await;

    let deleted = rules.delete(&rule_id).await;
    outcome?;
    deleted.map_err(e)?;
    println!("Rule deleted");
    Ok(())
}

/// The top-level folder named [`FOLDER`], created when missing.
async fn find_or_create_folder(mailbox: &Mailbox) -> Result<MailFolder, String> {
    let folders = mailbox
        .mail_folders()
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    if let Some(found) = folders
        .into_iter()
        .find(|f| f.display_name.as_deref() == Some(FOLDER))
    {
        return Ok(found);
    }
    mailbox
        .create_mail_folder(FOLDER)
        .await
        .map_err(|e| e.to_string())
}

/// Puts [`CATEGORY`] in the master list, so Outlook shows its colour on filed mail.
async fn ensure_category(mailbox: &Mailbox) -> Result<(), String> {
    let categories = mailbox.master_categories();
    let all = categories
        .list()
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    if !all
        .iter()
        .any(|c| c.display_name.as_deref() == Some(CATEGORY))
    {
        categories
            .create(CATEGORY, CategoryColor::Preset7)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// `"Invoice 2026-117" landed in Invoices (read, categories: Invoices)`. Against a tenant
/// delivery takes a while: look a few times.
async fn landed(
    mailbox: &Mailbox,
    folder_id: &str,
    subject: &str,
    wait: bool,
) -> Result<String, String> {
    let attempts = if wait { 15 } else { 1 };
    for attempt in 0..attempts {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        for (name, folder) in [(FOLDER, folder_id), ("Inbox", "inbox")] {
            let messages = mailbox
                .list_messages()
                .in_folder(folder)
                .select(["subject", "isRead", "categories"])
                .top(50)
                .send()
                .await
                .map_err(|e| e.to_string())?
                .value;
            if let Some(m) = messages
                .iter()
                .find(|m| m.subject.as_deref() == Some(subject))
            {
                let read = if m.is_read == Some(true) {
                    "read"
                } else {
                    "unread"
                };
                let categories = match m.categories.join(", ") {
                    none if none.is_empty() => "none".to_string(),
                    list => list,
                };
                return Ok(format!(
                    "{subject:?} landed in {name} ({read}, categories: {categories})"
                ));
            }
        }
    }
    Ok(format!("{subject:?} has not arrived"))
}
