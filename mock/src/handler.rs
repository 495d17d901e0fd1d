//! What the mock decides: every request routed, authenticated, read and judged, each error with
//! the status DigiCert would use; what it sends back is built in `answers.rs`.

use crate::answers::{abort, created, error, errors, maintenance, request_limit_exceeded};
use crate::faults::Fault;
use crate::state::Shared;
use crate::{LedgerEntry, RecordedRequest};
use axum::body::Body;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use bytes::Bytes;
use certcentral_table::API_KEY_HEADER;
use certcentral_table::responses::{ApiError, RequestStatus};
use futures_util::StreamExt;
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

/// The path of the spec's first server (`/services/v2`): what the mock serves below.
pub(crate) fn server_path() -> &'static str {
    certcentral_table::TABLE
        .servers
        .first()
        .and_then(|s| s.url.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or_default()
}

/// The order operation's path around its `{client_certificate_id}`, below [`server_path`]:
/// the mock follows the spec's operation.
fn order_path() -> (String, &'static str) {
    let (stem, suffix) = certcentral_table::TABLE
        .order_path
        .split_once("{client_certificate_id}")
        .unwrap_or((certcentral_table::TABLE.order_path, ""));
    (format!("{}{stem}", server_path()), suffix)
}

/// Every request: routed by path, checked in the order a server can afford (headers before
/// the body, the key before anything is kept).
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    req: Request<Body>,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let raw_path = parts.uri.path();
    let (prefix, suffix) = order_path();
    let product = raw_path
        .strip_prefix(&prefix)
        .and_then(|p| p.strip_suffix(suffix))
        .map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8()
                .map(|p| p.into_owned())
        });
    let product = match product {
        Some(Ok(product)) if !product.is_empty() && !product.contains('/') => Some(product),
        Some(Err(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request|path",
                "The path is not valid UTF-8 once percent-decoded.",
            );
        }
        _ => None,
    };
    if let Err(why) = authenticate(&shared, &parts.headers) {
        discard(body.into_data_stream()).await;
        return error(StatusCode::UNAUTHORIZED, "invalid_api_key", &why);
    }
    let Some(product) = product else {
        record(&shared, &parts, raw_path, &[]);
        return error(
            StatusCode::NOT_FOUND,
            "not_found",
            "The requested resource was not found.",
        );
    };
    if parts.method != Method::POST {
        let mut r = error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            &format!("{} is not allowed here: order with POST.", parts.method),
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    if !is_json(&parts.headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "The request body must be JSON: send Content-Type: application/json.",
        );
    }
    let body = match read_body(body, shared.config.max_body_bytes).await {
        Some(body) => body,
        None => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request_too_large",
                &format!(
                    "The request body is larger than {} bytes.",
                    shared.config.max_body_bytes
                ),
            );
        }
    };
    let path = format!("{prefix}{product}{suffix}");
    record(&shared, &parts, &path, &body);
    // Like a real server, an order being processed is finished even if the client hangs up
    // (a client timeout must not make the order vanish).
    shared.count(|c| c.orders_in_progress += 1);
    let task = tokio::spawn(async move {
        let response = order(&shared, product, parts.headers, body).await;
        shared.count(|c| c.orders_in_progress -= 1);
        response
    });
    task.await.unwrap_or_else(|_| {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "The mock failed while handling the order.",
        )
    })
}

/// A body that is refused is still read (so that a client that is still sending gets the
/// answer, not a reset) and dropped chunk by chunk, up to this much.
const DISCARD_LIMIT: usize = 16 << 20;

/// Reads what is left of a body without keeping it, up to [`DISCARD_LIMIT`].
async fn discard(mut stream: axum::body::BodyDataStream) {
    let mut read = 0;
    while read <= DISCARD_LIMIT {
        match stream.next().await {
            Some(Ok(chunk)) => read += chunk.len(),
            _ => return,
        }
    }
}

/// The body, or `None` when it is larger than `limit` (the rest is then discarded).
async fn read_body(body: Body, limit: usize) -> Option<Bytes> {
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return None;
        };
        if kept.len() + chunk.len() > limit {
            discard(stream).await;
            return None;
        }
        kept.extend_from_slice(&chunk);
    }
    Some(Bytes::from(kept))
}

/// The API key, checked before anything of the request is read or kept; why it is refused.
fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<(), String> {
    let key = headers.get(API_KEY_HEADER).and_then(|v| v.to_str().ok());
    match key.filter(|k| !k.is_empty()) {
        None => Err(format!(
            "The {API_KEY_HEADER} header is missing: authenticate with an API key."
        )),
        Some(key) if shared.config.api_keys.iter().any(|k| k == key) => Ok(()),
        Some(_) => Err("The API key is invalid, revoked or expired.".into()),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

fn record(shared: &Shared, parts: &Parts, path: &str, body: &[u8]) {
    let headers = &parts.headers;
    shared.state().record_request(RecordedRequest {
        method: parts.method.to_string(),
        path: path.to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
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
        received_at: Instant::now(),
    });
}

async fn order(
    shared: &Shared,
    product: String,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let fault = shared.state().faults.pop_front();
    if let Some(Fault::Delay(d)) = &fault {
        tokio::time::sleep(*d).await;
    }
    match &fault {
        Some(Fault::CloseBeforeRecording) => return abort(),
        Some(Fault::Maintenance) => return maintenance(Some(1)),
        Some(Fault::MaintenanceFor(d)) => return maintenance(Some(d.as_secs().max(1))),
        Some(Fault::RateLimited) => return request_limit_exceeded(1),
        Some(Fault::Redirect(location)) => {
            let mut r = error(
                StatusCode::TEMPORARY_REDIRECT,
                "moved",
                "The order endpoint moved.",
            );
            if let Ok(v) = HeaderValue::from_str(location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            return r;
        }
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

    // Authenticated before the body was read: the key is present and valid.
    let key = headers
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let admitted = {
        let mut state = shared.state();
        let windows = state.windows.entry(key.to_string()).or_default();
        windows.admit(&shared.config.rate_limits, Instant::now())
    };
    if let Err(wait) = admitted {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return request_limit_exceeded(secs);
    }
    if certcentral_table::product(&product).is_none() {
        return error(
            StatusCode::NOT_FOUND,
            "not_found|product",
            &format!(
                "Product `{product}` was not found.{}",
                certcentral_table::nearest(
                    &product,
                    certcentral_table::TABLE.products.iter().map(|p| p.id)
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
    let report = certcentral_table::validate(&product, &order);
    if !report.is_valid() {
        let list = report
            .violations
            .iter()
            .map(|v| ApiError {
                code: format!("invalid_request|{}", v.rule),
                message: format!("{}: {}", v.path, v.message),
            })
            .collect();
        return errors(StatusCode::BAD_REQUEST, list);
    }
    let alternative_order_id = order
        .get("alternative_order_id")
        .and_then(Value::as_str)
        .map(String::from);
    let entry = {
        let mut state = shared.state();
        if let Some(id) = &alternative_order_id
            && shared.config.unique_alternative_order_ids
            && state.by_alternative_id.contains_key(id)
        {
            drop(state);
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
            (false, _) => (RequestStatus::Pending, None),
            (true, false) => (RequestStatus::Submitted, None),
            (true, true) => (RequestStatus::Approved, Some(state.next_request_id)),
        };
        let new_org = order
            .get("organization")
            .is_some_and(|o| o.get("id").is_none_or(Value::is_null));
        let created_organization_id = new_org.then(|| {
            state.next_organization_id += 1;
            state.next_organization_id - 1
        });
        let entry = LedgerEntry {
            order_id: state.next_order_id,
            request_id: state.next_request_id,
            product,
            status,
            certificate_id,
            created_organization_id,
            alternative_order_id,
            // Valid JSON is valid UTF-8; kept as text, a fraction of a parsed value's size.
            body: String::from_utf8_lossy(&body).into(),
        };
        state.next_order_id += 1;
        state.next_request_id += 1;
        state.record_order(entry.clone());
        // Under the state lock: the file lists orders in the order they were created.
        shared.append_to_ledger_file(&entry);
        entry
    };
    shared.notify();
    tracing::debug!(order_id = entry.order_id, product = %entry.product, "mock: order created");
    match &fault {
        Some(Fault::AnswerAfter(d)) => tokio::time::sleep(*d).await,
        Some(Fault::Hold) => shared.held().await,
        _ => {}
    }
    created(&entry, fault)
}
