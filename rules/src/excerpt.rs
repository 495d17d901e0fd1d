//! Quoting what a user or a server sent, bounded: a value, a header cell or a line is quoted in
//! a message only up to a short prefix, with its length, so that a 50 MB cell makes a
//! one-line message.

use std::borrow::Cow;

/// The longest text quoted whole, in characters.
pub const EXCERPT_CHARS: usize = 64;

/// `text` if it is short; else its first characters, an ellipsis and its length in bytes.
///
/// ```
/// use certcentral_rules::excerpt;
/// assert_eq!(excerpt("alice@example.com"), "alice@example.com");
/// let long = "x".repeat(50_000_000);
/// assert_eq!(excerpt(&long), format!("{}… (50000000 bytes)", "x".repeat(40)));
/// ```
pub fn excerpt(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(EXCERPT_CHARS) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let end = text.char_indices().nth(40).map_or(text.len(), |(i, _)| i);
            Cow::Owned(format!("{}… ({} bytes)", &text[..end], text.len()))
        }
    }
}
