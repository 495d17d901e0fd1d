//! The vocabulary of CertCentral's order endpoint as data, and the one interpreter of it.
//!
//! Hand-written. This crate defines what a rules table *is* ([`Table`]: products, the
//! parameter tree with its schema constraints, the conditional rules, the servers, the rate
//! limits), the value checks behind the constraints ([`checks`]), the interpreter
//! ([`Table::validate`], [`Table::evaluate`]) and the rolling window both the client's pacer and
//! the mock count requests with ([`RollingLog`]).
//!
//! It reads nothing and writes nothing. `certcentral-codegen` reads `spec/openapi.yaml` into
//! these types and writes the table as Rust into `certcentral-table`, which the derive, the
//! client and the mock read. Because all three call the same interpreter, a rule cannot drift
//! between the compile-time check, the client and the mock.
//!
//! ```
//! let report = certcentral_table::TABLE.validate(
//!     "class1_smime",
//!     &serde_json::json!({
//!         "certificate": { "emails": ["alice@example.com"], "signature_hash": "sha256" },
//!         "order_validity": { "years": 1 }
//!     }),
//! );
//! assert!(report.is_valid(), "{report:?}");
//! ```

#![warn(missing_docs)]

mod builtin;
pub mod checks;
mod eval;
mod excerpt;
mod nearest;
mod operation;
mod sample;
mod table;
mod types;
mod validate;
mod window;

pub use builtin::BuiltinRule;
pub use checks::Pattern;
pub use eval::{Facts, Finding, Known, Presence};
pub use excerpt::{EXCERPT_CHARS, excerpt};
pub use nearest::nearest;
pub use operation::Operation;
pub use table::Table;
pub(crate) use types::parent_of;
pub use types::{
    Cond, Constraints, Effect, Format, Kind, Param, Product, Rule, Server, is_within,
    says_more_than_required,
};
pub use validate::{Report, Violation};
pub use window::{RollingLog, Window};

/// The README's examples, compiled and run as doctests so that the crates.io page stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
