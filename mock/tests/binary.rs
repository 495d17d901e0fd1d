//! The `certcentral-mock` binary, run as users run it: its ledger file can be read from outside.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The binary, killed when the test ends however it ends.
struct Mock(Child);

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_appends_every_order_to_its_ledger_file() {
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
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("the mock prints where it listens");
    let base_url = first
        .trim()
        .strip_prefix("mock CertCentral listening: ")
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .to_string();

    let http = reqwest::Client::new();
    let mut sent = Vec::new();
    for (n, product) in ["class1_smime", "client_premium"].into_iter().enumerate() {
        let mut body = certcentral_table::TABLE
            .complete(product, serde_json::json!({ "skip_approval": true }))
            .expect("a valid order exists");
        let alternative = format!("ledgerfile{n}");
        body["alternative_order_id"] = alternative.clone().into();
        let path = certcentral_table::TABLE
            .order_path
            .replace("{client_certificate_id}", product);
        let response = http
            .post(format!("{base_url}{path}"))
            .header("X-DC-DEVKEY", certcentral_mock::DEFAULT_API_KEY)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("the mock answers");
        assert_eq!(response.status(), 201, "{product}");
        let answer: serde_json::Value =
            serde_json::from_slice(&response.bytes().await.expect("a body")).expect("JSON");
        sent.push((answer["id"].clone(), alternative, product));
    }
    // A refused order is not on the ledger.
    let refused = http
        .post(format!(
            "{base_url}{}",
            certcentral_table::TABLE
                .order_path
                .replace("{client_certificate_id}", "class1_smime")
        ))
        .header("X-DC-DEVKEY", certcentral_mock::DEFAULT_API_KEY)
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("the mock answers");
    assert_eq!(refused.status(), 400);

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
    let _ = std::fs::remove_dir_all(&dir);
}
