//! The client on real HTTP over loopback against the mock: what is sent, and how each answer
//! comes back.
//!
//! One file over 400 lines, on purpose: one test per answer a server can give (and per URL
//! rule), most through the same `class1_error` helper.

use certcentral::types::ClientCertificateId;
use certcentral::{Error, RequestStatus, RetryPolicy};
use certcentral_mock::{Fault, MockConfig, MockServer};
use certcentral_tests::{mock_and_client, request, valid_body};
use serde_json::{Value, json};
use std::time::Duration;

/// The error a Class 1 order gets when the mock answers with `fault` (no retries), and the mock.
async fn class1_error(fault: Fault) -> (MockServer, Error) {
    let (server, client) = mock_and_client(MockConfig::default(), RetryPolicy::none()).await;
    server.inject(fault);
    let err = client
        .order(
            ClientCertificateId::Class1Smime,
            &request(valid_body("class1_smime")),
        )
        .await
        .unwrap_err();
    (server, err)
}

#[tokio::test]
async fn sends_method_path_key_content_type_and_body() {
    let (server, client) = mock_and_client(MockConfig::default(), RetryPolicy::none()).await;
    let mut body = valid_body("client_premium");
    body["alternative_order_id"] = json!("order42");
    let placed = client
        .order(ClientCertificateId::ClientPremium, &request(body.clone()))
        .await
        .unwrap();

    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    let sent = &sent[0];
    assert_eq!(sent.method, "POST");
    let url = reqwest::Url::parse(&server.order_url("client_premium")).unwrap();
    assert_eq!(sent.path, url.path());
    assert_eq!(
        sent.header(certcentral::API_KEY_HEADER),
        Some(server.api_key())
    );
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(serde_json::from_slice::<Value>(&sent.body).unwrap(), body);

    assert_eq!(placed.order_id().unwrap(), 112233);
    assert_eq!(placed.alternative_order_id, "order42");
    assert_eq!(server.ledger()[0].order_id, placed.order_id().unwrap());
}

#[tokio::test]
async fn a_201_comes_back_typed() {
    let (server, client) = mock_and_client(
        MockConfig::default().prevalidated(true),
        RetryPolicy::none(),
    )
    .await;
    let mut body = valid_body("class1_smime");
    body["skip_approval"] = json!(true);
    let placed = client
        .order(ClientCertificateId::Class1Smime, &request(body))
        .await
        .unwrap();
    assert_eq!(
        placed.response.as_ref().unwrap().requests[0].status,
        RequestStatus::Approved
    );
    assert_eq!(placed.response.as_ref().unwrap().certificate_id, Some(113));
    assert_eq!(placed.attempts, 1);
    assert_eq!(server.ledger().len(), 1);
}

#[tokio::test]
async fn a_400_with_two_errors_keeps_both() {
    let (server, err) = class1_error(Fault::Respond {
        status: 400,
        content_type: "application/json".into(),
        body: r#"{"errors":[{"code":"invalid_email","message":"Email is invalid."},{"code":"not_found|organization","message":"Organization not found."}]}"#.into(),
    }).await;
    let Error::Api { status, errors } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 400);
    let codes: Vec<_> = errors
        .iter()
        .map(|e| (e.code.as_str(), e.base_code()))
        .collect();
    assert_eq!(
        codes,
        [
            ("invalid_email", "invalid_email"),
            ("not_found|organization", "not_found")
        ]
    );
    assert_eq!(errors[1].message, "Organization not found.");
    assert!(
        err.to_string()
            .contains("not_found|organization: Organization not found."),
        "{err}"
    );
    assert!(server.ledger().is_empty());
}

#[tokio::test]
async fn the_mock_s_own_400_lists_every_violation() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let mut body = valid_body("client_premium");
    body["order_validity"] = json!({ "years": 7 });
    body["certificate"]["individual"] = json!({ "first_name": "Alice", "pseudonym": "A" });
    let (status, codes) =
        certcentral_tests::post_unvalidated(&server, "client_premium", &body).await;
    assert_eq!(status, 400);
    assert_eq!(
        codes,
        [
            "invalid_request|schema.range",
            "invalid_request|individual.given_name_surname",
            "invalid_request|individual.given_name_surname_no_pseudonym"
        ]
    );
}

#[tokio::test]
async fn errors_sent_as_an_object_are_kept() {
    let (_server, err) = class1_error(Fault::Respond {
        status: 403,
        content_type: "application/json".into(),
        body: r#"{"errors":{"code":"access_denied","message":"No permission."}}"#.into(),
    })
    .await;
    let Error::Api {
        status: 403,
        errors,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (errors[0].code.as_str(), errors[0].message.as_str()),
        ("access_denied", "No permission.")
    );
}

#[tokio::test]
async fn a_429_is_rate_limited_with_retry_after() {
    let (server, err) = class1_error(Fault::RateLimited).await;
    let Error::RateLimited {
        retry_after,
        errors,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*retry_after, Some(std::time::Duration::from_secs(1)));
    assert_eq!(errors[0].code, "request_limit_exceeded");
    assert!(err.is_retryable());
    assert!(server.ledger().is_empty());
}

#[tokio::test]
async fn an_html_503_is_unavailable_with_a_bounded_snippet() {
    let (server, err) = class1_error(Fault::Maintenance).await;
    let Error::Unavailable {
        retry_after,
        snippet,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*retry_after, Some(std::time::Duration::from_secs(1)));
    assert!(
        snippet.contains("CertCentral is down for maintenance"),
        "{snippet}"
    );
    assert!(!snippet.contains('<'), "markup is stripped: {snippet}");
    assert!(server.ledger().is_empty());
}

#[tokio::test]
async fn an_unlisted_status_keeps_the_order_id() {
    let (server, client) = mock_and_client(MockConfig::default(), RetryPolicy::none()).await;
    server.inject(Fault::UnlistedStatus("waiting_pickup".into()));
    let placed = client
        .order(
            ClientCertificateId::Class1Smime,
            &request(valid_body("class1_smime")),
        )
        .await
        .unwrap();
    assert_eq!(placed.order_id().unwrap(), server.ledger()[0].order_id);
    assert_eq!(
        placed.response.as_ref().unwrap().requests[0].status,
        RequestStatus::from("waiting_pickup")
    );
}

/// Plain HTTP only to loopback, decided on the URL as parsed (WHATWG, the `url` crate that
/// reqwest dials with), never on its text: each row is a way to make text look like loopback.
#[test]
fn plain_http_is_refused_except_on_loopback_however_the_url_is_written() {
    let build = |url: &str| {
        certcentral::Client::builder(certcentral::ApiKey::new("k"))
            .base_url(url)
            .build()
    };
    // Accepted, with the URL the client will dial: what was checked is what is used.
    for (ok, dialled) in [
        (
            "http://127.0.0.1:9/services/v2",
            "http://127.0.0.1:9/services/v2",
        ),
        (
            "http://127.1:9/services/v2",
            "http://127.0.0.1:9/services/v2",
        ),
        (
            "http://2130706433:9/services/v2",
            "http://127.0.0.1:9/services/v2",
        ),
        ("http://127.0.0.1.:9/x", "http://127.0.0.1:9/x"),
        (
            "HTTP://LOCALHOST:9/services/v2/",
            "http://localhost:9/services/v2",
        ),
        ("http://%6c%6fcalhost:9", "http://localhost:9"),
        ("http://[::1]:9/x", "http://[::1]:9/x"),
        // A backslash is a path separator in a special URL: the host is loopback.
        (
            "http://127.0.0.1\\@evil.invalid",
            "http://127.0.0.1/@evil.invalid",
        ),
        ("https://a.example", "https://a.example"),
        (
            "HTTPS://WWW.DIGICERT.COM/services/v2",
            "https://www.digicert.com/services/v2",
        ),
    ] {
        match build(ok) {
            Ok(client) => assert_eq!(client.base_url(), dialled, "{ok}"),
            Err(e) => panic!("{ok}: {e}"),
        }
    }
    for bad in [
        // User info: the text before `@` looks like loopback, the host is not.
        "http://127.0.0.1:80@evil.invalid/services/v2",
        "http://127.0.0.1:@evil.invalid/services/v2",
        "http://localhost:x@evil.invalid/services/v2",
        "http://[::1]@evil.invalid/services/v2",
        "http://127.0.0.1\t@evil.invalid/services/v2",
        "http://127.0.0.1%40evil.invalid@evil.invalid/",
        // User info is refused over HTTPS too: it is a credential in a URL.
        "https://user:hunter2@www.digicert.com/services/v2",
        "https://user@www.digicert.com/services/v2",
        // Hosts that are not loopback, however written.
        "http://%65vil.invalid/services/v2",
        "http://127.0.0.1%2eevil.invalid/",
        "http://[::ffff:127.0.0.1]:9/",
        "http://[::ffff:7f00:1]:9/",
        "http://0.0.0.0:8080/",
        "http://0/",
        "http://localhost./",
        "http://localhost.evil.invalid/",
        "http://127.0.0.1.evil.invalid/",
        "http://evil.invalid\\@127.0.0.1/",
        "HTTP://EVIL.INVALID/",
        "http://10.0.0.1/services/v2",
        "http://example.com",
        // What is left of the text after the host must be a path.
        "http://evil.invalid#@127.0.0.1/",
        "http://evil.invalid?@127.0.0.1/",
        "http://127.0.0.1:9/services/v2?x=1",
        // Not URLs the client can use.
        "ftp://example.com",
        "https://",
        "127.0.0.1:80",
        "http://[::1",
        "javascript:alert(1)",
        "",
    ] {
        match build(bad) {
            Err(Error::Config(message)) => {
                assert!(message.starts_with("base_url: "), "{bad}: {message}");
                assert!(!message.contains("hunter2"), "{bad}: {message}");
            }
            Err(other) => panic!("{bad}: {other:?}"),
            Ok(client) => panic!("{bad} was accepted as {}", client.base_url()),
        }
    }
}

/// The accepted spelling of loopback is what the order goes to.
#[tokio::test]
async fn an_order_goes_to_the_host_that_was_checked() {
    let server = certcentral_mock::MockServer::start(MockConfig::default())
        .await
        .unwrap();
    let url = format!("http://127.1:{}/services/v2", server.addr().port());
    let client = certcentral::Client::builder(certcentral::ApiKey::new(server.api_key()))
        .base_url(url)
        .build()
        .unwrap();
    let placed = client
        .order(
            ClientCertificateId::Class1Smime,
            &request(valid_body("class1_smime")),
        )
        .await
        .unwrap();
    assert_eq!(placed.order_id().unwrap(), server.ledger()[0].order_id);
}

#[test]
fn the_key_never_shows_in_debug() {
    let client = certcentral::Client::builder(certcentral::ApiKey::new("SUPER-SECRET-KEY"))
        .build()
        .unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains("SUPER-SECRET-KEY"), "{debug}");
    assert!(debug.contains("ApiKey(<redacted>)"), "{debug}");
}

#[tokio::test]
async fn a_4xx_html_page_is_unexpected_with_its_status_and_text() {
    let (server, err) = class1_error(Fault::Respond {
        status: 403,
        content_type: "text/html".into(),
        body: "<html><body><h1>Request blocked by the firewall</h1></body></html>".into(),
    })
    .await;
    let Error::UnexpectedResponse { status, snippet } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 403);
    assert_eq!(snippet, "Request blocked by the firewall");
    assert!(!err.is_retryable());
    assert!(server.ledger().is_empty());
}

/// A server that keeps answering 503 with `Retry-After: 3600` does not hold a call past its
/// deadline: the wait it asks for is not taken, and the answer comes back at once.
#[tokio::test]
async fn a_long_retry_after_is_not_waited_past_the_deadline() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let client = certcentral_tests::client_for(&server)
        .retry(RetryPolicy::default().max_delay(Duration::from_secs(7200)))
        .deadline(Duration::from_secs(5))
        .build()
        .unwrap();
    for _ in 0..4 {
        server.inject(Fault::MaintenanceFor(Duration::from_secs(3600)));
    }
    let order = request(valid_body("class1_smime"));
    let call = client.order(ClientCertificateId::Class1Smime, &order);
    let err = certcentral_tests::within(call, "an order against an hour-long Retry-After")
        .await
        .unwrap_err();
    let Error::Unavailable { retry_after, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*retry_after, Some(Duration::from_secs(3600)));
    assert_eq!(server.requests().len(), 1, "no retry fits in the deadline");
    assert!(server.ledger().is_empty());
}

/// Retries stop when the next one would start past the deadline, however many are allowed.
#[tokio::test]
async fn retries_stop_at_the_deadline() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let client = certcentral_tests::client_for(&server)
        .retry(RetryPolicy::default().max_attempts(20).jitter(false))
        .deadline(Duration::from_millis(2500))
        .build()
        .unwrap();
    for _ in 0..20 {
        server.inject(Fault::Maintenance); // Retry-After: 1
    }
    let err = client
        .order(
            ClientCertificateId::Class1Smime,
            &request(valid_body("class1_smime")),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
    // Attempts at 0 s, 1 s and 2 s; the next would start at 3 s, past 2.5 s.
    let sent = server.requests().len();
    assert!(
        (1..=3).contains(&sent),
        "{sent} attempts in a 2.5 s deadline"
    );
}

/// Which 503 proves that nothing was created: one that says when to come back, or that
/// comes in CertCentral's own envelope. A gateway's bare 503 (an upstream reset, possibly
/// after the commit) does not.
#[tokio::test]
async fn only_a_503_that_declines_is_retryable() {
    let (server, err) = class1_error(Fault::Respond {
        status: 503,
        content_type: "text/html".into(),
        body: "<html><body>upstream connect error or disconnect/reset before headers</body></html>"
            .into(),
    })
    .await;
    let Error::OutcomeUnknown {
        alternative_order_id,
        reason,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(!alternative_order_id.is_empty());
    assert!(reason.contains("503"), "{reason}");
    assert!(
        reason.contains("no order yet"),
        "looked up, nothing found: {reason}"
    );
    assert_eq!(
        certcentral_tests::order_attempts(&server),
        1,
        "never replayed"
    );

    let (server, err) = class1_error(Fault::Respond {
        status: 503,
        content_type: "application/json".into(),
        body: r#"{"errors":[{"code":"service_unavailable","message":"Down for maintenance."}]}"#
            .into(),
    })
    .await;
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(server.ledger().is_empty());

    let (_, err) = class1_error(Fault::MaintenanceFor(Duration::from_secs(5))).await;
    assert!(
        matches!(err, Error::Unavailable { retry_after: Some(d), .. } if d == Duration::from_secs(5)),
        "{err:?}"
    );
}

/// A transport failure keeps its cause: `source()` walks down to the I/O error.
#[tokio::test]
async fn a_transport_error_keeps_its_source_chain() {
    let (_bound, base_url) = certcentral_tests::refusing_base_url();
    let client = certcentral::Client::builder(certcentral::ApiKey::new("k"))
        .base_url(base_url)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client
        .order(
            ClientCertificateId::Class1Smime,
            &request(valid_body("class1_smime")),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotSent { .. }), "{err:?}");
    let mut chain = Vec::new();
    let mut cause = std::error::Error::source(&err);
    while let Some(c) = cause {
        chain.push(c.to_string());
        cause = c.source();
    }
    assert!(chain.len() >= 2, "{chain:?}");
    assert!(
        chain
            .iter()
            .any(|c| c.to_lowercase().contains("connection refused")),
        "{chain:?}"
    );
}
