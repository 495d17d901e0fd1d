//! `certcentral`: validate, order and bulk-order DigiCert client certificates from files, and
//! follow the orders to their certificates.
//!
//! Built on the `certcentral` crate: every order is checked against the spec's rules before
//! anything is sent, paced under DigiCert's rate limits, and never placed twice (see `bulk`).
//!
//! Reads order files, journals, an API key (DIGICERT_API_KEY or --api-key-file); writes to
//! stdout/stderr, journals and `--report` files.

/// `println!` that never panics: a closed stdout (`certcentral bulk … | head`) must not end a
/// run that spends money half-way; what cannot be printed is dropped.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// `eprintln!` that never panics (see `say!`).
macro_rules! tell {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

mod after;
mod bulk;
mod cancel;
mod dates;
mod duplicates;
mod follow;
mod identity;
mod input;
mod keys;
mod ledger;
mod order;
mod outcome;
mod output;
mod plan;
mod precheck;
mod resolve;
mod target;
mod template;
mod wait;

use certcentral::Violation;
use clap::{Parser, Subcommand};
use output::{Exit, Format, print_violations};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES: &str = "Exit codes: 0 done; 1 invalid, rejected or failed (nothing was \
created for those); 2 usage (nothing was sent); 3 an order's outcome is unknown (it may exist: \
it was looked up by its alternative order id and not found yet; `certcentral resolve --lookup` \
looks again); 4 another run holds the account's ledger (nothing was sent); 5 (follow) orders \
still wait for their recipient or issuance: follow again later; 130 interrupted.";

/// Validate, order and bulk-order DigiCert CertCentral client certificates from files, and follow
/// the orders to their certificates.
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
    /// Validate and place one order; a rerun on the same file places nothing.
    Order(order::Order),
    /// Place many orders from a CSV, workbook or JSON Lines file, resumably and never twice.
    #[command(after_help = bulk::HELP)]
    Bulk(bulk::Bulk),
    /// Settle orders whose outcome was unknown: look them up by their alternative ids, or
    /// record what you found.
    Resolve(resolve::Resolve),
    /// List the alternative ids of the ledger's orders that CertCentral holds more than one
    /// order for.
    Duplicates(duplicates::Duplicates),
    /// Cancel one order (pending or waiting_pickup), after confirmation.
    Cancel(cancel::Cancel),
    /// Show every order an input placed: its status, certificate and expiry (one status-change
    /// call for all of them, order info only for those that changed).
    Status(after::Status),
    /// Approve the requests of an input's orders that wait for approval (accounts that
    /// require it).
    Approve(after::Approve),
    /// Wait for an input's orders to be issued and download each certificate, checked against
    /// its order, with its chain (and a PKCS#12 bundle of the key `bulk --generate-keys` made).
    Follow(follow::Follow),
    /// Write a CSV template for a product: its columns (required ones first, marked `*`) and
    /// an example row, commented out with `#` so that it is never ordered.
    Template {
        #[arg(long, value_parser = products())]
        product: String,
        /// Write the example row as an order (not commented out): a file that validates and,
        /// sent, orders a certificate for alice@example.com.
        #[arg(long)]
        example: bool,
    },
    /// List every column a product takes: type, required or conditional, and its rules.
    Columns {
        #[arg(long, value_parser = products())]
        product: String,
    },
}

/// The products the spec lists, for clap's checks and help.
fn products() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(certcentral_table::TABLE.products.iter().map(|p| p.id))
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
        Command::Order(args) => order::run(&args).await,
        Command::Bulk(args) => bulk::run(&args).await,
        Command::Resolve(args) => resolve::run(&args).await,
        Command::Duplicates(args) => duplicates::run(&args).await,
        Command::Cancel(args) => cancel::run(&args).await,
        Command::Status(args) => after::status(&args).await,
        Command::Approve(args) => after::approve(&args).await,
        Command::Follow(args) => follow::run(&args).await,
        Command::Template { product, example } => template::template(&product, example),
        Command::Columns { product } => template::list(&product),
    };
    match exit {
        Exit::Code(code) => ExitCode::from(code),
        Exit::Usage(message) => {
            tell!("certcentral: {message}");
            ExitCode::from(outcome::EXIT_USAGE)
        }
    }
}

fn validate(product: &str, files: &[PathBuf], format: Format) -> Exit {
    let mut results = Vec::new();
    let (mut valid, mut invalid) = (0, 0);
    for path in files {
        let text = match input::read(path, input::Encoding::Auto) {
            Ok((t, _)) => t,
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
                    say!("{file}:{}: valid", body.line);
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
        Format::Human => say!(
            "{} order(s) checked for {product}: {valid} valid, {invalid} invalid",
            valid + invalid
        ),
        Format::Json => say!(
            "{}",
            json!({ "product": product, "valid": valid, "invalid": invalid, "orders": results })
        ),
    }
    Exit::Code(u8::from(invalid > 0))
}

#[cfg(test)]
mod tests {
    /// clap's own checks of the command line's definition (unique names, valid `requires`),
    /// which it otherwise makes only when a command is parsed.
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
