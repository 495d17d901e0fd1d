//! One certificate per mailbox and product, whatever the route to it: copies, links, edits,
//! `order` then `bulk`, another machine; `--again` and renewals as the only ways to a second
//! order; the key checked before anything is sent; workbooks; bounded text; templates.

use super::*;
use std::time::SystemTime;

/// A CSV of `n` Premium rows, person `i` named `First{i} Last{i}` (`last` renames person 0).
fn people(n: usize, last0: &str) -> String {
    let mut csv = String::from(
        "product,certificate.common_name,certificate.common_name_indicator,certificate.emails,\
         certificate.individual.first_name,certificate.individual.last_name,\
         certificate.signature_hash,order_validity.years,organization.id,skip_approval\n",
    );
    for i in 0..n {
        let last = if i == 0 {
            last0.to_string()
        } else {
            format!("Last{i}")
        };
        csv.push_str(&format!(
            "client_premium,First{i} {last},given_name_surname,person{i}@example.com,First{i},{last},sha256,1,112233,true\n"
        ));
    }
    csv
}

/// `bulk FILE` against `url`, with the state directory `state` (one user's machine).
async fn bulk_in(state: &Path, file: &Path, url: &str, key: &str, extra: &[&str]) -> Output {
    let mut args = vec!["bulk", s(file), "--base-url", url];
    args.extend(extra);
    run_in(state, &args, Some(key)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_links_edits_order_and_another_machine_add_no_order_and_again_adds_one() {
    let server = mock(MockConfig::default()).await;
    let url = server.base_url();
    let key = server.api_key().to_string();
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let folder = |name: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(&path).unwrap();
        path
    };
    let original = write(&folder("hr"), "staff.csv", &people(10, "Last0"));
    let out = bulk_in(state.path(), &original, &url, &key, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(server.orders_created(), 10);
    let first_order = server
        .ledger()
        .iter()
        .find(|e| e.json()["certificate"]["emails"][0] == "person0@example.com")
        .expect("person 0 was ordered")
        .order_id;

    // Every other route to the same ten people.
    let copy = folder("copy").join("staff.csv");
    std::fs::copy(&original, &copy).unwrap();
    let symlink = folder("link").join("staff.csv");
    std::os::unix::fs::symlink(&original, &symlink).unwrap();
    let hard = folder("hard").join("staff.csv");
    std::fs::hard_link(&original, &hard).unwrap();
    let edited = write(&folder("edited"), "staff.csv", &people(10, "Married-Name"));
    for (route, file) in [
        ("a copy in another folder", &copy),
        ("a symlink", &symlink),
        ("a hard link", &hard),
        ("an edited last name", &edited),
    ] {
        let out = bulk_in(state.path(), file, &url, &key, &[]).await;
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{route}: {stdout}{}",
            text(&out.stderr)
        );
        assert!(stdout.contains("10 ordered earlier"), "{route}: {stdout}");
        assert_eq!(server.orders_created(), 10, "{route} ordered again");
    }
    // The edited row says which order and what differs.
    let out = bulk_in(state.path(), &edited, &url, &key, &[]).await;
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("order {first_order}"))
            && stdout.contains("Married-Name")
            && stdout.contains("person0@example.com"),
        "{stdout}"
    );

    // `order` of one of them.
    let single = write(
        dir.path(),
        "person3.json",
        r#"{"certificate": {"common_name": "First3 Last3", "common_name_indicator": "given_name_surname", "emails": ["Person3@Example.com"], "individual": {"first_name": "First3", "last_name": "Last3"}, "signature_hash": "sha256"}, "order_validity": {"years": 1}, "organization": {"id": 112233}}"#,
    );
    let out = run_in(
        state.path(),
        &[
            "order",
            "--product",
            "client_premium",
            s(&single),
            "--base-url",
            &url,
        ],
        Some(&key),
    )
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("nothing was sent") && stdout.contains("ordered earlier"),
        "{stdout}"
    );
    assert_eq!(server.orders_created(), 10, "order of a person bulk placed");

    // Another machine (a state directory of its own): only CertCentral knows.
    let other = tempfile::tempdir().unwrap();
    let out = bulk_in(other.path(), &copy, &url, &key, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("10 ordered earlier"));
    assert_eq!(server.orders_created(), 10, "another machine ordered again");

    // `--again` for one person adds exactly one order, and says it is billed.
    let one = write(dir.path(), "one.csv", &people(1, "Last0"));
    let out = bulk_in(state.path(), &one, &url, &key, &["--again"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert_eq!(server.orders_created(), 11);
    let newest = server.ledger().pop().unwrap();
    let first_alternative = server.ledger()[0].alternative_order_id.clone();
    assert_ne!(
        newest.alternative_order_id, first_alternative,
        "a re-order has an alternative id of its own"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_that_expires_in_10_days_is_renewed_with_renewal_of_order_id() {
    let year = Duration::from_secs(365 * 86_400);
    let ten_days = Duration::from_secs(10 * 86_400);
    // The order is placed and picked up 355 days ago, by the mock's clock.
    let server = mock(MockConfig::default().start_at(SystemTime::now() - year + ten_days)).await;
    let url = server.base_url();
    let key = server.api_key().to_string();
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "staff.csv", &people(2, "Last0"));
    let out = bulk_in(state.path(), &file, &url, &key, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Person 0's order (the two rows are sent concurrently: either may be first).
    let old = server
        .ledger()
        .iter()
        .find(|e| e.json()["certificate"]["emails"][0] == "person0@example.com")
        .expect("person 0 was ordered")
        .order_id;
    server.advance(Duration::from_secs(2)); // past the mock's issue_after: waiting for pickup
    assert!(
        server.pick_up(old),
        "the certificate of order {old} is issued"
    );
    server.set_time(SystemTime::now());

    // Row 2 (person1) has no certificate yet (waiting for pickup): still ordered.
    let out = bulk_in(state.path(), &file, &url, &key, &["--dry-run"]).await;
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("1 to renew") && stdout.contains("1 ordered earlier"),
        "{stdout}"
    );
    assert_eq!(server.orders_created(), 2, "a dry run sends nothing");
    let out = bulk_in(state.path(), &file, &url, &key, &[]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert_eq!(server.orders_created(), 3, "{stdout}");
    let renewal = server.ledger().pop().unwrap();
    assert_eq!(renewal.json()["renewal_of_order_id"], old);
    assert_eq!(
        renewal.json()["certificate"]["emails"][0],
        "person0@example.com"
    );
    // Renewed once: the new order blocks a third.
    let out = bulk_in(state.path(), &file, &url, &key, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(server.orders_created(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_found_by_one_call_and_no_order_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.jsonl");
    let server = mock(MockConfig::default().access_log(&log)).await;
    let file = write(dir.path(), "staff.csv", &employees(40));
    let url = server.base_url();
    let out = run(&["bulk", s(&file), "--base-url", &url], Some("not-the-key")).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("401") && stderr.contains("nothing was sent"),
        "{stderr}"
    );
    assert!(!stderr.contains("not-the-key"), "the key is never echoed");
    let calls: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(calls.len(), 1, "one call proves the key wrong: {calls:?}");
    assert_eq!(calls[0]["status"], 401);
    assert_ne!(calls[0]["operation"], "order");
    assert_eq!(server.orders_created(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xlsx_of_three_people_orders_three() {
    let dir = tempfile::tempdir().unwrap();
    let server = mock(MockConfig::default()).await;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let notes = workbook.add_worksheet();
    notes.set_name("Read me").unwrap();
    notes
        .write(0, 0, "Staff to certify: see the next sheet")
        .unwrap();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Staff").unwrap();
    let header = [
        "product",
        "certificate.emails",
        "certificate.signature_hash",
        "order_validity.years",
        "skip_approval",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write(0, c as u16, *h).unwrap();
    }
    for r in 1..=3u32 {
        sheet.write(r, 0, "class1_smime").unwrap();
        sheet.write(r, 1, format!("xlsx{r}@example.com")).unwrap();
        sheet.write(r, 2, "sha256").unwrap();
        // A number cell, as a spreadsheet keeps it.
        sheet.write(r, 3, 1).unwrap();
        sheet.write(r, 4, "true").unwrap();
    }
    let path = dir.path().join("staff.xlsx");
    workbook.save(&path).unwrap();
    let url = server.base_url();
    // The first sheet is the notes: not orders.
    let out = run(
        &["bulk", s(&path), "--base-url", &url],
        Some(server.api_key()),
    )
    .await;
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(server.orders_created(), 0);
    let out = run(
        &["bulk", s(&path), "--sheet", "Staff", "--base-url", &url],
        Some(server.api_key()),
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let mut emails: Vec<String> = server
        .ledger()
        .iter()
        .map(|e| {
            e.json()["certificate"]["emails"][0]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    emails.sort();
    assert_eq!(
        emails,
        [
            "xlsx1@example.com",
            "xlsx2@example.com",
            "xlsx3@example.com"
        ]
    );
    assert!(
        server
            .ledger()
            .iter()
            .all(|e| e.json()["order_validity"]["years"] == 1)
    );
}

#[tokio::test]
async fn common_names_are_one_line_of_at_most_64_characters() {
    let dir = tempfile::tempdir().unwrap();
    let order = |cn: &str| {
        serde_json::json!({
            "certificate": {
                "common_name": cn, "common_name_indicator": "given_name_surname",
                "emails": ["a@example.com"],
                "individual": {"first_name": "A", "last_name": "B"}, "signature_hash": "sha256",
            },
            "order_validity": {"years": 1}, "organization": {"id": 1},
        })
        .to_string()
    };
    let cases = [
        ("64", "x".repeat(64), true),
        ("65", "x".repeat(65), false),
        ("newline", "Alice\nExample".to_string(), false),
        ("tab", "Alice\tExample".to_string(), false),
        ("accented", "Zoë Ångström-Łukasz".to_string(), true),
    ];
    for (name, cn, valid) in cases {
        let file = write(dir.path(), &format!("{name}.json"), &order(&cn));
        let out = run(&["validate", "--product", "client_premium", s(&file)], None).await;
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        if valid {
            assert_eq!(out.status.code(), Some(0), "{name}: {all}");
        } else {
            assert_eq!(out.status.code(), Some(1), "{name}: {all}");
            assert!(all.contains("certificate.common_name"), "{name}: {all}");
        }
    }
    let file = write(dir.path(), "long.json", &order(&"x".repeat(65)));
    let out = run(&["validate", "--product", "client_premium", s(&file)], None).await;
    assert!(text(&out.stdout).contains("at most 64 characters, got 65"));
    let file = write(dir.path(), "nl.json", &order("Alice\nExample"));
    let out = run(&["validate", "--product", "client_premium", s(&file)], None).await;
    assert!(
        text(&out.stdout)
            .contains("one line of text without control characters: character 6 is U+000A"),
        "{}",
        text(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_with_two_people_appended_orders_two() {
    let dir = tempfile::tempdir().unwrap();
    let server = mock(MockConfig::default()).await;
    let out = run(&["template", "--product", "class1_smime"], None).await;
    let mut template = text(&out.stdout);
    let header: Vec<String> = template
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(String::from)
        .collect();
    for who in ["ann@example.com", "bob@example.com"] {
        let row: Vec<&str> = header
            .iter()
            .map(|h| match h.trim_end_matches('*') {
                "product" => "class1_smime",
                "certificate.emails" => who,
                "certificate.signature_hash" => "sha256",
                "order_validity.years" => "1",
                _ => "",
            })
            .collect();
        template.push_str(&row.join(","));
        template.push('\n');
    }
    let file = write(dir.path(), "filled.csv", &template);
    let url = server.base_url();
    let out = run(
        &["bulk", s(&file), "--base-url", &url],
        Some(server.api_key()),
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let mut emails: Vec<String> = server
        .ledger()
        .iter()
        .map(|e| {
            e.json()["certificate"]["emails"][0]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    emails.sort();
    assert_eq!(
        emails,
        ["ann@example.com", "bob@example.com"],
        "never the example's alice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_maintenance_window_is_waited_for_and_one_past_max_wait_places_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = mock(MockConfig::default()).await;
    let url = server.base_url();
    let file = write(dir.path(), "staff.csv", &employees(1));
    let args = |max_wait: &'static str| {
        vec![
            "bulk".to_string(),
            s(&file).to_string(),
            "--base-url".into(),
            url.clone(),
            // The client's own retries end within 2 s: the Retry-After is the command's to wait.
            "--request-timeout".into(),
            "1s".into(),
            "--max-wait".into(),
            max_wait.into(),
        ]
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

    // Two hours of maintenance, fifteen minutes of patience: nothing placed, and said so.
    server.inject(Fault::MaintenanceFor(Duration::from_secs(7200)));
    let out = call(args("15m")).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("asks to wait 2h, past --max-wait 15m")
            && stderr.contains("nothing was placed"),
        "{stderr}"
    );
    assert_eq!(server.orders_created(), 0);

    // Three seconds: waited for, said, and the row placed once.
    server.inject(Fault::MaintenanceFor(Duration::from_secs(3)));
    let out = call(args("15m")).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("nothing was placed; waiting 3s as CertCentral asks"),
        "{stderr}"
    );
    assert_eq!(server.orders_created(), 1);
}
