//! What one value is held to (type, enum, bounds, length, format, pattern, items) and how a
//! violation of each is worded.

use super::{At, Violation, walk_value};
use crate::BuiltinRule;
use crate::{Constraints, Format, Kind, Param, Table, nearest};
use serde_json::Value;

pub(super) fn check_value_at(
    t: &'static Table<'static>,
    field: &'static Param<'static>,
    v: &Value,
    at: &At,
) -> Vec<Violation> {
    let mut out = Vec::new();
    match field.kind {
        Kind::String => match v.as_str() {
            Some(s) => check_string(field, &field.constraints, s, at, &mut out),
            None => out.push(type_violation(&at.render(), field.kind)),
        },
        Kind::Integer => check_integer(field, v, at, &mut out),
        Kind::Boolean => {
            if !v.is_boolean() {
                out.push(type_violation(&at.render(), field.kind));
            }
        }
        Kind::StringList => match v.as_array() {
            Some(items) => {
                check_min_items(field, items.len(), at, &mut out);
                let item_rules = Constraints {
                    min_items: None,
                    ..field.constraints
                };
                for (i, item) in items.iter().enumerate() {
                    let shown = At::Index(at, i);
                    match item.as_str() {
                        Some(s) => check_string(field, &item_rules, s, &shown, &mut out),
                        None => out.push(type_violation(&shown.render(), Kind::String)),
                    }
                }
            }
            None => out.push(type_violation(&at.render(), field.kind)),
        },
        Kind::Object | Kind::ObjectList => {
            let mut present = vec![false; t.params.len()];
            walk_value(t, field, v, at, &mut out, &mut present);
        }
    }
    out
}

pub(super) fn type_violation(at: &str, kind: Kind) -> Violation {
    Violation {
        rule: BuiltinRule::Type.id(),
        path: at.to_string(),
        message: format!("`{at}` must be {}", kind.describe()),
    }
}

pub(super) fn check_min_items(field: &Param, len: usize, at: &At, out: &mut Vec<Violation>) {
    if let Some(min) = field.constraints.min_items
        && (len as u64) < min
    {
        out.push(Violation {
            rule: BuiltinRule::MinItems.id(),
            path: at.render(),
            message: format!("`{}` needs at least {min} item(s), got {len}", field.path),
        });
    }
}

fn check_enum(field: &Param, text: &str, at: &At, out: &mut Vec<Violation>) {
    let allowed = field.constraints.enum_values;
    if allowed.is_empty() || allowed.contains(&text) {
        return;
    }
    out.push(Violation {
        rule: BuiltinRule::Enum.id(),
        path: at.render(),
        message: format!(
            "`{}` is not an allowed value of `{}`{}; allowed: {}",
            crate::excerpt(text),
            field.path,
            suggestion(text, allowed.iter().copied()),
            allowed.join(", ")
        ),
    });
}

fn check_integer(field: &Param, v: &Value, at: &At, out: &mut Vec<Violation>) {
    // Integers beyond i64 are out of every range the spec has.
    let n = match (v.as_i64(), v.as_u64()) {
        (Some(n), _) => Some(n),
        (None, Some(_)) => None,
        (None, None) => {
            out.push(type_violation(&at.render(), Kind::Integer));
            return;
        }
    };
    if !field.constraints.enum_values.is_empty() {
        check_enum(field, &v.to_string(), at, out);
    }
    let c = &field.constraints;
    let below = matches!((n, c.minimum), (Some(n), Some(min)) if n < min);
    let above = match (n, c.maximum) {
        (Some(n), Some(max)) => n > max,
        (None, _) => true,
        _ => false,
    };
    if below || above {
        let range = match (c.minimum, c.maximum) {
            (Some(min), Some(max)) => format!("between {min} and {max}"),
            (Some(min), None) => format!("at least {min}"),
            (None, Some(max)) => format!("at most {max}"),
            (None, None) => "a 64-bit integer".to_string(),
        };
        out.push(Violation {
            rule: BuiltinRule::Range.id(),
            path: at.render(),
            message: if field.secret {
                format!("`{}` must be {range}", field.path)
            } else {
                format!("`{}` must be {range}, got {v}", field.path)
            },
        });
    }
}

fn check_string(field: &Param, c: &Constraints, s: &str, at: &At, out: &mut Vec<Violation>) {
    check_enum(field, s, at, out);
    let min = c.min_length.unwrap_or(0);
    let max = c.max_length.unwrap_or(u64::MAX);
    // Characters are counted only for a message: the check rarely needs the count.
    if !crate::checks::length_within(s, min, max) {
        let len = s.chars().count() as u64;
        let (rule, message) = if len < min && min == 1 {
            (
                BuiltinRule::MinLength.id(),
                format!("`{}` must not be empty", field.path),
            )
        } else if len < min {
            let p = field.path;
            let m = format!("`{p}` needs at least {min} characters, got {len}");
            (BuiltinRule::MinLength.id(), m)
        } else {
            let p = field.path;
            let m = format!("`{p}` takes at most {max} characters, got {len}");
            (BuiltinRule::MaxLength.id(), m)
        };
        out.push(Violation {
            rule,
            path: at.render(),
            message,
        });
    }
    if let Some((at_char, found)) = c.pattern.and_then(|p| p.excluded(s)) {
        out.push(Violation {
            rule: BuiltinRule::Pattern.id(),
            path: at.render(),
            message: format!(
                "`{}` must be one line of text without control characters: character {at_char} \
                 is U+{:04X}",
                field.path, found as u32
            ),
        });
        return;
    }
    if let Some(pattern) = c.pattern
        && !pattern.is_match(s)
    {
        let hint = match c.format {
            Some(Format::DateDdMmmYyyy) => " (dd MMM yyyy, e.g. `09 JUN 2025`)",
            Some(Format::DateYyyyMmDd) => " (yyyy-MM-dd, e.g. `2025-06-09`)",
            _ => "",
        };
        out.push(Violation {
            rule: BuiltinRule::Pattern.id(),
            path: at.render(),
            message: format!("`{}` must match `{}`{hint}", field.path, pattern.source()),
        });
        // A malformed value is not checked for its format as well.
        return;
    }
    let format_error = match c.format {
        Some(f) if !f.matches(s) => Some(match f {
            Format::Email => "an email address",
            Format::DateDdMmmYyyy | Format::DateYyyyMmDd => "a calendar date",
        }),
        _ => None,
    };
    if let Some(what) = format_error {
        out.push(Violation {
            rule: BuiltinRule::Format.id(),
            path: at.render(),
            message: format!(
                "`{}` must be {what}, got `{}`",
                field.path,
                crate::excerpt(s)
            ),
        });
    }
}

pub(super) fn suggestion<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(input, candidates).map_or(String::new(), |n| format!(" (did you mean `{n}`?)"))
}
