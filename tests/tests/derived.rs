//! A derived order on its way out: validated once, its warnings logged once.

// The derive turns the ignored parameter into a compile-time warning (a deprecated item);
// it is what this test is about.
#![allow(deprecated)]

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
