//! The fault matrix: every fault × retries on and off × the account's unique alternative ids
//! declared or not. Each case has the one outcome a correct client reaches, read against the
//! mock's final ledger: no order is created twice, every order the server created is returned
//! (answered, or found by its alternative id after the answer was lost) or reported (as
//! outcome-unknown with its alternative id), and an order that could have been placed is.

use certcentral::types::ClientCertificateId;
use certcentral::{Error, PlacedOrder, RetryPolicy};
use certcentral_mock::{Fault, MockConfig, MockServer};
use certcentral_tests::{request, valid_body, within};
use std::time::Duration;

/// What the fault does to the attempt that meets it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Effect {
    /// Answered 201 as usual.
    Placed,
    /// Refused before anything was done, in a way that says so (retryable).
    NotDone,
    /// The order was created, the answer lost.
    CreatedUnanswered,
    /// Nothing was created, but the answer does not prove it.
    NotCreatedUnanswered,
    /// An answer that created nothing and is not retried.
    Refused,
}

fn html(status: u16) -> Fault {
    Fault::Respond {
        status,
        content_type: "text/html".into(),
        body: "<html><body>upstream trouble</body></html>".into(),
    }
}

fn faults() -> Vec<(Option<Fault>, Effect)> {
    use Effect::*;
    vec![
        (None, Placed),
        (Some(Fault::Delay(Duration::from_millis(30))), Placed),
        (Some(Fault::UnlistedStatus("waiting_pickup".into())), Placed),
        (Some(Fault::ExtraFields), Placed),
        (Some(Fault::Maintenance), NotDone),
        (Some(Fault::RateLimited), NotDone),
        (
            Some(Fault::Delay(Duration::from_millis(500))),
            CreatedUnanswered,
        ),
        (
            Some(Fault::AnswerAfter(Duration::from_millis(500))),
            CreatedUnanswered,
        ),
        (Some(Fault::CloseAfterRecording), CreatedUnanswered),
        (Some(Fault::InternalError), CreatedUnanswered),
        (Some(Fault::TruncatedBody), CreatedUnanswered),
        (Some(Fault::MalformedJson), CreatedUnanswered),
        (Some(Fault::CloseBeforeRecording), NotCreatedUnanswered),
        (Some(html(502)), NotCreatedUnanswered),
        // A gateway's 503 after an upstream reset: no Retry-After, not DigiCert's envelope.
        (Some(html(503)), NotCreatedUnanswered),
        (Some(html(504)), NotCreatedUnanswered),
        (
            Some(Fault::Respond {
                status: 200,
                content_type: "application/json".into(),
                body: "{}".into(),
            }),
            NotCreatedUnanswered,
        ),
        (Some(html(302)), Refused),
    ]
}

/// The outcome a correct client reaches.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Returned with DigiCert's answer, matching the one order on the ledger.
    Placed,
    /// Returned as found by its alternative id (its answer lost), the one order on the ledger.
    Found,
    /// Placed or Found: which one depends on when a late order lands.
    Known,
    /// Found, or (when the late order lands after the last look) unknown with one order on
    /// the ledger.
    FoundOrUnknown,
    /// `OutcomeUnknown`, with this many orders on the ledger (0 or 1).
    Unknown(usize),
    /// An error that says nothing was created; the ledger is empty.
    NotCreated,
}

fn expected(effect: Effect, retries: bool, unique: bool, late: bool) -> Outcome {
    match (effect, retries, unique) {
        (Effect::Placed, ..) => Outcome::Placed,
        (Effect::NotDone, true, _) => Outcome::Placed,
        (Effect::NotDone | Effect::Refused, ..) => Outcome::NotCreated,
        // Sent again with the same alternative id: the duplicate proves the order exists, and
        // the lookup finds it.
        (Effect::CreatedUnanswered, true, true) if late => Outcome::Known,
        (Effect::CreatedUnanswered, ..) if late => Outcome::FoundOrUnknown,
        // Looked up by its alternative id: found.
        (Effect::CreatedUnanswered, ..) => Outcome::Found,
        // Sent again with the same alternative id: the third attempt meets no fault.
        (Effect::NotCreatedUnanswered, true, true) => Outcome::Placed,
        (Effect::NotCreatedUnanswered, ..) => Outcome::Unknown(0),
    }
}

fn reached(result: &Result<PlacedOrder, Error>) -> Outcome {
    match result {
        Ok(placed) if placed.found_by_lookup => Outcome::Found,
        Ok(placed) if placed.response.is_some() => Outcome::Placed,
        Ok(_) => Outcome::Unknown(usize::MAX),
        Err(Error::OutcomeUnknown { .. }) => Outcome::Unknown(usize::MAX),
        Err(_) => Outcome::NotCreated,
    }
}

#[tokio::test]
async fn every_fault_reaches_its_one_correct_outcome() {
    let retries = [
        (false, RetryPolicy::none()),
        (
            true,
            RetryPolicy::default()
                .base_delay(Duration::from_millis(5))
                .max_delay(Duration::from_millis(20)),
        ),
    ];
    for (fault, effect) in faults() {
        for (retrying, retry) in retries {
            for unique in [false, true] {
                let case = format!("{fault:?} / retries {retrying} / unique ids {unique}");
                let server =
                    MockServer::start(MockConfig::default().unique_alternative_order_ids(unique))
                        .await
                        .unwrap();
                let client = certcentral_tests::client_for(&server)
                    .timeout(Duration::from_millis(250))
                    .lookup(certcentral_tests::fast_lookup())
                    .retry(retry)
                    .unique_alternative_order_ids(unique)
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
                drop(client);
                // Every request sent has been handled, late ones included: the ledger is final.
                within(server.wait_idle(), &case).await;
                let ledger = server.ledger();
                let late = matches!(fault, Some(Fault::Delay(d)) if d > Duration::from_millis(250));
                let want = expected(effect, retrying, unique, late);
                let got = reached(&result);
                match (&want, &got) {
                    (Outcome::FoundOrUnknown, Outcome::Found | Outcome::Unknown(_)) => {}
                    (Outcome::Unknown(n), Outcome::Unknown(_)) => {
                        assert_eq!(ledger.len(), *n, "{case}: {ledger:?}");
                        let Err(Error::OutcomeUnknown {
                            alternative_order_id: id,
                            ..
                        }) = &result
                        else {
                            panic!("{case}: {result:?}")
                        };
                        if let Some(entry) = ledger.first() {
                            assert_eq!(entry.alternative_order_id.as_ref(), Some(id), "{case}");
                        }
                    }
                    (Outcome::Known, Outcome::Placed | Outcome::Found) => {}
                    (want, got) => assert_eq!(want, got, "{case}: {result:?}"),
                }
                match &result {
                    Ok(placed) => {
                        assert_eq!(ledger.len(), 1, "{case}: one order, not two: {ledger:?}");
                        assert_eq!(
                            ledger[0].alternative_order_id.as_ref(),
                            Some(&placed.alternative_order_id),
                            "{case}"
                        );
                        if let Some(response) = &placed.response {
                            assert_eq!(response.id, ledger[0].order_id, "{case}");
                        }
                    }
                    Err(Error::OutcomeUnknown { .. }) => {}
                    Err(e) => assert!(ledger.is_empty(), "{case}: {e:?} but {ledger:?}"),
                }
            }
        }
    }
}
