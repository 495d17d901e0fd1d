//! Runs that meet: two runs on one input share one lock, an interrupted run finishes what
//! is in flight, unknown rows are resolved both ways.

use super::*;

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
