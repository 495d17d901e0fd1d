//! The product reference in the generated `ClientCertificateId`'s docs: each variant with its
//! wire id, DigiCert's display name, and the parameters it requires, refuses and ignores (with
//! the rules that say so), and a product × parameter table on the enum. Read from the rules
//! table, so the reference cannot drift from what the validator, the derive and the mock do.

use certcentral_rules::{Cond, Effect, Param, Rule, Table};

/// How a product treats a parameter, when a rule decides it whatever else the order holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stance {
    Requires,
    Refuses,
    Ignores,
    /// One (or at least one) of the rule's parameters.
    OneOf,
}

/// The rules that apply to `product` whatever else the order holds (their conditions name
/// products only, and this one among them).
fn unconditional<'t>(table: &Table<'t>, product: &str) -> Vec<(&'t Rule<'t>, Stance)> {
    table
        .rules
        .iter()
        .filter(|r| {
            r.when.iter().all(|c| match c {
                Cond::Products(ps) => ps.contains(&product),
                _ => false,
            })
        })
        .filter_map(|r| {
            let stance = match r.effect {
                Effect::Require => Stance::Requires,
                Effect::Forbid => Stance::Refuses,
                Effect::Ignore => Stance::Ignores,
                Effect::OneOf | Effect::AnyOf => Stance::OneOf,
                _ => return None,
            };
            Some((r, stance))
        })
        .collect()
}

/// The rules that apply to `product` only when the order holds something (a value, a
/// parameter): named, to be looked up.
fn conditional<'t>(table: &Table<'t>, product: &str) -> Vec<&'t str> {
    table
        .rules
        .iter()
        .filter(|r| {
            r.when.iter().any(|c| !matches!(c, Cond::Products(_)))
                && r.when.iter().all(|c| match c {
                    Cond::Products(ps) => ps.contains(&product),
                    _ => true,
                })
        })
        .map(|r| r.id)
        .collect()
}

/// The parameters every order needs, by the schema (`required` from the root down).
fn schema_required<'t>(table: &Table<'t>) -> Vec<&'t str> {
    let required = |p: &Param| {
        let mut at = Some(p.path);
        while let Some(path) = at {
            match table.params.iter().find(|q| q.path == path) {
                Some(q) if q.required => at = q.parent(),
                _ => return false,
            }
        }
        true
    };
    table
        .params
        .iter()
        .filter(|p| p.kind != certcentral_rules::Kind::Object && !p.in_list_item() && required(p))
        .map(|p| p.path)
        .collect()
}

fn listed(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join(", ")
    }
}

/// The doc of one product's variant.
pub fn variant_doc(table: &Table, product: &str) -> String {
    let name = table
        .products
        .iter()
        .find(|p| p.id == product)
        .map_or("", |p| p.name);
    let rules = unconditional(table, product);
    let of = |stance: Stance| -> Vec<String> {
        rules
            .iter()
            .filter(|(_, s)| *s == stance)
            .flat_map(|(r, _)| r.params.iter().map(move |p| format!("`{p}` (`{}`)", r.id)))
            .collect()
    };
    let one_of: Vec<String> = rules
        .iter()
        .filter(|(_, s)| *s == Stance::OneOf)
        .map(|(r, _)| {
            let params: Vec<String> = r.params.iter().map(|p| format!("`{p}`")).collect();
            format!("one of {} (`{}`)", params.join(", "), r.id)
        })
        .collect();
    let mut requires = of(Stance::Requires);
    requires.extend(one_of);
    let always: Vec<String> = schema_required(table)
        .iter()
        .map(|p| format!("`{p}`"))
        .collect();
    let conditional: Vec<String> = conditional(table, product)
        .iter()
        .map(|id| format!("`{id}`"))
        .collect();
    format!(
        " `{product}`: **{name}**.\n\n Requires {}; and, as every order, {}.\n\n Refuses {}. \
         Ignores (a warning) {}.\n\n Rules that apply when the order holds something: {}.",
        listed(&requires),
        listed(&always),
        listed(&of(Stance::Refuses)),
        listed(&of(Stance::Ignores)),
        listed(&conditional),
    )
}

/// The product × parameter table of the enum's doc: each parameter some product requires,
/// refuses or ignores whatever else the order holds.
pub fn table_doc(table: &Table) -> String {
    let mut params: Vec<&str> = Vec::new();
    for p in table.products {
        for (r, _) in unconditional(table, p.id) {
            for param in r.params {
                if !params.contains(param) {
                    params.push(param);
                }
            }
        }
    }
    params.sort_unstable();
    let mut doc = String::from(
        "\n\n # Products\n\n What each product requires (R), needs one of (1), refuses (–) and \
         ignores (i) whatever else the order holds, from the spec's rules (each variant names the rules; every \
         other rule applies when the order holds what it names).\n\n | parameter |",
    );
    for p in table.products {
        doc.push_str(&format!(" `{}` |", p.id));
    }
    doc.push_str("\n |---|");
    for _ in table.products {
        doc.push_str("---|");
    }
    for param in params {
        doc.push_str(&format!("\n | `{param}` |"));
        for p in table.products {
            let stance = unconditional(table, p.id)
                .into_iter()
                .find(|(r, _)| r.params.contains(&param))
                .map(|(_, s)| s);
            doc.push_str(match stance {
                Some(Stance::Requires) => " R |",
                Some(Stance::OneOf) => " 1 |",
                Some(Stance::Refuses) => " – |",
                Some(Stance::Ignores) => " i |",
                None => "   |",
            });
        }
    }
    doc
}
