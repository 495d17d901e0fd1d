//! How the mock behaves: keys, account options, rate limits and the bounds of what it keeps.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

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
    /// The API keys accepted in the API key header (the spec's, `X-DC-DEVKEY`).
    pub api_keys: Vec<String>,
    /// Reject an order whose `alternative_order_id` is already on another order (the account
    /// option "Require unique alternative order IDs").
    pub unique_alternative_order_ids: bool,
    /// Organizations, domains and mailboxes are validated in advance: every order is issued
    /// once approved (see the lifecycle in the crate docs), and an order with `skip_approval`
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
    /// Authenticated requests kept for [`MockServer::requests`](crate::MockServer::requests) (default 1,000).
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
    /// Append every order placed to this file as one line of JSON (`order_id`, `request_id`,
    /// `alternative_order_id`, `product`, `status`, `certificate_id`,
    /// `created_organization_id`; never the body, which may hold card data), so that a run
    /// can be checked from outside. The file is created if missing and never truncated.
    pub ledger_file: Option<PathBuf>,
    /// How long after an order is approved and validated its certificate is issued (default
    /// 1 s), by the mock's clock.
    pub issue_after: Duration,
    /// Keep the mock's CA in this folder (`root.pem`, `intermediate.pem` and their keys),
    /// created there when missing and reused on restart; without it, a new CA is made in
    /// memory at each start.
    pub ca_dir: Option<PathBuf>,
    /// Append one JSON line per request to this file: `method`, `operation` (its short name),
    /// `path` (the operation's template, never the path sent), `status` and `ms`; never a
    /// body, a key or a query value. Created if missing, never truncated.
    pub access_log: Option<PathBuf>,
    /// Start the mock's clock at this time (it runs on from there); default: now.
    pub start_at: Option<SystemTime>,
    /// Mailboxes validated from the start (a Class 1 order waits for its mailboxes).
    pub validated_mailboxes: Vec<String>,
    /// Answer 404 `not_found` to a lookup by an alternative id no order has, instead of an
    /// empty list (the reference does not say which CertCentral does; clients must read both).
    pub lookup_not_found: bool,
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
            ledger_file: None,
            issue_after: Duration::from_secs(1),
            ca_dir: None,
            access_log: None,
            start_at: None,
            validated_mailboxes: Vec::new(),
            lookup_not_found: false,
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

    /// Sets [`MockConfig::ledger_file`].
    pub fn ledger_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ledger_file = Some(path.into());
        self
    }

    /// Sets [`MockConfig::issue_after`].
    pub fn issue_after(mut self, delay: Duration) -> Self {
        self.issue_after = delay;
        self
    }

    /// Sets [`MockConfig::ca_dir`].
    pub fn ca_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.ca_dir = Some(dir.into());
        self
    }

    /// Sets [`MockConfig::access_log`].
    pub fn access_log(mut self, path: impl Into<PathBuf>) -> Self {
        self.access_log = Some(path.into());
        self
    }

    /// Sets [`MockConfig::start_at`].
    pub fn start_at(mut self, at: SystemTime) -> Self {
        self.start_at = Some(at);
        self
    }

    /// Adds to [`MockConfig::validated_mailboxes`].
    pub fn validated_mailbox(mut self, email: impl Into<String>) -> Self {
        self.validated_mailboxes.push(email.into());
        self
    }

    /// Sets [`MockConfig::lookup_not_found`].
    pub fn lookup_not_found(mut self, on: bool) -> Self {
        self.lookup_not_found = on;
        self
    }

    /// Sets [`MockConfig::header_read_timeout`].
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }
}
