//! CertCentral's *order client certificate* endpoint as data: [`TABLE`], generated from
//! `spec/openapi.yaml` by `certcentral-codegen` into `table/src/generated.rs` (never edited by hand),
//! in the vocabulary of `certcentral-rules`.
//!
//! Reads nothing at run time; read by the derive (at compile time), the client and the mock.
//! [`responses`] holds the endpoint's response bodies as types, generated into
//! `table/src/responses.rs`: the client decodes them and the mock answers with them.
//! The free functions are [`TABLE`]'s methods, for brevity.
//!
//! ```
//! let report = certcentral_table::validate(
//!     "class1_smime",
//!     &serde_json::json!({
//!         "certificate": { "emails": ["alice@example.com"], "signature_hash": "sha256" },
//!         "order_validity": { "years": 1 }
//!     }),
//! );
//! assert!(report.is_valid(), "{report:?}");
//! ```

#![warn(missing_docs)]

mod envelope;
#[rustfmt::skip]
mod generated;
mod lookup;
/// The endpoint's response bodies (the created order, DigiCert's error envelope) as types with
/// builders, generated from the spec's response schemas. The client decodes answers into them
/// and the mock builds its answers from them, so a field or a status the spec adds reaches
/// both on regeneration.
///
/// ```
/// use certcentral_table::responses::{OrderClientCertificateResponse, RequestStatus, builder};
/// let order: OrderClientCertificateResponse = builder::OrderClientCertificateResponse::default()
///     .id(112233)
///     .requests(vec![builder::OrderRequest::default().id(113).status(RequestStatus::Pending).try_into()?])
///     .try_into()?;
/// assert_eq!(serde_json::to_value(&order)?, serde_json::json!({"id": 112233, "requests": [{"id": 113, "status": "pending"}]}));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[rustfmt::skip]
pub mod responses;

pub use certcentral_rules::*;
pub use generated::{API_KEY_HEADER, OPERATIONS, ORDER_OPERATION, TABLE};
pub use lookup::{operation, param, product, route, validate};

/// The README's examples, compiled and run as doctests so that the crates.io page stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
