//! `certcentral bulk`: many orders from a file. Everything is checked before the first order
//! (the report path, every header and row, the key and target, the account's ledger and its
//! lock, and CertCentral's orders for the rows' mailboxes); then the orders are paced,
//! recorded in the ledger, and never placed twice: the same certificate is the same product for
//! a mailbox, whatever file, copy, edit or machine it comes from.

mod report;
mod send;

use crate::identity::Identity;
use crate::input::{self, Encoding, Row, sheet};
use crate::ledger::{Entry, Ledger, LedgerError};
use crate::outcome::{EXIT_BUSY, Kind, Outcome};
use crate::output::{Exit, Format};
use crate::plan::{self, Candidate, Decision};
use crate::target::Connection;
use certcentral::Violation;
use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
use clap::Args;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

pub const HELP: &str = "\
The same certificate is the same product for a mailbox (addresses compared without case or \
surrounding spaces): a row whose mailbox already has a pending or valid order for its product \
(placed by any run, on any machine, or in CertCentral's web UI) is not sent, and the summary \
says which order, since when, and what differs; --again sends it anyway (a new order, billed). \
A certificate that expires within --renew-within is renewed (renewal_of_order_id) instead. \
Before anything is sent, CertCentral is asked for the rows' orders (a query per mailbox, or the \
product's list a page of 1,000 at a time, whichever costs fewer calls; --dry-run shows the plan \
and what asking cost).

What the command placed is recorded in the account's ledger (one per target and key, in the \
user's state directory; --ledger FILE to choose), locked by the operating system for the whole \
run: a second run on the same account stops at once, saying which process holds it. An order \
whose answer was lost is looked up by its alternative id (at once, again before the run ends, \
and on the next run); one still not found is not sent again until `certcentral resolve` \
records what CertCentral has. Ctrl-C stops sending new rows, waits for the orders in flight, \
writes the summary and the report, and exits 130; a second Ctrl-C exits at once (the ledger \
stays safe).

CSV: a `product` column, and columns named by dotted parameter paths (certificate.emails, \
certificate.individual.first_name, organization.id, ...; `certcentral template --product P` \
writes one); list values separated by `;`; an empty cell leaves the parameter out; rows with \
every cell empty, and rows whose first cell starts with `#`, are skipped. Headers that differ \
only in case or spaces are matched (with a note); map others with --map \
'E-Mail=certificate.emails' or leave them out with --ignore-column NAME. UTF-8, UTF-16 (with a \
byte-order mark) and Windows-1252 are read (--encoding), `,` `;` or tab separated \
(--delimiter). Workbooks (.xlsx, .xls, .ods): the first sheet, or --sheet NAME, cells as they \
show. JSON Lines: {\"product\": ..., \"order\": {...}} per line.

Exit codes: 0 every row done; 1 invalid, rejected or failed rows (nothing was created for \
them); 2 usage (nothing was sent); 3 a row's outcome is unknown; 4 another run holds the \
ledger (nothing was sent); 130 interrupted.";

/// `certcentral bulk`'s arguments.
#[derive(Debug, Args)]
pub struct Bulk {
    /// The orders: CSV, a workbook (.xlsx, .xls, .ods) or JSON Lines (see below).
    file: PathBuf,
    /// The workbook's sheet to read (default: the first).
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,
    /// Check every row, and (with a target) ask CertCentral and show the plan: nothing is
    /// sent.
    #[arg(long)]
    dry_run: bool,
    /// Place the valid rows even when some are invalid (by default nothing is sent then).
    #[arg(long)]
    skip_invalid: bool,
    #[command(flatten)]
    pub choices: crate::plan::Choices,
    /// Make a new key pair for each order in this folder (the key readable by you alone, on
    /// disk before the order is sent), and send a CSR for it: `certcentral follow --pkcs12`
    /// then bundles each key with its certificate. A rerun reuses the key of an order it sends
    /// again.
    #[arg(long, value_name = "DIR")]
    pub generate_keys: Option<PathBuf>,
    /// The kind of key `--generate-keys` makes.
    #[arg(long, value_enum, default_value_t, requires = "generate_keys")]
    pub key_type: crate::keys::KeyType,
    /// Orders in flight at once (the client paces them under DigiCert's rate limits).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// Write a JSON report of every row to this file (checked before anything is sent).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// `json`: one JSON event per row on stdout, the summary last.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// The file's encoding (CSV and JSON Lines).
    #[arg(long, value_enum, default_value_t)]
    encoding: Encoding,
    /// The CSV delimiter (default: sniffed from the header: `,`, `;` or tab).
    #[arg(long, value_parser = delimiter)]
    delimiter: Option<u8>,
    /// Leave this column out (repeatable).
    #[arg(long, value_name = "NAME")]
    ignore_column: Vec<String>,
    /// Read the column HEADER as the parameter PARAM (repeatable), e.g.
    /// 'E-Mail=certificate.emails'.
    #[arg(long, value_name = "HEADER=PARAM", value_parser = mapping)]
    map: Vec<(String, String)>,
    #[command(flatten)]
    connection: Connection,
}

fn delimiter(text: &str) -> Result<u8, String> {
    match text {
        "\\t" | "tab" => Ok(b'\t'),
        t if t.len() == 1 && t.is_ascii() => Ok(t.as_bytes()[0]),
        _ => Err("one ASCII character, or `tab`".into()),
    }
}

fn mapping(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
            Ok((from.trim().to_string(), to.trim().to_string()))
        }
        _ => Err("HEADER=PARAM, e.g. 'E-Mail=certificate.emails'".into()),
    }
}

/// A row as the summary and the report name it.
#[derive(Debug, Clone)]
pub struct RowInfo {
    pub line: usize,
    pub product: String,
    /// Its alternative order id, once one is chosen (its own, or one made when it is sent).
    pub alternative_order_id: String,
    /// The row's emails and common name, to recognise it.
    pub emails: Vec<String>,
    pub common_name: Option<String>,
    /// The order it renews, if it does.
    pub renewal_of: Option<i64>,
    /// The private key made for it (`--generate-keys`).
    pub key: Option<PathBuf>,
}

impl RowInfo {
    fn of(row: &Row) -> RowInfo {
        let certificate = &row.body["certificate"];
        RowInfo {
            line: row.line,
            product: row.product.clone(),
            alternative_order_id: row.body["alternative_order_id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            emails: certificate["emails"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            common_name: certificate["common_name"].as_str().map(str::to_string),
            renewal_of: None,
            key: None,
        }
    }
}

/// A valid row, ready to send.
pub struct Ready {
    pub info: RowInfo,
    pub identity: Identity,
    pub product: ClientCertificateId,
    pub request: OrderClientCertificateRequest,
    /// Its body as written (to say what differs from an earlier order).
    pub body: Value,
}

/// A row's result, for the summary and the report.
pub struct Done {
    pub info: RowInfo,
    pub outcome: Outcome,
}

/// `certcentral bulk`: check, ask CertCentral, send, find the unknown, report. One sequence, on
/// purpose: each step ends the run with its own exit, and the ledger's lock is held from the
/// plan to the report.
pub async fn run(args: &Bulk) -> Exit {
    // Everything that can be checked is checked before the first order.
    let sheet = match check_arguments(args).and_then(|()| read(args)) {
        Ok(sheet) => sheet,
        Err(e) => return Exit::Usage(e),
    };
    let file = args.file.display().to_string();
    let (mut done, ready) = check_rows(sheet.rows, args.format, &file);
    let invalid = done.len();
    let run = report::Run {
        args,
        file: &file,
        empty_rows: sheet.empty_rows,
        ledger: None,
        calls: None,
    };
    let ask = args.connection.has_target() && (invalid == 0 || args.skip_invalid || args.dry_run);
    if !ask {
        if args.format == Format::Human {
            let verdict = if args.dry_run {
                "nothing was sent (--dry-run; name a target to see what CertCentral has)"
            } else {
                "nothing was sent: fix the rows above, or pass --skip-invalid to place the valid ones"
            };
            say!(
                "{file}: {} row(s): {} valid, {invalid} invalid; {verdict}",
                ready.len() + invalid,
                ready.len()
            );
        }
        done.extend(ready.into_iter().map(|r| Done {
            info: r.info,
            outcome: Outcome::Valid,
        }));
        return run.finish(None, done);
    }
    let connected = match args.connection.connect().await {
        Ok(c) => c,
        Err(e) => return Exit::Usage(e),
    };
    let command = format!("bulk {file}");
    let mut locked = match open_ledger(connected.ledger.as_deref(), &command, &connected.name) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let candidates: Vec<Candidate> = ready
        .iter()
        .map(|r| Candidate {
            identity: r.identity.clone(),
            body: r.body.clone(),
            own_id: r.body["alternative_order_id"].as_str().map(str::to_string),
        })
        .collect();
    let options = args
        .choices
        .options(args.connection.unique_alternative_order_ids);
    let ledger_ref = locked.as_mut().map(|(l, h)| (&*l, h));
    let plan = match plan::decide(&connected.client, ledger_ref, &candidates, &options).await {
        Ok(plan) => plan,
        Err(e) => return Exit::Usage(e),
    };
    let ledger = locked.as_ref().map(|(l, _)| l);
    let run = report::Run {
        ledger: ledger.map(Ledger::path),
        calls: Some(plan.calls),
        ..run
    };
    let known = plan.known;
    let to_send = apply(plan.decisions, ready, args.dry_run, &mut done);
    if args.dry_run {
        return run.finish(Some(&connected.name), done);
    }
    if args.choices.again {
        again_costs(&to_send, &known);
    }
    let mut sent = send::send_all(&connected.client, ledger, args, to_send).await;
    find_unknown(
        &connected.client,
        ledger,
        &mut sent,
        args.connection.unique_alternative_order_ids,
    )
    .await;
    done.extend(sent);
    run.finish(Some(&connected.name), done)
}

/// Carries out the plan's decisions: a row skipped is done with its outcome, a row to send gets
/// its alternative id (and the order it renews); with `dry_run` it is done as "to send" (or
/// "to renew"). The rows to send.
fn apply(
    decisions: Vec<Decision>,
    ready: Vec<Ready>,
    dry_run: bool,
    done: &mut Vec<Done>,
) -> Vec<Ready> {
    let mut to_send = Vec::new();
    for (mut r, decision) in ready.into_iter().zip(decisions) {
        match decision {
            Decision::Skip(outcome) => done.push(Done {
                info: r.info,
                outcome,
            }),
            Decision::Send {
                alternative_order_id,
                renewal_of,
            } => {
                r.info.alternative_order_id = alternative_order_id.clone();
                r.info.renewal_of = renewal_of;
                r.request.alternative_order_id = Some(alternative_order_id);
                r.request.renewal_of_order_id = renewal_of;
                if dry_run {
                    let outcome =
                        renewal_of.map_or(Outcome::Valid, |order_id| Outcome::Renews { order_id });
                    done.push(Done {
                        info: r.info,
                        outcome,
                    });
                } else {
                    to_send.push(r);
                }
            }
        }
    }
    to_send
}

/// The arguments that can be checked before the file is read: the key's source, the report's
/// folder, the keys' folder (made, readable by its owner only).
fn check_arguments(args: &Bulk) -> Result<(), String> {
    args.connection.check()?;
    if let Some(path) = &args.report {
        report::check_writable(path)?;
    }
    if let Some(dir) = &args.generate_keys
        && !args.dry_run
    {
        crate::keys::prepare_dir(dir).map_err(|e| format!("--generate-keys: {e}"))?;
    }
    Ok(())
}

/// The file's rows, with notes for the user on stderr.
fn read(args: &Bulk) -> Result<input::Sheet, String> {
    let options = sheet::Options {
        ignore: args.ignore_column.clone(),
        map: args.map.clone(),
        delimiter: args.delimiter,
        sheet: args.sheet.clone(),
        encoding: args.encoding,
    };
    let file = args.file.display().to_string();
    let sheet = input::rows(&args.file, &options).map_err(|e| format!("{file}: {e}"))?;
    for n in &sheet.notes {
        tell!("certcentral: note: {n}");
    }
    Ok(sheet)
}

/// The account's ledger, locked, with a `run` line; none without a ledger (`--mock`).
pub fn open_ledger(
    path: Option<&std::path::Path>,
    command: &str,
    target: &str,
) -> Result<Option<(Ledger, crate::ledger::History)>, Exit> {
    let Some(path) = path else {
        tell!(
            "certcentral: --mock: no ledger (the embedded mock forgets its orders at exit); pass --ledger to keep one"
        );
        return Ok(None);
    };
    let (ledger, history) = Ledger::lock(path).map_err(|e| match e {
        LedgerError::Busy(m) => {
            tell!("certcentral: {m}");
            Exit::Code(EXIT_BUSY)
        }
        LedgerError::Unusable(m) => Exit::Usage(m),
    })?;
    if let Some(other) = history.targets.iter().find(|t| *t != target) {
        return Err(Exit::Usage(format!(
            "the ledger {} records orders placed at {other}, and this run orders at {target}: \
             use another ledger (--ledger FILE)",
            path.display()
        )));
    }
    ledger
        .start_run(command.to_string(), Some(target.to_string()))
        .map_err(|e| Exit::Usage(format!("cannot write the ledger {}: {e}", path.display())))?;
    Ok(Some((ledger, history)))
}

/// `--again` says what it will cost before anything is sent: how many orders go to mailboxes
/// that already have a pending or valid one, by product.
fn again_costs(to_send: &[Ready], known: &crate::precheck::Known) {
    let today = crate::dates::today();
    let mut extra: HashMap<&str, usize> = HashMap::new();
    for r in to_send {
        let covered = !matches!(
            known.standing(&r.identity, &today, &today),
            crate::precheck::Standing::Free
        );
        if covered {
            *extra.entry(r.info.product.as_str()).or_default() += 1;
        }
    }
    if extra.is_empty() {
        return;
    }
    let mut list: Vec<String> = extra.iter().map(|(p, n)| format!("{n} × {p}")).collect();
    list.sort();
    tell!(
        "certcentral: --again: {} order(s) for mailboxes that already have a pending or valid \
         certificate will be placed and billed as new orders ({})",
        extra.values().sum::<usize>(),
        list.join(", ")
    );
}

/// The rows whose outcome is still unknown once every row was sent, looked up once more by
/// their alternative ids (a late order shows by now): a row found is recorded as placed.
async fn find_unknown(
    client: &certcentral::Client,
    ledger: Option<&Ledger>,
    sent: &mut [Done],
    unique_ids: bool,
) {
    let at = crate::ledger::now();
    for d in sent
        .iter_mut()
        .filter(|d| matches!(d.outcome, Outcome::Unknown(_)))
    {
        let id = &d.info.alternative_order_id;
        match plan::lookup(client, id, &at).await.0 {
            Ok(Some(entry @ Entry::Placed { .. })) => {
                if let Some(ledger) = ledger
                    && let Err(e) = ledger.append(&entry)
                {
                    tell!("certcentral: the ledger cannot be written: {e}");
                    continue;
                }
                if let Entry::Placed {
                    order_id,
                    certificate_id,
                    request_id,
                    ..
                } = entry
                {
                    d.outcome = Outcome::Found(crate::outcome::Order {
                        order_id,
                        request_id,
                        certificate_id,
                        status: None,
                    });
                }
            }
            Err(certcentral::Error::SeveralOrders { order_ids, .. }) => {
                plan::warn_several(id, &order_ids, unique_ids);
            }
            _ => {}
        }
    }
}

/// Validates every row and builds its request; a row that orders the same certificate as an
/// earlier row (a mailbox in common, same product) is invalid, and one that orders a mailbox of
/// an earlier row for another product is noted. Returns the invalid rows as done, and the rest.
fn check_rows(rows: Vec<Row>, format: Format, file: &str) -> (Vec<Done>, Vec<Ready>) {
    let mut done = Vec::new();
    let mut ready = Vec::new();
    let mut first: HashMap<(String, String), (usize, String)> = HashMap::new();
    let mut noted: HashMap<String, usize> = HashMap::new();
    let mut printed = crate::output::Repeats::default();
    for row in rows {
        let info = RowInfo::of(&row);
        let identity = Identity::of(&row.product, &row.body);
        let mut violations = row.problems.clone();
        let parsed = if violations.is_empty() {
            certcentral::parse_order(&row.product, row.body.clone())
                .map_err(|invalid| violations.extend(invalid.violations))
                .ok()
        } else {
            None
        };
        for email in &info.emails {
            let mailbox = crate::identity::mailbox(email);
            let key = (identity.product.clone(), mailbox.clone());
            match first.get(&key) {
                Some((line, spelt)) => {
                    let spelling = if spelt == email {
                        String::new()
                    } else {
                        format!(", spelt `{spelt}` there")
                    };
                    violations.push(Violation::new(
                        "bulk.duplicate_row",
                        "certificate.emails",
                        format!(
                            "{email} is already ordered for {} by line {line}{spelling}: one \
                             certificate per mailbox and product; remove one of the rows",
                            identity.product
                        ),
                    ));
                }
                None => {
                    first.insert(key, (info.line, email.clone()));
                }
            }
            if let Some(line) = noted.get(&mailbox)
                && first
                    .get(&(identity.product.clone(), mailbox.clone()))
                    .map(|f| f.0)
                    == Some(info.line)
            {
                tell!(
                    "certcentral: note: {file}:{}: {email} is also ordered by line {line} for another product",
                    info.line
                );
            }
            noted.entry(mailbox).or_insert(info.line);
        }
        match parsed {
            Some(parsed) if violations.is_empty() => ready.push(Ready {
                info,
                identity,
                product: parsed.product,
                request: parsed.request,
                body: row.body,
            }),
            _ => {
                if format == Format::Human {
                    printed.print(file, info.line, &info.emails, &violations);
                }
                done.push(Done {
                    info,
                    outcome: Outcome::Invalid(violations),
                });
            }
        }
    }
    printed.finish();
    (done, ready)
}

/// The totals of a dry run's plan, by product: to send, ordered earlier, to renew, invalid.
pub fn plan_by_product(done: &[Done]) -> Vec<(String, [usize; 4])> {
    let mut by: std::collections::BTreeMap<String, [usize; 4]> = Default::default();
    for d in done {
        let slot = match d.outcome.kind() {
            Kind::Valid => 0,
            Kind::OrderedEarlier | Kind::NotResent | Kind::Exists => 1,
            Kind::Renews => 2,
            Kind::Invalid => 3,
            _ => continue,
        };
        let product = if d.info.product.is_empty() {
            "(no product)".to_string()
        } else {
            d.info.product.clone()
        };
        by.entry(product).or_default()[slot] += 1;
    }
    by.into_iter().collect()
}
