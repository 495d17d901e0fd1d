//! The `certcentral-mock` binary, run as users run it: its ledger file can be read from outside.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

/// The binary, killed when the test ends however it ends.
struct Mock(Child);

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One order POSTed over a plain HTTP/1.1 connection (no client library: the workspace's
/// reqwest has no TLS provider of its own); the status and the body.
fn post(base_url: &str, product: &str, body: &str) -> (u16, String) {
    let url = base_url.strip_prefix("http://").expect("an http URL");
    let (host, prefix) = url.split_once('/').map_or((url, ""), |(h, p)| (h, p));
    // The order path's one parameter is the product.
    let template = certcentral_table::TABLE.order_path;
    let (stem, rest) = template.split_once('{').expect("a placeholder");
    let path = format!("{stem}{product}{}", rest.split_once('}').expect("closed").1);
    let mut stream = std::net::TcpStream::connect(host).expect("the mock listens");
    write!(
        stream,
        "POST /{prefix}{path} HTTP/1.1\r\nHost: {host}\r\n{}: {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        certcentral_table::API_KEY_HEADER,
        certcentral_mock::DEFAULT_API_KEY,
        body.len()
    )
    .expect("the request is sent");
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .expect("the answer is read");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn the_binary_appends_every_order_to_its_ledger_file() {
    let dir = std::env::temp_dir().join(format!("certcentral-mock-ledger-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let ledger = dir.join("ledger.jsonl");
    let _ = std::fs::remove_file(&ledger);
    let mut child = Command::new(env!("CARGO_BIN_EXE_certcentral-mock"))
        .args(["--prevalidated", "--ledger"])
        .arg(&ledger)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the mock binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mock = Mock(child);
    // Kept open to the end: the mock writes to it after the first line.
    let mut stdout = BufReader::new(stdout);
    let mut first = String::new();
    stdout
        .read_line(&mut first)
        .expect("the mock prints where it listens");
    let base_url = first
        .trim()
        .strip_prefix("mock CertCentral listening: ")
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .to_string();

    let mut sent = Vec::new();
    for (n, product) in ["class1_smime", "client_premium"].into_iter().enumerate() {
        let mut body = certcentral_table::TABLE
            .complete(product, serde_json::json!({ "skip_approval": true }))
            .expect("a valid order exists");
        let alternative = format!("ledgerfile{n}");
        body["alternative_order_id"] = alternative.clone().into();
        let (status, answer) = post(&base_url, product, &body.to_string());
        assert_eq!(status, 201, "{product}: {answer}");
        let answer: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
        sent.push((answer["id"].clone(), alternative, product));
    }
    // A refused order is not on the ledger.
    assert_eq!(post(&base_url, "class1_smime", "{}").0, 400);

    // Each 201 was answered after its line was written.
    let text = std::fs::read_to_string(&ledger).expect("the ledger file exists");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    for (line, (order_id, alternative, product)) in lines.iter().zip(&sent) {
        assert_eq!(&line["order_id"], order_id);
        assert_eq!(line["alternative_order_id"], alternative.as_str());
        assert_eq!(line["product"], *product);
        assert_eq!(line["status"], "approved");
        assert!(line.get("body").is_none(), "the body may hold card data");
    }
    drop(mock);
    drop(stdout);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_lists_every_option_and_every_fault_with_an_example_that_parses() {
    let out = Command::new(env!("CARGO_BIN_EXE_certcentral-mock"))
        .arg("--help")
        .output()
        .expect("the mock binary runs");
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).expect("UTF-8 help");
    for option in [
        "--port",
        "--api-key",
        "--unique-alternative-order-ids",
        "--prevalidated",
        "--no-rate-limits",
        "--ledger-capacity",
        "--max-connections",
        "--ledger",
        "--fault",
        "--issue-after",
        "--ca-dir",
        "--access-log",
        "--start-at",
        "--validated-mailbox",
        "--lookup-not-found",
    ] {
        assert!(help.contains(option), "{option} in\n{help}");
    }
    // Every operation's short name is listed, for `--fault OPERATION:FAULT`, and parses there.
    for operation in certcentral_table::OPERATIONS {
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(&format!("{} ", operation.name))),
            "{} in\n{help}",
            operation.name
        );
        let targeted = format!("{}:maintenance", operation.name);
        assert_eq!(
            certcentral_mock::Fault::parse_targeted(&targeted),
            Some((operation.name, certcentral_mock::Fault::Maintenance))
        );
    }
    for name in ["lookup", "info", "list", "download"] {
        assert!(
            certcentral_table::OPERATIONS.iter().any(|o| o.name == name),
            "{name}"
        );
    }
    // Every fault is listed as an example that parses, and together they name every fault
    // the flag takes.
    let examples: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Faults"))
        .skip(2)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let mut named: Vec<&str> = examples
        .iter()
        .map(|e| {
            certcentral_mock::Fault::parse(e)
                .unwrap_or_else(|| panic!("the example `{e}` parses"))
                .name()
        })
        .collect();
    named.sort_unstable();
    named.dedup();
    assert_eq!(
        named,
        [
            "answer_after",
            "close_after_recording",
            "close_before_recording",
            "delay",
            "extra_fields",
            "internal_error",
            "maintenance",
            "malformed_json",
            "rate_limited",
            "truncated_body",
            "unlisted_status"
        ],
        "{help}"
    );
}
