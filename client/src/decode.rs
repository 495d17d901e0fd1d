//! An answer to an order request, read: the order, or the [`Error`] that says what happened
//! and whether the order may exist. Never panics, whatever a server sends; quotes nothing
//! secret.

use crate::error::{DUPLICATE_ALTERNATIVE_ORDER_ID, Error, parse_errors_redacted, snippet};
use crate::generated::wire;
use crate::types::OrderClientCertificateResponse;
use std::time::{Duration, SystemTime};

/// `Retry-After` as seconds or as an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    value
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
        .or_else(|| {
            httpdate::parse_http_date(value)
                .ok()
                .map(|at| at.duration_since(SystemTime::now()).unwrap_or_default())
        })
}

/// An HTTP answer to an order request, as read (at most [`MAX_RESPONSE_BYTES`](crate::MAX_RESPONSE_BYTES) of the body).
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` the server sent, if any.
    pub retry_after: Option<Duration>,
    /// The body, or its first [`MAX_RESPONSE_BYTES`](crate::MAX_RESPONSE_BYTES).
    pub body: &'a [u8],
    /// Whether `body` is the whole body.
    pub complete: bool,
}

/// Turns an answer to an order request into the order or the right [`Error`]; never panics,
/// whatever the server sent. `secrets` are redacted from any quoted body.
///
/// ```
/// use certcentral::{Error, Response, decode_response};
/// let ok = decode_response(
///     Response { status: 201, retry_after: None, body: br#"{"id":1,"requests":[{"id":2,"status":"pending"}]}"#, complete: true },
///     "alt1",
///     &[],
/// );
/// assert_eq!(ok.unwrap().id, 1);
/// let garbled = decode_response(Response { status: 201, retry_after: None, body: b"{\"id\":", complete: true }, "alt1", &[]);
/// assert!(matches!(garbled, Err(Error::OutcomeUnknown { .. })));
/// ```
pub fn decode_response(
    response: Response<'_>,
    alternative_order_id: &str,
    secrets: &[&str],
) -> Result<OrderClientCertificateResponse, Error> {
    let unknown = |reason: String| Error::OutcomeUnknown {
        alternative_order_id: alternative_order_id.to_string(),
        reason,
        source: None,
    };
    let Response { status, body, .. } = response;
    if status == wire::SUCCESS && response.complete {
        return serde_json::from_slice(body)
            .map_err(|e| unknown(unreadable(status, &e, body, secrets)));
    }
    Err(match failure(response, secrets, unknown) {
        Error::Api { errors, .. }
            if errors
                .iter()
                .any(|e| e.base_code() == DUPLICATE_ALTERNATIVE_ORDER_ID) =>
        {
            Error::DuplicateOrder {
                alternative_order_id: alternative_order_id.to_string(),
                errors,
                order_ids: Vec::new(),
            }
        }
        e => e,
    })
}

/// "HTTP 201 (the documented success) with an unreadable body": serde_json's own message
/// quotes the offending value, so only its kind and place.
pub(crate) fn unreadable(
    status: u16,
    e: &serde_json::Error,
    body: &[u8],
    secrets: &[&str],
) -> String {
    format!(
        "HTTP {status} (the documented success) with an unreadable body ({:?} error at line {} column {}): {}",
        e.classify(),
        e.line(),
        e.column(),
        snippet(body, secrets)
    )
}

/// What an answer that is not a readable success says, for any operation: `unknown` makes the
/// error of an answer that may follow a change (a 2xx that cannot be read, a 5xx that does not
/// decline).
pub(crate) fn failure(
    response: Response<'_>,
    secrets: &[&str],
    unknown: impl Fn(String) -> Error,
) -> Error {
    let Response {
        status,
        retry_after,
        body,
        complete,
    } = response;
    let body = if complete {
        body
    } else {
        without_cut_secret(body, secrets)
    };
    match status {
        200..=299 => unknown(format!(
            "HTTP {status} with {}: {}",
            if complete {
                "an undocumented status"
            } else {
                "an oversized body"
            },
            snippet(body, secrets)
        )),
        429 => Error::RateLimited {
            retry_after,
            errors: parse_errors_redacted(body, secrets),
        },
        400..=499 if !is_envelope(body) => Error::UnexpectedResponse {
            status,
            snippet: snippet(body, secrets),
        },
        400..=499 => Error::Api {
            status,
            errors: parse_errors_redacted(body, secrets),
        },
        // CertCentral declining to process (maintenance) says when to come back, or answers
        // in its own envelope. A bare 503 is what a gateway sends when its upstream reset,
        // possibly after the change was committed: it is not proof that nothing happened.
        503 if retry_after.is_some() || is_envelope(body) => Error::Unavailable {
            retry_after,
            snippet: snippet(body, secrets),
        },
        500..=599 => unknown(format!("HTTP {status}: {}", snippet(body, secrets))),
        _ => Error::UnexpectedResponse {
            status,
            snippet: snippet(body, secrets),
        },
    }
}

/// A body cut at [`MAX_RESPONSE_BYTES`](crate::MAX_RESPONSE_BYTES) may end in the first characters of a secret whose rest
/// was never read, and redaction cannot recognise a part. Its last bytes go, as many as the
/// longest secret (or card number) has: whatever straddled the cut is then gone whole.
fn without_cut_secret<'a>(body: &'a [u8], secrets: &[&str]) -> &'a [u8] {
    /// The longest card number (ISO/IEC 7812): a digit run redacted only when seen whole.
    const LONGEST_CARD_NUMBER: usize = 19;
    let longest = secrets
        .iter()
        .map(|s| s.len())
        .max()
        .unwrap_or(0)
        .max(LONGEST_CARD_NUMBER);
    &body[..body.len().saturating_sub(longest)]
}

/// Whether a body is DigiCert's error envelope (in any of the shapes `parse_errors` reads),
/// rather than, say, a proxy's HTML page.
fn is_envelope(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|v| v.get("errors").is_some() || v.get("code").is_some())
}
