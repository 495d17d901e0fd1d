//! Order DigiCert CertCentral client and S/MIME certificates
//! (`POST /services/v2/order/certificate/{client_certificate_id}`) and follow them to the
//! certificate, without sending an order DigiCert will reject, paying for one twice, or leaking
//! a secret.
//!
//! # Quick start
//!
//! ```toml
//! [dependencies]
//! certcentral = "0.1"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! serde_json = "1"                 # for orders written as JSON, as below
//!
//! [dev-dependencies]
//! certcentral-mock = "0.1"         # a local CertCentral on real HTTP, for tests and demos
//! ```
//!
//! `reqwest` 0.13 is a public dependency: [`ClientBuilder::configure_http`] hands you its
//! `ClientBuilder`, so code that configures the HTTP client uses the same `reqwest` major.
//!
//! A program that places an order and tells every outcome apart (it runs here against the
//! mock; in production the key comes from the environment and there is no `base_url`):
//!
//! ```
//! use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
//! use certcentral::{ApiKey, Client, Error};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let mock = certcentral_mock::MockServer::start(Default::default()).await?;
//!     let key = ApiKey::new(mock.api_key()); // production: ApiKey::from_env("DIGICERT_API_KEY")
//!     let client = Client::builder(key).base_url(mock.base_url()).build()?;
//!
//!     let order: OrderClientCertificateRequest = serde_json::from_value(serde_json::json!({
//!         "certificate": { "emails": ["alice@example.com"], "signature_hash": "sha256" },
//!         "order_validity": { "years": 1 }
//!     }))?;
//!     match client.order(ClientCertificateId::Class1Smime, &order).await {
//!         Ok(placed) => println!("order {:?} ({})", placed.order_id(), placed.alternative_order_id),
//!         // Not sent: every broken rule, by parameter.
//!         Err(Error::InvalidOrder(invalid)) => {
//!             for v in &invalid.violations {
//!                 eprintln!("{}: {} [{}]", v.path, v.message, v.rule);
//!             }
//!         }
//!         // The answer was lost and the lookup by alternative id found nothing yet: it may
//!         // exist (and be billed). Never order again before looking.
//!         Err(Error::OutcomeUnknown { alternative_order_id, .. }) => {
//!             eprintln!("order {alternative_order_id} may exist: look it up later");
//!         }
//!         // Anything else created nothing.
//!         Err(e) => eprintln!("nothing was ordered: {e}"),
//!     }
//!     Ok(())
//! }
//! ```
//!
//! The main example, [`examples/order.rs`](https://docs.rs/crate/certcentral/latest/source/examples/order.rs)
//! (`cargo run -p certcentral --example order` in the repository), goes to the end: a key and
//! a CSR, the order, its approval, issuance, and the certificate printed with its chain verified.
//!
//! # The crate
//!
//! - **Ordering**: [`Client::order`] (a request of [`types`]), [`Client::submit`] (a type
//!   derived with [`ClientCertificateOrder`](derive@ClientCertificateOrder), checked at
//!   compile time), [`Client::order_many`];
//!   [`validate`], [`validate_json`] and [`parse_order`] check an order without sending it.
//!   Which product needs what: [`types::ClientCertificateId`] (generated from the spec's rules).
//! - **When the answer is lost**: the client looks the order up by its alternative id before it
//!   gives up ([`ClientBuilder::lookup`], [`PlacedOrder::found_by_lookup`]); what is left is
//!   [`Error::OutcomeUnknown`]. [`Error::class`] says what any error means for the order
//!   ([`Class`]); [`Client::find_orders`] is the lookup for your own reconciliation.
//! - **After the order**: [`Client::order_info`], [`Client::list_orders`],
//!   [`Client::orders_by_alternative_id`], [`Client::approve_request`],
//!   [`Client::cancel_order`], [`Client::wait_for_issuance`], [`Client::follow`] (many orders,
//!   one call per poll), [`Client::download_certificate`], and with the `x509` feature
//!   [`Client::download_chain`] ([`CertificateChain`]: typed, verified); any operation of the
//!   spec through [`Client::call`] and [`operations`].
//! - **Pacing and fleets**: every request is paced under DigiCert's limits ([`RateLimits`],
//!   [`ClientBuilder::pacing`]); several processes on one key share them through Redis (feature
//!   `redis`, below).
//! - **Testing**: [`certcentral-mock`](https://docs.rs/certcentral-mock), below.
//! - **Orders from a spreadsheet**: the `certcentral` command (crate `certcentral-cli`).
//!
//! # Testing against the mock
//!
//! `certcentral-mock` is a CertCentral on `127.0.0.1` over real HTTP: it checks orders by the
//! same rules, follows each order's life (approval, validation, issuance from its own CA) on a
//! clock tests move, enforces DigiCert's rate limits (100 requests per 5 s, 1,000 per 3 min,
//! per key), and accepts one API key (`certcentral_mock::DEFAULT_API_KEY`, or those of
//! `MockConfig::api_keys`). Faults are injected one request at a time; here an answer lost
//! after the order was created, which the client finds by its alternative id:
//!
//! ```
//! use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
//! use certcentral::{ApiKey, Client};
//! use certcentral_mock::{Fault, MockConfig, MockServer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = MockServer::start(MockConfig::default()).await?;
//! let client = Client::builder(ApiKey::new(mock.api_key())).base_url(mock.base_url()).build()?;
//! mock.inject(Fault::CloseAfterRecording); // the next order is created, its answer lost
//!
//! let order: OrderClientCertificateRequest = serde_json::from_value(serde_json::json!({
//!     "certificate": { "emails": ["alice@example.com"], "signature_hash": "sha256" },
//!     "order_validity": { "years": 1 }
//! }))?;
//! let placed = client.order(ClientCertificateId::Class1Smime, &order).await?;
//! assert!(placed.found_by_lookup);
//! assert_eq!(mock.orders_created(), 1, "created once, never resent");
//! # Ok(()) }
//! ```
//!
//! The mock's binary (`certcentral-mock --help`) serves the same on a port, with its faults
//! given as `--fault OPERATION:FAULT`.
//!
//! # Features and fleets
//!
//! - `x509` (off by default): [`Client::download_chain`] and [`CertificateChain`], the
//!   downloaded certificate and its chain as typed certificates (serial, validity, emails,
//!   public key) verified link by link, through `x509-parser` (off by default as it is a
//!   third of a clean build).
//! - `redis` (off by default): [`SharedPacing`] and [`ClientBuilder::shared_pacing`]. DigiCert's
//!   limits bind an API key, not a process: every process on one key that shares a Redis
//!   (`redis://`, `rediss://`, ACL users, Redis Cluster) stays under them together; when Redis
//!   fails, a process sends nothing, or paces itself alone if you choose ([`RedisFailure`]).
//!
//! ```
//! # #[cfg(feature = "redis")]
//! # fn f(key: certcentral::ApiKey) -> Result<(), certcentral::Error> {
//! let shared = certcentral::SharedPacing::redis("redis://10.0.0.5:6379")?;
//! let client = certcentral::Client::builder(key).shared_pacing(shared).build()?;
//! # Ok(()) }
//! ```
//!
//! Without Redis, give each of N processes its share of the limits (two processes, half each):
//!
//! ```
//! use std::time::Duration;
//! let half = certcentral::RateLimits::none()
//!     .window(50, Duration::from_secs(5))
//!     .window(500, Duration::from_secs(180));
//! let client = certcentral::Client::builder(certcentral::ApiKey::new("key")).pacing(half).build()?;
//! # Ok::<(), certcentral::Error>(())
//! ```
//!
//! Behind a corporate proxy ([`ClientBuilder::configure_http`]; the SDK keeps its own TLS,
//! timeouts and redirect policy):
//!
//! ```
//! let client = certcentral::Client::builder(certcentral::ApiKey::new("key"))
//!     .configure_http(|http| http.proxy(reqwest::Proxy::https("http://proxy.corp.example:3128").expect("a proxy URL")))
//!     .build()?;
//! # Ok::<(), certcentral::Error>(())
//! ```
//!
//! # Open enums
//!
//! Response enums that DigiCert extends ([`RequestStatus`], [`types::OrderStatus`]) are open:
//! a value the spec does not list is kept in `Unknown`, sealed so that only parsing makes one (a
//! value a later spec lists never lands there), and `#[non_exhaustive]`, so that a later spec's
//! new variants do not break a `match` (give it a wildcard arm):
//!
//! ```
//! use certcentral::RequestStatus;
//! assert_eq!(RequestStatus::from("approved"), RequestStatus::Approved);
//! assert_eq!(RequestStatus::from("needs_approval").as_str(), "needs_approval");
//! assert!(!RequestStatus::from("needs_approval").is_known());
//! ```
//!
//! ```compile_fail
//! // Not constructible by hand.
//! let _ = certcentral::RequestStatus::Unknown(certcentral::UnlistedValue("approved".into()));
//! ```
//!
//! # How it is built
//!
//! The types, the order's wire layer, the compiled checks and progenitor's client for the other
//! operations are generated from a hand-written OpenAPI document (`spec/openapi.yaml` in the
//! repository) with the rules table the validator, the derive and the mock share; the crate
//! writes nothing but requests to the server it is given.

#![warn(missing_docs)]
// docs.rs builds with `--cfg docsrs` and all features: items behind a feature carry its badge.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[rustfmt::skip]
mod generated;

#[cfg(feature = "x509")]
mod chain;
mod client;
mod config;
mod decode;
mod error;
mod follow;
mod lifecycle;
mod lookup;
pub mod operations;
mod pacing;
mod params;
mod random;
mod retry;
mod rfc3339;
mod secret;
#[cfg(feature = "redis")]
mod shared;
mod tls;
mod transport;
mod validation;

pub use certcentral_table::responses::UnlistedValue;
pub use certcentral_table::{Violation, Window};
#[cfg(feature = "x509")]
#[cfg_attr(docsrs, doc(cfg(feature = "x509")))]
pub use chain::{Certificate, CertificateChain, ChainError};
pub use client::{Client, PlacedOrder};
pub use config::{API_KEY_HEADER, ClientBuilder, Region};
pub use decode::{Response, decode_response};
pub use error::{Cause, DUPLICATE_ALTERNATIVE_ORDER_ID, Error, InvalidOrder};
pub use follow::{Follower, Polling, Stage};
pub use generated::{CardNumber, CardVerificationValue, types};
pub use lifecycle::{MAX_STATUS_CHANGE_WINDOW, OrderQuery, PAGE_LIMIT};
pub use lookup::LOOKUP_CLOCK_SKEW;
pub use pacing::RateLimits;
pub use retry::{Class, RetryPolicy};
pub use secret::ApiKey;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use shared::{RedisFailure, SharedPacing};
pub use transport::{MAX_OPERATION_RESPONSE_BYTES, MAX_RESPONSE_BYTES};
pub use types::ApiError;
pub use types::RequestStatus;
pub use validation::{
    ClientCertificateOrder, ParsedOrder, parse_order, product_name, validate, validate_json,
};

/// (The derive of the [trait](trait@ClientCertificateOrder), from
/// [`certcentral-macros`](https://docs.rs/certcentral-macros/latest/certcentral_macros/derive.ClientCertificateOrder.html).)
pub use certcentral_macros::ClientCertificateOrder;

#[doc(hidden)]
/// What the derive expands to. Not a stable API.
pub mod __private {
    pub use crate::generated::checks::is_clean;
    pub use crate::generated::draft::Root as Draft;
    pub use crate::params::{Errors, Setter, ToParam, Unfit};
}

/// The README's examples, compiled and run as doctests so that the crates.io page stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
