//! Attachments of a message: list, get, add (under 3 MB), delete, and large files through an
//! upload session (GRAPH-FACTS §4.1–§4.3; openapi-fragments/paths/user-message-attachments.yaml).

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::client::GraphClient;
use crate::client::{Body, Request};
use crate::error::{Error, InvalidRequest, OutcomeUnknown, Result};
use crate::models::{Attachment, FileAttachment, ItemAttachment};

/// Files under this size go inline (`POST …/attachments`); from it up, an upload session.
/// Graph says "under 3 MB"; that the limit is 3 MiB exactly is \[unconfirmed\].
pub const INLINE_ATTACHMENT_LIMIT: u64 = 3 * 1024 * 1024;
/// The largest attachment an upload session takes (150 MB, GRAPH-FACTS §4.3).
pub const MAX_UPLOAD_SIZE: u64 = 150 * 1024 * 1024;
/// Upload ranges are multiples of this (320 KiB) except the last…
pub const UPLOAD_CHUNK_UNIT: usize = 320 * 1024;
/// …and at most this (4 MiB).
pub const MAX_UPLOAD_CHUNK: usize = 4 * 1024 * 1024;
/// The default range: 10 × 320 KiB = 3,276,800 bytes, under 4 MiB.
pub const DEFAULT_UPLOAD_CHUNK: usize = 10 * UPLOAD_CHUNK_UNIT;
/// A range that failed is resumed from `nextExpectedRanges` at most this often.
const RESUMES_PER_RANGE: usize = 3;

/// The attachments of one message or event; from
/// [`MessageRef::attachments`](super::MessageRef::attachments) or
/// [`EventRef::attachments`](super::EventRef::attachments).
#[derive(Debug, Clone)]
pub struct Attachments {
    client: GraphClient,
    /// `…/messages/{id}` or `…/events/{id}`.
    item_path: Vec<String>,
}

impl Attachments {
    pub(crate) fn new(client: GraphClient, item_path: Vec<String>) -> Self {
        Attachments { client, item_path }
    }

    fn path(&self, rest: &[&str]) -> Vec<String> {
        let mut path = self.item_path.clone();
        path.push("attachments".to_string());
        path.extend(rest.iter().map(|s| s.to_string()));
        path
    }

    /// Every attachment (all pages).
    pub async fn list(&self) -> Result<Vec<Attachment>> {
        use futures_util::TryStreamExt;
        let request = Request::get("listAttachments", self.path(&[]));
        self.client.items(request).try_collect().await
    }

    /// One attachment, with its content.
    pub async fn get(&self, id: &str) -> Result<Attachment> {
        let request = Request::get("getAttachment", self.path(&[id]));
        self.client.send(request).await?.json()
    }

    /// Deletes one attachment (204).
    pub async fn delete(&self, id: &str) -> Result<()> {
        let request = Request::delete("deleteAttachment", self.path(&[id]));
        self.client.send(request).await?.no_content()
    }

    /// Adds a file under 3 MB (`POST …/attachments`, 201); larger files need
    /// [`upload`](Self::upload).
    pub async fn add(&self, file: FileAttachment) -> Result<Attachment> {
        let size = file.content_bytes.len() as u64;
        if size >= INLINE_ATTACHMENT_LIMIT {
            return Err(invalid(format!(
                "{size} bytes: files of 3 MB or more go through an upload session (Attachments::upload)"
            )));
        }
        let request =
            Request::post("addAttachment", self.path(&[])).json(&Attachment::File(file))?;
        self.client.send(request).await?.json()
    }

    /// Attaches a message or event as an item (`POST …/attachments`, 201).
    pub async fn add_item(&self, item: ItemAttachment) -> Result<Attachment> {
        let request =
            Request::post("addAttachment", self.path(&[])).json(&Attachment::Item(item))?;
        self.client.send(request).await?.json()
    }

    /// Uploads a large file (3 MB to 150 MB) from any reader through an upload session, one
    /// range in memory at a time. `size` is the exact number of bytes the reader yields.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let file = tokio::fs::File::open("report.zip").await.unwrap();
    /// let size = file.metadata().await.unwrap().len();
    /// let draft = client.me().message("AAMkAG…");
    /// let id = draft.attachments().upload("report.zip", "application/zip", size, file).send().await?;
    /// println!("attachment {id:?}");
    /// # Ok(()) }
    /// ```
    pub fn upload<R>(
        &self,
        name: impl Into<String>,
        content_type: impl Into<String>,
        size: u64,
        reader: R,
    ) -> LargeUpload<R>
    where
        R: AsyncRead + Unpin + Send,
    {
        LargeUpload {
            attachments: self.clone(),
            name: name.into(),
            content_type: content_type.into(),
            size,
            reader,
            chunk: DEFAULT_UPLOAD_CHUNK,
            content_id: None,
            completed: false,
        }
    }

    /// Attaches a file from disk, inline when under 3 MB, through an upload session
    /// otherwise. Returns the attachment id, when Graph's answer gives it (see
    /// [`LargeUpload::send`]).
    pub async fn attach_file(
        &self,
        path: impl AsRef<std::path::Path>,
        content_type: &str,
    ) -> Result<Option<String>> {
        let path = path.as_ref();
        let io = |e: std::io::Error| invalid(format!("cannot read {}: {e}", path.display()));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file = tokio::fs::File::open(path).await.map_err(io)?;
        let size = file.metadata().await.map_err(io)?.len();
        if size < INLINE_ATTACHMENT_LIMIT {
            let bytes = tokio::fs::read(path).await.map_err(io)?;
            let added = self
                .add(FileAttachment::new(name, content_type, bytes))
                .await?;
            return match added {
                Attachment::File(file) => Ok(file.id),
                _ => Ok(None),
            };
        }
        self.upload(name, content_type, size, file).send().await
    }
}

fn invalid(reason: String) -> Error {
    InvalidRequest::InvalidValue { reason }.into()
}

/// A large-file upload; from [`Attachments::upload`].
#[derive(Debug)]
#[must_use = "nothing is sent until you call .send().await"]
pub struct LargeUpload<R> {
    attachments: Attachments,
    name: String,
    content_type: String,
    size: u64,
    reader: R,
    chunk: usize,
    /// `Some` for an inline attachment: its `cid:` id.
    content_id: Option<String>,
    /// Graph said the upload is complete (or its session is gone after the last range): the
    /// session is then never asked about nor deleted again.
    completed: bool,
}

/// `uploadSession` (GRAPH-FACTS §4.3).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadSession {
    upload_url: Option<String>,
    #[serde(default)]
    next_expected_ranges: Vec<String>,
}

impl UploadSession {
    /// The first byte Graph expects next (`"2097152-"` → 2097152).
    fn next_start(&self) -> Option<u64> {
        self.next_expected_ranges
            .first()?
            .split('-')
            .next()?
            .parse()
            .ok()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AttachmentItem<'a> {
    attachment_type: &'static str,
    name: &'a str,
    size: u64,
    content_type: &'a str,
    /// Only sent for an inline attachment, as in createUploadSession Example 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    is_inline: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_id: Option<&'a str>,
}

/// The action parameter is documented as `AttachmentItem` (PascalCase, GRAPH-FACTS §4.3).
#[derive(Serialize)]
struct CreateUploadSession<'a> {
    #[serde(rename = "AttachmentItem")]
    attachment_item: AttachmentItem<'a>,
}

impl<R: AsyncRead + Unpin + Send> LargeUpload<R> {
    /// Bytes per range: a multiple of 320 KiB, at most 4 MiB (default 3,276,800). The upload
    /// holds one range in memory at a time, and asks the reader for at most 64 KiB at once.
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.chunk = bytes;
        self
    }

    /// Makes it an inline attachment (`isInline: true`, `contentId`), as in Example 2 of
    /// createUploadSession
    /// (<https://learn.microsoft.com/graph/api/attachment-createuploadsession?view=graph-rest-1.0>):
    /// an HTML body shows it with `<img src="cid:{content_id}">`. The id is refused before
    /// anything is sent when it is empty or holds spaces or `<>` (the `cid:` URL could not
    /// name it).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient, image: Vec<u8>) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::Message;
    /// let me = client.me();
    /// let draft = me
    ///     .create_draft(Message::new().to("alex@contoso.com").html_body(r#"<img src="cid:chart_q3">"#))
    ///     .await?;
    /// let message = me.message(draft.id.unwrap_or_default());
    /// message
    ///     .attachments()
    ///     .upload("chart.png", "image/png", image.len() as u64, &image[..])
    ///     .inline("chart_q3")
    ///     .send()
    ///     .await?;
    /// message.send().await?;
    /// # Ok(()) }
    /// ```
    pub fn inline(mut self, content_id: impl Into<String>) -> Self {
        self.content_id = Some(content_id.into());
        self
    }

    /// Creates the session, uploads the ranges in order and returns the attachment id. A
    /// failed range is resumed from `nextExpectedRanges`; on failure the session is deleted.
    ///
    /// Once Graph answers the last range with `201 Created` the attachment exists, and this
    /// returns `Ok` whatever else happens. The id comes from that answer's `Location`; when
    /// it cannot be read, the attachment is looked up by name and size, and the id is `None`
    /// if no single attachment matches. If the last range's answer is lost and the session
    /// is gone, the upload is found the same way, or the error is
    /// [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown): never `NotFound`, which
    /// would invite a retry and a second copy of the file.
    pub async fn send(self) -> Result<Option<String>> {
        self.start().await?.finish().await
    }

    /// Creates the upload session only; [`UploadInProgress::finish`] uploads the ranges and
    /// [`UploadInProgress::cancel`] deletes the session instead.
    pub async fn start(self) -> Result<UploadInProgress<R>> {
        if self.chunk == 0 || self.chunk % UPLOAD_CHUNK_UNIT != 0 || self.chunk > MAX_UPLOAD_CHUNK {
            return Err(invalid(format!(
                "upload chunk of {} bytes: it must be a multiple of 320 KiB and at most 4 MiB",
                self.chunk
            )));
        }
        if self.size < INLINE_ATTACHMENT_LIMIT || self.size > MAX_UPLOAD_SIZE {
            return Err(invalid(format!(
                "{} bytes: upload sessions take 3 MB to 150 MB (smaller files: Attachments::add)",
                self.size
            )));
        }
        if let Some(id) = &self.content_id {
            if id.is_empty()
                || id
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>')
            {
                return Err(invalid(format!(
                    "inline content id {id:?}: it must be non-empty, without spaces or <> \
                     (the body refers to it as cid:{id})"
                )));
            }
        }
        let client = self.attachments.client.clone();
        let body = CreateUploadSession {
            attachment_item: AttachmentItem {
                attachment_type: "file",
                name: &self.name,
                size: self.size,
                content_type: &self.content_type,
                is_inline: self.content_id.is_some().then_some(true),
                content_id: self.content_id.as_deref(),
            },
        };
        let request = Request::post(
            "createUploadSession",
            self.attachments.path(&["createUploadSession"]),
        )
        .json(&body)?;
        let session: UploadSession = client.send(request).await?.json()?;
        let url = session
            .upload_url
            .ok_or_else(|| invalid("Graph returned no uploadUrl".into()))?;
        Ok(UploadInProgress {
            upload: self,
            client,
            url,
        })
    }
}

/// An upload session that exists on Graph; from [`LargeUpload::start`]. Its URL is
/// pre-authenticated, so it is never shown in `Debug` output.
pub struct UploadInProgress<R> {
    upload: LargeUpload<R>,
    client: crate::GraphClient,
    url: String,
}

impl<R> std::fmt::Debug for UploadInProgress<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadInProgress")
            .field("name", &self.upload.name)
            .field("size", &self.upload.size)
            .field("upload_url", &"<redacted>")
            .finish()
    }
}

impl<R: AsyncRead + Unpin + Send> UploadInProgress<R> {
    /// Uploads every range and returns the attachment id (see [`LargeUpload::send`]);
    /// deletes the session on failure, unless it completed.
    pub async fn finish(mut self) -> Result<Option<String>> {
        let result = self.upload.upload_ranges(&self.client, &self.url).await;
        if result.is_err() && !self.upload.completed {
            // Best effort: an abandoned session would otherwise linger until it expires.
            let _ = self.delete().await;
        }
        result
    }

    /// Deletes the session (`DELETE {uploadUrl}`, no `Authorization`): nothing is attached.
    pub async fn cancel(self) -> Result<()> {
        self.delete().await
    }

    async fn delete(&self) -> Result<()> {
        let cancel = Request::pre_authenticated(
            "cancelUploadSession",
            reqwest::Method::DELETE,
            self.url.clone(),
        );
        self.client.send(cancel).await.map(|_| ())
    }
}

impl<R: AsyncRead + Unpin + Send> LargeUpload<R> {
    async fn upload_ranges(
        &mut self,
        client: &crate::GraphClient,
        url: &str,
    ) -> Result<Option<String>> {
        let mut offset = 0u64;
        while offset < self.size {
            let wanted = (self.size - offset).min(self.chunk as u64) as usize;
            // A fresh buffer per range, sent as it is (no copy). The previous range's was
            // released when its request finished: only one range is ever held.
            let data = read_range(&mut self.reader, wanted).await?;
            if data.len() < wanted {
                return Err(invalid(format!(
                    "the reader ended at {} of {} bytes",
                    offset + data.len() as u64,
                    self.size
                )));
            }
            let end = offset + wanted as u64; // exclusive
            let mut from = offset;
            let mut resumes = 0;
            loop {
                let part = data.slice((from - offset) as usize..);
                let error = match self.put_range(client, url, from, end, part).await {
                    Ok(RangeAnswer::Accepted) => break,
                    Ok(RangeAnswer::Completed(id)) => {
                        self.completed = true;
                        return Ok(match id {
                            Some(id) => Some(id),
                            None => self.find_uploaded().await,
                        });
                    }
                    Err(e) => e,
                };
                let last = end == self.size;
                // A repeated last range (its first answer lost) that finds the session gone.
                if last && error.is_not_found() {
                    return self.completed_unseen(error).await;
                }
                if resumes >= RESUMES_PER_RANGE {
                    return Err(error);
                }
                resumes += 1;
                // Ask where Graph is; resend the rest of this range from there.
                let status = Request::pre_authenticated(
                    "getUploadSession",
                    reqwest::Method::GET,
                    url.to_string(),
                );
                let session: UploadSession = match client.send(status).await {
                    Ok(response) => response.json()?,
                    Err(gone) if last && gone.is_not_found() => {
                        return self.completed_unseen(error).await;
                    }
                    Err(other) => return Err(other),
                };
                match session.next_start() {
                    Some(next) if next == end => break,
                    Some(next) if (offset..end).contains(&next) => from = next,
                    _ => return Err(error),
                }
            }
            offset = end;
        }
        Err(invalid(
            "all bytes were uploaded but Graph did not confirm the attachment".into(),
        ))
    }

    /// Every byte was sent and the session is gone: the last range most likely completed the
    /// upload before its answer was lost ([unconfirmed] that Graph answers 404 for a
    /// completed session's URL). The attachment is looked up; if it is not found the outcome
    /// is unknown, never `NotFound` (that invites a retry, and a second attachment). The
    /// session is not touched again either way.
    async fn completed_unseen(&mut self, error: Error) -> Result<Option<String>> {
        self.completed = true;
        if let Some(id) = self.find_uploaded().await {
            return Ok(Some(id));
        }
        Err(Error::OutcomeUnknown(Box::new(OutcomeUnknown {
            operation: "uploadRange",
            client_request_id: error.client_request_id().unwrap_or_default().to_string(),
            cause: error,
        })))
    }

    /// PUTs `[start, end)`.
    async fn put_range(
        &self,
        client: &crate::GraphClient,
        url: &str,
        start: u64,
        end: u64,
        data: bytes::Bytes,
    ) -> Result<RangeAnswer> {
        let mut request =
            Request::pre_authenticated("uploadRange", reqwest::Method::PUT, url.to_string());
        request.body = Body::Range {
            data,
            content_range: format!("bytes {start}-{}/{}", end - 1, self.size),
        };
        let response = client.send(request).await?;
        if response.status == 201 {
            // The attachment exists whatever the Location says: an unreadable one only costs
            // its id, never the upload (repeating it would attach the file twice).
            let location = response.header("location").unwrap_or_default();
            return Ok(RangeAnswer::Completed(attachment_id(&location)));
        }
        Ok(RangeAnswer::Accepted)
    }

    /// The id of the attachment this upload made, looked up by name and size among the
    /// item's attachments when Graph's answer did not give it: None when the lookup fails or
    /// no single attachment matches (the attachment exists all the same).
    ///
    /// `GET {item}/attachments?$select=id,name,size` (list attachments supports OData query
    /// parameters: <https://learn.microsoft.com/en-us/graph/api/message-list-attachments>);
    /// only the first page is read. [unconfirmed] that Graph's `size` of an uploaded file
    /// attachment equals the bytes uploaded: a unique name is accepted when no size matches.
    async fn find_uploaded(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Listed {
            value: Vec<Found>,
        }
        #[derive(Deserialize)]
        struct Found {
            id: Option<String>,
            name: Option<String>,
            size: Option<u64>,
        }
        let mut request = Request::get("listAttachments", self.attachments.path(&[]));
        request.query = vec![("$select".into(), "id,name,size".into())];
        let listed = match self.attachments.client.send(request).await {
            Ok(response) => response.json::<Listed>(),
            Err(e) => Err(e),
        };
        let listed = match listed {
            Ok(listed) => listed.value,
            Err(e) => {
                tracing::warn!(error = %e, "the upload finished; its attachment id could not be looked up");
                return None;
            }
        };
        let named: Vec<&Found> = listed
            .iter()
            .filter(|a| a.name.as_deref() == Some(self.name.as_str()) && a.id.is_some())
            .collect();
        let sized: Vec<&Found> = named
            .iter()
            .copied()
            .filter(|a| a.size == Some(self.size))
            .collect();
        match (sized.as_slice(), named.as_slice()) {
            ([one], _) | ([], [one]) => one.id.clone(),
            _ => None,
        }
    }
}

/// How Graph answered one range.
enum RangeAnswer {
    /// More ranges expected (`200`).
    Accepted,
    /// The upload is complete (`201`); the attachment id when `Location` gave it.
    Completed(Option<String>),
}

/// The most asked of the reader at once. Readers that buffer size their buffer by the
/// request and keep it (`tokio::fs::File` up to 2 MiB), so asking for a whole range would
/// hold a second range's worth of memory.
const READ_PIECE: usize = 64 * 1024;

/// Reads `len` bytes, or fewer if the reader ends first, into a buffer of exactly `len`.
async fn read_range<R: AsyncRead + Unpin>(reader: &mut R, len: usize) -> Result<bytes::Bytes> {
    use bytes::BufMut;
    let mut buffer = bytes::BytesMut::with_capacity(len);
    // Never called on a full buffer: BytesMut would grow it.
    while buffer.len() < len {
        let piece = (len - buffer.len()).min(READ_PIECE);
        let n = reader
            .read_buf(&mut (&mut buffer).limit(piece))
            .await
            .map_err(|e| invalid(format!("cannot read the upload: {e}")))?;
        if n == 0 {
            break;
        }
    }
    Ok(buffer.freeze())
}

/// `…/Attachments('AAMkAD…=')` → `AAMkAD…=`.
fn attachment_id(location: &str) -> Option<String> {
    let start = location.rfind("Attachments('")? + "Attachments('".len();
    let rest = &location[start..];
    Some(rest[..rest.find("')")?].to_string()).filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::attachment_id;

    #[test]
    fn the_attachment_id_comes_from_location() {
        let location = "https://outlook.office.com/api/v2.0/Users('a@b')/Messages('AAMk=')/Attachments('AAMkAD1w=')";
        assert_eq!(attachment_id(location).as_deref(), Some("AAMkAD1w="));
        assert_eq!(attachment_id("https://x/Attachments('')"), None);
        assert_eq!(attachment_id(""), None);
    }
}
