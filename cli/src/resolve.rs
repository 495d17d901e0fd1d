//! `certcentral resolve`: records in a journal what the user found in CertCentral about an
//! order whose outcome was unknown, so that a rerun neither orders it twice nor leaves it out.

use crate::journal::{Entry, Journal, JournalError};
use crate::outcome::{EXIT_BUSY, EXIT_OK};
use crate::output::Exit;
use clap::Args;
use std::path::PathBuf;

/// `certcentral resolve`'s arguments.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("found").required(true).args(["order_id", "not_placed"])))]
pub struct Resolve {
    /// The journal of the run (e.g. staff.csv.journal).
    #[arg(long, value_name = "JOURNAL")]
    journal: PathBuf,
    /// The order's alternative order id, as the summary listed it.
    alternative_order_id: String,
    /// The order exists in CertCentral with this order id: it is never sent again.
    #[arg(long, value_name = "ORDER_ID")]
    order_id: Option<i64>,
    /// You looked in CertCentral and no order has this alternative id: a rerun sends it.
    #[arg(long)]
    not_placed: bool,
}

pub fn run(args: &Resolve) -> Exit {
    let shown = args.journal.display();
    if !args.journal.is_file() {
        return Exit::Usage(format!("no journal at {shown}"));
    }
    let (journal, history) = match Journal::lock(&args.journal) {
        Ok(j) => j,
        Err(JournalError::Busy(m)) => {
            tell!("certcentral: {m}");
            return Exit::Code(EXIT_BUSY);
        }
        Err(JournalError::Unusable(m)) => return Exit::Usage(m),
    };
    let id = &args.alternative_order_id;
    let shown_id = certcentral_table::excerpt(id);
    let Some(last) = history.last.get(id) else {
        return Exit::Usage(format!("the journal {shown} has no order {shown_id}"));
    };
    if !last.is_unknown() {
        let state = match last {
            e if e.is_done() => match e.order_id() {
                Some(n) => format!("is done (order {n})"),
                None => "is done (the order exists)".to_string(),
            },
            Entry::Resolved { order_id: None, .. } => {
                "is recorded as not placed: a rerun sends it".into()
            }
            _ => "was certainly not created (rejected or failed): a rerun sends it again".into(),
        };
        return Exit::Usage(format!(
            "{shown_id} {state}; only an order whose outcome is unknown is resolved"
        ));
    }
    let entry = Entry::Resolved {
        alternative_order_id: id.clone(),
        order_id: args.order_id,
    };
    if let Err(e) = journal
        .start_run(format!("resolve {id}"), None)
        .and_then(|()| journal.append(&entry))
    {
        return Exit::Usage(format!("cannot write the journal {shown}: {e}"));
    }
    match args.order_id {
        Some(n) => say!("{id}: recorded as order {n}; a rerun will not send it"),
        None => say!("{id}: recorded as not placed; a rerun sends it"),
    }
    Exit::Code(EXIT_OK)
}
