//! The built `certcentral` binary, run as a subprocess against a mock CertCentral on real
//! HTTP (in this process, so that its ledger and faults can be read and scripted).

use certcentral_mock::{Fault, MockConfig, MockServer};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_certcentral");

/// Runs the binary to completion (stdout and stderr piped: not a terminal).
async fn run(args: &[&str], key: Option<&str>) -> Output {
    let mut command = tokio::process::Command::new(BIN);
    command.args(args).env_remove("DIGICERT_API_KEY");
    if let Some(key) = key {
        command.env("DIGICERT_API_KEY", key);
    }
    command.output().await.expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn mock(config: MockConfig) -> MockServer {
    MockServer::start(config.prevalidated(true))
        .await
        .expect("the mock starts")
}

/// Waits for a mock event, failing the test after 60 s rather than hanging it.
async fn within<F: std::future::Future>(event: F, what: &str) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), event)
        .await
        .unwrap_or_else(|_| panic!("{what}: did not happen within 60 s"))
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("a scratch file");
    path
}

fn s(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// A CSV of `n` valid Class 1 S/MIME rows, one employee each.
fn employees(n: usize) -> String {
    let mut csv = String::from(
        "product,certificate.emails,certificate.signature_hash,order_validity.years,skip_approval\n",
    );
    for i in 0..n {
        csv.push_str(&format!(
            "class1_smime,employee{i}@example.com,sha256,1,true\n"
        ));
    }
    csv
}

/// The alternative ids of the orders in the mock's ledger file, with how often each occurs.
fn ledger_counts(path: &Path) -> std::collections::HashMap<String, usize> {
    let mut counts = std::collections::HashMap::new();
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        let entry: Value = serde_json::from_str(line).expect("each ledger line is JSON");
        let id = entry["alternative_order_id"]
            .as_str()
            .unwrap_or("")
            .to_string();
        *counts.entry(id).or_insert(0) += 1;
    }
    counts
}

#[tokio::test]
async fn validate_reports_every_violation_with_file_line_parameter_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "good.json",
        r#"{
  "certificate": { "emails": ["alice@example.com"], "signature_hash": "sha256" },
  "order_validity": { "years": 1 }
}"#,
    );
    let lines = write(
        dir.path(),
        "orders.jsonl",
        concat!(
            r#"{"certificate": {"emails": ["bob@example.com"], "signature_hash": "sha256"}, "order_validity": {"years": 1}}"#,
            "\n\n",
            r#"{"certificate": {"emails": ["not an address"], "signature_hash": "sha1"}, "order_validity": {"years": 9}}"#,
            "\nnot json\n"
        ),
    );
    let out = run(
        &["validate", "--product", "class1_smime", s(&good), s(&lines)],
        None,
    )
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let lines_file = s(&lines);
    assert!(
        stdout.contains(&format!("{}:1: valid", s(&good))),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{lines_file}:1: valid")),
        "{stdout}"
    );
    for expected in [
        format!("{lines_file}:3: certificate.emails[0]:"),
        format!("{lines_file}:3: certificate.signature_hash:"),
        format!("{lines_file}:3: order_validity.years:"),
        format!("{lines_file}:4: (body): not JSON"),
    ] {
        assert!(stdout.contains(&expected), "{expected} in\n{stdout}");
    }
    assert!(
        stdout.contains("[schema.enum]") && stdout.contains("[schema.range]"),
        "{stdout}"
    );

    let out = run(
        &[
            "validate",
            "--product",
            "class1_smime",
            "--format",
            "json",
            s(&lines),
        ],
        None,
    )
    .await;
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(report["valid"], 1);
    assert_eq!(report["invalid"], 2);
    let second = &report["orders"][1];
    assert_eq!(second["line"], 3);
    assert_eq!(second["file"], lines_file);
    let rules: Vec<&str> = second["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"schema.range"), "{rules:?}");

    let out = run(&["validate", "--product", "class1_smime", s(&good)], None).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // Usage errors: an unknown product, a missing file.
    let out = run(&["validate", "--product", "client_premiun", s(&good)], None).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("client_premium"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        &[
            "validate",
            "--product",
            "class1_smime",
            "/nonexistent/x.json",
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
}

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
        "--journal",
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
        stdout.contains(&format!("{f}:6: order_validity.years")),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("{f}:6: organization")), "{stdout}");
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
        "--journal",
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
                && e.status == "approved")
    );

    let out = run(&args, Some(server.api_key())).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("2 done earlier"), "{stdout}");
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
    let server = mock(
        MockConfig::default()
            .unique_alternative_order_ids(true)
            .ledger_file(&ledger),
    )
    .await;
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
    let journal = dir.path().join("journal.jsonl");
    let url = server.base_url();
    let args = [
        "bulk",
        s(&file),
        "--journal",
        s(&journal),
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

    let journal_text = std::fs::read_to_string(&journal).unwrap();
    let events: Vec<Value> = journal_text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let count = |event: &str| events.iter().filter(|e| e["event"] == event).count();
    assert_eq!(count("sending"), 13, "{journal_text}");
    assert_eq!(count("placed"), 10, "{journal_text}");
    assert_eq!(ledger_counts(&ledger).len(), 13);

    // Without the declaration, the three unknown rows are listed and not sent again.
    let out = run(&args, Some(server.api_key())).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("10 done earlier"), "{stdout}");
    assert!(stdout.contains("17 placed"), "{stdout}");
    assert!(stdout.contains("3 unknown"), "{stdout}");
    let unknown: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "sending")
        .map(|e| e["alternative_order_id"].as_str().unwrap())
        .filter(|id| {
            !events
                .iter()
                .any(|e| e["event"] == "placed" && e["alternative_order_id"] == *id)
        })
        .collect();
    assert_eq!(unknown.len(), 3);
    for id in &unknown {
        assert!(
            stdout.contains(id),
            "{id} listed for reconciliation:\n{stdout}"
        );
    }
    let counts = ledger_counts(&ledger);
    assert_eq!(counts.len(), 30);
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");

    // Declared: they are sent again, and the duplicates prove they exist.
    let mut unique = args.to_vec();
    unique.push("--unique-alternative-order-ids");
    let out = run(&unique, Some(server.api_key())).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("3 exists") && stdout.contains("27 done earlier"),
        "{stdout}"
    );
    let counts = ledger_counts(&ledger);
    assert_eq!(counts.len(), 30);
    assert!(
        counts.values().all(|n| *n == 1),
        "every row exactly once: {counts:?}"
    );
    assert_eq!(server.orders_created(), 30);
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
        let mut args = vec!["bulk", s(&file), "--live", "--journal", "j.jsonl"];
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

    // The key from a file this time.
    let key_file = write(dir.path(), "key", &format!("{}\n", server.api_key()));
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
