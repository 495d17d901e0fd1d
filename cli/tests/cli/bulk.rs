//! Bulk runs: invalid rows send nothing until asked, a rerun skips what is done, a killed run
//! resumes exactly once (its unknown rows found by lookup), progress off a terminal.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_with_invalid_rows_sends_nothing_until_asked_and_reports_their_lines() {
    let server = mock(MockConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut csv = employees(3);
    csv.push_str("class1_smime,,sha256,1,true\n"); // line 5: no email
    csv.push_str("client_premium,carol@example.com,sha256,7,true\n"); // line 6: many rules
    let file = write(dir.path(), "staff.csv", &csv);
    let journal = dir.path().join("journal.jsonl");
    let report = dir.path().join("report.json");
    let url = server.base_url();
    let args = [
        "bulk",
        s(&file),
        "--ledger",
        s(&journal),
        "--base-url",
        &url,
        "--report",
        s(&report),
    ];
    let out = run(&args, Some(server.api_key())).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let f = s(&file);
    assert!(
        stdout.contains(&format!("{f}:5: certificate.emails")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{f}:6 (carol@example.com): order_validity.years")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{f}:6 (carol@example.com): organization")),
        "{stdout}"
    );
    assert!(
        stdout.contains("3 valid, 2 invalid; nothing was sent"),
        "{stdout}"
    );
    assert_eq!(
        server.orders_created(),
        0,
        "nothing is sent while a row is invalid"
    );

    let mut skip = args.to_vec();
    skip.push("--skip-invalid");
    let out = run(&skip, Some(server.api_key())).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_eq!(server.orders_created(), 3);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["totals"]["placed"], 3);
    assert_eq!(report["totals"]["invalid"], 2);
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    let ledger = server.ledger();
    for row in rows.iter().take(3) {
        assert_eq!(row["outcome"], "placed");
        let entry = ledger
            .iter()
            .find(|e| e.alternative_order_id.as_deref() == row["alternative_order_id"].as_str())
            .expect("each placed row is on the ledger under its alternative id");
        assert_eq!(row["order_id"], entry.order_id);
    }
    assert_eq!(rows[3]["line"], 5);
    assert_eq!(rows[3]["outcome"], "invalid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_lines_file_is_placed_once_and_a_rerun_skips_what_is_done() {
    let server = mock(MockConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "orders.jsonl",
        concat!(
            r#"{"product": "class1_smime", "order": {"certificate": {"emails": ["a@example.com"], "signature_hash": "sha256"}, "order_validity": {"years": 1}}}"#,
            "\n",
            r#"{"product": "client_premium", "order": {"alternative_order_id": "mine42", "certificate": {"common_name": "Bo Example", "common_name_indicator": "given_name_surname", "individual": {"first_name": "Bo", "last_name": "Example"}, "emails": ["bo@example.com"], "signature_hash": "sha256"}, "organization": {"id": 112233}, "order_validity": {"years": 2}, "skip_approval": true}}"#,
            "\n"
        ),
    );
    let journal = dir.path().join("journal.jsonl");
    let url = server.base_url();
    let args = [
        "bulk",
        s(&file),
        "--ledger",
        s(&journal),
        "--base-url",
        &url,
    ];
    let out = run(&args, Some(server.api_key())).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("2 placed"), "{stdout}");
    let ledger = server.ledger();
    assert_eq!(ledger.len(), 2);
    assert!(
        ledger
            .iter()
            .any(|e| e.alternative_order_id.as_deref() == Some("mine42")
                && e.product == "client_premium"
                && e.status == certcentral::RequestStatus::Approved)
    );

    let out = run(&args, Some(server.api_key())).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("2 ordered earlier"), "{stdout}");
    assert_eq!(
        server.orders_created(),
        2,
        "a rerun sends nothing that is done"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_run_and_resumed_every_row_is_ordered_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.jsonl");
    let server = mock(MockConfig::default().ledger_file(&ledger)).await;
    // Three requests are recorded and never answered (in time): with three in flight, the
    // run stalls there, ten rows done and seventeen not started.
    let hang = Fault::AnswerAfter(Duration::from_secs(600));
    server.inject(hang.clone());
    for _ in 0..10 {
        server.inject(Fault::Delay(Duration::ZERO));
    }
    server.inject(hang.clone());
    server.inject(hang);
    let file = write(dir.path(), "staff.csv", &employees(30));
    let account = dir.path().join("account.jsonl");
    let url = server.base_url();
    let args = [
        "bulk",
        s(&file),
        "--ledger",
        s(&account),
        "--base-url",
        &url,
        "--concurrency",
        "3",
    ];
    let mut child = tokio::process::Command::new(BIN)
        .args(args)
        .env("DIGICERT_API_KEY", server.api_key())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts");
    within(server.wait_for_orders(13), "13 orders recorded").await;
    child.start_kill().expect("SIGKILL"); // tokio's kill is SIGKILL on Unix
    let status = child.wait().await.expect("the child is reaped");
    assert!(!status.success());

    let account_text = std::fs::read_to_string(&account).unwrap();
    let events: Vec<Value> = account_text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let count = |event: &str| events.iter().filter(|e| e["event"] == event).count();
    assert_eq!(count("sending"), 13, "{account_text}");
    assert_eq!(count("placed"), 10, "{account_text}");
    assert_eq!(ledger_counts(&ledger).len(), 13);

    // The rerun looks the three unknown rows up by their alternative ids (their orders were
    // created, their answers lost), finds them, and sends the seventeen others.
    let out = run(&args, Some(server.api_key())).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("10 ordered earlier"), "{stdout}");
    assert!(stdout.contains("3 found by lookup"), "{stdout}");
    assert!(stdout.contains("17 placed"), "{stdout}");
    assert_each_once(&ledger, 30);
    let account_text = std::fs::read_to_string(&account).unwrap();
    let found = account_text
        .lines()
        .filter(|l| l.contains("\"found\":true"))
        .count();
    assert_eq!(found, 3, "{account_text}");

    // And a third run places nothing.
    let out = run(&args, Some(server.api_key())).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("30 ordered earlier"), "{stdout}");
    assert_eq!(server.orders_created(), 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_on_a_terminal_progress_is_plain_lines_and_mock_runs_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "staff.csv", &employees(4));
    let out = run(&["bulk", s(&file), "--mock"], None).await;
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stderr.contains("embedded mock") && stderr.contains("nothing reaches DigiCert"));
    let placed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains(": placed: order "))
        .collect();
    assert_eq!(placed.len(), 4, "one line per row:\n{stdout}");
    assert!(
        !stdout.contains('\r') && !stdout.contains('\u{1b}'),
        "no bar drawing: {stdout:?}"
    );
    assert!(stdout.contains("→ mock: 4 row(s): 4 placed"), "{stdout}");
}
