//! A local CertCentral for the *order client certificate* endpoint, on real HTTP.
//!
//! It validates every order with the same rules table and interpreter as the `certcentral`
//! client (`certcentral-table`), so it is never more lenient than the client; it keeps an
//! order ledger, enforces DigiCert's rolling rate limits per API key, can make alternative
//! order ids unique, and can be scripted to misbehave (delays, dropped connections, 5xx,
//! broken bodies, unlisted statuses) one request at a time.
//!
//! Reads the rules table (`certcentral-table`: the order path, the products, the rules, the
//! rate limits), so it follows a regenerated spec with no edit; writes nothing to disk, unless
//! asked to append its ledger to a file ([`MockConfig::ledger_file`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use certcentral_mock::{MockConfig, MockServer};
//!
//! let server = MockServer::start(MockConfig::default()).await?;
//! assert!(server.base_url().starts_with("http://127.0.0.1:"));
//! assert!(server.ledger().is_empty());
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod answers;
mod ca;
mod clock;
mod config;
mod dates;
mod faults;
mod formats;
mod handler;
mod lifecycle;
mod limiter;
mod operations;
mod records;
mod server;
mod state;

/// An order's status as the mock answers it (the generated open enum the client decodes).
pub use certcentral_table::responses::OrderStatus;
/// A request's status as the mock records and answers it (the generated open enum the client
/// decodes).
pub use certcentral_table::responses::RequestStatus;
pub use config::{DEFAULT_API_KEY, MockConfig, RateLimit, digicert_rate_limits};
pub use faults::Fault;
pub use lifecycle::{VALIDATED_DOMAIN, VALIDATED_ORGANIZATION};
pub use records::{LedgerEntry, RecordedRequest};
pub use server::{MockServer, UnknownOperation};

/// The README's examples, compiled and run as doctests so that the crates.io page stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
