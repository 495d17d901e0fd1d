//! Pacing shared by every process that orders with one API key: DigiCert's limits bind the key,
//! not a process. The rolling log lives in Redis (a sorted set per key, updated by one atomic
//! server-side script, timed by Redis's own clock), so N workers together stay under the limits
//! whatever their clocks say.
//!
//! Written by hand: no maintained crate keeps a multi-window sliding log whose entries count
//! until the answer is back (what keeps the limit under latency jitter, see `pacing.rs`), with
//! the failure semantics below. The `redis` crate does the protocol.

use crate::error::Error;
use redis::aio::MultiplexedConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

/// What a client does when Redis cannot be reached (or does not answer within the timeout).
///
/// ```
/// let on_failure = certcentral::RedisFailure::default();
/// assert_eq!(on_failure, certcentral::RedisFailure::FailClosed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RedisFailure {
    /// Send nothing: the order fails with [`Error::NotSent`] (retried within the client's retry
    /// policy and deadline, since nothing was sent). The fleet never exceeds the limits.
    #[default]
    FailClosed,
    /// Pace this process alone (its own rolling windows, which it always keeps) and log a
    /// warning. The fleet may then exceed the limits (N processes, N times the rate): DigiCert
    /// answers 429, which creates nothing and pauses the client.
    LocalPacing,
}

/// Where and how a fleet shares its pacing: a Redis server, and what to do when it fails.
///
/// ```
/// let shared = certcentral::SharedPacing::redis("redis://127.0.0.1:6379")?
///     .on_failure(certcentral::RedisFailure::LocalPacing)
///     .timeout(std::time::Duration::from_millis(500));
/// let client = certcentral::Client::builder(certcentral::ApiKey::new("key"))
///     .shared_pacing(shared)
///     .build()?;
/// # Ok::<(), certcentral::Error>(())
/// ```
#[derive(Clone)]
pub struct SharedPacing {
    client: redis::Client,
    on_failure: RedisFailure,
    timeout: Duration,
}

impl std::fmt::Debug for SharedPacing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: only where it points.
        f.debug_struct("SharedPacing")
            .field(
                "server",
                &describe(self.client.get_connection_info().addr()),
            )
            .field("on_failure", &self.on_failure)
            .field("timeout", &self.timeout)
            .finish()
    }
}

fn describe(addr: &redis::ConnectionAddr) -> String {
    match addr {
        redis::ConnectionAddr::Tcp(host, port) => format!("redis://{host}:{port}"),
        redis::ConnectionAddr::TcpTls { host, port, .. } => format!("rediss://{host}:{port}"),
        redis::ConnectionAddr::Unix(path) => format!("unix://{}", path.display()),
        _ => "redis".into(),
    }
}

impl SharedPacing {
    /// A Redis server by URL (`redis://host:port/db`, `unix:///path`). A password is refused
    /// over plain TCP to anything but loopback: it would cross the network in clear.
    pub fn redis(url: &str) -> Result<SharedPacing, Error> {
        let refuse = |rule: &str| Err(Error::Config(format!("shared_pacing: {rule}")));
        let client = match redis::Client::open(url) {
            Ok(client) => client,
            // The error may quote the URL, and the URL may hold a password.
            Err(_) => return refuse("not a Redis URL (redis://host:port/db or unix:///path)"),
        };
        let info = client.get_connection_info();
        if let redis::ConnectionAddr::Tcp(host, _) = info.addr() {
            let loopback = host == "localhost"
                || host
                    .trim_matches(|c| c == '[' || c == ']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if info.redis_settings().password().is_some() && !loopback {
                return refuse(
                    "a Redis password over plain TCP to a host that is not loopback would cross \
                     the network in clear: use a tunnel or a Unix socket",
                );
            }
        }
        Ok(SharedPacing {
            client,
            on_failure: RedisFailure::default(),
            timeout: Duration::from_secs(2),
        })
    }

    /// What to do when Redis fails (default [`RedisFailure::FailClosed`]).
    pub fn on_failure(mut self, on_failure: RedisFailure) -> Self {
        self.on_failure = on_failure;
        self
    }

    /// How long one exchange with Redis may take before it counts as a failure (default 2 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// Takes a slot if every window has room; else how long until one frees (ms) and why:
/// `barrier`, `window:I` (window I is full of answered requests: the wait is exact) or
/// `in_flight:I` (a request still in flight blocks window I: it frees when answered, maybe much
/// sooner than the bound). Counts a request until `hold` past now while in flight; `finish`
/// moves it to its answer's time. After a restart that emptied the log, the first caller that
/// knew the old log holds the fleet for one window (a barrier), since what was sent before the
/// restart is unknown.
const ACQUIRE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('HSET', KEYS[2], 'epoch', epoch)
end
local longest = 0
local windows = {}
for i = 5, #ARGV, 2 do
  local w = tonumber(ARGV[i + 1]) + tonumber(ARGV[4])
  table.insert(windows, {tonumber(ARGV[i]), w})
  if w > longest then longest = w end
end
if ARGV[3] ~= '' and ARGV[3] ~= epoch and not redis.call('HGET', KEYS[2], 'barrier') then
  redis.call('HSET', KEYS[2], 'barrier', now + longest)
end
local barrier = tonumber(redis.call('HGET', KEYS[2], 'barrier') or '0')
if barrier > now then return {barrier - now, epoch, 'barrier'} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
local wait = 0
local why = ''
for i, win in ipairs(windows) do
  local inside = redis.call('ZCOUNT', KEYS[1], '(' .. (now - win[2]), '+inf')
  if inside >= win[1] then
    local leaving = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - win[2]), '+inf',
      'WITHSCORES', 'LIMIT', inside - win[1], 1)
    local at = tonumber(leaving[2])
    local free = at + win[2] - now
    if free > wait then
      wait = free
      if at > now then why = 'in_flight:' .. i else why = 'window:' .. i end
    end
  end
end
if wait > 0 then return {wait, epoch, why} end
local hold = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + hold, ARGV[1])
redis.call('PEXPIRE', KEYS[1], hold + longest)
return {0, epoch, ''}
";

/// The request `ARGV[1]` was answered: it counts from now, for one window.
const FINISH: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
";

/// The shared half of a client's pacer.
pub(crate) struct Shared {
    config: SharedPacing,
    connection: Mutex<Option<MultiplexedConnection>>,
    /// `certcentral:pacing:{<hash of the API key>}`: never the key itself. The braces are a
    /// Redis Cluster hash tag: the log and its meta hash live in one slot, as the one script
    /// that touches both requires.
    key: String,
    /// This process's part of request ids, and a counter.
    process: String,
    next: AtomicU64,
    /// The log's epoch as this process last saw it (empty before the first exchange).
    epoch: Mutex<String>,
    acquire: redis::Script,
    finish: redis::Script,
    warned: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What the shared log answered.
pub(crate) enum Answer {
    /// A slot was taken under this id.
    Taken(String),
    /// No slot for this long, and why.
    Wait(Duration, Held),
    /// Redis failed, and the client paces alone.
    Local,
}

/// Why the fleet's log holds a request back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Held {
    /// After a Redis restart, one window for everyone: the wait is exact.
    Barrier,
    /// The window (its index in the limits) is full of answered requests: the wait is exact.
    Window(usize),
    /// A request still in flight fills the window: it frees when answered, which the wait only
    /// bounds.
    InFlight(usize),
}

impl Held {
    fn parse(why: &str) -> Held {
        let index = |n: &str| n.parse::<usize>().map_or(0, |i| i.saturating_sub(1));
        match why.split_once(':') {
            Some(("window", n)) => Held::Window(index(n)),
            Some(("in_flight", n)) => Held::InFlight(index(n)),
            _ => Held::Barrier,
        }
    }

    /// Whether the wait is the time a slot frees (not only a bound on it).
    pub(crate) fn is_exact(self) -> bool {
        !matches!(self, Held::InFlight(_))
    }
}

impl Shared {
    pub(crate) fn new(config: SharedPacing, api_key: &str) -> Arc<Shared> {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(api_key.as_bytes());
        let hash: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        Arc::new(Shared {
            config,
            connection: Mutex::new(None),
            key: format!("certcentral:pacing:{{{hash}}}"),
            process: crate::random::alternative_order_id(),
            next: AtomicU64::new(0),
            epoch: Mutex::new(String::new()),
            acquire: redis::Script::new(ACQUIRE),
            finish: redis::Script::new(FINISH),
            warned: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// A Redis error's text without the URL's password, should it ever quote it.
    fn redacted(&self, text: &str) -> String {
        let info = self.config.client.get_connection_info();
        let password = info.redis_settings().password().unwrap_or_default();
        crate::secret::redact(text, &[password])
    }

    async fn connection(&self) -> Result<MultiplexedConnection, redis::RedisError> {
        let mut slot = self.connection.lock().await;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let c = self
            .config
            .client
            .get_multiplexed_async_connection()
            .await?;
        *slot = Some(c.clone());
        Ok(c)
    }

    /// One attempt at a slot under `windows` (each stretched by `slack`), counting it as in
    /// flight for `hold` at most.
    pub(crate) async fn try_acquire(
        &self,
        windows: &[certcentral_table::Window],
        slack: Duration,
        hold: Duration,
    ) -> Result<Answer, Error> {
        let id = format!(
            "{}:{}",
            self.process,
            self.next.fetch_add(1, Ordering::Relaxed)
        );
        let known = self.epoch.lock().await.clone();
        let once = || async {
            let mut c = self.connection().await?;
            let mut invocation = self.acquire.key(format!("{}:log", self.key));
            invocation
                .key(format!("{}:meta", self.key))
                .arg(&id)
                .arg(millis(hold))
                .arg(&known)
                .arg(millis(slack));
            for w in windows {
                invocation.arg(w.max_requests).arg(millis(w.window));
            }
            invocation
                .invoke_async::<(u64, String, String)>(&mut c)
                .await
        };
        // A connection Redis dropped (a restart, an idle timeout) is opened again once.
        let call = async {
            match once().await {
                Err(e) if e.is_io_error() || e.is_connection_dropped() => {
                    *self.connection.lock().await = None;
                    once().await
                }
                other => other,
            }
        };
        match tokio::time::timeout(self.config.timeout, call).await {
            Ok(Ok((wait, epoch, why))) => {
                *self.epoch.lock().await = epoch;
                Ok(if wait == 0 {
                    Answer::Taken(id)
                } else {
                    Answer::Wait(Duration::from_millis(wait), Held::parse(&why))
                })
            }
            failed => {
                // A broken connection is opened again next time.
                *self.connection.lock().await = None;
                let server = describe(self.config.client.get_connection_info().addr());
                let (why, source): (String, Option<crate::error::Cause>) = match failed {
                    Ok(Err(e)) => (self.redacted(&e.to_string()), Some(Box::new(e))),
                    _ => (format!("no answer within {:?}", self.config.timeout), None),
                };
                match self.config.on_failure {
                    RedisFailure::FailClosed => Err(Error::NotSent {
                        reason: format!(
                            "the shared rate limiter (Redis at {server}) failed, CertCentral \
                             was not contacted: {why}"
                        ),
                        source,
                    }),
                    _ => {
                        if !self.warned.swap(true, Ordering::Relaxed) {
                            tracing::warn!(target: "certcentral::pacing", reason = %why, "the shared rate limiter (Redis) failed: pacing this process alone");
                        }
                        Ok(Answer::Local)
                    }
                }
            }
        }
    }

    /// The request `id` was answered: it counts from now (Redis's now) for one window. If this
    /// fails, the entry still expires at its hold time.
    pub(crate) async fn finish(&self, id: &str) {
        let call = async {
            let mut c = self.connection().await?;
            self.finish
                .key(format!("{}:log", self.key))
                .arg(id)
                .invoke_async::<i64>(&mut c)
                .await
        };
        if !matches!(
            tokio::time::timeout(self.config.timeout, call).await,
            Ok(Ok(_))
        ) {
            tracing::debug!(target: "certcentral::pacing", "could not mark a request answered in Redis; it expires on its own");
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
