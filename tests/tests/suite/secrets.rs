//! The API key, card number and CVV never reach Debug, Display, an error, or a log line, in a
//! full order run: success, retries, unknown outcomes, server echoes and validation failures.

use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
use certcentral::{ApiKey, Client, Error, RetryPolicy};
use certcentral_mock::{Fault, MockConfig, MockServer};
use certcentral_tests::{request, valid_body};
use serde_json::json;
use std::time::Duration;

const KEY: &str = "KEY7f3c9a1eSECRETd2b8";
const CARD: &str = "4929123456781234";
const CVV: i64 = 7319;

fn card_order(cvv: i64, number: &str) -> OrderClientCertificateRequest {
    let mut body = valid_body("class1_smime");
    body["payment_method"] = json!("card");
    body["credit_card"] = json!({
        "number": number, "expiration_month": 12, "expiration_year": 2031,
        "cvv": cvv, "cardholder_name": "Alice Example"
    });
    body["billing_address"] = json!({ "address": "1 Main St", "city": "Lehi", "country": "us" });
    request(body)
}

/// Whether `text` shows any secret (the CVV only as a whole number).
fn leaks(text: &str) -> Option<&'static str> {
    if text.contains(KEY) {
        return Some("api key");
    }
    if text.contains(CARD) {
        return Some("card number");
    }
    let cvv = CVV.to_string();
    let shows_cvv = text.match_indices(&cvv).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + cvv.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    });
    shows_cvv.then_some("cvv")
}

#[tokio::test]
async fn no_secret_in_debug_display_errors_or_logs() {
    let (capture, _guard) = certcentral_tests::Logs::capture(false);

    let server = MockServer::start(MockConfig::default().api_keys([KEY]))
        .await
        .unwrap();
    let client = Client::builder(ApiKey::new(KEY))
        .base_url(server.base_url())
        .lookup(certcentral_tests::fast_lookup())
        .timeout(Duration::from_millis(300))
        .retry(
            RetryPolicy::default()
                .base_delay(Duration::from_millis(5))
                .max_delay(Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    let order = card_order(CVV, CARD);
    let mut shown: Vec<String> = vec![
        format!("{client:?}"),
        format!("{order:?}"),
        format!("{:?}", order.credit_card),
    ];

    // Success, after a retried maintenance page.
    server.inject(Fault::Maintenance);
    let placed = client
        .order(ClientCertificateId::Class1Smime, &order)
        .await
        .unwrap();
    shown.push(format!("{placed:?}"));
    assert_eq!(server.ledger().len(), 1, "the order went through");
    assert_eq!(
        server.ledger()[0].json()["credit_card"]["cvv"],
        CVV,
        "the secret is still sent"
    );

    // Every failure, including a server that echoes the secrets back.
    let echo = format!("<html>key {KEY} card {CARD} cvv {CVV}</html>");
    for fault in [
        Fault::CloseAfterRecording,
        Fault::InternalError,
        Fault::TruncatedBody,
        Fault::MalformedJson,
        Fault::Delay(Duration::from_millis(500)),
        Fault::Respond {
            status: 500,
            content_type: "text/html".into(),
            body: echo.clone(),
        },
        Fault::Respond {
            status: 503,
            content_type: "text/html".into(),
            body: echo.clone(),
        },
        Fault::Respond {
            status: 302,
            content_type: "text/html".into(),
            body: echo.clone(),
        },
        Fault::Respond {
            status: 201,
            content_type: "application/json".into(),
            body: format!("{{\"id\": \"{KEY}{CARD}\""),
        },
        Fault::Respond {
            status: 400,
            content_type: "application/json".into(),
            body: format!(
                r#"{{"errors":[{{"code":"card_declined","message":"card {CARD} with cvv {CVV} declined"}}]}}"#
            ),
        },
    ] {
        for _ in 0..4 {
            server.inject(fault.clone());
        }
        // An order created and unanswered is found by its alternative id; every other fault
        // is an error, which must not quote what the server echoed.
        match client.order(ClientCertificateId::Class1Smime, &order).await {
            Ok(found) => shown.push(format!("{found:?}")),
            Err(err) => {
                shown.push(format!("{err:?}"));
                shown.push(err.to_string());
            }
        }
        while server.pending_faults() > 0 {
            let _ = client.order(ClientCertificateId::Class1Smime, &order).await;
        }
    }

    // Validation failures about the secrets themselves.
    for bad in [
        card_order(73_190, CARD),
        card_order(CVV, "4929-1234-5678-1234"),
        card_order(CVV, &format!("{CARD}999999")),
    ] {
        let err = client
            .order(ClientCertificateId::Class1Smime, &bad)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidOrder(_)), "{err:?}");
        shown.push(format!("{err:?}"));
        shown.push(err.to_string());
    }
    let cvv_error =
        certcentral::validate(ClientCertificateId::Class1Smime, &card_order(73_190, CARD))
            .unwrap_err();
    assert!(!cvv_error.to_string().contains("73190"), "{cvv_error}");

    drop(client);
    certcentral_tests::within(server.wait_idle(), "the late orders landed").await;
    let logs = capture.text();
    assert!(logs.contains("sending order"), "the run was logged: {logs}");
    assert!(logs.contains("retrying"), "{logs}");
    shown.push(logs);
    for text in &shown {
        assert_eq!(leaks(text), None, "a secret leaked in:\n{text}");
    }
}

#[test]
fn secret_types_redact_debug() {
    let number = certcentral::CardNumber::from(CARD);
    let cvv = certcentral::CardVerificationValue::from(7319i64);
    assert_eq!(format!("{number:?}"), "CardNumber(<redacted>)");
    assert_eq!(format!("{cvv:?}"), "CardVerificationValue(<redacted>)");
    assert_eq!(number.expose(), CARD);
    assert_eq!(serde_json::to_value(&cvv).unwrap(), json!(7319));
}

/// A server that pads its answer so that the read limit cuts through the echoed key: no part of
/// the key of four characters or more reaches the error or the log, wherever the cut falls.
#[tokio::test]
async fn a_key_cut_by_the_read_limit_leaves_no_part_of_itself() {
    let (capture, _guard) = certcentral_tests::Logs::capture(false);

    let server = MockServer::start(MockConfig::default().api_keys([KEY]))
        .await
        .unwrap();
    let client = Client::builder(ApiKey::new(KEY))
        .base_url(server.base_url())
        .lookup(certcentral_tests::fast_lookup())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let order = request(valid_body("class1_smime"));
    for kept in 1..KEY.len() {
        for (status, content_type) in [(400, "text/plain"), (500, "text/html"), (200, "text/plain")]
        {
            let padding = " ".repeat(certcentral::MAX_RESPONSE_BYTES - kept);
            server.inject(Fault::Respond {
                status,
                content_type: content_type.into(),
                body: format!("{padding}{KEY} and more"),
            });
            let err = client
                .order(ClientCertificateId::Class1Smime, &order)
                .await
                .unwrap_err();
            for text in [err.to_string(), format!("{err:?}")] {
                for part in (4..=kept).map(|n| &KEY[..n]) {
                    assert!(
                        !text.contains(part),
                        "{kept} kept, HTTP {status}: `{part}` in {text}"
                    );
                }
            }
        }
    }
    let logs = capture.text();
    assert!(
        logs.contains("order failed"),
        "the failures were logged: {logs}"
    );
    assert!(!logs.contains(&KEY[..4]), "{logs}");
}
