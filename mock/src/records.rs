//! What the mock keeps: the orders it created, and the requests it received.

use certcentral_table::responses::RequestStatus;

/// An order the mock created.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LedgerEntry {
    /// The order id returned to the client.
    pub order_id: i64,
    /// The id of the order's request.
    pub request_id: i64,
    /// The product ordered.
    pub product: String,
    /// The request status as stored (what the client was told, unless a fault changed it).
    pub status: RequestStatus,
    /// Set when the order was approved at once.
    pub certificate_id: Option<i64>,
    /// Set when the order created a new organization.
    pub created_organization_id: Option<i64>,
    /// The order's alternative id, if it had one.
    pub alternative_order_id: Option<String>,
    /// The order body as received (valid JSON; [`LedgerEntry::json`] parses it).
    pub body: String,
    /// When it was created, by the mock's clock.
    pub created_at: std::time::SystemTime,
}

impl LedgerEntry {
    /// The order body as JSON.
    ///
    /// ```no_run
    /// # async fn run(server: certcentral_mock::MockServer) {
    /// for entry in server.ledger() {
    ///     println!("order {}: {} year(s)", entry.order_id, entry.json()["order_validity"]["years"]);
    /// }
    /// # }
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
    /// The query string, without its `?` (empty when there is none).
    pub query: String,
    /// Every header, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
    /// When it was received (once its body was read), for checks of the rate-limit windows.
    pub received_at: std::time::Instant,
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
