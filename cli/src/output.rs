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
