//! Pacing shared by every process that orders with one API key: DigiCert's limits bind the key,
//! not a process. The rolling log lives in Redis (a sorted set per key, updated by one atomic
//! server-side script, timed by Redis's own clock), so N workers together stay under the limits
//! whatever their clocks say.
//!
//! Written by hand: no maintained crate keeps a multi-window sliding log whose entries count
//! until the answer is back (what keeps the limit under latency jitter, see `pacing.rs`), with
//! the failure semantics below. The `redis` crate does the protocol.

mod connect;
mod script;

use crate::error::Error;
use connect::{Connector, Servers};
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

/// Where and how a fleet shares its pacing: a Redis server (or cluster), and what to do when
/// it fails.
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
///
/// Managed Redis, over TLS with an ACL user, or a Redis Cluster:
///
/// ```
/// # fn main() -> Result<(), certcentral::Error> {
/// use certcentral::SharedPacing;
/// let tls = SharedPacing::redis("rediss://pacing:s3cret@redis.example.com:6380/0")?;
/// let cluster = SharedPacing::redis_cluster([
///     "rediss://pacing:s3cret@node-1.example.com:6379",
///     "rediss://pacing:s3cret@node-2.example.com:6379",
/// ])?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SharedPacing {
    servers: Servers,
    on_failure: RedisFailure,
    timeout: Duration,
}

impl std::fmt::Debug for SharedPacing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: only where it points.
        f.debug_struct("SharedPacing")
            .field("server", &self.servers.describe())
            .field("on_failure", &self.on_failure)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SharedPacing {
    /// A Redis server by URL: `redis://[user:password@]host:port/db`, `rediss://…` for TLS
    /// (rustls with the SDK's own *ring* provider; the platform's trust store unless
    /// [`tls_root_certificates`](Self::tls_root_certificates) says otherwise), or
    /// `unix:///path`. A user is an ACL user (Redis 6 and later); a password alone
    /// authenticates the `default` user. A password is refused over plain TCP to anything but
    /// loopback: it would cross the network in clear.
    ///
    /// ```
    /// let refused = certcentral::SharedPacing::redis("redis://:s3cret@redis.example.com:6379");
    /// let text = refused.unwrap_err().to_string();
    /// assert!(text.contains("rediss://") && !text.contains("s3cret"), "{text}");
    /// ```
    pub fn redis(url: &str) -> Result<SharedPacing, Error> {
        let (place, tls, settings) = Servers::parse(url, "shared_pacing")?;
        Ok(SharedPacing::on(Servers {
            nodes: vec![place],
            cluster: false,
            tls,
            roots: None,
            settings,
        }))
    }

    /// A Redis Cluster, by the URLs of some of its nodes (the seeds: one that answers is
    /// enough). The pacing keys share one hash tag, so they live in one slot: the client talks
    /// to the master that owns it and follows `MOVED` to its new owner after a failover or a
    /// resharding. Every URL takes the same scheme and credentials; a cluster has database 0
    /// only.
    ///
    /// ```
    /// let cluster = certcentral::SharedPacing::redis_cluster([
    ///     "redis://10.0.0.1:6379",
    ///     "redis://10.0.0.2:6379",
    ///     "redis://10.0.0.3:6379",
    /// ])?;
    /// # Ok::<(), certcentral::Error>(())
    /// ```
    pub fn redis_cluster<I, S>(urls: I) -> Result<SharedPacing, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let what = "shared_pacing (cluster)";
        let refuse = |rule: &str| Err(Error::Config(format!("{what}: {rule}")));
        let mut servers: Option<Servers> = None;
        for url in urls {
            let (place, tls, settings) = Servers::parse(url.as_ref(), what)?;
            #[cfg(unix)]
            if matches!(place, connect::Place::Unix(_)) {
                return refuse("a cluster's nodes are host:port addresses, not Unix sockets");
            }
            if settings.db() != 0 {
                return refuse("a Redis Cluster has database 0 only");
            }
            match &mut servers {
                None => {
                    servers = Some(Servers {
                        nodes: vec![place],
                        cluster: true,
                        tls,
                        roots: None,
                        settings,
                    });
                }
                Some(first) => {
                    let same = first.tls == tls
                        && first.settings.username() == settings.username()
                        && first.settings.password() == settings.password();
                    if !same {
                        return refuse("every node URL takes the same scheme, user and password");
                    }
                    first.nodes.push(place);
                }
            }
        }
        match servers {
            Some(servers) => Ok(SharedPacing::on(servers)),
            None => refuse("no node URL given"),
        }
    }

    fn on(servers: Servers) -> SharedPacing {
        SharedPacing {
            servers,
            on_failure: RedisFailure::default(),
            timeout: Duration::from_secs(2),
        }
    }

    /// Trusts the certificates of this PEM bundle (a private CA) for `rediss://`, instead of
    /// the platform's trust store. Fails when the bundle holds no certificate, or one that
    /// cannot be a trust root.
    ///
    /// ```
    /// let shared = certcentral::SharedPacing::redis("rediss://redis.internal:6380")?;
    /// let refused = shared.tls_root_certificates(b"not a certificate").unwrap_err();
    /// assert!(refused.to_string().contains("tls_root_certificates"), "{refused}");
    /// # Ok::<(), certcentral::Error>(())
    /// ```
    pub fn tls_root_certificates(mut self, pem: &[u8]) -> Result<SharedPacing, Error> {
        let roots = crate::tls::roots_from_pem(pem, "shared_pacing: tls_root_certificates")?;
        self.servers.roots = Some(Arc::new(roots));
        Ok(self)
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

/// The shared half of a client's pacer.
pub(crate) struct Shared {
    config: SharedPacing,
    redis: Connector,
    /// `certcentral:pacing:{<hash of the API key>}`: never the key itself. The braces are a
    /// Redis Cluster hash tag: every key of the scripts lives in one slot, as a script requires.
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
    /// A slot was taken.
    Taken,
    /// Not yet: this request's turn comes in this long, and why.
    Wait(Duration, Held),
    /// Redis failed, and the client paces alone.
    Local,
}

/// Why the fleet's log holds a request back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Held {
    /// After a Redis restart, one window for everyone.
    Barrier,
    /// The window (its index in the limits) frees this request's place then.
    Window(usize),
    /// A request still in flight fills the window: it frees a window after its answer.
    InFlight(usize),
    /// More requests wait than the window holds.
    Queue(usize),
}

impl Held {
    fn parse(why: &str) -> Held {
        let index = |n: &str| n.parse::<usize>().map_or(0, |i| i.saturating_sub(1));
        match why.split_once(':') {
            Some(("window", n)) => Held::Window(index(n)),
            Some(("in_flight", n)) => Held::InFlight(index(n)),
            Some(("queue", n)) => Held::Queue(index(n)),
            _ => Held::Barrier,
        }
    }
}

impl Shared {
    pub(crate) fn new(config: SharedPacing, api_key: &crate::ApiKey) -> Result<Arc<Shared>, Error> {
        let hash = api_key.fingerprint();
        let acquire = redis::Script::new(script::ACQUIRE);
        let finish = redis::Script::new(script::FINISH);
        Ok(Arc::new(Shared {
            redis: Connector::new(
                config.servers.clone(),
                vec![acquire.clone(), finish.clone()],
            )?,
            config,
            key: format!("certcentral:pacing:{{{hash}}}"),
            process: crate::random::alternative_order_id(),
            next: AtomicU64::new(0),
            epoch: Mutex::new(String::new()),
            acquire,
            finish,
            warned: std::sync::atomic::AtomicBool::new(false),
        }))
    }

    /// A new request id: unique in the fleet (this process's random part and a counter).
    pub(crate) fn request_id(&self) -> String {
        format!(
            "{}:{}",
            self.process,
            self.next.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// One attempt at a slot for request `id` under `windows` (each stretched by `slack`),
    /// counting it as in flight for `hold` at most.
    pub(crate) async fn try_acquire(
        &self,
        id: &str,
        windows: &[certcentral_table::Window],
        slack: Duration,
        hold: Duration,
    ) -> Result<Answer, Error> {
        let known = self.epoch.lock().await.clone();
        let mut invocation = self.acquire.key(format!("{}:log", self.key));
        invocation
            .key(format!("{}:meta", self.key))
            .key(format!("{}:queue", self.key))
            .arg(id)
            .arg(millis(hold))
            .arg(&known)
            .arg(millis(slack));
        for w in windows {
            invocation.arg(w.max_requests).arg(millis(w.window));
        }
        let call = self.redis.run::<(u64, String, String)>(&invocation);
        match tokio::time::timeout(self.config.timeout, call).await {
            Ok(Ok((wait, epoch, why))) => {
                *self.epoch.lock().await = epoch;
                Ok(if wait == 0 {
                    Answer::Taken
                } else {
                    Answer::Wait(Duration::from_millis(wait), Held::parse(&why))
                })
            }
            failed => {
                // A broken connection is opened again next time.
                self.redis.forget().await;
                let servers = self.redis.servers();
                let (why, source): (String, Option<crate::error::Cause>) = match failed {
                    Ok(Err(e)) => (
                        crate::secret::redact(&e.to_string(), &[servers.password()]),
                        // redis-rs's error itself (to downcast): its text quotes the server's
                        // answer or the I/O error, never the URL or the password.
                        Some(Box::new(e)),
                    ),
                    _ => (format!("no answer within {:?}", self.config.timeout), None),
                };
                match self.config.on_failure {
                    RedisFailure::FailClosed => Err(Error::NotSent {
                        reason: format!(
                            "the shared rate limiter (Redis at {}) failed, CertCentral was not \
                             contacted: {why}",
                            servers.describe()
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
        let mut invocation = self.finish.key(format!("{}:log", self.key));
        invocation.arg(id);
        let call = self.redis.run::<i64>(&invocation);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(result: Result<SharedPacing, Error>) -> String {
        match result {
            Err(Error::Config(text)) => text,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn urls_are_parsed_and_checked_without_quoting_a_password() {
        let tls = SharedPacing::redis("rediss://pacing:pw-1@redis.example.com:6380/2").unwrap();
        assert_eq!(tls.servers.describe(), "rediss://redis.example.com:6380");
        assert!(tls.servers.tls && !tls.servers.cluster);
        assert_eq!(tls.servers.settings.username(), Some("pacing"));
        assert_eq!(tls.servers.settings.db(), 2);
        assert!(!format!("{tls:?}").contains("pw-1"));

        let clear = refused(SharedPacing::redis(
            "redis://pacing:pw-2@redis.example.com:6379",
        ));
        assert!(
            clear.contains("rediss://") && !clear.contains("pw-2"),
            "{clear}"
        );
        let insecure = refused(SharedPacing::redis(
            "rediss://redis.example.com:6380/#insecure",
        ));
        assert!(insecure.contains("no fragment"), "{insecure}");
        let scheme = refused(SharedPacing::redis("http://redis.example.com"));
        assert!(
            scheme.contains("redis://, rediss:// or unix://"),
            "{scheme}"
        );
        let garbage = refused(SharedPacing::redis("pw-3 is not a URL"));
        assert!(!garbage.contains("pw-3"), "{garbage}");
    }

    #[test]
    fn a_cluster_takes_one_scheme_and_credentials_and_database_zero() {
        let cluster =
            SharedPacing::redis_cluster(["redis://10.0.0.1:6379", "redis://10.0.0.2:6379"])
                .unwrap();
        assert_eq!(cluster.servers.nodes.len(), 2);
        assert_eq!(
            cluster.servers.describe(),
            "redis://10.0.0.1:6379 (cluster)"
        );

        let mixed = refused(SharedPacing::redis_cluster([
            "rediss://u:pw-4@node-1:6379",
            "rediss://u:other@node-2:6379",
        ]));
        assert!(mixed.contains("same scheme, user and password") && !mixed.contains("pw-4"));
        let db = refused(SharedPacing::redis_cluster(["redis://10.0.0.1:6379/3"]));
        assert!(db.contains("database 0"), "{db}");
        let none = refused(SharedPacing::redis_cluster(Vec::<String>::new()));
        assert!(none.contains("no node URL"), "{none}");
    }

    #[test]
    fn private_roots_must_be_pem_certificates() {
        let shared = SharedPacing::redis("rediss://redis.internal:6380").unwrap();
        let text = match shared.tls_root_certificates(b"-----BEGIN CERTIFICATE-----\nnope\n") {
            Err(Error::Config(text)) => text,
            other => panic!("{other:?}"),
        };
        assert!(
            text.starts_with("shared_pacing: tls_root_certificates:"),
            "{text}"
        );
    }
}
