//! Real Redis for the fleet suites and bench, each server a child process on a free loopback
//! port, stopped when dropped: plain, over TLS (certificates made here with rcgen), with an ACL
//! user, and a 3-master Redis Cluster. The fleet that uses them is `fleet.rs`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

const INSTALL: &str = "the `redis` suites need a real Redis. Install it (Debian/Ubuntu: \
    `sudo apt-get install redis-server`; macOS: `brew install redis`) or run the tests \
    without `--features redis`.";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A free port whose cluster bus port (10000 above it) is free too.
fn free_cluster_port() -> u16 {
    loop {
        let port = free_port();
        if port < 55_000 && std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

/// A scratch directory of the test's own, removed when the last server using it is dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Arc<Scratch> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("certcentral-{name}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Arc::new(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How a client reaches a server.
#[derive(Clone)]
enum Access {
    Plain,
    /// `rediss://localhost:PORT`, its certificate issued by the CA in this PEM file.
    Tls {
        ca: PathBuf,
    },
    /// An ACL user; the `default` user is off.
    Acl {
        user: String,
        password: String,
    },
}

/// Where a fleet finds its Redis: what a worker process needs to build its `SharedPacing`.
#[derive(Clone, Debug)]
pub struct RedisTarget {
    /// One server's URL, or a cluster's node URLs.
    pub urls: Vec<String>,
    /// A PEM file with the CA to trust for TLS, if not the platform's.
    pub ca: Option<PathBuf>,
}

impl RedisTarget {
    /// The pacing configuration a client of this Redis takes.
    pub fn pacing(&self) -> certcentral::SharedPacing {
        let shared = match self.urls.as_slice() {
            [one] => certcentral::SharedPacing::redis(one),
            many => certcentral::SharedPacing::redis_cluster(many),
        }
        .expect("the suites' Redis URLs are valid");
        match &self.ca {
            None => shared,
            Some(ca) => shared
                .tls_root_certificates(&std::fs::read(ca).expect("the CA file"))
                .expect("the CA made by the suite is a root"),
        }
    }

    /// The environment a fleet worker reads it from (see `bin/fleet_worker.rs`).
    pub fn env(&self) -> [(&'static str, String); 2] {
        let ca = self.ca.as_deref().map(Path::display);
        [
            ("FLEET_REDIS_URL", self.urls.join(",")),
            (
                "FLEET_REDIS_CA",
                ca.map(|p| p.to_string()).unwrap_or_default(),
            ),
        ]
    }

    /// Reads it back from a worker's environment (`None`: the worker paces alone).
    pub fn from_env() -> Option<RedisTarget> {
        let var = |name: &str| std::env::var(name).unwrap_or_default();
        let urls = var("FLEET_REDIS_URL");
        if urls.is_empty() {
            return None;
        }
        let ca = var("FLEET_REDIS_CA");
        Some(RedisTarget {
            urls: urls.split(',').map(str::to_string).collect(),
            ca: (!ca.is_empty()).then(|| PathBuf::from(ca)),
        })
    }
}

/// A CA, and a certificate it issued for `localhost` with its key: PEM, in that order.
fn certificates() -> Result<(String, String, String), rcgen::Error> {
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "certcentral-rs test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca, rcgen::KeyPair::generate()?)?;
    let key = rcgen::KeyPair::generate()?;
    let cert =
        rcgen::CertificateParams::new(vec!["localhost".to_string()])?.signed_by(&key, &ca)?;
    Ok((ca.pem(), cert.pem(), key.serialize_pem()))
}

/// A `redis-server` of the test's own, on a free loopback port, stopped when dropped.
pub struct RedisServer {
    child: Child,
    port: u16,
    access: Access,
    args: Vec<String>,
    dir: Arc<Scratch>,
}

impl RedisServer {
    /// A plain server (no persistence: a restart loses the data), ready for connections.
    /// Fails the test, saying how to install Redis, when `redis-server` is missing.
    pub fn start() -> RedisServer {
        Self::spawn(
            free_port(),
            Access::Plain,
            Vec::new(),
            Scratch::new("redis"),
        )
    }

    /// A server that speaks TLS only (`rediss://localhost:PORT`), its certificate issued by a
    /// CA made for it (see [`RedisTarget::ca`]).
    pub fn start_tls() -> RedisServer {
        let dir = Scratch::new("redis-tls");
        let (ca, cert, key) = certificates().expect("rcgen makes the test certificates");
        let write = |name: &str, text: String| {
            let path = dir.0.join(name);
            std::fs::write(&path, text).expect("writing a test certificate");
            path.display().to_string()
        };
        let ca_file = write("ca.pem", ca);
        let args = vec![
            "--port".into(),
            "0".into(),
            "--tls-cert-file".into(),
            write("server.pem", cert),
            "--tls-key-file".into(),
            write("server.key", key),
            "--tls-ca-cert-file".into(),
            ca_file.clone(),
            "--tls-auth-clients".into(),
            "no".into(),
        ];
        let access = Access::Tls {
            ca: PathBuf::from(ca_file),
        };
        Self::spawn(free_port(), access, args, dir)
    }

    /// A server whose `default` user is off and whose one user, `user`, may do what shared
    /// pacing does and nothing else: the least-privilege ACL the README shows.
    pub fn start_acl(user: &str, password: &str) -> RedisServer {
        let mut args: Vec<String> = ["--user", "default", "off", "--user", user, "on"]
            .map(String::from)
            .into();
        args.push(format!(">{password}"));
        args.extend(PACING_ACL.split_whitespace().map(String::from));
        let access = Access::Acl {
            user: user.into(),
            password: password.into(),
        };
        Self::spawn(free_port(), access, args, Scratch::new("redis-acl"))
    }

    fn spawn(port: u16, access: Access, args: Vec<String>, dir: Arc<Scratch>) -> RedisServer {
        use std::io::BufRead;
        let listen = if matches!(access, Access::Tls { .. }) {
            "--tls-port"
        } else {
            "--port"
        };
        let spawned = Command::new("redis-server")
            .args([listen, &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--logfile", ""])
            .arg("--dir")
            .arg(&dir.0)
            .args(&args)
            .stdout(Stdio::piped())
            .spawn();
        let mut child =
            spawned.unwrap_or_else(|e| panic!("cannot start `redis-server` ({e}): {INSTALL}"));
        let stdout = child.stdout.take().expect("redis-server's output");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let mut said = Vec::new();
        let ready = lines.any(|l| {
            let line = l.unwrap_or_default();
            said.push(line.clone());
            line.contains("Ready to accept connections")
        });
        assert!(
            ready,
            "redis-server on port {port} exited before it was ready:\n{}",
            said.join("\n")
        );
        // Keep reading its output, so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        RedisServer {
            child,
            port,
            access,
            args,
            dir,
        }
    }

    /// Its URL: `redis://127.0.0.1:PORT`, `rediss://localhost:PORT` or
    /// `redis://USER:PASSWORD@127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        let port = self.port;
        match &self.access {
            Access::Plain => format!("redis://127.0.0.1:{port}"),
            Access::Tls { .. } => format!("rediss://localhost:{port}"),
            Access::Acl { user, password } => format!("redis://{user}:{password}@127.0.0.1:{port}"),
        }
    }

    /// What a client of this server needs.
    pub fn target(&self) -> RedisTarget {
        RedisTarget {
            urls: vec![self.url()],
            ca: match &self.access {
                Access::Tls { ca } => Some(ca.clone()),
                _ => None,
            },
        }
    }

    /// Stops it (its data is gone: no persistence) and starts it again on the same port.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        *self = Self::spawn(
            self.port,
            self.access.clone(),
            self.args.clone(),
            self.dir.clone(),
        );
    }

    /// Stops it for good.
    pub fn stop(self) {}

    /// What `redis-cli ARGS` prints, run as this server's client.
    pub fn cli(&self, args: &[&str]) -> String {
        let mut cli = Command::new("redis-cli");
        cli.args(["-p", &self.port.to_string()]);
        match &self.access {
            Access::Plain => cli.args(["-h", "127.0.0.1"]),
            Access::Tls { ca } => cli.args(["-h", "localhost", "--tls", "--cacert"]).arg(ca),
            Access::Acl { user, password } => cli.args([
                "-h",
                "127.0.0.1",
                "--user",
                user,
                "--pass",
                password,
                "--no-auth-warning",
            ]),
        };
        let output = cli
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run `redis-cli` ({e}): {INSTALL}"));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// How many times the server ran a script (`EVALSHA` and `EVAL`, from `INFO
    /// commandstats`): the shared limiter's calls.
    pub fn script_calls(&self) -> u64 {
        self.cli(&["INFO", "commandstats"])
            .lines()
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
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What shared pacing needs of Redis, as ACL rules: its keys, the scripts, and the commands the
/// scripts run (Redis checks those against the user too). The README's "Running a fleet"
/// shows the same line; a suite proves it is enough.
pub const PACING_ACL: &str = "~certcentral:pacing:* resetchannels -@all +evalsha +eval \
    +script|load +time +hget +hset +zadd +zrem +zscore +zcard +zcount +zrange +zrangebyscore \
    +zremrangebyscore +pexpire";

/// A Redis Cluster of three masters (no replicas), each a child `redis-server`.
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts three nodes, joins them with `redis-cli --cluster create`, and waits until every
    /// node reports the cluster's state as ok.
    pub fn start() -> RedisCluster {
        let dir = Scratch::new("redis-cluster");
        let nodes: Vec<RedisServer> = (0..3)
            .map(|_| {
                let port = free_cluster_port();
                let args = [
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    &format!("nodes-{port}.conf"),
                ]
                .map(String::from)
                .into();
                RedisServer::spawn(port, Access::Plain, args, dir.clone())
            })
            .collect();
        let addresses: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let created = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addresses)
            .arg("--cluster-yes")
            .output()
            .unwrap_or_else(|e| panic!("cannot run `redis-cli` ({e}): {INSTALL}"));
        assert!(
            created.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&created.stdout)
        );
        let cluster = RedisCluster { nodes };
        // The nodes agree through their bus: wait on that state (polling it), not a clock.
        let started = std::time::Instant::now();
        while !cluster
            .nodes
            .iter()
            .all(|n| n.cli(&["CLUSTER", "INFO"]).contains("cluster_state:ok"))
        {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "the cluster did not become ok within a minute"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        cluster
    }

    /// Its nodes.
    pub fn nodes(&self) -> &[RedisServer] {
        &self.nodes
    }

    /// Every node's URL, `first` first (a seed list a client walks in order).
    pub fn target(&self, first: usize) -> RedisTarget {
        let mut urls: Vec<String> = self.nodes.iter().map(RedisServer::url).collect();
        let first = first % urls.len().max(1);
        urls.rotate_left(first);
        RedisTarget { urls, ca: None }
    }
}
