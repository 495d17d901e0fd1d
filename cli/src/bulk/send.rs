//! Sending the rows: each is recorded in the ledger, sent and recorded again; progress is a bar
//! on a terminal, a line per row otherwise, or a JSON event per row (`--format json`).
//!
//! The first SIGINT or SIGTERM stops new rows from starting; the orders in flight are awaited
//! (each is bounded by the client's deadline) and their outcomes recorded, so that the summary
//! and the report are written. A second signal exits at once: the rows in flight stay
//! `sending` in the ledger, which a rerun looks up by their alternative ids (as after SIGKILL).

use super::report::event;
use super::{Bulk, Done, Ready};
use crate::ledger::{Entry, Journaled, Ledger, journaled};
use crate::outcome::{EXIT_INTERRUPTED, Outcome, SLOTS};
use crate::output::Format;
use certcentral::types::OrderClientCertificateRequest;
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

/// Sends the rows, `--concurrency` at a time, until done or interrupted.
pub async fn send_all(
    client: &certcentral::Client,
    ledger: Option<&Ledger>,
    args: &Bulk,
    rows: Vec<Ready>,
) -> Vec<Done> {
    let state = State {
        file: args.file.display().to_string(),
        progress: Progress::new(rows.len() as u64, args.format),
        journal_broken: AtomicBool::new(false),
        interrupted: Arc::new(AtomicBool::new(false)),
        in_flight: Arc::new(AtomicUsize::new(0)),
        patience: crate::wait::Patience::new(args.choices.max_wait),
        keys: args.generate_keys.clone().map(|dir| (dir, args.key_type)),
    };
    let signals = listen(state.interrupted.clone(), state.in_flight.clone());
    let state = &state;
    let done: Vec<Done> = futures_util::stream::iter(rows)
        .map(|r| async move {
            let outcome = if state.interrupted.load(Ordering::SeqCst) {
                Outcome::Interrupted
            } else {
                state.in_flight.fetch_add(1, Ordering::SeqCst);
                let outcome = place(client, ledger, state, &r).await;
                state.in_flight.fetch_sub(1, Ordering::SeqCst);
                outcome
            };
            let mut info = r.info;
            info.key = state
                .keys
                .as_ref()
                .map(|(dir, _)| crate::keys::path_of(dir, &info.alternative_order_id))
                .filter(|path| path.exists());
            let done = Done { info, outcome };
            state.progress.finished(&done);
            done
        })
        .buffer_unordered(usize::from(args.concurrency))
        .collect()
        .await;
    if let Some(signals) = signals {
        signals.abort();
    }
    state.progress.bar.finish_and_clear();
    done
}

struct State {
    /// The input, as the ledger names where an order came from.
    file: String,
    progress: Progress,
    journal_broken: AtomicBool,
    interrupted: Arc<AtomicBool>,
    in_flight: Arc<AtomicUsize>,
    patience: crate::wait::Patience,
    /// `--generate-keys`: where, and what kind.
    keys: Option<(std::path::PathBuf, crate::keys::KeyType)>,
}

/// Watches for SIGINT and SIGTERM while the rows are sent: the handlers are in place when
/// this returns.
fn listen(interrupted: Arc<AtomicBool>, in_flight: Arc<AtomicUsize>) -> Option<JoinHandle<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        tell!("certcentral: note: cannot watch for Ctrl-C; it will end the run at once");
        return None;
    };
    Some(tokio::spawn(async move {
        tokio::select! { _ = int.recv() => {}, _ = term.recv() => {} }
        interrupted.store(true, Ordering::SeqCst);
        tell!(
            "certcentral: interrupted: no new order is sent; waiting for the {} in flight \
             (each at most the client's deadline); interrupt again to exit at once",
            in_flight.load(Ordering::SeqCst)
        );
        tokio::select! { _ = int.recv() => {}, _ = term.recv() => {} }
        tell!(
            "certcentral: interrupted again: exiting now; orders in flight stay unknown in the \
             journal until a rerun or `certcentral resolve`"
        );
        std::process::exit(i32::from(EXIT_INTERRUPTED));
    }))
}

/// Records, sends and records one row; a ledger that cannot be written stops the run's
/// further rows.
async fn place(
    client: &certcentral::Client,
    ledger: Option<&Ledger>,
    state: &State,
    r: &Ready,
) -> Outcome {
    if state.journal_broken.load(Ordering::SeqCst) {
        return Outcome::Failed("not sent: the ledger cannot be written".into());
    }
    let (request, key) = match &state.keys {
        None => (std::borrow::Cow::Borrowed(&r.request), None),
        Some((dir, key_type)) => match with_key(dir, *key_type, r).await {
            Ok((request, key)) => (std::borrow::Cow::Owned(request), Some(key)),
            Err(e) => return Outcome::Failed(format!("not sent: {e}")),
        },
    };
    let sending = Entry::Sending {
        alternative_order_id: r.info.alternative_order_id.clone(),
        product: r.product.to_string(),
        mailboxes: r.identity.mailboxes.clone(),
        source: format!("{}:{}", args_file(state), r.info.line),
        at: crate::ledger::now(),
        key,
    };
    match journaled(
        ledger,
        sending,
        state.patience.order(client, r.product, &request),
    )
    .await
    {
        Journaled::NotSent(e) => {
            state.journal_broken.store(true, Ordering::SeqCst);
            Outcome::Failed(format!("not sent: the ledger cannot be written: {e}"))
        }
        Journaled::Sent {
            outcome,
            unrecorded,
            ..
        } => {
            if let Some(e) = unrecorded {
                // The row stays `sending` in the ledger: a rerun looks it up (safe).
                state.journal_broken.store(true, Ordering::SeqCst);
                tell!("certcentral: the ledger cannot be written ({e}); no further order is sent");
            }
            outcome
        }
    }
}

/// The row's order with a CSR for its key (made now, or read again when a run made it for the
/// same alternative id); the key's path.
async fn with_key(
    dir: &std::path::Path,
    key_type: crate::keys::KeyType,
    r: &Ready,
) -> Result<(OrderClientCertificateRequest, std::path::PathBuf), String> {
    if r.request.certificate.csr.is_some() {
        return Err(
            "the row has a certificate.csr of its own: --generate-keys makes the CSR (leave \
             one of them out)"
                .into(),
        );
    }
    let emails = r.request.certificate.emails.clone();
    let common_name = r
        .request
        .certificate
        .common_name
        .clone()
        .or_else(|| emails.first().cloned())
        .unwrap_or_default();
    let (dir, id) = (dir.to_path_buf(), r.info.alternative_order_id.clone());
    // RSA key generation is CPU work: off the runtime's threads.
    let made = tokio::task::spawn_blocking(move || {
        crate::keys::for_order(&dir, key_type, &id, &common_name, &emails)
    })
    .await
    .map_err(|e| format!("the key could not be made: {e}"))??;
    let mut request = r.request.clone();
    request.certificate.csr = Some(made.csr);
    Ok((request, made.path))
}

fn args_file(state: &State) -> &str {
    &state.file
}

/// The progress bar on a terminal; plain lines or JSON events otherwise.
struct Progress {
    bar: ProgressBar,
    format: Format,
    plain: bool,
    counts: Mutex<[u64; SLOTS.len()]>,
}

impl Progress {
    fn new(len: u64, format: Format) -> Progress {
        let plain = format == Format::Json || !std::io::stdout().is_terminal();
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
            format,
            plain,
            counts: Mutex::new([0; SLOTS.len()]),
        }
    }

    fn finished(&self, done: &Done) {
        if self.format == Format::Json {
            say!("{}", event(done));
            return;
        }
        let outcome = &done.outcome;
        let who = done.info.emails.first().map_or(String::new(), |e| {
            format!(" {}", certcentral_table::excerpt(e))
        });
        let line = format!(
            "line {}{who} ({}): {}",
            done.info.line,
            done.info.alternative_order_id,
            outcome.describe()
        );
        if self.plain {
            say!("{line}");
            return;
        }
        let message = {
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            counts[outcome.slot()] += 1;
            let parts: Vec<String> = SLOTS
                .iter()
                .zip(counts.iter())
                .map(|(name, n)| format!("{name} {n}"))
                .collect();
            format!("{} · {:.1}/s", parts.join(" · "), self.bar.per_sec())
        };
        if !outcome.is_done() {
            self.bar.println(line);
        }
        self.bar.inc(1);
        self.bar.set_message(message);
    }
}
