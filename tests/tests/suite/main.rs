//! The workspace's integration suites, linked as one test binary (as ripgrep's are): each file
//! is a module, so the whole graph links once instead of once per suite. Two suites keep their
//! own binaries: `tls_provider` (it installs a process-wide rustls provider) and `fleet`
//! (feature `redis`). Run one suite with a filter: `cargo test -p certcentral-tests --test
//! suite -- faults::`.

mod codegen;
mod derived;
mod doc_paths;
mod docs;
mod e2e;
mod expansion;
mod faults;
mod follow;
mod http;
mod lifecycle;
mod lookup;
mod mock_hostile;
mod observability;
mod order_many;
mod properties;
mod public_api;
mod secrets;
mod spec_examples;
mod threads;
mod validator;
