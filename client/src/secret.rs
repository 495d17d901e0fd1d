//! Secrets: never printed, zeroized on drop.

use std::fmt;
use zeroize::Zeroizing;

/// A CertCentral API key, sent as the `X-DC-DEVKEY` header (marked sensitive).
///
/// It never appears in `Debug` or `Display` output, and its memory is zeroized when dropped.
///
/// ```
/// let key = certcentral::ApiKey::new("s3cr3t-key");
/// assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
/// assert_eq!(key.to_string(), "<redacted>");
/// ```
#[derive(Clone)]
pub struct ApiKey(Zeroizing<String>);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(Zeroizing::new(key.into()))
    }

    /// Reads a key from an environment variable, if it is set and not empty.
    ///
    /// ```
    /// assert!(certcentral::ApiKey::from_env("CERTCENTRAL_DOC_EXAMPLE_UNSET").is_none());
    /// ```
    pub fn from_env(var: &str) -> Option<Self> {
        std::env::var(var)
            .ok()
            .filter(|k| !k.trim().is_empty())
            .map(Self::new)
    }

    /// A digest of the key (32 hex digits of its SHA-256) that names it without revealing it:
    /// for state kept per key, as the fleet's Redis keys and the command's ledgers are. Never
    /// the key, nor a part of it.
    ///
    /// ```
    /// let key = certcentral::ApiKey::new("s3cr3t-key");
    /// assert_eq!(key.fingerprint().len(), 32);
    /// assert!(!key.fingerprint().contains("s3cr3t"));
    /// assert_eq!(key.fingerprint(), certcentral::ApiKey::new("s3cr3t-key").fingerprint());
    /// ```
    pub fn fingerprint(&self) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA256, self.0.as_bytes());
        digest
            .as_ref()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The key itself, for the one place that sends it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Replaces the known secrets, then every run of 8 or more digits (card numbers), by
/// `[redacted]`. Secrets go first, on the raw text, so nothing done after can expose part of one.
pub(crate) fn redact(text: &str, secrets: &[&str]) -> String {
    const REDACTED: &str = "[redacted]";
    let mut text = text.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret, REDACTED);
    }
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        out.push_str(if digits.len() >= 8 { REDACTED } else { &digits });
        digits.clear();
        out.push(c);
    }
    out.pop();
    out
}
