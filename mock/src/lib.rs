//! A local CertCentral for the *order client certificate* endpoint, on real HTTP.
//!
//! It validates every order with the same rules table and interpreter as the `certcentral`
//! client (`certcentral-table`), so it is never more lenient than the client; it keeps an
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
mod handler;
mod limiter;
mod server;
mod state;

pub use faults::Fault;
pub use server::MockServer;

use std::time::Duration;

/// The API key a default [`MockConfig`] accepts.
pub const DEFAULT_API_KEY: &str = "mock-api-key";

/// One rolling rate-limit window: at most `max_requests` per API key within `window` (the
/// same type the client paces with).
pub use certcentral_table::Window as RateLimit;

/// DigiCert's limits, from the spec (`x-certcentral-rate-limits`): 100 requests per 5 seconds
/// and 1000 per 3 minutes, per API key.
///
/// ```
/// assert_eq!(certcentral_mock::digicert_rate_limits().len(), 2);
/// ```
pub fn digicert_rate_limits() -> Vec<RateLimit> {
    certcentral_table::TABLE.rate_limits.to_vec()
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
    /// Orders the ledger keeps (default 100,000); beyond it, the oldest go, and with them
    /// the uniqueness of their alternative order ids. Memory stays bounded however long the
    /// mock runs.
    pub ledger_capacity: usize,
    /// Bytes the ledger's orders may hold in all (default 64 MiB); beyond it, the oldest go.
    pub ledger_bytes: usize,
    /// Authenticated requests kept for [`MockServer::requests`] (default 1,000).
    pub recent_requests: usize,
    /// Bytes the kept requests may hold in all (default 16 MiB).
    pub recent_request_bytes: usize,
    /// A larger request body is refused with 413 (default 256 KiB).
    pub max_body_bytes: usize,
    /// Connections served at once (default 256); more wait until one closes.
    pub max_connections: usize,
    /// A connection that does not send a request's headers within this is closed (default
    /// 10 s).
    pub header_read_timeout: Duration,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            api_keys: vec![DEFAULT_API_KEY.to_string()],
            unique_alternative_order_ids: false,
            prevalidated: false,
            rate_limits: digicert_rate_limits(),
            first_order_id: 112233,
            first_request_id: 113,
            first_organization_id: 5000,
            ledger_capacity: 100_000,
            ledger_bytes: 64 << 20,
            recent_requests: 1_000,
            recent_request_bytes: 16 << 20,
            max_body_bytes: 256 << 10,
            max_connections: 256,
            header_read_timeout: Duration::from_secs(10),
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

    /// Sets [`MockConfig::ledger_capacity`].
    pub fn ledger_capacity(mut self, orders: usize) -> Self {
        self.ledger_capacity = orders;
        self
    }

    /// Sets [`MockConfig::recent_requests`].
    pub fn recent_requests(mut self, requests: usize) -> Self {
        self.recent_requests = requests;
        self
    }

    /// Sets [`MockConfig::max_connections`].
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// Sets [`MockConfig::header_read_timeout`].
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
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
    /// The order body as received (valid JSON; [`LedgerEntry::json`] parses it).
    pub body: String,
}

impl LedgerEntry {
    /// The order body as JSON.
    ///
    /// ```
    /// let entry = certcentral_mock::LedgerEntry {
    ///     order_id: 1, request_id: 2, product: "class1_smime".into(), status: "pending".into(),
    ///     certificate_id: None, created_organization_id: None, alternative_order_id: None,
    ///     body: r#"{"order_validity":{"years":1}}"#.into(),
    /// };
    /// assert_eq!(entry.json()["order_validity"]["years"], 1);
    /// ```
    pub fn json(&self) -> serde_json::Value {
        // Only bodies that parsed are recorded; a failure would be a bug, shown as null.
        serde_json::from_str(&self.body).unwrap_or_default()
    }
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
