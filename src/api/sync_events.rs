//! Calendar sync, EWS's `SyncFolderItems` on a calendar: `GET
//! …/calendarView/delta?startDateTime=…&endDateTime=…` (GRAPH-FACTS-2 §5.4; docs "event:
//! delta", <https://learn.microsoft.com/graph/api/event-delta?view=graph-rest-1.0>;
//! openapi-fragments/paths/user-calendarView-delta.yaml), on the shared delta mechanism.
//! Graph takes no `$select` there, so the builder offers none.

use chrono::{DateTime, SecondsFormat, Utc};

use super::delta::SyncQuery;
use super::Mailbox;
use crate::models::Event;

/// Syncs the events of a window of the default calendar; from [`Mailbox::sync_events`].
pub type SyncEvents = SyncQuery<Event>;

impl Mailbox {
    /// Syncs the occurrences between `start` and `end` in the default calendar (single
    /// events, occurrences and exceptions, as [`calendar_view`](Self::calendar_view) returns
    /// them). The window goes on the first request only: the delta link keeps it.
    ///
    /// Graph also reports as removed the events *outside* the window that were added,
    /// changed or deleted (GRAPH-FACTS-2 §5.4): an unknown removed id is not an error.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use chrono::{Duration, Utc};
    /// let now = Utc::now();
    /// let me = client.me();
    /// let first = me.sync_events(now, now + Duration::days(30)).time_zone("Europe/Paris").await?;
    /// // … later: only what changed (the window is in the link).
    /// let changes = me
    ///     .sync_events(now, now + Duration::days(30))
    ///     .resume(first.delta_link.unwrap())
    ///     .await?;
    /// println!("{} changed, {} removed", changes.changed.len(), changes.removed.len());
    /// # Ok(()) }
    /// ```
    pub fn sync_events(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> SyncEvents {
        let iso = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        SyncQuery::new(
            self.client.clone(),
            "calendarViewDelta",
            self.calendar_path(None, &["calendarView", "delta"]),
        )
        .param("startDateTime", iso(start))
        .param("endDateTime", iso(end))
    }
}

impl SyncQuery<Event> {
    /// Times in the answer in this zone (`Prefer: outlook.timezone`, sent with every
    /// request of the round); a Windows or IANA name. Without it Graph answers in UTC.
    pub fn time_zone(mut self, zone: impl Into<String>) -> Self {
        self.query_mut().time_zone = Some(zone.into());
        self
    }
}
