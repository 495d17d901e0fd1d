//! RFC 3339 times, as CertCentral writes an order's `date_created` (`2026-05-04T10:15:00+00:00`)
//! and as the client says when it looked an order up.
//!
//! By hand, on purpose: the `time` crate does this well, but with its four companions it was
//! 2.5 s of a user's 38 s clean build (`bash benches/clean-build.sh --baseline`), for two
//! functions: days from a civil date and back (Howard Hinnant's algorithms), and the fixed
//! shape around them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn seconds_since_epoch(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            let d = before.duration();
            -i64::try_from(d.as_secs()).unwrap_or(i64::MAX) - i64::from(d.subsec_nanos() > 0)
        }
    }
}

/// `t` in UTC to the second, `yyyy-MM-ddTHH:mm:ssZ`.
pub(crate) fn format(t: SystemTime) -> String {
    let secs = seconds_since_epoch(t);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Reads `yyyy-MM-ddTHH:mm:ss[.fraction](Z|±HH:mm)` (a `t` or a space for the `T`); `None`
/// for anything else, or a date or time out of range.
pub(crate) fn parse(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let in_month = month_days.get(month.checked_sub(1)? as usize)?;
    if day == 0 || day > *in_month || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut at = 19;
    let mut nanos = 0u32;
    if b.get(at) == Some(&b'.') {
        let digits = b[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        let fraction = &text[at + 1..at + 1 + digits.min(9)];
        nanos = fraction.parse::<u32>().ok()? * 10u32.pow(9 - fraction.len() as u32);
        at += 1 + digits;
    }
    let offset = match &text[at..] {
        "Z" | "z" => 0,
        zone if zone.len() == 6
            && matches!(zone.as_bytes()[0], b'+' | b'-')
            && zone.as_bytes()[3] == b':' =>
        {
            let (h, m) = (num(at + 1..at + 3)?, num(at + 4..at + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = i64::from(h * 60 + m);
            if zone.starts_with('-') {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    let secs = days_from_civil(i64::from(year), month, day) * 86_400
        + i64::from(hour * 3600 + minute * 60 + second.min(59))
        - offset * 60;
    let whole = match u64::try_from(secs) {
        Ok(after) => UNIX_EPOCH.checked_add(Duration::from_secs(after))?,
        Err(_) => UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))?,
    };
    whole.checked_add(Duration::from_nanos(u64::from(nanos)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn digicert_dates_read() {
        // 2026-05-04T10:15:00Z is 1777889700.
        assert_eq!(parse("2026-05-04T10:15:00+00:00"), Some(at(1_777_889_700)));
        assert_eq!(parse("2026-05-04T10:15:00Z"), Some(at(1_777_889_700)));
        assert_eq!(parse("2026-05-04T12:15:00+02:00"), Some(at(1_777_889_700)));
        assert_eq!(parse("2026-05-04T04:15:00-06:00"), Some(at(1_777_889_700)));
        assert_eq!(
            parse("2026-05-04T10:15:00.250Z"),
            Some(at(1_777_889_700) + Duration::from_millis(250))
        );
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(UNIX_EPOCH));
        assert_eq!(parse("2028-02-29T00:00:00Z"), Some(at(1_835_395_200)));
    }

    #[test]
    fn anything_else_is_none() {
        for bad in [
            "",
            "2026-05-04",
            "2026-05-04T10:15:00",
            "2026-13-04T10:15:00Z",
            "2026-02-30T10:15:00Z",
            "2027-02-29T00:00:00Z",
            "2026-05-04T24:00:00Z",
            "2026-05-04T10:15:00+0200",
            "2026-05-04T10:15:00.Z",
            "２０２６-05-04T10:15:00Z",
            "2026-05-04T10:15:00+02:00 ",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for secs in [0, 1_777_889_700, 1_835_395_200, 4_102_444_799, 951_782_400] {
            let t = at(secs);
            assert_eq!(parse(&format(t)), Some(t), "{}", format(t));
        }
        assert_eq!(format(at(1_777_889_700)), "2026-05-04T10:15:00Z");
        assert_eq!(
            format(UNIX_EPOCH - Duration::from_secs(1)),
            "1969-12-31T23:59:59Z"
        );
    }
}
