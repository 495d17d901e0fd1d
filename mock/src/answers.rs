//! What the mock sends back: a [`Reply`] (DigiCert's error envelope, its HTML pages, an
//! operation's JSON or download), turned into the HTTP response, or into a scripted fault's
//! broken version of it ([`broken`]). Envelopes and bodies are built from the generated
//! response types the client decodes (`certcentral_table::responses`), so they follow the spec.

use crate::faults::{After, Instead};
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Response, StatusCode, header};
use bytes::Bytes;
use certcentral_table::responses::{ApiError, ErrorResponse};
use serde_json::{Value, json};

/// Marks a response that must not be sent: the connection is dropped instead.
#[derive(Clone, Copy)]
pub(crate) struct Abort;

/// An answer before it is sent: status, media type, body and extra headers.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) media_type: Option<&'static str>,
    pub(crate) body: Vec<u8>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl Reply {
    /// `body` as JSON.
    pub(crate) fn json(status: StatusCode, body: &impl serde::Serialize) -> Reply {
        Reply {
            status,
            media_type: Some("application/json"),
            // The generated types and `Value` always serialize.
            body: serde_json::to_vec(body).unwrap_or_default(),
            headers: Vec::new(),
        }
    }

    /// No body (204).
    pub(crate) fn empty(status: StatusCode) -> Reply {
        Reply {
            status,
            media_type: None,
            body: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// A file of `media_type`.
    pub(crate) fn file(media_type: &'static str, body: Vec<u8>) -> Reply {
        Reply {
            status: StatusCode::OK,
            media_type: Some(media_type),
            body,
            headers: Vec::new(),
        }
    }

    /// DigiCert's error envelope with these errors.
    pub(crate) fn errors(status: StatusCode, errors: Vec<ApiError>) -> Reply {
        Reply::json(status, &ErrorResponse { errors })
    }

    /// DigiCert's error envelope with one error.
    pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Reply {
        Reply::errors(
            status,
            vec![ApiError {
                code: code.to_string(),
                message: message.to_string(),
            }],
        )
    }

    /// An HTML page (what a gateway or a crashed server sends).
    pub(crate) fn html(status: StatusCode, title: &str, retry_after: Option<u64>) -> Reply {
        let reply = Reply {
            status,
            media_type: Some("text/html; charset=utf-8"),
            body: format!(
                "<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
            )
            .into_bytes(),
            headers: Vec::new(),
        };
        match retry_after {
            Some(secs) => reply.with(header::RETRY_AFTER, HeaderValue::from(secs)),
            None => reply,
        }
    }

    /// 503 with the maintenance page and `Retry-After: retry_after`.
    pub(crate) fn maintenance(retry_after: u64) -> Reply {
        Reply::html(
            StatusCode::SERVICE_UNAVAILABLE,
            "CertCentral is down for maintenance",
            Some(retry_after),
        )
    }

    /// 429 `request_limit_exceeded` with `Retry-After: retry_after`.
    pub(crate) fn request_limit_exceeded(retry_after: u64) -> Reply {
        Reply::error(
            StatusCode::TOO_MANY_REQUESTS,
            "request_limit_exceeded",
            "Request limit exceeded for this API key; retry later.",
        )
        .with(header::RETRY_AFTER, HeaderValue::from(retry_after))
    }

    /// The same reply with a header.
    pub(crate) fn with(mut self, name: HeaderName, value: HeaderValue) -> Reply {
        self.headers.push((name, value));
        self
    }

    /// The HTTP response.
    pub(crate) fn into_response(self) -> Response<Body> {
        self.with_body(Body::from(self.body.clone()))
    }

    fn with_body(&self, body: Body) -> Response<Body> {
        let mut r = Response::new(body);
        *r.status_mut() = self.status;
        if let Some(media_type) = self.media_type {
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
        }
        for (name, value) in &self.headers {
            r.headers_mut().insert(name.clone(), value.clone());
        }
        r
    }
}

/// A dropped connection.
pub(crate) fn abort() -> Response<Body> {
    let mut r = Response::new(Body::empty());
    r.extensions_mut().insert(Abort);
    r
}

/// The answer a fault gives instead of running the operation.
pub(crate) fn instead(instead: Instead) -> Response<Body> {
    match instead {
        Instead::Drop => abort(),
        Instead::Maintenance(secs) => Reply::maintenance(secs).into_response(),
        Instead::RateLimited => Reply::request_limit_exceeded(1).into_response(),
        Instead::Redirect(location) => {
            let reply = Reply::error(
                StatusCode::TEMPORARY_REDIRECT,
                "moved",
                "The endpoint moved.",
            );
            match HeaderValue::from_str(&location) {
                Ok(v) => reply.with(header::LOCATION, v),
                Err(_) => reply,
            }
            .into_response()
        }
        Instead::Respond {
            status,
            content_type,
            body,
        } => {
            let mut r = Response::new(Body::from(body));
            *r.status_mut() =
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                r.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            r
        }
    }
}

/// The answer of an operation that ran, as a fault leaves it (waits are the handler's).
pub(crate) fn broken(reply: Reply, after: &After) -> Response<Body> {
    match after {
        After::Answer | After::Late(_) | After::Held => reply.into_response(),
        After::Drop => abort(),
        After::InternalError => Reply::html(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            None,
        )
        .into_response(),
        After::Truncated => {
            let half = Bytes::from(reply.body[..reply.body.len() / 2].to_vec());
            let stream = futures_util::stream::iter([
                Ok::<Bytes, std::io::Error>(half),
                Err(std::io::Error::other("truncated by a scripted fault")),
            ]);
            let mut r = reply.with_body(Body::from_stream(stream));
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(reply.body.len()));
            r
        }
        After::Malformed => {
            // The start of the answer, cut where a value should be.
            let mut body = reply.body[..reply.body.len() / 2].to_vec();
            body.extend_from_slice(b" ,]");
            Reply {
                media_type: Some("application/json"),
                body,
                ..reply
            }
            .into_response()
        }
        After::Status(status) => rewrite(reply, |v| set_statuses(v, status)),
        After::ExtraFields => rewrite(reply, add_fields),
    }
}

/// The reply with its JSON body changed (a body that is not JSON is sent as it is).
fn rewrite(reply: Reply, change: impl Fn(&mut Value)) -> Response<Body> {
    match serde_json::from_slice::<Value>(&reply.body) {
        Ok(mut value) => {
            change(&mut value);
            Reply::json(reply.status, &value).into_response()
        }
        Err(_) => reply.into_response(),
    }
}

fn set_statuses(value: &mut Value, status: &str) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "status" && v.is_string() {
                    *v = json!(status);
                } else {
                    set_statuses(v, status);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| set_statuses(v, status)),
        _ => {}
    }
}

fn add_fields(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.values_mut().for_each(add_fields);
            map.insert("unlisted_field".into(), json!({ "nested": [1, 2, 3] }));
        }
        Value::Array(items) => items.iter_mut().for_each(add_fields),
        _ => {}
    }
}
