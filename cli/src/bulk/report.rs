//! The end of a bulk run: the summary (for people, or one JSON document last on stdout), the
//! `--report` file, and the exit code.

use super::{Bulk, Done};
use crate::outcome::{self, Kind, Outcome};
use crate::output::{Exit, Format};
use serde_json::{Value, json};
use std::path::Path;

/// Refuses a report path that cannot be written, before anything is sent. Nothing is left
/// behind by the check.
pub fn check_writable(path: &Path) -> Result<(), String> {
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot write the report {}: {e}", path.display()))?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// A row as JSON: its outcome and what identifies it.
pub fn event(done: &Done) -> Value {
    let mut v = done.outcome.json();
    let info = &done.info;
    v["line"] = json!(info.line);
    v["product"] = json!(info.product);
    v["alternative_order_id"] = json!(info.alternative_order_id);
    v["order_id"] = json!(done.outcome.order_id());
    v["emails"] = json!(info.emails);
    v["common_name"] = json!(info.common_name);
    if let Some(renewed) = info.renewal_of {
        v["renewal_of_order_id"] = json!(renewed);
    }
    if let Some(key) = &info.key {
        v["key"] = json!(key);
    }
    v
}

/// What the end of a run needs to know.
pub struct Run<'a> {
    pub args: &'a Bulk,
    pub file: &'a str,
    pub empty_rows: usize,
    /// The account's ledger, when the run has one.
    pub ledger: Option<&'a Path>,
    /// The API calls asking CertCentral cost before anything was sent.
    pub calls: Option<usize>,
}

impl Run<'_> {
    /// The summary (when orders were sent to `target`), the report, the exit code.
    pub fn finish(&self, target: Option<&str>, mut done: Vec<Done>) -> Exit {
        done.sort_by_key(|d| d.info.line);
        let totals: Vec<(Kind, usize)> = Kind::ALL
            .iter()
            .map(|k| (*k, done.iter().filter(|d| d.outcome.kind() == *k).count()))
            .collect();
        let code = outcome::exit_code(done.iter().map(|d| &d.outcome));
        let mut summary = json!({
            "file": self.file,
            "target": target,
            "ledger": self.ledger.map(|j| j.display().to_string()),
            "dry_run": self.args.dry_run,
            "calls_to_decide": self.calls,
            "empty_rows_skipped": self.empty_rows,
            "totals": totals.iter().map(|(k, c)| (k.name().to_string(), json!(c))).collect::<serde_json::Map<_, _>>(),
            "exit_code": code,
        });
        match (self.args.format, target) {
            (Format::Json, _) => {
                // Rows that were sent had their event as they finished; these were not sent.
                for d in done.iter().filter(|d| !d.outcome.was_sent_now()) {
                    say!("{}", event(d));
                }
                say!("{}", json!({ "summary": summary }));
            }
            (Format::Human, Some(target)) => {
                self.print_summary(target, &totals, &done);
                if self.args.dry_run {
                    self.print_plan(&done);
                }
            }
            (Format::Human, None) => {}
        }
        if let Some(path) = &self.args.report {
            summary["rows"] = done.iter().map(event).collect();
            let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
            if let Err(e) = std::fs::write(path, text + "\n") {
                tell!(
                    "certcentral: cannot write the report {}: {e}",
                    path.display()
                );
                return Exit::Code(code.max(outcome::EXIT_FAILED));
            }
        }
        Exit::Code(code)
    }

    fn print_summary(&self, target: &str, totals: &[(Kind, usize)], done: &[Done]) {
        let file = self.file;
        let mut counts: Vec<String> = totals
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(kind, n)| format!("{n} {}", kind.wording()))
            .collect();
        if counts.is_empty() {
            counts.push("none".into());
        }
        let empty = match self.empty_rows {
            0 => String::new(),
            n => format!(" ({n} empty row(s) skipped)"),
        };
        say!(
            "{file} → {target}: {} row(s){empty}: {}",
            done.len(),
            counts.join(", ")
        );
        let listed = |wanted: fn(&Outcome) -> bool| -> Vec<&Done> {
            done.iter().filter(|d| wanted(&d.outcome)).collect()
        };
        let earlier = listed(|o| matches!(o, Outcome::OrderedEarlier { .. }));
        if !earlier.is_empty() {
            say!("ordered earlier (not sent; --again orders another):");
            for d in earlier {
                say!("  {}", row_line(d));
            }
        }

        let failed = listed(|o| matches!(o, Outcome::Rejected(_) | Outcome::Failed(_)));
        if !failed.is_empty() {
            say!("rejected or failed (nothing was created; rerun to try again):");
            for d in failed {
                say!("  {}", row_line(d));
            }
        }
        let interrupted = listed(|o| matches!(o, Outcome::Interrupted)).len();
        if interrupted > 0 {
            say!("interrupted: {interrupted} row(s) not started; rerun to place them");
        }
        let unknown = listed(Outcome::is_unknown);
        if unknown.is_empty() {
            return;
        }
        say!(
            "UNKNOWN (the order may exist; its alternative id was looked up and nothing found \
             yet): look them up again later, which records what CertCentral has:"
        );
        let ledger = self
            .ledger
            .map_or(String::new(), |j| format!(" --ledger {}", j.display()));
        for d in &unknown {
            say!("  {}", row_line(d));
        }
        say!("    certcentral resolve --lookup{ledger} <target and key as for this run>");
        say!(
            "  (or, after looking yourself: certcentral resolve{ledger} ID --order-id N, or \
             ID --not-placed)"
        );
    }

    /// A dry run's plan, by product, and what asking CertCentral cost.
    fn print_plan(&self, done: &[Done]) {
        say!("plan (nothing was sent):");
        say!(
            "  {:<32} {:>8} {:>16} {:>9} {:>8}",
            "product",
            "to send",
            "already ordered",
            "to renew",
            "invalid"
        );
        for (product, [send, ordered, renew, invalid]) in super::plan_by_product(done) {
            say!("  {product:<32} {send:>8} {ordered:>16} {renew:>9} {invalid:>8}");
        }
        if let Some(calls) = self.calls {
            say!("asking CertCentral which orders exist cost {calls} API call(s)");
        }
    }
}

/// `line 12: cc… (class1_smime, a@example.com): what happened`.
fn row_line(d: &Done) -> String {
    let info = &d.info;
    let who = info
        .common_name
        .iter()
        .chain(info.emails.first())
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let who = if who.is_empty() {
        String::new()
    } else {
        format!(", {}", certcentral_table::excerpt(&who))
    };
    let id = if info.alternative_order_id.is_empty() {
        String::new()
    } else {
        format!(" {}", info.alternative_order_id)
    };
    format!(
        "line {}:{id} ({}{who}): {}",
        info.line,
        info.product,
        d.outcome.describe()
    )
}
