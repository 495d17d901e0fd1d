//! A fleet on one key: 1, 2, 4 and 8 worker processes against the mock with DigiCert's windows
//! scaled down (20 / 250 ms and 60 / 2 s: 30 orders a second at length), each pacing alone or
//! all sharing their pacing through Redis. Reports the achieved rate as a fraction of the
//! allowed one, and the 429s drawn. Target with the shared limiter: at least 0.9, no 429.
//!
//! `cargo bench -p certcentral-tests --features redis --bench fleet` (needs `redis-server`).

use certcentral_mock::{MockConfig, MockServer, RateLimit};
use certcentral_tests::{RedisServer, run_fleet};
use std::time::{Duration, Instant};

const WINDOWS: [(u32, Duration); 2] = [
    (20, Duration::from_millis(250)),
    (60, Duration::from_secs(2)),
];
/// Orders per worker, so that every run lasts several long windows.
const ORDERS: usize = 60;

/// The fastest schedule the windows allow for `orders` (each order at the earliest moment
/// every window has room): when the last one may leave.
fn floor(orders: usize) -> Duration {
    let mut sent: Vec<Duration> = Vec::with_capacity(orders);
    for _ in 0..orders {
        let at = WINDOWS
            .iter()
            .filter_map(|(max, window)| {
                let max = *max as usize;
                // The order `max` places back must have left this window.
                sent.len().checked_sub(max).map(|i| sent[i] + *window)
            })
            .max()
            .unwrap_or_default()
            .max(sent.last().copied().unwrap_or_default());
        sent.push(at);
    }
    sent.last().copied().unwrap_or_default()
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let redis = RedisServer::start();
    let worker = env!("CARGO_BIN_EXE_fleet_worker");
    println!("| workers | orders | pacing | time | achieved / allowed rate | 429s |");
    println!("|---|---|---|---|---|---|");
    for workers in [1, 2, 4, 8] {
        for shared in [false, true] {
            let server = rt
                .block_on(MockServer::start(
                    MockConfig::default().rate_limits(
                        WINDOWS
                            .iter()
                            .map(|(m, w)| RateLimit::new(*m, *w))
                            .collect(),
                    ),
                ))
                .unwrap_or_else(|e| panic!("{e}"));
            let redis_url = redis.url();
            let start = Instant::now();
            let reports = run_fleet(
                worker,
                &server.base_url(),
                server.api_key(),
                shared.then_some(redis_url.as_str()),
                &WINDOWS,
                workers,
                ORDERS,
            );
            let elapsed = start.elapsed();
            let placed: u64 = reports.iter().map(|r| r.placed).sum();
            let limited: u64 = reports.iter().map(|r| r.rate_limited).sum();
            let ratio = floor(placed as usize).as_secs_f64() / elapsed.as_secs_f64();
            println!(
                "| {workers} | {} | {} | {:.2} s | {ratio:.3} | {limited} |",
                workers * ORDERS,
                if shared {
                    "shared (Redis)"
                } else {
                    "each alone"
                },
                elapsed.as_secs_f64()
            );
        }
    }
}
