//! A fleet on one key through Redis: 1, 2, 4 and 8 worker processes, 8 or 32 orders in flight
//! each, against the mock with DigiCert's 5-second window (100 requests) and a latency of 20 or
//! 150 ms per request. Reports the achieved rate as a fraction of the fastest the window allows
//! (by arrival at the mock, as DigiCert counts: from the first order's to the last's), the
//! 429s drawn, and the Redis calls per placed order (`INFO commandstats`: the pacing
//! scripts' calls, asking and marking answered). Targets: rate at least 0.95, no 429, a
//! handful of calls per order that does not grow with workers or orders in flight.
//!
//! `cargo bench -p certcentral-tests --features redis --bench fleet` (needs `redis-server`;
//! about 6 minutes).

use certcentral_mock::{Fault, MockConfig, MockServer, RateLimit};
use certcentral_tests::{RedisServer, run_fleet};
use std::time::{Duration, Instant};

/// DigiCert's short window (the spec's `x-certcentral-rate-limits`): the one that binds in a
/// run of seconds.
const WINDOW: (u32, Duration) = (100, Duration::from_secs(5));
/// Orders per run, split among the workers: five windows' worth, so that the steady rate, not
/// the first burst, dominates.
const ORDERS: usize = 500;

/// The fastest schedule the window allows for `orders` (each order at the earliest moment the
/// window has room): when the last one may leave.
fn floor(orders: usize) -> Duration {
    let (max, window) = (WINDOW.0 as usize, WINDOW.1);
    let mut sent: Vec<Duration> = Vec::with_capacity(orders);
    for i in 0..orders {
        let at = i
            .checked_sub(max)
            .map(|j| sent[j] + window)
            .unwrap_or_default();
        sent.push(at);
    }
    sent.last().copied().unwrap_or_default()
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let redis = RedisServer::start();
    let worker = env!("CARGO_BIN_EXE_fleet_worker");
    println!(
        "| workers | in flight each | latency | orders | first to last arrival | achieved / allowed rate | 429s | Redis calls per order |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for latency in [20, 150].map(Duration::from_millis) {
        for workers in [1, 2, 4, 8] {
            for in_flight in [8, 32] {
                let server = rt
                    .block_on(MockServer::start(
                        MockConfig::default().rate_limits(vec![RateLimit::new(WINDOW.0, WINDOW.1)]),
                    ))
                    .unwrap_or_else(|e| panic!("{e}"));
                for _ in 0..ORDERS {
                    server.inject(Fault::Delay(latency));
                }
                redis.cli(&["FLUSHALL"]);
                redis.cli(&["CONFIG", "RESETSTAT"]);
                let reports = run_fleet(
                    worker,
                    &server.base_url(),
                    server.api_key(),
                    Some(&redis.target()),
                    &[WINDOW],
                    workers,
                    ORDERS / workers,
                    in_flight,
                );
                let arrivals: Vec<Instant> =
                    server.requests().iter().map(|r| r.received_at).collect();
                let span = match (arrivals.iter().min(), arrivals.iter().max()) {
                    (Some(first), Some(last)) => last.duration_since(*first),
                    _ => Duration::ZERO,
                };
                let placed: u64 = reports.iter().map(|r| r.placed).sum();
                let limited: u64 = reports.iter().map(|r| r.rate_limited).sum();
                let ratio = floor(placed as usize).as_secs_f64() / span.as_secs_f64();
                let calls = redis.script_calls() as f64 / placed.max(1) as f64;
                println!(
                    "| {workers} | {in_flight} | {} ms | {placed} | {:.2} s | {ratio:.3} | {limited} | {calls:.1} |",
                    latency.as_millis(),
                    span.as_secs_f64()
                );
            }
        }
    }
}
