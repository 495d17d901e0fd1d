//! The run-time validator: schema constraints and conditional rules over a JSON order body.
//! The walk over the body is here; what one value is held to, and how a violation of it is
//! worded, is `values.rs`.

mod values;

use crate::{BuiltinRule, Effect, Facts, Finding, Kind, Known, Param, Presence, Table};
use serde_json::Value;
use std::fmt;
use values::{check_min_items, check_value_at, suggestion, type_violation};

/// Where a value sits, rendered to a dotted path only when a violation is reported
/// (building the string for every valid field was most of the validator's cost).
#[derive(Clone, Copy)]
enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    fn render(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Key(parent, key) => match parent.render() {
                p if p.is_empty() => key.to_string(),
                p => format!("{p}.{key}"),
            },
            At::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }
}

/// One broken rule (or, among a validation's warnings, one ignored parameter).
///
/// Serializes as `{"rule": "…", "path": "…", "message": "…"}`, a stable shape for returning
/// violations to another program (a form's backend, say).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Violation {
    /// The rule's id: a conditional rule's id from the spec (`common_name.required`) or a
    /// [`BuiltinRule`]'s (`schema.required`, `schema.type`, `schema.enum`, `schema.range`,
    /// `schema.min_length`, `schema.max_length`, `schema.pattern`, `schema.min_items`,
    /// `schema.format`, `schema.unknown_parameter`, `product.unknown`, `order.serialize`).
    pub rule: &'static str,
    /// The parameter at fault, as a dotted path with list indices (`certificate.emails[1]`).
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Violation {
    /// A violation of `rule` at `path`.
    ///
    /// ```
    /// # use certcentral_rules as certcentral; // as `certcentral` re-exports it
    /// let v = certcentral::Violation::new("schema.type", "(body)", "not an object");
    /// assert_eq!(v.to_string(), "(body) [schema.type]: not an object");
    /// ```
    pub fn new(rule: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Violation {
            rule,
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]: {}", self.path, self.rule, self.message)
    }
}

/// Everything the validator found in one order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// What DigiCert would reject. Empty means the order may be sent.
    pub violations: Vec<Violation>,
    /// Parameters DigiCert accepts but ignores (deprecated or not applicable).
    pub warnings: Vec<Violation>,
}

impl Report {
    /// No violations (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

impl Table<'static> {
    /// Validates an order body for `product` against the schema constraints and every rule.
    ///
    /// Every violation is reported, not just the first.
    ///
    /// ```
    /// let report = certcentral_table::TABLE.validate(
    ///     "client_premium",
    ///     &serde_json::json!({
    ///         "certificate": { "emails": ["not-an-address"], "signature_hash": "sha256" },
    ///         "order_validity": { "years": 4 }
    ///     }),
    /// );
    /// let rules: Vec<_> = report.violations.iter().map(|v| v.rule).collect();
    /// assert!(rules.contains(&"schema.format"));
    /// assert!(rules.contains(&"schema.range"));
    /// assert!(rules.contains(&"common_name.required"));
    /// ```
    pub fn validate(&'static self, product_id: &str, body: &Value) -> Report {
        let t = self;
        let mut report = Report::default();
        if t.product(product_id).is_none() {
            let known = t.products.iter().map(|p| p.id);
            report.violations.push(Violation {
                rule: BuiltinRule::UnknownProduct.id(),
                path: "client_certificate_id".into(),
                message: format!(
                    "unknown product `{}`{}; products: {}",
                    crate::excerpt(product_id),
                    suggestion(product_id, known.clone()),
                    known.collect::<Vec<_>>().join(", ")
                ),
            });
        }
        // Which parameters are sent, recorded by the walk so that the rules need no lookups.
        let mut present = vec![false; t.params.len()];
        walk_object(
            t,
            None,
            body,
            &At::Root,
            &mut report.violations,
            &mut present,
        );
        let facts = JsonFacts {
            table: t,
            product: product_id,
            body,
            present: &present,
        };
        for finding in t.evaluate(&facts) {
            match finding {
                Finding::Violated { rule, params } => {
                    // "None of these is set" and "more than one of these is set" are one
                    // mistake each: one violation, at the parameters' common parent.
                    let none_of = matches!(rule.effect, Effect::AnyOf | Effect::OneOf)
                        && params.len() == rule.params.len()
                        && params.iter().all(|p| facts.presence(p) == Presence::Absent);
                    let several = rule.effect == Effect::OneOf && params.len() > 1;
                    let paths: Vec<String> = if none_of || several {
                        vec![common_parent(&params)]
                    } else {
                        params.iter().map(|p| p.to_string()).collect()
                    };
                    for path in paths {
                        report.violations.push(Violation {
                            rule: rule.id,
                            path,
                            message: rule.message.to_string(),
                        });
                    }
                }
                Finding::Warned { rule, params } => {
                    for p in params {
                        report.warnings.push(Violation {
                            rule: rule.id,
                            path: p.to_string(),
                            message: rule.message.to_string(),
                        });
                    }
                }
                // Every value is known at run time; nothing can stay undecided.
                Finding::Undecided { .. } => {}
            }
        }
        // A rule about an object's fields says more than "the object is required".
        let named: Vec<String> = report
            .violations
            .iter()
            .filter(|v| !BuiltinRule::from_id(v.rule).is_some_and(BuiltinRule::is_schema))
            .map(|v| v.path.clone())
            .collect();
        report.violations.retain(|v| {
            v.rule != BuiltinRule::Required.id()
                || !named
                    .iter()
                    .any(|n| crate::says_more_than_required(n, &v.path))
        });
        report
    }

    /// Checks a scalar or string-list value against a parameter's type and constraints.
    ///
    /// The derive uses this for the constants fixed in `#[order(...)]`, so a constant and a
    /// run-time value are held to exactly the same rules.
    ///
    /// ```
    /// let table = &certcentral_table::TABLE;
    /// let p = table.param("alternative_order_id").unwrap();
    /// assert!(table.check_value(p, &serde_json::json!("order42")).is_empty());
    /// let v = table.check_value(p, &serde_json::json!("order-42"));
    /// assert_eq!(v[0].rule, "schema.pattern");
    /// ```
    pub fn check_value(
        &'static self,
        param: &'static Param<'static>,
        value: &Value,
    ) -> Vec<Violation> {
        check_value_at(self, param, value, &At::Key(&At::Root, param.path))
    }
}

/// The path all of `params` are under (`order_validity` for its fields), else the first.
fn common_parent(params: &[&str]) -> String {
    let parents: Vec<Option<&str>> = params.iter().map(|p| crate::parent_of(p)).collect();
    match parents.first() {
        Some(Some(first)) if parents.iter().all(|p| p == &Some(*first)) => first.to_string(),
        _ => params.first().map_or(String::new(), |p| p.to_string()),
    }
}

struct JsonFacts<'a> {
    table: &'static Table<'static>,
    product: &'a str,
    body: &'a Value,
    present: &'a [bool],
}

impl Facts for JsonFacts<'_> {
    fn product(&self) -> &str {
        self.product
    }
    fn presence(&self, path: &str) -> Presence {
        match self
            .table
            .param_index(path)
            .and_then(|i| self.present.get(i))
        {
            Some(true) => Presence::Present,
            _ => Presence::Absent,
        }
    }
    fn value(&self, path: &str) -> Known<'_> {
        lookup(self.body, path).map_or(Known::Absent, Known::Value)
    }
}

/// The non-null value at a dotted path (no list segments).
fn lookup<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(body, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

/// Checks one object: unknown keys, required fields, and every field's value.
/// `schema_path` is the table path of the object (`None` for the root), `at` the path shown
/// to the user (with list indices).
fn walk_object(
    t: &'static Table<'static>,
    schema_path: Option<&str>,
    value: &Value,
    at: &At,
    out: &mut Vec<Violation>,
    present: &mut [bool],
) {
    let Some(map) = value.as_object() else {
        let shown = match at {
            At::Root => "(body)".to_string(),
            at => at.render(),
        };
        out.push(type_violation(&shown, Kind::Object));
        return;
    };
    let ids = t.field_ids(schema_path);
    let fields = || ids.iter().map(|i| &t.params[*i]);
    for (key, v) in map {
        let shown = At::Key(at, key);
        let Some(&id) = ids.iter().find(|i| t.leaf_of(**i) == key) else {
            out.push(Violation {
                rule: BuiltinRule::UnknownParameter.id(),
                path: crate::excerpt(&shown.render()).into_owned(),
                message: format!(
                    "unknown parameter `{}`{}",
                    crate::excerpt(key),
                    suggestion(key, fields().map(|f| f.leaf()))
                ),
            });
            continue;
        };
        let field = &t.params[id];
        if !v.is_null() {
            present[id] = true;
            walk_value(t, field, v, &shown, out, present);
        }
    }
    for field in fields().filter(|f| f.required) {
        if map.get(field.leaf()).is_none_or(Value::is_null) {
            out.push(Violation {
                rule: BuiltinRule::Required.id(),
                path: At::Key(at, field.leaf()).render(),
                message: format!(
                    "`{}` is required{}",
                    field.path,
                    schema_path.map_or(String::new(), |p| format!(" when `{p}` is sent"))
                ),
            });
        }
    }
}

fn walk_value(
    t: &'static Table<'static>,
    field: &'static Param<'static>,
    v: &Value,
    at: &At,
    out: &mut Vec<Violation>,
    present: &mut [bool],
) {
    match field.kind {
        Kind::Object => walk_object(t, Some(field.path), v, at, out, present),
        Kind::ObjectList => match v.as_array() {
            Some(items) => {
                check_min_items(field, items.len(), at, out);
                // Item fields are the children of the list (`custom_fields[].value`).
                for (i, item) in items.iter().enumerate() {
                    walk_object(t, Some(field.path), item, &At::Index(at, i), out, present);
                }
            }
            None => out.push(type_violation(&at.render(), field.kind)),
        },
        _ => out.extend(check_value_at(t, field, v, at)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn list_items_are_checked_field_by_field() {
        let body = serde_json::json!({
            "certificate": { "emails": ["a@example.com"], "signature_hash": "sha256" },
            "order_validity": { "years": 1 },
            "custom_fields": [
                { "metadata_id": 1, "value": "x" },
                { "metadata_id": "one", "valu": "y" }
            ]
        });
        let report = certcentral_table::validate("class1_smime", &body);
        let found: Vec<(&str, &str)> = report
            .violations
            .iter()
            .map(|v| (v.rule, v.path.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("schema.type", "custom_fields[1].metadata_id"),
                ("schema.unknown_parameter", "custom_fields[1].valu"),
                ("schema.required", "custom_fields[1].value"),
            ]
        );
    }
}
