//! `certcentral order`: one order from a JSON file, validated, journaled and safe to rerun:
//! its alternative order id is derived from its content (as `bulk` derives it), and a rerun on
//! the same file says which order exists and places nothing unless `--again`.

use crate::input::{self, Encoding, identity};
use crate::journal::{Entry, Journal, JournalError, Journaled, journaled};
use crate::outcome::{self, EXIT_BUSY, EXIT_FAILED, Outcome};
use crate::output::{Exit, Format, print_violations};
use crate::target::Connection;
use certcentral::{Error, PlacedOrder, Violation};
use clap::Args;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

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
    /// The journal of `order` runs. Default: orders-TARGET.journal in the user's state
    /// directory ($XDG_STATE_HOME/certcentral, or ~/.local/state/certcentral); none with --mock.
    #[arg(long, value_name = "JOURNAL")]
    journal: Option<PathBuf>,
    /// Place the order even though the journal says it exists (a new alternative order id).
    #[arg(long)]
    again: bool,
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

pub async fn run(args: &Order) -> Exit {
    if let Err(e) = args.connection.check() {
        return Exit::Usage(e);
    }
    let shown = args.file.display().to_string();
    let text = match input::read(&args.file, Encoding::Auto) {
        Ok((t, _)) => t,
        Err(e) => return Exit::Usage(e),
    };
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
            return not_sent(
                args,
                body.line,
                &[Violation::new("input.json", "(body)", message)],
            );
        }
    };
    // Every violation of the JSON, named by parameter, before anything else.
    let parsed = match certcentral::parse_order(&args.product, value.clone()) {
        Ok(parsed) => parsed,
        Err(invalid) => return not_sent(args, body.line, &invalid.violations),
    };
    let connected = match args.connection.connect().await {
        Ok(c) => c,
        Err(e) => return Exit::Usage(e),
    };
    let journal = match journal_path(args, &connected.name) {
        Some(path) => match lock(&path, &args.file) {
            Ok(j) => Some(j),
            Err(exit) => return exit,
        },
        None => None,
    };
    // The order's own id, or one derived from its content (the same file, the same id).
    let own = parsed.request.alternative_order_id.clone();
    let empty = serde_json::Map::new();
    let mut id = own
        .clone()
        .unwrap_or_else(|| identity::stable_id(&args.product, value.as_object().unwrap_or(&empty)));
    let unique = args.connection.unique_alternative_order_ids;
    if let Some((_, history)) = &journal
        && let Some(earlier) = outcome::earlier(history.last.get(&id), unique)
    {
        if !args.again {
            return done_earlier(args, &id, &earlier);
        }
        if own.is_some() {
            return Exit::Usage(format!(
                "{shown} names its own alternative_order_id, which the journal knows: \
                 --again needs another id in the file"
            ));
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        id = format!("{id}r{now}");
    }
    let product = parsed.product;
    let mut request = parsed.request;
    request.alternative_order_id = Some(id.clone());
    let sending = Entry::Sending {
        alternative_order_id: id.clone(),
        line: body.line,
        product: args.product.clone(),
    };
    let journal = journal.as_ref().map(|(j, _)| j);
    let (result, outcome) =
        match journaled(journal, sending, connected.client.order(product, &request)).await {
            Journaled::NotSent(e) => {
                return Exit::Usage(format!("cannot write the journal: {e}; nothing was sent"));
            }
            Journaled::Sent {
                result,
                outcome,
                unrecorded,
            } => {
                if let Some(e) = unrecorded {
                    tell!("certcentral: the journal cannot be written: {e}");
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

/// The order's journal: `--journal`, or one per target in the user's state directory.
fn journal_path(args: &Order, target: &str) -> Option<PathBuf> {
    if let Some(j) = &args.journal {
        return Some(j.clone());
    }
    if args.connection.is_mock() {
        return None;
    }
    let dir = std::env::var_os("XDG_STATE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/state")))?
        .join("certcentral");
    let slug: String = target
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    Some(dir.join(format!("orders-{slug}.journal")))
}

fn lock(path: &Path, file: &Path) -> Result<(Journal, crate::journal::History), Exit> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        return Err(Exit::Usage(format!("cannot create {}: {e}", dir.display())));
    }
    let (journal, history) = Journal::lock(path).map_err(|e| match e {
        JournalError::Busy(m) => {
            tell!("certcentral: {m}");
            Exit::Code(EXIT_BUSY)
        }
        JournalError::Unusable(m) => Exit::Usage(m),
    })?;
    journal
        .start_run(format!("order {}", file.display()), None)
        .map_err(|e| Exit::Usage(format!("cannot write the journal {}: {e}", path.display())))?;
    Ok((journal, history))
}

/// The journal knows this order (done, or unknown): say so, and place nothing.
fn done_earlier(args: &Order, id: &str, earlier: &Outcome) -> Exit {
    let state = match earlier {
        Outcome::DoneEarlier { order_id: Some(n) } => format!("was placed before: order {n}"),
        Outcome::DoneEarlier { order_id: None } => "was placed before".into(),
        _ => "was sent before and its outcome is unknown: look it up in CertCentral".into(),
    };
    match args.format {
        Format::Human => say!(
            "this order (alternative order id {id}) {state}; nothing was sent (--again places \
             another)"
        ),
        Format::Json => {
            let mut result = earlier.json();
            result["alternative_order_id"] = json!(id);
            result["order_id"] = json!(earlier.order_id());
            say!("{}", json!({ "result": result }));
        }
    }
    Exit::Code(earlier.exit_code())
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
