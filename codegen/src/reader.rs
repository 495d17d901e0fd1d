//! Reads the generated types back from progenitor's output (parsed with syn): each struct of
//! `types` with its fields' JSON names, Rust shapes and `skip_serializing_if`s, so that the
//! checks and the draft follow typify's names and `Option`s exactly. A shape this reader does
//! not know is an error, not a silently skipped field.

use crate::CodegenError;
use quote::quote;
use std::collections::HashMap;

/// A generator met a shape of the generated types it does not know: `what` generator, and
/// what it met.
pub(crate) fn unsupported(generator: &'static str, what: String) -> CodegenError {
    CodegenError::Unsupported { generator, what }
}

/// When a field is left out of the JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skip {
    /// Always serialized.
    Never,
    /// `Option::is_none`.
    IfNone,
    /// `Vec::is_empty`.
    IfEmpty,
}

/// A Rust type of the generated request, as far as the checks care.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    Str,
    /// An integer type: its name and the range it can hold.
    Int(String, i64, i64),
    Bool,
    /// A closed enum of `types`: (JSON value, variant) pairs.
    Enum(String, Vec<(String, String)>),
    /// A struct of `types`.
    Struct(String),
    /// A single-field tuple struct of `types` with `Deref` to its field: its name and field.
    Newtype(String, Box<Shape>),
    /// A secret of `crate::generated`, read with `expose()`: its name.
    Secret(String),
    Vec(Box<Shape>),
    Option(Box<Shape>),
}

#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) json: String,
    pub(crate) ident: syn::Ident,
    pub(crate) shape: Shape,
    pub(crate) skip: Skip,
}

/// The generated types, by name.
pub(crate) struct Types {
    pub(crate) structs: HashMap<String, Vec<Field>>,
}

impl Types {
    /// The structs reachable from `root`, with their fields' shapes; `secrets` are the SDK's
    /// secret types (the spec's `x-certcentral-secret` schemas), read with `expose()`.
    pub(crate) fn read(
        file: &syn::File,
        root: &str,
        secrets: &[String],
    ) -> Result<Types, CodegenError> {
        let items = file
            .items
            .iter()
            .find_map(|item| match item {
                syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|c| &c.1),
                _ => None,
            })
            .ok_or_else(|| {
                unsupported(
                    "the reader of progenitor's output",
                    "the generated client has no `types` module".into(),
                )
            })?;
        let mut enums = HashMap::new();
        let mut newtypes = HashMap::new();
        let mut raw_structs = HashMap::new();
        for item in items {
            match item {
                syn::Item::Enum(e) => {
                    let variants = e
                        .variants
                        .iter()
                        .map(|v| {
                            let json = serde_value(&v.attrs, "rename")
                                .unwrap_or_else(|| v.ident.to_string());
                            match v.fields {
                                syn::Fields::Unit => Ok((json, v.ident.to_string())),
                                _ => Err(unsupported(
                                    "the reader of progenitor's output",
                                    format!("enum `{}` has a variant with data", e.ident),
                                )),
                            }
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    enums.insert(e.ident.to_string(), variants);
                }
                syn::Item::Struct(s) => match &s.fields {
                    syn::Fields::Named(named) => {
                        raw_structs.insert(s.ident.to_string(), named.named.clone());
                    }
                    syn::Fields::Unnamed(one) if one.unnamed.len() == 1 => {
                        newtypes.insert(s.ident.to_string(), one.unnamed[0].ty.clone());
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        let resolve = |ty: &syn::Type| shape(ty, &enums, &newtypes, &raw_structs, secrets);
        let mut structs = HashMap::new();
        let mut pending = vec![root.to_string()];
        while let Some(name) = pending.pop() {
            if structs.contains_key(&name) {
                continue;
            }
            let Some(fields) = raw_structs.get(&name) else {
                return Err(unsupported(
                    "the reader of progenitor's output",
                    format!("no struct `{name}` in `types`"),
                ));
            };
            let fields = fields
                .iter()
                .map(|f| {
                    let ident = f.ident.clone().ok_or_else(|| {
                        unsupported(
                            "the reader of progenitor's output",
                            format!("struct `{name}` has an unnamed field"),
                        )
                    })?;
                    let json = serde_value(&f.attrs, "rename").unwrap_or_else(|| {
                        let s = ident.to_string();
                        s.strip_prefix("r#").unwrap_or(&s).to_string()
                    });
                    let skip = match serde_value(&f.attrs, "skip_serializing_if").as_deref() {
                        None => Skip::Never,
                        Some("::std::option::Option::is_none") => Skip::IfNone,
                        Some("::std::vec::Vec::is_empty") => Skip::IfEmpty,
                        Some(other) => {
                            return Err(unsupported(
                                "the reader of progenitor's output",
                                format!("`{name}.{ident}` is skipped by `{other}`"),
                            ));
                        }
                    };
                    Ok(Field {
                        json,
                        shape: resolve(&f.ty)?,
                        ident,
                        skip,
                    })
                })
                .collect::<Result<Vec<_>, CodegenError>>()?;
            for field in &fields {
                let mut shape = &field.shape;
                while let Shape::Option(inner) | Shape::Vec(inner) = shape {
                    shape = inner;
                }
                if let Shape::Struct(child) = shape {
                    pending.push(child.clone());
                }
            }
            structs.insert(name, fields);
        }
        Ok(Types { structs })
    }
}

fn shape(
    ty: &syn::Type,
    enums: &HashMap<String, Vec<(String, String)>>,
    newtypes: &HashMap<String, syn::Type>,
    structs: &HashMap<String, syn::punctuated::Punctuated<syn::Field, syn::token::Comma>>,
    secrets: &[String],
) -> Result<Shape, CodegenError> {
    let syn::Type::Path(path) = ty else {
        return Err(unsupported(
            "the reader of progenitor's output",
            format!("type `{}`", quote!(#ty)),
        ));
    };
    let Some(last) = path.path.segments.last() else {
        return Err(unsupported(
            "the reader of progenitor's output",
            "an empty type path".into(),
        ));
    };
    let name = last.ident.to_string();
    let arg = || match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => match a.args.first() {
            Some(syn::GenericArgument::Type(t)) => shape(t, enums, newtypes, structs, secrets),
            _ => Err(unsupported(
                "the reader of progenitor's output",
                format!("`{name}` without a type argument"),
            )),
        },
        _ => Err(unsupported(
            "the reader of progenitor's output",
            format!("`{name}` without a type argument"),
        )),
    };
    Ok(match name.as_str() {
        "Option" => Shape::Option(Box::new(arg()?)),
        "Vec" => Shape::Vec(Box::new(arg()?)),
        "String" => Shape::Str,
        "bool" => Shape::Bool,
        "i8" => Shape::Int(name, i8::MIN.into(), i8::MAX.into()),
        "i16" => Shape::Int(name, i16::MIN.into(), i16::MAX.into()),
        "i32" => Shape::Int(name, i32::MIN.into(), i32::MAX.into()),
        "i64" => Shape::Int(name, i64::MIN, i64::MAX),
        "u8" => Shape::Int(name, 0, u8::MAX.into()),
        "u16" => Shape::Int(name, 0, u16::MAX.into()),
        "u32" => Shape::Int(name, 0, u32::MAX.into()),
        _ if secrets.contains(&name) => Shape::Secret(name),
        _ => {
            if let Some(variants) = enums.get(&name) {
                Shape::Enum(name, variants.clone())
            } else if let Some(inner) = newtypes.get(&name) {
                let inner = shape(inner, enums, newtypes, structs, secrets)?;
                Shape::Newtype(name, Box::new(inner))
            } else if structs.contains_key(&name) {
                Shape::Struct(name)
            } else {
                return Err(unsupported(
                    "the reader of progenitor's output",
                    format!("type `{name}`"),
                ));
            }
        }
    })
}

/// The string value of `#[serde(key = "value")]` among `attrs`.
fn serde_value(attrs: &[syn::Attribute], key: &str) -> Option<String> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(key) {
                let lit: syn::LitStr = meta.value()?.parse()?;
                found = Some(lit.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    found
}
