//! One process of a fleet that orders with one API key: places `FLEET_ORDERS` Class 1 orders
//! (alternative ids `w{FLEET_WORKER}o{i}`) at the mock `FLEET_MOCK_URL`, paced under
//! `FLEET_WINDOWS` (`max/ms,...`), `FLEET_IN_FLIGHT` at a time (default 4), sharing the pacing
//! through Redis at `FLEET_REDIS_URL` (several, comma-separated: a cluster's nodes; empty: this
//! process paces alone; `FLEET_REDIS_CA`: a PEM file of the CA to trust for TLS), with attempts
//! timing out after `FLEET_TIMEOUT_MS` if given. No retries: a 429 is counted, not hidden. Prints one
//! JSON line: `{"placed":…,"rate_limited":…,"other":…}`.
//!
//! Started by `tests/fleet.rs` and `benches/fleet.rs`; not a tool.

use certcentral::types::ClientCertificateId;
use certcentral::{ApiKey, Client, Error, RateLimits, RetryPolicy};
use std::time::Duration;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let windows = env("FLEET_WINDOWS")
        .split(',')
        .filter_map(|w| w.split_once('/'))
        .filter_map(|(max, ms)| Some((max.parse().ok()?, ms.parse().ok()?)))
        .fold(RateLimits::none(), |limits, (max, ms)| {
            limits.window(max, Duration::from_millis(ms))
        });
    let mut builder = Client::builder(ApiKey::new(env("FLEET_API_KEY")))
        .base_url(env("FLEET_MOCK_URL"))
        .pacing(windows)
        .retry(RetryPolicy::none());
    if let Ok(ms) = env("FLEET_TIMEOUT_MS").parse() {
        builder = builder.timeout(Duration::from_millis(ms));
    }
    if let Some(redis) = certcentral_tests::RedisTarget::from_env() {
        builder = builder.shared_pacing(redis.pacing());
    }
    let client = builder.build().expect("a loopback client");
    let worker = env("FLEET_WORKER");
    let count: usize = env("FLEET_ORDERS").parse().unwrap_or(0);
    let in_flight: usize = env("FLEET_IN_FLIGHT").parse().unwrap_or(4);
    let orders = (0..count).map(|i| {
        let mut body = certcentral_tests::valid_body("class1_smime");
        body["alternative_order_id"] = serde_json::json!(format!("w{worker}o{i}"));
        (
            ClientCertificateId::Class1Smime,
            certcentral_tests::request(body),
        )
    });
    let (mut placed, mut rate_limited, mut other) = (0, 0, 0);
    for result in client.order_many(orders, in_flight).await {
        match result {
            Ok(_) => placed += 1,
            Err(Error::RateLimited { .. }) => rate_limited += 1,
            Err(e) => {
                eprintln!("{e}");
                other += 1;
            }
        }
    }
    println!(r#"{{"placed":{placed},"rate_limited":{rate_limited},"other":{other}}}"#);
}
