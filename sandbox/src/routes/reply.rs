//! `reply`, `replyAll`, `forward` (`202`, sent through the shared submit path) and
//! `createReply`, `createReplyAll`, `createForward` (`201`, a draft in Drafts) on
//! `…/messages/{id}/` (GRAPH-FACTS §2.4).
//!
//! A `Content-Type: text/plain` body is base64 MIME instead (see [`mime_action`]).
//!
//! JSON body: `{comment?, message?, toRecipients?}` (also `Comment` / `Message` /
//! `ToRecipients`). Subject `RE: …` / `FW: …` (not doubled when the original already
//! starts with it); recipients: reply → the original's `replyTo` if set, else its
//! `from` (replying to one's own message goes to its `toRecipients`); replyAll → also
//! the original's to (into To) and cc (into Cc), minus the replier; forward → the given
//! `toRecipients`. `message.toRecipients`, when given, replaces the computed To of a
//! reply and adds to a forward's [unconfirmed]; `message.ccRecipients` /
//! `bccRecipients` / `subject` / `importance` are taken over. The body is HTML: the
//! comment (or `message.body`), then Outlook's "From / Sent / To / Cc / Subject" header
//! and the original body. A forward carries the original's attachments.
//!
//! Known issue reproduced (GRAPH-FACTS §2.4, doc R36): the `comment` of `createReply`,
//! `createReplyAll` and `createForward` does **not** end up in the draft's body
//! (`message.body` does).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::mailbox_items::messages_in;
use super::request::MailRequest;
use super::sending::{check_from, mime_draft};
use super::ReplyAction;
use crate::calendar::address_of;
use crate::graph_error::{empty_response, json_response, GraphError};
use crate::message::{
    attachment_from_json, parse_utc, recipients, render, resolve_message, store_copy, CopyKind,
    Draft, Envelope, Expand,
};
use crate::message_view::View;
use crate::store::Store;
use crate::wire::get_ci;

/// Runs one of the six actions on message `id`.
pub(super) fn handle(
    req: &MailRequest<'_>,
    folder: Option<&str>,
    id: &str,
    action: ReplyAction,
) -> Result<Response, GraphError> {
    let ct = req
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("text/plain") {
        return mime_action(req, folder, id, action);
    }
    let body: Map<String, Value> = if req.body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(req.body) {
            Ok(Value::Object(o)) => o,
            _ => return Err(GraphError::bad_json()),
        }
    };
    let comment = get_ci(&body, "comment")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let message = match get_ci(&body, "message") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m.clone()),
        Some(_) => return Err(GraphError::bad_json()),
    };
    let message_body = message
        .as_ref()
        .and_then(|m| get_ci(m, "body"))
        .filter(|b| b.is_object());
    if !comment.is_empty() && message_body.is_some() {
        // Documented: "Specifying both will return an HTTP 400 Bad Request error."
        // (message-reply). Code and text [unconfirmed].
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidArgument",
            "Specify either a comment or the body property of the message parameter, not both.",
        ));
    }
    let extra = match &message {
        Some(m) => Some(Draft::from_json(m)?),
        None => None,
    };
    let forward_to = recipients(&body, "toRecipients")?;
    let is_create = matches!(
        action,
        ReplyAction::CreateReply | ReplyAction::CreateReplyAll | ReplyAction::CreateForward
    );

    let mut store = req.state.lock();
    let orig = {
        let user = &store.users[req.user_idx];
        let msgs = messages_in(user, folder)?;
        let m = msgs
            .into_iter()
            .find(|m| crate::message_view::has_id(m, id))
            .ok_or_else(GraphError::item_not_found)?;
        resolve_message(&store, m)
    };
    // Known issue reproduced: the comment is dropped for create* drafts.
    let comment = if is_create { String::new() } else { comment };
    let draft = build(
        &store,
        req.user_idx,
        &orig,
        action,
        &comment,
        extra.as_ref(),
        forward_to,
    )?;
    if is_create {
        return Ok(create_draft(req, &mut store, &orig, &draft));
    }
    send(req, &mut store, &draft)
}

/// The `create…` actions: stores `draft` in Drafts, in the thread of `orig`, and
/// answers `201` with it.
fn create_draft(
    req: &MailRequest<'_>,
    store: &mut Store,
    orig: &Map<String, Value>,
    draft: &Draft,
) -> Response {
    let mut env = Envelope::new(store, req.user_idx, draft, true);
    if let Some(c) = orig.get("conversationId").and_then(Value::as_str) {
        env.conversation_id = c.to_string();
    }
    let msg = store_copy(
        store,
        req.user_idx,
        "drafts",
        draft,
        &env,
        CopyKind {
            is_read: true,
            show_bcc: true,
            is_draft: true,
        },
    );
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(req.context_url(store, "messages/$entity")),
    );
    let mut v = render(&msg, None, &Expand::default());
    View::from_headers(req.headers).apply(&mut v, &msg, None);
    if let Value::Object(m) = v {
        out.extend(m);
    }
    json_response(StatusCode::CREATED, &Value::Object(out))
}

/// The sending actions: `202` once `draft` is submitted.
fn send(req: &MailRequest<'_>, store: &mut Store, draft: &Draft) -> Result<Response, GraphError> {
    if !draft.has_recipients() {
        // As for sendMail (observed text).
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidRecipients",
            "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
        ));
    }
    // A delegate replying in another user's mailbox sends as / on behalf of it.
    let mut draft = draft.clone();
    check_from(req, store, &mut draft)?;
    crate::outbox::check_size(store, req.user_idx, &draft)?;
    crate::outbox::submit(store, req.user_idx, &draft, true);
    Ok(empty_response(StatusCode::ACCEPTED))
}

/// The six actions with a MIME body (`Content-Type: text/plain`, base64 RFC 5322 text),
/// as in Example 2 of each action's page (message-reply, -replyAll, -forward,
/// -createReply, -createReplyAll, -createForward under
/// https://learn.microsoft.com/graph/api/): `reply` / `replyAll` / `forward` answer
/// `202`, the `create…` ones `201` + the draft, which serves the MIME as `$value`.
/// Malformed base64 is `400 ErrorMimeContentInvalidBase64String` "Invalid base64
/// string for MIME content." (documented on those pages).
///
/// The message is the MIME as sent: its subject, body and attachments; the original
/// is not quoted [unconfirmed]. Recipients: those of the MIME; without any, a reply
/// goes to the original's sender ("This method uses the sender of the original message
/// as recipient", message-reply) and a replyAll also to the original's recipients, as
/// for JSON [unconfirmed whether Graph ever takes the MIME's own To for a reply]. A
/// missing `Subject` gets `RE: ` / `FW: ` + the original's. A `From` other than the
/// mailbox follows the Send As / Send on Behalf rules of `sendMail`.
fn mime_action(
    req: &MailRequest<'_>,
    folder: Option<&str>,
    id: &str,
    action: ReplyAction,
) -> Result<Response, GraphError> {
    if req.too_large || req.body.len() > super::request::MAX_REQUEST {
        return Err(super::request::too_large());
    }
    let mut draft = mime_draft(req.body)?;
    let mut store = req.state.lock();
    let orig = {
        let user = &store.users[req.user_idx];
        let m = messages_in(user, folder)?
            .into_iter()
            .find(|m| crate::message_view::has_id(m, id))
            .ok_or_else(GraphError::item_not_found)?;
        resolve_message(&store, m)
    };
    let computed = build(&store, req.user_idx, &orig, action, "", None, Vec::new())?;
    if draft.subject.is_none() {
        draft.subject = computed.subject.clone();
    }
    let is_forward = matches!(action, ReplyAction::Forward | ReplyAction::CreateForward);
    if !is_forward && !draft.has_recipients() {
        draft.to = computed.to;
        draft.cc = computed.cc;
    }
    check_from(req, &store, &mut draft)?;
    match action {
        ReplyAction::CreateReply | ReplyAction::CreateReplyAll | ReplyAction::CreateForward => {
            Ok(create_draft(req, &mut store, &orig, &draft))
        }
        ReplyAction::Reply | ReplyAction::ReplyAll | ReplyAction::Forward => {
            send(req, &mut store, &draft)
        }
    }
}

fn list(orig: &Map<String, Value>, name: &str) -> Vec<Value> {
    orig.get(name)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Appends `items` to `out`, skipping `me` and addresses already present.
fn push_unique(out: &mut Vec<Value>, items: &[Value], me: &str, seen: &mut Vec<String>) {
    for r in items {
        let a = address_of(r);
        if a.is_empty() || a == me || seen.contains(&a) {
            continue;
        }
        seen.push(a);
        out.push(r.clone());
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    store: &Store,
    user_idx: usize,
    orig: &Map<String, Value>,
    action: ReplyAction,
    comment: &str,
    extra: Option<&Draft>,
    forward_to: Vec<Value>,
) -> Result<Draft, GraphError> {
    let me = store.users[user_idx].address.to_ascii_lowercase();
    let is_forward = matches!(action, ReplyAction::Forward | ReplyAction::CreateForward);
    let is_all = matches!(action, ReplyAction::ReplyAll | ReplyAction::CreateReplyAll);
    let prefix = if is_forward { "FW: " } else { "RE: " };
    let orig_subject = orig.get("subject").and_then(Value::as_str).unwrap_or("");
    let subject = match extra.and_then(|d| d.subject.clone()) {
        Some(s) => s,
        None if orig_subject
            .to_ascii_lowercase()
            .starts_with(&prefix.to_ascii_lowercase()) =>
        {
            orig_subject.to_string()
        }
        None => format!("{prefix}{orig_subject}"),
    };

    let mut to = Vec::new();
    let mut cc = Vec::new();
    let mut seen = Vec::new();
    if is_forward {
        push_unique(&mut to, &forward_to, "", &mut seen);
        if let Some(d) = extra {
            push_unique(&mut to, &d.to, "", &mut seen);
        }
    } else if let Some(d) = extra.filter(|d| !d.to.is_empty()) {
        push_unique(&mut to, &d.to, "", &mut seen);
    } else {
        let reply_to = list(orig, "replyTo");
        let from = orig.get("from").filter(|f| f.is_object()).cloned();
        let from_me = from.as_ref().is_some_and(|f| address_of(f) == me);
        if !reply_to.is_empty() {
            push_unique(&mut to, &reply_to, &me, &mut seen);
        } else if from_me {
            // Replying to one's own (sent) message addresses its recipients.
            push_unique(&mut to, &list(orig, "toRecipients"), &me, &mut seen);
        } else if let Some(f) = from {
            push_unique(&mut to, &[f], &me, &mut seen);
        }
        if is_all {
            push_unique(&mut to, &list(orig, "toRecipients"), &me, &mut seen);
            push_unique(&mut cc, &list(orig, "ccRecipients"), &me, &mut seen);
        }
    }
    if let Some(d) = extra {
        push_unique(&mut cc, &d.cc, "", &mut seen);
    }

    let top = match extra.filter(|d| !d.body_content.is_empty()) {
        Some(d) if d.body_type == "html" => d.body_content.clone(),
        Some(d) => text_to_html(&d.body_content),
        None => text_to_html(comment),
    };
    let body = format!(
        "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body><div>{top}</div>\r\n{}\r\n<div id=\"divRplyFwdMsg\" dir=\"ltr\">{}</div>\r\n<div>{}</div></body></html>",
        crate::message_view::QUOTE_SEPARATOR,
        quote_header(orig),
        original_body(orig)
    );

    let mut draft = Draft {
        subject: Some(subject),
        body_type: "html".into(),
        body_content: body,
        importance: extra
            .map(|d| d.importance.clone())
            .unwrap_or_else(|| "normal".into()),
        to,
        cc,
        bcc: extra.map(|d| d.bcc.clone()).unwrap_or_default(),
        categories: extra.map(|d| d.categories.clone()).unwrap_or_default(),
        headers: extra.map(|d| d.headers.clone()).unwrap_or_default(),
        extended_properties: extra
            .map(|d| d.extended_properties.clone())
            .unwrap_or_default(),
        multi_extended_properties: extra
            .map(|d| d.multi_extended_properties.clone())
            .unwrap_or_default(),
        ..Draft::default()
    };
    if let Some(d) = extra {
        draft.attachments.extend(d.attachments.iter().cloned());
    }
    if is_forward {
        for a in list(orig, "attachments") {
            draft.attachments.push(attachment_from_json(&a)?);
        }
    }
    Ok(draft)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn text_to_html(s: &str) -> String {
    escape(s).replace("\r\n", "<br>").replace('\n', "<br>")
}

fn names(v: Option<&Value>) -> String {
    let one = |r: &Value| {
        let a = r["emailAddress"]["address"].as_str().unwrap_or("");
        match r["emailAddress"]["name"].as_str() {
            Some(n) if !n.is_empty() && n != a => format!("{n} &lt;{a}&gt;"),
            _ => a.to_string(),
        }
    };
    match v {
        Some(Value::Array(l)) => l.iter().map(one).collect::<Vec<_>>().join("; "),
        Some(r @ Value::Object(_)) => one(r),
        _ => String::new(),
    }
}

/// Outlook's quoted-header block ("From:", "Sent:", "To:", "Cc:", "Subject:").
fn quote_header(orig: &Map<String, Value>) -> String {
    let sent = orig
        .get("sentDateTime")
        .and_then(Value::as_str)
        .and_then(parse_utc)
        .map(|t| t.format("%A, %B %-d, %Y %-I:%M %p").to_string())
        .unwrap_or_default();
    let mut h = format!(
        "<font face=\"Calibri, sans-serif\" style=\"font-size:11pt\" color=\"#000000\"><b>From:</b> {}<br>\r\n<b>Sent:</b> {sent}<br>\r\n<b>To:</b> {}<br>\r\n",
        names(orig.get("from")),
        names(orig.get("toRecipients"))
    );
    let cc = names(orig.get("ccRecipients"));
    if !cc.is_empty() {
        h.push_str(&format!("<b>Cc:</b> {cc}<br>\r\n"));
    }
    h.push_str(&format!(
        "<b>Subject:</b> {}</font>\r\n<div>&nbsp;</div>",
        escape(orig.get("subject").and_then(Value::as_str).unwrap_or(""))
    ));
    h
}

/// The original body as HTML (inner `<body>` of HTML bodies, escaped text otherwise).
fn original_body(orig: &Map<String, Value>) -> String {
    let body = orig.get("body");
    let content = body
        .and_then(|b| b["content"].as_str())
        .unwrap_or("")
        .to_string();
    if body.and_then(|b| b["contentType"].as_str()) != Some("html") {
        return text_to_html(&content);
    }
    let lower = content.to_ascii_lowercase();
    if let Some(start) = lower.find("<body") {
        if let Some(gt) = lower[start..].find('>') {
            let from = start + gt + 1;
            let to = lower
                .rfind("</body>")
                .filter(|e| *e >= from)
                .unwrap_or(content.len());
            return content[from..to].to_string();
        }
    }
    content
}
