//! No unknown outcome needs a human: an order whose answer was lost is looked up by its
//! alternative id and adopted when this call created it; otherwise the error says when the
//! client looked and what it found. Read against the mock's ledger: nothing is sent twice.

use certcentral::types::ClientCertificateId;
use certcentral::{Error, RetryPolicy};
use certcentral_mock::{Fault, MockConfig, MockServer};
use certcentral_tests::{client_for, request, valid_body, within};
use serde_json::json;
use std::time::{Duration, SystemTime};

const CLASS1: ClientCertificateId = ClientCertificateId::Class1Smime;

fn order_with_id(id: &str) -> certcentral::types::OrderClientCertificateRequest {
    let mut body = valid_body("class1_smime");
    body["alternative_order_id"] = json!(id);
    request(body)
}

/// Every fault that records the order and loses its answer: the call returns the order, found
/// by its alternative id, and the ledger holds it once (retries off: nothing is resent).
#[tokio::test]
async fn a_lost_answer_is_found_by_its_alternative_id() {
    for fault in [
        Fault::CloseAfterRecording,
        Fault::InternalError,
        Fault::TruncatedBody,
        Fault::MalformedJson,
        Fault::AnswerAfter(Duration::from_secs(2)),
    ] {
        let server = MockServer::start(MockConfig::default()).await.unwrap();
        let client = client_for(&server)
            .retry(RetryPolicy::none())
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        server.inject(fault.clone());
        let placed = client
            .order(CLASS1, &request(valid_body("class1_smime")))
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        drop(client);
        within(server.wait_idle(), "the late answer").await;
        let ledger = server.ledger();
        assert_eq!(ledger.len(), 1, "{fault:?}: once");
        assert!(placed.found_by_lookup, "{fault:?}");
        let answer = placed.response.unwrap();
        assert_eq!(answer.id, ledger[0].order_id, "{fault:?}");
        assert_eq!(answer.requests[0].id, ledger[0].request_id, "{fault:?}");
        assert_eq!(answer.requests[0].status, ledger[0].status, "{fault:?}");
    }
}

/// The lookup itself failing (every look meets a maintenance 503): unknown, with both causes,
/// and nothing resent.
#[tokio::test]
async fn a_failing_lookup_leaves_the_outcome_unknown_with_both_causes() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let client = client_for(&server)
        .retry(
            RetryPolicy::default()
                .max_attempts(2)
                .base_delay(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    server.inject(Fault::CloseAfterRecording);
    for _ in 0..4 {
        server.inject_for("lookup", Fault::Maintenance).unwrap();
    }
    let result = client.order(CLASS1, &order_with_id("lost1")).await;
    let Err(e @ Error::OutcomeUnknown { reason, source, .. }) = &result else {
        panic!("{result:?}");
    };
    assert!(e.may_have_created_order());
    assert!(
        reason.contains("looking it up by its alternative id failed"),
        "{reason}"
    );
    let source = source.as_ref().expect("the causes").to_string();
    assert!(
        source.contains("the attempt:") && source.contains("503"),
        "{source}"
    );
    assert_eq!(server.orders_created(), 1, "nothing resent");
}

/// Nothing found: unknown, saying when it looked; resent only when the caller asked, after
/// the order was absent for the time asked, with the same alternative id.
#[tokio::test]
async fn nothing_found_is_unknown_unless_a_resend_was_asked_for() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let client = client_for(&server)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    server.inject(Fault::CloseBeforeRecording);
    let result = client.order(CLASS1, &order_with_id("gone1")).await;
    let Err(Error::OutcomeUnknown { reason, .. }) = &result else {
        panic!("{result:?}");
    };
    assert!(
        reason.contains("looked it up by its alternative id 5 time(s)"),
        "{reason}"
    );
    assert!(reason.contains("no order yet"), "{reason}");
    assert_eq!(server.orders_created(), 0);

    let resending = client_for(&server)
        .retry(
            RetryPolicy::default()
                .max_attempts(2)
                .base_delay(Duration::from_millis(5)),
        )
        .resend_when_absent(Duration::from_millis(150))
        .build()
        .unwrap();
    server.inject(Fault::CloseBeforeRecording);
    let placed = resending
        .order(CLASS1, &order_with_id("gone2"))
        .await
        .unwrap();
    assert_eq!(placed.attempts, 2);
    let ledger = server.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].alternative_order_id.as_deref(), Some("gone2"));
}

/// Several orders with the id: none is picked; the error names every one.
#[tokio::test]
async fn several_orders_with_the_id_are_never_picked_from() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let client = client_for(&server)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    for _ in 0..2 {
        client
            .order(CLASS1, &order_with_id("shared1"))
            .await
            .unwrap();
    }
    server.inject(Fault::CloseAfterRecording);
    let result = client.order(CLASS1, &order_with_id("shared1")).await;
    let Err(e @ Error::SeveralOrders { order_ids, .. }) = &result else {
        panic!("{result:?}");
    };
    let ledger: Vec<i64> = server.ledger().iter().map(|o| o.order_id).collect();
    assert_eq!(*order_ids, ledger, "every order with the id, named");
    assert!(e.may_have_created_order());
    assert!(e.to_string().contains(&ledger[1].to_string()));
}

/// An order with the same id from a year ago (the mock's clock) is never adopted: without a new
/// one the outcome stays unknown and says so; with one, the new one is adopted. On an account
/// with unique ids, a duplicate of the old order names it.
#[tokio::test]
async fn an_old_order_with_the_id_is_never_adopted() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let client = client_for(&server)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    server.set_time(SystemTime::now() - Duration::from_secs(365 * 24 * 3600));
    let old = client
        .order(CLASS1, &order_with_id("alice2025"))
        .await
        .unwrap();
    server.set_time(SystemTime::now());

    server.inject(Fault::CloseBeforeRecording);
    let result = client.order(CLASS1, &order_with_id("alice2025")).await;
    let Err(Error::OutcomeUnknown { reason, .. }) = &result else {
        panic!("{result:?}");
    };
    let old_id = old.order_id().unwrap();
    assert!(
        reason.contains("created before this call") && reason.contains(&old_id.to_string()),
        "{reason}"
    );

    server.inject(Fault::CloseAfterRecording);
    let placed = client
        .order(CLASS1, &order_with_id("alice2025"))
        .await
        .unwrap();
    assert!(placed.found_by_lookup);
    assert_eq!(placed.order_id(), Some(server.ledger()[1].order_id));
    assert_ne!(placed.order_id(), Some(old_id));

    let unique = MockServer::start(MockConfig::default().unique_alternative_order_ids(true))
        .await
        .unwrap();
    let client = client_for(&unique)
        .retry(RetryPolicy::default().base_delay(Duration::from_millis(5)))
        .unique_alternative_order_ids(true)
        .build()
        .unwrap();
    unique.set_time(SystemTime::now() - Duration::from_secs(365 * 24 * 3600));
    client
        .order(CLASS1, &order_with_id("bob2025"))
        .await
        .unwrap();
    unique.set_time(SystemTime::now());
    let result = client.order(CLASS1, &order_with_id("bob2025")).await;
    let Err(Error::DuplicateOrder { order_ids, .. }) = &result else {
        panic!("{result:?}");
    };
    assert_eq!(*order_ids, [unique.ledger()[0].order_id]);
}

/// On an account with unique ids, a resubmission refused as a duplicate is resolved the same
/// way: the order the lost attempt created is adopted, with its id.
#[tokio::test]
async fn a_duplicate_after_a_lost_answer_is_the_order_found() {
    for not_found in [false, true] {
        let server = MockServer::start(
            MockConfig::default()
                .unique_alternative_order_ids(true)
                .lookup_not_found(not_found),
        )
        .await
        .unwrap();
        let client = client_for(&server)
            .retry(RetryPolicy::default().base_delay(Duration::from_millis(5)))
            .unique_alternative_order_ids(true)
            .build()
            .unwrap();
        server.inject(Fault::InternalError);
        let placed = client
            .order(CLASS1, &order_with_id("carol1"))
            .await
            .unwrap();
        assert!(placed.found_by_lookup);
        assert_eq!(placed.order_id(), Some(server.ledger()[0].order_id));
        assert_eq!(server.orders_created(), 1);
    }
}
