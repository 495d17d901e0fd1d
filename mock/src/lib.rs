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
//!
//! # Defaults
//!
//! A [`MockConfig::default`] accepts one API key, [`DEFAULT_API_KEY`]; enforces DigiCert's
//! rate limits per key ([`digicert_rate_limits`]: 100 requests per 5 s, 1,000 per 3 min);
//! validates organization [`VALIDATED_ORGANIZATION`] at [`VALIDATED_DOMAIN`] and nothing else
//! ([`MockConfig::prevalidated`] validates everything); issues a certificate 1 s after its
//! order is approved and validated, on its own clock ([`MockServer::advance`]); keeps its
//! orders in memory.
//!
//! # The binary
//!
//! `certcentral-mock` serves the same on a port (`cargo run -p certcentral-mock -- --help`):
//!
//! | flag | what it does |
//! |---|---|
//! | `--port PORT` | the port on 127.0.0.1 (0, the default: any free port; the URL is printed) |
//! | `--api-key KEY` | a key the mock accepts (repeatable; default: the built-in key, printed) |
//! | `--unique-alternative-order-ids` | refuse a second order with an alternative id |
//! | `--prevalidated` | every organization, domain and mailbox is validated |
//! | `--issue-after DURATION` | issue this long after approval and validation (default 1s) |
//! | `--ca-dir DIR` | keep the mock's CA in DIR, reused on restart |
//! | `--start-at TIME` | start the mock's clock at this RFC 3339 time |
//! | `--validated-mailbox EMAIL` | a mailbox validated from the start (repeatable) |
//! | `--lookup-not-found` | answer 404 to a lookup by an unused alternative id |
//! | `--no-rate-limits` | do not enforce DigiCert's rate limits |
//! | `--ledger-capacity N`, `--max-connections N` | the most orders kept, connections served |
//! | `--ledger FILE` | append every order placed to FILE, one JSON line each |
//! | `--access-log FILE` | append every request to FILE (method, operation, path template, status, ms) |
//! | `--fault [OPERATION:]FAULT` | a fault for the next request of an operation (repeatable): a fault as [`Fault::parse`] reads it, the operation by its short name (`order`, `info`, `lookup`, `list`, `changes`, `order_status`, `request`, `request_status`, `download`, `emails`; the order when none is named) |

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
