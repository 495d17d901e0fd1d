//! The ledger: what the command did at one CertCentral account, one JSON line per event,
//! appended and synced to disk, and locked by the operating system for the whole run. One per
//! account (the target and the API key), whatever the input: copies, links and edits of a file,
//! `order` and `bulk`, all meet in it, and two runs on one account never work at once.
//!
//! An order's `sending` line (its product, its mailboxes, where it came from, when) is on disk
//! before its request leaves; its outcome line follows the answer. An order whose last line is
//! `sending` (the run was killed in between) or `unknown` may have been created, until a lookup
//! by its alternative id (or `certcentral resolve`) records what CertCentral has.
//!
//! The lock is `flock`-style (`File::try_lock`), held by the open file: it dies with the
//! process, whatever kills it, so a crash never leaves a stale lock behind (as cargo locks its
//! build directory). Each run appends a `run` line (pid, host, start, command, target) so that a
//! run that finds the ledger locked can say who holds it.

use crate::identity::Identity;
use crate::outcome::Outcome;
use certcentral::{Error, PlacedOrder};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    /// A run started: who holds the ledger, and where it orders.
    Run {
        pid: u32,
        host: String,
        started: String,
        command: String,
        /// Where its orders go (`us`, `eu`, a base URL); none for a command that sends nothing.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    /// About to send the order: what it is for, and where it came from.
    Sending {
        alternative_order_id: String,
        product: String,
        /// Its mailboxes, normalised (trimmed, lower case).
        #[serde(default)]
        mailboxes: Vec<String>,
        /// The input and line it came from (`staff.csv:12`).
        #[serde(default)]
        source: String,
        /// When it was sent (RFC 3339): a lookup by its id adopts orders from then on.
        #[serde(default)]
        at: String,
        /// The private key made for its CSR, if the command made one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<PathBuf>,
    },
    /// CertCentral created the order (`found`: its answer was lost, and it was found by its
    /// alternative id).
    Placed {
        alternative_order_id: String,
        order_id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        certificate_id: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<i64>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        found: bool,
        /// The order's status then (`needs_approval`, `pending`, …).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<String>,
    },
    /// An order with this alternative id exists already (an account with unique ids refused a
    /// duplicate).
    Exists {
        alternative_order_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order_id: Option<i64>,
    },
    /// CertCentral refused the order: nothing was created.
    Rejected {
        alternative_order_id: String,
        reason: String,
    },
    /// The order certainly was not created (not sent, rate limited, unavailable).
    Failed {
        alternative_order_id: String,
        reason: String,
    },
    /// The order was sent and no usable answer came back, and the lookup did not find it: it
    /// may exist.
    Unknown {
        alternative_order_id: String,
        reason: String,
    },
    /// What CertCentral (a lookup) or the user (`certcentral resolve`) says of an unknown
    /// order: it exists with this order id, or (`order_id` none) it was not placed and may be
    /// sent again.
    Resolved {
        alternative_order_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order_id: Option<i64>,
    },
    /// The order was canceled (`certcentral cancel`).
    Canceled { order_id: i64, note: String },
    /// The order's request was approved (`certcentral approve`).
    Approved { order_id: i64, request_id: i64 },
    /// The order's certificate was downloaded and checked (`certcentral follow`).
    Downloaded { order_id: i64, files: Vec<PathBuf> },
    /// The order's status as CertCentral said it at `at` (`certcentral status`, `follow`).
    Seen {
        order_id: i64,
        status: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        certificate_id: Option<i64>,
        /// The certificate's last day (`yyyy-MM-dd`), once issued.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        valid_till: Option<String>,
        at: String,
    },
}

impl Entry {
    /// The order this line is about, by its alternative id, if it names one.
    pub fn alternative_order_id(&self) -> Option<&str> {
        match self {
            Entry::Sending {
                alternative_order_id,
                ..
            }
            | Entry::Placed {
                alternative_order_id,
                ..
            }
            | Entry::Exists {
                alternative_order_id,
                ..
            }
            | Entry::Rejected {
                alternative_order_id,
                ..
            }
            | Entry::Failed {
                alternative_order_id,
                ..
            }
            | Entry::Unknown {
                alternative_order_id,
                ..
            }
            | Entry::Resolved {
                alternative_order_id,
                ..
            } => Some(alternative_order_id),
            Entry::Run { .. }
            | Entry::Canceled { .. }
            | Entry::Approved { .. }
            | Entry::Downloaded { .. }
            | Entry::Seen { .. } => None,
        }
    }

    /// Whether the order exists (so it must not be sent again).
    pub fn is_done(&self) -> bool {
        matches!(
            self,
            Entry::Placed { .. }
                | Entry::Exists { .. }
                | Entry::Resolved {
                    order_id: Some(_),
                    ..
                }
        )
    }

    /// Whether the order may exist and nobody has said whether it does.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Entry::Sending { .. } | Entry::Unknown { .. })
    }

    /// The order id it records, if any.
    pub fn order_id(&self) -> Option<i64> {
        match self {
            Entry::Placed { order_id, .. } => Some(*order_id),
            Entry::Exists { order_id, .. } | Entry::Resolved { order_id, .. } => *order_id,
            _ => None,
        }
    }
}

/// What the ledger knows of one order it sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub product: String,
    pub mailboxes: Vec<String>,
    pub source: String,
    pub at: String,
    pub key: Option<PathBuf>,
    /// The last line about it (its `sending` line until an outcome follows).
    pub last: Entry,
}

/// What a ledger says, as read when it was locked.
#[derive(Debug, Default)]
pub struct History {
    /// Every order sent, by alternative id.
    pub orders: HashMap<String, Sent>,
    /// The alternative ids of the orders for each product and mailbox, oldest first.
    pub by_mailbox: HashMap<(String, String), Vec<String>>,
    /// Where earlier runs ordered.
    pub targets: Vec<String>,
    /// The last `run` line.
    pub last_run: Option<Entry>,
    /// Orders canceled, approved and downloaded (by order id).
    pub canceled: HashMap<i64, String>,
    pub approved: HashMap<i64, i64>,
    pub downloaded: HashMap<i64, Vec<PathBuf>>,
    /// The last status seen of each order (by order id): a `seen` line, or its `placed` line.
    pub seen: HashMap<i64, Seen>,
}

/// An order's status as last seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub status: String,
    pub certificate_id: Option<i64>,
    pub valid_till: Option<String>,
    /// When (RFC 3339).
    pub at: String,
}

impl History {
    /// Folds one line into what the ledger says. One match over the line's kinds, on purpose:
    /// each arm is a few lines of one map's update, and apart they would only move the match.
    fn record(&mut self, entry: Entry) {
        match entry {
            Entry::Run { ref target, .. } => {
                if let Some(t) = target
                    && !self.targets.contains(t)
                {
                    self.targets.push(t.clone());
                }
                self.last_run = Some(entry);
            }
            Entry::Sending {
                ref alternative_order_id,
                ref product,
                ref mailboxes,
                ref source,
                ref at,
                ref key,
            } => {
                for m in mailboxes {
                    let ids = self
                        .by_mailbox
                        .entry((product.clone(), m.clone()))
                        .or_default();
                    if !ids.contains(alternative_order_id) {
                        ids.push(alternative_order_id.clone());
                    }
                }
                self.orders.insert(
                    alternative_order_id.clone(),
                    Sent {
                        product: product.clone(),
                        mailboxes: mailboxes.clone(),
                        source: source.clone(),
                        at: at.clone(),
                        key: key.clone(),
                        last: entry.clone(),
                    },
                );
            }
            Entry::Canceled { order_id, note } => {
                self.canceled.insert(order_id, note);
            }
            Entry::Approved {
                order_id,
                request_id,
            } => {
                self.approved.insert(order_id, request_id);
            }
            Entry::Downloaded { order_id, files } => {
                self.downloaded.insert(order_id, files);
            }
            Entry::Seen {
                order_id,
                status,
                certificate_id,
                valid_till,
                at,
            } => {
                self.seen.insert(
                    order_id,
                    Seen {
                        status,
                        certificate_id,
                        valid_till,
                        at,
                    },
                );
            }
            other => {
                if let Entry::Placed {
                    order_id,
                    certificate_id,
                    status: Some(status),
                    ..
                } = &other
                {
                    let at = self
                        .orders
                        .get(other.alternative_order_id().unwrap_or_default())
                        .map(|s| s.at.clone())
                        .unwrap_or_default();
                    self.seen.insert(
                        *order_id,
                        Seen {
                            status: status.clone(),
                            certificate_id: *certificate_id,
                            valid_till: None,
                            at,
                        },
                    );
                }
                if let Some(sent) = other
                    .alternative_order_id()
                    .and_then(|id| self.orders.get_mut(id))
                {
                    sent.last = other;
                }
            }
        }
    }

    /// The orders this ledger sent for a product and any of these mailboxes, oldest first.
    pub fn for_identity(&self, identity: &Identity) -> Vec<(&str, &Sent)> {
        let mut ids: Vec<&String> = identity
            .mailboxes
            .iter()
            .filter_map(|m| self.by_mailbox.get(&(identity.product.clone(), m.clone())))
            .flatten()
            .collect();
        ids.dedup();
        let mut found: Vec<(&str, &Sent)> = ids
            .into_iter()
            .filter_map(|id| self.orders.get(id).map(|s| (id.as_str(), s)))
            .collect();
        found.sort_by(|a, b| a.1.at.cmp(&b.1.at));
        found.dedup_by(|a, b| a.0 == b.0);
        found
    }

    /// The orders whose outcome is unknown.
    pub fn unknown(&self) -> Vec<(&str, &Sent)> {
        let mut found: Vec<(&str, &Sent)> = self
            .orders
            .iter()
            .filter(|(_, s)| s.last.is_unknown())
            .map(|(id, s)| (id.as_str(), s))
            .collect();
        found.sort_by(|a, b| a.1.at.cmp(&b.1.at));
        found
    }
}

/// Why a ledger cannot be used.
#[derive(Debug)]
pub enum LedgerError {
    /// Another process holds it: the message says which.
    Busy(String),
    /// It cannot be read, written or parsed.
    Unusable(String),
}

impl std::fmt::Display for LedgerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LedgerError::Busy(m) | LedgerError::Unusable(m) => f.write_str(m),
        }
    }
}

/// An open, locked ledger. The lock is released when it is dropped (or the process ends).
pub struct Ledger {
    path: PathBuf,
    file: Mutex<File>,
}

impl Ledger {
    /// Opens (or creates) the ledger, locks it for this process, and reads it; a line cut by a
    /// kill is dropped. Fails at once, naming the holder, when another run holds it.
    pub fn lock(path: &Path) -> Result<(Ledger, History), LedgerError> {
        let shown = path.display();
        let unusable = |what: &str, e: &dyn std::fmt::Display| {
            LedgerError::Unusable(format!("cannot {what} the ledger {shown}: {e}"))
        };
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| unusable("create the folder of", &e))?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)
            .map_err(|e| unusable("open", &e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = read_history(path)
                    .ok()
                    .and_then(|(h, _)| h.last_run)
                    .map_or_else(|| "another process".to_string(), |run| describe_run(&run));
                return Err(LedgerError::Busy(format!(
                    "the ledger {shown} is in use by {holder}: one run per account at a time; \
                     nothing was sent (wait for that run to end, then run again)"
                )));
            }
            Err(TryLockError::Error(e)) => return Err(unusable("lock", &e)),
        }
        let mut text = Vec::new();
        file.read_to_end(&mut text)
            .map_err(|e| unusable("read", &e))?;
        let (history, whole) = parse(&text).map_err(|e| {
            LedgerError::Unusable(format!(
                "the ledger {shown} is not a certcentral ledger ({e})"
            ))
        })?;
        // Bytes of whole lines: a line cut by a kill (only ever the last, without its newline)
        // is dropped from the file. That is safe: a cut `sending` line's request never left,
        // and an order whose outcome line was cut stays `sending`, that is, unknown.
        if whole < text.len() {
            file.set_len(whole as u64)
                .map_err(|e| unusable("repair", &e))?;
        }
        Ok((
            Ledger {
                path: path.to_path_buf(),
                file: Mutex::new(file),
            },
            history,
        ))
    }

    /// The ledger's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a `run` line for this process.
    pub fn start_run(&self, command: String, target: Option<String>) -> std::io::Result<()> {
        self.append(&Entry::Run {
            pid: std::process::id(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            started: now(),
            command,
            target,
        })
    }

    /// Appends an entry in one write and syncs it to disk before returning.
    pub fn append(&self, entry: &Entry) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(entry)?;
        line.push(b'\n');
        let file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        (&*file).write_all(&line)?;
        file.sync_data()
    }
}

/// Now, as RFC 3339 to the second.
pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// What [`journaled`] did.
pub enum Journaled {
    /// The `sending` line could not be written: nothing was sent.
    NotSent(std::io::Error),
    /// The order was sent: its result, the outcome recorded, and the error that kept the
    /// outcome line from the ledger, if one did (the order then stays `sending`, which a rerun
    /// treats as unknown: safe, but no further order should be sent on this ledger).
    Sent {
        result: Result<PlacedOrder, Error>,
        outcome: Outcome,
        unrecorded: Option<std::io::Error>,
    },
}

/// Sends one order as the ledger requires, for `order` and `bulk` alike: its `sending` line
/// synced to disk before the request leaves, its outcome line after the answer. Without a
/// ledger (`--mock`), it only sends.
pub async fn journaled(
    ledger: Option<&Ledger>,
    sending: Entry,
    send: impl std::future::Future<Output = Result<PlacedOrder, Error>>,
) -> Journaled {
    let id = sending
        .alternative_order_id()
        .unwrap_or_default()
        .to_string();
    if let Some(ledger) = ledger
        && let Err(e) = ledger.append(&sending)
    {
        return Journaled::NotSent(e);
    }
    let result = send.await;
    let outcome = Outcome::from_result(&result);
    let unrecorded = match (ledger, outcome.entry(&id)) {
        (Some(ledger), Some(entry)) => ledger.append(&entry).err(),
        _ => None,
    };
    Journaled::Sent {
        result,
        outcome,
        unrecorded,
    }
}

/// "pid 123 on host h since 2026-12-02T10:00:00Z (certcentral bulk staff.csv)".
fn describe_run(run: &Entry) -> String {
    match run {
        Entry::Run {
            pid,
            host,
            started,
            command,
            ..
        } => format!("pid {pid} on host {host}, running since {started} (certcentral {command})"),
        _ => "another process".into(),
    }
}

/// Reads a ledger without locking it (to name a holder, or for `--dry-run`).
pub fn read_history(path: &Path) -> Result<(History, usize), String> {
    match std::fs::read(path) {
        Ok(text) => parse(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((History::default(), 0)),
        Err(e) => Err(e.to_string()),
    }
}

/// The history of a ledger's bytes, and how many bytes are whole lines.
fn parse(text: &[u8]) -> Result<(History, usize), String> {
    let mut history = History::default();
    let mut whole = 0;
    for (n, line) in text.split_inclusive(|b| *b == b'\n').enumerate() {
        let complete = line.ends_with(b"\n");
        match serde_json::from_slice::<Entry>(line) {
            Ok(entry) => history.record(entry),
            Err(_) if line.trim_ascii().is_empty() || !complete => {}
            Err(e) => return Err(format!("line {}: {e}", n + 1)),
        }
        if complete {
            whole += line.len();
        }
    }
    Ok((history, whole))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sending(id: &str, mailbox: &str) -> Entry {
        Entry::Sending {
            alternative_order_id: id.into(),
            product: "class1_smime".into(),
            mailboxes: vec![mailbox.into()],
            source: "staff.csv:2".into(),
            at: "2026-12-06T10:00:00Z".into(),
            key: None,
        }
    }

    #[test]
    fn the_last_entry_of_each_order_wins_and_a_cut_last_line_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.jsonl");
        {
            let (ledger, history) = Ledger::lock(&path).unwrap();
            assert!(history.orders.is_empty());
            ledger.append(&sending("a", "a@example.com")).unwrap();
            ledger.append(&sending("b", "b@example.com")).unwrap();
            ledger
                .append(&Entry::Placed {
                    alternative_order_id: "a".into(),
                    order_id: 7,
                    certificate_id: None,
                    request_id: Some(8),
                    found: false,
                    status: None,
                })
                .unwrap();
        }
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"event\":\"placed\",\"altern");
        std::fs::write(&path, &text).unwrap();
        let (ledger, history) = Ledger::lock(&path).unwrap();
        assert!(history.orders["a"].last.is_done());
        assert!(history.orders["b"].last.is_unknown());
        let identity = Identity::new("class1_smime", ["A@Example.com "]);
        assert_eq!(history.for_identity(&identity)[0].0, "a");
        ledger
            .append(&Entry::Resolved {
                alternative_order_id: "b".into(),
                order_id: Some(9),
            })
            .unwrap();
        drop(ledger);
        let (_, history) = Ledger::lock(&path).unwrap();
        assert_eq!(history.orders["b"].last.order_id(), Some(9));
        std::fs::write(&path, "not a ledger\n{}\n").unwrap();
        assert!(matches!(Ledger::lock(&path), Err(LedgerError::Unusable(_))));
    }

    #[test]
    fn a_second_lock_is_refused_naming_the_holder_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.jsonl");
        let (ledger, _) = Ledger::lock(&path).unwrap();
        ledger
            .start_run("bulk staff.csv".into(), Some("us".into()))
            .unwrap();
        let Err(LedgerError::Busy(message)) = Ledger::lock(&path) else {
            panic!("a second lock on the same ledger was granted");
        };
        let pid = std::process::id();
        assert!(
            message.contains(&format!("pid {pid} on host "))
                && message.contains("certcentral bulk staff.csv")
                && message.contains("nothing was sent"),
            "{message}"
        );
        drop(ledger);
        let (_, history) = Ledger::lock(&path).expect("free once the holder is gone");
        assert_eq!(history.targets, ["us"]);
    }
}
