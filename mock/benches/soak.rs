//! The mock binary under a long run: its resident memory (VmRSS) as orders accumulate, with the
//! ledger capped, after 200 unauthenticated 1.9 MB bodies, and its throughput with unique
//! alternative ids as the ledger grows.
//!
//! `cargo bench -p certcentral-mock --bench soak [-- ORDERS]` (default 120,000 orders)

use futures_util::StreamExt;
use std::process::Stdio;
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const CONCURRENCY: usize = 32;
const STEP: usize = 20_000;

struct Mock {
    child: Child,
    base_url: String,
}

impl Mock {
    async fn start(args: &[&str]) -> Mock {
        let mut child = Command::new(env!("CARGO_BIN_EXE_certcentral-mock"))
            .args(["--port", "0", "--no-rate-limits"])
            .args(args)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("the mock binary: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("stdout"));
        let mut lines = BufReader::new(stdout).lines();
        let mut base_url = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(url) = line.strip_prefix("mock CertCentral listening: ") {
                base_url = url.to_string();
                break;
            }
        }
        assert!(
            !base_url.is_empty(),
            "the mock did not say where it listens"
        );
        Mock { child, base_url }
    }

    /// Resident memory in MiB, from /proc.
    fn rss_mib(&self) -> f64 {
        let pid = self.child.id().unwrap_or_default();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(f64::NAN);
        kib / 1024.0
    }
}

impl Mock {
    /// The order operation's URL for `product`, from the spec's path.
    fn order_url(&self, product: &str) -> String {
        let path = certcentral_table::TABLE
            .order_path
            .replace("{client_certificate_id}", product);
        format!("{}{path}", self.base_url)
    }
}

/// Places `count` orders (ids from `first`), `CONCURRENCY` at a time; returns orders/s.
async fn place(http: &reqwest::Client, mock: &Mock, first: usize, count: usize) -> f64 {
    let url = mock.order_url("class1_smime");
    let start = Instant::now();
    let created = futures_util::stream::iter(first..first + count)
        .map(|i| {
            let body = format!(
                r#"{{"certificate":{{"emails":["soak{i}@example.com"],"signature_hash":"sha256"}},"order_validity":{{"years":1}},"alternative_order_id":"soak{i}"}}"#
            );
            http.post(&url)
                .header(certcentral_table::API_KEY_HEADER, "mock-api-key")
                .header("Content-Type", "application/json")
                .body(body)
                .send()
        })
        .buffer_unordered(CONCURRENCY)
        .filter(|r| std::future::ready(r.as_ref().is_ok_and(|r| r.status() == 201)))
        .count()
        .await;
    assert_eq!(created, count, "every order was created");
    count as f64 / start.elapsed().as_secs_f64()
}

async fn run(orders: usize) {
    let http = reqwest::Client::new();

    let mock = Mock::start(&[]).await;
    let before = mock.rss_mib();
    let url = mock.order_url("class1_smime");
    let big = "x".repeat(1_900_000);
    for _ in 0..200 {
        let r = http.post(&url).body(big.clone()).send().await;
        assert!(r.is_ok_and(|r| r.status() == 401));
    }
    println!(
        "200 unauthenticated 1.9 MB bodies: VmRSS {before:.1} MiB -> {:.1} MiB",
        mock.rss_mib()
    );

    for (label, args) in [
        (
            "ledger capped at 20,000",
            &["--ledger-capacity", "20000"][..],
        ),
        (
            "unique alternative ids, ledger capped at 100,000 (the default)",
            &["--unique-alternative-order-ids"][..],
        ),
    ] {
        let mock = Mock::start(args).await;
        println!("\n{label}: orders, VmRSS, orders/s over the last {STEP}");
        println!("{:>8} {:>9.1} MiB", 0, mock.rss_mib());
        let mut done = 0;
        while done < orders {
            let rate = place(&http, &mock, done, STEP).await;
            done += STEP;
            println!("{done:>8} {:>9.1} MiB {rate:>9.0}/s", mock.rss_mib());
        }
    }
}

fn main() {
    let orders = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(120_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(run(orders));
}
