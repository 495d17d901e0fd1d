//! The fleet: worker processes ordering against one mock with one key, pacing together
//! through Redis (or each alone), each reporting what it got.

use crate::RedisTarget;
use serde_json::Value;
use std::process::{Child, Command, Stdio};

/// What one fleet worker process reports (one JSON line on its standard output).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WorkerReport {
    /// Orders placed.
    pub placed: u64,
    /// Orders answered 429 (not retried).
    pub rate_limited: u64,
    /// Any other outcome.
    pub other: u64,
}

/// Runs `workers` fleet worker processes against the mock at `base_url`, each placing
/// `orders` orders (`in_flight` at a time) under `windows`, sharing their pacing through
/// `redis` (or each pacing alone when `None`); waits for all and returns their reports.
#[allow(clippy::too_many_arguments)]
pub fn run_fleet(
    worker: &str,
    base_url: &str,
    api_key: &str,
    redis: Option<&RedisTarget>,
    windows: &[(u32, std::time::Duration)],
    workers: usize,
    orders: usize,
    in_flight: usize,
) -> Vec<WorkerReport> {
    let windows: Vec<String> = windows
        .iter()
        .map(|(max, w)| format!("{max}/{}", w.as_millis()))
        .collect();
    let children: Vec<Child> = (0..workers)
        .map(|k| {
            let mut command = Command::new(worker);
            if let Some(redis) = redis {
                command.envs(redis.env());
            }
            command
                .env("FLEET_MOCK_URL", base_url)
                .env("FLEET_API_KEY", api_key)
                .env("FLEET_WINDOWS", windows.join(","))
                .env("FLEET_WORKER", k.to_string())
                .env("FLEET_ORDERS", orders.to_string())
                .env("FLEET_IN_FLIGHT", in_flight.to_string())
                .stdout(Stdio::piped())
                .spawn()
                .expect("the fleet worker starts")
        })
        .collect();
    children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().expect("the fleet worker runs");
            assert!(output.status.success(), "a fleet worker failed: {output:?}");
            let line = String::from_utf8_lossy(&output.stdout);
            let report: Value = serde_json::from_str(line.trim()).expect("a JSON report");
            let n = |k: &str| report[k].as_u64().unwrap_or_default();
            WorkerReport {
                placed: n("placed"),
                rate_limited: n("rate_limited"),
                other: n("other"),
            }
        })
        .collect()
}
