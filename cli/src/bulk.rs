//! `certcentral bulk`: many orders from a file, validated before anything is sent, paced,
//! journaled, resumable, and never placed twice.

use crate::input::{self, Row};
use crate::journal::{Entry, Journal};
use crate::target::Connection;
use crate::{Exit, print_violations};
use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
use certcentral::{Error, PlacedOrder, Violation};
use clap::Args;
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

pub const HELP: &str = "\
Every row gets a stable alternative order id (its own `alternative_order_id`, or one derived \
from its product and parameters), written to the journal before its order is sent; the outcome \
is written after. A rerun with the same journal skips the rows that are done. A row whose \
outcome is unknown (the run was killed, or no answer came) may exist: it is sent again only \
with --unique-alternative-order-ids (a duplicate then means it exists); otherwise it is listed \
for you to look up in CertCentral, and not sent.

CSV: a `product` column, and columns named by dotted parameter paths (certificate.emails, \
certificate.individual.first_name, organization.id, ...); list values separated by `;`; an \
empty cell leaves the parameter out. JSON Lines: {\"product\": ..., \"order\": {...}} per line.

Exit codes: 0 every row done; 1 invalid, rejected or failed rows (nothing was created for \
them); 2 usage; 3 a row's outcome is unknown.";

/// `certcentral bulk`'s arguments.
#[derive(Debug, Args)]
pub struct Bulk {
    /// The orders: CSV or JSON Lines (see below).
    file: PathBuf,
    /// The run's journal (created if missing). Rerun with the same journal to resume.
    /// Required unless --mock or --dry-run.
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    /// Validate every row and stop: nothing is sent.
    #[arg(long)]
    dry_run: bool,
    /// Place the valid rows even when some are invalid (by default nothing is sent then).
    #[arg(long)]
    skip_invalid: bool,
    /// Orders in flight at once (the client paces them under DigiCert's rate limits).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// Write a JSON report of every row to this file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    #[command(flatten)]
    connection: Connection,
}

/// A valid row, ready to send.
struct Ready {
    line: usize,
    product: ClientCertificateId,
    request: OrderClientCertificateRequest,
    alternative_order_id: String,
}

/// What became of a row.
#[derive(Debug, Clone)]
enum Outcome {
    Placed {
        order_id: i64,
        certificate_id: Option<i64>,
        status: Option<String>,
    },
    /// An order with the row's alternative id exists (a duplicate was refused).
    Exists,
    /// Done by an earlier run, per the journal.
    DoneEarlier,
    /// Valid, and not sent (`--dry-run`, or other rows are invalid).
    Valid,
    Invalid(Vec<Violation>),
    Rejected(String),
    Failed(String),
    Unknown(String),
    /// Unknown in an earlier run, and not sent again (no --unique-alternative-order-ids).
    NotResent,
}

impl Outcome {
    fn name(&self) -> &'static str {
        match self {
            Outcome::Placed { .. } => "placed",
            Outcome::Exists => "exists",
            Outcome::DoneEarlier => "done_earlier",
            Outcome::Valid => "valid",
            Outcome::Invalid(_) => "invalid",
            Outcome::Rejected(_) => "rejected",
            Outcome::Failed(_) => "failed",
            Outcome::Unknown(_) | Outcome::NotResent => "unknown",
        }
    }

    fn from_result(result: &Result<PlacedOrder, Error>) -> Outcome {
        match result {
            Ok(placed) => match &placed.response {
                Some(r) => Outcome::Placed {
                    order_id: r.id,
                    certificate_id: r.certificate_id,
                    status: r.requests.first().map(|q| q.status.to_string()),
                },
                None => Outcome::Exists,
            },
            Err(Error::DuplicateOrder { .. }) => Outcome::Exists,
            Err(Error::InvalidOrder(invalid)) => Outcome::Invalid(invalid.violations.clone()),
            Err(e @ Error::Api { .. }) => Outcome::Rejected(e.to_string()),
            Err(
                e @ (Error::NotSent { .. }
                | Error::RateLimited { .. }
                | Error::Unavailable { .. }
                | Error::UnexpectedResponse { .. }
                | Error::Config(_)),
            ) => Outcome::Failed(e.to_string()),
            // OutcomeUnknown, and whatever a later client adds: assume it may exist.
            Err(e) => Outcome::Unknown(e.to_string()),
        }
    }

    /// The journal line recording this outcome, if it is one.
    fn entry(&self, id: &str) -> Option<Entry> {
        let alternative_order_id = id.to_string();
        Some(match self {
            Outcome::Placed {
                order_id,
                certificate_id,
                ..
            } => Entry::Placed {
                alternative_order_id,
                order_id: *order_id,
                certificate_id: *certificate_id,
            },
            Outcome::Exists => Entry::Exists {
                alternative_order_id,
            },
            Outcome::Rejected(reason) => Entry::Rejected {
                alternative_order_id,
                reason: reason.clone(),
            },
            Outcome::Failed(reason) => Entry::Failed {
                alternative_order_id,
                reason: reason.clone(),
            },
            Outcome::Unknown(reason) => Entry::Unknown {
                alternative_order_id,
                reason: reason.clone(),
            },
            Outcome::DoneEarlier | Outcome::Valid | Outcome::Invalid(_) | Outcome::NotResent => {
                return None;
            }
        })
    }

    fn json(&self) -> Value {
        let mut v = json!({ "outcome": self.name() });
        match self {
            Outcome::Placed {
                order_id,
                certificate_id,
                status,
            } => {
                v["order_id"] = json!(order_id);
                v["certificate_id"] = json!(certificate_id);
                v["status"] = json!(status);
            }
            Outcome::Invalid(violations) => v["violations"] = json!(violations),
            Outcome::Rejected(reason) | Outcome::Failed(reason) | Outcome::Unknown(reason) => {
                v["reason"] = json!(reason)
            }
            Outcome::NotResent => {
                v["reason"] = json!(
                    "unknown in an earlier run; not sent again without --unique-alternative-order-ids"
                )
            }
            Outcome::Exists | Outcome::DoneEarlier | Outcome::Valid => {}
        }
        v
    }

    fn describe(&self) -> String {
        match self {
            Outcome::Placed {
                order_id,
                certificate_id,
                status,
            } => {
                let status = status.as_deref().unwrap_or("no status");
                match certificate_id {
                    Some(c) => format!("placed: order {order_id} ({status}), certificate {c}"),
                    None => format!("placed: order {order_id} ({status})"),
                }
            }
            Outcome::Exists => "exists: an order with this alternative id was placed before".into(),
            Outcome::DoneEarlier => "done in an earlier run".into(),
            Outcome::Valid => "valid, not sent".into(),
            Outcome::Invalid(v) => format!("invalid: {} rule(s) broken", v.len()),
            Outcome::Rejected(r) => format!("rejected, nothing was created: {r}"),
            Outcome::Failed(r) => format!("failed, nothing was created: {r}"),
            Outcome::Unknown(r) => format!("UNKNOWN, the order may exist: {r}"),
            Outcome::NotResent => {
                "UNKNOWN since an earlier run, not sent again: look it up in CertCentral".into()
            }
        }
    }
}

/// The JSON of one order's result (for `order --format json`).
pub fn outcome_json(result: &Result<PlacedOrder, Error>) -> Value {
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

/// The exit code of one order's result.
pub fn exit_code_of(result: &Result<PlacedOrder, Error>) -> u8 {
    exit_code([Outcome::from_result(result)].iter())
}

fn exit_code<'a>(outcomes: impl Iterator<Item = &'a Outcome>) -> u8 {
    let mut code = 0;
    for o in outcomes {
        match o {
            Outcome::Unknown(_) | Outcome::NotResent => return 3,
            Outcome::Invalid(_) | Outcome::Rejected(_) | Outcome::Failed(_) => code = 1,
            _ => {}
        }
    }
    code
}

/// A row's result, for the summary and the report.
struct Done {
    line: usize,
    product: String,
    alternative_order_id: String,
    outcome: Outcome,
}

pub async fn run(args: &Bulk) -> Exit {
    if let Err(e) = args.connection.check() {
        return Exit::Usage(e);
    }
    if args.journal.is_none() && !args.dry_run && !args.connection.is_mock() {
        return Exit::Usage(
            "--journal FILE is required for real orders: it is what makes a rerun safe".into(),
        );
    }
    let file = args.file.display().to_string();
    let rows = match input::read(&args.file).and_then(|text| input::rows(&text)) {
        Ok(rows) => rows,
        Err(e) => return Exit::Usage(format!("{file}: {e}")),
    };
    let total = rows.len();

    // Every row is validated before anything is sent.
    let mut done = Vec::new();
    let mut ready = Vec::new();
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    for row in rows {
        match check(row, &mut first_line_of) {
            Ok(r) => ready.push(r),
            Err((row, violations)) => {
                print_violations(&file, row.line, "", &violations);
                done.push(Done {
                    line: row.line,
                    alternative_order_id: row.alternative_order_id().to_string(),
                    product: row.product,
                    outcome: Outcome::Invalid(violations),
                });
            }
        }
    }
    let invalid = done.len();
    if args.dry_run || (invalid > 0 && !args.skip_invalid) {
        let verdict = if args.dry_run {
            "nothing was sent (--dry-run)"
        } else {
            "nothing was sent: fix the rows above, or pass --skip-invalid to place the valid ones"
        };
        println!(
            "{file}: {total} row(s): {} valid, {invalid} invalid; {verdict}",
            total - invalid
        );
        done.extend(ready.into_iter().map(|r| Done {
            line: r.line,
            product: r.product.to_string(),
            alternative_order_id: r.alternative_order_id,
            outcome: Outcome::Valid,
        }));
        return finish(args, &file, None, done);
    }

    // What the journal says of each row.
    let (journal, last) = match &args.journal {
        Some(path) => match Journal::open(path) {
            Ok((j, last)) => (Some(j), last),
            Err(e) => return Exit::Usage(e),
        },
        None => {
            eprintln!("certcentral: no --journal: this run cannot be resumed");
            (None, HashMap::new())
        }
    };
    let unique = args.connection.unique_alternative_order_ids;
    let mut to_send = Vec::new();
    for r in ready {
        let earlier = last.get(&r.alternative_order_id);
        let skip = match earlier {
            Some(Entry::Placed { .. } | Entry::Exists { .. }) => Some(Outcome::DoneEarlier),
            Some(Entry::Sending { .. } | Entry::Unknown { .. }) if !unique => {
                Some(Outcome::NotResent)
            }
            _ => None,
        };
        match skip {
            Some(outcome) => done.push(Done {
                line: r.line,
                product: r.product.to_string(),
                alternative_order_id: r.alternative_order_id,
                outcome,
            }),
            None => to_send.push(r),
        }
    }

    let connected = match args.connection.connect().await {
        Ok(c) => c,
        Err(e) => return Exit::Usage(e),
    };
    let progress = Progress::new(to_send.len() as u64);
    let journal_broken = AtomicBool::new(false);
    let client = &connected.client;
    let (journal, progress_ref, broken) = (journal.as_ref(), &progress, &journal_broken);
    let sent: Vec<Done> = futures_util::stream::iter(to_send)
        .map(|r| async move {
            let outcome = place(client, journal, broken, &r).await;
            progress_ref.finished(&file_line(&r), &outcome);
            Done {
                line: r.line,
                product: r.product.to_string(),
                alternative_order_id: r.alternative_order_id,
                outcome,
            }
        })
        .buffer_unordered(usize::from(args.concurrency))
        .collect()
        .await;
    progress.bar.finish_and_clear();
    done.extend(sent);
    finish(args, &file, Some(&connected.name), done)
}

fn file_line(r: &Ready) -> String {
    format!("line {} ({})", r.line, r.alternative_order_id)
}

/// Validates a row and builds its request; a duplicate of an earlier row is invalid (it would
/// be the same order).
fn check(
    row: Row,
    first_line_of: &mut HashMap<String, usize>,
) -> Result<Ready, (Row, Vec<Violation>)> {
    if !row.problems.is_empty() {
        let problems = row.problems.clone();
        return Err((row, problems));
    }
    let mut violations = match certcentral::validate_json(&row.product, &row.body) {
        Ok(_) => Vec::new(),
        Err(invalid) => invalid.violations,
    };
    let id = row.alternative_order_id().to_string();
    if let Some(first) = first_line_of.get(&id) {
        violations.push(Violation::new(
            "bulk.duplicate_row",
            "alternative_order_id",
            format!(
                "this row is the same order as line {first} (same alternative order id, or same \
                 product and parameters): remove it, or give each row its own alternative_order_id"
            ),
        ));
    } else {
        first_line_of.insert(id.clone(), row.line);
    }
    if !violations.is_empty() {
        return Err((row, violations));
    }
    match (
        row.product.parse::<ClientCertificateId>(),
        serde_json::from_value::<OrderClientCertificateRequest>(row.body.clone()),
    ) {
        (Ok(product), Ok(request)) => Ok(Ready {
            line: row.line,
            product,
            request,
            alternative_order_id: id,
        }),
        _ => Err((
            row,
            vec![Violation::new(
                "schema.type",
                "(body)",
                "the order does not fit the request type",
            )],
        )),
    }
}

/// Journals, sends and journals one row.
async fn place(
    client: &certcentral::Client,
    journal: Option<&Journal>,
    broken: &AtomicBool,
    r: &Ready,
) -> Outcome {
    if broken.load(Ordering::SeqCst) {
        return Outcome::Failed("not sent: the journal cannot be written".into());
    }
    if let Some(journal) = journal {
        let sending = Entry::Sending {
            alternative_order_id: r.alternative_order_id.clone(),
            line: r.line,
            product: r.product.to_string(),
        };
        if let Err(e) = journal.append(&sending) {
            broken.store(true, Ordering::SeqCst);
            return Outcome::Failed(format!("not sent: the journal cannot be written: {e}"));
        }
    }
    let outcome = Outcome::from_result(&client.order(r.product, &r.request).await);
    if let (Some(journal), Some(entry)) = (journal, outcome.entry(&r.alternative_order_id))
        && let Err(e) = journal.append(&entry)
    {
        // The row stays `sending` in the journal: a rerun treats it as unknown, which is safe.
        broken.store(true, Ordering::SeqCst);
        eprintln!("certcentral: the journal cannot be written ({e}); no further order is sent");
    }
    outcome
}

/// The progress bar on a terminal; plain lines otherwise.
struct Progress {
    bar: ProgressBar,
    plain: bool,
    counts: Mutex<[u64; 3]>,
}

impl Progress {
    fn new(len: u64) -> Progress {
        let plain = !std::io::stdout().is_terminal();
        let bar = if plain {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stdout());
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg} · ETA {eta}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        };
        Progress {
            bar,
            plain,
            counts: Mutex::new([0; 3]),
        }
    }

    fn finished(&self, what: &str, outcome: &Outcome) {
        let message = {
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            let slot = match outcome {
                Outcome::Placed { .. } | Outcome::Exists | Outcome::DoneEarlier => 0,
                Outcome::Unknown(_) | Outcome::NotResent => 2,
                _ => 1,
            };
            counts[slot] += 1;
            format!(
                "done {} · failed {} · unknown {} · {:.1}/s",
                counts[0],
                counts[1],
                counts[2],
                self.bar.per_sec()
            )
        };
        let line = format!("{what}: {}", outcome.describe());
        if self.plain {
            println!("{line}");
        } else {
            if !matches!(outcome, Outcome::Placed { .. } | Outcome::Exists) {
                self.bar.println(line);
            }
            self.bar.inc(1);
            self.bar.set_message(message);
        }
    }
}

/// The summary (when orders were sent to `target`), the report, the exit code.
fn finish(args: &Bulk, file: &str, target: Option<&str>, mut done: Vec<Done>) -> Exit {
    done.sort_by_key(|d| d.line);
    let mut totals: Vec<(&str, usize)> = [
        "valid",
        "placed",
        "exists",
        "done_earlier",
        "invalid",
        "rejected",
        "failed",
        "unknown",
    ]
    .into_iter()
    .map(|n| (n, 0))
    .collect();
    for d in &done {
        if let Some(t) = totals.iter_mut().find(|(n, _)| *n == d.outcome.name()) {
            t.1 += 1;
        }
    }
    if let Some(target) = target {
        summary(file, target, &totals, &done);
    }
    if let Some(path) = &args.report {
        let rows: Vec<Value> = done
            .iter()
            .map(|d| {
                let mut v = d.outcome.json();
                v["line"] = json!(d.line);
                v["product"] = json!(d.product);
                v["alternative_order_id"] = json!(d.alternative_order_id);
                v
            })
            .collect();
        let totals: serde_json::Map<String, Value> = totals
            .iter()
            .map(|(n, c)| (n.to_string(), json!(c)))
            .collect();
        let report = json!({
            "file": file,
            "target": target,
            "dry_run": args.dry_run,
            "totals": totals,
            "rows": rows,
        });
        let text = serde_json::to_string_pretty(&report).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text + "\n") {
            eprintln!(
                "certcentral: cannot write the report {}: {e}",
                path.display()
            );
            return Exit::Code(1.max(exit_code(done.iter().map(|d| &d.outcome))));
        }
    }
    Exit::Code(exit_code(done.iter().map(|d| &d.outcome)))
}

fn summary(file: &str, target: &str, totals: &[(&str, usize)], done: &[Done]) {
    let counts: Vec<String> = totals
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{n} {}", name.replace('_', " ")))
        .collect();
    println!(
        "{file} → {target}: {} row(s): {}",
        done.len(),
        if counts.is_empty() {
            "none".to_string()
        } else {
            counts.join(", ")
        }
    );
    for (heading, wanted) in [
        (
            "rejected or failed (nothing was created; rerun to try again):",
            &["rejected", "failed"][..],
        ),
        (
            "UNKNOWN (the order may exist: look it up in CertCentral by its alternative order id; \
             rerun with --unique-alternative-order-ids if your account enforces unique ids):",
            &["unknown"][..],
        ),
    ] {
        let rows: Vec<&Done> = done
            .iter()
            .filter(|d| wanted.contains(&d.outcome.name()))
            .collect();
        if rows.is_empty() {
            continue;
        }
        println!("{heading}");
        for d in rows {
            println!(
                "  line {}: {} ({}): {}",
                d.line,
                d.alternative_order_id,
                d.product,
                d.outcome.describe()
            );
        }
    }
}
