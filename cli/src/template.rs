//! `certcentral template` and `certcentral columns`: which CSV columns a product takes, read
//! from the spec's rules table (nothing here lists a parameter or a rule by hand).

use crate::outcome::EXIT_OK;
use crate::output::Exit;
use certcentral_table::{Cond, Effect, Kind, Param, Rule, TABLE};
use serde_json::Value;

/// A marker after a header: the column is required (the command's CSV reader ignores it).
const REQUIRED: &str = "*";

/// How a product treats a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Required,
    Conditional,
    Optional,
    Forbidden,
}

/// The rules that apply to `product` and name `param` (or an object around it).
fn rules_of(product: &str, param: &Param) -> Vec<&'static Rule<'static>> {
    TABLE
        .rules
        .iter()
        .filter(|r| {
            r.when.iter().all(|c| match c {
                Cond::Products(ps) => ps.contains(&product),
                _ => true,
            })
        })
        .filter(|r| {
            r.params
                .iter()
                .any(|p| param.path == *p || param.path.starts_with(&format!("{p}.")))
        })
        .collect()
}

/// Whether a rule applies to every order of the product (its conditions are products only).
fn unconditional(rule: &Rule) -> bool {
    rule.when.iter().all(|c| matches!(c, Cond::Products(_)))
}

/// The columns of a product: every parameter that can be a cell, with its need and rules.
/// `minimal` is the smallest order the table accepts for it.
fn columns(
    product: &str,
    minimal: &Value,
) -> Vec<(&'static Param<'static>, Need, Vec<&'static Rule<'static>>)> {
    TABLE
        .params
        .iter()
        .filter(|p| p.kind != Kind::Object && !p.in_list_item())
        .map(|p| {
            let rules = rules_of(product, p);
            let need = if rules
                .iter()
                .any(|r| unconditional(r) && r.effect == Effect::Forbid)
            {
                Need::Forbidden
            } else if lookup(minimal, p.path).is_some() {
                Need::Required
            } else if !rules.is_empty() {
                Need::Conditional
            } else {
                Need::Optional
            };
            (p, need, rules)
        })
        .collect()
}

fn lookup<'v>(body: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(body, |v, k| v.get(k))
}

fn minimal(product: &str) -> Result<Value, Exit> {
    TABLE
        .complete(product, serde_json::json!({}))
        .ok_or_else(|| Exit::Usage(format!("no order of {product} meets the spec's rules")))
}

/// A sample value as a CSV cell.
fn cell(param: &Param, value: &Value) -> String {
    match (param.kind, value) {
        (_, Value::String(s)) => s.clone(),
        (Kind::StringList, Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(";"),
        (_, other) => other.to_string(),
    }
}

/// What starts the example row of a template: the readers skip a row whose first cell starts
/// with `#`, so a template filled in below its example orders only what was filled in.
const EXAMPLE: &str = "# example (never ordered): ";

/// `certcentral template --product P`: a CSV header (required columns first, marked `*`) and
/// one example row that validates, commented out unless `example`.
pub fn template(product: &str, example: bool) -> Exit {
    let minimal = match minimal(product) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let mut cols: Vec<_> = columns(product, &minimal)
        .into_iter()
        .filter(|(p, need, _)| *need != Need::Forbidden && !p.deprecated && !p.secret)
        .collect();
    cols.sort_by_key(|(_, need, _)| *need != Need::Required);
    let mut writer = csv::Writer::from_writer(std::io::stdout());
    let header = std::iter::once("product".to_string()).chain(cols.iter().map(|(p, need, _)| {
        if *need == Need::Required {
            format!("{}{REQUIRED}", p.path)
        } else {
            p.path.to_string()
        }
    }));
    let first = if example {
        product.to_string()
    } else {
        format!("{EXAMPLE}{product}")
    };
    let row = std::iter::once(first).chain(
        cols.iter()
            .map(|(p, _, _)| lookup(&minimal, p.path).map_or(String::new(), |v| cell(p, v))),
    );
    let written = writer
        .write_record(header)
        .and_then(|()| writer.write_record(row))
        .and_then(|()| writer.flush().map_err(Into::into));
    match written {
        Ok(()) => Exit::Code(EXIT_OK),
        Err(e) => Exit::Usage(format!("cannot write the template: {e}")),
    }
}

/// `certcentral columns --product P`: every parameter with its type, need and rules.
pub fn list(product: &str) -> Exit {
    let minimal = match minimal(product) {
        Ok(m) => m,
        Err(e) => return e,
    };
    say!(
        "Columns of {product} ({}): `*` in a template marks the required ones.",
        certcentral_table::product(product).map_or("", |p| p.name)
    );
    for (p, need, rules) in columns(product, &minimal) {
        let kind = match p.kind {
            Kind::StringList => "list (separated by `;`)",
            Kind::ObjectList => "list of objects (JSON)",
            k => k.describe(),
        };
        let need = match need {
            Need::Required => "required",
            Need::Conditional => "conditional",
            Need::Optional => "optional",
            Need::Forbidden => "not allowed",
        };
        let deprecated = if p.deprecated { ", deprecated" } else { "" };
        say!("{:<48} {kind}; {need}{deprecated}", p.path);
        let c = &p.constraints;
        if !c.enum_values.is_empty() {
            say!("    one of: {}", c.enum_values.join(", "));
        }
        for r in rules {
            say!("    [{}] {}", r.id, r.message);
        }
    }
    Exit::Code(EXIT_OK)
}
