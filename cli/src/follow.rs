//! `certcentral follow FILE --download DIR`: waits for the input's orders to be issued (one
//! status-change call per poll for all of them) and writes, per order, its certificate and its
//! chain as PEM, and with `--pkcs12` a bundle of the key `--generate-keys` made and the chain.
//! Every download is checked before it is saved: its emails are the order's, its public key is
//! the order's key; a mismatch is an error, never a file. A rerun downloads nothing it has.

use crate::after::{Mine, Opened, open, record_seen};
use crate::ledger::{Entry, Ledger};
use crate::outcome::{EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK};
use crate::output::{Exit, Format};
use crate::target::Connection;
use certcentral::types::OrderStatus;
use certcentral::{CertificateChain, Client, Stage};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Some orders are still waiting (for their recipient, or past `--timeout`): follow again later.
pub const EXIT_WAITING: u8 = 5;

/// `certcentral follow`'s arguments.
#[derive(Debug, Args)]
pub struct Follow {
    /// The input whose orders to follow (all of the ledger's without it).
    file: Option<PathBuf>,
    /// Where to write each certificate (`MAILBOX.ORDER.pem`), its chain
    /// (`MAILBOX.ORDER.chain.pem`) and, with --pkcs12, its bundle (`MAILBOX.ORDER.p12`).
    #[arg(long, value_name = "DIR")]
    download: PathBuf,
    /// How long to wait for issuance (e.g. 30m, 2h).
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = humantime::parse_duration)]
    timeout: Duration,
    /// Also write a PKCS#12 bundle of each order's key (made by `bulk --generate-keys`) and
    /// its chain, for Outlook, Thunderbird and Apple Mail: AES-256 and SHA-256, as OpenSSL 3
    /// writes.
    #[arg(long, requires = "password_file")]
    pkcs12: bool,
    /// The bundles' password: the first line of this file.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Bundles with 3DES and a SHA-1 MAC, for clients that read nothing newer (macOS 13 and
    /// older, Windows Server 2016 and older).
    #[arg(long, requires = "pkcs12")]
    legacy: bool,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[command(flatten)]
    connection: Connection,
}

/// What became of one order.
#[derive(Debug, Clone, PartialEq)]
enum End {
    /// Downloaded (now, or by an earlier run), checked, written.
    Downloaded(Vec<PathBuf>),
    /// Rejected, canceled, revoked or expired.
    Ended(OrderStatus),
    /// Waiting for its recipient: to pick the certificate up in a browser (no CSR), or to
    /// validate their mailbox.
    Recipient(&'static str),
    /// Still in progress when `--timeout` passed.
    TimedOut(Option<OrderStatus>),
    /// The download did not pass its checks, or could not be written.
    Failed(String),
    /// Ctrl-C came first.
    Interrupted,
}

impl End {
    fn name(&self) -> &'static str {
        match self {
            End::Downloaded(_) => "issued",
            End::Ended(_) => "ended",
            End::Recipient(_) => "waiting for the recipient",
            End::TimedOut(_) => "timed out",
            End::Failed(_) => "failed",
            End::Interrupted => "interrupted",
        }
    }

    fn describe(&self) -> String {
        match self {
            End::Downloaded(files) => format!(
                "issued: {}",
                files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            End::Ended(status) => format!("{status}: no certificate will be issued"),
            End::Recipient(why) => format!("waiting for the recipient ({why})"),
            End::TimedOut(status) => format!(
                "still {} after --timeout",
                status
                    .as_ref()
                    .map_or("in progress".into(), ToString::to_string)
            ),
            End::Failed(why) => format!("failed: {why}"),
            End::Interrupted => "interrupted before it settled".into(),
        }
    }
}

/// How the certificates are written.
struct Output<'a> {
    dir: &'a Path,
    pkcs12: Option<(String, bool)>,
}

pub async fn run(args: &Follow) -> Exit {
    let password = match (&args.password_file, args.pkcs12) {
        (Some(path), true) => match read_password(path) {
            Ok(p) => Some((p, args.legacy)),
            Err(e) => return Exit::Usage(e),
        },
        _ => None,
    };
    if let Err(e) = crate::keys::prepare_dir(&args.download) {
        return Exit::Usage(format!("--download: {e}"));
    }
    let Opened {
        connected,
        ledger,
        rows,
    } = match open(&args.connection, args.file.as_deref(), "follow").await {
        Ok(o) => o,
        Err(exit) => return exit,
    };
    let (ledger, history) = match &ledger {
        Some((l, h)) => (Some(l), Some(h)),
        None => (None, None),
    };
    let output = Output {
        dir: &args.download,
        pkcs12: password,
    };
    let progress = progress(rows.len() as u64, args.format);
    let mut ends: BTreeMap<i64, End> = BTreeMap::new();
    let mut following: Vec<Mine> = Vec::new();
    for row in rows.iter() {
        let had = history.and_then(|h| h.downloaded.get(&row.order_id));
        match had {
            Some(files) if files.iter().all(|f| f.exists()) => {
                finish(
                    &progress,
                    args.format,
                    &mut ends,
                    row,
                    End::Downloaded(files.clone()),
                );
            }
            _ => following.push(row.clone()),
        }
    }
    let client = &connected.client;
    let interrupted = follow_all(
        client, ledger, &output, &following, args, &progress, &mut ends,
    )
    .await;
    progress.finish_and_clear();
    report(args.format, &rows, &ends, interrupted)
}

/// Follows `rows` to their ends (or the timeout, or Ctrl-C); whether Ctrl-C came.
async fn follow_all(
    client: &Client,
    ledger: Option<&Ledger>,
    output: &Output<'_>,
    rows: &[Mine],
    args: &Follow,
    progress: &ProgressBar,
    ends: &mut BTreeMap<i64, End>,
) -> bool {
    let by_id: BTreeMap<i64, &Mine> = rows.iter().map(|r| (r.order_id, r)).collect();
    // Orders already seen settled are not asked again; the others are followed together.
    let mut pending = Vec::new();
    for row in rows {
        match row.status.as_ref().map(Stage::of) {
            Some(Stage::Issued | Stage::Ended | Stage::WaitingForRecipient) => {
                let end = settle(client, ledger, output, row, row.status.clone()).await;
                finish(progress, args.format, ends, row, end);
            }
            _ => pending.push(row.order_id),
        }
    }
    let since = rows
        .iter()
        .filter(|r| pending.contains(&r.order_id))
        .map(|r| r.status_at.max(r.at))
        .min()
        .unwrap_or_else(SystemTime::now);
    let mut follower = client.follow(pending, since, args.timeout);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let next = tokio::select! {
            next = follower.next() => next,
            _ = &mut ctrl_c => {
                for (id, _) in follower.in_progress() {
                    if let Some(row) = by_id.get(&id) {
                        finish(progress, args.format, ends, row, End::Interrupted);
                    }
                }
                return true;
            }
        };
        match next {
            None => break,
            Some(Err(e)) => {
                tell!("certcentral: a status poll failed ({e}); polling again");
            }
            Some(Ok(changed)) => {
                if let Some(row) = by_id.get(&changed.order_id) {
                    let mut row = (*row).clone();
                    row.status = Some(changed.status.clone());
                    row.certificate_id = changed.certificate_id;
                    row.status_at = SystemTime::now();
                    record_seen(ledger, &row);
                    let end = settle(client, ledger, output, &row, Some(changed.status)).await;
                    finish(progress, args.format, ends, &row, end);
                }
            }
        }
    }
    let left: Vec<(i64, Option<OrderStatus>)> = follower
        .in_progress()
        .map(|(id, s)| (id, s.cloned()))
        .collect();
    for (id, status) in left {
        if let Some(row) = by_id.get(&id) {
            let end = match waiting_for_mailbox(client, id).await {
                true => End::Recipient("their mailbox is not validated yet"),
                false => End::TimedOut(status.or_else(|| row.status.clone())),
            };
            finish(progress, args.format, ends, row, end);
        }
    }
    false
}

/// Whether an order waits for a recipient to validate their mailbox (DigiCert emailed them).
async fn waiting_for_mailbox(client: &Client, order_id: i64) -> bool {
    use certcentral::types::EmailValidationStatus;
    client.email_validation(order_id).await.is_ok_and(|v| {
        v.emails
            .iter()
            .any(|e| e.status != EmailValidationStatus::Validated)
    })
}

/// What to do with an order that left "in progress".
async fn settle(
    client: &Client,
    ledger: Option<&Ledger>,
    output: &Output<'_>,
    row: &Mine,
    status: Option<OrderStatus>,
) -> End {
    match status.as_ref().map(Stage::of) {
        Some(Stage::Issued) => match download(client, output, row).await {
            Ok(files) => {
                if let Some(ledger) = ledger
                    && let Err(e) = ledger.append(&Entry::Downloaded {
                        order_id: row.order_id,
                        files: files.clone(),
                    })
                {
                    tell!("certcentral: the ledger cannot be written: {e}");
                }
                End::Downloaded(files)
            }
            Err(e) => End::Failed(e),
        },
        Some(Stage::WaitingForRecipient) => {
            End::Recipient("ordered without a CSR: they make the key in their browser")
        }
        Some(Stage::Ended) => End::Ended(status.unwrap_or(OrderStatus::Canceled)),
        _ => End::TimedOut(status),
    }
}

/// Downloads, checks and writes one order's certificate; the files written.
async fn download(
    client: &Client,
    output: &Output<'_>,
    row: &Mine,
) -> Result<Vec<PathBuf>, String> {
    let chain = client
        .download_chain(row.order_id)
        .await
        .map_err(|e| format!("cannot download the certificate: {e}"))?;
    let key = check(&chain, row)?;
    let stem = output.dir.join(format!(
        "{}.{}",
        file_safe(row.mailboxes.first().map_or("order", String::as_str)),
        row.order_id
    ));
    let with = |ext: &str| PathBuf::from(format!("{}.{ext}", stem.display()));
    let leaf = chain.leaf().pem();
    let ca: String = chain.certificates()[1..].iter().map(|c| c.pem()).collect();
    let mut files = vec![with("pem"), with("chain.pem")];
    write_replacing(&files[0], leaf.as_bytes(), false)?;
    write_replacing(&files[1], ca.as_bytes(), false)?;
    if let (Some((password, legacy)), Some(key)) = (&output.pkcs12, &key) {
        let bundle = pkcs12(&chain, key, password, *legacy, &row.mailboxes)?;
        let path = with("p12");
        write_replacing(&path, &bundle, true)?;
        files.push(path);
    } else if output.pkcs12.is_some() {
        tell!(
            "certcentral: order {}: no key of --generate-keys for it, so no PKCS#12 bundle",
            row.order_id
        );
    }
    Ok(files)
}

/// The checks before a download is saved: the certificate's emails are the order's mailboxes,
/// its public key the order's key (when the command made it). The key, read.
fn check(chain: &CertificateChain, row: &Mine) -> Result<Option<rcgen::KeyPair>, String> {
    let leaf = chain.leaf();
    let mut got: Vec<String> = leaf
        .emails()
        .iter()
        .map(|e| crate::identity::mailbox(e))
        .collect();
    let mut want = row.mailboxes.clone();
    got.sort();
    got.dedup();
    want.sort();
    if got != want {
        return Err(format!(
            "the certificate is for {} but the order was for {}: not saved",
            got.join(", "),
            want.join(", ")
        ));
    }
    chain
        .verify(SystemTime::now())
        .map_err(|e| format!("the chain does not verify ({e}): not saved"))?;
    let Some(path) = &row.key else {
        return Ok(None);
    };
    let key = crate::keys::read(path)?;
    if crate::keys::public_key(&key) != leaf.public_key_der() {
        return Err(format!(
            "the certificate's public key is not the key {}: not saved",
            path.display()
        ));
    }
    Ok(Some(key))
}

/// The key and its chain (leaf first, root left out) as PKCS#12.
fn pkcs12(
    chain: &CertificateChain,
    key: &rcgen::KeyPair,
    password: &str,
    legacy: bool,
    mailboxes: &[String],
) -> Result<Vec<u8>, String> {
    use p12_keystore::{
        Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKey,
        PrivateKeyChain,
    };
    let failed = |e: &dyn std::fmt::Display| format!("cannot make the PKCS#12 bundle: {e}");
    let end = chain.certificates().len() - usize::from(chain.root().is_some());
    let certificates = chain.certificates()[..end]
        .iter()
        .map(|c| Certificate::from_der(c.der()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| failed(&e))?;
    let private = PrivateKey::from_der(&key.serialize_der()).map_err(|e| failed(&e))?;
    let local_id = crate::identity::digest(chain.leaf().public_key_der());
    let entry = PrivateKeyChain::new(local_id, private, certificates);
    let mut store = KeyStore::new();
    let alias = mailboxes.first().cloned().unwrap_or_default();
    store.add_entry(&alias, KeyStoreEntry::PrivateKeyChain(entry));
    let writer = store.writer(password);
    let writer = if legacy {
        writer
            .encryption_algorithm(EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc)
            .mac_algorithm(MacAlgorithm::HmacSha1)
    } else {
        writer
    };
    writer.write().map_err(|e| failed(&e))
}

/// A mailbox as part of a file name: letters, digits and `@._+-`, the rest `_`.
fn file_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            c if c.is_ascii_alphanumeric() || "@._+-".contains(c) => c,
            _ => '_',
        })
        .collect()
}

/// Writes `bytes` to `path` through a temporary file renamed over it (a reader never sees half
/// a file; a rerun replaces it whole); readable by its owner only when `private`.
fn write_replacing(path: &Path, bytes: &[u8], private: bool) -> Result<(), String> {
    let temporary = PathBuf::from(format!("{}.partial", path.display()));
    let _ = std::fs::remove_file(&temporary);
    let written = if private {
        crate::keys::write_private(&temporary, bytes)
    } else {
        std::fs::write(&temporary, bytes)
            .map_err(|e| format!("cannot write {}: {e}", temporary.display()))
    };
    written.and_then(|()| {
        std::fs::rename(&temporary, path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    })
}

/// The first line of a password file, without its line end (a byte-order mark skipped).
fn read_password(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read --password-file {}: {e}", path.display()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let line = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if line.is_empty() {
        return Err(format!("--password-file {} is empty", path.display()));
    }
    Ok(line.to_string())
}

fn progress(len: u64, format: Format) -> ProgressBar {
    if format == Format::Json || !std::io::stdout().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stdout());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} settled {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Records an order's end and says it (a line, or a JSON event).
fn finish(
    progress: &ProgressBar,
    format: Format,
    ends: &mut BTreeMap<i64, End>,
    row: &Mine,
    end: End,
) {
    let line = match format {
        Format::Json => json!({
            "order_id": row.order_id, "source": row.source, "mailboxes": row.mailboxes,
            "outcome": end.name(), "detail": end.describe(),
        })
        .to_string(),
        Format::Human => format!(
            "{} {} (order {}): {}",
            row.source,
            row.mailboxes.join(", "),
            row.order_id,
            end.describe()
        ),
    };
    if progress.is_hidden() {
        say!("{line}");
    } else {
        progress.println(line);
        progress.inc(1);
    }
    ends.insert(row.order_id, end);
}

/// The summary, and the exit code: 0 every order downloaded; 1 some ended without a
/// certificate or failed their checks; 5 some are still waiting; 130 interrupted.
fn report(format: Format, rows: &[Mine], ends: &BTreeMap<i64, End>, interrupted: bool) -> Exit {
    let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
    for end in ends.values() {
        *totals.entry(end.name()).or_default() += 1;
    }
    let count = |name: &str| totals.get(name).copied().unwrap_or(0);
    let code = if interrupted {
        EXIT_INTERRUPTED
    } else if count("ended") + count("failed") > 0 {
        EXIT_FAILED
    } else if count("waiting for the recipient") + count("timed out") > 0 {
        EXIT_WAITING
    } else {
        EXIT_OK
    };
    match format {
        Format::Json => say!(
            "{}",
            json!({ "summary": { "orders": rows.len(), "totals": totals, "exit_code": code } })
        ),
        Format::Human => {
            let parts: Vec<String> = totals.iter().map(|(k, v)| format!("{v} {k}")).collect();
            say!("{} order(s): {}", rows.len(), parts.join(", "));
            if code == EXIT_WAITING {
                say!("run `certcentral follow` again later for the orders still waiting");
            }
        }
    }
    Exit::Code(code)
}
