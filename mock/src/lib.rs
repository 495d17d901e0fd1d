//! A local CertCentral for the *order client certificate* endpoint, on real HTTP.
//!
//! It validates every order with the same rules table and interpreter as the `certcentral`
//! client (`certcentral-spec`), so it is never more lenient than the client; it keeps an
//! order ledger, enforces DigiCert's rolling rate limits per API key, can make alternative
//! order ids unique, and can be scripted to misbehave (delays, dropped connections, 5xx,
//! broken bodies, unlisted statuses) one request at a time.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use certcentral_mock::{MockConfig, MockServer};
//!
//! let server = MockServer::start(MockConfig::default()).await?;
//! assert!(server.base_url().starts_with("http://127.0.0.1:"));
//! assert!(server.ledger().is_empty());
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod faults;
mod server;

pub use faults::Fault;
pub use server::MockServer;

use std::time::Duration;

/// The API key a default [`MockConfig`] accepts.
pub const DEFAULT_API_KEY: &str = "mock-api-key";

/// One rolling rate-limit window: at most `max_requests` per API key within `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in the window.
    pub max_requests: u32,
    /// The window's length.
    pub window: Duration,
}

impl RateLimit {
    /// DigiCert's limits: 100 requests per 5 seconds and 1000 per 3 minutes, per API key.
    pub fn digicert() -> Vec<RateLimit> {
        vec![
            RateLimit {
                max_requests: 100,
                window: Duration::from_secs(5),
            },
            RateLimit {
                max_requests: 1000,
                window: Duration::from_secs(180),
            },
        ]
    }
}

/// How the mock behaves.
///
/// ```
/// let config = certcentral_mock::MockConfig::default()
///     .unique_alternative_order_ids(true)
///     .prevalidated(true);
/// assert_eq!(config.api_keys, [certcentral_mock::DEFAULT_API_KEY]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockConfig {
    /// The API keys accepted in `X-DC-DEVKEY`.
    pub api_keys: Vec<String>,
    /// Reject an order whose `alternative_order_id` is already on another order (the account
    /// option "Require unique alternative order IDs").
    pub unique_alternative_order_ids: bool,
    /// Organizations and domains are validated in advance: an order with `skip_approval`
    /// is `approved` at once and gets a `certificate_id`.
    pub prevalidated: bool,
    /// Rolling windows per API key; a request over any of them gets 429.
    pub rate_limits: Vec<RateLimit>,
    /// The first order id handed out.
    pub first_order_id: i64,
    /// The first request id handed out (also used as the certificate id).
    pub first_request_id: i64,
    /// The first id of an organization created by an order.
    pub first_organization_id: i64,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            api_keys: vec![DEFAULT_API_KEY.to_string()],
            unique_alternative_order_ids: false,
            prevalidated: false,
            rate_limits: RateLimit::digicert(),
            first_order_id: 112233,
            first_request_id: 113,
            first_organization_id: 5000,
        }
    }
}

impl MockConfig {
    /// Accepts exactly these API keys.
    pub fn api_keys<I: IntoIterator<Item = S>, S: Into<String>>(mut self, keys: I) -> Self {
        self.api_keys = keys.into_iter().map(Into::into).collect();
        self
    }

    /// Sets [`MockConfig::unique_alternative_order_ids`].
    pub fn unique_alternative_order_ids(mut self, on: bool) -> Self {
        self.unique_alternative_order_ids = on;
        self
    }

    /// Sets [`MockConfig::prevalidated`].
    pub fn prevalidated(mut self, on: bool) -> Self {
        self.prevalidated = on;
        self
    }

    /// Replaces the rate-limit windows (an empty list turns rate limiting off).
    pub fn rate_limits(mut self, limits: Vec<RateLimit>) -> Self {
        self.rate_limits = limits;
        self
    }
}

/// An order the mock created.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    /// The order id returned to the client.
    pub order_id: i64,
    /// The id of the order's request.
    pub request_id: i64,
    /// The product ordered.
    pub product: String,
    /// The request status as stored (what the client was told, unless a fault changed it).
    pub status: String,
    /// Set when the order was approved at once.
    pub certificate_id: Option<i64>,
    /// Set when the order created a new organization.
    pub created_organization_id: Option<i64>,
    /// The order's alternative id, if it had one.
    pub alternative_order_id: Option<String>,
    /// The order body as received.
    pub body: serde_json::Value,
}

/// A request as the mock received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `POST`, ...
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// Every header, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}
