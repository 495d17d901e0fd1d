//! Emits `spec/src/table.rs`: the products, the parameter tree and the rules, as static data.

use crate::model::{Cond, Constraints, Format, Kind, Model, Param, Rule};
use crate::pattern::Machine;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The table's Rust source, unformatted.
pub fn tokens(model: &Model) -> TokenStream {
    let products = model.products.iter().map(|p| {
        let (id, name, variant) = (&p.id, &p.name, &p.variant);
        quote! { Product { id: #id, name: #name, variant: #variant } }
    });
    let params = model.params.iter().map(param);
    let rules = model.rules.iter().map(rule);
    let servers = model.servers.iter().map(|s| {
        let (region, url) = (&s.region, &s.url);
        quote! { Server { region: #region, url: #url } }
    });
    let order_path = crate::model::OPERATION_PATH;
    quote! {
        use crate::{Cond, Constraints, Effect, Format, Kind, Param, Pattern, Product, Rule, Server};

        /// The API's servers, one per region.
        pub static SERVERS: &[Server] = &[#(#servers),*];

        /// The order operation's path below a server URL; `{client_certificate_id}` is the product.
        pub const ORDER_PATH: &str = #order_path;

        /// The products of the endpoint, in the spec's order.
        pub static PRODUCTS: &[Product] = &[#(#products),*];

        /// Every request parameter, parents before their fields.
        pub static PARAMS: &[Param] = &[#(#params),*];

        /// The conditional rules of `x-certcentral-rules`, in the spec's order.
        pub static RULES: &[Rule] = &[#(#rules),*];
    }
}

fn param(p: &Param) -> TokenStream {
    let Param {
        path,
        kind,
        required,
        deprecated,
        rust_type,
        secret,
        constraints,
    } = p;
    let kind = format_ident!(
        "{}",
        match kind {
            Kind::String => "String",
            Kind::Integer => "Integer",
            Kind::Boolean => "Boolean",
            Kind::StringList => "StringList",
            Kind::ObjectList => "ObjectList",
            Kind::Object => "Object",
        }
    );
    let constraints = constraints_tokens(constraints);
    quote! {
        Param {
            path: #path,
            kind: Kind::#kind,
            required: #required,
            deprecated: #deprecated,
            rust_type: #rust_type,
            secret: #secret,
            constraints: #constraints,
        }
    }
}

fn option<T: quote::ToTokens>(v: &Option<T>) -> TokenStream {
    match v {
        Some(v) => quote! { Some(#v) },
        None => quote! { None },
    }
}

fn constraints_tokens(c: &Constraints) -> TokenStream {
    if *c == Constraints::default() {
        return quote! { Constraints::NONE };
    }
    let enum_values = &c.enum_values;
    let (minimum, maximum) = (option(&c.minimum), option(&c.maximum));
    let (min_length, max_length) = (option(&c.min_length), option(&c.max_length));
    let min_items = option(&c.min_items);
    let pattern = match &c.pattern {
        None => quote! { None },
        Some(p) => {
            let source = &p.source;
            // Byte classes as ranges (`b'0'..=b'9'` is class 1): reviewable in a diff.
            let ranges = class_ranges(&p.classes).into_iter().map(|(lo, hi, class)| {
                let (lo, hi) = (byte(lo), byte(hi));
                quote! { (#lo, #hi, #class) }
            });
            let machine = match &p.machine {
                Machine::Run { min, max } => quote! { Machine::Run { min: #min, max: #max } },
                Machine::Dfa {
                    start,
                    shift,
                    next,
                    accept,
                    early,
                } => {
                    let bytes = proc_macro2::Literal::byte_string;
                    let (next, accept) = (bytes(next), bytes(accept));
                    quote! {
                        Machine::Dfa {
                            start: #start,
                            shift: #shift,
                            next: #next,
                            accept: #accept,
                            early: #early,
                        }
                    }
                }
            };
            quote! {
                Some(Pattern {
                    source: #source,
                    classes: &crate::checks::byte_classes(&[#(#ranges),*]),
                    machine: crate::checks::#machine,
                })
            }
        }
    };
    let format = match c.format {
        None => quote! { None },
        Some(f) => {
            let f = format_ident!(
                "{}",
                match f {
                    Format::Email => "Email",
                    Format::DateDdMmmYyyy => "DateDdMmmYyyy",
                    Format::DateYyyyMmDd => "DateYyyyMmDd",
                }
            );
            quote! { Some(Format::#f) }
        }
    };
    quote! {
        Constraints {
            enum_values: &[#(#enum_values),*],
            minimum: #minimum,
            maximum: #maximum,
            min_length: #min_length,
            max_length: #max_length,
            pattern: #pattern,
            min_items: #min_items,
            format: #format,
        }
    }
}

fn rule(r: &Rule) -> TokenStream {
    let Rule {
        id,
        when,
        effect,
        params,
        message,
    } = r;
    let when = when.iter().map(|c| match c {
        Cond::Products(p) => quote! { Cond::Products(&[#(#p),*]) },
        Cond::In(path, v) => quote! { Cond::In(#path, &[#(#v),*]) },
        Cond::NotIn(path, v) => quote! { Cond::NotIn(#path, &[#(#v),*]) },
        Cond::Present(path) => quote! { Cond::Present(#path) },
        Cond::Absent(path) => quote! { Cond::Absent(#path) },
    });
    let effect = format_ident!(
        "{}",
        match effect.as_str() {
            "require" => "Require",
            "forbid" => "Forbid",
            "one_of" => "OneOf",
            "any_of" => "AnyOf",
            _ => "Ignore",
        }
    );
    quote! {
        Rule {
            id: #id,
            when: &[#(#when),*],
            effect: Effect::#effect,
            params: &[#(#params),*],
            message: #message,
        }
    }
}

/// Runs of bytes with the same non-zero class, as (first, last, class).
fn class_ranges(classes: &[u8]) -> Vec<(u8, u8, u8)> {
    let mut runs: Vec<(u8, u8, u8)> = Vec::new();
    for (b, &class) in (0..=255u8).zip(classes) {
        match runs.last_mut() {
            Some((_, hi, c)) if *c == class && *hi as usize + 1 == b as usize => *hi = b,
            _ if class != 0 => runs.push((b, b, class)),
            _ => {}
        }
    }
    runs
}

/// A byte literal (`b'a'` when printable).
fn byte(b: u8) -> proc_macro2::Literal {
    if b.is_ascii_graphic() {
        proc_macro2::Literal::byte_character(b)
    } else {
        proc_macro2::Literal::u8_unsuffixed(b)
    }
}
