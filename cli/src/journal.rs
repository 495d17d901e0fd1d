//! The journal: one JSON line per event, appended and synced to disk, and locked by the
//! operating system for the whole run, so that a rerun knows which orders are done and which
//! may exist, and two runs never work on one journal at once.
//!
//! An order's `sending` line is on disk before its request leaves; its outcome line follows
//! the answer. An order whose last line is `sending` (the run was killed in between) or
//! `unknown` may have been created, until `certcentral resolve` records what the user found.
//!
//! The lock is `flock`-style (`File::try_lock`), held by the open file: it dies with the
//! process, whatever kills it, so a crash never leaves a stale lock behind (as cargo locks its
//! build directory). Each run appends a `run` line (pid, host, start, command, target) so that a
//! run that finds the journal locked can say who holds it.

use crate::outcome::Outcome;
use certcentral::{Error, PlacedOrder};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    /// A run started: who holds the journal, and where it orders.
    Run {
        pid: u32,
        host: String,
        started: String,
        command: String,
        /// Where its orders go (`us`, `eu`, a base URL); none for `resolve`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    /// This input's orders are journaled in another file (written in the input's default
    /// journal when a run chose `--journal`).
    KeptIn { journal: PathBuf },
    /// About to send the order.
    Sending {
        alternative_order_id: String,
        line: usize,
        product: String,
    },
    /// DigiCert created the order.
    Placed {
        alternative_order_id: String,
        order_id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        certificate_id: Option<i64>,
    },
    /// An order with this alternative id exists already.
    Exists { alternative_order_id: String },
    /// DigiCert refused the order: nothing was created.
    Rejected {
        alternative_order_id: String,
        reason: String,
    },
    /// The order certainly was not created (not sent, rate limited, unavailable).
    Failed {
        alternative_order_id: String,
        reason: String,
    },
    /// The order was sent and no usable answer came back: it may exist.
    Unknown {
        alternative_order_id: String,
        reason: String,
    },
    /// The user looked the order up in CertCentral (`certcentral resolve`): it exists with this
    /// order id, or (`order_id` none) it was not placed and may be sent again.
    Resolved {
        alternative_order_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order_id: Option<i64>,
    },
}

impl Entry {
    /// The order this line is about, if it is about one.
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
            Entry::Run { .. } | Entry::KeptIn { .. } => None,
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
            Entry::Resolved { order_id, .. } => *order_id,
            _ => None,
        }
    }
}

/// What a journal says, as read when it was locked.
#[derive(Debug, Default)]
pub struct History {
    /// The last line of every order.
    pub last: HashMap<String, Entry>,
    /// The line each order was last sent from (its `sending` line).
    pub lines: HashMap<String, (usize, String)>,
    /// Where earlier runs ordered.
    pub targets: Vec<String>,
    /// The last `kept_in` pointer, if any.
    pub kept_in: Option<PathBuf>,
    /// The last `run` line.
    pub last_run: Option<Entry>,
}

impl History {
    fn record(&mut self, entry: Entry) {
        match &entry {
            Entry::Run { target, .. } => {
                if let Some(t) = target
                    && !self.targets.contains(t)
                {
                    self.targets.push(t.clone());
                }
                self.last_run = Some(entry);
            }
            Entry::KeptIn { journal } => self.kept_in = Some(journal.clone()),
            Entry::Sending {
                alternative_order_id,
                line,
                product,
            } => {
                self.lines
                    .insert(alternative_order_id.clone(), (*line, product.clone()));
                self.last.insert(alternative_order_id.clone(), entry);
            }
            _ => {
                if let Some(id) = entry.alternative_order_id() {
                    self.last.insert(id.to_string(), entry);
                }
            }
        }
    }

    /// Whether any order was ever journaled here.
    pub fn has_orders(&self) -> bool {
        !self.last.is_empty()
    }
}

/// Why a journal cannot be used.
#[derive(Debug)]
pub enum JournalError {
    /// Another process holds it: the message says which.
    Busy(String),
    /// It cannot be read, written or parsed.
    Unusable(String),
}

impl std::fmt::Display for JournalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JournalError::Busy(m) | JournalError::Unusable(m) => f.write_str(m),
        }
    }
}

/// An open, locked journal. The lock is released when it is dropped (or the process ends).
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
}

impl Journal {
    /// Opens (or creates) the journal, locks it for this process, and reads it; a line cut by a
    /// kill is dropped. Fails at once, naming the holder, when another run holds it.
    pub fn lock(path: &Path) -> Result<(Journal, History), JournalError> {
        let shown = path.display();
        let unusable = |what: &str, e: &dyn std::fmt::Display| {
            JournalError::Unusable(format!("cannot {what} the journal {shown}: {e}"))
        };
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
                return Err(JournalError::Busy(format!(
                    "the journal {shown} is in use by {holder}: one run per journal at a time; \
                     nothing was sent (wait for that run to end, then run again)"
                )));
            }
            Err(TryLockError::Error(e)) => return Err(unusable("lock", &e)),
        }
        let mut text = Vec::new();
        file.read_to_end(&mut text)
            .map_err(|e| unusable("read", &e))?;
        let (history, whole) = parse(&text).map_err(|e| {
            JournalError::Unusable(format!(
                "the journal {shown} is not a certcentral journal ({e})"
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
            Journal {
                path: path.to_path_buf(),
                file: Mutex::new(file),
            },
            history,
        ))
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a `run` line for this process.
    pub fn start_run(&self, command: String, target: Option<String>) -> std::io::Result<()> {
        self.append(&Entry::Run {
            pid: std::process::id(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            started: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
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

/// What [`journaled`] did.
pub enum Journaled {
    /// The `sending` line could not be written: nothing was sent.
    NotSent(std::io::Error),
    /// The order was sent: its result, the outcome recorded, and the error that kept the
    /// outcome line from the journal, if one did (the order then stays `sending`, which a rerun
    /// treats as unknown: safe, but no further order should be sent on this journal).
    Sent {
        result: Result<PlacedOrder, Error>,
        outcome: Outcome,
        unrecorded: Option<std::io::Error>,
    },
}

/// Sends one order as the journal requires, for `order` and `bulk` alike: its `sending` line
/// synced to disk before the request leaves, its outcome line after the answer. Without a
/// journal (`--mock`), it only sends.
pub async fn journaled(
    journal: Option<&Journal>,
    sending: Entry,
    send: impl std::future::Future<Output = Result<PlacedOrder, Error>>,
) -> Journaled {
    let id = sending
        .alternative_order_id()
        .unwrap_or_default()
        .to_string();
    if let Some(journal) = journal
        && let Err(e) = journal.append(&sending)
    {
        return Journaled::NotSent(e);
    }
    let result = send.await;
    let outcome = Outcome::from_result(&result);
    let unrecorded = match (journal, outcome.entry(&id)) {
        (Some(journal), Some(entry)) => journal.append(&entry).err(),
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

/// Reads a journal without locking it (to name a holder, or for `resolve`'s checks).
pub fn read_history(path: &Path) -> Result<(History, usize), String> {
    match std::fs::read(path) {
        Ok(text) => parse(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((History::default(), 0)),
        Err(e) => Err(e.to_string()),
    }
}

/// The history of a journal's bytes, and how many bytes are whole lines.
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

/// The path as absolute as it can be made, for comparing two spellings of one file.
pub fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sending(id: &str, line: usize) -> Entry {
        Entry::Sending {
            alternative_order_id: id.into(),
            line,
            product: "class1_smime".into(),
        }
    }

    #[test]
    fn the_last_entry_of_each_id_wins_and_a_cut_last_line_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        {
            let (journal, history) = Journal::lock(&path).unwrap();
            assert!(history.last.is_empty());
            journal.append(&sending("a", 2)).unwrap();
            journal.append(&sending("b", 3)).unwrap();
            journal
                .append(&Entry::Placed {
                    alternative_order_id: "a".into(),
                    order_id: 7,
                    certificate_id: None,
                })
                .unwrap();
        }
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"event\":\"placed\",\"altern");
        std::fs::write(&path, &text).unwrap();
        let (journal, history) = Journal::lock(&path).unwrap();
        assert!(history.last["a"].is_done());
        assert!(history.last["b"].is_unknown());
        assert_eq!(history.lines["b"].0, 3);
        journal
            .append(&Entry::Resolved {
                alternative_order_id: "b".into(),
                order_id: Some(9),
            })
            .unwrap();
        drop(journal);
        let (_, history) = Journal::lock(&path).unwrap();
        assert_eq!(history.last["b"].order_id(), Some(9));
        std::fs::write(&path, "not a journal\n{}\n").unwrap();
        assert!(matches!(
            Journal::lock(&path),
            Err(JournalError::Unusable(_))
        ));
    }

    #[test]
    fn a_second_lock_is_refused_naming_the_holder_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (journal, _) = Journal::lock(&path).unwrap();
        journal
            .start_run("bulk staff.csv".into(), Some("us".into()))
            .unwrap();
        let Err(JournalError::Busy(message)) = Journal::lock(&path) else {
            panic!("a second lock on the same journal was granted");
        };
        let pid = std::process::id();
        assert!(
            message.contains(&format!("pid {pid} on host "))
                && message.contains("certcentral bulk staff.csv")
                && message.contains("nothing was sent"),
            "{message}"
        );
        drop(journal);
        let (_, history) = Journal::lock(&path).expect("free once the holder is gone");
        assert_eq!(history.targets, ["us"]);
    }
}
