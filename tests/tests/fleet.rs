//! A fleet shares one key: worker processes pacing together through a real Redis stay under
//! DigiCert's (scaled-down) windows, and the failure semantics hold: Redis down (fail closed,
//! or pace alone), a worker that dies holding a slot, Redis restarted mid-run.
//!
//! `cargo test -p certcentral-tests --features redis --test fleet` (needs `redis-server`).

use certcentral::types::ClientCertificateId;
use certcentral::{ApiKey, Client, Error, RateLimits, RedisFailure, RetryPolicy, SharedPacing};
use certcentral_mock::{Fault, MockConfig, MockServer, RateLimit};
use certcentral_tests::{RedisServer, request, run_fleet, valid_body, within};
use std::time::{Duration, Instant};

const SHORT: (u32, Duration) = (20, Duration::from_millis(250));
const LONG: (u32, Duration) = (60, Duration::from_secs(2));

fn mock_config(windows: &[(u32, Duration)]) -> MockConfig {
    MockConfig::default().rate_limits(
        windows
            .iter()
            .map(|(m, w)| RateLimit::new(*m, *w))
            .collect(),
    )
}

fn pacing(windows: &[(u32, Duration)]) -> RateLimits {
    windows
        .iter()
        .fold(RateLimits::none(), |l, (m, w)| l.window(*m, *w))
}

/// Every arrival the mock recorded, held to each window: never more than allowed in any
/// window's span.
fn assert_windows_respected(server: &MockServer, windows: &[(u32, Duration)]) {
    let mut arrivals: Vec<Instant> = server.requests().iter().map(|r| r.received_at).collect();
    arrivals.sort();
    for (max, window) in windows {
        for (i, t) in arrivals.iter().enumerate() {
            let inside = arrivals[..=i]
                .iter()
                .filter(|a| t.duration_since(**a) < *window)
                .count();
            assert!(
                inside <= *max as usize,
                "{inside} arrivals within {window:?}, {max} allowed"
            );
        }
    }
}

#[tokio::test]
async fn four_worker_processes_share_the_key_without_a_429() {
    let redis = RedisServer::start();
    let windows = [SHORT, LONG];
    let server = MockServer::start(mock_config(&windows)).await.unwrap();
    let (workers, orders) = (4, 25);
    let base_url = server.base_url();
    let api_key = server.api_key().to_string();
    let redis_url = redis.url();
    let reports = tokio::task::spawn_blocking(move || {
        run_fleet(
            env!("CARGO_BIN_EXE_fleet_worker"),
            &base_url,
            &api_key,
            Some(&redis_url),
            &windows,
            workers,
            orders,
        )
    })
    .await
    .unwrap();

    let placed: u64 = reports.iter().map(|r| r.placed).sum();
    assert_eq!(placed, (workers * orders) as u64, "{reports:?}");
    assert!(
        reports.iter().all(|r| r.rate_limited == 0 && r.other == 0),
        "{reports:?}"
    );
    // Every order on the ledger exactly once, and no request beyond them (no 429 was drawn).
    let ledger = server.ledger();
    assert_eq!(ledger.len(), workers * orders);
    for k in 0..workers {
        for i in 0..orders {
            let id = format!("w{k}o{i}");
            assert_eq!(server.orders_with_alternative_id(&id).len(), 1, "{id}");
        }
    }
    assert_eq!(server.requests().len(), workers * orders);
    assert_windows_respected(&server, &windows);
}

async fn one_order(client: &Client) -> Result<certcentral::PlacedOrder, Error> {
    client
        .order(
            ClientCertificateId::Class1Smime,
            &request(valid_body("class1_smime")),
        )
        .await
}

#[tokio::test]
async fn redis_down_fails_closed_by_default_or_paces_alone_when_asked() {
    let redis = RedisServer::start();
    let url = redis.url();
    redis.stop();
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let build = |on_failure| {
        Client::builder(ApiKey::new(server.api_key()))
            .base_url(server.base_url())
            .retry(RetryPolicy::none())
            .shared_pacing(SharedPacing::redis(&url).unwrap().on_failure(on_failure))
            .build()
            .unwrap()
    };
    let err = one_order(&build(RedisFailure::FailClosed))
        .await
        .unwrap_err();
    let Error::NotSent { reason, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        reason.contains("shared rate limiter (Redis at redis://127.0.0.1:")
            && reason.contains("CertCentral was not contacted"),
        "{reason}"
    );
    assert!(
        err.to_string()
            .starts_with("nothing was sent: the shared rate limiter"),
        "{err}"
    );
    let source = std::error::Error::source(&err).expect("Redis's error is kept as the source");
    assert!(
        source
            .to_string()
            .to_lowercase()
            .contains("connection refused"),
        "{source}"
    );
    assert!(server.requests().is_empty(), "nothing was sent");

    let placed = one_order(&build(RedisFailure::LocalPacing)).await.unwrap();
    assert_eq!(placed.order_id(), Some(server.ledger()[0].order_id));
}

#[tokio::test]
async fn an_order_failing_closed_on_redis_is_bounded_by_the_deadline_not_the_attempts() {
    let redis = RedisServer::start();
    let url = redis.url();
    redis.stop();
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    // A thousand attempts 50 ms apart would take 50 s; the deadline ends the call at 1 s.
    let client = Client::builder(ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .retry(
            RetryPolicy::default()
                .max_attempts(1000)
                .base_delay(Duration::from_millis(50))
                .max_delay(Duration::from_millis(50)),
        )
        .deadline(Duration::from_secs(1))
        .shared_pacing(SharedPacing::redis(&url).unwrap())
        .build()
        .unwrap();
    let (logs, _guard) = certcentral_tests::Logs::capture(false);
    let err = one_order(&client).await.unwrap_err();
    assert!(matches!(err, Error::NotSent { .. }), "{err:?}");
    let retries = logs.text().matches("retrying").count();
    assert!(
        (1..100).contains(&retries),
        "{retries} retries: the deadline, not the 1,000 attempts, ended the call"
    );
    assert!(server.requests().is_empty(), "nothing was sent");
}

/// A worker killed while its request is in flight holds its place in the shared log until its
/// attempt would have timed out (its hold), then for one window, and no longer.
#[tokio::test]
async fn a_dead_workers_slot_frees_after_its_hold() {
    let redis = RedisServer::start();
    let windows = [(1, Duration::from_millis(300))];
    let server = MockServer::start(mock_config(&[])).await.unwrap();
    // The worker's one request is held at the mock; the worker is killed while it waits.
    server.inject(Fault::Delay(Duration::from_secs(30)));
    let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_fleet_worker"))
        .env("FLEET_MOCK_URL", server.base_url())
        .env("FLEET_API_KEY", server.api_key())
        .env("FLEET_REDIS_URL", redis.url())
        .env("FLEET_WINDOWS", "1/300")
        .env("FLEET_WORKER", "dead")
        .env("FLEET_ORDERS", "1")
        .env("FLEET_TIMEOUT_MS", "1000") // its hold: 1 s + 1 s
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    within(
        server.wait_for_orders_in_progress(1),
        "the worker's request arrived",
    )
    .await;
    worker.kill().unwrap();
    worker.wait().unwrap();
    let dead_at = server.requests()[0].received_at;

    let client = Client::builder(ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .pacing(pacing(&windows))
        .shared_pacing(SharedPacing::redis(&redis.url()).unwrap())
        .build()
        .unwrap();
    let placed = within(
        one_order(&client),
        "the order once the dead worker's hold ended",
    )
    .await
    .unwrap();
    let sent_at = server.requests()[1].received_at;
    // Not before the dead worker's hold (2 s from its departure) and its window had passed.
    assert!(
        sent_at.duration_since(dead_at) >= Duration::from_millis(2000),
        "sent {:?} after the dead worker's request",
        sent_at.duration_since(dead_at)
    );
    assert!(placed.order_id().is_some());
}

/// Redis restarted (its log gone) while a client was ordering: the first client that saw the
/// old log holds the fleet for one longest window before sending again.
#[tokio::test]
async fn a_redis_restart_holds_the_fleet_for_one_window() {
    let mut redis = RedisServer::start();
    let windows = [
        (5, Duration::from_millis(300)),
        (10, Duration::from_secs(1)),
    ];
    let server = MockServer::start(mock_config(&windows)).await.unwrap();
    let client = Client::builder(ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .pacing(pacing(&windows))
        .shared_pacing(SharedPacing::redis(&redis.url()).unwrap())
        .build()
        .unwrap();
    one_order(&client).await.unwrap();
    redis.restart();
    let start = Instant::now();
    one_order(&client).await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "sent {:?} after the restart, inside the longest window",
        start.elapsed()
    );
    assert_eq!(server.ledger().len(), 2);
}

/// The fleet's state in Redis is keyed by a hash of the API key, never the key itself; a
/// Redis password never shows, and is refused over plain TCP beyond loopback.
#[tokio::test]
async fn redis_sees_a_hash_of_the_key_and_no_password_is_shown() {
    const KEY: &str = "KEY-4f1c2b9e-SECRET";
    let redis = RedisServer::start();
    let server = MockServer::start(MockConfig::default().api_keys([KEY]))
        .await
        .unwrap();
    let shared = SharedPacing::redis(&redis.url()).unwrap();
    let client = Client::builder(ApiKey::new(KEY))
        .base_url(server.base_url())
        .shared_pacing(shared)
        .build()
        .unwrap();
    one_order(&client).await.unwrap();
    let port = redis.url().rsplit(':').next().unwrap().to_string();
    let keys = std::process::Command::new("redis-cli")
        .args(["-p", &port, "--scan"])
        .output()
        .expect("redis-cli comes with redis-server");
    let keys = String::from_utf8_lossy(&keys.stdout);
    // One hash tag for the log and its meta hash: one Redis Cluster slot for the script.
    let tagged: Vec<&str> = keys
        .lines()
        .filter(|k| k.starts_with("certcentral:pacing:{"))
        .collect();
    assert!(
        tagged.iter().any(|k| k.ends_with("}:log")) && tagged.iter().any(|k| k.ends_with("}:meta")),
        "{keys}"
    );
    let tag = |k: &str| k.split(['{', '}']).nth(1).unwrap_or("").to_string();
    assert!(tagged.iter().all(|k| tag(k) == tag(tagged[0])), "{keys}");
    assert!(
        !keys.contains("SECRET") && !keys.contains("4f1c2b9e"),
        "{keys}"
    );

    let remote = SharedPacing::redis("redis://:hunter2@10.0.0.5:6379/0");
    let Err(Error::Config(message)) = &remote else {
        panic!("{remote:?}")
    };
    assert!(!message.contains("hunter2"), "{message}");
    let local = SharedPacing::redis("redis://:hunter2@127.0.0.1:6379/0").unwrap();
    let shown = format!("{local:?}");
    assert!(
        !shown.contains("hunter2") && shown.contains("127.0.0.1:6379"),
        "{shown}"
    );
}

/// Calls of the pacing scripts Redis served since the last `CONFIG RESETSTAT`.
fn script_calls(redis_url: &str) -> u64 {
    let port = redis_url.rsplit(':').next().unwrap_or_default();
    let cli = |args: &[&str]| {
        std::process::Command::new("redis-cli")
            .args(["-p", port])
            .args(args)
            .output()
            .expect("redis-cli comes with redis-server")
    };
    let info = String::from_utf8_lossy(&cli(&["INFO", "commandstats"]).stdout).into_owned();
    info.lines()
        .filter(|l| l.starts_with("cmdstat_evalsha:") || l.starts_with("cmdstat_eval:"))
        .filter_map(|l| {
            l.split("calls=")
                .nth(1)?
                .split(',')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

#[tokio::test]
async fn a_full_window_is_waited_out_in_one_sleep_and_logged() {
    let redis = RedisServer::start();
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    // Two processes' clients on one key, one request per 2 s between them.
    let client = || {
        Client::builder(ApiKey::new(server.api_key()))
            .base_url(server.base_url())
            .pacing(RateLimits::none().window(1, Duration::from_secs(2)))
            .shared_pacing(SharedPacing::redis(&redis.url()).unwrap())
            .build()
            .unwrap()
    };
    let (first, second) = (client(), client());
    one_order(&first).await.unwrap();
    let port = redis
        .url()
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let reset = std::process::Command::new("redis-cli")
        .args(["-p", &port, "CONFIG", "RESETSTAT"])
        .status()
        .expect("redis-cli runs");
    assert!(reset.success());
    let (logs, _guard) = certcentral_tests::Logs::capture(false);
    one_order(&second).await.unwrap();
    // Told how long the full window lasts, the second client sleeps it out: one refusal, one
    // slot, one answer (polling every 50 ms would have asked ~40 times).
    let calls = script_calls(&redis.url());
    assert!(
        (2..=4).contains(&calls),
        "{calls} script calls for one order"
    );
    let text = logs.text();
    assert!(
        text.contains("INFO") && text.contains("waiting for the fleet's rate limits"),
        "{text}"
    );
    assert!(
        text.contains("1 per 2s is full") && text.contains("wait_ms="),
        "{text}"
    );
    assert_eq!(server.orders_created(), 2);
}
