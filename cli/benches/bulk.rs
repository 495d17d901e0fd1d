//! `cargo bench -p certcentral-cli --bench bulk [-- ROWS PACED_ROWS]`
//!
//! 1. Validation: `certcentral bulk FILE --dry-run` over ROWS rows (default 1,000), time per
//!    row (the run's time less a one-row run's, so process start-up is not counted).
//! 2. Size: 100,000 rows, and one-line files of 10 and 50 MB (refused as a header), each as
//!    time per MB: the same figure at every size means linear work.
//! 3. Pacing: a real bulk run of PACED_ROWS rows (default 300) against the mock with
//!    DigiCert's limits; the achieved rate, and the most requests the mock saw in any window,
//!    against what the limits allow.
//!
//! Figures are recorded in BENCHMARKS.md.

use certcentral_mock::{MockConfig, MockServer};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_certcentral");

fn csv(rows: usize) -> String {
    let mut csv = String::from(
        "product,certificate.common_name_indicator,certificate.common_name,certificate.individual.first_name,\
         certificate.individual.last_name,certificate.emails,certificate.signature_hash,organization.id,\
         order_validity.years,skip_approval\n",
    );
    for i in 0..rows {
        if i % 2 == 0 {
            csv.push_str(&format!(
                "client_premium,given_name_surname,Person {i},Person,N{i},person{i}@example.com,sha256,112233,1,true\n"
            ));
        } else {
            csv.push_str(&format!(
                "class1_smime,,,,,person{i}@example.com;alias{i}@example.com,sha256,,2,true\n"
            ));
        }
    }
    csv
}

fn timed(args: &[&str], key: Option<&str>) -> Duration {
    timed_exit(args, key, 0)
}

fn timed_exit(args: &[&str], key: Option<&str>, code: i32) -> Duration {
    let mut command = Command::new(BIN);
    command.args(args);
    if let Some(key) = key {
        command.env("DIGICERT_API_KEY", key);
    }
    let start = Instant::now();
    let out = command.output().expect("the binary runs");
    let took = start.elapsed();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

fn best_of(n: usize, f: impl Fn() -> Duration) -> Duration {
    (0..n).map(|_| f()).min().unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let rows: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let paced: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(300);
    let dir = std::env::temp_dir().join(format!("certcentral-bench-bulk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let write = |name: &str, rows: usize| {
        let path = dir.join(name);
        std::fs::write(&path, csv(rows)).expect("a CSV");
        path
    };
    let s = |p: &Path| p.to_string_lossy().into_owned();

    let many = s(&write("many.csv", rows));
    let one = s(&write("one.csv", 1));
    let t_many = best_of(5, || timed(&["bulk", &many, "--dry-run"], None));
    let t_one = best_of(5, || timed(&["bulk", &one, "--dry-run"], None));
    let per_row = t_many.saturating_sub(t_one) / (rows.max(2) as u32 - 1);
    println!(
        "validation: {rows} rows in {:.1} ms (one row: {:.1} ms) => {:.1} µs per row",
        t_many.as_secs_f64() * 1e3,
        t_one.as_secs_f64() * 1e3,
        per_row.as_secs_f64() * 1e6
    );

    let mb = |path: &Path| std::fs::metadata(path).map_or(0.0, |m| m.len() as f64 / 1e6);
    let big = write("big.csv", 100_000);
    let t_big = timed(&["bulk", &s(&big), "--dry-run"], None);
    println!(
        "size: 100000 rows ({:.1} MB) in {:.2} s => {:.0} ms per MB",
        mb(&big),
        t_big.as_secs_f64(),
        t_big.as_secs_f64() * 1e3 / mb(&big)
    );
    for size in [10usize << 20, 50 << 20] {
        let path = dir.join(format!("line-{size}.csv"));
        std::fs::write(&path, format!("product,{}\n", "x".repeat(size))).expect("a file");
        let took = timed_exit(&["bulk", &s(&path), "--dry-run"], None, 2);
        println!(
            "size: one {:.0} MB line, refused in {:.2} s => {:.1} ms per MB",
            mb(&path),
            took.as_secs_f64(),
            took.as_secs_f64() * 1e3 / mb(&path)
        );
    }

    let server = MockServer::start(
        MockConfig::default()
            .prevalidated(true)
            .recent_requests(paced),
    )
    .await
    .expect("the mock starts");
    let file = s(&write("paced.csv", paced));
    let ledger = s(&dir.join("ledger.jsonl"));
    let url = server.base_url();
    let key = server.api_key().to_string();
    let took = tokio::task::spawn_blocking(move || {
        timed(
            &[
                "bulk",
                &file,
                "--ledger",
                &ledger,
                "--base-url",
                &url,
                "--concurrency",
                "8",
            ],
            Some(&key),
        )
    })
    .await
    .expect("the run ends");
    let arrivals: Vec<Instant> = server.requests().iter().map(|r| r.received_at).collect();
    for limit in certcentral_mock::digicert_rate_limits() {
        let most = arrivals
            .iter()
            .map(|start| {
                arrivals
                    .iter()
                    .filter(|t| **t >= *start && t.duration_since(*start) < limit.window)
                    .count()
            })
            .max()
            .unwrap_or(0);
        println!(
            "pacing: at most {most} requests in any {:?} window (allowed: {})",
            limit.window, limit.max_requests
        );
    }
    println!(
        "pacing: {paced} orders in {:.2} s => {:.1} orders/s achieved; {} orders on the ledger",
        took.as_secs_f64(),
        paced as f64 / took.as_secs_f64(),
        server.orders_created()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
