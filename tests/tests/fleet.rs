//! A fleet shares one key: worker processes pacing together through a real Redis stay under
//! DigiCert's (scaled-down) windows, and the failure semantics hold: Redis down (fail closed,
//! or pace alone), a worker that dies holding a slot, Redis restarted mid-run.
//!
//! `cargo test -p certcentral-tests --features redis --test fleet` (needs `redis-server`).
//!
//! One file over 400 lines, on purpose: one test binary (it needs the `redis` feature), each
//! test one failure semantic of the shared pacing.

use certcentral::types::ClientCertificateId;
use certcentral::{ApiKey, Client, Error, RateLimits, RedisFailure, RetryPolicy, SharedPacing};
use certcentral_mock::{Fault, MockConfig, MockServer, RateLimit};
use certcentral_tests::{
    RedisCluster, RedisServer, RedisTarget, request, run_fleet, valid_body, within,
};
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

/// Four worker processes × 25 orders on one key through `redis`: every order once, no 429,
/// and no window exceeded by arrival time.
async fn four_workers_share(redis: &RedisTarget) {
    let windows = [SHORT, LONG];
    let server = MockServer::start(mock_config(&windows)).await.unwrap();
    let (workers, orders) = (4, 25);
    let base_url = server.base_url();
    let api_key = server.api_key().to_string();
    let redis = redis.clone();
    let reports = tokio::task::spawn_blocking(move || {
        run_fleet(
            env!("CARGO_BIN_EXE_fleet_worker"),
            &base_url,
            &api_key,
            Some(&redis),
            &windows,
            workers,
            orders,
            4,
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

#[tokio::test]
async fn four_worker_processes_share_the_key_without_a_429() {
    let redis = RedisServer::start();
    four_workers_share(&redis.target()).await;
}

#[tokio::test]
async fn a_fleet_shares_the_key_through_redis_over_tls() {
    let redis = RedisServer::start_tls();
    assert!(redis.url().starts_with("rediss://localhost:"));
    four_workers_share(&redis.target()).await;

    // In this process too, and TLS to Redis installs no process-wide crypto provider (an
    // application may install its own, aws-lc-rs for FIPS, before or after).
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let client = Client::builder(ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .shared_pacing(redis.target().pacing())
        .build()
        .unwrap();
    one_order(&client).await.unwrap();
    assert!(redis.script_calls() > 0);
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
}

#[tokio::test]
async fn a_fleet_shares_the_key_as_a_least_privilege_acl_user() {
    let redis = RedisServer::start_acl("pacing", "acl-pass-7d1e");
    four_workers_share(&redis.target()).await;
}

/// A 3-master cluster, the seed list starting with a node that does not own the pacing slot:
/// the client follows `MOVED` to the owner, and every script runs there.
#[tokio::test]
async fn a_fleet_shares_the_key_through_a_redis_cluster() {
    let cluster = RedisCluster::start();
    // Which node owns the slot: the one that ran the script of a first order.
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let client = Client::builder(ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .shared_pacing(cluster.target(0).pacing())
        .build()
        .unwrap();
    one_order(&client).await.unwrap();
    let calls: Vec<u64> = cluster
        .nodes()
        .iter()
        .map(RedisServer::script_calls)
        .collect();
    let owner = calls
        .iter()
        .position(|c| *c > 0)
        .expect("a node ran the script");
    assert_eq!(calls.iter().filter(|c| **c > 0).count(), 1, "{calls:?}");

    // Seeds starting with another node: the fleet (on the same key, so the same slot) finds
    // the owner through MOVED.
    let seeds = cluster.target(owner + 1);
    assert_ne!(seeds.urls[0], cluster.nodes()[owner].url());
    four_workers_share(&seeds).await;
    let after: Vec<u64> = cluster
        .nodes()
        .iter()
        .map(RedisServer::script_calls)
        .collect();
    for (node, (before, now)) in calls.iter().zip(&after).enumerate() {
        if node == owner {
            assert!(now > before, "{after:?}");
        } else {
            assert_eq!(now, before, "node {node} ran a pacing script: {after:?}");
        }
    }
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
        .envs(redis.target().env())
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
    let keys = redis.cli(&["--scan"]);
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
    assert!(redis.cli(&["CONFIG", "RESETSTAT"]).contains("OK"));
    let (logs, _guard) = certcentral_tests::Logs::capture(false);
    one_order(&second).await.unwrap();
    // Told how long the full window lasts, the second client sleeps it out: one refusal, one
    // slot, one answer (polling every 50 ms would have asked ~40 times).
    let calls = redis.script_calls();
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

/// Production Redis failing in each way it can: nothing reaches CertCentral, and the error
/// names Redis (where, and what failed), keeps Redis's error as its source, and never shows the
/// password.
#[tokio::test]
async fn production_redis_failures_fail_closed_and_name_redis() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let fails_closed = async |shared: SharedPacing, names: &str| {
        let client = Client::builder(ApiKey::new(server.api_key()))
            .base_url(server.base_url())
            .retry(RetryPolicy::none())
            .shared_pacing(shared)
            .build()
            .unwrap();
        let err = one_order(&client).await.unwrap_err();
        assert!(matches!(err, Error::NotSent { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains(&format!("the shared rate limiter (Redis at {names})"))
                && text.contains("CertCentral was not contacted"),
            "{text}"
        );
        text
    };

    // TLS to a server whose certificate the client has no reason to trust (the platform's
    // roots, not the suite's CA).
    let tls = RedisServer::start_tls();
    let port = tls.url().rsplit(':').next().unwrap().to_string();
    let text = fails_closed(
        SharedPacing::redis(&tls.url()).unwrap(),
        &format!("rediss://localhost:{port}"),
    )
    .await;
    assert!(text.to_lowercase().contains("certificate"), "{text}");

    // An ACL user with the wrong password.
    let acl = RedisServer::start_acl("pacing", "right-pass-5a0c");
    let wrong = acl.url().replace("right-pass-5a0c", "wrong-pass-93b1");
    let port = acl.url().rsplit(':').next().unwrap().to_string();
    let text = fails_closed(
        SharedPacing::redis(&wrong).unwrap(),
        &format!("redis://127.0.0.1:{port}"),
    )
    .await;
    assert!(
        !text.contains("wrong-pass-93b1") && !text.contains("right-pass-5a0c"),
        "{text}"
    );

    // A cluster whose every node is gone.
    let cluster = RedisCluster::start();
    let seeds = cluster.target(0);
    drop(cluster);
    let first = seeds.urls[0].trim_start_matches("redis://").to_string();
    fails_closed(seeds.pacing(), &format!("redis://{first} (cluster)")).await;

    assert!(server.requests().is_empty(), "nothing was sent");
}

/// Eight clients (processes, as far as Redis can tell) with 32 orders waiting on one small
/// window: each waiter is given its own turn, so Redis hears from an order a few times,
/// however many wait; told only when the next place frees, every waiter would come back for
/// every freed place.
#[tokio::test]
async fn waiting_orders_ask_redis_a_few_times_each_however_many_wait() {
    let redis = RedisServer::start();
    let windows = [(4, Duration::from_millis(300))];
    let server = MockServer::start(mock_config(&windows)).await.unwrap();
    let clients: Vec<Client> = (0..8)
        .map(|_| {
            Client::builder(ApiKey::new(server.api_key()))
                .base_url(server.base_url())
                .retry(RetryPolicy::none())
                .pacing(pacing(&windows))
                .shared_pacing(SharedPacing::redis(&redis.url()).unwrap())
                .build()
                .unwrap()
        })
        .collect();
    let tasks: Vec<_> = clients
        .iter()
        .map(|client| {
            let client = client.clone();
            tokio::spawn(async move {
                let orders = (0..4).map(|_| {
                    (
                        ClientCertificateId::Class1Smime,
                        request(valid_body("class1_smime")),
                    )
                });
                client.order_many(orders, 4).await
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let placed = results.iter().flatten().filter(|r| r.is_ok()).count();
    assert_eq!(placed, 32, "{results:?}");
    assert_windows_respected(&server, &windows);
    // A first ask, one at its turn, one to mark it answered: 3 an order, and a little more for
    // a turn the answer's latency or a late waiter ahead pushed back (not one per freed place
    // per waiter: ~20 here).
    let calls = redis.script_calls();
    assert!(calls <= 32 * 5, "{calls} script calls for 32 orders");
}
