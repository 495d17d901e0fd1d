//! Dates as CertCentral writes and reads them: ISO 8601 with an offset
//! (`2026-05-04T10:15:00+00:00`) for times, `yyyy-MM-dd` for days, and the order's
//! `dd MMM yyyy` for a custom expiration date.

use std::time::SystemTime;
use time::{Date, Month, OffsetDateTime};

/// `2026-05-04T10:15:00+00:00` (UTC).
pub(crate) fn iso(t: SystemTime) -> String {
    let t = OffsetDateTime::from(t);
    format!(
        "{}T{:02}:{:02}:{:02}+00:00",
        day_of(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `2026-05-04` (UTC).
pub(crate) fn day(t: SystemTime) -> String {
    day_of(OffsetDateTime::from(t).date())
}

fn day_of(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A `yyyy-MM-dd` day.
pub(crate) fn parse_day(text: &str) -> Option<Date> {
    let mut parts = text.trim().splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month = Month::try_from(parts.next()?.parse::<u8>().ok()?).ok()?;
    let day = parts.next()?.parse().ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// A `yyyy-MM-dd` day, or a `start...end` range of them, as the days it covers.
pub(crate) fn parse_days(text: &str) -> Option<(Date, Date)> {
    match text.split_once("...") {
        Some((from, to)) => Some((parse_day(from)?, parse_day(to)?)),
        None => parse_day(text).map(|d| (d, d)),
    }
}

/// An order's `dd MMM yyyy` (`09 JUN 2025`, any case).
pub(crate) fn parse_custom_expiration(text: &str) -> Option<Date> {
    let mut parts = text.split_whitespace();
    let day = parts.next()?.parse().ok()?;
    let month = parts.next()?.to_ascii_uppercase();
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    let month = MONTHS.iter().position(|m| *m == month)?;
    let month = Month::try_from(u8::try_from(month + 1).ok()?).ok()?;
    let year = parts.next()?.parse().ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// The day a time falls on (UTC).
pub(crate) fn date_of(t: SystemTime) -> Date {
    OffsetDateTime::from(t).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_both_ways() {
        let t = SystemTime::from(time::macros::datetime!(2026-05-04 10:15:07 UTC));
        assert_eq!(iso(t), "2026-05-04T10:15:07+00:00");
        assert_eq!(day(t), "2026-05-04");
        assert_eq!(parse_day("2026-05-04"), Some(date_of(t)));
        assert_eq!(parse_day("2026-13-04"), None);
        assert_eq!(
            parse_days("2026-05-01...2026-05-04"),
            Some((time::macros::date!(2026 - 05 - 01), date_of(t)))
        );
        assert_eq!(
            parse_custom_expiration("09 jun 2025"),
            Some(time::macros::date!(2025 - 06 - 09))
        );
        assert_eq!(parse_custom_expiration("31 FEB 2025"), None);
    }
}
