//! The built `certcentral` binary, run as a subprocess against a mock CertCentral on real
//! HTTP (in this process, so that its ledger and faults can be read and scripted).
//!
//! One test binary (each binary links the whole graph); its modules by what the command does.

mod bulk;
mod follow;
mod input;
mod lookup;
mod order;
mod overlap;
mod routes;

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
    run_in(state.path(), args, key).await
}

/// Runs the binary to completion with `state` as its state directory (`$XDG_STATE_HOME`): runs
/// that share it share the account's default ledger, as one user's runs do.
async fn run_in(state: &Path, args: &[&str], key: Option<&str>) -> Output {
    let mut command = tokio::process::Command::new(BIN);
    command
        .args(args)
        .env_remove("DIGICERT_API_KEY")
        .env("XDG_STATE_HOME", state);
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
