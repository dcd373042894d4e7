//! The current UTC time as the subscription endpoints and the notification receiver read it:
//! a function, so tests (and programs next to the sandbox, whose clock can be moved) can
//! replace it. The subscription manager's schedule has its own `watch::Clock`, which can
//! also sleep; it hands its `now` to both.

use std::sync::Arc;

use chrono::{DateTime, Utc};

/// A source of the current time.
pub(crate) type WallClock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The system's clock.
pub(crate) fn system() -> WallClock {
    Arc::new(Utc::now)
}
