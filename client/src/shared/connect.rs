//! Connections to Redis: plain TCP, TLS (`rediss://`), Unix sockets, and a Redis Cluster,
//! followed through its `MOVED` answers to the node that owns the pacing keys' one slot.
//!
//! Written by hand around redis-rs (which still speaks the protocol, over the stream opened
//! here) rather than with its own TLS and cluster clients: both build their rustls
//! configuration with `ClientConfig::builder()`, which installs a process-wide crypto provider
//! (and panics when an application's dependency graph enables two), and neither takes a
//! configuration from outside. The SDK promises TLS with its own *ring* provider and no
//! process-global side effects; the pacing keys' single slot makes the cluster part small.

use crate::error::Error;
use redis::aio::MultiplexedConnection;
use redis::{ErrorKind, RedisError, RedisResult, ServerErrorKind};
use std::sync::Arc;
use tokio::sync::Mutex;

/// Where one Redis server listens.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Place {
    Tcp {
        host: String,
        port: u16,
    },
    #[cfg(unix)]
    Unix(std::path::PathBuf),
}

impl std::fmt::Display for Place {
    /// Where it points, never its credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Place::Tcp { host, port } => write!(f, "{host}:{port}"),
            #[cfg(unix)]
            Place::Unix(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The servers of a [`SharedPacing`](super::SharedPacing), parsed and checked.
#[derive(Clone)]
pub(crate) struct Servers {
    /// One server, or the seed nodes of a cluster.
    pub nodes: Vec<Place>,
    pub cluster: bool,
    pub tls: bool,
    /// Trust these roots for TLS instead of the platform's.
    pub roots: Option<Arc<rustls::RootCertStore>>,
    /// Database, ACL user and password, protocol: what redis-rs sends once connected.
    pub settings: redis::RedisConnectionInfo,
}

impl Servers {
    /// Parses `url` (`redis://`, `rediss://`, `unix://`) with a WHATWG URL parser and checks
    /// it: `what` names the setting in errors, which never quote the URL (it may hold a
    /// password).
    pub fn parse(
        url: &str,
        what: &str,
    ) -> Result<(Place, bool, redis::RedisConnectionInfo), Error> {
        let refuse = |rule: &str| Err(Error::Config(format!("{what}: {rule}")));
        let Ok(mut parsed) = url::Url::parse(url.trim()) else {
            return refuse(
                "not a Redis URL (redis://[user:password@]host:port/db, rediss://… for TLS, or \
                 unix:///path)",
            );
        };
        let tls = match parsed.scheme() {
            "rediss" => parsed.set_scheme("redis").is_ok(),
            "redis" | "unix" | "redis+unix" => false,
            _ => return refuse("the scheme is not redis://, rediss:// or unix://"),
        };
        if parsed.fragment().is_some() {
            // redis-rs reads `#insecure` as "skip certificate checks": never offered here.
            return refuse("a Redis URL takes no fragment (`#…`)");
        }
        // redis-rs reads the rest (user, password, database, protocol) as it always has.
        let info = match redis::IntoConnectionInfo::into_connection_info(parsed.as_str()) {
            Ok(info) => info,
            // Its error may quote the URL, and the URL may hold a password.
            Err(_) => return refuse("not a Redis URL redis-rs can read"),
        };
        let place = match info.addr() {
            redis::ConnectionAddr::Tcp(host, port) => Place::Tcp {
                host: host.trim_matches(|c| c == '[' || c == ']').to_string(),
                port: *port,
            },
            #[cfg(unix)]
            redis::ConnectionAddr::Unix(path) => Place::Unix(path.clone()),
            _ => return refuse("an address this client cannot open"),
        };
        let settings = info.redis_settings().clone();
        if let Place::Tcp { host, .. } = &place {
            let loopback = host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !tls && !loopback && settings.password().is_some() {
                return refuse(
                    "a Redis password over plain TCP to a host that is not loopback would cross \
                     the network in clear: use rediss:// (TLS), a tunnel or a Unix socket",
                );
            }
        }
        Ok((place, tls, settings))
    }

    /// Where it points, for errors and `Debug`: `rediss://host:port`, with ` (cluster)` for a
    /// cluster's first seed.
    pub fn describe(&self) -> String {
        let scheme = match self.nodes.first() {
            #[cfg(unix)]
            Some(Place::Unix(_)) => "unix://",
            _ if self.tls => "rediss://",
            _ => "redis://",
        };
        let first = self
            .nodes
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        let cluster = if self.cluster { " (cluster)" } else { "" };
        format!("{scheme}{first}{cluster}")
    }

    /// The password, to redact from any error text.
    pub fn password(&self) -> &str {
        self.settings.password().unwrap_or_default()
    }
}

/// Opens connections to `servers` and keeps one open: to the server, or to the cluster node
/// that owns the pacing keys' slot.
pub(crate) struct Connector {
    servers: Servers,
    /// Loaded on every new connection, so that the first calls on it do not each fail with
    /// `NOSCRIPT` and load it again (a restart empties the cache: redis-rs still loads then).
    scripts: Vec<redis::Script>,
    tls: Option<tokio_rustls::TlsConnector>,
    open: Mutex<Option<MultiplexedConnection>>,
}

/// How many `MOVED` answers one exchange follows (a slot moves once per resharding; more means
/// a cluster still settling, which counts as a failure of this exchange).
const REDIRECTS: usize = 3;

impl Connector {
    pub fn new(servers: Servers, scripts: Vec<redis::Script>) -> Result<Connector, Error> {
        let tls = if servers.tls {
            let config = crate::tls::config(servers.roots.as_deref())?;
            Some(tokio_rustls::TlsConnector::from(Arc::new(config)))
        } else {
            None
        };
        Ok(Connector {
            servers,
            scripts,
            tls,
            open: Mutex::new(None),
        })
    }

    pub fn servers(&self) -> &Servers {
        &self.servers
    }

    /// Runs the script `invocation` on the open connection (opening one first if need be): a connection that
    /// Redis dropped (a restart, an idle timeout) is opened again once, and on a cluster a
    /// `MOVED` answer is followed to the node it names. An `ASK` (the slot is being migrated,
    /// for milliseconds) fails the exchange: the caller's policy (fail closed, or pace alone)
    /// covers it as any other failure.
    pub async fn run<T: redis::FromRedisValue>(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> RedisResult<T> {
        let (mut reopened, mut redirects) = (false, 0);
        loop {
            let mut connection = self.connection().await?;
            match invocation.invoke_async(&mut connection).await {
                Err(e) if e.kind() == ErrorKind::Server(ServerErrorKind::Moved) => {
                    let node = e.redirect_node().and_then(|(addr, _)| {
                        let (host, port) = addr.rsplit_once(':')?;
                        Some(Place::Tcp {
                            host: host.trim_matches(|c| c == '[' || c == ']').to_string(),
                            port: port.parse().ok()?,
                        })
                    });
                    match node {
                        Some(node) if self.servers.cluster && redirects < REDIRECTS => {
                            redirects += 1;
                            let connection = self.connect(&node).await?;
                            *self.open.lock().await = Some(connection);
                        }
                        _ => return Err(e),
                    }
                }
                Err(e) if !reopened && (e.is_io_error() || e.is_connection_dropped()) => {
                    reopened = true;
                    self.forget().await;
                }
                other => return other,
            }
        }
    }

    /// Drops the open connection: the next exchange opens a new one.
    pub async fn forget(&self) {
        *self.open.lock().await = None;
    }

    /// The open connection, or a new one to the first node (of a cluster's seeds) that answers.
    async fn connection(&self) -> RedisResult<MultiplexedConnection> {
        let mut open = self.open.lock().await;
        if let Some(connection) = open.as_ref() {
            return Ok(connection.clone());
        }
        let mut failure = None;
        for node in &self.servers.nodes {
            match self.connect(node).await {
                Ok(connection) => {
                    *open = Some(connection.clone());
                    return Ok(connection);
                }
                Err(e) => failure = Some(e),
            }
        }
        Err(failure.unwrap_or_else(|| {
            RedisError::from((
                ErrorKind::InvalidClientConfig,
                "no Redis server to connect to",
            ))
        }))
    }

    async fn connect(&self, node: &Place) -> RedisResult<MultiplexedConnection> {
        match node {
            Place::Tcp { host, port } => {
                let tcp = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
                tcp.set_nodelay(true)?;
                match &self.tls {
                    None => self.handshake(tcp).await,
                    Some(tls) => {
                        let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(
                            |_| {
                                RedisError::from((
                                    ErrorKind::InvalidClientConfig,
                                    "not a host name TLS can check",
                                ))
                            },
                        )?;
                        self.handshake(tls.connect(name, tcp).await?).await
                    }
                }
            }
            #[cfg(unix)]
            Place::Unix(path) => {
                self.handshake(tokio::net::UnixStream::connect(path).await?)
                    .await
            }
        }
    }

    /// Authenticates (ACL user and password), selects the database, drives the connection on a
    /// task of its own (it ends when the connection is dropped), and loads the scripts.
    async fn handshake<S>(&self, stream: S) -> RedisResult<MultiplexedConnection>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let (connection, driver) = MultiplexedConnection::new_with_config(
            &self.servers.settings,
            stream,
            // The exchange's own timeout (`SharedPacing::timeout`) bounds it all.
            redis::AsyncConnectionConfig::new()
                .set_connection_timeout(None)
                .set_response_timeout(None),
        )
        .await?;
        tokio::spawn(driver);
        let mut connection = connection;
        for script in &self.scripts {
            script.load_async(&mut connection).await?;
        }
        Ok(connection)
    }
}
