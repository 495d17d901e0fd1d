//! One `tracing` span per order, with its product, alternative id, attempt and outcome, and
//! the order's events inside it.

use certcentral::types::ClientCertificateId;
use certcentral::{ApiKey, Client, RetryPolicy};
use certcentral_mock::{Fault, MockConfig, MockServer};
use certcentral_tests::{request, valid_body};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn one_span_per_order_with_its_outcome() {
    let (capture, _guard) = certcentral_tests::Logs::capture(true);

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

    let logs = capture.text();
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
