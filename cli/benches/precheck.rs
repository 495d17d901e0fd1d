//! `cargo bench -p certcentral-cli --bench precheck [-- ROWS ORDERS]`
//!
//! The check before ordering: `certcentral bulk FILE --dry-run` of ROWS rows (default
//! 10,000) against an account that already has ORDERS orders of the rows' product (default
//! 50,000; half the rows' mailboxes among them). Reports the API calls the check made (the
//! mock's access log, and what the command says it cost), its time, and whether the plan is
//! right: every mailbox that has an order is "ordered earlier", every other one "to send".
//! The mock enforces no rate limits (to set the account up); the command paces itself under
//! DigiCert's as always.
//! Goal (issue 30): at most 60 calls. Figures are recorded in BENCHMARKS.md.

use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
use certcentral::{ApiKey, Client, RateLimits, RetryPolicy};
use certcentral_mock::{MockConfig, MockServer};
use futures_util::StreamExt;
use std::process::Command;
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_certcentral");

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let rows: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let orders: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let dir =
        std::env::temp_dir().join(format!("certcentral-bench-precheck-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let log = dir.join("access.jsonl");
    let server = MockServer::start(
        MockConfig::default()
            .prevalidated(true)
            .rate_limits(Vec::new())
            .ledger_capacity(orders + rows)
            .recent_requests(16)
            .access_log(&log),
    )
    .await
    .expect("the mock starts");

    // The account's orders: placed without the client's pacing (setting up, not measured).
    let setup = Instant::now();
    let client = Client::builder(ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .pacing(RateLimits::none())
        .retry(RetryPolicy::none())
        .build()
        .expect("a client");
    // Mailbox i for i < ORDERS has an order; the rows are mailboxes ORDERS - ROWS/2 onwards.
    futures_util::stream::iter(0..orders)
        .map(|i| {
            let client = &client;
            async move {
                let order: OrderClientCertificateRequest = serde_json::from_value(serde_json::json!({
                    "certificate": {"emails": [format!("person{i}@example.com")], "signature_hash": "sha256"},
                    "order_validity": {"years": 1},
                    "skip_approval": true,
                }))
                .expect("an order");
                client
                    .order(ClientCertificateId::Class1Smime, &order)
                    .await
                    .expect("the mock takes it");
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
    println!(
        "setup: {orders} orders on the account in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    let first = orders - rows / 2;
    let mut csv = String::from(
        "product,certificate.emails,certificate.signature_hash,order_validity.years\n",
    );
    for i in first..first + rows {
        csv.push_str(&format!("class1_smime,person{i}@example.com,sha256,1\n"));
    }
    let file = dir.join("staff.csv");
    std::fs::write(&file, csv).expect("a CSV");
    let before = std::fs::read_to_string(&log).map_or(0, |t| t.lines().count());
    let url = server.base_url();
    let key = server.api_key().to_string();
    let (file_arg, state) = (file.display().to_string(), dir.join("state"));
    let (took, out) = tokio::task::spawn_blocking(move || {
        let start = Instant::now();
        let out = Command::new(BIN)
            .args(["bulk", &file_arg, "--dry-run", "--base-url", &url])
            .env("DIGICERT_API_KEY", &key)
            .env("XDG_STATE_HOME", &state)
            .output()
            .expect("the binary runs");
        (start.elapsed(), out)
    })
    .await
    .expect("the run ends");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = std::fs::read_to_string(&log).map_or(0, |t| t.lines().count()) - before;
    let said = stdout
        .lines()
        .find(|l| l.contains("API call"))
        .unwrap_or("(the command did not say what asking cost)");
    println!("{said}");
    let expect = |what: &str, n: usize| {
        assert!(
            stdout.contains(&format!("{n} {what}")),
            "want {n} {what}:\n{stdout}"
        );
    };
    expect("ordered earlier", rows / 2);
    expect("to send", rows - rows / 2);
    println!(
        "pre-check: {rows} rows against {orders} orders: {calls} API calls (goal: at most 60) in {:.2} s",
        took.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
