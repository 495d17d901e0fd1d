//! One `tracing` span per order, with its product, alternative id, attempt and outcome, and
//! the order's events inside it.

use certcentral::types::ClientCertificateId;
use certcentral::{ApiKey, Client, RetryPolicy};
use certcentral_mock::{Fault, MockConfig, MockServer};
use certcentral_tests::{request, valid_body};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn one_span_per_order_with_its_outcome() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let client = Client::builder(ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .retry(RetryPolicy::default().base_delay(Duration::from_millis(5)))
        .build()
        .unwrap();
    server.inject(Fault::RateLimited);
    let mut body = valid_body("class1_smime");
    body["alternative_order_id"] = json!("span42");
    client
        .order(ClientCertificateId::Class1Smime, &request(body))
        .await
        .unwrap();

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    // The retry and the placement are events inside the span...
    let inside = |message: &str| {
        logs.lines().any(|l| {
            l.contains(message)
                && l.contains("order{product=class1_smime alternative_order_id=\"span42\"")
        })
    };
    assert!(inside("retrying"), "{logs}");
    assert!(inside("order placed"), "{logs}");
    // ...and the span closes with the attempt count and the outcome.
    assert!(
        logs.lines().any(|l| l.contains("close")
            && l.contains("attempt=2")
            && l.contains("outcome=\"placed\"")),
        "{logs}"
    );
}
