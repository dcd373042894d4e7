//! `patternedRecurrence`: how an event series repeats (GRAPH-FACTS §5.1).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// `dayOfWeek`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DayOfWeek {
    /// Sunday.
    Sunday,
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// A value this crate does not know yet (never send it).
    #[serde(other)]
    Unknown,
}

/// `recurrencePatternType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum RecurrencePatternType {
    /// Every `interval` days.
    Daily,
    /// On `daysOfWeek`, every `interval` weeks.
    Weekly,
    /// On `dayOfMonth`, every `interval` months.
    AbsoluteMonthly,
    /// On the `index` `daysOfWeek` of the month, every `interval` months.
    RelativeMonthly,
    /// On `month`/`dayOfMonth`, every `interval` years.
    AbsoluteYearly,
    /// On the `index` `daysOfWeek` of `month`, every `interval` years.
    RelativeYearly,
    /// A value this crate does not know yet (never send it).
    #[serde(other)]
    Unknown,
}

/// `weekIndex`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum WeekIndex {
    /// First.
    First,
    /// Second.
    Second,
    /// Third.
    Third,
    /// Fourth.
    Fourth,
    /// Last.
    Last,
    /// A value this crate does not know yet (never send it).
    #[serde(other)]
    Unknown,
}

/// `recurrenceRangeType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum RecurrenceRangeType {
    /// Until `endDate`.
    EndDate,
    /// Forever.
    NoEnd,
    /// `numberOfOccurrences` times.
    Numbered,
    /// A value this crate does not know yet (never send it).
    #[serde(other)]
    Unknown,
}

/// `recurrencePattern`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecurrencePattern {
    /// Kind of pattern.
    #[serde(rename = "type")]
    pub pattern_type: RecurrencePatternType,
    /// Units (days, weeks, months, years) between occurrences.
    #[serde(default = "one")]
    pub interval: i32,
    /// Month (1–12), for yearly patterns.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub month: i32,
    /// Day of the month, for absolute patterns.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub day_of_month: i32,
    /// Days, for weekly and relative patterns.
    #[serde(
        default,
        deserialize_with = "super::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub days_of_week: Vec<DayOfWeek>,
    /// First day of the week, for weekly patterns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_day_of_week: Option<DayOfWeek>,
    /// Which week of the month, for relative patterns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<WeekIndex>,
}

fn one() -> i32 {
    1
}

fn is_zero(value: &i32) -> bool {
    *value == 0
}

/// `recurrenceRange`. Dates are `Edm.Date` (`YYYY-MM-DD`), in `recurrenceTimeZone`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecurrenceRange {
    /// Kind of range.
    #[serde(rename = "type")]
    pub range_type: RecurrenceRangeType,
    /// First day of the series.
    pub start_date: NaiveDate,
    /// Last day, for `endDate` ranges (Graph answers `0001-01-01` for the others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
    /// Zone of the dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence_time_zone: Option<String>,
    /// Occurrences, for `numbered` ranges.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub number_of_occurrences: i32,
}

/// `patternedRecurrence`: the pattern and the range of a series.
///
/// ```
/// use chrono::NaiveDate;
/// use msgraph_outlook::models::{DayOfWeek, PatternedRecurrence};
/// let start = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
/// let weekly = PatternedRecurrence::weekly(1, [DayOfWeek::Monday, DayOfWeek::Wednesday], start)
///     .occurrences(6);
/// assert_eq!(
///     serde_json::to_value(&weekly).unwrap(),
///     serde_json::json!({
///         "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday"]},
///         "range": {"type": "numbered", "startDate": "2026-12-07", "numberOfOccurrences": 6}
///     })
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PatternedRecurrence {
    /// How often.
    pub pattern: RecurrencePattern,
    /// For how long.
    pub range: RecurrenceRange,
}

impl PatternedRecurrence {
    fn new(pattern: RecurrencePattern, start_date: NaiveDate) -> Self {
        PatternedRecurrence {
            pattern,
            range: RecurrenceRange {
                range_type: RecurrenceRangeType::NoEnd,
                start_date,
                end_date: None,
                recurrence_time_zone: None,
                number_of_occurrences: 0,
            },
        }
    }

    /// Every `interval` days from `start_date`, with no end until one is set.
    pub fn daily(interval: i32, start_date: NaiveDate) -> Self {
        PatternedRecurrence::new(
            RecurrencePattern {
                pattern_type: RecurrencePatternType::Daily,
                interval,
                month: 0,
                day_of_month: 0,
                days_of_week: Vec::new(),
                first_day_of_week: None,
                index: None,
            },
            start_date,
        )
    }

    /// On `days`, every `interval` weeks from `start_date`, with no end until one is set.
    pub fn weekly(
        interval: i32,
        days: impl IntoIterator<Item = DayOfWeek>,
        start_date: NaiveDate,
    ) -> Self {
        let mut recurrence = PatternedRecurrence::daily(interval, start_date);
        recurrence.pattern.pattern_type = RecurrencePatternType::Weekly;
        recurrence.pattern.days_of_week = days.into_iter().collect();
        recurrence
    }

    /// Ends on `end_date` (inclusive).
    pub fn until(mut self, end_date: NaiveDate) -> Self {
        self.range.range_type = RecurrenceRangeType::EndDate;
        self.range.end_date = Some(end_date);
        self.range.number_of_occurrences = 0;
        self
    }

    /// Ends after `count` occurrences.
    pub fn occurrences(mut self, count: i32) -> Self {
        self.range.range_type = RecurrenceRangeType::Numbered;
        self.range.number_of_occurrences = count;
        self.range.end_date = None;
        self
    }
}
