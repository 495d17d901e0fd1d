//! The wire follows the spec: a copy of the workspace whose order operation is edited in
//! `spec/openapi.yaml` alone (a new path, a new header and a new query parameter, each with its
//! documented value), regenerated and built, orders through the client against the mock, and
//! both follow with no hand edit.
//!
//! The copy builds in its own target directory (`target/spec-change`, kept between runs):
//! sharing this workspace's would leave a second build of each crate beside the first, and
//! rustdoc could no longer tell them apart. The first run builds the dependencies once.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The copy's own target directory, inside this workspace's.
fn target_dir() -> PathBuf {
    certcentral_tests::target_dir().join("spec-change")
}

fn cargo(dir: &Path, args: &[&str]) {
    let status = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        // One-off builds of a copy: incremental state would only fill the disk.
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("CARGO_MANIFEST_DIR")
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "`cargo {}` failed in the edited copy",
        args.join(" ")
    );
}

/// An example added to the copy's client crate: one order against the mock, and what the
/// mock received.
const PROBE: &str = r#"
use certcentral::{ApiKey, Client, RetryPolicy};
use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
use certcentral_mock::{MockConfig, MockServer};

#[tokio::main]
async fn main() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let client = Client::builder(ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let order: OrderClientCertificateRequest = serde_json::from_value(serde_json::json!({
        "certificate": { "emails": ["alice@example.com"], "signature_hash": "sha256" },
        "order_validity": { "years": 1 }
    }))
    .unwrap();
    let placed = client.order(ClientCertificateId::Class1Smime, &order).await.unwrap();
    let sent = &server.requests()[0];
    assert_eq!(sent.path, "/services/v2/orders/client-certificates/class1_smime/new");
    assert_eq!(sent.header("x-certcentral-channel"), Some("sdk"));
    assert_eq!(sent.query, "locale=en");
    assert_eq!(placed.order_id(), Some(server.ledger()[0].order_id));
    println!("the client and the mock follow the edited operation");
}
"#;

#[test]
fn the_client_and_the_mock_follow_an_edited_operation() {
    let copy = std::env::temp_dir().join(format!("certcentral-spec-change-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    certcentral_tests::copy_workspace(&copy);

    let spec_path = copy.join("spec/openapi.yaml");
    let spec = std::fs::read_to_string(&spec_path).unwrap();
    let edited = spec
        .replace(
            "  /order/certificate/{client_certificate_id}:\n",
            "  /orders/client-certificates/{client_certificate_id}/new:\n",
        )
        .replace(
            "          schema:\n            $ref: \"#/components/schemas/ClientCertificateId\"\n",
            "          schema:\n            $ref: \"#/components/schemas/ClientCertificateId\"\n\
             \x20       - name: X-CertCentral-Channel\n\
             \x20         in: header\n\
             \x20         description: Which integration sent the order.\n\
             \x20         schema:\n\
             \x20           type: string\n\
             \x20           default: sdk\n\
             \x20       - name: locale\n\
             \x20         in: query\n\
             \x20         description: The language of messages.\n\
             \x20         schema:\n\
             \x20           type: string\n\
             \x20           default: en\n",
        );
    assert!(edited != spec, "the edit found what it replaces");
    assert!(edited.contains("/orders/client-certificates/{client_certificate_id}/new"));
    assert!(edited.contains("X-CertCentral-Channel"));
    std::fs::write(&spec_path, edited).unwrap();

    cargo(&copy, &["run", "--quiet", "-p", "certcentral-codegen"]);
    let wire = std::fs::read_to_string(copy.join("client/src/generated/wire.rs")).unwrap();
    assert!(wire.contains("/orders/client-certificates/"), "{wire}");
    std::fs::write(copy.join("tests/tests/probe_follows.rs"), PROBE).unwrap();
    cargo(
        &copy,
        &[
            "test",
            "--quiet",
            "-p",
            "certcentral-tests",
            "--test",
            "probe_follows",
        ],
    );
    let _ = std::fs::remove_dir_all(&copy);
}
