//! Rules that demand opposite things of one parameter for some product are refused.

use super::*;
use certcentral_rules::is_within;

impl Cx<'_> {
    /// Refuses rules that, for some product, demand opposite things of one parameter: forbid
    /// and require it, forbid and ignore it (an error and a warning for one field), or require
    /// it inside an object another rule forbids. Both rules and the product are named.
    pub(super) fn contradictions(&mut self, table: &Table<'_>, at: &str) {
        for product in table.products {
            let applying: Vec<&Rule> = table
                .rules
                .iter()
                .filter(|r| can_apply(r, product.id))
                .collect();
            for (i, a) in applying.iter().enumerate() {
                for b in &applying[i + 1..] {
                    if !compatible(a.when, b.when) {
                        continue;
                    }
                    for (first, second) in [(a, b), (b, a)] {
                        if let Some((param, what)) = opposed(first, second) {
                            self.issue(
                                at,
                                format!(
                                    "rules `{}` and `{}` contradict each other for `{}` on \
                                     `{param}`: {what}",
                                    first.id, second.id, product.id
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Whether a rule's product condition (if any) includes `product`.
fn can_apply(rule: &Rule, product: &str) -> bool {
    rule.when.iter().all(|c| match c {
        Cond::Products(ids) => ids.contains(&product),
        _ => true,
    })
}

/// Whether two rules' conditions can hold at once (as far as their own words tell).
fn compatible(a: &[Cond], b: &[Cond]) -> bool {
    a.iter().all(|x| {
        b.iter().all(|y| match (x, y) {
            (Cond::Present(p), Cond::Absent(q)) | (Cond::Absent(q), Cond::Present(p)) => p != q,
            (Cond::In(p, _), Cond::Absent(q)) | (Cond::Absent(q), Cond::In(p, _)) => p != q,
            (Cond::In(p, xs), Cond::In(q, ys)) => p != q || xs.iter().any(|v| ys.contains(v)),
            (Cond::In(p, xs), Cond::NotIn(q, ys)) | (Cond::NotIn(q, ys), Cond::In(p, xs)) => {
                p != q || xs.iter().any(|v| !ys.contains(v))
            }
            _ => true,
        })
    })
}

/// A parameter `first` forbids and `second` demands (or ignores), and what the clash is.
fn opposed<'a>(first: &Rule<'a>, second: &Rule<'a>) -> Option<(&'a str, &'static str)> {
    if first.effect != Effect::Forbid {
        return None;
    }
    let within = |param: &str, forbidden: &str| param != forbidden && is_within(param, forbidden);
    // A rule that applies only when the forbidden object (or part of it) is sent applies only
    // to orders the forbidding rule already refuses: no contradiction.
    let inside = is_within;
    let needs_present = |forbidden: &str| {
        second.when.iter().any(|c| match c {
            Cond::Present(p) | Cond::In(p, _) => inside(p, forbidden),
            _ => false,
        })
    };
    first
        .params
        .iter()
        .filter(|f| !needs_present(f))
        .find_map(|forbidden| {
            second.params.iter().find_map(|param| match second.effect {
                Effect::Require if param == forbidden => Some((*param, "forbidden and required")),
                Effect::Require if within(param, forbidden) => {
                    Some((*param, "required inside a forbidden object"))
                }
                Effect::Ignore if param == forbidden => Some((
                    *param,
                    "forbidden and ignored (an error and a warning for one field)",
                )),
                _ => None,
            })
        })
}
