//! Orders the table accepts, built from the table alone: for tests, examples and benchmarks
//! that must follow a new product or rule with no edit outside the spec.

use crate::BuiltinRule;
use crate::{Effect, Format, Kind, Param, Pattern, Table, Violation};
use serde_json::{Map, Value, json};

impl Table<'static> {
    /// `body` completed into an order this table accepts for `product`: what a rule or the
    /// schema requires is added with a sample value that meets its constraints, what a rule
    /// forbids is removed, and values that break a constraint are replaced. `None` when no
    /// such order is found (an unknown product, or rules no order can meet).
    ///
    /// ```
    /// let table = &certcentral_table::TABLE;
    /// for product in table.products {
    ///     let order = table.complete(product.id, serde_json::json!({})).unwrap();
    ///     assert!(table.validate(product.id, &order).is_valid(), "{order}");
    /// }
    /// // What the caller set is kept where the rules allow it; what it implies is added.
    /// let card = table.complete("class1_smime", serde_json::json!({ "payment_method": "card" })).unwrap();
    /// assert_eq!(card["payment_method"], "card");
    /// assert!(card.get("credit_card").is_some());
    /// ```
    pub fn complete(&'static self, product: &str, mut body: Value) -> Option<Value> {
        self.product(product)?;
        // Each round fixes every violation found; a chain of implications (an object, then
        // its required fields) takes one round per link.
        for _ in 0..32 {
            let report = self.validate(product, &body);
            if report.is_valid() {
                return Some(body);
            }
            let mut changed = false;
            for v in &report.violations {
                changed |= self.repair(&mut body, v);
            }
            if !changed {
                return None;
            }
        }
        None
    }

    fn repair(&'static self, body: &mut Value, v: &Violation) -> bool {
        if let Some(rule) = self.rule(v.rule) {
            let present = |p: &str| lookup(body, p).is_some();
            return match rule.effect {
                Effect::Require => self.set_sample(body, &v.path),
                Effect::Forbid => remove(body, &v.path),
                Effect::AnyOf | Effect::OneOf if !rule.params.iter().any(|p| present(p)) => rule
                    .params
                    .first()
                    .is_some_and(|p| self.set_sample(body, p)),
                // Several are set: keep the first, drop the rest.
                Effect::OneOf => {
                    let set: Vec<&str> =
                        rule.params.iter().copied().filter(|p| present(p)).collect();
                    let mut changed = false;
                    for p in set.iter().skip(1) {
                        changed |= remove(body, p);
                    }
                    changed
                }
                Effect::AnyOf | Effect::Ignore => false,
            };
        }
        match BuiltinRule::from_id(v.rule) {
            Some(BuiltinRule::UnknownParameter) => remove(body, &v.path),
            Some(BuiltinRule::UnknownProduct | BuiltinRule::Serialize) => false,
            _ => self.set_sample(body, &v.path),
        }
    }

    /// Sets the value at `path` (a dotted path, list indices allowed) to its parameter's sample.
    fn set_sample(&'static self, body: &mut Value, path: &str) -> bool {
        let Some(param) = self.param(&param_path(path)) else {
            return false;
        };
        let value = if path.ends_with(']') {
            item_sample(param) // one item of a string list
        } else {
            sample(param)
        };
        set(body, path, value)
    }
}

/// The table path of a concrete path: `custom_fields[1].value` → `custom_fields[].value`,
/// `certificate.emails[0]` → `certificate.emails`.
fn param_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            c => out.push(c),
        }
    }
    out.strip_suffix("[]").map_or(out.clone(), String::from)
}

/// A value of `param` that meets its constraints.
fn sample(param: &Param) -> Value {
    match param.kind {
        Kind::Object => json!({}),
        Kind::ObjectList => json!([{}]),
        Kind::StringList => Value::Array(vec![item_sample(param)]),
        Kind::Boolean => json!(false),
        Kind::Integer => {
            let c = &param.constraints;
            if let Some(n) = c.enum_values.first().and_then(|v| v.parse::<i64>().ok()) {
                return json!(n);
            }
            json!(1i64.clamp(c.minimum.unwrap_or(i64::MIN), c.maximum.unwrap_or(i64::MAX)))
        }
        Kind::String => item_sample(param),
    }
}

/// A string (for a string list: one item) that meets `param`'s constraints.
fn item_sample(param: &Param) -> Value {
    let c = &param.constraints;
    if let Some(first) = c.enum_values.first() {
        return json!(first);
    }
    let text = match (c.format, c.pattern) {
        (Some(Format::Email), _) => "alice@example.com".to_string(),
        (Some(Format::DateDdMmmYyyy), _) => "09 JUN 2030".to_string(),
        (Some(Format::DateYyyyMmDd), _) => "2030-06-09".to_string(),
        (_, Some(Pattern::Run { ranges, min, .. })) => {
            let c = ranges.first().map_or('a', |(lo, _)| char::from(*lo));
            std::iter::repeat_n(c, (min.max(1)) as usize).collect()
        }
        _ => "Example".to_string(),
    };
    let min = c.min_length.unwrap_or(0) as usize;
    let max = c.max_length.map_or(usize::MAX, |m| m as usize);
    let mut text: String = text.chars().take(max.max(1)).collect();
    while text.chars().count() < min {
        text.push('x');
    }
    json!(text)
}

/// One step of a concrete path: a key, or an index into a list.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for segment in path.split('.') {
        let (key, mut rest) = segment
            .split_once('[')
            .map_or((segment, ""), |(k, r)| (k, r));
        out.push(Step::Key(key));
        while let Some((index, tail)) = rest.split_once(']') {
            if let Ok(i) = index.parse() {
                out.push(Step::Index(i));
            }
            rest = tail.strip_prefix('[').unwrap_or(tail);
        }
    }
    out
}

fn lookup<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
    steps(path)
        .iter()
        .try_fold(body, |v, step| match step {
            Step::Key(k) => v.get(k),
            Step::Index(i) => v.get(i),
        })
        .filter(|v| !v.is_null())
}

/// Sets the value at `path`, creating the objects on the way; false if it was already that.
fn set(body: &mut Value, path: &str, value: Value) -> bool {
    let steps = steps(path);
    let Some((last, parents)) = steps.split_last() else {
        return false;
    };
    let mut here = body;
    for step in parents {
        here = match step {
            Step::Key(k) => {
                if !here.is_object() {
                    *here = Value::Object(Map::new());
                }
                let Value::Object(map) = here else {
                    return false;
                };
                map.entry(k.to_string()).or_insert_with(|| json!({}))
            }
            Step::Index(i) => match here.get_mut(*i) {
                Some(item) => item,
                None => return false,
            },
        };
    }
    let slot = match last {
        Step::Key(k) => {
            if !here.is_object() {
                *here = Value::Object(Map::new());
            }
            match here {
                Value::Object(map) => map.entry(k.to_string()).or_insert(Value::Null),
                _ => return false,
            }
        }
        Step::Index(i) => match here.get_mut(*i) {
            Some(item) => item,
            None => return false,
        },
    };
    if *slot == value {
        return false;
    }
    *slot = value;
    true
}

fn remove(body: &mut Value, path: &str) -> bool {
    let steps = steps(path);
    let Some((last, parents)) = steps.split_last() else {
        return false;
    };
    let mut here = body;
    for step in parents {
        let next = match step {
            Step::Key(k) => here.get_mut(k),
            Step::Index(i) => here.get_mut(*i),
        };
        match next {
            Some(v) => here = v,
            None => return false,
        }
    }
    match (last, here) {
        (Step::Key(k), Value::Object(map)) => map.remove(*k).is_some(),
        (Step::Index(i), Value::Array(items)) if *i < items.len() => {
            items.remove(*i);
            true
        }
        _ => false,
    }
}
