//! How a stored message is shown to one request, from its `Prefer` header:
//!
//! * `Prefer: IdType="ImmutableId"`: `id` is the message's immutable id, which stays
//!   the same when the message moves to another folder of the mailbox, and which the
//!   Sent Items copy of a sent draft keeps (doc "Obtain immutable identifiers for
//!   Outlook resources", <https://learn.microsoft.com/graph/outlook-immutable-id>).
//!   Without it, `id` is the REST id, which changes on every move. The header "only
//!   applies to the request it is included with". That page mentions no
//!   `Preference-Applied` for it, so none is sent [unconfirmed].
//! * `Prefer: outlook.body-content-type="text"|"html"`: the format of `body` and
//!   `uniqueBody` (List messages,
//!   <https://learn.microsoft.com/graph/api/user-list-messages?view=graph-rest-1.0>),
//!   echoed in `Preference-Applied` (GRAPH-FACTS §7, doc R44). Without it the sandbox
//!   keeps the stored format, where Graph would answer HTML [deviation, kept so
//!   existing text bodies read back unchanged].
//! * `uniqueBody` (only with `$select=uniqueBody`): the part of the body not quoted
//!   from earlier messages of the thread; for the replies and forwards the sandbox
//!   builds, what comes before Outlook's quoted-header separator.
//!
//! Lookups by id accept either form of id whatever the header says (the two forms
//! differ, as in Exchange) [unconfirmed whether Graph accepts a REST id in a request
//! sent with `IdType="ImmutableId"`].

use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::store::opaque_id;
use crate::wire::preference;

/// Internal key of a stored message holding its immutable id.
pub(crate) const IMMUTABLE_ID_KEY: &str = "@sbx.immutableId";

/// Separator the sandbox puts between a reply's own text and the quoted original
/// (see `routes/reply.rs`).
pub(crate) const QUOTE_SEPARATOR: &str =
    "<hr style=\"display:inline-block;width:98%\" tabindex=\"-1\">";

/// A new immutable id: Exchange's immutable REST ids start `AAkAL…` where REST ids
/// start `AAMkA…`, so the two never collide.
pub(crate) fn new_immutable_id() -> String {
    opaque_id("AAkALg", 110)
}

/// Whether `id` names the stored message `msg`, as its REST id or its immutable id.
pub(crate) fn has_id(msg: &Map<String, Value>, id: &str) -> bool {
    msg.get("id").and_then(Value::as_str) == Some(id)
        || msg.get(IMMUTABLE_ID_KEY).and_then(Value::as_str) == Some(id)
}

/// The immutable id of a stored message.
pub(crate) fn immutable_id(msg: &Map<String, Value>) -> Option<&str> {
    msg.get(IMMUTABLE_ID_KEY).and_then(Value::as_str)
}

/// The read preferences of one request.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct View {
    /// `Prefer: IdType="ImmutableId"`.
    pub immutable_ids: bool,
    /// `Prefer: outlook.body-content-type`: `"text"` or `"html"`.
    pub body_type: Option<&'static str>,
}

impl View {
    /// Reads the preferences of a request.
    pub(crate) fn from_headers(headers: &HeaderMap) -> View {
        let immutable_ids =
            preference(headers, "IdType").is_some_and(|v| v.eq_ignore_ascii_case("ImmutableId"));
        let body_type = match preference(headers, "outlook.body-content-type") {
            Some(v) if v.eq_ignore_ascii_case("text") => Some("text"),
            Some(v) if v.eq_ignore_ascii_case("html") => Some("html"),
            // An unknown value is ignored [unconfirmed].
            _ => None,
        };
        View {
            immutable_ids,
            body_type,
        }
    }

    /// Adjusts a rendered message `out` (from the stored `msg`): the id form, the body
    /// format, and `uniqueBody` when `select` names it.
    pub(crate) fn apply(
        &self,
        out: &mut Value,
        msg: &Map<String, Value>,
        select: Option<&[String]>,
    ) {
        let Value::Object(o) = out else { return };
        if self.immutable_ids {
            if let Some(id) = immutable_id(msg) {
                o.insert("id".into(), json!(id));
            }
        }
        let wants_unique =
            select.is_some_and(|s| s.iter().any(|f| f.eq_ignore_ascii_case("uniqueBody")));
        if wants_unique {
            if let Some(body) = msg.get("body") {
                o.insert("uniqueBody".into(), unique_body(body));
            }
        }
        if let Some(target) = self.body_type {
            for key in ["body", "uniqueBody"] {
                if let Some(b) = o.get_mut(key) {
                    *b = convert(b, target);
                }
            }
        }
    }

    /// Adds `Preference-Applied: outlook.body-content-type="…"` when it was asked for.
    pub(crate) fn mark_applied(&self, resp: &mut Response) {
        if let Some(t) = self.body_type {
            let value = format!("outlook.body-content-type=\"{t}\"");
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers_mut().append("preference-applied", v);
            }
        }
    }
}

/// `uniqueBody` of a stored `body`: the part before the quoted original, else all.
fn unique_body(body: &Value) -> Value {
    let ct = body["contentType"].as_str().unwrap_or("text");
    let content = body["content"].as_str().unwrap_or("");
    if ct == "html" {
        if let Some(at) = content.find(QUOTE_SEPARATOR) {
            let head = &content[..at];
            // The reply's own part sits in the first element of <body>.
            let inner = head
                .to_ascii_lowercase()
                .find("<body>")
                .map_or(head, |b| &head[b + "<body>".len()..]);
            return json!({
                "contentType": "html",
                "content": format!("<html><body>{}</body></html>", inner.trim_end()),
            });
        }
    }
    json!({"contentType": ct, "content": content})
}

/// A `{contentType, content}` body in the `target` format.
fn convert(body: &Value, target: &str) -> Value {
    let ct = body["contentType"].as_str().unwrap_or("text");
    let content = body["content"].as_str().unwrap_or("");
    if ct.eq_ignore_ascii_case(target) {
        return body.clone();
    }
    let content = if target == "text" {
        html_to_text(content)
    } else {
        text_to_html(content)
    };
    json!({"contentType": target, "content": content})
}

/// Plain text of an HTML body: `<head>` / `<style>` / `<script>` dropped, `<br>` and
/// block ends as line breaks, other tags removed, the common entities decoded. The
/// exact text Exchange produces differs in details [unconfirmed].
pub(crate) fn html_to_text(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut out = String::new();
    let mut i = 0;
    while i < html.len() {
        let rest = &lower[i..];
        if let Some(close) = ["head", "style", "script"].iter().find_map(|t| {
            rest.strip_prefix('<')
                .filter(|r| r.starts_with(t))
                .map(|_| format!("</{t}>"))
        }) {
            match rest.find(&close) {
                Some(end) => i += end + close.len(),
                None => break,
            }
            continue;
        }
        if rest.starts_with('<') {
            let end = rest.find('>').map_or(html.len() - i, |e| e + 1);
            let tag = rest[1..end.saturating_sub(1)].trim_start_matches('/');
            let name: String = tag
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            if ["br", "p", "div", "tr", "li", "hr"].contains(&name.as_str())
                && !out.ends_with('\n')
                && !out.is_empty()
            {
                out.push_str("\r\n");
            }
            i += end;
            continue;
        }
        let ch = html[i..].chars().next().unwrap_or(' ');
        if ch != '\r' && ch != '\n' {
            out.push(ch);
        }
        i += ch.len_utf8();
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

/// HTML of a text body: escaped, line breaks as `<br>`, in a minimal document
/// [unconfirmed: Exchange's markup differs].
pub(crate) fn text_to_html(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>");
    format!(
        "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>{escaped}</body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_prefer_values() {
        let mut h = HeaderMap::new();
        h.insert(
            "prefer",
            HeaderValue::from_static("outlook.timezone=\"UTC\", IdType=\"ImmutableId\""),
        );
        h.append(
            "prefer",
            HeaderValue::from_static("outlook.body-content-type=\"text\""),
        );
        let v = View::from_headers(&h);
        assert!(v.immutable_ids);
        assert_eq!(v.body_type, Some("text"));
        assert!(!View::from_headers(&HeaderMap::new()).immutable_ids);
    }

    #[test]
    fn converts_bodies() {
        assert_eq!(
            html_to_text("<html><head><style>p{}</style></head><body><p>Hi &amp; bye</p><div>x<br>y</div></body></html>"),
            "Hi & bye\r\nx\r\ny"
        );
        assert!(text_to_html("a<b\nc").contains("<body>a&lt;b<br>c</body>"));
    }
}
