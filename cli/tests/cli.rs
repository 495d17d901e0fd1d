//! The built `certcentral` binary, run as a subprocess against a mock CertCentral on real
//! HTTP (in this process, so that its ledger and faults can be read and scripted).

use certcentral_mock::{Fault, MockConfig, MockServer};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_certcentral");

/// Runs the binary to completion (stdout and stderr piped: not a terminal), with a state
/// directory of its own (never the user's).
async fn run(args: &[&str], key: Option<&str>) -> Output {
    let state = tempfile::tempdir().expect("a scratch state directory");
    let mut command = tokio::process::Command::new(BIN);
    command
        .args(args)
        .env_remove("DIGICERT_API_KEY")
        .env("XDG_STATE_HOME", state.path());
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

/// A mock that also appends every order to `ledger.jsonl` in `dir` (read from outside).
async fn mock_with_ledger(dir: &Path, config: MockConfig) -> (MockServer, PathBuf) {
    let ledger = dir.join("ledger.jsonl");
    (mock(config.ledger_file(&ledger)).await, ledger)
}

/// The ledger holds `n` orders, each alternative id exactly once.
fn assert_each_once(ledger: &Path, n: usize) {
    let counts = ledger_counts(ledger);
    assert_eq!(counts.len(), n, "{counts:?}");
    assert!(
        counts.values().all(|c| *c == 1),
        "every row exactly once: {counts:?}"
    );
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
                && e.status == certcentral::RequestStatus::Approved)
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
    assert_each_once(&ledger, 30);

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
    assert_each_once(&ledger, 30);
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

/// Starts the binary with stdout and stderr piped.
fn spawn(args: &[&str], key: &str) -> tokio::process::Child {
    tokio::process::Command::new(BIN)
        .args(args)
        .env("DIGICERT_API_KEY", key)
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("certcentral-unused-state"),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts")
}

/// Reads a child's stderr until a line contains `needle`; returns what was read.
async fn stderr_until(child: &mut tokio::process::Child, needle: &str) -> String {
    let stderr = child.stderr.as_mut().expect("stderr is piped");
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = String::new();
    while let Some(line) = within(lines.next_line(), needle)
        .await
        .expect("stderr reads")
    {
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(needle) {
            return seen;
        }
    }
    panic!("stderr ended without `{needle}`:\n{seen}");
}

/// Waits for a child and returns its exit code and stdout.
async fn finish(mut child: tokio::process::Child) -> (Option<i32>, String) {
    let mut stdout = String::new();
    if let Some(out) = child.stdout.as_mut() {
        out.read_to_string(&mut stdout).await.expect("stdout reads");
    }
    let status = within(child.wait(), "the run ends").await.expect("reaped");
    (status.code(), stdout)
}

/// The report of a run: the alternative id of each line.
fn ids_by_line(report: &Path) -> std::collections::HashMap<u64, String> {
    let report: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["alternative_order_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_on_one_input_meet_on_one_lock_and_the_second_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (server, ledger) = mock_with_ledger(dir.path(), MockConfig::default()).await;
    server.inject(Fault::Hold);
    server.inject(Fault::Hold);
    let file = write(dir.path(), "staff.csv", &employees(10));
    let url = server.base_url();
    let args = ["bulk", s(&file), "--base-url", &url, "--concurrency", "2"];
    let first = spawn(&args, server.api_key());
    let first_pid = first.id().expect("a pid");
    within(server.wait_for_orders(2), "two orders held in flight").await;

    // Same input, no --journal: the default journal beside it is locked.
    let out = run(&args, Some(server.api_key())).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains(&format!("pid {first_pid} on host "))
            && stderr.contains("staff.csv.journal")
            && stderr.contains("nothing was sent"),
        "{stderr}"
    );
    // Another journal for the same input meets the same lock.
    let other = dir.path().join("other.journal");
    let mut elsewhere = args.to_vec();
    elsewhere.extend(["--journal", s(&other)]);
    let out = run(&elsewhere, Some(server.api_key())).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert_eq!(server.orders_created(), 2, "the refused runs sent nothing");

    server.release_held();
    let (code, stdout) = finish(first).await;
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("10 placed"), "{stdout}");

    // Later, another journal for the same input is refused: its orders are journaled already.
    let out = run(&elsewhere, Some(server.api_key())).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--allow-other-journal") && stderr.contains("staff.csv.journal"),
        "{stderr}"
    );
    let out = run(&args, Some(server.api_key())).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("10 done earlier"));
    assert_each_once(&ledger, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_finishes_its_orders_in_flight_reports_and_resumes_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let (server, ledger) = mock_with_ledger(dir.path(), MockConfig::default()).await;
    for _ in 0..3 {
        server.inject(Fault::Hold);
    }
    let file = write(dir.path(), "staff.csv", &employees(12));
    let report = dir.path().join("report.json");
    let url = server.base_url();
    let args = [
        "bulk",
        s(&file),
        "--base-url",
        &url,
        "--concurrency",
        "3",
        "--report",
        s(&report),
    ];
    let mut child = spawn(&args, server.api_key());
    within(server.wait_for_orders(3), "three orders in flight").await;
    let pid = child.id().expect("a pid").to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    // The run has stopped starting rows before the held answers go out.
    let said = stderr_until(&mut child, "no new order is sent").await;
    assert!(said.contains("waiting for the 3 in flight"), "{said}");
    server.release_held();
    let (code, stdout) = finish(child).await;
    assert_eq!(code, Some(130), "{stdout}");
    assert!(
        stdout.contains("3 placed") && stdout.contains("9 not started (interrupted)"),
        "{stdout}"
    );
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(written["totals"]["placed"], 3);
    assert_eq!(written["totals"]["interrupted"], 9);
    assert_eq!(server.orders_created(), 3);

    let out = run(&args, Some(server.api_key())).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("9 placed, 3 done earlier"), "{stdout}");
    assert_each_once(&ledger, 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_rows_are_resolved_both_ways_and_the_rerun_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let (server, ledger) = mock_with_ledger(dir.path(), MockConfig::default()).await;
    // Line 2: created, then the connection drops. Line 3: a gateway's 502, nothing created.
    server.inject(Fault::CloseAfterRecording);
    server.inject(Fault::Respond {
        status: 502,
        content_type: "text/html".into(),
        body: "<h1>Bad gateway</h1>".into(),
    });
    let file = write(dir.path(), "staff.csv", &employees(4));
    let journal = format!("{}.journal", s(&file));
    let report = dir.path().join("report.json");
    let url = server.base_url();
    let args = [
        "bulk",
        s(&file),
        "--base-url",
        &url,
        "--concurrency",
        "1",
        "--report",
        s(&report),
    ];
    let out = run(&args, Some(server.api_key())).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    let ids = ids_by_line(&report);
    let (created, lost) = (&ids[&2], &ids[&3]);
    for id in [created, lost] {
        assert!(
            stdout.contains(&format!(
                "certcentral resolve --journal {journal} {id} --order-id ORDER_ID"
            )) && stdout.contains(&format!(
                "certcentral resolve --journal {journal} {id} --not-placed"
            )),
            "{stdout}"
        );
    }
    let order_id = server.orders_with_alternative_id(created)[0]
        .order_id
        .to_string();
    let resolve = |id: &str, how: &[&str]| {
        let mut a = vec!["resolve", "--journal", &journal, id];
        a.extend(how);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    for (id, how) in [
        (created.as_str(), vec!["--order-id", order_id.as_str()]),
        (lost.as_str(), vec!["--not-placed"]),
    ] {
        let a = resolve(id, &how);
        let out = run(&a.iter().map(String::as_str).collect::<Vec<_>>(), None).await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let again = resolve(created, &["--not-placed"]);
    let out = run(&again.iter().map(String::as_str).collect::<Vec<_>>(), None).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "a done order is not resolved again"
    );
    assert!(text(&out.stderr).contains(&format!("is done (order {order_id})")));

    // The rerun sends only the order that was not placed, and says so as JSON events.
    let mut json = args.to_vec();
    json.extend(["--format", "json"]);
    let out = run(&json, Some(server.api_key())).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let events: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON event per line"))
        .collect();
    let summary = &events.last().unwrap()["summary"];
    assert_eq!(summary["totals"]["placed"], 1);
    assert_eq!(summary["totals"]["done_earlier"], 3);
    assert_eq!(summary["exit_code"], 0);
    let earlier = events
        .iter()
        .find(|e| e["alternative_order_id"] == created.as_str())
        .expect("an event for every row");
    assert_eq!(
        earlier["order_id"].to_string(),
        order_id,
        "from the journal"
    );
    assert_eq!(earlier["emails"][0], "employee0@example.com");
    assert_each_once(&ledger, 4);
}

#[tokio::test]
async fn spreadsheets_as_exported_line_numbers_encodings_mapped_and_empty_rows() {
    let dir = tempfile::tempdir().unwrap();
    // CRLF, a blank line, a multi-line cell (lines 3-4), blank lines, a bad email on line 7.
    let crlf = "product,certificate.emails,certificate.signature_hash,order_validity.years,certificate.organization_units\r\n\
                \r\n\
                class1_smime,a@example.com,sha256,1,\"Human\r\nResources\"\r\n\
                \r\n\
                \r\n\
                class1_smime,not-an-address,sha256,1,\r\n";
    let file = write(dir.path(), "crlf.csv", crlf);
    let report = dir.path().join("report.json");
    let out = run(
        &["bulk", s(&file), "--dry-run", "--report", s(&report)],
        None,
    )
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("{}:7: certificate.emails[0]", s(&file))),
        "{stdout}"
    );
    let lines: Vec<u64> = ids_by_line(&report).keys().copied().collect();
    assert!(lines.contains(&3) && lines.contains(&7), "{lines:?}");

    // An HR export: an extra column, a header to map, Excel's trailing empty rows.
    let hr = "product,E-Mail,certificate.signature_hash,order_validity.years,department\n\
              class1_smime,b@example.com,sha256,1,Finance\n\
              ,,,,\n,,,,\n";
    let file = write(dir.path(), "hr.csv", hr);
    let out = run(&["bulk", s(&file), "--dry-run"], None).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`E-Mail`") && stderr.contains("`department`"),
        "every bad header at once: {stderr}"
    );
    let out = run(
        &[
            "bulk",
            s(&file),
            "--dry-run",
            "--ignore-column",
            "department",
            "--map",
            "E-Mail=certificate.emails",
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("1 row(s): 1 valid"));

    // Windows exports: UTF-16 with its byte-order mark, and Windows-1252.
    let row = "product,certificate.common_name,certificate.common_name_indicator,\
               certificate.individual.first_name,certificate.individual.last_name,\
               certificate.emails,certificate.signature_hash,order_validity.years,organization.id\r\n\
               client_premium,José Núñez,given_name_surname,José,Núñez,jn@example.com,sha256,1,7\r\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(row.encode_utf16().flat_map(u16::to_le_bytes));
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(row);
    for (name, bytes, assumed) in [
        ("utf16.csv", utf16, "UTF-16LE"),
        ("cp1252.csv", cp1252.into_owned(), "Windows-1252"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = run(
            &["bulk", s(&path), "--dry-run", "--report", s(&report)],
            None,
        )
        .await;
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(assumed), "{}", text(&out.stderr));
        let written: Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        assert_eq!(written["rows"][0]["common_name"], "José Núñez", "{name}");
    }
    let path = dir.path().join("cp1252.csv");
    let out = run(&["bulk", s(&path), "--dry-run", "--encoding", "utf8"], None).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("line 2, byte "), "{stderr}");

    let empty = write(dir.path(), "empty.csv", "");
    let out = run(&["bulk", s(&empty), "--dry-run"], None).await;
    assert!(
        text(&out.stderr).contains("is empty"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn a_50_mb_line_is_refused_with_a_short_message() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "x".repeat(50 << 20);
    let header = write(dir.path(), "header.csv", &format!("product,{huge}\n"));
    let out = run(&["bulk", s(&header), "--dry-run"], None).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.len() < 1024,
        "{} bytes of stderr",
        out.stderr.len()
    );
    assert!(text(&out.stderr).contains("(52428800 bytes)"));

    let cell = write(
        dir.path(),
        "cell.csv",
        &format!(
            "product,certificate.emails,certificate.signature_hash,order_validity.years\nclass1_smime,{huge},sha256,1\n"
        ),
    );
    let out = run(&["bulk", s(&cell), "--dry-run"], None).await;
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.len() < 2048, "{} bytes of stdout", stdout.len());
    assert!(stdout.contains(":2: certificate.emails[0]"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_comes_before_the_first_order() {
    let server = mock(MockConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "staff.csv", &employees(3));
    let url = server.base_url();
    let nodir = dir.path().join("nodir/report.json");
    let out = run(
        &["bulk", s(&file), "--base-url", &url, "--report", s(&nodir)],
        Some(server.api_key()),
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("report"), "{stderr}");
    // No key: refused before a journal is made or an order sent.
    let out = run(&["bulk", s(&file), "--base-url", &url], None).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("DIGICERT_API_KEY"));
    assert_eq!(server.orders_created(), 0);
    assert!(!dir.path().join("staff.csv.journal").exists());
}

#[tokio::test]
async fn a_template_of_every_product_is_valid_when_fed_back() {
    let dir = tempfile::tempdir().unwrap();
    for product in certcentral_table::TABLE.products {
        let out = run(&["template", "--product", product.id], None).await;
        assert_eq!(out.status.code(), Some(0));
        let template = text(&out.stdout);
        let header = template.lines().next().unwrap();
        assert!(
            header.starts_with("product,") && header.contains("*,"),
            "required columns first, marked: {header}"
        );
        let path = write(dir.path(), &format!("{}.csv", product.id), &template);
        let out = run(&["bulk", s(&path), "--dry-run"], None).await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}{}",
            product.id,
            text(&out.stdout),
            text(&out.stderr)
        );
        assert!(text(&out.stdout).contains("1 row(s): 1 valid"));

        let out = run(&["columns", "--product", product.id], None).await;
        let columns = text(&out.stdout);
        assert!(columns.contains("certificate.emails") && columns.contains("required"));
    }
    let out = run(&["columns", "--product", "client_premium"], None).await;
    assert!(text(&out.stdout).contains("[common_name.required]"));
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
        "--journal",
        s(&journal),
    ];
    let out = run(&args, Some(server.api_key())).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&args, Some(server.api_key())).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let first = &server.ledger()[0];
    assert!(
        stdout.contains(&format!("was placed before: order {}", first.order_id))
            && stdout.contains("nothing was sent"),
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

    // The default journal lives in the user's state directory.
    let state = dir.path().join("state");
    let mut command = tokio::process::Command::new(BIN);
    command
        .args(&args[..6])
        .env("DIGICERT_API_KEY", server.api_key())
        .env("XDG_STATE_HOME", &state);
    for _ in 0..2 {
        let out = command.output().await.unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    assert_eq!(server.orders_created(), 3, "the second run placed nothing");
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
