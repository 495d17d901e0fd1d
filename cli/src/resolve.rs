//! `certcentral resolve`: settles orders whose outcome was unknown in the account's ledger, by
//! asking CertCentral (`--lookup`: every unknown order looked up by its alternative id) or by
//! what the user found (`--order-id`; `--not-placed`, which looks first and refuses when
//! CertCentral has the order), so that a rerun neither orders them twice nor leaves them out.

use crate::bulk::open_ledger;
use crate::ledger::{Entry, History, Ledger};
use crate::outcome::{EXIT_OK, EXIT_UNKNOWN};
use crate::output::Exit;
use crate::plan;
use crate::target::Connection;
use clap::Args;

/// `certcentral resolve`'s arguments.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("how").required(true).args(["lookup", "order_id", "not_placed"])))]
pub struct Resolve {
    /// Look up every order of the ledger whose outcome is unknown by its alternative id, and
    /// record what CertCentral has.
    #[arg(long)]
    lookup: bool,
    /// With --lookup: only the orders sent from this input.
    #[arg(long, value_name = "FILE", requires = "lookup")]
    input: Option<std::path::PathBuf>,
    /// The order's alternative order id, as the summary listed it (with --order-id or
    /// --not-placed).
    #[arg(required_unless_present = "lookup", conflicts_with = "lookup")]
    alternative_order_id: Option<String>,
    /// The order exists in CertCentral with this order id: it is never sent again.
    #[arg(long, value_name = "ORDER_ID")]
    order_id: Option<i64>,
    /// No order has this alternative id (CertCentral is asked first): a rerun sends it.
    #[arg(long)]
    not_placed: bool,
    #[command(flatten)]
    connection: Connection,
}

pub async fn run(args: &Resolve) -> Exit {
    let connected = match args.connection.connect().await {
        Ok(c) => c,
        Err(e) => return Exit::Usage(e),
    };
    let Some(path) = connected.ledger.as_deref() else {
        return Exit::Usage("--mock keeps no ledger: pass --ledger FILE".into());
    };
    let command = "resolve".to_string();
    let (ledger, history) = match open_ledger(Some(path), &command, &connected.name) {
        Ok(Some(l)) => l,
        Ok(None) => return Exit::Usage("no ledger to resolve in".into()),
        Err(exit) => return exit,
    };
    if args.lookup {
        return lookup_all(args, &connected.client, &ledger, &history).await;
    }
    let id = args.alternative_order_id.as_deref().unwrap_or_default();
    let shown_id = certcentral_table::excerpt(id);
    let Some(sent) = history.orders.get(id) else {
        return Exit::Usage(format!(
            "the ledger {} has no order {shown_id}",
            path.display()
        ));
    };
    if !sent.last.is_unknown() {
        let state = match &sent.last {
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
    let order_id = match (args.order_id, args.not_placed) {
        (Some(n), _) => Some(n),
        (None, _) => {
            // Before recording "not placed", CertCentral is asked: an order it has is never
            // recorded as absent.
            match plan::lookup(&connected.client, id, &sent.at).await.0 {
                Ok(None) => None,
                Ok(Some(found)) => {
                    return Exit::Usage(format!(
                        "CertCentral has order {} with alternative id {shown_id}: it is placed, \
                         not absent (`certcentral resolve --lookup` records it)",
                        found.order_id().unwrap_or_default()
                    ));
                }
                Err(e) => {
                    return Exit::Usage(format!(
                        "cannot ask CertCentral whether {shown_id} exists ({e}): nothing was \
                         recorded"
                    ));
                }
            }
        }
    };
    let entry = Entry::Resolved {
        alternative_order_id: id.to_string(),
        order_id,
    };
    if let Err(e) = ledger.append(&entry) {
        return Exit::Usage(format!("cannot write the ledger {}: {e}", path.display()));
    }
    match order_id {
        Some(n) => say!("{id}: recorded as order {n}; a rerun will not send it"),
        None => say!(
            "{id}: recorded as not placed (CertCentral has no order with it); a rerun sends it"
        ),
    }
    Exit::Code(EXIT_OK)
}

/// Every unknown order of the ledger (of one input, with `--input`), looked up.
async fn lookup_all(
    args: &Resolve,
    client: &certcentral::Client,
    ledger: &Ledger,
    history: &History,
) -> Exit {
    let unknown: Vec<_> = history
        .unknown()
        .into_iter()
        .filter(|(_, s)| {
            args.input
                .as_deref()
                .is_none_or(|i| crate::after::from_input(&s.source, i))
        })
        .collect();
    if unknown.is_empty() {
        say!("no order of the ledger has an unknown outcome");
        return Exit::Code(EXIT_OK);
    }
    let mut still = 0;
    for (id, sent) in unknown {
        match plan::lookup(client, id, &sent.at).await.0 {
            Ok(Some(entry)) => {
                if let Err(e) = ledger.append(&entry) {
                    return Exit::Usage(format!("cannot write the ledger: {e}"));
                }
                say!(
                    "{id} ({}): found, order {}",
                    sent.source,
                    entry.order_id().unwrap_or_default()
                );
            }
            Ok(None) => {
                still += 1;
                say!(
                    "{id} ({}): no order with this alternative id yet (sent {}); look again \
                     later, or `certcentral resolve {id} --not-placed` to send it again",
                    sent.source,
                    sent.at
                );
            }
            Err(certcentral::Error::SeveralOrders { order_ids, .. }) => {
                still += 1;
                plan::warn_several(id, &order_ids, args.connection.unique_alternative_order_ids);
            }
            Err(e) => {
                return Exit::Usage(format!(
                    "cannot look {id} up ({e}): what was found so far is recorded"
                ));
            }
        }
    }
    Exit::Code(if still == 0 { EXIT_OK } else { EXIT_UNKNOWN })
}
