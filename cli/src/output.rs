//! What every command shares about its output: the format, the end of a run, and how a
//! violation is printed.

use certcentral::Violation;
use clap::ValueEnum;

/// How results are printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
    Human,
    /// JSON on stdout, for programs.
    Json,
}

/// A run's end: what to print on stderr, and the exit code.
pub enum Exit {
    Code(u8),
    Usage(String),
}

/// `FILE:LINE: PARAM: MESSAGE [RULE]`, one line per violation.
pub fn print_violations(file: &str, line: usize, prefix: &str, violations: &[Violation]) {
    for v in violations {
        say!(
            "{file}:{line}: {prefix}{}: {} [{}]",
            v.path,
            v.message,
            v.rule
        );
    }
}

/// How many rows an error is printed for before the rest are counted.
const SHOWN: usize = 3;

/// Prints the violations of rows, each line naming its row (`FILE:LINE (EMAIL): …`); an error
/// that many rows share (the same rule at the same parameter) is printed for its first few
/// rows, then counted: 100,000 identical errors are not 100,000 lines.
#[derive(Default)]
pub struct Repeats {
    seen: std::collections::HashMap<(&'static str, String), usize>,
    order: Vec<(&'static str, String, String)>,
}

impl Repeats {
    /// Prints a row's violations, or counts those already shown enough.
    pub fn print(&mut self, file: &str, line: usize, emails: &[String], violations: &[Violation]) {
        let who = emails.first().map_or(String::new(), |e| {
            format!(" ({})", certcentral_table::excerpt(e))
        });
        for v in violations {
            // Where, without list indices: `certificate.emails[3]` repeats `certificate.emails[0]`.
            let at: String = v.path.split('[').next().unwrap_or(&v.path).to_string();
            let n = self.seen.entry((v.rule, at.clone())).or_default();
            *n += 1;
            if *n <= SHOWN {
                say!("{file}:{line}{who}: {}: {} [{}]", v.path, v.message, v.rule);
            }
            if *n == 1 {
                self.order.push((v.rule, at, v.message.clone()));
            }
        }
    }

    /// Says how many more rows each error repeated on.
    pub fn finish(self) {
        for (rule, at, message) in &self.order {
            let n = self.seen[&(*rule, at.clone())];
            if n > SHOWN {
                say!(
                    "… and {} more row(s) like this: {at}: {message} [{rule}]",
                    n - SHOWN
                );
            }
        }
    }
}
