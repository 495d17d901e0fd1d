//! One attempt on the wire: the request the generated wire layer builds from the spec's
//! operation, sent; the answer read to at most [`MAX_RESPONSE_BYTES`]; and the split every
//! retry decision rests on: not sent (the connection could not be made), or sent and then
//! whatever came back (or did not).

use crate::decode::{Response, decode_response, parse_retry_after};
use crate::error::Error;
use crate::generated::wire;
use crate::types::{ClientCertificateId, OrderClientCertificateResponse};
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use std::time::Duration;

/// Order responses larger than this are not read further (an order response is a few hundred
/// bytes).
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// Responses of the operations after the order (order info, a page of the order list, a
/// download, …) larger than this are not read further: a page of 1,000 orders is about 1 MB.
pub const MAX_OPERATION_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// What one attempt sends, and what its errors must not quote.
pub(crate) struct Attempt<'a> {
    pub(crate) http: &'a reqwest::Client,
    pub(crate) base_url: &'a str,
    pub(crate) product: ClientCertificateId,
    pub(crate) body: &'a [u8],
    pub(crate) alternative_order_id: &'a str,
    pub(crate) secrets: &'a [&'a str],
    pub(crate) timeout: Duration,
}

/// Sends one attempt and decodes its answer.
pub(crate) async fn send(attempt: Attempt<'_>) -> Result<OrderClientCertificateResponse, Error> {
    let unknown = |reason: String, e: reqwest::Error| Error::OutcomeUnknown {
        alternative_order_id: attempt.alternative_order_id.to_string(),
        reason,
        source: Some(Box::new(e)),
    };
    tracing::debug!(operation = wire::OPERATION_ID, product = %attempt.product, alternative_order_id = attempt.alternative_order_id, "sending order");
    let sent = wire::request(
        attempt.http,
        attempt.base_url,
        &attempt.product,
        // The body may hold card data: the copy handed to the connection is wiped when the
        // connection lets go of it.
        bytes::Bytes::from_owner(zeroize::Zeroizing::new(attempt.body.to_vec())),
    )
    .timeout(attempt.timeout)
    .send()
    .await;
    let response = match sent {
        Ok(r) => r,
        Err(e) if e.is_connect() => {
            return Err(Error::NotSent {
                reason: format!("could not reach CertCentral: {}", describe(&e)),
                source: Some(Box::new(e)),
            });
        }
        Err(e) => {
            return Err(unknown(
                format!("the request was sent but {}", describe(&e)),
                e,
            ));
        }
    };
    let answer = match read(response, MAX_RESPONSE_BYTES).await {
        Ok(answer) => answer,
        Err((status, e)) => {
            return Err(unknown(
                format!("HTTP {status}, then the body was cut off: {}", describe(&e)),
                e,
            ));
        }
    };
    decode_response(
        answer.as_response(),
        attempt.alternative_order_id,
        attempt.secrets,
    )
}

/// An answer as read: its status, `Retry-After` and content type, and its body (at most
/// [`MAX_RESPONSE_BYTES`] of it).
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) content_type: Option<reqwest::header::HeaderValue>,
    pub(crate) body: Vec<u8>,
    /// Whether `body` is the whole body.
    pub(crate) complete: bool,
}

impl Answer {
    /// The answer as [`decode_response`] reads it.
    pub(crate) fn as_response(&self) -> Response<'_> {
        Response {
            status: self.status,
            retry_after: self.retry_after,
            body: &self.body,
            complete: self.complete,
        }
    }
}

/// Reads an answer, its body to at most `limit` bytes (a larger body is cut there, and said to
/// be). A success whose body the connection cut is an error (with its status): what it said is
/// lost. Any other answer cut short is kept as far as it came.
pub(crate) async fn read(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Answer, (u16, reqwest::Error)> {
    let status = response.status().as_u16();
    let headers = response.headers();
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let content_type = headers.get(CONTENT_TYPE).cloned();
    let mut body = Vec::new();
    let mut complete = true;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = limit - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if chunk.len() > room {
                    complete = false;
                    break;
                }
            }
            Ok(None) => break,
            Err(e) if (200..300).contains(&status) => return Err((status, e)),
            Err(_) => {
                complete = false;
                break;
            }
        }
    }
    Ok(Answer {
        status,
        retry_after,
        content_type,
        body,
        complete,
    })
}

/// A transport error in a few words (what failed, not where: the chain is its `source`).
pub(crate) fn describe(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the body failed"
    } else {
        "the connection failed"
    }
}
