//! `patternedRecurrence` (GRAPH-FACTS §5.1): validation into the full shape Graph
//! returns, and expansion into occurrence dates. Patterns `daily`, `weekly`,
//! `absoluteMonthly` and `absoluteYearly` are expanded; the relative ones answer `501`.
//! Ranges `endDate`, `numbered` and `noEnd`.

use axum::http::StatusCode;
use chrono::{Datelike as _, Duration, NaiveDate, Weekday};
use serde_json::{json, Map, Value};

use crate::graph_error::GraphError;
use crate::wire::get_ci;

/// Hard cap on expanded occurrences (keeps `noEnd` series over huge windows bounded).
const MAX_OCCURRENCES: usize = 10_000;

const DAYS: [(&str, Weekday); 7] = [
    ("sunday", Weekday::Sun),
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Daily,
    Weekly,
    AbsoluteMonthly,
    AbsoluteYearly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Date(NaiveDate),
    Count(usize),
    Never,
}

/// A validated recurrence.
#[derive(Debug, Clone)]
pub(crate) struct Recurrence {
    kind: Kind,
    interval: u32,
    days: Vec<Weekday>,
    first_day: Weekday,
    day_of_month: u32,
    month: u32,
    start: NaiveDate,
    end: End,
}

fn invalid(message: impl Into<String>) -> GraphError {
    // [unconfirmed] code for an invalid recurrence.
    GraphError::new(StatusCode::BAD_REQUEST, "ErrorInvalidRequest", message)
}

pub(crate) fn day_name(d: Weekday) -> &'static str {
    DAYS.iter()
        .find(|(_, w)| *w == d)
        .map_or("sunday", |(n, _)| n)
}

pub(crate) fn parse_day(s: &str) -> Option<Weekday> {
    DAYS.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(s))
        .map(|(_, w)| *w)
}

fn int(o: &Map<String, Value>, name: &str) -> Option<i64> {
    get_ci(o, name).and_then(Value::as_i64)
}

fn date(o: &Map<String, Value>, name: &str) -> Result<Option<NaiveDate>, GraphError> {
    match get_ci(o, name).and_then(Value::as_str) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| invalid(format!("The value '{s}' of '{name}' is not a valid date."))),
    }
}

impl Recurrence {
    /// Validates a `patternedRecurrence` body for an event starting on `start_date`.
    pub(crate) fn parse(v: &Value, start_date: NaiveDate) -> Result<Recurrence, GraphError> {
        let o = v
            .as_object()
            .ok_or_else(|| invalid("The recurrence is not valid."))?;
        let pattern = get_ci(o, "pattern")
            .and_then(Value::as_object)
            .ok_or_else(|| invalid("The recurrence pattern is missing."))?;
        let range = get_ci(o, "range")
            .and_then(Value::as_object)
            .ok_or_else(|| invalid("The recurrence range is missing."))?;
        let ty = get_ci(pattern, "type")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kind = match ty.to_ascii_lowercase().as_str() {
            "daily" => Kind::Daily,
            "weekly" => Kind::Weekly,
            "absolutemonthly" => Kind::AbsoluteMonthly,
            "absoluteyearly" => Kind::AbsoluteYearly,
            "relativemonthly" | "relativeyearly" => {
                return Err(GraphError::new(
                    StatusCode::NOT_IMPLEMENTED,
                    "NotImplemented",
                    format!("The sandbox does not expand '{ty}' recurrence patterns yet."),
                ))
            }
            _ => {
                return Err(invalid(format!(
                    "The recurrence pattern type '{ty}' is not valid."
                )))
            }
        };
        let interval = int(pattern, "interval").unwrap_or(1);
        if interval < 1 {
            return Err(invalid("The recurrence interval must be at least 1."));
        }
        let mut days = Vec::new();
        if let Some(list) = get_ci(pattern, "daysOfWeek").and_then(Value::as_array) {
            for d in list {
                let name = d.as_str().unwrap_or("");
                let day = parse_day(name)
                    .ok_or_else(|| invalid(format!("'{name}' is not a valid day of the week.")))?;
                if !days.contains(&day) {
                    days.push(day);
                }
            }
        }
        let first_day = match get_ci(pattern, "firstDayOfWeek").and_then(Value::as_str) {
            Some(n) => parse_day(n)
                .ok_or_else(|| invalid(format!("'{n}' is not a valid day of the week.")))?,
            None => Weekday::Sun,
        };
        if kind == Kind::Weekly && days.is_empty() {
            return Err(invalid("A weekly recurrence pattern needs daysOfWeek."));
        }
        let day_of_month = int(pattern, "dayOfMonth").unwrap_or(0);
        let month = int(pattern, "month").unwrap_or(0);
        if matches!(kind, Kind::AbsoluteMonthly | Kind::AbsoluteYearly)
            && !(1..=31).contains(&day_of_month)
        {
            return Err(invalid(
                "The recurrence pattern needs a dayOfMonth between 1 and 31.",
            ));
        }
        if kind == Kind::AbsoluteYearly
            && NaiveDate::from_ymd_opt(2024, month as u32, day_of_month as u32).is_none()
        {
            return Err(invalid(
                "The recurrence pattern needs a valid month and dayOfMonth.",
            ));
        }
        let start = date(range, "startDate")?.unwrap_or(start_date);
        let range_ty = get_ci(range, "type").and_then(Value::as_str).unwrap_or("");
        let end = match range_ty.to_ascii_lowercase().as_str() {
            "enddate" => {
                let e = date(range, "endDate")?.ok_or_else(|| {
                    invalid("A recurrence range of type endDate needs an endDate.")
                })?;
                if e < start {
                    return Err(invalid(
                        "The recurrence range endDate is before its startDate.",
                    ));
                }
                End::Date(e)
            }
            "numbered" => match int(range, "numberOfOccurrences") {
                Some(n) if n >= 1 => End::Count(n as usize),
                _ => {
                    return Err(invalid(
                        "A numbered recurrence range needs numberOfOccurrences of at least 1.",
                    ))
                }
            },
            "noend" => End::Never,
            _ => {
                return Err(invalid(format!(
                    "The recurrence range type '{range_ty}' is not valid."
                )))
            }
        };
        Ok(Recurrence {
            kind,
            interval: interval as u32,
            days,
            first_day,
            day_of_month: day_of_month as u32,
            month: month as u32,
            start,
            end,
        })
    }

    /// Reads back a stored (already validated) recurrence.
    pub(crate) fn from_stored(v: &Value) -> Option<Recurrence> {
        if v.is_null() {
            return None;
        }
        Recurrence::parse(v, NaiveDate::MIN).ok()
    }

    /// The full shape Graph returns, with the defaults of unused members.
    pub(crate) fn to_json(&self, zone_name: &str) -> Value {
        let kind = match self.kind {
            Kind::Daily => "daily",
            Kind::Weekly => "weekly",
            Kind::AbsoluteMonthly => "absoluteMonthly",
            Kind::AbsoluteYearly => "absoluteYearly",
        };
        let (range_ty, end_date, count) = match self.end {
            End::Date(d) => ("endDate", d.format("%Y-%m-%d").to_string(), 0),
            End::Count(n) => ("numbered", "0001-01-01".to_string(), n),
            End::Never => ("noEnd", "0001-01-01".to_string(), 0),
        };
        let days: Vec<&str> = if self.kind == Kind::Weekly {
            self.days.iter().map(|d| day_name(*d)).collect()
        } else {
            Vec::new()
        };
        json!({
            "pattern": {
                "type": kind,
                "interval": self.interval,
                "month": self.month,
                "dayOfMonth": self.day_of_month,
                "daysOfWeek": days,
                "firstDayOfWeek": day_name(self.first_day),
                "index": "first",
            },
            "range": {
                "type": range_ty,
                "startDate": self.start.format("%Y-%m-%d").to_string(),
                "endDate": end_date,
                "recurrenceTimeZone": zone_name,
                "numberOfOccurrences": count,
            }
        })
    }

    /// Occurrence dates in order, up to and including `until`.
    pub(crate) fn dates(&self, until: NaiveDate) -> Vec<NaiveDate> {
        self.dates_limited(until, MAX_OCCURRENCES)
    }

    /// The first `max` occurrence dates up to and including `until`.
    pub(crate) fn dates_limited(&self, until: NaiveDate, max: usize) -> Vec<NaiveDate> {
        let last = match self.end {
            End::Date(d) => d.min(until),
            _ => until,
        };
        let limit = match self.end {
            End::Count(n) => n.min(max),
            _ => max,
        };
        let mut out = Vec::new();
        let mut k: i64 = 0;
        loop {
            let batch = self.period(k);
            let Some(first_of_period) = batch.first_candidate else {
                break;
            };
            if first_of_period > last {
                break;
            }
            for d in batch.dates {
                if d < self.start || d > last {
                    continue;
                }
                out.push(d);
                if out.len() >= limit {
                    return out;
                }
            }
            k += 1;
        }
        out
    }

    /// Candidate dates of the `k`-th period (day, week, month or year) of the series.
    fn period(&self, k: i64) -> Period {
        let step = k * self.interval as i64;
        match self.kind {
            Kind::Daily => {
                let d = self.start.checked_add_signed(Duration::days(step));
                Period {
                    first_candidate: d,
                    dates: d.into_iter().collect(),
                }
            }
            Kind::Weekly => {
                let offset = |d: Weekday| {
                    (d.num_days_from_sunday() + 7 - self.first_day.num_days_from_sunday()) % 7
                };
                let week0 = self.start - Duration::days(offset(self.start.weekday()) as i64);
                let Some(week) = week0.checked_add_signed(Duration::weeks(step)) else {
                    return Period {
                        first_candidate: None,
                        dates: Vec::new(),
                    };
                };
                let mut days: Vec<u32> = self.days.iter().map(|d| offset(*d)).collect();
                days.sort_unstable();
                Period {
                    first_candidate: Some(week),
                    dates: days
                        .into_iter()
                        .map(|o| week + Duration::days(o as i64))
                        .collect(),
                }
            }
            Kind::AbsoluteMonthly | Kind::AbsoluteYearly => {
                let months = if self.kind == Kind::AbsoluteMonthly {
                    step
                } else {
                    step * 12
                };
                let base = self.start.year() as i64 * 12 + self.start.month0() as i64 + months;
                let (year, month0) = (base.div_euclid(12) as i32, base.rem_euclid(12) as u32);
                let month = if self.kind == Kind::AbsoluteYearly {
                    self.month
                } else {
                    month0 + 1
                };
                let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
                    return Period {
                        first_candidate: None,
                        dates: Vec::new(),
                    };
                };
                // Months without that day (e.g. the 31st) have no occurrence
                // [unconfirmed: Outlook may use the last day instead].
                Period {
                    first_candidate: Some(first),
                    dates: NaiveDate::from_ymd_opt(year, month, self.day_of_month)
                        .into_iter()
                        .collect(),
                }
            }
        }
    }
}

struct Period {
    /// Earliest date the period could hold (to stop the iteration).
    first_candidate: Option<NaiveDate>,
    dates: Vec<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weekly_mon_wed_three_weeks() {
        let r = Recurrence::parse(
            &json!({"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday"]},
                    "range": {"type": "endDate", "startDate": "2026-12-07", "endDate": "2026-12-23"}}),
            d("2026-12-07"),
        )
        .unwrap();
        let dates = r.dates(d("2027-12-31"));
        assert_eq!(dates.len(), 6);
        assert_eq!(dates[0], d("2026-12-07"));
        assert_eq!(dates[5], d("2026-12-23"));
    }

    #[test]
    fn daily_numbered_and_biweekly() {
        let r = Recurrence::parse(
            &json!({"pattern": {"type": "daily", "interval": 2},
                    "range": {"type": "numbered", "startDate": "2026-12-01", "numberOfOccurrences": 4}}),
            d("2026-12-01"),
        )
        .unwrap();
        assert_eq!(
            r.dates(d("2030-01-01")),
            vec![
                d("2026-12-01"),
                d("2026-12-03"),
                d("2026-12-05"),
                d("2026-12-07")
            ]
        );
        let r = Recurrence::parse(
            &json!({"pattern": {"type": "weekly", "interval": 2, "daysOfWeek": ["friday"], "firstDayOfWeek": "monday"},
                    "range": {"type": "noEnd", "startDate": "2026-12-02"}}),
            d("2026-12-02"),
        )
        .unwrap();
        assert_eq!(
            r.dates(d("2026-12-31")),
            vec![d("2026-12-04"), d("2026-12-18")]
        );
    }

    #[test]
    fn monthly_skips_short_months() {
        let r = Recurrence::parse(
            &json!({"pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
                    "range": {"type": "numbered", "startDate": "2027-01-01", "numberOfOccurrences": 3}}),
            d("2027-01-01"),
        )
        .unwrap();
        assert_eq!(
            r.dates(d("2028-01-01")),
            vec![d("2027-01-31"), d("2027-03-31"), d("2027-05-31")]
        );
    }
}
