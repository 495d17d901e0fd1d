//! What the mock sends back: DigiCert's error envelope, its HTML pages, the created order and
//! each scripted fault's broken answer. Envelopes and created orders are built from the
//! generated response types the client decodes (`certcentral_table::responses`), so they
//! follow the spec.

use crate::LedgerEntry;
use crate::faults::Fault;
use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use bytes::Bytes;
use certcentral_table::responses::{
    ApiError, ErrorResponse, OrderClientCertificateResponse, RequestStatus, builder,
};
use serde_json::{Value, json};

/// Marks a response that must not be sent: the connection is dropped instead.
#[derive(Clone, Copy)]
pub(crate) struct Abort;

pub(crate) fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response<Body> {
    // The generated types and `Value` always serialize.
    let mut r = Response::new(Body::from(serde_json::to_vec(body).unwrap_or_default()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

pub(crate) fn errors(status: StatusCode, errors: Vec<ApiError>) -> Response<Body> {
    json_response(status, &ErrorResponse { errors })
}

pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    errors(
        status,
        vec![ApiError {
            code: code.to_string(),
            message: message.to_string(),
        }],
    )
}

pub(crate) fn html(status: StatusCode, title: &str, retry_after: Option<u64>) -> Response<Body> {
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

pub(crate) fn maintenance(retry_after: Option<u64>) -> Response<Body> {
    html(
        StatusCode::SERVICE_UNAVAILABLE,
        "CertCentral is down for maintenance",
        retry_after,
    )
}

pub(crate) fn abort() -> Response<Body> {
    let mut r = Response::new(Body::empty());
    r.extensions_mut().insert(Abort);
    r
}

pub(crate) fn request_limit_exceeded(retry_after: u64) -> Response<Body> {
    let mut r = error(
        StatusCode::TOO_MANY_REQUESTS,
        "request_limit_exceeded",
        "Request limit exceeded for this API key; retry later.",
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    r
}

pub(crate) fn created(entry: &LedgerEntry, fault: Option<Fault>) -> Response<Body> {
    let status = match &fault {
        Some(Fault::UnlistedStatus(s)) => RequestStatus::from(s.as_str()),
        _ => entry.status.clone(),
    };
    let body = match answer(entry, status) {
        Ok(body) => body,
        // A required field the mock does not fill (the spec added one): a bug of the mock,
        // answered as DigiCert answers its own.
        Err(e) => {
            tracing::error!(error = %e, "mock: cannot build the created order");
            return html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                None,
            );
        }
    };
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
            let text = serde_json::to_string(&body).unwrap_or_default();
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
            let mut body = serde_json::to_value(&body).unwrap_or_default();
            body["unlisted_field"] = json!({ "nested": [1, 2, 3] });
            body["requests"][0]["unlisted_request_field"] = json!("x");
            json_response(StatusCode::CREATED, &body)
        }
        _ => json_response(StatusCode::CREATED, &body),
    }
}

/// The created order as the spec describes it, through the generated builders: a field the spec
/// adds is left out until the mock has a value for it.
fn answer(
    entry: &LedgerEntry,
    status: RequestStatus,
) -> Result<OrderClientCertificateResponse, certcentral_table::responses::error::ConversionError> {
    let request = builder::OrderRequest::default()
        .id(entry.request_id)
        .status(status);
    let organization = entry
        .created_organization_id
        .map(|id| builder::CreatedOrganization::default().id(id).try_into())
        .transpose()?;
    builder::OrderClientCertificateResponse::default()
        .id(entry.order_id)
        .requests(vec![request.try_into()?])
        .organization(organization)
        .certificate_id(entry.certificate_id)
        .try_into()
}
