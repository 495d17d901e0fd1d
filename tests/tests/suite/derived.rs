//! A derived order on its way out: validated once, its warnings logged once.

// The derive turns the ignored parameter into a compile-time warning (a deprecated item);
// it is what this test is about.
#![allow(deprecated)]

use certcentral::types::SignatureHash;
use certcentral::{ClientCertificateOrder, RetryPolicy};
use certcentral_mock::MockConfig;

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256")]
struct WithDeprecated {
    emails: Vec<String>,
    #[order(param = "order_validity.years")]
    years: u8,
    validity_years: Option<u8>,
}

#[tokio::test]
async fn a_derived_order_is_validated_once_and_warns_once() {
    let (capture, _guard) = certcentral_tests::Logs::capture(false);

    let (server, client) =
        certcentral_tests::mock_and_client(MockConfig::default(), RetryPolicy::none()).await;
    let order = WithDeprecated {
        emails: vec!["alice@example.com".into()],
        years: 1,
        validity_years: Some(1),
    };
    let placed = client.submit(&order).await.unwrap();
    assert_eq!(placed.order_id(), Some(server.ledger()[0].order_id));
    assert_eq!(placed.warnings.len(), 1, "{:?}", placed.warnings);
    assert_eq!(placed.warnings[0].rule, "deprecated.validity_years");

    let logs = capture.text();
    assert_eq!(
        logs.matches("validity_years is deprecated").count(),
        1,
        "warned once:\n{logs}"
    );
    // Converting by hand validates too (and leaves the logging to the caller).
    assert!(order.try_into_request().is_ok());
}

/// Values only run time knows, of other Rust types than the generated ones.
#[derive(ClientCertificateOrder)]
#[order(
    product = "client_premium",
    common_name_indicator = "given_name_surname"
)]
struct FromAForm {
    common_name: String,
    emails: Vec<&'static str>,
    #[order(param = "certificate.signature_hash")]
    hash: String,
    #[order(param = "certificate.individual.first_name")]
    first: Box<str>,
    #[order(param = "certificate.individual.last_name")]
    last: std::sync::Arc<str>,
    #[order(param = "organization.id")]
    org: u64,
    #[order(param = "order_validity.years")]
    years: u64,
    enable_guest_access: Option<u8>,
}

fn form() -> FromAForm {
    FromAForm {
        common_name: "Ada Example".into(),
        emails: vec!["ada@example.com"],
        hash: "sha256".into(),
        first: "Ada".into(),
        last: "Example".into(),
        org: 112233,
        years: 2,
        enable_guest_access: Some(1),
    }
}

#[test]
fn a_derived_order_becomes_the_typed_request_directly() {
    let request = form().try_into_request().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(request.certificate.signature_hash, SignatureHash::Sha256);
    assert_eq!(request.order_validity.years, Some(2));
    assert_eq!(
        request.organization.as_ref().and_then(|o| o.id),
        Some(112233)
    );
    assert_eq!(request.enable_guest_access.as_deref(), Some(&1));
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        serde_json::json!({
            "certificate": {
                "common_name": "Ada Example",
                "common_name_indicator": "given_name_surname",
                "emails": ["ada@example.com"],
                "individual": { "first_name": "Ada", "last_name": "Example" },
                "signature_hash": "sha256",
            },
            "organization": { "id": 112233 },
            "order_validity": { "years": 2 },
            "enable_guest_access": 1,
        })
    );
}

#[test]
fn values_that_cannot_become_their_parameter_are_named_with_their_rule_all_at_once() {
    let invalid = FromAForm {
        hash: "sha1".into(),
        years: u64::MAX,
        enable_guest_access: Some(7),
        ..form()
    }
    .try_into_request()
    .unwrap_err();
    let mut found: Vec<(&str, &str)> = invalid
        .violations
        .iter()
        .map(|v| (v.rule, v.path.as_str()))
        .collect();
    found.sort_unstable();
    assert_eq!(
        found,
        [
            ("schema.enum", "certificate.signature_hash"),
            ("schema.enum", "enable_guest_access"),
            ("schema.range", "order_validity.years"),
        ],
        "{invalid}"
    );
    // In the spec's range but not in the generated `i32`: the type's limit is named.
    let too_big = FromAForm {
        org: u64::MAX,
        ..form()
    }
    .try_into_request()
    .unwrap_err();
    assert_eq!(too_big.violations.len(), 1, "{too_big}");
    assert_eq!(too_big.violations[0].path, "organization.id");
}
