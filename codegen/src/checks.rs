//! Emits `client/src/generated/checks.rs`: the spec's constraints and rules compiled to straight-line
//! Rust over the generated request types.
//!
//! The interpreter in `certcentral-table` walks a `serde_json::Value` and looks every parameter
//! up in the table; for a typed order that costs many times the serialization itself. The
//! compiled check answers one question, "would the interpreter find anything at all?", with
//! field accesses and constant comparisons. `certcentral::validate` asks it first and runs the
//! interpreter only when the answer is "something" (to say what): so the interpreter keeps
//! every message, and a property test holds the two to the same answer.
//!
//! The generated types are read from progenitor's output by `reader.rs`, so the checks
//! follow typify's field names, `Option`s and `skip_serializing_if`s exactly; a shape the
//! generator does not know is an error here, not a silently skipped check.
//!
//! One file over 400 lines, on purpose: one generator (`Gen`) emitting one function per
//! product, each method one part of it; the emitted shape is read in one place.

use crate::CodegenError;
use crate::model::Model;
use crate::reader::{Field, Shape, Skip, Types, unsupported};
use certcentral_rules::{Cond, Constraints, Effect, Format, Kind, Param};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The checks' file as checked in (`CHECKS_PATH`), for the client generated as `client`.
///
/// The checks emit each rule id and parameter path as a doc attribute on the statement it
/// explains (quote has no other way to carry a comment); rustc ignores doc comments on
/// statements, and says so, so the formatted `///` lines indented into a body become plain
/// `//` comments here, the one place that emits them.
pub fn contents(model: &Model, client: &syn::File, root: &str) -> Result<String, CodegenError> {
    let file = crate::parse(crate::CHECKS_PATH, tokens(model, client, root)?)?;
    let text = crate::format(
        &file,
        "// One `if` per parameter and constraint, as the spec lists them.\n\
         #![allow(clippy::collapsible_if)]\n",
    );
    Ok(text
        .lines()
        .map(|line| match line.trim_start().strip_prefix("///") {
            Some(rest) if line.starts_with(' ') => {
                let indent = &line[..line.len() - line.trim_start().len()];
                format!("{indent}//{rest}\n")
            }
            _ => format!("{line}\n"),
        })
        .collect())
}

/// The checks' Rust source, unformatted, for the client generated as `client`.
fn tokens(model: &Model, client: &syn::File, root: &str) -> Result<TokenStream, CodegenError> {
    let types = Types::read(client, root, &model.secret_types())?;
    let g = Gen {
        model,
        types: &types,
    };
    let values = g.struct_checks(root, None, &quote! { order })?;
    let rules = g.rules(root)?;
    let root_ty = format_ident!("{root}");
    Ok(quote! {
        //! The spec's constraints and rules compiled over the generated request types.
        //!
        //! [`is_clean`] is exactly "the interpreter would report nothing" (no violation, no
        //! warning), without building a `serde_json::Value`; `crate::validate` runs the
        //! interpreter only when it is false, to say what is wrong.

        use crate::types::*;
        use certcentral_table::checks::length_within;
        use certcentral_table::{Format, TABLE};

        /// Whether validating `order` for `product` finds nothing: no violation, no warning.
        pub fn is_clean(product: ClientCertificateId, order: &#root_ty) -> bool {
            values_clean(order) && rules_clean(product, order)
        }

        /// Every value against its parameter's schema constraints.
        fn values_clean(order: &#root_ty) -> bool {
            #values
            true
        }

        /// No rule of `x-certcentral-rules` fires (violations and warnings alike).
        fn rules_clean(product: ClientCertificateId, order: &#root_ty) -> bool {
            #rules
            true
        }
    })
}

struct Gen<'g, 'a> {
    model: &'g Model<'a>,
    types: &'g Types,
}

impl Gen<'_, '_> {
    fn param(&self, path: &str) -> Result<(usize, &Param<'_>), CodegenError> {
        self.model
            .table
            .params
            .iter()
            .enumerate()
            .find(|(_, p)| p.path == path)
            .ok_or_else(|| {
                unsupported(
                    "the compiled checks",
                    format!("no parameter `{path}` for a generated field"),
                )
            })
    }

    fn fields(&self, name: &str) -> Result<&[Field], CodegenError> {
        self.types
            .structs
            .get(name)
            .map(Vec::as_slice)
            .ok_or_else(|| unsupported("the compiled checks", format!("struct `{name}`")))
    }

    /// Statements that `return false` when a field of struct `name` at `value` (an expression
    /// of type `&name`) breaks a constraint. `prefix` is the struct's parameter path.
    fn struct_checks(
        &self,
        name: &str,
        prefix: Option<&str>,
        value: &TokenStream,
    ) -> Result<TokenStream, CodegenError> {
        let mut out = TokenStream::new();
        for field in self.fields(name)? {
            let path = match prefix {
                Some(p) => format!("{p}.{}", field.json),
                None => field.json.clone(),
            };
            let (index, param) = self.param(&path)?;
            let ident = &field.ident;
            let place = quote! { #value.#ident };
            let checks = match &field.shape {
                Shape::Option(inner) => {
                    let inner = self.value_checks(inner, index, param, &quote! { v })?;
                    (!inner.is_empty()).then(|| quote! { if let Some(v) = &#place { #inner } })
                }
                // An empty list left out of the JSON is not checked at all (not even its
                // minimum number of items).
                shape @ Shape::Vec(_) if field.skip == Skip::IfEmpty => {
                    let inner = self.value_checks(shape, index, param, &quote! { v })?;
                    (!inner.is_empty())
                        .then(|| quote! { { let v = &#place; if !v.is_empty() { #inner } } })
                }
                shape => {
                    let inner = self.value_checks(shape, index, param, &quote! { v })?;
                    (!inner.is_empty()).then(|| quote! { { let v = &#place; #inner } })
                }
            };
            if let Some(checks) = checks {
                let comment = format!(" {path}");
                out.extend(quote! { #[doc = #comment] #checks });
            }
        }
        Ok(out)
    }

    /// Statements checking `value` (a `&T` of `shape`) against param `index`'s constraints.
    fn value_checks(
        &self,
        shape: &Shape,
        index: usize,
        param: &Param,
        value: &TokenStream,
    ) -> Result<TokenStream, CodegenError> {
        let c = &param.constraints;
        let fail_unless = |conds: Vec<TokenStream>| {
            if conds.is_empty() {
                TokenStream::new()
            } else {
                quote! { if !(#(#conds)&&*) { return false; } }
            }
        };
        Ok(match shape {
            Shape::Str => fail_unless(string_conds(c, index, &quote! { #value.as_str() })),
            Shape::Int(ty, lo, hi) => {
                let checks = fail_unless(integer_conds(c, (*lo, *hi), &quote! { n }));
                let n = if ty == "i64" {
                    quote! { *#value }
                } else {
                    quote! { i64::from(*#value) }
                };
                if checks.is_empty() {
                    checks
                } else {
                    quote! { { let n: i64 = #n; #checks } }
                }
            }
            Shape::Bool => fail_unless(
                (!c.enum_values.is_empty())
                    .then(|| {
                        let allowed = c.enum_values.iter().filter_map(|v| v.parse::<bool>().ok());
                        one_of(quote! { *#value }, allowed)
                    })
                    .into_iter()
                    .collect(),
            ),
            Shape::Enum(name, variants) => {
                // A variant outside the allowed values would be a spec mismatch: checked
                // here, once, unless every variant is allowed.
                let allowed: Vec<&String> = variants
                    .iter()
                    .filter(|(json, _)| {
                        c.enum_values.is_empty() || c.enum_values.contains(&json.as_str())
                    })
                    .map(|(_, v)| v)
                    .collect();
                if allowed.len() == variants.len() {
                    TokenStream::new()
                } else {
                    let ty = format_ident!("{name}");
                    let allowed = allowed.iter().map(|v| format_ident!("{v}"));
                    let allowed = allowed.map(|v| quote! { #ty::#v });
                    fail_unless(vec![one_of(value.clone(), allowed)])
                }
            }
            Shape::Newtype(_, inner) => {
                let inner = self.value_checks(inner, index, param, &quote! { v })?;
                if inner.is_empty() {
                    inner
                } else {
                    quote! { { let v: &_ = &**#value; #inner } }
                }
            }
            Shape::Secret(_) => match param.kind {
                Kind::String => fail_unless(string_conds(c, index, &quote! { #value.expose() })),
                Kind::Integer => fail_unless(integer_conds(
                    c,
                    (i64::MIN, i64::MAX),
                    &quote! { #value.expose() },
                )),
                other => {
                    return Err(unsupported(
                        "the compiled checks",
                        format!("a secret of kind {other:?}"),
                    ));
                }
            },
            Shape::Vec(item) => {
                let min_items = match c.min_items {
                    None | Some(0) => TokenStream::new(),
                    Some(1) => quote! { if #value.is_empty() { return false; } },
                    Some(min) => {
                        let min = min as usize;
                        quote! { if #value.len() < #min { return false; } }
                    }
                };
                let items = match (&**item, param.kind) {
                    (Shape::Struct(name), Kind::ObjectList) => {
                        let items = format!("{}[]", param.path);
                        self.struct_checks(name, Some(&items), &quote! { v })?
                    }
                    (item, Kind::StringList) => {
                        // The list's own `min_items` is not an item constraint.
                        let item_param = Param {
                            constraints: Constraints {
                                min_items: None,
                                ..param.constraints
                            },
                            ..*param
                        };
                        self.value_checks(item, index, &item_param, &quote! { v })?
                    }
                    (item, kind) => {
                        return Err(unsupported(
                            "the compiled checks",
                            format!("`{}`: a list of {item:?} for kind {kind:?}", param.path),
                        ));
                    }
                };
                let items = if items.is_empty() {
                    items
                } else {
                    quote! { for v in #value.iter() { #items } }
                };
                quote! { #min_items #items }
            }
            Shape::Struct(name) => self.struct_checks(name, Some(param.path), value)?,
            Shape::Option(_) => {
                return Err(unsupported(
                    "the compiled checks",
                    format!("`{}`: a nested Option", param.path),
                ));
            }
        })
    }

    /// The field behind one path segment of struct `name`.
    fn field(&self, name: &str, json: &str) -> Result<&Field, CodegenError> {
        self.fields(name)?
            .iter()
            .find(|f| f.json == json)
            .ok_or_else(|| {
                unsupported(
                    "the compiled checks",
                    format!("no field `{json}` in struct `{name}`"),
                )
            })
    }

    /// A `bool` expression: `leaf` holds for the parameter at `segments` below `value` (a
    /// `&name`). Lists are searched for any item; `leaf` gets the field and its place.
    fn reach(
        &self,
        name: &str,
        segments: &[&str],
        value: &TokenStream,
        leaf: &dyn Fn(&Field, &TokenStream) -> Result<TokenStream, CodegenError>,
    ) -> Result<TokenStream, CodegenError> {
        let Some((first, rest)) = segments.split_first() else {
            return Err(unsupported(
                "the compiled checks",
                "an empty parameter path".into(),
            ));
        };
        let (json, list) = match first.strip_suffix("[]") {
            Some(json) => (json, true),
            None => (*first, false),
        };
        let field = self.field(name, json)?;
        let ident = &field.ident;
        let place = quote! { #value.#ident };
        if rest.is_empty() {
            return leaf(field, &place);
        }
        let (inner, optional) = match &field.shape {
            Shape::Option(inner) => (&**inner, true),
            shape => (shape, false),
        };
        let (item, is_list) = match inner {
            Shape::Vec(item) => (&**item, true),
            shape => (shape, false),
        };
        let Shape::Struct(child) = item else {
            return Err(unsupported(
                "the compiled checks",
                format!("`{json}` has fields but is {item:?}"),
            ));
        };
        if is_list != list {
            return Err(unsupported(
                "the compiled checks",
                format!("`{first}` does not match its type"),
            ));
        }
        let below = self.reach(child, rest, &quote! { v }, leaf)?;
        Ok(match (optional, is_list) {
            (false, false) => self.reach(child, rest, &place, leaf)?,
            (true, false) => quote! { #place.as_ref().is_some_and(|v| #below) },
            (false, true) => quote! { #place.iter().any(|v| #below) },
            (true, true) => quote! { #place.as_ref().is_some_and(|l| l.iter().any(|v| #below)) },
        })
    }

    /// Whether the parameter at `path` is sent (for an object: the object is).
    fn presence(&self, root: &str, path: &str) -> Result<TokenStream, CodegenError> {
        let segments = segments(path);
        self.reach(root, &segments, &quote! { order }, &|field, place| {
            Ok(match field.skip {
                Skip::IfEmpty => quote! { !#place.is_empty() },
                _ => match field.shape {
                    Shape::Option(_) => quote! { #place.is_some() },
                    _ => quote! { true },
                },
            })
        })
    }

    /// Whether the parameter at `path` is sent with one of `values` (as the interpreter reads
    /// values: by dotted path, never inside a list).
    fn value_in(
        &self,
        root: &str,
        path: &str,
        values: &[&str],
    ) -> Result<TokenStream, CodegenError> {
        if path.contains("[]") {
            return Ok(quote! { false });
        }
        let kind = self.param(path)?.1.kind;
        let segments = segments(path);
        self.reach(root, &segments, &quote! { order }, &|field, place| {
            let (shape, optional) = match &field.shape {
                Shape::Option(inner) => (&**inner, true),
                shape => (shape, false),
            };
            let test = scalar_in(shape, kind, values, &quote! { v });
            Ok(if optional {
                quote! { #place.as_ref().is_some_and(|v| #test) }
            } else {
                quote! { { let v = &#place; #test } }
            })
        })
    }

    fn rules(&self, root: &str) -> Result<TokenStream, CodegenError> {
        // Each parameter a rule reads is looked at once.
        let mut names: Vec<(String, syn::Ident)> = Vec::new();
        let mut lets = TokenStream::new();
        let mut present = |path: &str| -> Result<syn::Ident, CodegenError> {
            if let Some((_, ident)) = names.iter().find(|(p, _)| p == path) {
                return Ok(ident.clone());
            }
            let ident = format_ident!("{}", path.replace("[]", "").replace('.', "_"));
            if names.iter().any(|(_, i)| *i == ident) {
                return Err(unsupported(
                    "the compiled checks",
                    format!("two paths named `{ident}`"),
                ));
            }
            let expr = self.presence(root, path)?;
            let comment = format!(" `{path}` is sent.");
            lets.extend(quote! { #[doc = #comment] let #ident = #expr; });
            names.push((path.to_string(), ident.clone()));
            Ok(ident)
        };
        let mut checks = TokenStream::new();
        for rule in self.model.table.rules {
            let mut when = Vec::new();
            for cond in rule.when {
                when.push(match cond {
                    Cond::Products(ids) => {
                        let variants = ids
                            .iter()
                            .filter_map(|id| self.model.table.product(id))
                            .map(|p| format_ident!("{}", p.variant));
                        let variants = variants.map(|v| quote! { ClientCertificateId::#v });
                        one_of(quote! { product }, variants)
                    }
                    Cond::In(path, values) => self.value_in(root, path, values)?,
                    Cond::NotIn(path, values) => {
                        let within = self.value_in(root, path, values)?;
                        quote! { !#within }
                    }
                    Cond::Present(path) => {
                        let p = present(path)?;
                        quote! { #p }
                    }
                    Cond::Absent(path) => {
                        let p = present(path)?;
                        quote! { !#p }
                    }
                    other => {
                        return Err(unsupported(
                            "the compiled checks",
                            format!("the condition {other:?}"),
                        ));
                    }
                });
            }
            let params = rule
                .params
                .iter()
                .map(|p| present(p))
                .collect::<Result<Vec<_>, _>>()?;
            // Grouped so that `&&` with the conditions binds as meant.
            let any = match params.as_slice() {
                [one] => quote! { #one },
                many => quote! { (#(#many)||*) },
            };
            let all = match params.as_slice() {
                [one] => quote! { #one },
                many => quote! { (#(#many)&&*) },
            };
            let fires = match rule.effect {
                Effect::Require => quote! { !#all },
                Effect::Forbid | Effect::Ignore => any,
                Effect::AnyOf => quote! { !#any },
                Effect::OneOf => quote! { (#(u8::from(#params))+*) != 1 },
                other => {
                    return Err(unsupported(
                        "the compiled checks",
                        format!("the effect {other:?}"),
                    ));
                }
            };
            when.push(fires);
            let comment = format!(" {}", rule.id);
            checks.extend(quote! {
                #[doc = #comment]
                if #(#when)&&* { return false; }
            });
        }
        Ok(quote! { #lets #checks })
    }
}

fn segments(path: &str) -> Vec<&str> {
    path.split('.').collect()
}

/// Conditions on a string expression `s` (a `&str`) for param `index`'s constraints.
fn string_conds(c: &Constraints, index: usize, s: &TokenStream) -> Vec<TokenStream> {
    let mut conds = Vec::new();
    if !c.enum_values.is_empty() {
        conds.push(one_of(s.clone(), c.enum_values));
    }
    if c.min_length.is_some() || c.max_length.is_some() {
        let min = c.min_length.unwrap_or(0);
        let max = c.max_length.unwrap_or(u64::MAX);
        conds.push(quote! { length_within(#s, #min, #max) });
    }
    if c.pattern.is_some() {
        // The pattern's shape lives in the rules table, beside its source.
        conds.push(
            quote! { TABLE.params[#index].constraints.pattern.is_none_or(|p| p.is_match(#s)) },
        );
    }
    if let Some(format) = c.format {
        let f = format_ident!(
            "{}",
            match format {
                Format::Email => "Email",
                Format::DateDdMmmYyyy => "DateDdMmmYyyy",
                Format::DateYyyyMmDd => "DateYyyyMmDd",
            }
        );
        conds.push(quote! { Format::#f.matches(#s) });
    }
    conds
}

/// Conditions on an integer expression `n` (an `i64` of a type holding `lo..=hi`); bounds
/// the type already keeps are left out.
fn integer_conds(c: &Constraints, (lo, hi): (i64, i64), n: &TokenStream) -> Vec<TokenStream> {
    let mut conds = Vec::new();
    if !c.enum_values.is_empty() {
        let allowed = c.enum_values.iter().filter_map(|v| v.parse::<i64>().ok());
        conds.push(one_of(n.clone(), allowed));
    }
    let min = c.minimum.filter(|&m| m > lo);
    let max = c.maximum.filter(|&m| m < hi);
    match (min, max) {
        (Some(min), Some(max)) => conds.push(quote! { (#min..=#max).contains(&#n) }),
        (Some(min), None) => conds.push(quote! { (#min..).contains(&#n) }),
        (None, Some(max)) => conds.push(quote! { (..=#max).contains(&#n) }),
        (None, None) => {}
    }
    conds
}

/// Whether `value` matches one of `patterns` (`false` for none).
fn one_of<T: quote::ToTokens>(
    value: TokenStream,
    patterns: impl IntoIterator<Item = T>,
) -> TokenStream {
    let patterns: Vec<T> = patterns.into_iter().collect();
    if patterns.is_empty() {
        quote! { false }
    } else {
        quote! { matches!(#value, #(#patterns)|*) }
    }
}

/// Whether `v` (a `&T` of `shape`, for a parameter of `kind`) has one of `values` as its
/// JSON text.
fn scalar_in(shape: &Shape, kind: Kind, values: &[&str], v: &TokenStream) -> TokenStream {
    // Unsuffixed: the literals take the field's integer type.
    let ints = || {
        values
            .iter()
            .filter_map(|s| s.parse().ok())
            .map(proc_macro2::Literal::i64_unsuffixed)
    };
    match shape {
        Shape::Str => one_of(quote! { #v.as_str() }, values),
        Shape::Secret(_) if kind == Kind::String => one_of(quote! { #v.expose() }, values),
        Shape::Secret(_) if kind == Kind::Integer => one_of(quote! { #v.expose() }, ints()),
        Shape::Int(..) => one_of(quote! { *#v }, ints()),
        Shape::Bool => one_of(
            quote! { *#v },
            values.iter().filter_map(|s| s.parse::<bool>().ok()),
        ),
        Shape::Enum(name, variants) => {
            let ty = format_ident!("{name}");
            let matching = variants
                .iter()
                .filter(|(json, _)| values.contains(&json.as_str()))
                .map(|(_, variant)| {
                    let variant = format_ident!("{variant}");
                    quote! { #ty::#variant }
                });
            one_of(v.clone(), matching)
        }
        Shape::Newtype(_, inner) => {
            let test = scalar_in(inner, kind, values, &quote! { v });
            quote! { { let v: &_ = &**#v; #test } }
        }
        // Objects and lists have no scalar text a rule could compare.
        _ => quote! { false },
    }
}
