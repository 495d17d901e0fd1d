//! `Client::order_many`: bounded concurrency, one result per order in input order, and pacing under
//! the rolling limits so that the mock (with the same scaled-down windows) never answers 429.
//! The achieved rate against the allowed one is measured in `benches/`, not asserted here.

use certcentral::types::ClientCertificateId;
use certcentral::{RateLimits, RetryPolicy};
use certcentral_mock::{MockConfig, MockServer, RateLimit};
use certcentral_tests::{request, valid_body};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paces_under_the_windows_and_keeps_input_order() {
    let windows = [
        (10u32, Duration::from_millis(300)),
        (25, Duration::from_secs(1)),
    ];
    let server = MockServer::start(
        MockConfig::default().rate_limits(
            windows
                .iter()
                .map(|(max_requests, window)| RateLimit {
                    max_requests: *max_requests,
                    window: *window,
                })
                .collect(),
        ),
    )
    .await
    .unwrap();
    let pacing = windows.iter().fold(RateLimits::none(), |l, (max, window)| {
        l.window(*max, *window)
    });
    let client = certcentral_tests::client_for(&server)
        .pacing(pacing)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let orders: Vec<_> = (0..60)
        .map(|i| {
            let mut body = valid_body("class1_smime");
            body["alternative_order_id"] = json!(format!("bulk{i}"));
            (ClientCertificateId::Class1Smime, request(body))
        })
        .collect();
    let start = Instant::now();
    let results = client.order_many(orders, 8).await;
    let elapsed = start.elapsed();

    assert_eq!(results.len(), 60);
    for (i, result) in results.iter().enumerate() {
        let placed = result.as_ref().unwrap_or_else(|e| panic!("order {i}: {e}"));
        assert_eq!(
            placed.alternative_order_id,
            format!("bulk{i}"),
            "results are in input order"
        );
        assert_eq!(
            server.orders_with_alternative_id(&placed.alternative_order_id)[0].order_id,
            placed.order_id().unwrap()
        );
    }
    assert_eq!(
        server.requests().len(),
        60,
        "no 429 was drawn, so nothing was sent twice"
    );
    assert_eq!(server.ledger().len(), 60);
    // 60 orders at 25 per second cannot take less than two full windows.
    assert!(
        elapsed >= Duration::from_secs(2),
        "{elapsed:?}: the limits were not respected"
    );
}
