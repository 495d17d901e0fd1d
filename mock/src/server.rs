//! The HTTP side: axum routes, served connection by connection through hyper so that a
//! scripted fault can drop a connection without answering.

use crate::{Fault, LedgerEntry, MockConfig, RecordedRequest};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use axum::routing::post;
use bytes::Bytes;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower::ServiceExt;

/// Marks a response that must not be sent: the connection is dropped instead.
#[derive(Clone, Copy)]
struct Abort;

#[derive(Debug)]
struct Aborted;

impl std::fmt::Display for Aborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a scripted fault")
    }
}

impl std::error::Error for Aborted {}

#[derive(Default)]
struct Ledger {
    orders: Vec<LedgerEntry>,
    requests: Vec<RecordedRequest>,
    faults: VecDeque<Fault>,
    /// Accepted request times per API key, for the rolling windows.
    hits: HashMap<String, VecDeque<Instant>>,
    next_order_id: i64,
    next_request_id: i64,
    next_organization_id: i64,
}

struct Shared {
    config: MockConfig,
    ledger: Mutex<Ledger>,
}

impl Shared {
    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        // A panic while holding the lock cannot leave the ledger half-written (every update
        // is a single push or counter bump), so a poisoned lock is still safe to read.
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }
}

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
        let ledger = Ledger {
            next_order_id: config.first_order_id,
            next_request_id: config.first_request_id,
            next_organization_id: config.first_organization_id,
            ..Ledger::default()
        };
        let shared = Arc::new(Shared {
            config,
            ledger: Mutex::new(ledger),
        });
        let app = Router::new()
            .route(
                "/services/v2/order/certificate/{client_certificate_id}",
                post(order),
            )
            .fallback(not_found)
            .with_state(shared.clone());
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => stream,
                        Err(e) => {
                            tracing::warn!(error = %e, "mock: accept failed");
                            continue;
                        }
                    },
                };
                let app = app.clone();
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
                    // Errors here are dropped connections (scripted or by the client).
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
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

    /// The base URL to give a client: `http://127.0.0.1:PORT/services/v2`.
    pub fn base_url(&self) -> String {
        format!("http://{}/services/v2", self.addr)
    }

    /// The API key the client should use (the first configured one).
    pub fn api_key(&self) -> &str {
        self.shared
            .config
            .api_keys
            .first()
            .map_or("", String::as_str)
    }

    /// Every order created so far, in order.
    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.shared.ledger().orders.clone()
    }

    /// The orders that carry this alternative order id.
    pub fn orders_with_alternative_id(&self, id: &str) -> Vec<LedgerEntry> {
        self.shared
            .ledger()
            .orders
            .iter()
            .filter(|o| o.alternative_order_id.as_deref() == Some(id))
            .cloned()
            .collect()
    }

    /// Every request received so far (any path), in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.ledger().requests.clone()
    }

    /// Queues a fault for the next order request that has none yet.
    pub fn inject(&self, fault: Fault) {
        self.shared.ledger().faults.push_back(fault);
    }

    /// Faults queued and not yet consumed.
    pub fn pending_faults(&self) -> usize {
        self.shared.ledger().faults.len()
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

fn json_response(status: StatusCode, body: &Value) -> Response<Body> {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn errors(status: StatusCode, list: &[(String, String)]) -> Response<Body> {
    let errors: Vec<Value> = list
        .iter()
        .map(|(code, message)| json!({ "code": code, "message": message }))
        .collect();
    json_response(status, &json!({ "errors": errors }))
}

fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    errors(status, &[(code.to_string(), message.to_string())])
}

fn html(status: StatusCode, title: &str, retry_after: Option<u64>) -> Response<Body> {
    let mut r = Response::new(Body::from(format!(
        "<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
    )));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Some(secs) = retry_after {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    r
}

fn abort() -> Response<Body> {
    let mut r = Response::new(Body::empty());
    r.extensions_mut().insert(Abort);
    r
}

fn record(shared: &Shared, method: &str, path: &str, headers: &HeaderMap, body: &[u8]) {
    shared.ledger().requests.push(RecordedRequest {
        method: method.to_string(),
        path: path.to_string(),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    });
}

async fn not_found(State(shared): State<Arc<Shared>>, req: Request<Body>) -> Response<Body> {
    let (parts, _) = req.into_parts();
    record(
        &shared,
        parts.method.as_str(),
        parts.uri.path(),
        &parts.headers,
        &[],
    );
    error(
        StatusCode::NOT_FOUND,
        "not_found",
        "The requested resource was not found.",
    )
}

/// Seconds until every window has room again, if any window is full.
fn rate_limited(shared: &Shared, key: &str) -> Option<u64> {
    let limits = &shared.config.rate_limits;
    let longest = limits.iter().map(|l| l.window).max()?;
    let now = Instant::now();
    let mut ledger = shared.ledger();
    let hits = ledger.hits.entry(key.to_string()).or_default();
    while hits
        .front()
        .is_some_and(|t| now.duration_since(*t) >= longest)
    {
        hits.pop_front();
    }
    let mut wait: Option<Duration> = None;
    for limit in limits {
        let in_window: Vec<&Instant> = hits
            .iter()
            .filter(|t| now.duration_since(**t) < limit.window)
            .collect();
        if in_window.len() >= limit.max_requests as usize {
            // The oldest hit inside the window leaves it first.
            let free_at = in_window
                .len()
                .checked_sub(limit.max_requests as usize)
                .and_then(|i| in_window.get(i))
                .map_or(limit.window, |t| {
                    limit.window.saturating_sub(now.duration_since(**t))
                });
            wait = Some(wait.map_or(free_at, |w| w.max(free_at)));
        }
    }
    match wait {
        Some(w) => Some(w.as_secs() + u64::from(w.subsec_nanos() > 0)),
        None => {
            hits.push_back(now);
            None
        }
    }
}

async fn order(
    State(shared): State<Arc<Shared>>,
    Path(product): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    // Like a real server, an order being processed is finished even if the client hangs up
    // (a client timeout must not make the order vanish).
    let task = tokio::spawn(handle_order(shared, product, headers, body));
    task.await.unwrap_or_else(|_| {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "The mock failed while handling the order.",
        )
    })
}

async fn handle_order(
    shared: Arc<Shared>,
    product: String,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let path = format!("/services/v2/order/certificate/{product}");
    record(&shared, "POST", &path, &headers, &body);
    let fault = shared.ledger().faults.pop_front();
    if let Some(Fault::Delay(d)) = &fault {
        tokio::time::sleep(*d).await;
    }
    match &fault {
        Some(Fault::CloseBeforeRecording) => return abort(),
        Some(Fault::Maintenance) => {
            return html(
                StatusCode::SERVICE_UNAVAILABLE,
                "CertCentral is down for maintenance",
                Some(1),
            );
        }
        Some(Fault::RateLimited) => return request_limit_exceeded(1),
        Some(Fault::Respond {
            status,
            content_type,
            body,
        }) => {
            let mut r = Response::new(Body::from(body.clone()));
            *r.status_mut() =
                StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if let Ok(v) = HeaderValue::from_str(content_type) {
                r.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            return r;
        }
        _ => {}
    }

    let key = headers.get("x-dc-devkey").and_then(|v| v.to_str().ok());
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            "The X-DC-DEVKEY header is missing: authenticate with an API key.",
        );
    };
    if !shared.config.api_keys.iter().any(|k| k == key) {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            "The API key is invalid, revoked or expired.",
        );
    }
    if let Some(secs) = rate_limited(&shared, key) {
        return request_limit_exceeded(secs);
    }
    if certcentral_spec::product(&product).is_none() {
        return error(
            StatusCode::NOT_FOUND,
            "not_found|product",
            &format!(
                "Product `{product}` was not found.{}",
                certcentral_spec::nearest(
                    &product,
                    certcentral_spec::PRODUCTS.iter().map(|p| p.id)
                )
                .map_or(String::new(), |n| format!(" Did you mean `{n}`?"))
            ),
        );
    }
    let order: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                &format!("The request body is not valid JSON: {e}"),
            );
        }
    };
    let report = certcentral_spec::validate(&product, &order);
    if !report.is_valid() {
        let list: Vec<(String, String)> = report
            .violations
            .iter()
            .map(|v| {
                (
                    format!("invalid_request|{}", v.rule),
                    format!("{}: {}", v.path, v.message),
                )
            })
            .collect();
        return errors(StatusCode::BAD_REQUEST, &list);
    }
    let alternative_order_id = order
        .get("alternative_order_id")
        .and_then(Value::as_str)
        .map(String::from);
    let entry = {
        let mut ledger = shared.ledger();
        if let Some(id) = &alternative_order_id
            && shared.config.unique_alternative_order_ids
            && ledger
                .orders
                .iter()
                .any(|o| o.alternative_order_id.as_ref() == Some(id))
        {
            drop(ledger);
            return error(
                StatusCode::BAD_REQUEST,
                "duplicate_alternative_order_id",
                &format!("An order with alternative_order_id `{id}` already exists."),
            );
        }
        if fault.as_ref().is_some_and(|f| !f.records()) {
            return abort();
        }
        let skip_approval = order
            .get("skip_approval")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let (status, certificate_id) = match (skip_approval, shared.config.prevalidated) {
            (false, _) => ("pending", None),
            (true, false) => ("submitted", None),
            (true, true) => ("approved", Some(ledger.next_request_id)),
        };
        let new_org = order
            .get("organization")
            .is_some_and(|o| o.get("id").is_none_or(Value::is_null));
        let created_organization_id = new_org.then(|| {
            ledger.next_organization_id += 1;
            ledger.next_organization_id - 1
        });
        let entry = LedgerEntry {
            order_id: ledger.next_order_id,
            request_id: ledger.next_request_id,
            product: product.clone(),
            status: status.to_string(),
            certificate_id,
            created_organization_id,
            alternative_order_id,
            body: order,
        };
        ledger.next_order_id += 1;
        ledger.next_request_id += 1;
        ledger.orders.push(entry.clone());
        entry
    };
    tracing::debug!(order_id = entry.order_id, product = %entry.product, "mock: order created");
    created(&entry, fault)
}

fn request_limit_exceeded(retry_after: u64) -> Response<Body> {
    let mut r = error(
        StatusCode::TOO_MANY_REQUESTS,
        "request_limit_exceeded",
        "Request limit exceeded for this API key; retry later.",
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    r
}

fn created(entry: &LedgerEntry, fault: Option<Fault>) -> Response<Body> {
    let status = match &fault {
        Some(Fault::UnlistedStatus(s)) => s.clone(),
        _ => entry.status.clone(),
    };
    let mut body = json!({
        "id": entry.order_id,
        "requests": [{ "id": entry.request_id, "status": status }],
    });
    if let Some(org) = entry.created_organization_id {
        body["organization"] = json!({ "id": org });
    }
    if let Some(cert) = entry.certificate_id {
        body["certificate_id"] = json!(cert);
    }
    match fault {
        Some(Fault::CloseAfterRecording) => abort(),
        Some(Fault::InternalError) => html(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            None,
        ),
        Some(Fault::MalformedJson) => {
            let mut r = json_response(StatusCode::CREATED, &Value::Null);
            *r.body_mut() = Body::from(format!(
                "{{\"id\": {}, \"requests\": [{{\"id\": ,]",
                entry.order_id
            ));
            r
        }
        Some(Fault::TruncatedBody) => {
            let text = body.to_string();
            let half = Bytes::from(text.as_bytes()[..text.len() / 2].to_vec());
            let stream = futures_util::stream::iter([
                Ok::<Bytes, std::io::Error>(half),
                Err(std::io::Error::other("truncated by a scripted fault")),
            ]);
            let mut r = json_response(StatusCode::CREATED, &Value::Null);
            *r.body_mut() = Body::from_stream(stream);
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(text.len()));
            r
        }
        Some(Fault::ExtraFields) => {
            body["unlisted_field"] = json!({ "nested": [1, 2, 3] });
            body["requests"][0]["unlisted_request_field"] = json!("x");
            json_response(StatusCode::CREATED, &body)
        }
        _ => json_response(StatusCode::CREATED, &body),
    }
}
