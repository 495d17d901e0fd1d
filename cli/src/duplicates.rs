//! `certcentral duplicates`: the alternative ids of the ledger's orders (of one input, with
//! `--input`) that CertCentral holds more than one order for: a double payment to undo with
//! `certcentral cancel` before the extra order is issued.

use crate::bulk::open_ledger;
use crate::outcome::EXIT_OK;
use crate::output::{Exit, Format};
use crate::target::Connection;
use clap::Args;
use serde_json::json;

/// `certcentral duplicates`'s arguments.
#[derive(Debug, Args)]
pub struct Duplicates {
    /// Only the orders sent from this input.
    #[arg(long, value_name = "FILE")]
    input: Option<std::path::PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[command(flatten)]
    connection: Connection,
}

pub async fn run(args: &Duplicates) -> Exit {
    let connected = match args.connection.connect().await {
        Ok(c) => c,
        Err(e) => return Exit::Usage(e),
    };
    let (_ledger, history) =
        match open_ledger(connected.ledger.as_deref(), "duplicates", &connected.name) {
            Ok(Some(l)) => l,
            Ok(None) => return Exit::Usage("--mock keeps no ledger: pass --ledger FILE".into()),
            Err(exit) => return exit,
        };
    let mut ids: Vec<(&String, &crate::ledger::Sent)> = history
        .orders
        .iter()
        .filter(|(_, s)| {
            args.input
                .as_deref()
                .is_none_or(|i| crate::after::from_input(&s.source, i))
        })
        .collect();
    ids.sort_by(|a, b| a.1.at.cmp(&b.1.at));
    let mut found = Vec::new();
    for (id, sent) in ids {
        let orders = match connected.client.orders_by_alternative_id(id).await {
            Ok(orders) => orders,
            Err(e) => return Exit::Usage(format!("cannot look {id} up: {e}")),
        };
        if orders.len() > 1 {
            found.push(json!({
                "alternative_order_id": id,
                "source": sent.source,
                "mailboxes": sent.mailboxes,
                "orders": orders.iter().map(|o| json!({
                    "order_id": o.order_id, "status": o.status, "certificate_id": o.certificate_id,
                })).collect::<Vec<_>>(),
            }));
        }
    }
    print(args.format, &found);
    Exit::Code(EXIT_OK)
}

/// The alternative ids found twice, as `format` says.
fn print(format: Format, found: &[serde_json::Value]) {
    match format {
        Format::Json => say!("{}", json!({ "duplicates": found })),
        Format::Human if found.is_empty() => {
            say!("no alternative id of the ledger has more than one order")
        }
        Format::Human => {
            for d in found {
                let orders: Vec<String> = d["orders"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|o| {
                        format!(
                            "{} ({})",
                            o["order_id"],
                            o["status"].as_str().unwrap_or("?")
                        )
                    })
                    .collect();
                say!(
                    "{} ({}, {}): {} orders: {}",
                    d["alternative_order_id"].as_str().unwrap_or_default(),
                    d["source"].as_str().unwrap_or_default(),
                    d["mailboxes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|m| m.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    orders.len(),
                    orders.join(", ")
                );
            }
            say!(
                "cancel an extra order before it is issued: certcentral cancel ORDER_ID --note TEXT"
            );
        }
    }
}
