//! The fault matrix: every fault × every retry setting × unique alternative ids on and off.
//! Invariants, read from the mock's ledger: no order is created twice, and every order the
//! server created is either returned or reported as outcome-unknown with its alternative id.

use certcentral::types::ClientCertificateId;
use certcentral::{Error, RetryPolicy};
use certcentral_mock::{Fault, MockConfig, MockServer};
use certcentral_tests::{request, valid_body};
use std::time::Duration;

fn faults() -> Vec<Option<Fault>> {
    let html = |status: u16| Fault::Respond {
        status,
        content_type: "text/html".into(),
        body: "<html><body>upstream trouble</body></html>".into(),
    };
    vec![
        None,
        Some(Fault::Delay(Duration::from_millis(30))),
        Some(Fault::Delay(Duration::from_millis(500))),
        Some(Fault::CloseBeforeRecording),
        Some(Fault::CloseAfterRecording),
        Some(Fault::Maintenance),
        Some(Fault::RateLimited),
        Some(Fault::InternalError),
        Some(Fault::TruncatedBody),
        Some(Fault::MalformedJson),
        Some(Fault::UnlistedStatus("waiting_pickup".into())),
        Some(Fault::ExtraFields),
        Some(html(502)),
        Some(html(504)),
        Some(html(302)),
        Some(Fault::Respond {
            status: 200,
            content_type: "application/json".into(),
            body: "{}".into(),
        }),
    ]
}

#[tokio::test]
async fn no_duplicate_and_no_lost_order_under_any_fault() {
    let retries = [
        ("no retries", RetryPolicy::none()),
        (
            "retries",
            RetryPolicy::default()
                .base_delay(Duration::from_millis(5))
                .max_delay(Duration::from_millis(20)),
        ),
    ];
    for fault in faults() {
        for (retry_name, retry) in retries {
            for unique in [false, true] {
                let case = format!("{fault:?} / {retry_name} / unique ids {unique}");
                let server =
                    MockServer::start(MockConfig::default().unique_alternative_order_ids(unique))
                        .await
                        .unwrap();
                let client = certcentral_tests::client_for(&server)
                    .timeout(Duration::from_millis(250))
                    .retry(retry)
                    .build()
                    .unwrap();
                // The same fault twice in a row, so that a retry meets it again.
                for f in fault.iter().chain(fault.iter()) {
                    server.inject(f.clone());
                }
                let result = client
                    .order(
                        ClientCertificateId::Class1Smime,
                        &request(valid_body("class1_smime")),
                    )
                    .await;
                if matches!(fault, Some(Fault::Delay(d)) if d > Duration::from_millis(250)) {
                    // Let the late order land before reading the ledger.
                    tokio::time::sleep(Duration::from_millis(900)).await;
                }
                let ledger = server.ledger();
                assert!(ledger.len() <= 1, "{case}: duplicate orders {ledger:?}");
                match (&result, ledger.first()) {
                    (Ok(placed), Some(entry)) => {
                        assert_eq!(placed.order_id().unwrap(), entry.order_id, "{case}");
                        assert_eq!(
                            Some(&placed.alternative_order_id),
                            entry.alternative_order_id.as_ref(),
                            "{case}"
                        );
                    }
                    (Ok(placed), None) => {
                        panic!("{case}: returned an order the server does not have: {placed:?}")
                    }
                    (
                        Err(Error::OutcomeUnknown {
                            alternative_order_id,
                            ..
                        }),
                        entry,
                    ) => {
                        assert!(alternative_order_id.is_some(), "{case}");
                        if let Some(entry) = entry {
                            assert_eq!(alternative_order_id, &entry.alternative_order_id, "{case}");
                        }
                    }
                    (Err(e), Some(entry)) => panic!(
                        "{case}: order {} was created but reported as {e:?}",
                        entry.order_id
                    ),
                    (Err(_), None) => {}
                }
            }
        }
    }
}
