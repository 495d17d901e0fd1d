//! Bulk ordering under scaled-down rolling limits: how close to the allowed rate the client's
//! pacing gets, and whether the mock (same windows) ever answers 429. Target: 0 × 429 and at
//! least 95 % of the allowed rate.
//!
//! `cargo bench -p certcentral --bench pacing`

use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
use certcentral::{ApiKey, Client, Error, RateLimits, RetryPolicy};
use certcentral_mock::{MockConfig, MockServer, RateLimit};
use std::time::{Duration, Instant};

const ORDERS: usize = 200;
const MAX: u32 = 20;
const WINDOW: Duration = Duration::from_millis(250);

fn order(i: usize) -> OrderClientCertificateRequest {
    serde_json::from_value(serde_json::json!({
        "certificate": { "emails": ["bulk@example.com"], "signature_hash": "sha256" },
        "order_validity": { "years": 1 },
        "alternative_order_id": format!("bulk{i}")
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

async fn trial() -> (f64, usize) {
    let server = MockServer::start(MockConfig::default().rate_limits(vec![RateLimit {
        max_requests: MAX,
        window: WINDOW,
    }]))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let client = Client::builder(ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .pacing(RateLimits::none().window(MAX, WINDOW))
        .retry(RetryPolicy::none())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let orders = (0..ORDERS).map(|i| (ClientCertificateId::Class1Smime, order(i)));
    let start = Instant::now();
    let results = client.order_many(orders, 16).await;
    let elapsed = start.elapsed();
    let limited = results
        .iter()
        .filter(|r| matches!(r, Err(Error::RateLimited { .. })))
        .count();
    // The fastest schedule the limit allows: MAX at once, then MAX per window.
    let floor = WINDOW.mul_f64((ORDERS as f64 / f64::from(MAX)).ceil() - 1.0);
    (floor.as_secs_f64() / elapsed.as_secs_f64(), limited)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut ratios = Vec::new();
    let mut limited = 0;
    for _ in 0..5 {
        let (ratio, l) = rt.block_on(trial());
        ratios.push(ratio);
        limited += l;
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "paced bulk: {ORDERS} orders under {MAX}/{WINDOW:?}, 5 trials: achieved/allowed rate median {:.3} (min {:.3}, max {:.3}); 429s: {limited}",
        ratios[2], ratios[0], ratios[4]
    );
}
