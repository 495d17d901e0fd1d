//! Shared helpers for the workspace-level test suites.
//!
//! The suites read every crate (and the spec, for its examples) and write nothing but scratch
//! copies of the workspace under the system's temporary directory.

#![warn(missing_docs)]

/// The README's Rust examples, compiled as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

use certcentral::{ApiKey, Client, ClientBuilder, RetryPolicy};
use certcentral_mock::{MockConfig, MockServer};
use serde_json::{Value, json};

/// A client builder pointed at `server`, with its API key.
pub fn client_for(server: &MockServer) -> ClientBuilder {
    Client::builder(ApiKey::new(server.api_key())).base_url(server.base_url())
}

/// Starts a mock with `config` and a client for it (validation on, retries as given).
pub async fn mock_and_client(config: MockConfig, retry: RetryPolicy) -> (MockServer, Client) {
    let server = MockServer::start(config)
        .await
        .expect("the mock starts on loopback");
    let client = client_for(&server)
        .retry(retry)
        .build()
        .expect("a loopback base URL is accepted");
    (server, client)
}

/// A valid order body for `product`, as JSON, built from the rules table alone
/// ([`certcentral_table::Table::complete`]): a product added to the spec needs no edit here.
pub fn valid_body(product: &str) -> Value {
    certcentral_table::TABLE
        .complete(product, json!({}))
        .unwrap_or_else(|| panic!("the rules table admits no order for `{product}`"))
}

/// The request type from a JSON body.
pub fn request(body: Value) -> certcentral::types::OrderClientCertificateRequest {
    serde_json::from_value(body).expect("the body matches the generated request type")
}

/// The spec's document as JSON.
pub fn spec_document() -> Value {
    let yaml =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/openapi.yaml"))
            .expect("the spec is readable");
    certcentral_codegen::load_document(&yaml).expect("the spec is accepted")
}

/// A plain HTTP client for raw requests the typed client would never send.
pub struct RawHttp(reqwest::Client);

impl RawHttp {
    /// A client without default headers.
    pub fn new() -> Self {
        // reqwest is built without a default TLS provider (the SDK brings its own); a test
        // process may pick one for itself.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self(reqwest::Client::new())
    }

    /// Starts a POST.
    pub fn post(&self, url: impl AsRef<str>) -> reqwest::RequestBuilder {
        self.0.post(url.as_ref())
    }

    /// Starts a request with any method.
    pub fn request(
        &self,
        method: reqwest::Method,
        url: impl AsRef<str>,
    ) -> reqwest::RequestBuilder {
        self.0.request(method, url.as_ref())
    }
}

impl Default for RawHttp {
    fn default() -> Self {
        Self::new()
    }
}

/// Awaits `event`, or fails the test saying what was awaited: a test never hangs on a bug.
pub async fn within<F: std::future::Future>(event: F, what: &str) -> F::Output {
    tokio::time::timeout(std::time::Duration::from_secs(60), event)
        .await
        .unwrap_or_else(|_| panic!("{what}: the awaited event did not happen within 60 s"))
}
