//! The working hours every sandbox mailbox has (Monday to Friday 08:00–17:00 UTC), for
//! free/busy (`getSchedule`) and meeting suggestions (`findMeetingTimes`).

use serde_json::{json, Value};

/// Working hours of every sandbox mailbox: Monday–Friday 08:00–17:00 UTC.
pub(crate) const WORK_START: u32 = 8;
pub(crate) const WORK_END: u32 = 17;
const WORK_DAYS: [&str; 5] = ["monday", "tuesday", "wednesday", "thursday", "friday"];

/// `workingHours` as `getSchedule` answers it.
pub(crate) fn working_hours() -> Value {
    json!({
        "daysOfWeek": WORK_DAYS,
        "startTime": format!("{WORK_START:02}:00:00.0000000"),
        "endTime": format!("{WORK_END:02}:00:00.0000000"),
        "timeZone": {"name": "UTC"},
    })
}
