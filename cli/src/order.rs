//! `certcentral order`: one order from a JSON file, validated and decided as `bulk` decides a
//! row (the account's ledger, then CertCentral's orders for its mailboxes), recorded, and safe
//! to rerun: a rerun, a copy of the file, or a `bulk` row for the same mailbox and product
//! says which order exists and places nothing unless `--again`.

use crate::bulk::open_ledger;
use crate::identity::Identity;
use crate::input::{self, Encoding};
use crate::ledger::{Entry, Journaled, journaled};
use crate::outcome::{self, EXIT_FAILED, Outcome};
use crate::output::{Exit, Format, print_violations};
use crate::plan::{self, Candidate, Decision};
use crate::target::Connection;
use certcentral::{Error, PlacedOrder, Violation};
use clap::Args;
use serde_json::{Value, json};
use std::path::PathBuf;

/// `certcentral order`'s arguments.
#[derive(Debug, Args)]
pub struct Order {
    /// The product to order.
    #[arg(long, value_parser = crate::products())]
    product: String,
    /// A file holding the order body (JSON).
    file: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[command(flatten)]
    choices: plan::Choices,
    #[command(flatten)]
    connection: Connection,
}

/// Prints what went wrong before anything was sent, as text or as JSON, and exits 1.
fn not_sent(args: &Order, line: usize, violations: &[Violation]) -> Exit {
    let file = args.file.display().to_string();
    match args.format {
        Format::Human => {
            print_violations(&file, line, "", violations);
            tell!(
                "the order was not sent: it breaks {} rule(s)",
                violations.len()
            );
        }
        Format::Json => say!(
            "{}",
            json!({ "file": file, "line": line, "result": Outcome::Invalid(violations.to_vec()).json() })
        ),
    }
    Exit::Code(EXIT_FAILED)
}

/// The file's one order, as JSON and as the typed request; every violation said (and nothing
/// sent) otherwise.
fn read_one(args: &Order) -> Result<(Value, certcentral::ParsedOrder), Exit> {
    let shown = args.file.display();
    let text = match input::read(&args.file, Encoding::Auto) {
        Ok((t, _)) => t,
        Err(e) => return Err(Exit::Usage(e)),
    };
    let mut bodies = input::bodies(&text);
    if bodies.len() != 1 {
        return Err(Exit::Usage(format!(
            "{shown} holds {} orders: `order` places one (use `bulk` for many)",
            bodies.len()
        )));
    }
    let body = bodies.remove(0);
    let value = match body.value {
        Ok(v) => v,
        Err(message) => {
            return Err(not_sent(
                args,
                body.line,
                &[Violation::new("input.json", "(body)", message)],
            ));
        }
    };
    // Every violation of the JSON, named by parameter, before anything else.
    match certcentral::parse_order(&args.product, value.clone()) {
        Ok(parsed) => Ok((value, parsed)),
        Err(invalid) => Err(not_sent(args, body.line, &invalid.violations)),
    }
}

/// `certcentral order`: read, ask CertCentral, journal, send, print. One sequence, on purpose:
/// each step ends the run with its own exit when it fails, and the ledger's lock is held
/// from the decision to the outcome.
pub async fn run(args: &Order) -> Exit {
    if let Err(e) = args.connection.check() {
        return Exit::Usage(e);
    }
    let shown = args.file.display().to_string();
    let (value, parsed) = match read_one(args) {
        Ok(read) => read,
        Err(exit) => return exit,
    };
    let connected = match args.connection.connect().await {
        Ok(c) => c,
        Err(e) => return Exit::Usage(e),
    };
    let command = format!("order {shown}");
    let mut locked = match open_ledger(connected.ledger.as_deref(), &command, &connected.name) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let identity = Identity::of(&args.product, &value);
    let candidate = Candidate {
        identity: identity.clone(),
        body: value,
        own_id: parsed.request.alternative_order_id.clone(),
    };
    let options = args
        .choices
        .options(args.connection.unique_alternative_order_ids);
    let ledger_ref = locked.as_mut().map(|(l, h)| (&*l, h));
    let decided = plan::decide(&connected.client, ledger_ref, &[candidate], &options).await;
    let decision = match decided.map(|mut p| p.decisions.remove(0)) {
        Ok(d) => d,
        Err(e) => return Exit::Usage(e),
    };
    let (alternative_order_id, renewal_of) = match decision {
        Decision::Skip(outcome) => return not_again(args, &outcome),
        Decision::Send {
            alternative_order_id,
            renewal_of,
        } => (alternative_order_id, renewal_of),
    };
    let product = parsed.product;
    let mut request = parsed.request;
    request.alternative_order_id = Some(alternative_order_id.clone());
    request.renewal_of_order_id = renewal_of;
    if let Some(order) = renewal_of {
        tell!(
            "certcentral: renewing order {order}, whose certificate expires within the renewal window"
        );
    }
    let sending = Entry::Sending {
        alternative_order_id,
        product: args.product.clone(),
        mailboxes: identity.mailboxes,
        source: shown,
        at: crate::ledger::now(),
        key: None,
    };
    let ledger = locked.as_ref().map(|(l, _)| l);
    let patience = crate::wait::Patience::new(args.choices.max_wait);
    let (result, outcome) = match journaled(
        ledger,
        sending,
        patience.order(&connected.client, product, &request),
    )
    .await
    {
        Journaled::NotSent(e) => {
            return Exit::Usage(format!("cannot write the ledger: {e}; nothing was sent"));
        }
        Journaled::Sent {
            result,
            outcome,
            unrecorded,
        } => {
            if let Some(e) = unrecorded {
                tell!("certcentral: the ledger cannot be written: {e}");
            }
            (result, outcome)
        }
    };
    match args.format {
        Format::Human => print_order(&result),
        Format::Json => say!(
            "{}",
            json!({ "target": connected.name, "result": outcome_json(&result) })
        ),
    }
    Exit::Code(outcome::exit_code([&outcome]))
}

/// An order that is not sent (ordered earlier, or unknown since an earlier run): say so.
fn not_again(args: &Order, outcome: &Outcome) -> Exit {
    match args.format {
        Format::Human => say!(
            "this order {}; nothing was sent",
            match outcome {
                Outcome::NotResent => "was sent before and its outcome is unknown (looked up, \
                                       not found yet): see `certcentral resolve --lookup`"
                    .to_string(),
                other => format!("is not needed: {}", other.describe()),
            }
        ),
        Format::Json => say!("{}", json!({ "result": outcome.json() })),
    }
    Exit::Code(outcome.exit_code())
}

/// The JSON of one order's result.
fn outcome_json(result: &Result<PlacedOrder, Error>) -> Value {
    let mut v = Outcome::from_result(result).json();
    match result {
        Ok(placed) => {
            v["alternative_order_id"] = json!(placed.alternative_order_id);
            v["warnings"] = json!(placed.warnings);
        }
        Err(Error::OutcomeUnknown {
            alternative_order_id,
            ..
        }) => v["alternative_order_id"] = json!(alternative_order_id),
        Err(_) => {}
    }
    v
}

fn print_order(result: &Result<PlacedOrder, Error>) {
    match result {
        Ok(placed) => {
            say!("alternative order id: {}", placed.alternative_order_id);
            match &placed.response {
                Some(response) => {
                    say!("order id:             {}", response.id);
                    if placed.found_by_lookup {
                        say!(
                            "                      (its answer was lost: found by its alternative id)"
                        );
                    }
                    for r in &response.requests {
                        say!("request:              {} ({})", r.id, r.status);
                    }
                    match response.certificate_id {
                        Some(id) => say!("certificate id:       {id}"),
                        None => say!("certificate id:       not issued yet"),
                    }
                }
                None => say!(
                    "order id:             not known: the order exists (an earlier attempt created it); find it by its alternative order id"
                ),
            }
            for w in &placed.warnings {
                say!(
                    "warning:              {}: {} [{}]",
                    w.path,
                    w.message,
                    w.rule
                );
            }
        }
        Err(e) => tell!("{e}"),
    }
}
