//! `certcentral`: validate, order and bulk-order DigiCert client certificates from files.
//!
//! Built on the `certcentral` crate: every order is checked against the spec's rules before
//! anything is sent, paced under DigiCert's rate limits, and never placed twice (see `bulk`).
//!
//! Reads order files, a journal (`bulk`), an API key (DIGICERT_API_KEY or --api-key-file);
//! writes to stdout/stderr, the journal and the `--report` file.

mod bulk;
mod input;
mod journal;
mod target;

use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
use certcentral::{Error, PlacedOrder, Violation};
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;
use target::Connection;

const EXIT_CODES: &str = "Exit codes: 0 done; 1 invalid, rejected or failed (nothing was \
created for those); 2 usage; 3 an order's outcome is unknown (it may exist: look it up by its \
alternative order id before ordering again).";

/// Validate, order and bulk-order DigiCert CertCentral client certificates from files.
#[derive(Debug, Parser)]
#[command(name = "certcentral", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check order bodies (JSON files, or JSON Lines) against every rule; send nothing.
    Validate {
        /// The product the bodies order.
        #[arg(long, value_parser = products())]
        product: String,
        /// Files of order bodies: one JSON document each, or one body per line.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Validate and place one order.
    Order {
        /// The product to order.
        #[arg(long, value_parser = products())]
        product: String,
        /// A file holding the order body (JSON).
        file: PathBuf,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        #[command(flatten)]
        connection: Connection,
    },
    /// Place many orders from a CSV or JSON Lines file, resumably and never twice.
    #[command(after_help = bulk::HELP)]
    Bulk(bulk::Bulk),
}

/// How results are printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
enum Format {
    /// For people.
    #[default]
    Human,
    /// One JSON document on stdout, for programs.
    Json,
}

/// The products the spec lists, for clap's checks and help.
fn products() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(certcentral_table::TABLE.products.iter().map(|p| p.id))
}

/// A run's end: what to print on stderr, and the exit code.
enum Exit {
    Code(u8),
    Usage(String),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let exit = match cli.command {
        Command::Validate {
            product,
            files,
            format,
        } => validate(&product, &files, format),
        Command::Order {
            product,
            file,
            format,
            connection,
        } => order(&product, &file, format, &connection).await,
        Command::Bulk(args) => bulk::run(&args).await,
    };
    match exit {
        Exit::Code(code) => ExitCode::from(code),
        Exit::Usage(message) => {
            eprintln!("certcentral: {message}");
            ExitCode::from(2)
        }
    }
}

/// `FILE:LINE: PARAM: MESSAGE [RULE]`, one line per violation.
fn print_violations(file: &str, line: usize, prefix: &str, violations: &[Violation]) {
    for v in violations {
        println!(
            "{file}:{line}: {prefix}{}: {} [{}]",
            v.path, v.message, v.rule
        );
    }
}

fn validate(product: &str, files: &[PathBuf], format: Format) -> Exit {
    let mut results = Vec::new();
    let (mut valid, mut invalid) = (0, 0);
    for path in files {
        let text = match input::read(path) {
            Ok(t) => t,
            Err(e) => return Exit::Usage(e),
        };
        let file = path.display().to_string();
        for body in input::bodies(&text) {
            let (violations, warnings) = match &body.value {
                Ok(value) => match certcentral::validate_json(product, value) {
                    Ok(warnings) => (Vec::new(), warnings),
                    Err(e) => (e.violations, Vec::new()),
                },
                Err(message) => (
                    vec![Violation::new("input.json", "(body)", message.clone())],
                    Vec::new(),
                ),
            };
            if violations.is_empty() {
                valid += 1;
            } else {
                invalid += 1;
            }
            if format == Format::Human {
                if violations.is_empty() {
                    println!("{file}:{}: valid", body.line);
                }
                print_violations(&file, body.line, "", &violations);
                print_violations(&file, body.line, "warning: ", &warnings);
            }
            results.push(json!({
                "file": file,
                "line": body.line,
                "valid": violations.is_empty(),
                "violations": violations,
                "warnings": warnings,
            }));
        }
    }
    match format {
        Format::Human => println!(
            "{} order(s) checked for {product}: {valid} valid, {invalid} invalid",
            valid + invalid
        ),
        Format::Json => println!(
            "{}",
            json!({ "product": product, "valid": valid, "invalid": invalid, "orders": results })
        ),
    }
    Exit::Code(u8::from(invalid > 0))
}

async fn order(
    product: &str,
    file: &std::path::Path,
    format: Format,
    connection: &Connection,
) -> Exit {
    if let Err(e) = connection.check() {
        return Exit::Usage(e);
    }
    let text = match input::read(file) {
        Ok(t) => t,
        Err(e) => return Exit::Usage(e),
    };
    let shown = file.display().to_string();
    let mut bodies = input::bodies(&text);
    if bodies.len() != 1 {
        return Exit::Usage(format!(
            "{shown} holds {} orders: `order` places one (use `bulk` for many)",
            bodies.len()
        ));
    }
    let body = bodies.remove(0);
    let value = match body.value {
        Ok(v) => v,
        Err(message) => {
            eprintln!("{shown}:{}: {message}", body.line);
            return Exit::Code(1);
        }
    };
    // Every violation of the JSON, named by parameter, before the typed conversion.
    if let Err(invalid) = certcentral::validate_json(product, &value) {
        print_violations(&shown, body.line, "", &invalid.violations);
        eprintln!(
            "the order was not sent: it breaks {} rule(s)",
            invalid.violations.len()
        );
        return Exit::Code(1);
    }
    let (Ok(id), Ok(request)) = (
        product.parse::<ClientCertificateId>(),
        serde_json::from_value::<OrderClientCertificateRequest>(value),
    ) else {
        eprintln!("{shown}: the order does not fit the request type; it was not sent");
        return Exit::Code(1);
    };
    let connected = match connection.connect().await {
        Ok(c) => c,
        Err(e) => return Exit::Usage(e),
    };
    let result = connected.client.order(id, &request).await;
    match format {
        Format::Human => print_order(&result),
        Format::Json => println!(
            "{}",
            json!({ "target": connected.name, "result": bulk::outcome_json(&result) })
        ),
    }
    Exit::Code(bulk::exit_code_of(&result))
}

fn print_order(result: &Result<PlacedOrder, Error>) {
    match result {
        Ok(placed) => {
            println!("alternative order id: {}", placed.alternative_order_id);
            match &placed.response {
                Some(response) => {
                    println!("order id:             {}", response.id);
                    for r in &response.requests {
                        println!("request:              {} ({})", r.id, r.status);
                    }
                    match response.certificate_id {
                        Some(id) => println!("certificate id:       {id}"),
                        None => println!("certificate id:       not issued yet"),
                    }
                }
                None => println!(
                    "order id:             not known: the order exists (an earlier attempt created it); find it by its alternative order id"
                ),
            }
            for w in &placed.warnings {
                println!(
                    "warning:              {}: {} [{}]",
                    w.path, w.message, w.rule
                );
            }
        }
        Err(e) => eprintln!("{e}"),
    }
}
