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
    pub(crate) classes: &'static [u8; 256],
    pub(crate) machine: Machine,
}

/// How a [`Pattern`] is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Machine {
    /// `^[set]{min,max}$` over ASCII: between `min` and `max` bytes, each of class 1.
    Run { min: u32, max: u32 },
    /// Any other pattern.
    Dfa {
        start: u8,
        /// log2 of a row's width in `next`.
        shift: u8,
        /// `next[state << shift | class]`; state 0 is dead.
        next: &'static [u8],
        /// Per state: [`MATCHED`], [`MATCH_AT_END`].
        accept: &'static [u8],
        /// Whether any state has [`MATCHED`].
        early: bool,
    },
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

/// Bit of a DFA state's flags: a match has been seen.
const MATCHED: u8 = 1;
/// Bit of a DFA state's flags: the text matches if it ends in this state.
const MATCH_AT_END: u8 = 2;

impl Pattern {
    /// Whether `text` matches (as `regex::Regex::is_match` would).
    #[inline]
    pub fn is_match(&self, text: &str) -> bool {
        let class = |byte: u8| self.classes[usize::from(byte)];
        match self.machine {
            Machine::Run { min, max } => {
                let len = text.len() as u64;
                (u64::from(min)..=u64::from(max)).contains(&len)
                    && text.bytes().all(|b| class(b) == 1)
            }
            Machine::Dfa {
                start,
                shift,
                next,
                accept,
                early,
            } => {
                let flags = |state: usize| accept.get(state).copied().unwrap_or(0);
                let mut state = usize::from(start);
                for byte in text.bytes() {
                    if early && flags(state) & MATCHED != 0 {
                        return true;
                    }
                    // State 0 is dead: no continuation matches.
                    match next.get(state << shift | usize::from(class(byte))) {
                        Some(&0) | None => return false,
                        Some(&next) => state = usize::from(next),
                    }
                }
                flags(state) & MATCH_AT_END != 0
            }
        }
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
/// Every address of every order goes through here, so it looks at 16 bytes at a time: each
/// block gives bit masks of its `@`s, dots and refused bytes (with SSE2 on x86-64), and the
/// rules are bit operations on the masks. Characters beyond ASCII are decoded only when
/// present. `tests/tests/properties.rs` holds it to the plain definition on arbitrary texts.
#[inline]
fn is_email(s: &str) -> bool {
    let bytes = s.as_bytes();
    // One `@` (counted below), so the local part is empty exactly when it comes first.
    if bytes.len() > 254 || bytes.first() == Some(&b'@') || bytes.last() == Some(&b'.') {
        return false;
    }
    let mut scan = EmailScan::default();
    let mut blocks = bytes.chunks_exact(16);
    for block in &mut blocks {
        let block: [u8; 16] = block.try_into().unwrap_or([0; 16]);
        if !scan.block(masks(block)) {
            return false;
        }
    }
    let rest = blocks.remainder().len();
    if rest > 0 {
        let tail = match bytes.len().checked_sub(16) {
            // The last 16 bytes, overlapping the block before: its bytes are dropped from the
            // masks, which then cover only the rest.
            Some(start) => {
                let block: [u8; 16] = bytes[start..].try_into().unwrap_or([0; 16]);
                let m = masks(block);
                let seen = 16 - rest;
                Masks {
                    at: m.at >> seen,
                    dot: m.dot >> seen,
                    refused: m.refused >> seen,
                    high: m.high >> seen,
                }
            }
            // A short text, padded with an ordinary byte.
            None => {
                let mut block = [b'a'; 16];
                block[..rest].copy_from_slice(bytes);
                masks(block)
            }
        };
        if !scan.block(tail) {
            return false;
        }
    }
    scan.ats == 1
        && scan.dotted
        && (scan.high == 0 || !s.chars().any(|c| c.is_whitespace() || c.is_control()))
}

/// Bit `i` stands for byte `i` of a 16-byte block.
#[derive(Debug, PartialEq, Eq)]
struct Masks {
    at: u32,
    dot: u32,
    /// ASCII whitespace, controls and DEL.
    refused: u32,
    /// Bytes beyond ASCII.
    high: u32,
}

#[inline]
fn masks(block: [u8; 16]) -> Masks {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    return masks_sse2(block);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    return masks_bytewise(block);
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline]
fn masks_sse2(block: [u8; 16]) -> Masks {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_movemask_epi8, _mm_set_epi64x, _mm_set1_epi8,
    };
    let x = u128::from_le_bytes(block);
    // SAFETY: the intrinsics need SSE2, which this build has (see the `cfg`); they take and
    // return values only, no memory.
    unsafe {
        let v = _mm_set_epi64x((x >> 64) as i64, x as i64);
        let equal = |b: u8| _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8))) as u32;
        let high = _mm_movemask_epi8(v) as u32;
        // Signed: bytes beyond ASCII compare below `!` too, and are taken out.
        let below_bang =
            _mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8(b'!' as i8))) as u32 & !high;
        Masks {
            at: equal(b'@'),
            dot: equal(b'.'),
            refused: below_bang | equal(0x7f),
            high,
        }
    }
}

/// The same masks a byte at a time: for other targets, and the SSE2 version's reference.
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2", not(test)),
    allow(dead_code)
)]
fn masks_bytewise(block: [u8; 16]) -> Masks {
    let mut m = Masks {
        at: 0,
        dot: 0,
        refused: 0,
        high: 0,
    };
    for (i, c) in block.into_iter().enumerate() {
        let bit = 1 << i;
        match c {
            b'@' => m.at |= bit,
            b'.' => m.dot |= bit,
            0..=b' ' | 0x7f => m.refused |= bit,
            0x80.. => m.high |= bit,
            _ => {}
        }
    }
    m
}

/// What [`is_email`] knows after the blocks so far.
#[derive(Default)]
struct EmailScan {
    ats: u32,
    /// An `@` was in an earlier block: all of this one is domain.
    in_domain: bool,
    /// A dot in the domain.
    dotted: bool,
    high: u32,
    /// Bit 0 set when the previous block ended in a dot / an `@`.
    dot_before: u32,
    at_before: u32,
}

impl EmailScan {
    /// Takes the next block; false when the text cannot be an address.
    #[inline]
    fn block(&mut self, m: Masks) -> bool {
        if m.refused != 0 {
            return false;
        }
        self.high |= m.high;
        // More than one `@` in a block, or in two blocks.
        if m.at & m.at.wrapping_sub(1) != 0 {
            return false;
        }
        self.ats += u32::from(m.at != 0);
        let domain = if self.in_domain {
            0xffff
        } else if m.at != 0 {
            // The bytes after this block's `@`.
            !(m.at | (m.at - 1)) & 0xffff
        } else {
            0
        };
        // A domain dot right after `@` or another dot leaves a label empty.
        let after = (m.dot << 1) | self.dot_before | (m.at << 1) | self.at_before;
        if m.dot & domain & after != 0 {
            return false;
        }
        self.dotted |= m.dot & domain != 0;
        self.in_domain |= m.at != 0;
        self.dot_before = (m.dot >> 15) & 1;
        self.at_before = (m.at >> 15) & 1;
        true
    }
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

    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[test]
    fn sse2_masks_agree_with_bytewise_masks() {
        const BYTES: [u8; 12] = [
            0, 0x1f, b' ', b'!', b'.', b'@', b'a', 0x7e, 0x7f, 0x80, 0xc3, 0xff,
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..100_000 {
            let mut block = [0u8; 16];
            for b in &mut block {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *b = BYTES[(seed % BYTES.len() as u64) as usize];
            }
            assert_eq!(masks_sse2(block), masks_bytewise(block), "{block:?}");
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
