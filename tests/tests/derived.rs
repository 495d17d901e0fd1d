//! A derived order on its way out: validated once, its warnings logged once.

// The derive turns the ignored parameter into a compile-time warning (a deprecated item);
// it is what this test is about.
#![allow(deprecated)]

use certcentral::{ClientCertificateOrder, RetryPolicy};
use certcentral_mock::MockConfig;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256")]
struct WithDeprecated {
    emails: Vec<String>,
    #[order(param = "order_validity.years")]
    years: u8,
    validity_years: Option<u8>,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_derived_order_is_validated_once_and_warns_once() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

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

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert_eq!(
        logs.matches("validity_years is deprecated").count(),
        1,
        "warned once:\n{logs}"
    );
    // Converting by hand validates too (and leaves the logging to the caller).
    assert!(order.try_into_request().is_ok());
}
