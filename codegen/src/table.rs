//! Emits `table/src/generated.rs`: the rules table as one static [`Table`], in the types of
//! `certcentral-rules`.

use crate::model::Model;
use certcentral_rules::{Cond, Constraints, Format, Param, Pattern, Rule};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The table's Rust source, unformatted.
pub fn tokens(model: &Model) -> TokenStream {
    let table = &model.table;
    let products = table.products.iter().map(|p| {
        let (id, name, variant) = (p.id, p.name, p.variant);
        quote! { Product { id: #id, name: #name, variant: #variant } }
    });
    let params = table.params.iter().map(param);
    let rules = table.rules.iter().map(rule);
    let servers = table.servers.iter().map(|s| {
        let (region, url) = (s.region, s.url);
        quote! { Server { region: #region, url: #url } }
    });
    let windows = table.rate_limits.iter().map(|w| {
        let (max, secs) = (w.max_requests, w.window.as_secs());
        quote! { Window::new(#max, Duration::from_secs(#secs)) }
    });
    let order_path = table.order_path;
    let order_id = crate::model::OPERATION_ID;
    let operations = model.operations.iter().map(|o| {
        let (id, name, method, path, success, accept) =
            (o.id, o.name, o.method, o.path, o.success, o.accept);
        quote! {
            Operation { id: #id, name: #name, method: #method, path: #path, success: #success, accept: #accept }
        }
    });
    let api_key_header = &model.operation.api_key_header;
    quote! {
        use certcentral_rules::{
            Cond, Constraints, Effect, Format, Kind, Operation, Param, Pattern, Product, Rule,
            Server, Table, Window,
        };
        use std::time::Duration;

        /// The header that carries the API key (the spec's `apiKey` security scheme).
        pub const API_KEY_HEADER: &str = #api_key_header;

        /// The `operationId` of the order operation (in [`OPERATIONS`]).
        pub const ORDER_OPERATION: &str = #order_id;

        /// Every operation of the API, by path: what the mock routes and logs, and what the
        /// client reads of a request it sends.
        pub static OPERATIONS: &[Operation] = &[#(#operations),*];

        /// The order endpoint as `spec/openapi.yaml` describes it.
        pub static TABLE: Table = Table::new(
            // The order operation's path below a server URL.
            #order_path,
            // The API's servers, one per region.
            &[#(#servers),*],
            // The products, in the spec's order.
            &[#(#products),*],
            // Every request parameter, parents before their fields.
            &[#(#params),*],
            // The conditional rules of `x-certcentral-rules`, in the spec's order.
            &[#(#rules),*],
            // DigiCert's rolling rate limits per API key (`x-certcentral-rate-limits`).
            &[#(#windows),*],
        );
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
    // A fieldless variant's `Debug` is its name.
    let kind = format_ident!("{kind:?}");
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
    if *c == Constraints::NONE {
        return quote! { Constraints::NONE };
    }
    let enum_values = c.enum_values;
    let (minimum, maximum) = (option(&c.minimum), option(&c.maximum));
    let (min_length, max_length) = (option(&c.min_length), option(&c.max_length));
    let min_items = option(&c.min_items);
    let pattern = match &c.pattern {
        None => quote! { None },
        Some(Pattern::Run {
            source,
            ranges,
            min,
            max,
        }) => {
            // Byte ranges as `(b'0', b'9')`: reviewable in a diff.
            let ranges = ranges.iter().map(|(lo, hi)| {
                let (lo, hi) = (byte(*lo), byte(*hi));
                quote! { (#lo, #hi) }
            });
            quote! { Some(Pattern::Run { source: #source, ranges: &[#(#ranges),*], min: #min, max: #max }) }
        }
        Some(Pattern::Excluding { source, ranges }) => {
            let ranges = ranges.iter().map(|(lo, hi)| quote! { (#lo, #hi) });
            quote! { Some(Pattern::Excluding { source: #source, ranges: &[#(#ranges),*] }) }
        }
        Some(Pattern::Date(f)) => {
            let f = format_name(*f);
            quote! { Some(Pattern::Date(Format::#f)) }
        }
        Some(other) => {
            let text = format!("{other:?}");
            quote! { compile_error!(#text) }
        }
    };
    let format = match c.format {
        None => quote! { None },
        Some(f) => {
            let f = format_name(f);
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
        other => {
            let text = format!("codegen cannot write {other:?}");
            quote! { compile_error!(#text) }
        }
    });
    let effect = format_ident!("{effect:?}");
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

fn format_name(f: Format) -> proc_macro2::Ident {
    format_ident!(
        "{}",
        match f {
            Format::Email => "Email",
            Format::DateDdMmmYyyy => "DateDdMmmYyyy",
            Format::DateYyyyMmDd => "DateYyyyMmDd",
        }
    )
}

fn byte(b: u8) -> proc_macro2::Literal {
    if b.is_ascii_graphic() {
        proc_macro2::Literal::byte_character(b)
    } else {
        proc_macro2::Literal::u8_unsuffixed(b)
    }
}
