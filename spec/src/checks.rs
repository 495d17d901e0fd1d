//! The value checks behind the schema constraints, shared by the interpreter ([`validate`]) and
//! the client's compiled checks of typed orders, so both hold a value to the same test.
//!
//! [`validate`]: crate::validate

use crate::Format;

/// A `pattern` constraint: its source and the DFA `certcentral-codegen` compiled it to.
///
/// Matching is one table lookup per byte; no regex engine is built at run time.
///
/// ```
/// let id = certcentral_spec::param("alternative_order_id").unwrap();
/// let pattern = id.constraints.pattern.unwrap();
/// assert_eq!(pattern.source, "^[A-Za-z0-9]+$");
/// assert!(pattern.is_match("order42"));
/// assert!(!pattern.is_match("order-42"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pattern {
    /// The regular expression as written in the spec.
    pub source: &'static str,
    pub(crate) start: u8,
    pub(crate) stride: u8,
    pub(crate) classes: &'static [u8; 256],
    pub(crate) next: &'static [u8],
    pub(crate) accept: &'static [u8],
}

/// The class of every byte, from runs of (first, last, class); other bytes are class 0.
/// The generated table builds `Pattern::classes` with it at compile time.
pub(crate) const fn byte_classes(runs: &[(u8, u8, u8)]) -> [u8; 256] {
    let mut classes = [0; 256];
    let mut i = 0;
    while i < runs.len() {
        let (first, last, class) = runs[i];
        let mut b = first as usize;
        while b <= last as usize {
            classes[b] = class;
            b += 1;
        }
        i += 1;
    }
    classes
}

/// Bit of `Pattern::accept`: a match has been seen.
const MATCHED: u8 = 1;
/// Bit of `Pattern::accept`: the text matches if it ends in this state.
const MATCH_AT_END: u8 = 2;

impl Pattern {
    /// Whether `text` matches (as `regex::Regex::is_match` would).
    #[inline]
    pub fn is_match(&self, text: &str) -> bool {
        let stride = usize::from(self.stride);
        let mut state = usize::from(self.start);
        for &byte in text.as_bytes() {
            if self.flags(state) & MATCHED != 0 {
                return true;
            }
            let class = usize::from(self.classes[usize::from(byte)]);
            // State 0 is dead: no continuation matches.
            match self.next.get(state * stride + class) {
                Some(&0) | None => return false,
                Some(&next) => state = usize::from(next),
            }
        }
        self.flags(state) & MATCH_AT_END != 0
    }

    fn flags(&self, state: usize) -> u8 {
        self.accept.get(state).copied().unwrap_or(0)
    }
}

impl Format {
    /// Whether `s` is in this format (beyond any pattern).
    ///
    /// ```
    /// use certcentral_spec::Format;
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
}

/// Whether `s` has between `min` and `max` characters (Unicode scalar values), inclusive.
///
/// Counts characters only when the byte length cannot decide (a character is 1 to 4 bytes).
///
/// ```
/// use certcentral_spec::checks::length_within;
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
/// labels at either end or in between, no whitespace or control characters.
///
/// Every address of every order goes through here, so the byte tests are branch-free
/// reductions the compiler vectorizes; characters beyond ASCII are decoded only when present.
#[inline]
fn is_email(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.len() > 254 {
        return false;
    }
    let mut at = None;
    let mut dotted = false;
    let mut non_ascii = false;
    let mut prev = 0u8;
    for (i, &c) in bytes.iter().enumerate() {
        match c {
            b'@' if at.is_some() => return false,
            b'@' => at = Some(i),
            // In the domain: no leading dot, no empty label.
            b'.' if at.is_some() => {
                if prev == b'.' || prev == b'@' {
                    return false;
                }
                dotted = true;
            }
            0..=b' ' | 0x7f => return false,
            0x80.. => non_ascii = true,
            _ => {}
        }
        prev = c;
    }
    at.is_some_and(|at| at > 0)
        && dotted
        && prev != b'.'
        && !(non_ascii && s.chars().any(|c| c.is_whitespace() || c.is_control()))
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
