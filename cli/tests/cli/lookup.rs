//! Answers lost after CertCentral created the order: the command finds the order by its
//! alternative id and finishes with it (exit 0, its order id), never ordering it twice; and
//! orders that exist twice are listed (`duplicates`) and one is canceled (`cancel`).

use super::*;

/// Every fault that records the order and loses its answer, as the mock names them.
fn lost_answers() -> Vec<(&'static str, Fault)> {
    vec![
        ("close_after_recording", Fault::CloseAfterRecording),
        ("internal_error", Fault::InternalError),
        ("truncated_body", Fault::TruncatedBody),
        ("malformed_json", Fault::MalformedJson),
        // Past the attempt's --request-timeout of 2 s.
        ("answer_after", Fault::AnswerAfter(Duration::from_secs(30))),
    ]
}

fn order_body(email: &str) -> String {
    format!(
        r#"{{"certificate": {{"emails": ["{email}"], "signature_hash": "sha256"}}, "order_validity": {{"years": 1}}, "skip_approval": true}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_meeting_each_lost_answer_exits_0_with_the_order_found() {
    let server = mock(MockConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let url = server.base_url();
    for (i, (name, fault)) in lost_answers().into_iter().enumerate() {
        let email = format!("lost{i}@example.com");
        let file = write(dir.path(), &format!("{name}.json"), &order_body(&email));
        server.inject(fault);
        let out = run(
            &[
                "order",
                "--product",
                "class1_smime",
                s(&file),
                "--base-url",
                &url,
                "--request-timeout",
                "2s",
                "--format",
                "json",
            ],
            Some(server.api_key()),
        )
        .await;
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
        let answer: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let result = &answer["result"];
        let alternative_id = result["alternative_order_id"].as_str().expect(name);
        let orders = server.orders_with_alternative_id(alternative_id);
        assert_eq!(orders.len(), 1, "{name}: created once");
        assert_eq!(result["outcome"], "found", "{name}: {answer}");
        assert_eq!(result["order_id"], orders[0].order_id, "{name}");
        assert_eq!(server.pending_faults(), 0, "{name} was met");
    }
    assert_eq!(
        server.orders_created(),
        5,
        "one order per fault, none resent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_of_24_rows_meeting_8_lost_answers_places_each_once_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let (server, ledger) = mock_with_ledger(dir.path(), MockConfig::default()).await;
    let faults = lost_answers();
    // Two of each fault that answers at once, and none of the 30 s ones (the run would wait).
    for (_, fault) in faults.iter().take(4).chain(faults.iter().take(4)) {
        server.inject(fault.clone());
    }
    let file = write(dir.path(), "staff.csv", &employees(24));
    let report = dir.path().join("report.json");
    let url = server.base_url();
    let out = run(
        &[
            "bulk",
            s(&file),
            "--base-url",
            &url,
            "--report",
            s(&report),
            "--format",
            "json",
        ],
        Some(server.api_key()),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(server.pending_faults(), 0, "every fault was met");
    assert_each_once(&ledger, 24);
    let events: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON event per line"))
        .collect();
    let totals = &events.last().unwrap()["summary"]["totals"];
    assert_eq!(
        (totals["found"].as_u64(), totals["placed"].as_u64()),
        (Some(8), Some(16)),
        "{totals}"
    );
    // Each row's order id is the one CertCentral holds for its alternative id.
    for (line, id) in ids_by_line(&report) {
        let orders = server.orders_with_alternative_id(&id);
        assert_eq!(orders.len(), 1, "line {line}");
        let event = events
            .iter()
            .find(|e| e["alternative_order_id"] == id.as_str())
            .expect("an event per row");
        assert_eq!(event["order_id"], orders[0].order_id, "line {line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_lists_an_id_ordered_twice_and_cancel_undoes_the_extra_order() {
    let dir = tempfile::tempdir().unwrap();
    let server = mock(MockConfig::default()).await;
    let file = write(dir.path(), "staff.csv", &employees(2));
    let account = dir.path().join("account.jsonl");
    let report = dir.path().join("report.json");
    let url = server.base_url();
    let with = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        a.extend([
            "--base-url".into(),
            url.clone(),
            "--ledger".into(),
            s(&account).into(),
        ]);
        a
    };
    let call = |a: Vec<String>| {
        let key = server.api_key().to_string();
        async move {
            run(
                &a.iter().map(String::as_str).collect::<Vec<_>>(),
                Some(&key),
            )
            .await
        }
    };
    let out = call(with(&["bulk", s(&file), "--report", s(&report)])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let ids = ids_by_line(&report);
    let twice = ids[&2].clone();
    let first = server.orders_with_alternative_id(&twice)[0].order_id;

    // Nothing doubled yet.
    let out = call(with(&["duplicates"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("no alternative id of the ledger has more than one order"));

    // Another program (a colleague's script, a resend on an account that allows it) orders the
    // same id again.
    let client = certcentral::Client::builder(certcentral::ApiKey::new(server.api_key()))
        .base_url(url.as_str())
        .build()
        .unwrap();
    let order: certcentral::types::OrderClientCertificateRequest =
        serde_json::from_value(serde_json::json!({
            "certificate": {"emails": ["employee0@example.com"], "signature_hash": "sha256"},
            "order_validity": {"years": 1},
            "skip_approval": true,
            "alternative_order_id": twice,
        }))
        .unwrap();
    let second = client
        .order(certcentral::types::ClientCertificateId::Class1Smime, &order)
        .await
        .expect("the mock takes a second order with the id")
        .order_id()
        .expect("its answer");

    let out = call(with(&["duplicates", "--format", "json"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let duplicates = listed["duplicates"].as_array().unwrap();
    assert_eq!(duplicates.len(), 1, "{listed}");
    assert_eq!(duplicates[0]["alternative_order_id"], twice.as_str());
    let orders: Vec<i64> = duplicates[0]["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_id"].as_i64().unwrap())
        .collect();
    assert_eq!(orders.len(), 2);
    assert!(
        orders.contains(&first) && orders.contains(&second),
        "{orders:?}"
    );

    let second_id = second.to_string();
    // A dry run changes nothing; without --yes and without a terminal, nothing is canceled.
    let out = call(with(&[
        "cancel",
        &second_id,
        "--note",
        "ordered twice",
        "--dry-run",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("would cancel order {second}")));
    let out = call(with(&["cancel", &second_id, "--note", "ordered twice"])).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not canceled"));
    assert_ne!(
        server.order_status(second),
        Some(certcentral_mock::OrderStatus::Canceled)
    );
    let out = call(with(&[
        "cancel",
        &second_id,
        "--note",
        "ordered twice",
        "--yes",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        server.order_status(second),
        Some(certcentral_mock::OrderStatus::Canceled)
    );
    assert_ne!(
        server.order_status(first),
        Some(certcentral_mock::OrderStatus::Canceled)
    );
    // Canceled again: refused, the state named.
    let out = call(with(&[
        "cancel",
        &second_id,
        "--note",
        "ordered twice",
        "--yes",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is canceled"),
        "{}",
        text(&out.stderr)
    );
}
