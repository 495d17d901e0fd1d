//! End to end over loopback against the mock: each product and lifecycle, each class of
//! rejection, authentication, rate limits and every injected fault. Every test checks both
//! what the client returned and what the mock's ledger holds.
//!
//! One file over 400 lines, on purpose: one test per lifecycle, rejection and fault, all
//! sharing the `products`, `fast_retries` and `with_fault` helpers.

use certcentral::types::ClientCertificateId;
use certcentral::{ApiKey, Client, Error, RequestStatus, RetryPolicy};
use certcentral_mock::{Fault, MockConfig, MockServer, RateLimit};
use certcentral_tests::{RawHttp, mock_and_client, request, valid_body};
use serde_json::json;
use std::time::Duration;

/// Every product of the spec, from the rules table.
fn products() -> Vec<ClientCertificateId> {
    certcentral_table::TABLE
        .products
        .iter()
        .map(|p| {
            p.id.parse()
                .expect("the table's products are the generated enum's")
        })
        .collect()
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(10))
        .max_delay(Duration::from_millis(50))
}

#[tokio::test]
async fn every_product_through_every_lifecycle() {
    for (prevalidated, skip_approval, status) in [
        (false, false, RequestStatus::Pending),
        (false, true, RequestStatus::Submitted),
        (true, true, RequestStatus::Approved),
    ] {
        let (server, client) = mock_and_client(
            MockConfig::default().prevalidated(prevalidated),
            RetryPolicy::none(),
        )
        .await;
        for (i, product) in products().into_iter().enumerate() {
            let mut body = valid_body(&product.to_string());
            body["skip_approval"] = json!(skip_approval);
            let placed = client.order(product, &request(body)).await.unwrap();
            let ledger = server.ledger();
            let entry = &ledger[i];
            assert_eq!(placed.order_id().unwrap(), entry.order_id);
            assert_eq!(
                placed.order_id().unwrap(),
                112233 + i as i64,
                "order ids increase"
            );
            assert_eq!(
                placed.response.as_ref().unwrap().requests[0].id,
                entry.request_id
            );
            assert_eq!(
                placed.response.as_ref().unwrap().requests[0].status,
                status,
                "{product}"
            );
            assert_eq!(entry.status, status);
            assert_eq!(entry.product, product.to_string());
            assert_eq!(
                placed.response.as_ref().unwrap().certificate_id,
                entry.certificate_id
            );
            assert_eq!(
                entry.certificate_id.is_some(),
                status == RequestStatus::Approved
            );
            assert_eq!(
                entry.alternative_order_id.as_deref(),
                Some(placed.alternative_order_id.as_str())
            );
        }
        assert_eq!(server.ledger().len(), products().len());
    }
}

#[tokio::test]
async fn a_new_organization_gets_an_id() {
    let (server, client) = mock_and_client(MockConfig::default(), RetryPolicy::none()).await;
    let mut body = valid_body("client_authentication_plus");
    body["organization"] =
        json!({ "name": "Example Ltd", "address": "1 High St", "city": "London", "country": "gb" });
    let placed = client
        .order(
            ClientCertificateId::ClientAuthenticationPlus,
            &request(body),
        )
        .await
        .unwrap();
    let org = placed.response.unwrap().organization.unwrap().id;
    assert_eq!(Some(org), server.ledger()[0].created_organization_id);
}

#[tokio::test]
async fn an_invalid_order_never_reaches_the_network() {
    let (server, client) = mock_and_client(MockConfig::default(), RetryPolicy::none()).await;
    for product in products() {
        let mut body = valid_body(&product.to_string());
        body["order_validity"] = json!({ "years": 4 });
        let err = client.order(product, &request(body)).await.unwrap_err();
        let Error::InvalidOrder(invalid) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(invalid.violations[0].rule, "schema.range");
    }
    assert!(server.requests().is_empty(), "nothing was sent");
    assert!(server.ledger().is_empty());
}

#[tokio::test]
async fn the_mock_rejects_what_the_client_would_have() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    for product in products() {
        let mut body = valid_body(&product.to_string());
        body["certificate"]["emails"] = json!([]);
        let (status, codes) =
            certcentral_tests::post_unvalidated(&server, &product.to_string(), &body).await;
        assert_eq!(status, 400, "{product}");
        assert_eq!(codes, ["invalid_request|schema.min_items"], "{product}");
    }
    assert_eq!(server.requests().len(), products().len());
    assert!(server.ledger().is_empty());
}

/// The spec's bounds on free text hold at the mock as in the client: a 65-character common
/// name and one with a line break are refused (RFC 5280's ub-common-name, one line), 64 is
/// taken.
#[tokio::test]
async fn the_mock_holds_common_names_to_one_line_of_64_characters() {
    let server = MockServer::start(MockConfig::default().prevalidated(true))
        .await
        .unwrap();
    let with = |cn: &str| {
        let mut body = valid_body("client_premium");
        body["certificate"]["common_name"] = json!(cn);
        body
    };
    for (cn, want) in [
        ("x".repeat(65), Some("invalid_request|schema.max_length")),
        (
            "Alice\r\nExample".to_string(),
            Some("invalid_request|schema.pattern"),
        ),
        ("x".repeat(64), None),
    ] {
        let body = with(&cn);
        let (status, codes) =
            certcentral_tests::post_unvalidated(&server, "client_premium", &body).await;
        match want {
            Some(code) => {
                assert_eq!((status, codes), (400, vec![code.to_string()]), "{cn:?}");
                let refused =
                    certcentral::validate(ClientCertificateId::ClientPremium, &request(body));
                assert!(refused.is_err(), "the client refuses it too: {cn:?}");
            }
            None => assert_eq!(status, 201, "{cn:?}: {codes:?}"),
        }
    }
    assert_eq!(server.ledger().len(), 1);
}

#[tokio::test]
async fn raw_rejections_unknown_product_and_bad_json() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let http = RawHttp::new();
    let url = |product: &str| server.order_url(product);
    let post = |product: &str, body: &'static str| {
        http.post(url(product))
            .header(certcentral::API_KEY_HEADER, server.api_key())
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    let r = post("client_premum", "{}").await.unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "not_found|product");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("client_premium")
    );

    let r = post("class1_smime", "{not json").await.unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "invalid_json");
    assert!(server.ledger().is_empty());
}

#[tokio::test]
async fn wrong_and_missing_keys_are_401_invalid_api_key() {
    let server = MockServer::start(MockConfig::default().api_keys(["right-key"]))
        .await
        .unwrap();
    let client = Client::builder(ApiKey::new("wrong-key"))
        .base_url(server.base_url())
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
    let Error::Api {
        status: 401,
        errors,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(errors[0].code, "invalid_api_key");
    assert!(
        !err.to_string().contains("wrong-key"),
        "the key is not echoed: {err}"
    );

    let r = RawHttp::new()
        .post(server.order_url("class1_smime"))
        .body(valid_body("class1_smime").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(server.ledger().is_empty());
}

#[tokio::test]
async fn rolling_rate_limits_answer_429_and_retries_wait_them_out() {
    let limits = vec![RateLimit {
        max_requests: 3,
        window: Duration::from_secs(1),
    }];
    let (server, client) = mock_and_client(
        MockConfig::default().rate_limits(limits.clone()),
        RetryPolicy::none(),
    )
    .await;
    let order = request(valid_body("class1_smime"));
    for _ in 0..3 {
        client
            .order(ClientCertificateId::Class1Smime, &order)
            .await
            .unwrap();
    }
    let err = client
        .order(ClientCertificateId::Class1Smime, &order)
        .await
        .unwrap_err();
    let Error::RateLimited {
        retry_after,
        errors,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*retry_after, Some(Duration::from_secs(1)));
    assert_eq!(errors[0].code, "request_limit_exceeded");
    assert_eq!(server.ledger().len(), 3);

    // With retries, the client waits the window out instead of failing.
    let (server, client) = mock_and_client(
        MockConfig::default().rate_limits(limits),
        RetryPolicy::default().max_delay(Duration::from_millis(1200)),
    )
    .await;
    for _ in 0..4 {
        client
            .order(ClientCertificateId::Class1Smime, &order)
            .await
            .unwrap();
    }
    assert_eq!(server.ledger().len(), 4);
    assert_eq!(server.requests().len(), 5, "one 429, retried once");
}

#[tokio::test]
async fn unique_alternative_order_ids_reject_a_duplicate() {
    let (server, client) = mock_and_client(
        MockConfig::default().unique_alternative_order_ids(true),
        RetryPolicy::none(),
    )
    .await;
    let mut body = valid_body("class1_smime");
    body["alternative_order_id"] = json!("payroll2026");
    client
        .order(ClientCertificateId::Class1Smime, &request(body.clone()))
        .await
        .unwrap();
    let err = client
        .order(ClientCertificateId::Class1Smime, &request(body))
        .await
        .unwrap_err();
    let Error::DuplicateOrder {
        alternative_order_id,
        errors,
        order_ids,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(alternative_order_id, "payroll2026");
    assert_eq!(errors[0].code, certcentral::DUPLICATE_ALTERNATIVE_ORDER_ID);
    // The lookup names the order that has the id.
    assert_eq!(*order_ids, [server.ledger()[0].order_id]);
    assert_eq!(server.orders_with_alternative_id("payroll2026").len(), 1);
}

/// On an account that enforces unique alternative ids, a lost answer is resolved by resending
/// the same request: the duplicate proves the order exists, and the lookup by its id finds
/// it. A caller's own resubmission afterwards is a duplicate naming that order: billed once.
#[tokio::test]
async fn resubmitting_after_an_unknown_outcome_is_rejected_not_billed_twice() {
    let server = MockServer::start(MockConfig::default().unique_alternative_order_ids(true))
        .await
        .unwrap();
    let client = certcentral_tests::client_for(&server)
        .retry(fast_retries())
        .unique_alternative_order_ids(true)
        .build()
        .unwrap();
    server.inject(Fault::CloseAfterRecording);
    let first = client
        .order(
            ClientCertificateId::Class1Smime,
            &request(valid_body("class1_smime")),
        )
        .await
        .unwrap();
    assert!(first.found_by_lookup);
    let id = first.alternative_order_id.clone();
    let mut again = valid_body("class1_smime");
    again["alternative_order_id"] = json!(id);
    let second = client
        .order(ClientCertificateId::Class1Smime, &request(again))
        .await;
    assert!(
        matches!(&second, Err(Error::DuplicateOrder { alternative_order_id, order_ids, .. })
            if *alternative_order_id == id && *order_ids == [first.order_id().unwrap()]),
        "{second:?}"
    );
    assert_eq!(
        server.orders_with_alternative_id(&id).len(),
        1,
        "billed once"
    );
    assert_eq!(server.ledger().len(), 1);
}

/// Sends one order with `fault` injected; returns the result and the mock.
async fn with_fault(
    fault: Fault,
    retry: RetryPolicy,
) -> (Result<certcentral::PlacedOrder, Error>, MockServer) {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let client = certcentral_tests::client_for(&server)
        .timeout(Duration::from_millis(300))
        .retry(retry)
        .build()
        .unwrap();
    server.inject(fault);
    let result = client
        .order(
            ClientCertificateId::Class1Smime,
            &request(valid_body("class1_smime")),
        )
        .await;
    (result, server)
}

fn unknown_id(result: &Result<certcentral::PlacedOrder, Error>) -> String {
    match result {
        Err(Error::OutcomeUnknown {
            alternative_order_id: id,
            ..
        }) => id.clone(),
        other => panic!("expected an unknown outcome, got {other:?}"),
    }
}

/// Faults that create the order and lose its answer: never replayed, the order found by its
/// alternative id.
#[tokio::test]
async fn faults_that_created_an_order_are_found_by_its_id() {
    for fault in [
        Fault::CloseAfterRecording,
        Fault::InternalError,
        Fault::TruncatedBody,
        Fault::MalformedJson,
    ] {
        let name = fault.name();
        let (result, server) = with_fault(fault, fast_retries()).await;
        let placed = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(placed.found_by_lookup, "{name}");
        let existing = server.orders_with_alternative_id(&placed.alternative_order_id);
        assert_eq!(existing.len(), 1, "{name}: the order exists once");
        assert_eq!(placed.order_id(), Some(existing[0].order_id), "{name}");
        assert_eq!(
            certcentral_tests::order_attempts(&server),
            1,
            "{name}: never replayed"
        );
    }
}

#[tokio::test]
async fn a_connection_dropped_before_recording_is_still_unknown_to_the_client() {
    let (result, server) = with_fault(Fault::CloseBeforeRecording, fast_retries()).await;
    unknown_id(&result);
    assert!(server.ledger().is_empty());
    assert_eq!(
        certcentral_tests::order_attempts(&server),
        1,
        "not replayed: the client cannot know"
    );
}

/// An order created after the client gave up (held before it takes effect until the lookups
/// are done): unknown, then found later by its id with `find_orders`.
#[tokio::test]
async fn a_timeout_is_unknown_and_the_late_order_is_found_by_its_id() {
    let began = std::time::SystemTime::now();
    let (result, server) = with_fault(Fault::HoldBeforeRecording, fast_retries()).await;
    let id = unknown_id(&result);
    let Err(e) = &result else { unreachable!() };
    assert!(e.to_string().contains("timed out"), "{e}");
    assert!(e.to_string().contains("no order yet"), "{e}");
    server.release_held();
    certcentral_tests::within(server.wait_for_orders(1), "the late order").await;
    let client = certcentral_tests::client_for(&server).build().unwrap();
    let found = client.find_orders(&id, began).await.unwrap();
    assert_eq!(found.len(), 1, "the order was created late");
    assert_eq!(found[0].id, server.ledger()[0].order_id);
    assert_eq!(certcentral_tests::order_attempts(&server), 1);
}

#[tokio::test]
async fn a_short_delay_is_just_slow() {
    let (result, server) =
        with_fault(Fault::Delay(Duration::from_millis(50)), RetryPolicy::none()).await;
    assert_eq!(
        result.unwrap().order_id().unwrap(),
        server.ledger()[0].order_id
    );
}

#[tokio::test]
async fn maintenance_and_429_are_retried_and_order_once() {
    for fault in [Fault::Maintenance, Fault::RateLimited] {
        let name = fault.name();
        let server = MockServer::start(MockConfig::default()).await.unwrap();
        let client = certcentral_tests::client_for(&server)
            .retry(RetryPolicy::default().max_delay(Duration::from_millis(30)))
            .build()
            .unwrap();
        server.inject(fault.clone());
        server.inject(fault);
        let placed = client
            .order(
                ClientCertificateId::Class1Smime,
                &request(valid_body("class1_smime")),
            )
            .await
            .unwrap();
        assert_eq!(placed.attempts, 3, "{name}");
        assert_eq!(server.ledger().len(), 1, "{name}");
        assert_eq!(server.ledger()[0].order_id, placed.order_id().unwrap());
    }
}

#[tokio::test]
async fn without_retries_maintenance_is_reported_and_nothing_is_created() {
    let (result, server) = with_fault(Fault::Maintenance, RetryPolicy::none()).await;
    assert!(
        matches!(result, Err(Error::Unavailable { .. })),
        "{result:?}"
    );
    assert!(server.ledger().is_empty());
}

#[tokio::test]
async fn unlisted_statuses_and_extra_fields_keep_the_order() {
    let (result, server) = with_fault(
        Fault::UnlistedStatus("needs_approval".into()),
        RetryPolicy::none(),
    )
    .await;
    let placed = result.unwrap();
    assert_eq!(
        placed.response.as_ref().unwrap().requests[0].status,
        RequestStatus::from("needs_approval")
    );
    assert_eq!(placed.order_id().unwrap(), server.ledger()[0].order_id);

    let (result, server) = with_fault(Fault::ExtraFields, RetryPolicy::none()).await;
    assert_eq!(
        result.unwrap().order_id().unwrap(),
        server.ledger()[0].order_id
    );
}

#[tokio::test]
async fn a_connection_refused_is_not_sent_and_retried() {
    let (_bound, base_url) = certcentral_tests::refusing_base_url();
    let client = Client::builder(ApiKey::new("k"))
        .base_url(base_url)
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .base_delay(Duration::from_millis(5)),
        )
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
}
