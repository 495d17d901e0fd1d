//! The plumbing: a listener on loopback, at most `max_connections` connections served at once
//! (the rest wait in the kernel's backlog), each through hyper with a header-read timeout, so
//! that a connection that never finishes its request cannot hold the server.

use crate::answers::Abort;
use crate::handler::handle;
use crate::state::Shared;
use crate::{Fault, LedgerEntry, MockConfig, RecordedRequest};
use axum::Router;
use axum::body::Body;
use axum::http::Request;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tower::ServiceExt;

#[derive(Debug)]
struct Aborted;

impl std::fmt::Display for Aborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a scripted fault")
    }
}

impl std::error::Error for Aborted {}

/// A running mock CertCentral on `127.0.0.1`. Stops when dropped or [`MockServer::shutdown`].
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server on `127.0.0.1` with a port chosen by the OS.
    pub async fn start(config: MockConfig) -> std::io::Result<MockServer> {
        Self::bind(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts a server on `addr` (use port 0 to let the OS choose).
    pub async fn bind(config: MockConfig, addr: SocketAddr) -> std::io::Result<MockServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
        let header_read_timeout = config.header_read_timeout;
        let shared = Arc::new(Shared::new(config)?);
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let (stop, mut stopped) = oneshot::channel();
        let counters = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    _ = &mut stopped => break,
                    accepted = async {
                        // A slot first: at the cap, connections wait in the backlog.
                        let slot = slots.clone().acquire_owned().await;
                        (slot, listener.accept().await)
                    } => accepted,
                };
                let (Ok(slot), accepted) = accepted else {
                    break; // the semaphore is never closed
                };
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!(error = %e, "mock: accept failed");
                        continue;
                    }
                };
                let app = app.clone();
                let counters = counters.clone();
                counters.count(|c| c.open_connections += 1);
                tokio::spawn(async move {
                    let service =
                        hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let app = app.clone();
                            async move {
                                let response = app.oneshot(req.map(Body::new)).await;
                                match response {
                                    Ok(r) if r.extensions().get::<Abort>().is_some() => {
                                        Err(Aborted)
                                    }
                                    Ok(r) => Ok(r),
                                    Err(never) => match never {},
                                }
                            }
                        });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    // Errors here are dropped connections (scripted, timed out, or by the
                    // client).
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(header_read_timeout)
                        .serve_connection(io, service)
                        .await;
                    drop(slot);
                    counters.count(|c| c.open_connections -= 1);
                });
            }
        });
        Ok(MockServer {
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give a client: `http://127.0.0.1:PORT/services/v2` (the path of the
    /// spec's first server).
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, crate::handler::server_path())
    }

    /// The API key the client should use (the first configured one).
    pub fn api_key(&self) -> &str {
        self.shared
            .config
            .api_keys
            .first()
            .map_or("", String::as_str)
    }

    /// The orders in the ledger, oldest first: every order created, unless more than
    /// [`MockConfig::ledger_capacity`] were, in which case the newest ones.
    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.shared
            .state()
            .orders
            .iter()
            .map(|o| o.entry.clone())
            .collect()
    }

    /// How many orders were created since the start (including those the ledger let go).
    pub fn orders_created(&self) -> u64 {
        self.shared.state().counters.orders_created
    }

    /// The orders in the ledger that carry this alternative order id.
    pub fn orders_with_alternative_id(&self, id: &str) -> Vec<LedgerEntry> {
        self.shared
            .state()
            .orders
            .iter()
            .filter(|o| o.entry.alternative_order_id.as_deref() == Some(id))
            .map(|o| o.entry.clone())
            .collect()
    }

    /// The authenticated requests received (any path), oldest first: the newest
    /// [`MockConfig::recent_requests`] of them. Requests without a valid key are never kept.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.iter().cloned().collect()
    }

    /// Connections being served now.
    pub fn open_connections(&self) -> usize {
        self.shared.state().counters.open_connections
    }

    /// Waits until at least `n` orders were created since the start: the event to wait for
    /// when an order lands after its client gave up (a delayed or timed-out request).
    pub async fn wait_for_orders(&self, n: u64) {
        self.shared.wait_until(|c| c.orders_created >= n).await;
    }

    /// Waits until at least `n` orders are being handled (received, not yet answered).
    pub async fn wait_for_orders_in_progress(&self, n: usize) {
        self.shared.wait_until(|c| c.orders_in_progress >= n).await;
    }

    /// Waits until `n` connections are being served (for tests of the connection cap).
    pub async fn wait_for_connections(&self, n: usize) {
        self.shared.wait_until(|c| c.open_connections == n).await;
    }

    /// Waits until no connection is open and no request is being handled: after the clients
    /// are dropped, every request they sent has then been answered or abandoned, and the
    /// ledger is final.
    pub async fn wait_idle(&self) {
        self.shared
            .wait_until(|c| c.open_connections == 0 && c.calls_in_progress == 0)
            .await;
    }

    /// Queues a fault for the next order request that has none yet.
    pub fn inject(&self, fault: Fault) {
        self.queue(certcentral_table::ORDER_OPERATION, fault);
    }

    /// Queues a fault for the next request of an operation that has none yet, by the
    /// operation's short name (`lookup`, `info`, `list`, `download`, …: the names of
    /// `certcentral_table::OPERATIONS`, listed by `certcentral-mock --help`) or `operationId`.
    ///
    /// ```
    /// # async fn run() -> std::io::Result<()> {
    /// use certcentral_mock::{Fault, MockServer};
    /// let server = MockServer::start(Default::default()).await?;
    /// server.inject_for("lookup", Fault::Maintenance).expect("a known operation");
    /// assert!(server.inject_for("nowhere", Fault::Maintenance).is_err());
    /// # Ok(()) }
    /// ```
    pub fn inject_for(&self, operation: &str, fault: Fault) -> Result<(), UnknownOperation> {
        let op = certcentral_table::operation(operation)
            .ok_or_else(|| UnknownOperation(operation.to_string()))?;
        self.queue(op.id, fault);
        Ok(())
    }

    fn queue(&self, operation_id: &str, fault: Fault) {
        let name = certcentral_table::operation(operation_id).map_or("order", |o| o.name);
        self.shared
            .state()
            .faults
            .entry(name)
            .or_default()
            .push_back(fault);
    }

    /// The URL of the order operation for `product` (`client_certificate_id`), from the
    /// spec's path: for tests that send raw HTTP.
    ///
    /// ```
    /// # async fn run() -> std::io::Result<()> {
    /// let server = certcentral_mock::MockServer::start(Default::default()).await?;
    /// let url = server.order_url("class1_smime");
    /// assert!(url.starts_with(&server.base_url()) && url.contains("/class1_smime"));
    /// # Ok(()) }
    /// ```
    pub fn order_url(&self, product: &str) -> String {
        // The order path's one parameter is the product.
        let path = certcentral_table::TABLE.order_path;
        let (prefix, rest) = path.split_once('{').unwrap_or((path, "}"));
        let suffix = rest.split_once('}').map_or("", |(_, s)| s);
        format!("{}{prefix}{product}{suffix}", self.base_url())
    }

    /// Lets the answers held by [`Fault::Hold`] go out (and every later one at once).
    pub fn release_held(&self) {
        self.shared.release_held();
    }

    /// Faults queued and not yet consumed (for every operation).
    pub fn pending_faults(&self) -> usize {
        self.shared.state().faults.values().map(|q| q.len()).sum()
    }

    /// The mock's clock (see [`MockServer::advance`]).
    pub fn now(&self) -> SystemTime {
        self.shared.clock.now()
    }

    /// Moves the mock's clock forward: what would have happened meanwhile (issuance after
    /// [`MockConfig::issue_after`], expiry) is seen at the next request, dated when it
    /// happened.
    pub fn advance(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Sets the mock's clock (it runs on from there): orders placed then are dated then, so
    /// that "an order from last year" is a test's to make.
    pub fn set_time(&self, at: SystemTime) {
        self.shared.clock.set(at);
    }

    /// Marks a mailbox validated (its owner followed DigiCert's link): a Class 1 order for it
    /// can be issued.
    pub fn validate_mailbox(&self, email: &str) {
        let now = self.shared.clock.now();
        let capacity = self.shared.config.ledger_capacity;
        self.shared.state().validate_mailbox(email, now, capacity);
    }

    /// The recipient of an order without a CSR makes the key and certificate in their browser
    /// (the key never leaves it): an order `waiting_pickup` is issued now. Whether it was.
    pub fn pick_up(&self, order_id: i64) -> bool {
        let now = self.shared.clock.now();
        let mut state = self.shared.state();
        let crate::state::State {
            orders, mailboxes, ..
        } = &mut *state;
        let Some(order) = orders.find_mut(order_id, |o| o.entry.order_id) else {
            return false;
        };
        crate::operations::refresh(&self.shared, mailboxes, order, now);
        if order.life.status != crate::OrderStatus::WaitingPickup {
            return false;
        }
        order.life.picked_up_at = Some(now);
        crate::operations::refresh(&self.shared, mailboxes, order, now);
        order.life.status == crate::OrderStatus::Issued
    }

    /// An order's status now (what order info would answer).
    pub fn order_status(&self, order_id: i64) -> Option<crate::OrderStatus> {
        let now = self.shared.clock.now();
        let mut state = self.shared.state();
        let crate::state::State {
            orders, mailboxes, ..
        } = &mut *state;
        let order = orders.find_mut(order_id, |o| o.entry.order_id)?;
        crate::operations::refresh(&self.shared, mailboxes, order, now);
        Some(order.life.status.clone())
    }

    /// The mock CA's root certificate (PEM): what its certificates verify against.
    pub fn root_pem(&self) -> &str {
        &self.shared.ca.root_pem
    }

    /// The mock CA's intermediate certificate (PEM), which signs the certificates it issues.
    pub fn intermediate_pem(&self) -> &str {
        &self.shared.ca.intermediate_pem
    }

    /// The URL of an operation (by short name or `operationId`) with its path parameters, for
    /// tests that send raw HTTP; `None` for an operation the spec does not have.
    ///
    /// ```
    /// # async fn run() -> std::io::Result<()> {
    /// let server = certcentral_mock::MockServer::start(Default::default()).await?;
    /// let url = server.url("info", &[("id", "112233")]).unwrap();
    /// assert_eq!(url, format!("{}/order/certificate/112233", server.base_url()));
    /// # Ok(()) }
    /// ```
    pub fn url(&self, operation: &str, params: &[(&str, &str)]) -> Option<String> {
        certcentral_table::operation(operation).map(|o| o.url(&self.base_url(), params))
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// An operation name the spec does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownOperation(pub String);

impl std::fmt::Display for UnknownOperation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = certcentral_table::OPERATIONS
            .iter()
            .map(|o| o.name)
            .collect();
        write!(
            f,
            "no operation `{}`: the operations are {}",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownOperation {}
