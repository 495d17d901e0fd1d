//! Runs that meet: two runs on one input share one lock, an interrupted run finishes what
//! is in flight, unknown rows are resolved both ways.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_on_one_account_meet_on_one_lock_and_the_second_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (server, ledger) = mock_with_ledger(dir.path(), MockConfig::default()).await;
    server.inject(Fault::Hold);
    server.inject(Fault::Hold);
    let file = write(dir.path(), "staff.csv", &employees(10));
    let account = dir.path().join("account.jsonl");
    let url = server.base_url();
    let args = [
        "bulk",
        s(&file),
        "--base-url",
        &url,
        "--concurrency",
        "2",
        "--ledger",
        s(&account),
    ];
    let first = spawn(&args, server.api_key());
    let first_pid = first.id().expect("a pid");
    within(server.wait_for_orders(2), "two orders held in flight").await;

    // The same input, and a copy of it elsewhere: one account, one ledger, one lock.
    let out = run(&args, Some(server.api_key())).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains(&format!("pid {first_pid} on host "))
            && stderr.contains("account.jsonl")
            && stderr.contains("nothing was sent"),
        "{stderr}"
    );
    let elsewhere = dir.path().join("copy");
    std::fs::create_dir(&elsewhere).unwrap();
    let copy = write(&elsewhere, "staff.csv", &employees(10));
    let mut copied = args.to_vec();
    copied[1] = s(&copy);
    let out = run(&copied, Some(server.api_key())).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert_eq!(server.orders_created(), 2, "the refused runs sent nothing");

    server.release_held();
    let (code, stdout) = finish(first).await;
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("10 placed"), "{stdout}");

    let out = run(&copied, Some(server.api_key())).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("10 ordered earlier"));
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
    assert!(stdout.contains("9 placed, 3 ordered earlier"), "{stdout}");
    assert_each_once(&ledger, 12);
}

/// A created order whose answer was lost is found by lookup during the run; a 502 that
/// created nothing stays unknown, is looked up again by `resolve --lookup` (nothing), can only
/// be recorded as not placed once CertCentral confirms it, and the rerun sends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_rows_are_looked_up_resolved_and_the_rerun_finishes() {
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
    let account = dir.path().join("account.jsonl");
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
        "--ledger",
        s(&account),
    ];
    let out = run(&args, Some(server.api_key())).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("1 found by lookup") && stdout.contains("1 unknown"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("--unique-alternative-order-ids"),
        "no flag that resends is suggested: {stdout}"
    );
    let ids = ids_by_line(&report);
    let (created, lost) = (&ids[&2], &ids[&3]);
    assert!(
        stdout.contains(lost.as_str()) && stdout.contains("resolve --lookup"),
        "{stdout}"
    );
    let order_id = server.orders_with_alternative_id(created)[0].order_id;
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let row2 = &written["rows"][0];
    assert_eq!(
        (row2["outcome"].as_str(), row2["order_id"].as_i64()),
        (Some("found"), Some(order_id))
    );

    let resolve = |how: &[&str]| {
        let mut a = vec!["resolve", "--base-url", &url, "--ledger", s(&account)];
        a.extend(how);
        a.into_iter().map(String::from).collect::<Vec<_>>()
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
    // Looked up again: still nothing (exit 3).
    let out = call(resolve(&["--lookup"])).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("no order with this alternative id yet"));
    // A done order is not resolved again; the lost one is recorded as not placed.
    let out = call(resolve(&[created.as_str(), "--not-placed"])).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "a done order is not resolved again"
    );
    assert!(text(&out.stderr).contains(&format!("is done (order {order_id})")));
    let out = call(resolve(&[lost.as_str(), "--not-placed"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

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
    assert_eq!(summary["totals"]["ordered_earlier"], 3);
    assert_eq!(summary["exit_code"], 0);
    let earlier = events
        .iter()
        .find(|e| e["emails"][0] == "employee0@example.com")
        .expect("an event for every row");
    assert_eq!(earlier["order_id"], order_id, "from CertCentral");
    assert_each_once(&ledger, 4);
}

/// `--not-placed` asks CertCentral first: an order it has is never recorded as absent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_placed_is_refused_when_certcentral_has_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let server = mock(MockConfig::default()).await;
    // Held before it takes effect until the run has looked and given up: unknown.
    server.inject(Fault::HoldBeforeRecording);
    let file = write(dir.path(), "staff.csv", &employees(1));
    let account = dir.path().join("account.jsonl");
    let report = dir.path().join("report.json");
    let url = server.base_url();
    let mut child = spawn(
        &[
            "bulk",
            s(&file),
            "--base-url",
            &url,
            "--ledger",
            s(&account),
            "--report",
            s(&report),
        ],
        server.api_key(),
    );
    // The client's attempt times out only after 60 s: the order is released once its request
    // is in, and the row's answer is lost by killing the run.
    within(server.wait_for_orders_in_progress(1), "the order in flight").await;
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    server.release_held();
    within(server.wait_for_orders(1), "the late order").await;
    let lost = std::fs::read_to_string(&account)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|e| e["event"] == "sending")
        .unwrap()["alternative_order_id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = run(
        &[
            "resolve",
            "--base-url",
            &url,
            "--ledger",
            s(&account),
            &lost,
            "--not-placed",
        ],
        Some(server.api_key()),
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("CertCentral has order") && stderr.contains("not absent"),
        "{stderr}"
    );
    let out = run(
        &[
            "resolve",
            "--base-url",
            &url,
            "--ledger",
            s(&account),
            "--lookup",
        ],
        Some(server.api_key()),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("found, order {}", server.ledger()[0].order_id)));
}
