//! The one error type of the client, and how DigiCert's error envelope (the generated
//! [`ApiError`], [`ErrorResponse`]) is read.

use crate::secret::redact;
use crate::types::{ApiError, ErrorResponse};
use certcentral_table::Violation;
use serde_json::Value;
use std::fmt;
use std::time::Duration;

/// An order that breaks the spec's rules; it was not sent.
///
/// Serializes as `{"product": "…", "violations": [{"rule", "path", "message"}, …]}`, a stable
/// shape for returning the violations to another program:
///
/// ```
/// use certcentral::types::ClientCertificateId;
/// let order: certcentral::types::OrderClientCertificateRequest = serde_json::from_value(serde_json::json!({
///     "certificate": { "emails": ["alice@example.com"], "signature_hash": "sha256" },
///     "order_validity": { "years": 1 }
/// }))?;
/// let invalid = certcentral::validate(ClientCertificateId::ClientPremium, &order).unwrap_err();
/// assert!(invalid.violations.iter().any(|v| v.rule == "common_name.required"));
/// let json = serde_json::to_value(&invalid)?;
/// assert_eq!(json["product"], "client_premium");
/// assert_eq!(json["violations"][0]["rule"], invalid.violations[0].rule);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct InvalidOrder {
    /// The product the order was for.
    pub product: String,
    /// Every violation, each with its rule id, parameter path and message.
    pub violations: Vec<Violation>,
}

impl fmt::Display for InvalidOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} order ({} violation{}):",
            self.product,
            self.violations.len(),
            if self.violations.len() == 1 { "" } else { "s" }
        )?;
        for v in &self.violations {
            write!(f, "\n  - {v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidOrder {}

/// The error underneath an [`Error`], for `std::error::Error::source` chains.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong with an order.
///
/// Match on it to decide what to do: [`Error::OutcomeUnknown`] is the one that needs care,
/// because DigiCert may have created (and billed) the order.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The order breaks the spec's rules and was not sent.
    #[error(transparent)]
    InvalidOrder(#[from] InvalidOrder),

    /// DigiCert rejected the request (4xx with its error envelope); no order was created.
    #[error("CertCentral rejected the request (HTTP {status}): {}", list(.errors))]
    Api {
        /// The HTTP status.
        status: u16,
        /// Every error of the envelope, in order.
        errors: Vec<ApiError>,
    },

    /// The account requires unique alternative order ids and an order with this one exists
    /// already, created before this call (a reused id): the order was *not* placed again (no
    /// double billing), and the older order is not adopted. `order_ids` names it when the
    /// lookup by its alternative id found it.
    #[error(
        "an order with alternative_order_id {alternative_order_id} already exists{}; it was not placed again",
        existing(.order_ids)
    )]
    DuplicateOrder {
        /// The alternative id that is already taken.
        alternative_order_id: String,
        /// The errors DigiCert sent.
        errors: Vec<ApiError>,
        /// The older order(s) with the id, as the lookup found them (empty when it could not).
        order_ids: Vec<i64>,
    },

    /// The order's outcome was unknown, and several orders carry its alternative id (an
    /// account that does not enforce unique ids, a reused id): none is picked. One of them may
    /// be this call's; look at them (`certcentral duplicates`), and cancel the extra ones
    /// before they are issued.
    #[error(
        "outcome unknown: several orders have alternative_order_id {alternative_order_id} (orders {}); none was adopted",
        order_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
    )]
    SeveralOrders {
        /// The alternative id.
        alternative_order_id: String,
        /// Every order with it.
        order_ids: Vec<i64>,
    },

    /// Rate limited (HTTP 429 `request_limit_exceeded`); no order was created.
    #[error("rate limited by CertCentral (HTTP 429){}", retry_hint(.retry_after))]
    RateLimited {
        /// When DigiCert said to retry (`Retry-After`), if it did.
        retry_after: Option<Duration>,
        /// The errors DigiCert sent.
        errors: Vec<ApiError>,
    },

    /// CertCentral is down for maintenance (HTTP 503); no order was created.
    #[error("CertCentral is unavailable (HTTP 503){}", retry_hint(.retry_after))]
    Unavailable {
        /// When DigiCert said to retry (`Retry-After`), if it did.
        retry_after: Option<Duration>,
        /// The start of the body, bounded and redacted.
        snippet: String,
    },

    /// The request may have created an order: it was sent, but no usable answer came back
    /// (timeout, connection lost, 5xx, an unreadable success body), and looking the order up
    /// by its alternative id did not find it (the reason says when the client looked and what
    /// it found), or failed (its error is in `source`).
    ///
    /// Reconcile before ordering again: look it up later with
    /// [`Client::find_orders`](crate::Client::find_orders) (or
    /// [`Client::orders_by_alternative_id`](crate::Client::orders_by_alternative_id)), or
    /// resubmit the *same* request with the same `alternative_order_id` on an account with
    /// unique alternative order ids enabled, so that a duplicate is rejected instead of billed.
    #[error(
        "outcome unknown, the order may have been created (alternative_order_id {alternative_order_id}): {reason}"
    )]
    OutcomeUnknown {
        /// The order's alternative id, to find it (every order has one: the caller's, or the
        /// one the client assigned).
        alternative_order_id: String,
        /// What happened.
        reason: String,
        /// The error underneath (the transport's, or the answer to the last attempt), if any:
        /// `std::error::Error::source` walks it. Never holds a secret.
        source: Option<Cause>,
    },

    /// A call other than an order was sent and no usable answer came back (a timeout, a lost
    /// connection, a 5xx, an unreadable body), after the retries the policy allows. A read
    /// changed nothing; a status change may have been applied (read the order or request to
    /// see).
    #[error("no answer from CertCentral to {operation}: {reason}")]
    NoAnswer {
        /// The operation (the spec's `operationId`, e.g. `order_info`).
        operation: &'static str,
        /// What happened.
        reason: String,
        /// The error underneath, if any.
        source: Option<Cause>,
    },

    /// CertCentral refused a status change that the order or request is not in a state for (an
    /// issued order cannot be canceled; a rejected request cannot be approved), and a read
    /// shows its current status. Nothing was changed.
    #[error("{action} was refused: it is {current}{}", refusal(.errors))]
    NotAllowed {
        /// What was asked (`cancel order 112233`).
        action: String,
        /// The order's or request's status when the refusal was read.
        current: String,
        /// The errors DigiCert sent with the refusal.
        errors: Vec<ApiError>,
    },

    /// A request the SDK did not send: a generated operation's required argument is missing,
    /// or a value does not convert to its parameter's type.
    #[error("invalid request, not sent: {0}")]
    InvalidRequest(String),

    /// Nothing was sent (the connection could not be made).
    #[error("nothing was sent: {reason}")]
    NotSent {
        /// What happened, naming what failed: CertCentral could not be reached, the shared
        /// rate limiter (Redis) failed, or the deadline passed while waiting for the limits.
        reason: String,
        /// The error underneath (the transport's, or Redis's), if any.
        source: Option<Cause>,
    },

    /// A response the API does not document and that cannot have created an order: a 1xx or
    /// 3xx, or a 4xx without DigiCert's error envelope (a proxy's or firewall's page).
    #[error("unexpected response from CertCentral (HTTP {status}): {snippet}")]
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
        /// The start of the body, bounded and redacted.
        snippet: String,
    },

    /// The client is misconfigured (for example a plain-HTTP base URL that is not loopback).
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl Error {
    /// Whether the request certainly did not create an order, so it may be sent again
    /// ([`Class::Transient`](crate::Class::Transient)).
    ///
    /// ```
    /// let e = certcentral::Error::NotSent { reason: "connection refused".into(), source: None };
    /// assert!(e.is_retryable());
    /// let e = certcentral::Error::OutcomeUnknown { alternative_order_id: "order42".into(), reason: "timeout".into(), source: None };
    /// assert!(!e.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        self.class() == crate::Class::Transient
    }

    /// Whether DigiCert may have created (and billed) the order: the request was sent and no
    /// usable answer came back. Reconcile by the order's `alternative_order_id` before ordering
    /// again. Every other error certainly created nothing (a duplicate created nothing *now*).
    /// Of the errors of [`Class::Unknown`](crate::Class::Unknown), the order's.
    ///
    /// ```
    /// let e = certcentral::Error::OutcomeUnknown { alternative_order_id: "order42".into(), reason: "timeout".into(), source: None };
    /// assert!(e.may_have_created_order());
    /// let e = certcentral::Error::NotSent { reason: "connection refused".into(), source: None };
    /// assert!(!e.may_have_created_order());
    /// ```
    pub fn may_have_created_order(&self) -> bool {
        matches!(
            self,
            Error::OutcomeUnknown { .. } | Error::SeveralOrders { .. }
        )
    }

    /// The delay the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } | Error::Unavailable { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }
}

fn list(errors: &[ApiError]) -> String {
    if errors.is_empty() {
        return "no error details".into();
    }
    errors
        .iter()
        .map(ApiError::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn existing(order_ids: &[i64]) -> String {
    match order_ids {
        [] => String::new(),
        ids => format!(
            " (order {})",
            ids.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn refusal(errors: &[ApiError]) -> String {
    if errors.is_empty() {
        String::new()
    } else {
        format!(" ({})", list(errors))
    }
}

fn retry_hint(after: &Option<Duration>) -> String {
    after.map_or(String::new(), |d| format!(", retry after {}s", d.as_secs()))
}

/// Reads DigiCert's error envelope: the documented shape (the generated [`ErrorResponse`]),
/// else leniently: `errors` as one object, or as an object of `code: message`; a bare
/// `{code, message}`. Anything else (an HTML page, garbage) yields no errors.
pub(crate) fn parse_errors(body: &[u8]) -> Vec<ApiError> {
    if let Ok(envelope) = serde_json::from_slice::<ErrorResponse>(body) {
        return envelope.errors;
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let one = |v: &Value| -> Option<ApiError> {
        let code = text(v.get("code"));
        let message = text(v.get("message"));
        (!code.is_empty() || !message.is_empty()).then_some(ApiError { code, message })
    };
    match value.get("errors") {
        Some(Value::Array(items)) => items.iter().filter_map(one).collect(),
        Some(obj @ Value::Object(map)) => match one(obj) {
            Some(e) => vec![e],
            None => map
                .iter()
                .map(|(code, message)| ApiError {
                    code: code.clone(),
                    message: text(Some(message)),
                })
                .collect(),
        },
        Some(Value::String(message)) => vec![ApiError {
            code: String::new(),
            message: message.clone(),
        }],
        _ => one(&value).into_iter().collect(),
    }
}

/// The error code for an alternative order id that is already taken.
pub const DUPLICATE_ALTERNATIVE_ORDER_ID: &str = "duplicate_alternative_order_id";

/// How much of a body an error message may quote.
const SNIPPET_CHARS: usize = 200;

/// The start of a body for an error message: bounded, control characters and markup
/// collapsed, and anything that looks like a secret (long digit runs such as card numbers,
/// the API key itself) replaced.
pub(crate) fn snippet(body: &[u8], secrets: &[&str]) -> String {
    let text = redact(&String::from_utf8_lossy(body), secrets);
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if in_tag => {}
            c => out.push(if c.is_control() { ' ' } else { c }),
        }
    }
    bounded(
        &out.split_whitespace().collect::<Vec<_>>().join(" "),
        SNIPPET_CHARS,
    )
}

/// At most `max` characters of `text`.
fn bounded(text: &str, max: usize) -> String {
    if text.chars().count() > max {
        text.chars().take(max).collect::<String>() + "…"
    } else {
        text.to_string()
    }
}

/// [`parse_errors`], each code and message redacted and bounded.
pub(crate) fn parse_errors_redacted(body: &[u8], secrets: &[&str]) -> Vec<ApiError> {
    parse_errors(body)
        .into_iter()
        .map(|e| ApiError {
            code: bounded(&redact(&e.code, secrets), SNIPPET_CHARS),
            message: bounded(&redact(&e.message, secrets), 4 * SNIPPET_CHARS),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(body: &str) -> Vec<(String, String)> {
        parse_errors(body.as_bytes())
            .into_iter()
            .map(|e| (e.code, e.message))
            .collect()
    }

    #[test]
    fn envelope_shapes() {
        let pair = |c: &str, m: &str| (c.to_string(), m.to_string());
        assert_eq!(
            codes(r#"{"errors":[{"code":"a","message":"A"},{"code":"b|x","message":"B"}]}"#),
            [pair("a", "A"), pair("b|x", "B")]
        );
        assert_eq!(
            codes(r#"{"errors":{"code":"a","message":"A"}}"#),
            [pair("a", "A")]
        );
        assert_eq!(
            codes(r#"{"errors":{"a":"A","b":"B"}}"#),
            [pair("a", "A"), pair("b", "B")]
        );
        assert_eq!(codes(r#"{"code":"a","message":"A"}"#), [pair("a", "A")]);
        assert!(codes("<html><body>Service Unavailable</body></html>").is_empty());
        assert!(codes("").is_empty());
    }

    #[test]
    fn snippets_are_bounded_and_redacted() {
        let s = snippet(
            b"<html><h1>Down</h1> card 4111111111111111 key K3Y-abcdef\n</html>",
            &["K3Y-abcdef"],
        );
        assert_eq!(s, "Down card [redacted] key [redacted]");
        assert!(snippet("x".repeat(10_000).as_bytes(), &[]).chars().count() <= SNIPPET_CHARS + 1);
        let errors = parse_errors_redacted(
            br#"{"errors":[{"code":"card_declined","message":"card 4111111111111111 for org 112233 declined, key K3Y-abcdef"}]}"#,
            &["K3Y-abcdef"],
        );
        assert_eq!(
            errors[0].message,
            "card [redacted] for org 112233 declined, key [redacted]"
        );
    }
}
