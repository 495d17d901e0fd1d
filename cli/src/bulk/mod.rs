//! `certcentral bulk`: many orders from a file. Everything is checked before the first order
//! (the report path, the key and target, the journal and its lock, every header, every row);
//! then the orders are paced, journaled, and never placed twice, even when two runs overlap
//! (one run per journal, one journal per input) or the run is interrupted.

mod journals;
mod report;
mod send;

use crate::input::{self, Encoding, Row, sheet};
use crate::outcome::{self, Outcome};
use crate::output::{Exit, Format, print_violations};
use crate::target::Connection;
use certcentral::Violation;
use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
use clap::Args;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

pub const HELP: &str = "\
Every row gets a stable alternative order id (its own `alternative_order_id`, or one derived \
from its product and parameters, normalised: email case, surrounding spaces and list order do \
not make another order), written to the journal before its order is sent; the outcome is \
written after. A rerun skips the rows that are done. A row whose outcome is unknown (the run \
was killed, or no answer came) may exist: it is sent again only with \
--unique-alternative-order-ids (a duplicate then means it exists), or after `certcentral \
resolve` records what you found in CertCentral.

One run per journal: the journal is locked by the operating system for the whole run (the lock \
dies with the process), and a second run on it stops at once, saying which process holds it. \
The journal of FILE is FILE.journal beside it unless --journal says otherwise; a --journal \
other than an existing FILE.journal needs --allow-other-journal. Ctrl-C stops sending new rows, \
waits for the orders in flight, writes the summary and the report, and exits 130; a second \
Ctrl-C exits at once (the journal stays safe).

CSV: a `product` column, and columns named by dotted parameter paths (certificate.emails, \
certificate.individual.first_name, organization.id, ...; `certcentral template --product P` \
writes one); list values separated by `;`; an empty cell leaves the parameter out; rows with \
every cell empty are skipped. Headers that differ only in case or spaces are matched (with a \
note); map others with --map 'E-Mail=certificate.emails' or leave them out with \
--ignore-column NAME. UTF-8, UTF-16 (with a byte-order mark) and Windows-1252 are read \
(--encoding), `,` `;` or tab separated (--delimiter). JSON Lines: {\"product\": ..., \
\"order\": {...}} per line.

Exit codes: 0 every row done; 1 invalid, rejected or failed rows (nothing was created for \
them); 2 usage (nothing was sent); 3 a row's outcome is unknown; 4 another run holds the \
journal (nothing was sent); 130 interrupted.";

/// `certcentral bulk`'s arguments.
#[derive(Debug, Args)]
pub struct Bulk {
    /// The orders: CSV or JSON Lines (see below).
    file: PathBuf,
    /// The run's journal (created if missing). Default: FILE.journal beside FILE (none with
    /// --mock). Rerun with the same journal to resume.
    #[arg(long, value_name = "JOURNAL")]
    journal: Option<PathBuf>,
    /// Use --journal even though FILE.journal (the input's default journal) records orders or
    /// names another journal: orders journaled only there may be placed again.
    #[arg(long, requires = "journal")]
    allow_other_journal: bool,
    /// Validate every row and stop: nothing is sent.
    #[arg(long)]
    dry_run: bool,
    /// Place the valid rows even when some are invalid (by default nothing is sent then).
    #[arg(long)]
    skip_invalid: bool,
    /// Orders in flight at once (the client paces them under DigiCert's rate limits).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// Write a JSON report of every row to this file (checked before anything is sent).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// `json`: one JSON event per row on stdout, the summary last.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// The file's encoding.
    #[arg(long, value_enum, default_value_t)]
    encoding: Encoding,
    /// The CSV delimiter (default: sniffed from the header: `,`, `;` or tab).
    #[arg(long, value_parser = delimiter)]
    delimiter: Option<u8>,
    /// Leave this CSV column out (repeatable).
    #[arg(long, value_name = "NAME")]
    ignore_column: Vec<String>,
    /// Read the CSV column HEADER as the parameter PARAM (repeatable), e.g.
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
    pub alternative_order_id: String,
    /// The row's emails and common name, to recognise it.
    pub emails: Vec<String>,
    pub common_name: Option<String>,
}

impl RowInfo {
    fn of(row: &Row) -> RowInfo {
        let certificate = &row.body["certificate"];
        RowInfo {
            line: row.line,
            product: row.product.clone(),
            alternative_order_id: row.alternative_order_id().to_string(),
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
        }
    }
}

/// A valid row, ready to send.
pub struct Ready {
    pub info: RowInfo,
    pub product: ClientCertificateId,
    pub request: OrderClientCertificateRequest,
}

/// A row's result, for the summary and the report.
pub struct Done {
    pub info: RowInfo,
    pub outcome: Outcome,
}

pub async fn run(args: &Bulk) -> Exit {
    // Everything that can be checked is checked before the first order.
    if let Err(e) = args.connection.check() {
        return Exit::Usage(e);
    }
    if let Some(path) = &args.report
        && let Err(e) = report::check_writable(path)
    {
        return Exit::Usage(e);
    }
    let file = args.file.display().to_string();
    let options = sheet::Options {
        ignore: args.ignore_column.clone(),
        map: args.map.clone(),
        delimiter: args.delimiter,
    };
    let sheet = match input::read(&args.file, args.encoding).and_then(|(text, note)| {
        let sheet = input::rows(&text, &options)?;
        Ok((sheet, note))
    }) {
        Ok((sheet, note)) => {
            for n in note.iter().chain(&sheet.notes) {
                tell!("certcentral: note: {n}");
            }
            sheet
        }
        Err(e) => return Exit::Usage(format!("{file}: {e}")),
    };
    let connected = if args.dry_run {
        None
    } else {
        match args.connection.connect().await {
            Ok(c) => Some(c),
            Err(e) => return Exit::Usage(e),
        }
    };
    let journals = match &connected {
        Some(c) => match journals::open(args, &c.name) {
            Ok(j) => Some(j),
            Err(exit) => return exit,
        },
        None => None,
    };

    // Every row is validated before anything is sent.
    let mut done = Vec::new();
    let mut ready = Vec::new();
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    for mut row in sheet.rows {
        if let Some(j) = &journals {
            row.adopt_legacy_id(&j.history);
        }
        match check(row, &mut first_line_of) {
            Checked::Ready(r) => ready.push(*r),
            Checked::Invalid(info, violations) => {
                if args.format == Format::Human {
                    print_violations(&file, info.line, "", &violations);
                }
                done.push(Done {
                    info,
                    outcome: Outcome::Invalid(violations),
                });
            }
        }
    }
    let invalid = done.len();
    let run = report::Run {
        args,
        file: &file,
        empty_rows: sheet.empty_rows,
        journal: journals.as_ref().and_then(|j| j.path()),
    };
    let (Some(connected), Some(journals), false) =
        (connected, &journals, invalid > 0 && !args.skip_invalid)
    else {
        let verdict = if args.dry_run {
            "nothing was sent (--dry-run)"
        } else {
            "nothing was sent: fix the rows above, or pass --skip-invalid to place the valid ones"
        };
        if args.format == Format::Human {
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
    };

    // What the journal says of each row.
    let unique = args.connection.unique_alternative_order_ids;
    let history = &journals.history;
    let mut to_send = Vec::new();
    for r in ready {
        match outcome::earlier(history.last.get(&r.info.alternative_order_id), unique) {
            Some(outcome) => done.push(Done {
                info: r.info,
                outcome,
            }),
            None => to_send.push(r),
        }
    }
    let sent = send::send_all(&connected.client, journals, args, to_send).await;
    done.extend(sent);
    run.finish(Some(&connected.name), done)
}

/// A row after its checks.
enum Checked {
    Ready(Box<Ready>),
    Invalid(RowInfo, Vec<Violation>),
}

/// Validates a row and builds its request; a duplicate of an earlier row is invalid (it would
/// be the same order).
fn check(row: Row, first_line_of: &mut HashMap<String, usize>) -> Checked {
    let info = RowInfo::of(&row);
    if !row.problems.is_empty() {
        return Checked::Invalid(info, row.problems);
    }
    let parsed = certcentral::parse_order(&row.product, row.body);
    let mut violations = match &parsed {
        Ok(_) => Vec::new(),
        Err(invalid) => invalid.violations.clone(),
    };
    let id = info.alternative_order_id.clone();
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
        first_line_of.insert(id, row.line);
    }
    match parsed {
        Ok(parsed) if violations.is_empty() => Checked::Ready(Box::new(Ready {
            info,
            product: parsed.product,
            request: parsed.request,
        })),
        _ => Checked::Invalid(info, violations),
    }
}
