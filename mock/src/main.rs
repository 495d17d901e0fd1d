//! `certcentral-mock`: serves a mock CertCentral on 127.0.0.1 until interrupted (see `--help`).
//! With `--ledger FILE`, appends every order placed to FILE as one line of JSON.

use certcentral_mock::{Fault, MockConfig, MockServer};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

const FAULTS: &str = "\
Faults (--fault NAME, repeatable; each is used by one order request, in order),
each written here as an example:
  delay:250                       wait 250 ms, then answer normally
  answer_after:60s                record the order, answer 60 s later
  close_before_recording          drop the connection, record nothing
  close_after_recording           record the order, drop the connection
  maintenance                     503 with an HTML page and Retry-After: 1
  maintenance:3600s               the same with Retry-After: 3600
  rate_limited                    429 request_limit_exceeded
  internal_error                  record the order, answer 500
  truncated_body                  record the order, cut the 201 body
  malformed_json                  record the order, answer 201 with non-JSON
  unlisted_status:needs_approval  record the order, answer this status
  extra_fields                    record the order, answer 201 with extra fields

Examples:
  certcentral-mock --port 8080
  certcentral-mock --ledger orders.jsonl --unique-alternative-order-ids
  certcentral-mock --api-key k1 --api-key k2 --fault maintenance --fault delay:500";

/// A local mock DigiCert CertCentral (order client certificate) on 127.0.0.1, for tests and
/// demos: it validates orders by the spec's rules, enforces DigiCert's rate limits, and answers
/// as DigiCert does.
#[derive(Debug, Parser)]
#[command(name = "certcentral-mock", version, after_help = FAULTS)]
struct Args {
    /// The port on 127.0.0.1 (0: any free port; the URL is printed).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// An API key the mock accepts (repeatable; default: the mock's built-in key, printed).
    #[arg(long = "api-key", value_name = "KEY")]
    api_keys: Vec<String>,
    /// Refuse a second order with an alternative order id already used (the account setting
    /// "Require unique alternative order IDs").
    #[arg(long)]
    unique_alternative_order_ids: bool,
    /// Skip validation of orders (the client validated them).
    #[arg(long)]
    prevalidated: bool,
    /// Do not enforce DigiCert's rate limits.
    #[arg(long)]
    no_rate_limits: bool,
    /// The most orders kept in memory (the oldest go).
    #[arg(long, value_name = "N")]
    ledger_capacity: Option<usize>,
    /// The most connections served at once.
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// Append every order placed to FILE, one JSON line each (never the request body).
    #[arg(long, value_name = "FILE")]
    ledger: Option<PathBuf>,
    /// A fault for the next order request (repeatable; see below).
    #[arg(long = "fault", value_name = "NAME", value_parser = fault)]
    faults: Vec<Fault>,
}

fn fault(text: &str) -> Result<Fault, String> {
    Fault::parse(text).ok_or_else(|| format!("unknown fault `{text}` (see --help)"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut config = MockConfig::default()
        .unique_alternative_order_ids(args.unique_alternative_order_ids)
        .prevalidated(args.prevalidated);
    if !args.api_keys.is_empty() {
        config = config.api_keys(args.api_keys);
    }
    if args.no_rate_limits {
        config = config.rate_limits(Vec::new());
    }
    if let Some(n) = args.ledger_capacity {
        config = config.ledger_capacity(n);
    }
    if let Some(n) = args.max_connections {
        config = config.max_connections(n);
    }
    if let Some(path) = args.ledger {
        config = config.ledger_file(path);
    }
    let server = match MockServer::bind(config, ([127, 0, 0, 1], args.port).into()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:{}: {e}", args.port);
            return ExitCode::FAILURE;
        }
    };
    for fault in args.faults {
        server.inject(fault);
    }
    println!("mock CertCentral listening: {}", server.base_url());
    if server.api_key() == certcentral_mock::DEFAULT_API_KEY {
        println!("API key: {}", server.api_key());
    }
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    ExitCode::SUCCESS
}
