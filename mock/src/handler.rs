//! Every request, in the order a server can afford the checks (headers before the body, the
//! key before anything is kept): routed by the spec's operations, authenticated, read, its
//! fault planned, rate-limited, decided (`operations.rs`), answered (`answers.rs`) and written
//! to the access log.

use crate::RecordedRequest;
use crate::answers::{Reply, broken, instead};
use crate::faults::{After, Before};
use crate::operations::{Call, run};
use crate::state::Shared;
use axum::body::Body;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use bytes::Bytes;
use certcentral_table::{API_KEY_HEADER, OPERATIONS, Operation};
use futures_util::StreamExt;
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

/// Every request: answered, then written to the access log.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    req: Request<Body>,
) -> Response<Body> {
    let started = Instant::now();
    let method = req.method().to_string();
    let (response, operation) = respond(&shared, req).await;
    shared.append_to_access_log(serde_json::json!({
        "method": method,
        "operation": operation.map(|o| o.name),
        // The template, never the path sent: it may carry an alternative id (a name).
        "path": operation.map(|o| o.path),
        "status": response.status().as_u16(),
        "ms": u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }));
    response
}

/// The answer to a request, and the operation it was routed to.
async fn respond(
    shared: &Arc<Shared>,
    req: Request<Body>,
) -> (Response<Body>, Option<&'static Operation<'static>>) {
    let (parts, body) = req.into_parts();
    let routed = route(&parts);
    if let Err(why) = authenticate(shared, &parts.headers) {
        discard(body.into_data_stream()).await;
        let reply = Reply::error(StatusCode::UNAUTHORIZED, "invalid_api_key", &why);
        return (reply.into_response(), routed.ok().map(|(o, _)| o));
    }
    let (operation, params) = match routed {
        Ok(found) => found,
        Err(refusal) => {
            record(shared, &parts, &[]);
            return (refusal.into_response(), None);
        }
    };
    let body = if operation.method == "GET" {
        discard(body.into_data_stream()).await;
        Bytes::new()
    } else {
        match read_json_body(shared, &parts.headers, body).await {
            Ok(body) => body,
            Err(refusal) => return (refusal.into_response(), Some(operation)),
        }
    };
    record(shared, &parts, &body);
    let call = Call {
        operation,
        params,
        query: parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default(),
        body,
    };
    let key = key_of(&parts.headers).to_string();
    // Like a real server, a request being processed is finished even if the client hangs up
    // (a client timeout must not make an order vanish).
    let is_order = operation.id == certcentral_table::ORDER_OPERATION;
    let count = move |c: &mut crate::state::Counters, by: isize| {
        c.calls_in_progress = c.calls_in_progress.saturating_add_signed(by);
        if is_order {
            c.orders_in_progress = c.orders_in_progress.saturating_add_signed(by);
        }
    };
    shared.count(|c| count(c, 1));
    let task = {
        let shared = shared.clone();
        tokio::spawn(async move {
            let response = carry_out(&shared, &key, &call).await;
            shared.count(|c| count(c, -1));
            response
        })
    };
    let response = task.await.unwrap_or_else(|_| {
        Reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "The mock failed while handling the request.",
        )
        .into_response()
    });
    (response, Some(operation))
}

/// A routed, authenticated, read request: its fault's plan carried out around the rate limits
/// and the operation.
async fn carry_out(shared: &Shared, key: &str, call: &Call) -> Response<Body> {
    let fault = shared.state().next_fault(call.operation.name);
    let (before, after) = fault.map_or((Before::Run(Default::default()), After::Answer), |f| {
        f.plan()
    });
    match before {
        Before::Instead(answer) => return instead(answer),
        Before::Run(wait) if !wait.is_zero() => tokio::time::sleep(wait).await,
        Before::Run(_) => {}
        Before::Held => shared.held().await,
    }
    let admitted = {
        let mut state = shared.state();
        let windows = state.windows.entry(key.to_string()).or_default();
        windows.admit(&shared.config.rate_limits, Instant::now())
    };
    if let Err(wait) = admitted {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return Reply::request_limit_exceeded(secs).into_response();
    }
    let reply = run(shared, call);
    // A refusal took no effect: it is answered as it is.
    if !reply.status.is_success() {
        return reply.into_response();
    }
    match &after {
        After::Late(d) => tokio::time::sleep(*d).await,
        After::Held => shared.held().await,
        _ => {}
    }
    broken(reply, &after)
}

/// An operation, and the values of its path parameters.
type Routed = (&'static Operation<'static>, Vec<(&'static str, String)>);

/// The operation a request is for and its path parameters, or the refusal: a path that is
/// not UTF-8 once decoded, no operation at the path (`not_found|route`), or none with the
/// method (405, with `Allow`).
fn route(parts: &Parts) -> Result<Routed, Reply> {
    let raw = parts.uri.path();
    let path = raw.strip_prefix(server_path()).unwrap_or("");
    if percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .is_err()
    {
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            "invalid_request|path",
            "The path is not valid UTF-8 once percent-decoded.",
        ));
    }
    if let Some(found) = certcentral_table::route(parts.method.as_str(), path) {
        return Ok(found);
    }
    let allowed: Vec<&str> = OPERATIONS
        .iter()
        .filter(|o| o.matches(o.method, path).is_some())
        .map(|o| o.method)
        .collect();
    if allowed.is_empty() || path.is_empty() {
        return Err(Reply::error(
            StatusCode::NOT_FOUND,
            "not_found|route",
            "The requested resource was not found.",
        ));
    }
    let reply = Reply::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        &format!(
            "{} is not allowed here: use {}.",
            parts.method,
            allowed.join(" or ")
        ),
    );
    Err(match HeaderValue::from_str(&allowed.join(", ")) {
        Ok(v) => reply.with(header::ALLOW, v),
        Err(_) => reply,
    })
}

/// The body of a request that sends one: JSON, at most the configured size.
async fn read_json_body(shared: &Shared, headers: &HeaderMap, body: Body) -> Result<Bytes, Reply> {
    if !is_json(headers) {
        discard(body.into_data_stream()).await;
        return Err(Reply::error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "The request body must be JSON: send Content-Type: application/json.",
        ));
    }
    let limit = shared.config.max_body_bytes;
    read_body(body, limit).await.ok_or_else(|| {
        Reply::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request_too_large",
            &format!("The request body is larger than {limit} bytes."),
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

fn key_of(headers: &HeaderMap) -> &str {
    headers
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The API key, checked before anything of the request is read or kept; why it is refused.
fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<(), String> {
    match key_of(headers) {
        "" => Err(format!(
            "The {API_KEY_HEADER} header is missing: authenticate with an API key."
        )),
        key if shared.config.api_keys.iter().any(|k| k == key) => Ok(()),
        _ => Err("The API key is invalid, revoked or expired.".into()),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

fn record(shared: &Shared, parts: &Parts, body: &[u8]) {
    let headers = &parts.headers;
    shared.state().record_request(RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
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
