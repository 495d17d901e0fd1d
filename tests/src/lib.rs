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

/// A client builder pointed at `server`, with its API key, looking a lost order up quickly
/// ([`fast_lookup`]).
pub fn client_for(server: &MockServer) -> ClientBuilder {
    Client::builder(ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .lookup(fast_lookup())
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

/// How many order requests (POSTs) the mock received: the attempts of an order, without the
/// lookups that may follow a lost answer.
pub fn order_attempts(server: &MockServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count()
}

/// A lookup policy for tests: 5 looks, 20 ms to 100 ms apart (the default waits seconds for
/// a late order to show).
pub fn fast_lookup() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(5)
        .base_delay(std::time::Duration::from_millis(20))
        .max_delay(std::time::Duration::from_millis(100))
}

/// A valid order body for `product`, as JSON, built from the rules table alone
/// ([`certcentral_table::Table::complete`]): a product added to the spec needs no edit here.
pub fn valid_body(product: &str) -> Value {
    certcentral_table::TABLE
        .complete(product, json!({}))
        .unwrap_or_else(|| panic!("the rules table admits no order for `{product}`"))
}

/// A new key (ECDSA P-256) and a CSR for it, both PEM.
pub fn key_and_csr(common_name: &str) -> (String, String) {
    let key = rcgen::KeyPair::generate().expect("a key");
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    let csr = params.serialize_request(&key).expect("a CSR");
    (key.serialize_pem(), csr.pem().expect("PEM"))
}

/// An order for `product` that the mock issues once approved: the validated organization
/// (`certcentral_mock::VALIDATED_ORGANIZATION`) where the product takes one, `email` (at the
/// validated domain, for those), and a CSR.
pub fn issuable_body(product: &str, email: &str, csr: &str) -> Value {
    let mut body = valid_body(product);
    body["certificate"]["emails"] = json!([email]);
    body["certificate"]["csr"] = json!(csr);
    if body.get("organization").is_some() {
        body["organization"] = json!({ "id": certcentral_mock::VALIDATED_ORGANIZATION });
    }
    body
}

/// The day `t` falls on (UTC), `yyyy-MM-dd`, as CertCentral's day filters take it.
pub fn day(t: std::time::SystemTime) -> String {
    let d = time::OffsetDateTime::from(t).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
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

/// Posts `body` as an order for `product` straight to the mock (no validation, as the SDK
/// never sends it) and returns the HTTP status and DigiCert's error codes.
pub async fn post_unvalidated(
    server: &MockServer,
    product: &str,
    body: &Value,
) -> (u16, Vec<String>) {
    let response = RawHttp::new()
        .post(server.order_url(product))
        .header(certcentral::API_KEY_HEADER, server.api_key())
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("the mock answers");
    let status = response.status().as_u16();
    let envelope: Value = response.json().await.unwrap_or_default();
    let codes = envelope["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["code"].as_str().map(String::from))
        .collect();
    (status, codes)
}

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

/// A base URL on which every connection is refused, for as long as the returned socket lives:
/// the port is bound but never listened on, so no other test's server can take it meanwhile
/// (a port freed by closing a listener can be handed to the next server that binds `:0`).
pub fn refusing_base_url() -> (tokio::net::TcpSocket, String) {
    let socket = tokio::net::TcpSocket::new_v4().expect("a TCP socket");
    socket
        .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("a loopback port");
    let port = socket.local_addr().expect("its address").port();
    (socket, format!("http://127.0.0.1:{port}/services/v2"))
}

/// Awaits `event`, or fails the test saying what was awaited: a test never hangs on a bug.
pub async fn within<F: std::future::Future>(event: F, what: &str) -> F::Output {
    tokio::time::timeout(std::time::Duration::from_secs(60), event)
        .await
        .unwrap_or_else(|_| panic!("{what}: the awaited event did not happen within 60 s"))
}

/// The workspace this crate belongs to.
pub fn workspace() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(std::path::Path::to_path_buf)
        .expect("the tests crate sits in the workspace")
}

/// The workspace's target directory (`CARGO_TARGET_DIR`, or `target/`).
pub fn target_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

/// The workspace's files (tracked and new, not ignored) copied into `into`; returns their
/// paths relative to the workspace.
pub fn copy_workspace(into: &std::path::Path) -> Vec<String> {
    let listed = std::process::Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(workspace())
        .output()
        .expect("git lists the workspace's files");
    assert!(listed.status.success(), "git ls-files failed");
    let mut copied = Vec::new();
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let from = workspace().join(&name);
        if !from.is_file() {
            continue; // deleted in the work tree
        }
        let to = into.join(&name);
        std::fs::create_dir_all(to.parent().expect("a file has a parent"))
            .and_then(|()| std::fs::copy(&from, &to))
            .unwrap_or_else(|e| panic!("copying {name}: {e}"));
        copied.push(name);
    }
    copied
}

/// A `redis-server` of the test's own, on a free loopback port, stopped when dropped.
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
pub use redis::{PACING_ACL, RedisCluster, RedisServer, RedisTarget};
/// Fleet worker processes on one key.
#[cfg(feature = "redis")]
mod fleet;
#[cfg(feature = "redis")]
pub use fleet::{WorkerReport, run_fleet};

/// Everything `tracing` logs on this thread while the guard lives, as text.
#[derive(Clone, Default)]
pub struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    /// Captures every event and span (TRACE and up; with `closes`, span closings too) until
    /// the guard is dropped.
    pub fn capture(closes: bool) -> (Logs, tracing::subscriber::DefaultGuard) {
        let logs = Logs::default();
        let writer = logs.clone();
        let events = if closes {
            tracing_subscriber::fmt::format::FmtSpan::CLOSE
        } else {
            tracing_subscriber::fmt::format::FmtSpan::NONE
        };
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_span_events(events)
            .with_writer(move || writer.clone())
            .finish();
        (logs, tracing::subscriber::set_default(subscriber))
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
