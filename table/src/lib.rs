//! CertCentral's *order client certificate* endpoint as data: [`TABLE`], generated from
//! `spec/openapi.yaml` by `certcentral-codegen` into `src/generated/` (never edited by hand),
//! in the vocabulary of `certcentral-rules`.
//!
//! Reads nothing at run time; read by the derive (at compile time), the client and the mock.
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

#[rustfmt::skip]
mod generated;

pub use certcentral_rules::*;
pub use generated::TABLE;

/// [`Table::validate`] on [`TABLE`].
pub fn validate(product_id: &str, body: &serde_json::Value) -> Report {
    TABLE.validate(product_id, body)
}

/// [`Table::param`] on [`TABLE`].
///
/// ```
/// assert_eq!(certcentral_table::param("order_validity.years").unwrap().constraints.maximum, Some(3));
/// ```
pub fn param(path: &str) -> Option<&'static Param> {
    TABLE.param(path)
}

/// [`Table::product`] on [`TABLE`].
///
/// ```
/// assert_eq!(certcentral_table::product("class1_smime").unwrap().name, "Class 1 S/MIME");
/// ```
pub fn product(id: &str) -> Option<&'static Product> {
    TABLE.product(id)
}
