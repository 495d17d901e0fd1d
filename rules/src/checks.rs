//! The value checks behind the schema constraints, shared by the interpreter ([`validate`]) and
//! the client's compiled checks of typed orders, so both hold a value to the same test.
//!
//! [`validate`]: crate::Table::validate

use crate::Format;

/// A `pattern` constraint, in one of the three shapes the spec uses, so that no regex engine is
/// needed: a run of one ASCII character class (`^[A-Za-z0-9]+$`, `^[0-9]{12,19}$`), text
/// without the characters of one class (`^[^\x00-\x1F\x7F-\x9F]*$`: one line, no control
/// characters), or the documented shape of a date format, which that format's check holds
/// values to (and more: it knows the calendar). `certcentral-codegen` refuses any other
/// pattern.
///
/// ```
/// let id = certcentral_table::param("alternative_order_id").unwrap();
/// let pattern = id.constraints.pattern.unwrap();
/// assert_eq!(pattern.source(), "^[A-Za-z0-9]+$");
/// assert!(pattern.is_match("order42"));
/// assert!(!pattern.is_match("order-42"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pattern<'a> {
    /// `^[class]{min,max}$`: between `min` and `max` bytes, each in one of the inclusive
    /// `ranges` of ASCII bytes.
    Run {
        /// The regular expression as written in the spec.
        source: &'a str,
        /// The class, as inclusive byte ranges.
        ranges: &'a [(u8, u8)],
        /// Fewest bytes.
        min: u32,
        /// Most bytes.
        max: u32,
    },
    /// `^[^class]*$`: any text without a character of the class, given as inclusive
    /// `ranges` of characters.
    Excluding {
        /// The regular expression as written in the spec.
        source: &'a str,
        /// The characters the text must not hold, as inclusive ranges.
        ranges: &'a [(char, char)],
    },
    /// The pattern [`Format::pattern`] documents for this date format.
    Date(Format),
}

impl<'a> Pattern<'a> {
    /// The regular expression as written in the spec.
    pub fn source(&self) -> &'a str {
        match self {
            Pattern::Run { source, .. } | Pattern::Excluding { source, .. } => source,
            Pattern::Date(format) => format.pattern().unwrap_or_default(),
        }
    }

    /// Whether `text` matches (as `regex::Regex::is_match` would).
    #[inline]
    pub fn is_match(&self, text: &str) -> bool {
        match *self {
            Pattern::Run {
                ranges, min, max, ..
            } => {
                (u64::from(min)..=u64::from(max)).contains(&(text.len() as u64))
                    && text
                        .bytes()
                        .all(|b| ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&b)))
            }
            Pattern::Excluding { .. } => self.excluded(text).is_none(),
            Pattern::Date(format) => format.has_date_shape(text),
        }
    }

    /// For [`Pattern::Excluding`]: the first character of `text` the pattern excludes, with
    /// its position (counted in characters from 1), to name in a message.
    ///
    /// ```
    /// let cn = certcentral_table::param("certificate.common_name").unwrap();
    /// let pattern = cn.constraints.pattern.unwrap();
    /// assert_eq!(pattern.excluded("Alice\nExample"), Some((6, '\n')));
    /// assert_eq!(pattern.excluded("Alice Example"), None);
    /// ```
    pub fn excluded(&self, text: &str) -> Option<(usize, char)> {
        let Pattern::Excluding { ranges, .. } = self else {
            return None;
        };
        text.chars()
            .enumerate()
            .find(|(_, c)| ranges.iter().any(|(lo, hi)| (lo..=hi).contains(&c)))
            .map(|(i, c)| (i + 1, c))
    }
}

impl Format {
    /// Whether `s` is in this format (beyond any pattern).
    ///
    /// ```
    /// use certcentral_rules::Format;
    /// assert!(Format::Email.matches("alice@example.com"));
    /// assert!(!Format::Email.matches("alice@localhost"));
    /// assert!(Format::DateYyyyMmDd.matches("2028-02-29"));
    /// assert!(!Format::DateDdMmmYyyy.matches("31 APR 2026"));
    /// ```
    #[inline]
    pub fn matches(self, s: &str) -> bool {
        match self {
            Format::Email => is_email(s),
            Format::DateDdMmmYyyy => is_date_dd_mmm_yyyy(s),
            Format::DateYyyyMmDd => is_date_yyyy_mm_dd(s),
        }
    }

    /// The `pattern` the spec may give a date of this format: the shape its check enforces
    /// (digits, separators, month names), the calendar aside.
    ///
    /// ```
    /// use certcentral_rules::Format;
    /// assert_eq!(Format::DateYyyyMmDd.pattern(), Some("^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"));
    /// assert_eq!(Format::Email.pattern(), None);
    /// ```
    pub fn pattern(self) -> Option<&'static str> {
        match self {
            Format::Email => None,
            Format::DateYyyyMmDd => Some("^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"),
            Format::DateDdMmmYyyy => Some(
                "^(0[1-9]|[12][0-9]|3[01]) (JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC) [0-9]{4}$",
            ),
        }
    }

    /// Whether `s` has the shape of [`Format::pattern`]: two-digit days 01–31 and months
    /// 01–12 (or their names), four-digit years.
    fn has_date_shape(self, s: &str) -> bool {
        let two_digits = |t: &str, max: u32| {
            t.len() == 2
                && t.bytes().all(|b| b.is_ascii_digit())
                && t.parse().is_ok_and(|n: u32| (1..=max).contains(&n))
        };
        let year = |t: &str| t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit());
        match self {
            Format::Email => false,
            Format::DateYyyyMmDd => {
                let mut parts = s.split('-');
                match (parts.next(), parts.next(), parts.next(), parts.next()) {
                    (Some(y), Some(m), Some(d), None) => {
                        year(y) && two_digits(m, 12) && two_digits(d, 31)
                    }
                    _ => false,
                }
            }
            Format::DateDdMmmYyyy => {
                let mut parts = s.split(' ');
                match (parts.next(), parts.next(), parts.next(), parts.next()) {
                    (Some(d), Some(m), Some(y), None) => {
                        two_digits(d, 31) && MONTHS.contains(&m) && year(y)
                    }
                    _ => false,
                }
            }
        }
    }
}

/// Whether `s` has between `min` and `max` characters (Unicode scalar values), inclusive.
///
/// Counts characters only when the byte length cannot decide (a character is 1 to 4 bytes).
///
/// ```
/// use certcentral_rules::checks::length_within;
/// assert!(length_within("Zoë", 3, 3));
/// assert!(!length_within("", 1, 64));
/// ```
#[inline]
pub fn length_within(s: &str, min: u64, max: u64) -> bool {
    let bytes = s.len() as u64;
    if bytes >= min.saturating_mul(4) && bytes <= max {
        return true;
    }
    if bytes < min {
        return false;
    }
    (min..=max).contains(&(s.chars().count() as u64))
}

/// A pragmatic address check: one `@`, a non-empty local part, a dotted domain without empty
/// labels, no whitespace or control characters, at most 254 bytes.
///
/// One pass over the bytes (characters beyond ASCII are decoded only when present): every
/// address of every order goes through here. `tests/tests/suite/properties.rs` holds it to the
/// plain definition (split at `@`, string searches) on arbitrary texts.
#[inline]
fn is_email(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.len() > 254 {
        return false;
    }
    let (mut at, mut dotted, mut high, mut prev) = (false, false, false, 0u8);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            // A second `@`, or an empty local part.
            b'@' if at || i == 0 => return false,
            b'@' => at = true,
            // An empty domain label: a dot right after the `@` or another dot.
            b'.' if at && (prev == b'.' || prev == b'@') => return false,
            b'.' => dotted |= at,
            0..=b' ' | 0x7f => return false,
            0x80.. => high = true,
            _ => {}
        }
        prev = b;
    }
    at && dotted
        && prev != b'.'
        && (!high || !s.chars().any(|c| c.is_whitespace() || c.is_control()))
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn is_date(year: &str, month: u32, day: &str) -> bool {
    match (year.parse::<u32>(), day.parse::<u32>()) {
        (Ok(y), Ok(d)) => (1..=12).contains(&month) && d >= 1 && d <= days_in_month(y, month),
        _ => false,
    }
}

fn is_date_dd_mmm_yyyy(s: &str) -> bool {
    let mut parts = s.split(' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(d), Some(m), Some(y)) => MONTHS
            .iter()
            .position(|name| *name == m)
            .is_some_and(|i| is_date(y, i as u32 + 1, d)),
        _ => false,
    }
}

fn is_date_yyyy_mm_dd(s: &str) -> bool {
    let mut parts = s.split('-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d)) => m.parse().is_ok_and(|m| is_date(y, m, d)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_dates_are_checked_beyond_the_pattern() {
        assert!(is_date_dd_mmm_yyyy("29 FEB 2028"));
        assert!(!is_date_dd_mmm_yyyy("29 FEB 2027"));
        assert!(!is_date_dd_mmm_yyyy("31 APR 2026"));
        assert!(is_date_yyyy_mm_dd("2026-04-30"));
        assert!(!is_date_yyyy_mm_dd("2026-04-31"));
    }

    #[test]
    fn emails() {
        assert!(is_email("alice@example.com"));
        assert!(is_email("a.b@c.d"));
        assert!(is_email("zoë@exämple.com"));
        for bad in [
            "alice",
            "@example.com",
            "alice@localhost",
            "a b@example.com",
            "a@.com",
            "a@b..com",
            "a@b.com.",
            "a@b@c.com",
            "a\u{a0}b@example.com",
            "a\u{85}@example.com",
            "a@b.c\t",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn date_patterns_are_the_shapes_their_checks_enforce() {
        let ymd = Pattern::Date(Format::DateYyyyMmDd);
        assert!(ymd.is_match("2026-04-31"), "the shape, not the calendar");
        for bad in [
            "2026-4-30",
            "2026-13-01",
            "2026-00-10",
            "2026-01-32",
            "26-01-01",
            "2026-01-01-",
        ] {
            assert!(!ymd.is_match(bad), "{bad}");
        }
        let dmy = Pattern::Date(Format::DateDdMmmYyyy);
        assert!(dmy.is_match("31 APR 2026"));
        for bad in [
            "1 JUN 2025",
            "09 Jun 2025",
            "09 JUN 25",
            "32 JUN 2025",
            "09  JUN 2025",
        ] {
            assert!(!dmy.is_match(bad), "{bad}");
        }
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        // 4 characters, 8 bytes.
        let s = "éééé";
        assert!(length_within(s, 4, 4));
        assert!(!length_within(s, 5, 10));
        assert!(!length_within(s, 1, 3));
        assert!(length_within("", 0, 0));
        assert!(!length_within("ab", 3, u64::MAX));
        assert!(length_within(&"x".repeat(300), 1, u64::MAX));
    }
}
