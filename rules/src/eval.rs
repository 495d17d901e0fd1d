//! Evaluation of the conditional rules over what is known of an order.
//!
//! At run time everything is known (a JSON body). At compile time the derive knows which
//! parameters a struct maps, which of those are `Option`s and which values are fixed, so
//! presence and values are three-valued; a rule whose outcome depends on run-time values is
//! [`Finding::Undecided`] and left to the run-time validator.

use crate::{Cond, Effect, Rule, Table};
use serde_json::Value;

/// Whether a parameter is in the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Certainly not sent.
    Absent,
    /// Sent or not depending on a run-time value (an `Option` field).
    Maybe,
    /// Certainly sent.
    Present,
}

/// What is known of a parameter's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Known<'a> {
    /// Not sent.
    Absent,
    /// Sent (or maybe sent) with a value only run time knows.
    Unknown,
    /// Sent with this value.
    Value(&'a Value),
}

/// What the evaluator needs to know about an order.
pub trait Facts {
    /// The product id being ordered.
    fn product(&self) -> &str;
    /// Whether the parameter (for an object: any of its fields) is sent.
    fn presence(&self, path: &str) -> Presence;
    /// The parameter's value, where known.
    fn value(&self, path: &str) -> Known<'_>;
}

/// The outcome of one rule that did not simply pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding<'a> {
    /// The order breaks the rule; `params` are the parameters at fault (missing ones for
    /// `require`/`any_of`, present ones for `forbid`/`one_of`).
    Violated {
        /// The rule.
        rule: &'a Rule<'a>,
        /// The parameters at fault.
        params: Vec<&'a str>,
    },
    /// DigiCert ignores these parameters: worth a warning.
    Warned {
        /// The rule.
        rule: &'a Rule<'a>,
        /// The ignored parameters that are (or may be) sent.
        params: Vec<&'a str>,
    },
    /// Only run-time values can tell.
    Undecided {
        /// The rule.
        rule: &'a Rule<'a>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    True,
    False,
    Unknown,
}

impl<'a> Table<'a> {
    /// Evaluates every rule of the table against `facts`; rules that pass are not reported.
    ///
    /// ```
    /// use certcentral_rules::{Facts, Finding, Known, Presence};
    ///
    /// struct OnlyEmails;
    /// impl Facts for OnlyEmails {
    ///     fn product(&self) -> &str { "client_premium" }
    ///     fn presence(&self, path: &str) -> Presence {
    ///         if path == "certificate.emails" { Presence::Present } else { Presence::Absent }
    ///     }
    ///     fn value(&self, _: &str) -> Known<'_> { Known::Absent }
    /// }
    ///
    /// let violated: Vec<_> = certcentral_table::TABLE.evaluate(&OnlyEmails)
    ///     .into_iter()
    ///     .filter_map(|f| match f { Finding::Violated { rule, .. } => Some(rule.id), _ => None })
    ///     .collect();
    /// assert!(violated.contains(&"common_name.required"));
    /// assert!(violated.contains(&"validity.required"));
    /// ```
    pub fn evaluate(&self, facts: &dyn Facts) -> Vec<Finding<'a>> {
        self.rules
            .iter()
            .filter_map(|rule| evaluate_rule(rule, facts))
            .collect()
    }
}

fn evaluate_rule<'a>(rule: &'a Rule<'a>, facts: &dyn Facts) -> Option<Finding<'a>> {
    let applies = rule
        .when
        .iter()
        .map(|c| condition(c, facts))
        .fold(Tri::True, |acc, t| match (acc, t) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
            _ => Tri::True,
        });
    if applies == Tri::False {
        return None;
    }
    // Counted without allocating: a rule that passes (the usual case) costs no Vec.
    let count = |wanted: Presence| {
        rule.params
            .iter()
            .filter(|p| facts.presence(p) == wanted)
            .count()
    };
    let with = |keep: &dyn Fn(Presence) -> bool| -> Vec<&'a str> {
        rule.params
            .iter()
            .copied()
            .filter(|p| keep(facts.presence(p)))
            .collect()
    };
    let finding = match rule.effect {
        Effect::Require => {
            (count(Presence::Present) < rule.params.len()).then(|| Finding::Violated {
                rule,
                params: with(&|p| p != Presence::Present),
            })
        }
        Effect::Forbid => {
            (count(Presence::Absent) < rule.params.len()).then(|| Finding::Violated {
                rule,
                params: with(&|p| p != Presence::Absent),
            })
        }
        Effect::OneOf => match (count(Presence::Present), count(Presence::Maybe)) {
            (1, 0) => None,
            (0, 0) => Some(Finding::Violated {
                rule,
                params: rule.params.to_vec(),
            }),
            (n, _) if n > 1 => Some(Finding::Violated {
                rule,
                params: with(&|p| p == Presence::Present),
            }),
            _ => Some(Finding::Undecided { rule }),
        },
        Effect::AnyOf => match (count(Presence::Present), count(Presence::Maybe)) {
            (0, 0) => Some(Finding::Violated {
                rule,
                params: rule.params.to_vec(),
            }),
            (0, _) => Some(Finding::Undecided { rule }),
            _ => None,
        },
        Effect::Ignore => (count(Presence::Absent) < rule.params.len()).then(|| Finding::Warned {
            rule,
            params: with(&|p| p != Presence::Absent),
        }),
    };
    match (applies, finding) {
        (_, None) => None,
        (Tri::True, finding) => finding,
        // The rule would fire, but whether it applies depends on run-time values.
        (_, Some(_)) => Some(Finding::Undecided { rule }),
    }
}

fn condition(cond: &Cond, facts: &dyn Facts) -> Tri {
    let tri = |b: bool| if b { Tri::True } else { Tri::False };
    match *cond {
        Cond::Products(products) => tri(products.contains(&facts.product())),
        Cond::In(path, values) => match facts.value(path) {
            Known::Absent => Tri::False,
            Known::Unknown => Tri::Unknown,
            Known::Value(v) => tri(matches_any(v, values)),
        },
        Cond::NotIn(path, values) => match facts.value(path) {
            Known::Absent => Tri::True,
            Known::Unknown => Tri::Unknown,
            Known::Value(v) => tri(!matches_any(v, values)),
        },
        Cond::Present(path) => match facts.presence(path) {
            Presence::Present => Tri::True,
            Presence::Absent => Tri::False,
            Presence::Maybe => Tri::Unknown,
        },
        Cond::Absent(path) => match facts.presence(path) {
            Presence::Present => Tri::False,
            Presence::Absent => Tri::True,
            Presence::Maybe => Tri::Unknown,
        },
    }
}

/// The JSON text of a scalar without quotes (`card`, `1`, `true`), as enum values are kept.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn matches_any(v: &Value, values: &[&str]) -> bool {
    scalar_text(v).is_some_and(|t| values.contains(&t.as_str()))
}
