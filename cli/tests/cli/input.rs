//! What the command reads, checked before anything is sent: validation reports with file,
//! line, parameter and rule; spreadsheets as exported; the line limit; templates; every check
//! before the first order.

use super::*;

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
        stdout.contains(&format!(
            "{}:7 (not-an-address): certificate.emails[0]",
            s(&file)
        )),
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
    assert!(
        stdout.contains(":2 (xxxx") && stdout.contains("(52428800 bytes)): certificate.emails[0]"),
        "{stdout}"
    );
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
        // As written, its example row is a comment: nothing to order.
        let out = run(&["template", "--product", product.id], None).await;
        assert_eq!(out.status.code(), Some(0));
        let path = write(dir.path(), "template.csv", &text(&out.stdout));
        let out = run(&["bulk", s(&path), "--dry-run"], None).await;
        assert!(
            text(&out.stdout).contains("0 row(s)"),
            "{}: {}{}",
            product.id,
            text(&out.stdout),
            text(&out.stderr)
        );
        let out = run(&["template", "--product", product.id, "--example"], None).await;
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

/// What a file is, said instead of guessed; one mailbox on two rows; a thousand identical
/// errors as three lines and a count.
#[tokio::test]
async fn files_that_are_not_orders_and_rows_that_repeat_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("staff.csv");
    std::fs::write(&pdf, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n").unwrap();
    let out = run(&["bulk", s(&pdf), "--dry-run"], None).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("a PDF document"),
        "{}",
        text(&out.stderr)
    );

    let twice = write(
        dir.path(),
        "twice.csv",
        "product,certificate.emails,certificate.signature_hash,order_validity.years\n\
         class1_smime,Ann@Example.com,sha256,1\n\
         class1_smime,ann@example.com ,sha256,1\n\
         client_authentication_plus,ann@example.com,sha256,1\n",
    );
    let out = run(&["bulk", s(&twice), "--dry-run"], None).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("twice.csv:3")
            && stdout.contains(
                "already ordered for class1_smime by line 2, spelt `Ann@Example.com` there"
            ),
        "{stdout}"
    );
    assert!(
        text(&out.stderr).contains("also ordered by line 2 for another product"),
        "{}",
        text(&out.stderr)
    );

    let mut many = String::from(
        "product,certificate.emails,certificate.signature_hash,order_validity.years\n",
    );
    for i in 0..1000 {
        many.push_str(&format!("class1_smime,person{i}@example.com,sha1,1\n"));
    }
    let file = write(dir.path(), "many.csv", &many);
    let out = run(&["bulk", s(&file), "--dry-run"], None).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout.matches("[schema.enum]").count(), 4, "{stdout}");
    assert!(
        stdout.contains("many.csv:2 (person0@example.com)")
            && stdout.contains("… and 997 more row(s) like this: certificate.signature_hash"),
        "{stdout}"
    );
}

/// A key file others can read is used, and warned about as ssh does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_file_others_can_read_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let server = mock(MockConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let key = write(dir.path(), "key", server.api_key());
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let file = write(dir.path(), "staff.csv", &employees(1));
    let url = server.base_url();
    let out = run(
        &[
            "bulk",
            s(&file),
            "--base-url",
            &url,
            "--api-key-file",
            s(&key),
            "--dry-run",
        ],
        None,
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("can be read by other users (mode 644)") && stderr.contains("chmod 600"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(server.api_key()),
        "the key is never echoed"
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = run(
        &[
            "bulk",
            s(&file),
            "--base-url",
            &url,
            "--api-key-file",
            s(&key),
            "--dry-run",
        ],
        None,
    )
    .await;
    assert!(
        !text(&out.stderr).contains("can be read"),
        "{}",
        text(&out.stderr)
    );
}
