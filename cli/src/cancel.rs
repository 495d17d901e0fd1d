//! `certcentral cancel ORDER_ID --note TEXT`: cancels one order (only from the states
//! CertCentral allows: `pending` and `waiting_pickup`), after showing it and asking for
//! confirmation (unless `--yes`); `--dry-run` shows what would happen. Recorded in the ledger.

use crate::bulk::open_ledger;
use crate::ledger::Entry;
use crate::outcome::{EXIT_FAILED, EXIT_OK};
use crate::output::Exit;
use crate::target::Connection;
use certcentral::types::OrderStatus;
use clap::Args;

/// `certcentral cancel`'s arguments.
#[derive(Debug, Args)]
pub struct Cancel {
    /// The order to cancel.
    order_id: i64,
    /// Why (CertCentral requires a note for a cancellation).
    #[arg(long, value_name = "TEXT")]
    note: String,
    /// Show the order and what would happen; cancel nothing.
    #[arg(long)]
    dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
    #[command(flatten)]
    connection: Connection,
}

pub async fn run(args: &Cancel) -> Exit {
    if args.note.trim().is_empty() {
        return Exit::Usage(
            "--note: a cancellation needs a note (why the order is canceled)".into(),
        );
    }
    let connected = match args.connection.connect().await {
        Ok(c) => c,
        Err(e) => return Exit::Usage(e),
    };
    let client = &connected.client;
    let order = match client.order_info(args.order_id).await {
        Ok(order) => order,
        Err(e) => return Exit::Usage(format!("cannot read order {}: {e}", args.order_id)),
    };
    let certificate = order.certificate.as_ref();
    let emails = certificate.map(|c| c.emails.join(", ")).unwrap_or_default();
    let product = order
        .product
        .as_ref()
        .and_then(|p| p.name_id.clone())
        .unwrap_or_default();
    say!(
        "order {} ({product}, {emails}): {}, created {}, alternative id {}",
        order.id,
        order.status,
        order.date_created.as_deref().unwrap_or("?"),
        order.alternative_order_id.as_deref().unwrap_or("none")
    );
    if !matches!(
        order.status,
        OrderStatus::Pending | OrderStatus::WaitingPickup
    ) {
        tell!(
            "certcentral: order {} is {}: only a pending or waiting_pickup order can be canceled \
             (an issued certificate is revoked, not canceled); nothing was changed",
            order.id,
            order.status
        );
        return Exit::Code(EXIT_FAILED);
    }
    if args.dry_run {
        say!(
            "would cancel order {} (--dry-run: nothing was changed)",
            order.id
        );
        return Exit::Code(EXIT_OK);
    }
    if !args.yes && !confirmed(order.id) {
        tell!("certcentral: not canceled");
        return Exit::Code(EXIT_FAILED);
    }
    let ledger = match open_ledger(
        connected.ledger.as_deref(),
        &format!("cancel {}", order.id),
        &connected.name,
    ) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    if let Err(e) = client.cancel_order(order.id, &args.note).await {
        tell!("certcentral: {e}");
        return Exit::Code(EXIT_FAILED);
    }
    if let Some((ledger, _)) = &ledger
        && let Err(e) = ledger.append(&Entry::Canceled {
            order_id: order.id,
            note: args.note.clone(),
        })
    {
        tell!("certcentral: the ledger cannot be written: {e}");
    }
    say!("order {} canceled", order.id);
    Exit::Code(EXIT_OK)
}

/// Asks on the terminal; anything but `yes` is no (and so is a closed stdin).
fn confirmed(order_id: i64) -> bool {
    use std::io::{BufRead, Write};
    let _ = write!(
        std::io::stderr(),
        "cancel order {order_id}? type yes to confirm: "
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}
