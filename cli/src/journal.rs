//! The journal of a bulk run: one JSON line per event, appended and synced to disk, so that a
//! rerun knows which rows are done and which may exist.
//!
//! A row's `sending` line is on disk before its request leaves; its outcome line follows the
//! answer. A row whose last line is `sending` (the run was killed in between) or `unknown` may
//! have created an order.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    /// About to send the row's order.
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
    /// An order with the row's alternative id exists already.
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
}

impl Entry {
    pub fn alternative_order_id(&self) -> &str {
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
            } => alternative_order_id,
        }
    }
}

/// An open journal.
pub struct Journal {
    file: Mutex<File>,
}

impl Journal {
    /// Opens (or creates) the journal; returns it with the last entry of every alternative id.
    pub fn open(path: &Path) -> Result<(Journal, HashMap<String, Entry>), String> {
        let shown = path.display();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read the journal {shown}: {e}")),
        };
        let mut last = HashMap::new();
        // Bytes of whole lines: a line cut by a kill (only ever the last, without its newline)
        // is dropped from the file. That is safe: a cut `sending` line's request never left,
        // and a row whose outcome line was cut stays `sending`, that is, unknown.
        let mut whole = 0;
        for (n, line) in text.split_inclusive('\n').enumerate() {
            let complete = line.ends_with('\n');
            match serde_json::from_str::<Entry>(line) {
                Ok(entry) => {
                    last.insert(entry.alternative_order_id().to_string(), entry);
                }
                Err(_) if line.trim().is_empty() || !complete => {}
                Err(e) => {
                    return Err(format!(
                        "the journal {shown} is not a certcentral journal (line {}: {e})",
                        n + 1
                    ));
                }
            }
            if complete {
                whole += line.len();
            }
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open the journal {shown}: {e}"))?;
        if whole < text.len() {
            file.set_len(whole as u64)
                .map_err(|e| format!("cannot repair the journal {shown}: {e}"))?;
        }
        Ok((
            Journal {
                file: Mutex::new(file),
            },
            last,
        ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_entry_of_each_id_wins_and_a_cut_last_line_is_ignored() {
        let dir = std::env::temp_dir().join(format!("certcentral-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("j.jsonl");
        let _ = std::fs::remove_file(&path);
        {
            let (journal, last) = Journal::open(&path).unwrap();
            assert!(last.is_empty());
            for entry in [
                Entry::Sending {
                    alternative_order_id: "a".into(),
                    line: 2,
                    product: "class1_smime".into(),
                },
                Entry::Sending {
                    alternative_order_id: "b".into(),
                    line: 3,
                    product: "class1_smime".into(),
                },
                Entry::Placed {
                    alternative_order_id: "a".into(),
                    order_id: 7,
                    certificate_id: None,
                },
            ] {
                journal.append(&entry).unwrap();
            }
        }
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"event\":\"placed\",\"altern");
        std::fs::write(&path, &text).unwrap();
        let (journal, last) = Journal::open(&path).unwrap();
        assert!(matches!(last["a"], Entry::Placed { order_id: 7, .. }));
        assert!(matches!(last["b"], Entry::Sending { line: 3, .. }));
        journal
            .append(&Entry::Exists {
                alternative_order_id: "b".into(),
            })
            .unwrap();
        let (_, last) = Journal::open(&path).unwrap();
        assert!(matches!(last["b"], Entry::Exists { .. }));
        std::fs::write(&path, "not a journal\n{}\n").unwrap();
        assert!(Journal::open(&path).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
