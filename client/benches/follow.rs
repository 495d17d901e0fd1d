//! `cargo bench -p certcentral --bench follow [-- ORDERS ISSUE_AFTER_SECS]`
//!
//! Follows ORDERS orders (default 1,000) to their certificates against the mock with
//! DigiCert's rate limits, the mock issuing each ISSUE_AFTER_SECS (default 120) after its
//! order: `Client::follow` (the status-change list, one call per poll for all of them), then
//! `Client::download_chain` for each certificate as it is issued. Reports the API calls per
//! issued certificate (goal: at most 1.2), the 429s (goal: none), and the wall time from the
//! last order to the last certificate against the issue delay; beside them, what polling each
//! order's info every 10 s (as integrations do) would have cost for the same wait.
//!
//! The orders are placed first, by another API key (the mock's windows are per key), at
//! DigiCert's pace: 1,000 orders take about three minutes. Figures are in BENCHMARKS.md.

use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest, OrderStatus};
use certcentral::{ApiKey, Client};
use certcentral_mock::{MockConfig, MockServer};
use futures_util::StreamExt;
use std::time::{Duration, Instant, SystemTime};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let orders: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let issue_after = Duration::from_secs(args.next().and_then(|a| a.parse().ok()).unwrap_or(120));
    let log = std::env::temp_dir().join(format!(
        "certcentral-bench-follow-{}.jsonl",
        std::process::id()
    ));
    let server = MockServer::start(
        MockConfig::default()
            .access_log(&log)
            .api_keys(["placer", "follower"])
            .prevalidated(true)
            .issue_after(issue_after)
            .ledger_capacity(orders.max(1000))
            .recent_requests(orders * 3),
    )
    .await
    .expect("the mock starts");
    let client = |key: &str| {
        Client::builder(ApiKey::new(key))
            .base_url(server.base_url())
            .build()
            .expect("a client")
    };
    let (placer, follower) = (client("placer"), client("follower"));

    let key = rcgen::KeyPair::generate().expect("a key");
    let csr = rcgen::CertificateParams::default()
        .serialize_request(&key)
        .and_then(|c| c.pem())
        .expect("a CSR");
    let since = SystemTime::now();
    let placing = Instant::now();
    let placed: Vec<i64> = futures_util::stream::iter(0..orders)
        .map(|i| {
            let (placer, csr) = (&placer, &csr);
            async move {
                let order: OrderClientCertificateRequest = serde_json::from_value(serde_json::json!({
                    "certificate": {"emails": [format!("person{i}@example.com")], "signature_hash": "sha256", "csr": csr},
                    "order_validity": {"years": 1},
                    "skip_approval": true,
                }))
                .expect("an order");
                placer
                    .order(ClientCertificateId::Class1Smime, &order)
                    .await
                    .expect("placed")
                    .order_id()
                    .expect("its id")
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    println!(
        "placed {orders} orders in {:.0} s (DigiCert's pace); the mock issues each {} s after it",
        placing.elapsed().as_secs_f64(),
        issue_after.as_secs()
    );

    let before = server.requests().len();
    let start = Instant::now();
    let mut follow = follower.follow(placed.iter().copied(), since, Duration::from_secs(3600));
    let mut issued = 0;
    while let Some(order) = follow.next().await {
        let order = order.expect("a poll");
        assert_eq!(order.status, OrderStatus::Issued);
        follower
            .download_chain(order.order_id)
            .await
            .expect("a chain");
        issued += 1;
    }
    let took = start.elapsed();
    let seen = server.requests();
    let calls = seen[before..]
        .iter()
        .filter(|r| r.header(certcentral::API_KEY_HEADER) == Some("follower"))
        .count();
    let refused = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("\"status\":429"))
        .count();
    let _ = std::fs::remove_file(&log);
    let polls = calls - issued;
    println!(
        "followed: {issued} certificates in {:.0} s from the last order (the first was placed {:.0} s \
         before it, and each is issued {} s after its order): {calls} calls = {issued} downloads + \
         {polls} status-change polls => {:.3} calls per certificate (goal: at most 1.2); \
         {refused} x 429 (both keys)",
        took.as_secs_f64(),
        (placing.elapsed() - took).as_secs_f64(),
        issue_after.as_secs(),
        calls as f64 / issued.max(1) as f64
    );
    let naive = orders as f64 * (issue_after.as_secs_f64() / 10.0).ceil() + orders as f64;
    println!(
        "beside it: polling each order's info every 10 s over the same {} s issue delay would be \
         about {naive:.0} calls ({:.1} per certificate)",
        issue_after.as_secs(),
        naive / orders as f64
    );
}
