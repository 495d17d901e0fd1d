//! After the order: the orders an input placed, as the ledger knows them, brought up to date
//! with the fewest calls (one status-change call for all of them, order info only for those
//! that changed); `certcentral status` shows them, `certcentral approve` approves the requests
//! that wait for it.

use crate::bulk::open_ledger;
use crate::ledger::{Entry, History, Ledger};
use crate::outcome::{EXIT_FAILED, EXIT_OK};
use crate::output::{Exit, Format};
use crate::target::{Connected, Connection};
use certcentral::types::OrderStatus;
use certcentral::{Client, Error, MAX_STATUS_CHANGE_WINDOW, Stage};
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// An order the input placed, as the ledger knows it.
#[derive(Debug, Clone)]
pub struct Mine {
    pub alternative_order_id: String,
    pub order_id: i64,
    pub request_id: Option<i64>,
    pub product: String,
    pub mailboxes: Vec<String>,
    /// `file:line`.
    pub source: String,
    /// When it was sent.
    pub at: SystemTime,
    /// The key `--generate-keys` made for it.
    pub key: Option<PathBuf>,
    /// Its status as last seen (`None`: not known).
    pub status: Option<OrderStatus>,
    /// When the status was seen.
    pub status_at: SystemTime,
    pub certificate_id: Option<i64>,
    pub valid_till: Option<String>,
}

impl Mine {
    /// Whether it may still change on its own (or its status is not known).
    pub fn in_progress(&self) -> bool {
        self.status
            .as_ref()
            .is_none_or(|s| Stage::of(s) == Stage::InProgress)
    }
}

fn time_of(rfc3339: &str) -> SystemTime {
    humantime::parse_rfc3339_weak(rfc3339).unwrap_or(SystemTime::UNIX_EPOCH)
}

/// Whether `source` (`file:line`) came from `input`: the same file, however it was named.
pub fn from_input(source: &str, input: &Path) -> bool {
    let file = source.rsplit_once(':').map_or(source, |(f, _)| f);
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    same(Path::new(file), input)
}

/// The orders the ledger holds (of `input` only, when given), oldest first.
pub fn mine(history: &History, input: Option<&Path>) -> Vec<Mine> {
    let mut rows: Vec<Mine> = history
        .orders
        .iter()
        .filter(|(_, sent)| input.is_none_or(|i| from_input(&sent.source, i)))
        .filter_map(|(id, sent)| {
            let order_id = sent.last.order_id()?;
            let seen = history.seen.get(&order_id);
            let request_id = match &sent.last {
                Entry::Placed { request_id, .. } => *request_id,
                _ => None,
            };
            let status = if history.canceled.contains_key(&order_id) {
                Some(OrderStatus::Canceled)
            } else {
                seen.map(|s| OrderStatus::from(s.status.as_str()))
            };
            Some(Mine {
                alternative_order_id: id.clone(),
                order_id,
                request_id,
                product: sent.product.clone(),
                mailboxes: sent.mailboxes.clone(),
                source: sent.source.clone(),
                at: time_of(&sent.at),
                key: sent.key.clone(),
                status,
                status_at: seen.map_or(SystemTime::UNIX_EPOCH, |s| time_of(&s.at)),
                certificate_id: seen.and_then(|s| s.certificate_id),
                valid_till: seen.and_then(|s| s.valid_till.clone()),
            })
        })
        .collect();
    rows.sort_by_key(|r| (r.at, r.order_id));
    rows
}

/// A status change the status-change list may report a little late, or read by a clock a
/// little apart from CertCentral's, is still seen.
const OVERLAP: Duration = Duration::from_secs(120);

/// Brings the rows in progress up to date: one status-change call back to the oldest status
/// seen (when within its 7 days), then order info for each order listed there, and for each
/// whose last status is older than the list reaches. Records what it saw in the ledger.
/// Returns the calls made.
pub async fn refresh(
    client: &Client,
    ledger: Option<&Ledger>,
    rows: &mut [Mine],
) -> Result<usize, Error> {
    let now = SystemTime::now();
    let oldest = rows
        .iter()
        .filter(|r| r.in_progress())
        .map(|r| r.status_at.max(r.at))
        .min();
    let Some(oldest) = oldest else {
        return Ok(0);
    };
    let back = now.duration_since(oldest).unwrap_or_default() + OVERLAP;
    let mut calls = 0;
    let changed: Vec<i64> = if back <= MAX_STATUS_CHANGE_WINDOW {
        calls += 1;
        client
            .status_changes(back)
            .await?
            .into_iter()
            .map(|c| c.order_id)
            .collect()
    } else {
        Vec::new()
    };
    let reach = now
        .checked_sub(MAX_STATUS_CHANGE_WINDOW)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    for row in rows.iter_mut().filter(|r| r.in_progress()) {
        let unseen = row.status.is_none() || row.status_at.max(row.at) < reach;
        if !(changed.contains(&row.order_id) || unseen) {
            continue;
        }
        calls += 1;
        let info = client.order_info(row.order_id).await?;
        row.status = Some(info.status.clone());
        row.status_at = now;
        row.certificate_id = info.certificate.as_ref().and_then(|c| c.id);
        row.valid_till = info.certificate.as_ref().and_then(|c| c.valid_till.clone());
        if row.request_id.is_none() {
            row.request_id = info.requests.first().map(|q| q.id);
        }
        record_seen(ledger, row);
    }
    Ok(calls)
}

/// Appends what was seen of `row` (a ledger that cannot be written is said, not fatal: it
/// only costs a call next time).
pub fn record_seen(ledger: Option<&Ledger>, row: &Mine) {
    let (Some(ledger), Some(status)) = (ledger, &row.status) else {
        return;
    };
    let entry = Entry::Seen {
        order_id: row.order_id,
        status: status.to_string(),
        certificate_id: row.certificate_id,
        valid_till: row.valid_till.clone(),
        at: humantime::format_rfc3339_seconds(row.status_at).to_string(),
    };
    if let Err(e) = ledger.append(&entry) {
        tell!("certcentral: the ledger cannot be written: {e}");
    }
}

/// The connection, the ledger and the input's orders: what `status`, `approve` and `follow`
/// start from.
pub struct Opened {
    pub connected: Connected,
    pub ledger: Option<(Ledger, History)>,
    pub rows: Vec<Mine>,
}

/// Connects, locks the account's ledger and reads the orders `input` placed (all of them
/// without one).
pub async fn open(
    connection: &Connection,
    input: Option<&Path>,
    command: &str,
) -> Result<Opened, Exit> {
    let connected = connection.connect().await.map_err(Exit::Usage)?;
    let ledger = open_ledger(connected.ledger.as_deref(), command, &connected.name)?;
    let Some((_, history)) = &ledger else {
        return Err(Exit::Usage(
            "--mock keeps no ledger, so no order to follow: pass --ledger FILE".into(),
        ));
    };
    let rows = mine(history, input);
    if rows.is_empty() {
        let whose = input.map_or_else(
            || "the ledger".to_string(),
            |i| format!("the ledger for {}", i.display()),
        );
        tell!("certcentral: {whose} holds no placed order");
    }
    Ok(Opened {
        connected,
        ledger,
        rows,
    })
}

/// `certcentral status`'s arguments.
#[derive(Debug, Args)]
pub struct Status {
    /// The input whose orders to show (all of the ledger's without it).
    file: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[command(flatten)]
    connection: Connection,
}

pub async fn status(args: &Status) -> Exit {
    let Opened {
        connected,
        ledger,
        mut rows,
    } = match open(&args.connection, args.file.as_deref(), "status").await {
        Ok(o) => o,
        Err(exit) => return exit,
    };
    let ledger = ledger.as_ref().map(|(l, _)| l);
    let calls = match refresh(&connected.client, ledger, &mut rows).await {
        Ok(calls) => calls,
        Err(e) => return Exit::Usage(format!("cannot ask CertCentral: {e}")),
    };
    let shown = |s: &Option<OrderStatus>| s.as_ref().map_or("unknown".into(), ToString::to_string);
    match args.format {
        Format::Json => say!(
            "{}",
            json!({
                "orders": rows.iter().map(|r| json!({
                    "source": r.source, "mailboxes": r.mailboxes, "product": r.product,
                    "order_id": r.order_id, "alternative_order_id": r.alternative_order_id,
                    "status": shown(&r.status), "certificate_id": r.certificate_id,
                    "valid_till": r.valid_till,
                })).collect::<Vec<_>>(),
                "calls": calls,
            })
        ),
        Format::Human => {
            say!(
                "{:<24} {:<32} {:>10} {:<16} {:>12} {:<10}",
                "SOURCE",
                "MAILBOX",
                "ORDER",
                "STATUS",
                "CERTIFICATE",
                "EXPIRES"
            );
            for r in &rows {
                say!(
                    "{:<24} {:<32} {:>10} {:<16} {:>12} {:<10}",
                    r.source,
                    r.mailboxes.join(";"),
                    r.order_id,
                    shown(&r.status),
                    r.certificate_id.map_or(String::new(), |c| c.to_string()),
                    r.valid_till.as_deref().unwrap_or("")
                );
            }
            say!(
                "{} order(s); asking CertCentral cost {calls} API call(s)",
                rows.len()
            );
        }
    }
    Exit::Code(EXIT_OK)
}

/// `certcentral approve`'s arguments.
#[derive(Debug, Args)]
pub struct Approve {
    /// The input whose orders to approve (all of the ledger's without it).
    file: Option<PathBuf>,
    /// List what would be approved; approve nothing.
    #[arg(long)]
    dry_run: bool,
    /// A comment for the approval.
    #[arg(long, value_name = "TEXT")]
    comment: Option<String>,
    #[command(flatten)]
    connection: Connection,
}

pub async fn approve(args: &Approve) -> Exit {
    let Opened {
        connected,
        ledger,
        mut rows,
    } = match open(&args.connection, args.file.as_deref(), "approve").await {
        Ok(o) => o,
        Err(exit) => return exit,
    };
    let ledger = ledger.as_ref().map(|(l, _)| l);
    if let Err(e) = refresh(&connected.client, ledger, &mut rows).await {
        return Exit::Usage(format!("cannot ask CertCentral: {e}"));
    }
    let waiting: Vec<&Mine> = rows
        .iter()
        .filter(|r| r.status == Some(OrderStatus::NeedsApproval))
        .collect();
    let mut failed = 0;
    for r in &waiting {
        let who = format!(
            "order {} ({}, {})",
            r.order_id,
            r.mailboxes.join(", "),
            r.source
        );
        let Some(request_id) = r.request_id else {
            tell!("certcentral: {who}: its request id is not known; approve it in CertCentral");
            failed += 1;
            continue;
        };
        if args.dry_run {
            say!("would approve request {request_id} of {who}");
            continue;
        }
        match connected
            .client
            .approve_request(request_id, args.comment.as_deref())
            .await
        {
            Ok(()) => {
                say!("approved request {request_id} of {who}");
                if let Some(ledger) = ledger
                    && let Err(e) = ledger.append(&Entry::Approved {
                        order_id: r.order_id,
                        request_id,
                    })
                {
                    tell!("certcentral: the ledger cannot be written: {e}");
                }
            }
            Err(e) => {
                tell!("certcentral: {who}: {e}");
                failed += 1;
            }
        }
    }
    let verb = if args.dry_run {
        "to approve"
    } else {
        "approved"
    };
    say!(
        "{} of {} order(s) {verb}{}",
        waiting.len() - failed,
        rows.len(),
        if args.dry_run {
            " (--dry-run: nothing was changed)"
        } else {
            ""
        }
    );
    Exit::Code(if failed > 0 { EXIT_FAILED } else { EXIT_OK })
}
