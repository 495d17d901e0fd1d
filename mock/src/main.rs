//! `certcentral-mock`: serves a mock CertCentral on 127.0.0.1 until interrupted (see `--help`).
//! With `--ledger FILE`, appends every order placed to FILE as one line of JSON; with
//! `--access-log FILE`, every request.

use certcentral_mock::{Fault, MockConfig, MockServer};
use clap::{CommandFactory, FromArgMatches, Parser};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const FAULTS: &str = "\
Faults (--fault [OPERATION:]FAULT, repeatable): each is used by one request of the operation
(the order when none is named), in order; each written here as an example:
  delay:250                       wait 250 ms, then answer normally
  answer_after:60s                take effect, answer 60 s later
  close_before_recording          drop the connection, no effect
  close_after_recording           take effect, drop the connection
  maintenance                     503 with an HTML page and Retry-After: 1, no effect
  maintenance:3600s               the same with Retry-After: 3600
  rate_limited                    429 request_limit_exceeded, no effect
  internal_error                  take effect, answer 500
  truncated_body                  take effect, cut the answer's body
  malformed_json                  take effect, answer with non-JSON
  unlisted_status:needs_approval  take effect, answer this status
  extra_fields                    take effect, answer with extra fields

Taking effect: an order is created, a status changed; a read has none.";

const EXAMPLES: &str = "\
Examples:
  certcentral-mock --port 8080
  certcentral-mock --ledger orders.jsonl --unique-alternative-order-ids
  certcentral-mock --ca-dir ca --issue-after 2s --access-log access.jsonl
  certcentral-mock --api-key k1 --api-key k2 --fault maintenance --fault lookup:maintenance
  certcentral-mock --start-at 2025-12-01T09:00:00Z --validated-mailbox alice@example.net";

/// A local mock DigiCert CertCentral on 127.0.0.1, for tests and demos: it validates orders by
/// the spec's rules, follows each order's life (approval, validation, issuance by its own CA),
/// enforces DigiCert's rate limits, and answers as DigiCert does.
#[derive(Debug, Parser)]
#[command(name = "certcentral-mock", version)]
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
    /// Every organization, domain and mailbox is validated: orders are issued once approved
    /// (an order with skip_approval is approved at once).
    #[arg(long)]
    prevalidated: bool,
    /// Issue a certificate this long after its order is approved and validated (mock clock).
    #[arg(long, value_name = "DURATION", value_parser = duration, default_value = "1s")]
    issue_after: Duration,
    /// Keep the mock's CA in DIR (root.pem, intermediate.pem and their keys; reused on
    /// restart, created when missing).
    #[arg(long, value_name = "DIR")]
    ca_dir: Option<PathBuf>,
    /// Start the mock's clock at this time (RFC 3339, e.g. 2025-12-01T09:00:00Z).
    #[arg(long, value_name = "TIME", value_parser = time)]
    start_at: Option<std::time::SystemTime>,
    /// A mailbox validated from the start (repeatable): a Class 1 order for it is issued.
    #[arg(long, value_name = "EMAIL")]
    validated_mailbox: Vec<String>,
    /// Answer 404 not_found to a lookup by an alternative id no order has (default: an empty
    /// list).
    #[arg(long)]
    lookup_not_found: bool,
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
    /// Append every request to FILE, one JSON line each: method, operation, path template,
    /// status, milliseconds (never a body, a key or a query value).
    #[arg(long, value_name = "FILE")]
    access_log: Option<PathBuf>,
    /// A fault for the next request of an operation (repeatable; see below).
    #[arg(long = "fault", value_name = "[OPERATION:]FAULT", value_parser = fault)]
    faults: Vec<(&'static str, Fault)>,
}

fn fault(text: &str) -> Result<(&'static str, Fault), String> {
    Fault::parse_targeted(text).ok_or_else(|| format!("unknown fault `{text}` (see --help)"))
}

fn duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("`{text}`: {e} (e.g. 2s, 500ms, 1m)"))
}

fn time(text: &str) -> Result<std::time::SystemTime, String> {
    humantime::parse_rfc3339_weak(text)
        .map_err(|e| format!("`{text}`: {e} (e.g. 2025-12-01T09:00:00Z)"))
}

/// The help's end: the faults, the operations they can name, and examples.
fn after_help() -> String {
    let operations: Vec<String> = certcentral_table::OPERATIONS
        .iter()
        .map(|o| format!("  {:<16}{} {}", o.name, o.method, o.path))
        .collect();
    format!(
        "{FAULTS}\n\nOperations (for --fault OPERATION:FAULT and the access log):\n{}\n\n{EXAMPLES}",
        operations.join("\n")
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    let matches = Args::command().after_help(after_help()).get_matches();
    let args = match Args::from_arg_matches(&matches) {
        Ok(args) => args,
        Err(e) => e.exit(),
    };
    let mut config = MockConfig::default()
        .unique_alternative_order_ids(args.unique_alternative_order_ids)
        .prevalidated(args.prevalidated)
        .issue_after(args.issue_after)
        .lookup_not_found(args.lookup_not_found);
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
    if let Some(path) = args.access_log {
        config = config.access_log(path);
    }
    if let Some(dir) = args.ca_dir {
        config = config.ca_dir(dir);
    }
    if let Some(at) = args.start_at {
        config = config.start_at(at);
    }
    for email in args.validated_mailbox {
        config = config.validated_mailbox(email);
    }
    let server = match MockServer::bind(config, ([127, 0, 0, 1], args.port).into()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot start the mock on 127.0.0.1:{}: {e}", args.port);
            return ExitCode::FAILURE;
        }
    };
    for (operation, fault) in args.faults {
        if let Err(e) = server.inject_for(operation, fault) {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    }
    println!("mock CertCentral listening: {}", server.base_url());
    if server.api_key() == certcentral_mock::DEFAULT_API_KEY {
        println!("API key: {}", server.api_key());
    }
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    ExitCode::SUCCESS
}
