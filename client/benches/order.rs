//! What the SDK adds to one order, against its floor.
//!
//! - `overhead`: validate + serialize one order (each product, a small and a large body)
//!   against `serde_json::to_vec` of the same body without validation. Target: ≤ 1.2×.
//! - `loopback`: orders per second from the client to the mock, against a raw reqwest loop
//!   POSTing the same pre-serialized bytes to the same mock. Target: ≥ 0.9×.
//!
//! `cargo bench -p certcentral --bench order`

use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
use certcentral::{ApiKey, Client, RateLimits, RetryPolicy};
use certcentral_mock::{MockConfig, MockServer};
use divan::{Bencher, black_box};
use serde_json::{Value, json};

fn main() {
    divan::main();
}

/// Every product of the spec, from the rules table.
fn products() -> impl Iterator<Item = &'static str> {
    certcentral_table::TABLE.products.iter().map(|p| p.id)
}

fn body(product: &str, large: bool) -> Value {
    let emails: Vec<String> = (0..if large { 50 } else { 1 })
        .map(|i| format!("user{i}@example.com"))
        .collect();
    let mut body = json!({
        "certificate": { "emails": emails, "signature_hash": "sha256" },
        "order_validity": { "years": 1 },
        "skip_approval": true,
        "alternative_order_id": "bench42"
    });
    if large {
        body["custom_fields"] = json!(
            (0..50)
                .map(|i| json!({ "metadata_id": i, "value": format!("value {i}") }))
                .collect::<Vec<_>>()
        );
        body["organization_contact"] = json!({ "first_name": "Bob", "last_name": "Admin", "email": "bob@example.com", "telephone": "555-0100" });
        body["technical_contact"] =
            json!({ "first_name": "Tia", "last_name": "Tech", "email": "tia@example.com" });
        body["payment_method"] = json!("card");
        body["credit_card"] = json!({ "number": "4111111111111111", "expiration_month": 7, "expiration_year": 2031, "cvv": 123, "cardholder_name": "Alice Example" });
        body["billing_address"] = json!({ "address": "1 Main St", "city": "Lehi", "state": "UT", "zip": "84043", "country": "us" });
        body["vat_number"] = json!("GB123456789");
    }
    // What the product needs beyond these (a common name, an organization, the indicator
    // and names) comes from the rules table, so a new product needs no edit here.
    certcentral_table::TABLE
        .complete(product, body)
        .unwrap_or_else(|| panic!("the rules table admits no {product} order"))
}

fn case(product: &str, large: bool) -> (ClientCertificateId, OrderClientCertificateRequest) {
    let request: OrderClientCertificateRequest =
        serde_json::from_value(body(product, large)).unwrap_or_else(|e| panic!("{product}: {e}"));
    (product.parse().unwrap_or_else(|e| panic!("{e}")), request)
}

/// Both sides with the same fixed sample size: divan's calibration otherwise gives the first
/// benchmark of a group too few iterations per sample for a ~150 ns body (timer precision).
mod overhead {
    use super::*;

    #[divan::bench(args = products(), consts = [false, true], sample_count = 200, sample_size = 200)]
    fn floor_to_vec<const LARGE: bool>(bencher: Bencher, product: &str) {
        let (_, request) = case(product, LARGE);
        bencher.bench(|| serde_json::to_vec(black_box(&request)).map(|v| v.len()));
    }

    #[divan::bench(args = products(), consts = [false, true], sample_count = 200, sample_size = 200)]
    fn validate_and_to_vec<const LARGE: bool>(bencher: Bencher, product: &str) {
        let (id, request) = case(product, LARGE);
        assert!(
            certcentral::validate(id, &request).is_ok(),
            "{product} is valid"
        );
        bencher.bench(|| {
            let request = black_box(&request);
            certcentral::validate(id, request).map(|_| serde_json::to_vec(request).map(|v| v.len()))
        });
    }
}

/// Where `validate_and_to_vec` spends its time (for optimisation work).
mod breakdown {
    use super::*;

    #[divan::bench(args = ["class1_smime", "client_premium"], consts = [false, true])]
    fn to_value<const LARGE: bool>(bencher: Bencher, product: &str) {
        let (_, request) = case(product, LARGE);
        bencher.bench(|| serde_json::to_value(black_box(&request)).is_ok());
    }

    /// The compiled checks alone (what `validate` costs for a clean typed order).
    #[divan::bench(args = ["class1_smime", "client_premium"], consts = [false, true])]
    fn compiled_checks<const LARGE: bool>(bencher: Bencher, product: &str) {
        let (id, request) = case(product, LARGE);
        bencher.bench(|| certcentral::__private::is_clean(id, black_box(&request)));
    }

    #[divan::bench(args = ["class1_smime", "client_premium"], consts = [false, true])]
    fn validate_value<const LARGE: bool>(bencher: Bencher, product: &str) {
        let value = body(product, LARGE);
        bencher.bench(|| certcentral_table::validate(product, black_box(&value)).is_valid());
    }
}

mod loopback {
    use super::*;

    /// Orders per iteration: each iteration is a sequential burst, on a fresh connection pool.
    const BURST: usize = 50;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn mock(rt: &tokio::runtime::Runtime) -> MockServer {
        rt.block_on(MockServer::start(
            MockConfig::default().rate_limits(Vec::new()),
        ))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[divan::bench(sample_count = 20, sample_size = 1)]
    fn raw_reqwest_floor(bencher: Bencher) {
        let rt = runtime();
        let server = mock(&rt);
        let (id, request) = case("class1_smime", false);
        let bytes = serde_json::to_vec(&request).unwrap_or_default();
        let url = server.order_url(&id.to_string());
        // reqwest is built here with the SDK's features (rustls without a default provider).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::new();
        bencher
            .counter(divan::counter::ItemsCount::new(BURST))
            .bench_local(|| {
                rt.block_on(async {
                    for _ in 0..BURST {
                        let r = http
                            .post(&url)
                            .header(certcentral::API_KEY_HEADER, server.api_key())
                            .header("Content-Type", "application/json")
                            .body(bytes.clone())
                            .send()
                            .await
                            .unwrap_or_else(|e| panic!("{e}"));
                        assert_eq!(r.status(), 201);
                        black_box(r.bytes().await.unwrap_or_default());
                    }
                })
            });
    }

    #[divan::bench(sample_count = 20, sample_size = 1)]
    fn sdk_client(bencher: Bencher) {
        let rt = runtime();
        let server = mock(&rt);
        let (id, request) = case("class1_smime", false);
        let client = Client::builder(ApiKey::new(server.api_key()))
            .base_url(server.base_url())
            .pacing(RateLimits::none())
            .retry(RetryPolicy::none())
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        bencher
            .counter(divan::counter::ItemsCount::new(BURST))
            .bench_local(|| {
                rt.block_on(async {
                    for _ in 0..BURST {
                        black_box(
                            client
                                .order(id, &request)
                                .await
                                .unwrap_or_else(|e| panic!("{e}")),
                        );
                    }
                })
            });
    }
}
