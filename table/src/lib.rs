//! CertCentral's *order client certificate* endpoint as data: [`TABLE`], generated from
//! `spec/openapi.yaml` by `certcentral-codegen` into `table/src/generated.rs` (never edited by hand),
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
mod lookup;

pub use certcentral_rules::*;
pub use generated::{API_KEY_HEADER, TABLE};
pub use lookup::{param, product, validate};

/// The README's examples, compiled and run as doctests so that the crates.io page stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
