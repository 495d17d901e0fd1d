//! One order: placed once with its ids printed, refused keys never echoed, a rerun places
//! nothing unless asked.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_places_one_order_and_prints_its_ids() {
    let server = mock(MockConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "order.json",
        r#"{"certificate": {"emails": ["a@example.com"], "signature_hash": "sha256"}, "order_validity": {"years": 1}, "skip_approval": true}"#,
    );
    let url = server.base_url();
    let out = run(
        &[
            "order",
            "--product",
            "class1_smime",
            s(&file),
            "--base-url",
            &url,
            "--format",
            "json",
        ],
        Some(server.api_key()),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let answer: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let entry = &server.ledger()[0];
    assert_eq!(answer["result"]["outcome"], "placed");
    assert_eq!(answer["result"]["order_id"], entry.order_id);
    assert_eq!(
        answer["result"]["certificate_id"],
        entry.certificate_id.unwrap()
    );
    assert_eq!(answer["result"]["status"], "approved");
    assert_eq!(
        answer["result"]["alternative_order_id"].as_str(),
        entry.alternative_order_id.as_deref()
    );

    // Another mailbox, with the key from a file this time: a byte-order mark and a blank first
    // line are no trouble.
    let file = write(
        dir.path(),
        "order-b.json",
        r#"{"certificate": {"emails": ["b@example.com"], "signature_hash": "sha256"}, "order_validity": {"years": 1}, "skip_approval": true}"#,
    );
    let key_file = write(
        dir.path(),
        "key",
        &format!("\u{feff}\n  {}  \n", server.api_key()),
    );
    let out = run(
        &[
            "order",
            "--product",
            "class1_smime",
            s(&file),
            "--base-url",
            &url,
            "--api-key-file",
            s(&key_file),
        ],
        None,
    )
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let second = &server.ledger()[1];
    assert!(
        stdout.contains(&format!("order id:             {}", second.order_id)),
        "{stdout}"
    );
    assert!(stdout.contains("(approved)"), "{stdout}");

    // An invalid order is not sent.
    let bad = write(dir.path(), "bad.json", r#"{"certificate": {"emails": []}}"#);
    let out = run(
        &[
            "order",
            "--product",
            "class1_smime",
            s(&bad),
            "--base-url",
            &url,
        ],
        Some(server.api_key()),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("certificate.emails"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(server.orders_created(), 2);
}

#[tokio::test]
async fn a_key_on_the_command_line_is_refused_without_being_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "staff.csv", &employees(1));
    let secret = "sk-live-3f9a2b7c";
    for key_args in [
        vec!["--api-key", secret],
        vec![&*format!("--api-key={secret}")],
    ] {
        let mut args = vec!["bulk", s(&file), "--live", "--ledger", "j.jsonl"];
        args.extend(key_args.iter().map(|a| &**a));
        let out = run(&args, None).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("DIGICERT_API_KEY"), "{stderr}");
        assert!(!stderr.contains(secret) && !text(&out.stdout).contains(secret));
    }
    // The key file works, and plain HTTP off loopback is refused as by the client.
    let key_file = write(dir.path(), "key", "from-a-file\n");
    let order = write(
        dir.path(),
        "order.json",
        r#"{"certificate": {"emails": ["a@example.com"], "signature_hash": "sha256"}, "order_validity": {"years": 1}}"#,
    );
    let out = run(
        &[
            "order",
            "--product",
            "class1_smime",
            s(&order),
            "--base-url",
            "http://certcentral.example/services/v2",
            "--api-key-file",
            s(&key_file),
        ],
        None,
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("base_url") && !stderr.contains("from-a-file"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_run_twice_places_one_unless_again() {
    let server = mock(MockConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "order.json",
        r#"{"certificate": {"emails": ["a@example.com"], "signature_hash": "sha256"}, "order_validity": {"years": 1}}"#,
    );
    let journal = dir.path().join("orders.journal");
    let url = server.base_url();
    let args = [
        "order",
        "--product",
        "class1_smime",
        s(&file),
        "--base-url",
        &url,
        "--ledger",
        s(&journal),
    ];
    let out = run(&args, Some(server.api_key())).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&args, Some(server.api_key())).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let first = &server.ledger()[0];
    assert!(
        stdout.contains(&format!(
            "ordered earlier: order {} for a@example.com",
            first.order_id
        )) && stdout.contains("nothing was sent"),
        "{stdout}"
    );
    assert_eq!(server.orders_created(), 1);
    let mut again = args.to_vec();
    again.push("--again");
    let out = run(&again, Some(server.api_key())).await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(server.orders_created(), 2);
    let ledger = server.ledger();
    assert_ne!(
        ledger[0].alternative_order_id,
        ledger[1].alternative_order_id
    );

    // The default ledger lives in the user's state directory, one per account; a run with a
    // fresh one (another machine) still asks CertCentral, which has the order.
    let state = dir.path().join("state");
    let mut command = tokio::process::Command::new(BIN);
    command
        .args(&args[..6])
        .env("DIGICERT_API_KEY", server.api_key())
        .env("XDG_STATE_HOME", &state);
    for _ in 0..2 {
        let out = command.output().await.unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("ordered earlier"));
    }
    assert_eq!(server.orders_created(), 2, "nothing placed twice");
    assert!(state.join("certcentral").read_dir().unwrap().count() == 1);

    // An invalid body is JSON too with --format json.
    let bad = write(dir.path(), "bad.json", r#"{"certificate": {"emails": []}}"#);
    let out = run(
        &[
            "order",
            "--product",
            "class1_smime",
            s(&bad),
            "--mock",
            "--format",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let answer: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(answer["result"]["outcome"], "invalid");
    assert!(answer["result"]["violations"].as_array().unwrap().len() >= 2);
}
