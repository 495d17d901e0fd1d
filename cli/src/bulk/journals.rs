//! Which journal a bulk run uses, and the locks it holds for the whole run.
//!
//! One journal per input: the journal of `staff.csv` is `staff.csv.journal` beside it, so two
//! runs on one file meet on one lock without anyone remembering `--journal`. A run with another
//! `--journal` still locks `staff.csv.journal` (its anchor) and records there where the orders
//! are journaled, so that a later run without `--journal` is refused instead of ordering
//! everything again; a `--journal` other than an anchor that records orders (or names another
//! journal) needs `--allow-other-journal`. A journal records where its orders were placed, and
//! a run against another target is refused.

use super::Bulk;
use crate::journal::{Entry, History, Journal, JournalError, absolute};
use crate::outcome::EXIT_BUSY;
use crate::output::Exit;
use std::path::{Path, PathBuf};

/// The locks of a run and what its journal says.
pub struct Journals {
    /// The run's journal (none: `--mock` without `--journal`).
    journal: Option<Journal>,
    /// The input's default journal when the run uses another: locked, not written to after the
    /// run's start.
    _anchor: Option<Journal>,
    pub history: History,
}

impl Journals {
    /// The journal that records this run, if any.
    pub fn journal(&self) -> Option<&Journal> {
        self.journal.as_ref()
    }

    /// Its path.
    pub fn path(&self) -> Option<&Path> {
        self.journal.as_ref().map(Journal::path)
    }
}

/// The default journal of an input: `FILE.journal` beside it.
pub fn default_journal(input: &Path) -> PathBuf {
    let mut name = input.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}

fn locked(path: &Path) -> Result<(Journal, History), Exit> {
    Journal::lock(path).map_err(|e| match e {
        JournalError::Busy(m) => {
            tell!("certcentral: {m}");
            Exit::Code(EXIT_BUSY)
        }
        JournalError::Unusable(m) => Exit::Usage(m),
    })
}

/// Opens and locks the run's journals, refusing what could order twice.
pub fn open(args: &Bulk, target: &str) -> Result<Journals, Exit> {
    let file = args.file.display();
    let command = format!("bulk {file}");
    if args.connection.is_mock() && args.journal.is_none() {
        tell!(
            "certcentral: --mock: no journal (the embedded mock forgets its orders at exit); \
             pass --journal to keep one"
        );
        return Ok(Journals {
            journal: None,
            _anchor: None,
            history: History::default(),
        });
    }
    let default = default_journal(&args.file);
    let chosen = args.journal.clone().unwrap_or_else(|| default.clone());
    let elsewhere = absolute(&chosen) != absolute(&default);
    let mut anchor = None;
    if elsewhere {
        match Journal::lock(&default) {
            Ok((a, history)) => {
                let kept_in = history.kept_in.as_deref().map(absolute);
                let other = kept_in.as_ref().is_some_and(|k| *k != absolute(&chosen));
                if !args.allow_other_journal && (history.has_orders() || other) {
                    let where_ = match (&kept_in, history.has_orders()) {
                        (Some(k), false) => format!("are journaled in {}", k.display()),
                        _ => format!("are journaled in {}", default.display()),
                    };
                    return Err(Exit::Usage(format!(
                        "the orders of {file} {where_}: rerun with that journal, or pass \
                         --allow-other-journal to start --journal {} (orders recorded only in \
                         the other journal would be placed again)",
                        chosen.display()
                    )));
                }
                let written = if kept_in.as_deref() != Some(absolute(&chosen).as_path()) {
                    a.append(&Entry::KeptIn {
                        journal: absolute(&chosen),
                    })
                } else {
                    Ok(())
                };
                written
                    .and_then(|()| a.start_run(command.clone(), Some(target.to_string())))
                    .map_err(|e| Exit::Usage(format!("cannot write {}: {e}", default.display())))?;
                anchor = Some(a);
            }
            Err(JournalError::Busy(m)) => {
                tell!("certcentral: {m}");
                return Err(Exit::Code(EXIT_BUSY));
            }
            Err(JournalError::Unusable(m)) => tell!(
                "certcentral: note: {m}; a run on {file} that uses another journal will not \
                 be detected"
            ),
        }
    }
    let (journal, history) = locked(&chosen)?;
    if !elsewhere
        && !args.allow_other_journal
        && let Some(k) = &history.kept_in
    {
        return Err(Exit::Usage(format!(
            "the orders of {file} are journaled in {} (an earlier run chose --journal): rerun \
             with --journal {}",
            k.display(),
            k.display()
        )));
    }
    if let Some(other) = history.targets.iter().find(|t| *t != target) {
        return Err(Exit::Usage(format!(
            "the journal {} records orders placed at {other}, and this run orders at {target}: \
             use another journal (--journal FILE)",
            chosen.display()
        )));
    }
    journal
        .start_run(command, Some(target.to_string()))
        .map_err(|e| {
            Exit::Usage(format!(
                "cannot write the journal {}: {e}",
                chosen.display()
            ))
        })?;
    Ok(Journals {
        journal: Some(journal),
        _anchor: anchor,
        history,
    })
}
