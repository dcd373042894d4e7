//! Graph `message` resources: reading a `message` from a `sendMail` body (JSON or parsed
//! MIME), delivering it into mailboxes, and rendering it as Graph returns it
//! (default properties, `$select`, `$expand`).

use axum::http::StatusCode;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::graph_error::GraphError;
use crate::mime::ParsedMime;
use crate::store::{opaque_id, random_b64, Store, StoredMessage};
use crate::wire::{get_ci, graph_time};

/// Properties Graph returns only on request (`$select` / `$expand`).
const HIDDEN: [&str; 4] = [
    "internetMessageHeaders",
    "attachments",
    crate::extended::SINGLE,
    crate::extended::MULTI,
];

pub(crate) use crate::store::draft::{AttachmentIn, Draft};

pub(crate) fn recipients(msg: &Map<String, Value>, name: &str) -> Result<Vec<Value>, GraphError> {
    match get_ci(msg, name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(recipient).collect(),
        Some(_) => Err(GraphError::invalid_parameter(format!(
            "The value of the property '{name}' is not valid."
        ))),
    }
}

/// Normalises one `recipient` to `{"emailAddress":{"name"?, "address"}}`.
pub(crate) fn recipient(v: &Value) -> Result<Value, GraphError> {
    let ea = v
        .as_object()
        .and_then(|o| get_ci(o, "emailAddress"))
        .and_then(Value::as_object);
    let Some(ea) = ea else {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidRecipients",
            "At least one recipient isn't valid.",
        ));
    };
    let address = get_ci(ea, "address").and_then(Value::as_str).unwrap_or("");
    if address.trim().is_empty() || !address.contains('@') {
        // Text as observed for unresolvable recipients (community reports of live bodies).
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidRecipients",
            format!(
                "At least one recipient isn't valid., Recipient \"{address}\" isn't resolved. All recipients must be resolved before a message can be submitted."
            ),
        ));
    }
    let mut out = Map::new();
    if let Some(name) = get_ci(ea, "name").and_then(Value::as_str) {
        out.insert("name".into(), Value::String(name.to_string()));
    }
    out.insert("address".into(), Value::String(address.trim().to_string()));
    Ok(json!({ "emailAddress": Value::Object(out) }))
}

fn bool_prop(msg: &Map<String, Value>, name: &str) -> bool {
    match get_ci(msg, name) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

impl Draft {
    /// Reads the `message` object of a JSON `sendMail` body and validates it like Graph.
    pub(crate) fn from_json(msg: &Map<String, Value>) -> Result<Draft, GraphError> {
        let mut d = Draft {
            subject: get_ci(msg, "subject")
                .and_then(Value::as_str)
                .map(str::to_string),
            ..Draft::default()
        };
        match get_ci(msg, "body").and_then(Value::as_object) {
            Some(body) => {
                let ct = get_ci(body, "contentType")
                    .and_then(Value::as_str)
                    .unwrap_or("text");
                d.body_type = if ct.eq_ignore_ascii_case("html") {
                    "html".into()
                } else {
                    "text".into()
                };
                d.body_content = get_ci(body, "content")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
            }
            None => d.body_type = "text".into(),
        }
        d.importance = match get_ci(msg, "importance").and_then(Value::as_str) {
            Some(i) if i.eq_ignore_ascii_case("low") => "low".into(),
            Some(i) if i.eq_ignore_ascii_case("high") => "high".into(),
            _ => "normal".into(),
        };
        d.to = recipients(msg, "toRecipients")?;
        d.cc = recipients(msg, "ccRecipients")?;
        d.bcc = recipients(msg, "bccRecipients")?;
        d.reply_to = recipients(msg, "replyTo")?;
        d.from = match get_ci(msg, "from") {
            None | Some(Value::Null) => None,
            Some(v) => Some(recipient(v)?),
        };
        d.categories = get_ci(msg, "categories")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        d.flag = get_ci(msg, "flag")
            .filter(|v| v.is_object())
            .map(strip_odata);
        d.delivery_receipt = bool_prop(msg, "isDeliveryReceiptRequested");
        d.read_receipt = bool_prop(msg, "isReadReceiptRequested");
        d.internet_message_id = get_ci(msg, "internetMessageId")
            .and_then(Value::as_str)
            .map(str::to_string);

        if let Some(headers) = get_ci(msg, "internetMessageHeaders").and_then(Value::as_array) {
            // GRAPH-FACTS §4.4 (observed texts).
            if headers.len() > 5 {
                return Err(GraphError::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidInternetMessageHeaderCollection",
                    "Maximum number of headers in one message should be less than or equal to 5.",
                ));
            }
            for h in headers {
                let o = h.as_object();
                let name = o
                    .and_then(|o| get_ci(o, "name"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let value = o
                    .and_then(|o| get_ci(o, "value"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let lower = name.to_ascii_lowercase();
                if !lower.starts_with("x-") {
                    return Err(GraphError::new(
                        StatusCode::BAD_REQUEST,
                        "InvalidInternetMessageHeader",
                        format!(
                            "The internet message header name '{name}' should start with 'x-' or 'X-'."
                        ),
                    ));
                }
                d.headers.push(json!({"name": name, "value": value}));
            }
        }

        if let Some(atts) = get_ci(msg, "attachments").and_then(Value::as_array) {
            for a in atts {
                d.attachments.push(attachment_from_json(a)?);
            }
        }

        if let Some(props) = get_ci(msg, crate::extended::SINGLE) {
            d.extended_properties = crate::extended::parse_list(crate::extended::SINGLE, props)?;
        }
        if let Some(props) = get_ci(msg, crate::extended::MULTI) {
            d.multi_extended_properties =
                crate::extended::parse_list(crate::extended::MULTI, props)?;
        }
        Ok(d)
    }

    /// Builds a draft from a parsed MIME message (no `x-` header limits: MIME is the
    /// documented way around them).
    pub(crate) fn from_mime(m: ParsedMime) -> Draft {
        let r = |list: Vec<(Option<String>, String)>| -> Vec<Value> {
            list.into_iter()
                .map(|(name, address)| {
                    let mut ea = Map::new();
                    if let Some(n) = name {
                        ea.insert("name".into(), Value::String(n));
                    }
                    ea.insert("address".into(), Value::String(address));
                    json!({ "emailAddress": Value::Object(ea) })
                })
                .collect()
        };
        Draft {
            subject: m.subject,
            body_type: if m.body_is_html { "html" } else { "text" }.into(),
            body_content: m.body,
            importance: m.importance.unwrap_or_else(|| "normal".into()),
            to: r(m.to),
            cc: r(m.cc),
            bcc: r(m.bcc),
            reply_to: r(m.reply_to),
            from: r(m.from).into_iter().next(),
            headers: m
                .x_headers
                .into_iter()
                .map(|(n, v)| json!({"name": n, "value": v}))
                .collect(),
            attachments: m
                .attachments
                .into_iter()
                .map(|a| AttachmentIn {
                    name: a.name,
                    content_type: a.content_type,
                    bytes: a.bytes,
                    is_inline: a.is_inline,
                    content_id: a.content_id,
                    item: None,
                })
                .collect(),
            internet_message_id: m.message_id,
            ..Draft::default()
        }
    }

    /// The `PidTagDeferredSendTime` of the message, if it carries one.
    pub(crate) fn deferred_until(&self) -> Option<DateTime<Utc>> {
        self.extended_properties
            .iter()
            .find(|p| {
                p["id"]
                    .as_str()
                    .is_some_and(|id| id.eq_ignore_ascii_case(DEFERRED_SEND_TIME))
            })
            .and_then(|p| p["value"].as_str())
            .and_then(parse_utc)
    }

    /// Whether the message has at least one recipient (to, cc or bcc).
    pub(crate) fn has_recipients(&self) -> bool {
        !(self.to.is_empty() && self.cc.is_empty() && self.bcc.is_empty())
    }
}

/// Removes `@odata.type` (tolerated anywhere) from an object, shallowly.
pub(crate) fn strip_odata(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| !k.starts_with("@odata."))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

pub(crate) fn attachment_from_json(a: &Value) -> Result<AttachmentIn, GraphError> {
    let Some(o) = a.as_object() else {
        return Err(GraphError::invalid_parameter(
            "The attachment is not valid.",
        ));
    };
    let ty = get_ci(o, "@odata.type")
        .and_then(Value::as_str)
        .unwrap_or("#microsoft.graph.fileAttachment");
    let short = ty.trim_start_matches('#');
    if short.eq_ignore_ascii_case("microsoft.graph.itemAttachment") {
        return item_attachment_from_json(o);
    }
    if !short.eq_ignore_ascii_case("microsoft.graph.fileAttachment") {
        return Err(GraphError::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            format!("The sandbox only supports file and item attachments, not '{ty}'."),
        ));
    }
    let name = get_ci(o, "name").and_then(Value::as_str).unwrap_or("");
    let bytes_b64 = get_ci(o, "contentBytes")
        .and_then(Value::as_str)
        .unwrap_or("");
    let compact: String = bytes_b64.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = STANDARD
        .decode(compact.as_bytes())
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(compact.as_bytes()))
        .map_err(|_| {
            // [unconfirmed] Graph's exact answer for undecodable contentBytes.
            GraphError::invalid_parameter(
                "The value of the property 'contentBytes' is not a valid base64 string.",
            )
        })?;
    Ok(AttachmentIn {
        name: name.to_string(),
        content_type: get_ci(o, "contentType")
            .and_then(Value::as_str)
            .unwrap_or("application/octet-stream")
            .to_string(),
        bytes,
        is_inline: get_ci(o, "isInline")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        content_id: get_ci(o, "contentId")
            .and_then(Value::as_str)
            .map(str::to_string),
        item: None,
    })
}

/// An `itemAttachment` (GRAPH-FACTS §4.1): `name` and `item` (a message or event, with
/// its `@odata.type`); `size` is the length of the item's JSON (Exchange reports the
/// size of the stored item, so this is an approximation).
fn item_attachment_from_json(o: &Map<String, Value>) -> Result<AttachmentIn, GraphError> {
    let Some(item) = get_ci(o, "item").filter(|v| v.is_object()) else {
        // [unconfirmed] Graph's code/text for an itemAttachment without `item`.
        return Err(GraphError::invalid_parameter(
            "The value of the property 'item' of the itemAttachment is missing or not valid.",
        ));
    };
    let mut item = item.clone();
    if let Value::Object(m) = &mut item {
        if !m.contains_key("@odata.type") {
            // [unconfirmed] default item type when the client gives none.
            m.insert("@odata.type".into(), json!("#microsoft.graph.message"));
        }
        m.entry("id")
            .or_insert_with(|| json!(opaque_id("AAMkA", 110)));
    }
    let size = item.to_string().len();
    Ok(AttachmentIn {
        name: get_ci(o, "name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        content_type: String::new(),
        bytes: Vec::new(),
        is_inline: get_ci(o, "isInline")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        content_id: None,
        item: Some(item_with_size(item, size)),
    })
}

/// Keeps the computed size next to the item (internal key, removed on output).
fn item_with_size(mut item: Value, size: usize) -> Value {
    if let Value::Object(m) = &mut item {
        m.insert(ITEM_SIZE_KEY.into(), json!(size));
    }
    item
}

const ITEM_SIZE_KEY: &str = "@sbx.size";

/// Prefix of the sandbox's internal keys in stored JSON (never rendered).
pub(crate) const INTERNAL_PREFIX: &str = "@sbx.";

/// Internal key of an `eventMessage`: the `iCalUId` of its meeting, resolved to the
/// mailbox's own event for `$expand=microsoft.graph.eventMessage/event`.
pub(crate) const EVENT_UID_KEY: &str = "@sbx.iCalUId";

/// A stored item without the sandbox's internal top-level keys.
pub(crate) fn without_internal(m: &Map<String, Value>) -> Map<String, Value> {
    m.iter()
        .filter(|(k, _)| !k.starts_with(INTERNAL_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Internal attachment key: the id of a blob in `Store::blobs` holding the bytes of a
/// file attachment uploaded through an upload session (kept out of the JSON to avoid a
/// base64 copy; resolved to `contentBytes` on output by [`resolve_attachment`]).
pub(crate) const BLOB_KEY: &str = "@sbx.blob";

/// An attachment as Graph returns it: blob-backed bytes become `contentBytes`.
pub(crate) fn resolve_attachment(store: &Store, a: &Value) -> Value {
    let Some(o) = a.as_object() else {
        return a.clone();
    };
    let Some(blob) = o.get(BLOB_KEY).and_then(Value::as_str) else {
        return a.clone();
    };
    let mut out = Map::new();
    for (k, v) in o {
        if k != BLOB_KEY {
            out.insert(k.clone(), v.clone());
        }
    }
    let bytes = store.blobs.get(blob).map(|b| STANDARD.encode(b.as_slice()));
    out.insert("contentBytes".into(), json!(bytes.unwrap_or_default()));
    Value::Object(out)
}

/// A stored message with every blob-backed attachment resolved (for sending, MIME).
pub(crate) fn resolve_message(store: &Store, msg: &Map<String, Value>) -> Map<String, Value> {
    let mut out = msg.clone();
    if let Some(Value::Array(list)) = msg.get("attachments") {
        let resolved = list.iter().map(|a| resolve_attachment(store, a)).collect();
        out.insert("attachments".into(), Value::Array(resolved));
    }
    out
}

/// Plain-text preview: tags stripped, whitespace collapsed, first 255 characters.
pub(crate) fn body_preview(body_type: &str, content: &str) -> String {
    let text = if body_type == "html" {
        let mut out = String::new();
        let mut in_tag = false;
        let lower = content.to_ascii_lowercase();
        // drop <head>…</head>, <style>, <script>
        let mut skip_until: Option<&str> = None;
        let mut i = 0;
        let bytes = content.as_bytes();
        while i < bytes.len() {
            if let Some(end) = skip_until {
                if lower[i..].starts_with(end) {
                    i += end.len();
                    skip_until = None;
                } else {
                    i += content[i..].chars().next().map_or(1, char::len_utf8);
                }
                continue;
            }
            for (open, close) in [
                ("<head", "</head>"),
                ("<style", "</style>"),
                ("<script", "</script>"),
            ] {
                let after = &lower[i..];
                if after.starts_with(open)
                    && after[open.len()..].starts_with(['>', ' ', '\t', '\r', '\n'])
                {
                    skip_until = Some(close);
                }
            }
            if skip_until.is_some() {
                continue;
            }
            let ch = content[i..].chars().next().unwrap_or(' ');
            match ch {
                '<' => in_tag = true,
                '>' if in_tag => {
                    in_tag = false;
                    out.push(' ');
                }
                _ if !in_tag => out.push(ch),
                _ => {}
            }
            i += ch.len_utf8();
        }
        out.replace("&nbsp;", " ")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
    } else {
        content.to_string()
    };
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(255).collect()
}

/// Fills `name` of recipients: a sandbox user's display name, else the address
/// (what Exchange shows for unresolved external recipients).
pub(crate) fn with_names(store: &Store, list: &[Value]) -> Vec<Value> {
    list.iter()
        .map(|r| {
            let address = r["emailAddress"]["address"].as_str().unwrap_or("");
            let name = r["emailAddress"]["name"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| match store.user_by_address(address) {
                    Some(u) => u.display_name.clone(),
                    None => address.to_string(),
                });
            json!({"emailAddress": {"name": name, "address": address}})
        })
        .collect()
}

/// What all copies of one message share: time, ids, resolved recipients.
#[derive(Debug, Clone)]
pub(crate) struct Envelope {
    pub now: DateTime<Utc>,
    pub internet_message_id: String,
    pub conversation_id: String,
    pub conversation_index: String,
    /// `from`; `None` renders as `null` (drafts without `from`).
    pub from: Option<Value>,
    /// `sender` when it differs from `from`.
    pub sender: Option<Value>,
    pub to: Vec<Value>,
    pub cc: Vec<Value>,
    pub bcc: Vec<Value>,
    pub reply_to: Vec<Value>,
}

impl Envelope {
    /// Resolves the envelope of `draft` sent from (or drafted in) mailbox `user_idx`.
    /// `default_from`: use the mailbox as `from` when the draft has none (sent mail).
    pub(crate) fn new(store: &Store, user_idx: usize, draft: &Draft, default_from: bool) -> Self {
        let from = match &draft.from {
            Some(f) => Some(with_names(store, std::slice::from_ref(f)).remove(0)),
            None if default_from => Some(store.users[user_idx].recipient()),
            None => None,
        };
        // A delegate acting in another user's calendar sends that user's meeting
        // messages: `from` = the owner, `sender` = the delegate (GRAPH-FACTS §6.1).
        let sender = match (&draft.sender, store.acting) {
            (Some(s), _) => Some(with_names(store, std::slice::from_ref(s)).remove(0)),
            (None, Some(a)) if a != user_idx && from.is_some() => Some(store.users[a].recipient()),
            _ => None,
        };
        Envelope {
            now: store.now(),
            internet_message_id: draft
                .internet_message_id
                .clone()
                .unwrap_or_else(|| format!("<{}@sandbox.local>", uuid::Uuid::new_v4().simple())),
            conversation_id: opaque_id("AAQkA", 46),
            conversation_index: random_b64(22),
            from,
            sender,
            to: with_names(store, &draft.to),
            cc: with_names(store, &draft.cc),
            bcc: with_names(store, &draft.bcc),
            reply_to: with_names(store, &draft.reply_to),
        }
    }
}

/// How one stored copy of a message looks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CopyKind {
    pub is_read: bool,
    pub show_bcc: bool,
    pub is_draft: bool,
}

/// The attachment JSON Graph returns for a stored file or item attachment.
pub(crate) fn attachment_json(a: &AttachmentIn, t: &str) -> Value {
    if let Some(item) = &a.item {
        let size = item.get(ITEM_SIZE_KEY).and_then(Value::as_u64).unwrap_or(0);
        let mut item = item.clone();
        if let Value::Object(m) = &mut item {
            m.remove(ITEM_SIZE_KEY);
        }
        // Graph returns `item` only with `$expand=microsoft.graph.itemattachment/item`;
        // the sandbox stores it and strips it on output unless expanded.
        return json!({
            "@odata.type": "#microsoft.graph.itemAttachment",
            "id": opaque_id("AAMkA", 140),
            "lastModifiedDateTime": t,
            "name": a.name,
            "contentType": null,
            "size": size,
            "isInline": a.is_inline,
            "item": item,
        });
    }
    json!({
        "@odata.type": "#microsoft.graph.fileAttachment",
        "@odata.mediaContentType": a.content_type,
        "id": opaque_id("AAMkA", 140),
        "lastModifiedDateTime": t,
        "name": a.name,
        "contentType": a.content_type,
        "size": a.bytes.len(),
        "isInline": a.is_inline,
        "contentId": a.content_id,
        "contentLocation": null,
        "contentBytes": STANDARD.encode(&a.bytes),
    })
}

/// Web link of a message id, as Outlook on the web builds it.
fn web_link(id: &str) -> String {
    format!(
        "https://outlook.office365.com/owa/?ItemID={}&exvsurl=1&viewmodel=ReadMessageItem",
        id.replace('=', "%3D")
            .replace('+', "%2B")
            .replace('/', "%2F")
    )
}

/// Builds the full JSON of one copy of `draft` and stores it in folder `folder`
/// (well-known name or id) of mailbox `user_idx`; returns the JSON.
pub(crate) fn store_copy(
    store: &mut Store,
    user_idx: usize,
    folder: &str,
    draft: &Draft,
    env: &Envelope,
    kind: CopyKind,
) -> Map<String, Value> {
    store_copy_with(store, user_idx, folder, draft, env, kind, &Map::new())
}

/// [`store_copy`] with `extra` properties added to the message (e.g. the
/// `@odata.type` and properties of an `eventMessage`).
pub(crate) fn store_copy_with(
    store: &mut Store,
    user_idx: usize,
    folder: &str,
    draft: &Draft,
    env: &Envelope,
    kind: CopyKind,
    extra: &Map<String, Value>,
) -> Map<String, Value> {
    let folder_id = store.users[user_idx]
        .folder(folder)
        .map(|f| f.id.clone())
        .unwrap_or_default();
    let id = opaque_id("AAMkA", 110);
    let change_key = random_b64(20);
    let t = graph_time(env.now);
    let attachments: Vec<Value> = draft
        .attachments
        .iter()
        .map(|a| attachment_json(a, &t))
        .collect();
    let has_attachments = draft.attachments.iter().any(|a| !a.is_inline);
    let from = env.from.clone().unwrap_or(Value::Null);
    let sender = env.sender.clone().unwrap_or_else(|| from.clone());
    let mut m = Map::new();
    m.insert("@odata.etag".into(), json!(format!("W/\"{change_key}\"")));
    m.insert("id".into(), json!(id));
    m.insert("createdDateTime".into(), json!(t));
    m.insert("lastModifiedDateTime".into(), json!(t));
    m.insert("changeKey".into(), json!(change_key));
    m.insert("categories".into(), Value::Array(draft.categories.clone()));
    m.insert("receivedDateTime".into(), json!(t));
    m.insert("sentDateTime".into(), json!(t));
    m.insert("hasAttachments".into(), json!(has_attachments));
    m.insert("internetMessageId".into(), json!(env.internet_message_id));
    m.insert("subject".into(), json!(draft.subject));
    m.insert(
        "bodyPreview".into(),
        json!(body_preview(&draft.body_type, &draft.body_content)),
    );
    m.insert("importance".into(), json!(draft.importance));
    m.insert("parentFolderId".into(), json!(folder_id));
    m.insert("conversationId".into(), json!(env.conversation_id));
    m.insert("conversationIndex".into(), json!(env.conversation_index));
    m.insert(
        "isDeliveryReceiptRequested".into(),
        json!(draft.delivery_receipt),
    );
    m.insert("isReadReceiptRequested".into(), json!(draft.read_receipt));
    m.insert("isRead".into(), json!(kind.is_read));
    m.insert("isDraft".into(), json!(kind.is_draft));
    m.insert("webLink".into(), json!(web_link(&id)));
    m.insert("inferenceClassification".into(), json!("focused"));
    m.insert(
        "body".into(),
        json!({"contentType": draft.body_type, "content": draft.body_content}),
    );
    m.insert("sender".into(), sender);
    m.insert("from".into(), from);
    m.insert("toRecipients".into(), Value::Array(env.to.clone()));
    m.insert("ccRecipients".into(), Value::Array(env.cc.clone()));
    m.insert(
        "bccRecipients".into(),
        Value::Array(if kind.show_bcc {
            env.bcc.clone()
        } else {
            Vec::new()
        }),
    );
    m.insert("replyTo".into(), Value::Array(env.reply_to.clone()));
    m.insert(
        "flag".into(),
        draft
            .flag
            .clone()
            .unwrap_or_else(|| json!({"flagStatus": "notFlagged"})),
    );
    m.insert(
        "internetMessageHeaders".into(),
        Value::Array(draft.headers.clone()),
    );
    m.insert("attachments".into(), Value::Array(attachments));
    m.insert(
        "singleValueExtendedProperties".into(),
        Value::Array(draft.extended_properties.clone()),
    );
    m.insert(
        crate::extended::MULTI.into(),
        Value::Array(draft.multi_extended_properties.clone()),
    );
    m.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    // Only the sender's own copies of a sent draft keep the draft's immutable id
    // (doc "Obtain immutable identifiers for Outlook resources"); every other copy is
    // a new item with a new one.
    let keeps_id =
        folder.eq_ignore_ascii_case("sentitems") || folder.eq_ignore_ascii_case("outbox");
    let immutable = match &draft.immutable_id {
        Some(id) if keeps_id => id.clone(),
        _ => crate::message_view::new_immutable_id(),
    };
    m.insert(
        crate::message_view::IMMUTABLE_ID_KEY.into(),
        json!(immutable),
    );
    let seq = store.next_seq();
    store.users[user_idx].messages.push(StoredMessage {
        seq,
        folder_id,
        json: m.clone(),
        mime: draft.raw_mime.clone(),
    });
    m
}

/// Delivers a message sent from the mailbox `sender_idx`: a copy into every sandbox
/// recipient's Inbox, one into the sender's Sent Items (unless `save_to_sent` is false);
/// messages with recipients outside the sandbox are remembered in `store.outbound`.
pub(crate) fn deliver(store: &mut Store, sender_idx: usize, draft: &Draft, save_to_sent: bool) {
    deliver_with(store, sender_idx, draft, save_to_sent, &Map::new());
}

/// [`deliver`] with `extra` properties on every copy (see [`store_copy_with`]).
pub(crate) fn deliver_with(
    store: &mut Store,
    sender_idx: usize,
    draft: &Draft,
    save_to_sent: bool,
    extra: &Map<String, Value>,
) {
    let env = Envelope::new(store, sender_idx, draft, true);
    let sent = CopyKind {
        is_read: true,
        show_bcc: true,
        is_draft: false,
    };
    let mut sender_view = None;
    if save_to_sent {
        sender_view = Some(store_copy_with(
            store,
            sender_idx,
            "sentitems",
            draft,
            &env,
            sent,
            extra,
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    let mut external = false;
    // Recipients whose mailbox is full get nothing; the sender gets an NDR.
    let mut full: Vec<String> = Vec::new();
    for r in env.to.iter().chain(env.cc.iter()).chain(env.bcc.iter()) {
        let address = r["emailAddress"]["address"]
            .as_str()
            .unwrap_or("")
            .to_ascii_lowercase();
        if seen.contains(&address) {
            continue;
        }
        seen.push(address.clone());
        match store.mailbox_by_address(&address) {
            Some(idx) if store.mailbox_state(idx).full => full.push(address),
            Some(idx) => {
                let inbox = CopyKind {
                    is_read: false,
                    show_bcc: false,
                    is_draft: false,
                };
                if extra.contains_key("meetingMessageType") {
                    for (target, env, extra) in meeting_copies(store, idx, &env, extra) {
                        store_copy_with(store, target, "inbox", draft, &env, inbox, &extra);
                        arrived(store, target);
                    }
                } else {
                    store_copy_with(store, idx, "inbox", draft, &env, inbox, extra);
                    arrived(store, idx);
                }
            }
            // Users without a mailbox are as unreachable as outside addresses.
            None => external = true,
        }
    }
    if !full.is_empty() {
        let list: Vec<&str> = full.iter().map(String::as_str).collect();
        crate::outbox::mailbox_full_report(store, sender_idx, draft, &list);
    }
    if external {
        let view = match sender_view {
            Some(v) => v,
            None => {
                // Build the sender's view without storing it anywhere: a store holding
                // the sender's folders only, never a copy of the whole mailbox (which
                // made every send cost as much as the mailbox was large).
                let mut tmp = Store::default();
                tmp.users.push(store.users[sender_idx].without_items());
                store_copy_with(&mut tmp, 0, "sentitems", draft, &env, sent, extra)
            }
        };
        store.outbound.push(Value::Object(without_internal(&view)));
    }
}

/// The newest message of mailbox `idx` (just stored in its Inbox) has arrived: inbox
/// rules and automatic replies run.
fn arrived(store: &mut Store, idx: usize) {
    let last = store.users[idx].messages.len() - 1;
    crate::arrival::arrived(store, idx, last);
}

/// Where a meeting message (`eventMessage`) addressed to mailbox `idx` goes
/// (GRAPH-FACTS §6.3; doc "Share or delegate a calendar in Outlook"): without
/// delegates, to the mailbox; with delegates (delegate role on its primary calendar),
/// by its `delegateMeetingMessageDeliveryOptions`:
///
/// * `sendToDelegateOnly` (default): each delegate's Inbox only;
/// * `sendToDelegateAndInformationToPrincipal`: the delegates, plus an informational
///   copy for the owner (a meeting request there has `meetingRequestType`
///   `principalWantsCopy` [unconfirmed]);
/// * `sendToDelegateAndPrincipal`: the delegates and the owner.
///
/// Delegates' copies have `isDelegated: true` [unconfirmed]; a response delivered to
/// delegates lists them as `toRecipients` (doc "Create Outlook events in a shared or
/// delegated calendar", step 5).
fn meeting_copies(
    store: &Store,
    idx: usize,
    env: &Envelope,
    extra: &Map<String, Value>,
) -> Vec<(usize, Envelope, Map<String, Value>)> {
    let delegates = crate::access::delegates_of(store, idx);
    if delegates.is_empty() {
        return vec![(idx, env.clone(), extra.clone())];
    }
    let option = store.users[idx]
        .settings
        .get("delegateMeetingMessageDeliveryOptions")
        .and_then(Value::as_str)
        .unwrap_or("sendToDelegateOnly")
        .to_string();
    let kind = extra
        .get("meetingMessageType")
        .and_then(Value::as_str)
        .unwrap_or("");
    let is_response = matches!(
        kind,
        "meetingAccepted" | "meetingTenativelyAccepted" | "meetingDeclined"
    );
    let mut out = Vec::new();
    let mut delegate_env = env.clone();
    if is_response {
        delegate_env.to = delegates
            .iter()
            .map(|&d| store.users[d].recipient())
            .collect();
    }
    let mut delegate_extra = extra.clone();
    delegate_extra.insert("isDelegated".into(), json!(true));
    for &d in &delegates {
        out.push((d, delegate_env.clone(), delegate_extra.clone()));
    }
    match option.as_str() {
        "sendToDelegateAndPrincipal" => out.push((idx, env.clone(), extra.clone())),
        "sendToDelegateAndInformationToPrincipal" => {
            let mut info = extra.clone();
            if info.contains_key("meetingRequestType") {
                info.insert("meetingRequestType".into(), json!("principalWantsCopy"));
            }
            out.push((idx, env.clone(), info));
        }
        _ => {}
    }
    out
}

/// Id of `PidTagDeferredSendTime` as a Graph single-value extended property
/// (GRAPH-FACTS §3); compared case-insensitively.
pub(crate) const DEFERRED_SEND_TIME: &str = "SystemTime 0x3FEF";

/// Parses an extended-property time: RFC 3339 (`…Z`, `….0000000Z`, offsets) or a
/// date-time without offset (seconds optional), taken as UTC.
pub(crate) fn parse_utc(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .ok()
        .map(|n| n.and_utc())
}

/// `$expand` options understood by the sandbox.
#[derive(Debug, Clone, Default)]
pub(crate) struct Expand {
    pub attachments: bool,
    /// `singleValueExtendedProperties` / `multiValueExtendedProperties` (shared with
    /// events, [`crate::extended`]).
    pub props: crate::extended::ExpandProps,
    /// `microsoft.graph.eventMessage/event`: inline the event of meeting messages.
    pub event: bool,
}

impl Expand {
    /// Parses `$expand`, e.g. `attachments` or
    /// `singleValueExtendedProperties($filter=id eq 'SystemTime 0x3FEF')`.
    pub(crate) fn parse(raw: Option<&str>) -> Result<Expand, GraphError> {
        let mut e = Expand::default();
        let Some(raw) = raw else { return Ok(e) };
        for item in split_top_level(raw) {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let (name, opts) = match item.find('(') {
                Some(i) => (&item[..i], Some(item[i + 1..].trim_end_matches(')'))),
                None => (item, None),
            };
            if name.eq_ignore_ascii_case("attachments") {
                e.attachments = true;
            } else if is_event_message_event(name) {
                e.event = true;
            } else if !e.props.take(name, opts) {
                // [unconfirmed] Graph's text for an unknown navigation property.
                return Err(GraphError::bad_request(format!(
                    "Could not find a property named '{name}' on type 'microsoft.graph.message'."
                )));
            }
        }
        Ok(e)
    }
}

/// `microsoft.graph.eventMessage/event` (any case; the derived
/// `eventMessageRequest` / `eventMessageResponse` casts too) (GRAPH-FACTS §5.5).
fn is_event_message_event(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.strip_suffix("/event")
        .and_then(|t| t.strip_prefix("microsoft.graph.eventmessage"))
        .is_some_and(|rest| rest.is_empty() || rest == "request" || rest == "response")
}

/// Splits on commas that are not inside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Renders a stored message as Graph returns it: default properties, or `@odata.etag`,
/// `id` and the `$select`ed ones; plus expanded navigation properties.
pub(crate) fn render(
    msg: &Map<String, Value>,
    select: Option<&[String]>,
    expand: &Expand,
) -> Value {
    let mut out = Map::new();
    match select {
        None => {
            for (k, v) in msg {
                if !HIDDEN.contains(&k.as_str()) && !k.starts_with(INTERNAL_PREFIX) {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        Some(fields) => {
            for key in ["@odata.etag", "id"] {
                if let Some(v) = msg.get(key) {
                    out.insert(key.into(), v.clone());
                }
            }
            for f in fields {
                if let Some((k, v)) = msg.iter().find(|(k, _)| {
                    k.eq_ignore_ascii_case(f)
                        && k.as_str() != "attachments"
                        && !k.starts_with(INTERNAL_PREFIX)
                }) {
                    if !crate::extended::KEYS.contains(&k.as_str()) {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
        }
    }
    if expand.attachments {
        out.insert(
            "attachments".into(),
            msg.get("attachments").cloned().unwrap_or(json!([])),
        );
    }
    expand.props.render(msg, &mut out);
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_strips_html() {
        let p = body_preview(
            "html",
            "<html><head><style>x{}</style></head><body><p>Hello&nbsp;<b>world</b></p></body></html>",
        );
        assert_eq!(p, "Hello world");
        let p = body_preview("html", "<header>Top</header><p>Grüße</p><head>x</head>");
        assert_eq!(p, "Top Grüße");
        let long = "é".repeat(300);
        assert_eq!(body_preview("text", &long).chars().count(), 255);
    }

    #[test]
    fn expand_parses_filter() {
        let e = Expand::parse(Some(
            "attachments,singleValueExtendedProperties($filter=id eq 'SystemTime 0x3FEF')",
        ))
        .unwrap();
        assert!(e.attachments);
        assert_eq!(e.props.single, Some(Some("SystemTime 0x3FEF".to_string())));
        assert!(!e.event);
        assert!(
            Expand::parse(Some("microsoft.graph.eventMessage/event"))
                .unwrap()
                .event
        );
        assert!(
            Expand::parse(Some("Microsoft.Graph.EventMessage/Event"))
                .unwrap()
                .event
        );
    }
}
