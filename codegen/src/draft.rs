//! Emits `client/src/generated/draft.rs`: what `#[derive(ClientCertificateOrder)]` builds a
//! typed request into, with no JSON in between.
//!
//! The request's types have required fields, so they cannot be filled one parameter at a time;
//! the draft mirrors every struct reachable from the request (list items excepted: a list is
//! set whole) with every field optional, and `finish` turns a complete one into the request.
//! An incomplete one is serialized and validated instead, so that what is missing is reported
//! as the validator reports it (the rare path; a complete order never becomes JSON). The derive's expansion sets a parameter by its path
//! (`draft.certificate.get_or_insert_with(Default::default).emails`), converting the field's
//! value into the parameter's generated type with `ToParam`; the impls of `ToParam` for the
//! generated enums, newtypes, secrets and list items are emitted here too.
//!
//! Read from progenitor's output (as the compiled checks are), so the draft follows typify's
//! field names and types exactly; a field whose Rust name is not its JSON name is refused
//! (the derive addresses fields by the documented path).

use crate::CodegenError;
use crate::model::Model;
use crate::reader::{Field, Shape, Skip, Types, unsupported};
use certcentral_rules::Kind;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::BTreeMap;

/// The draft's Rust source, unformatted, for the client generated as `client`.
pub fn tokens(model: &Model, client: &syn::File, root: &str) -> Result<TokenStream, CodegenError> {
    let types = Types::read(client, root, &model.secret_types())?;
    let mut structs = BTreeMap::new();
    let mut conversions = BTreeMap::new();
    // (struct, the path of one place it is used at, for the parameter kinds of its fields)
    let mut pending = vec![(root.to_string(), String::new())];
    while let Some((name, at)) = pending.pop() {
        if structs.contains_key(&name) {
            continue;
        }
        let fields = types
            .structs
            .get(&name)
            .ok_or_else(|| unsupported("the draft", format!("struct `{name}`")))?;
        for field in fields {
            let path = if at.is_empty() {
                field.json.clone()
            } else {
                format!("{at}.{}", field.json)
            };
            if field.ident != field.json.as_str() {
                return Err(unsupported(
                    "the draft",
                    format!(
                        "`{path}` is the Rust field `{}`: the derive sets parameters by their JSON name",
                        field.ident
                    ),
                ));
            }
            let mut leaf = &field.shape;
            if let Shape::Option(inner) = leaf {
                leaf = inner;
            }
            match leaf {
                Shape::Struct(child) => pending.push((child.clone(), path)),
                other => {
                    let kind = model
                        .table
                        .params
                        .iter()
                        .find(|p| p.path == path)
                        .map(|p| p.kind)
                        .ok_or_else(|| {
                            unsupported("the draft", format!("no parameter `{path}`"))
                        })?;
                    conversion(other, kind, &path, &mut conversions)?;
                }
            }
        }
        structs.insert(name.clone(), draft_struct(&name, fields));
    }
    let structs = structs.values();
    let conversions = conversions.values();
    let root = format_ident!("{root}");
    Ok(quote! {
        //! The draft a derived order is built into: every struct of the request with every
        //! field optional, and the `ToParam` impls of the generated types.

        use crate::params::{Integer, Text, ToParam, Unfit};

        /// The request's draft.
        pub type Root = #root;

        #(#structs)*
        #(#conversions)*
    })
}

/// `name`'s draft: the struct, `complete` and `finish`.
fn draft_struct(name: &str, fields: &[Field]) -> TokenStream {
    let ident = format_ident!("{name}");
    let doc = format!(" The draft of [`crate::types::{name}`].");
    let mut members = Vec::new();
    let mut complete = Vec::new();
    let mut values = Vec::new();
    for field in fields {
        let f = &field.ident;
        let (draft_ty, test, value) = match &field.shape {
            Shape::Option(inner) => match &**inner {
                Shape::Struct(child) => {
                    let child = format_ident!("{child}");
                    (
                        quote! { #child },
                        Some(quote! { self.#f.as_ref().is_none_or(#child::complete) }),
                        quote! { match self.#f { Some(d) => Some(d.finish()?), None => None } },
                    )
                }
                other => (value_type(other), None, quote! { self.#f }),
            },
            Shape::Vec(item) if field.skip == Skip::IfEmpty => {
                let item = value_type(item);
                (
                    quote! { ::std::vec::Vec<#item> },
                    None,
                    quote! { self.#f.unwrap_or_default() },
                )
            }
            Shape::Struct(child) => {
                let child = format_ident!("{child}");
                (
                    quote! { #child },
                    Some(quote! { self.#f.as_ref().is_some_and(#child::complete) }),
                    quote! { self.#f?.finish()? },
                )
            }
            other => (
                value_type(other),
                Some(quote! { self.#f.is_some() }),
                quote! { self.#f? },
            ),
        };
        members.push(quote! {
            #[serde(skip_serializing_if = "Option::is_none")]
            pub #f: ::core::option::Option<#draft_ty>
        });
        complete.extend(test);
        values.push(quote! { #f: #value });
    }
    let complete = if complete.is_empty() {
        quote! { true }
    } else {
        quote! { #(#complete)&&* }
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug, Default, serde::Serialize)]
        pub struct #ident {
            #(#members,)*
        }

        impl #ident {
            /// Whether every required field is set, here and below.
            pub fn complete(&self) -> bool {
                #complete
            }

            /// The struct; `None` unless [`Self::complete`].
            pub fn finish(self) -> Option<crate::types::#ident> {
                Some(crate::types::#ident { #(#values,)* })
            }
        }
    }
}

/// The Rust type of a value of `shape`, as named from the draft module.
fn value_type(shape: &Shape) -> TokenStream {
    match shape {
        Shape::Str => quote! { ::std::string::String },
        Shape::Int(name, ..) => {
            let name = format_ident!("{name}");
            quote! { #name }
        }
        Shape::Bool => quote! { bool },
        Shape::Enum(name, _) | Shape::Struct(name) | Shape::Newtype(name, _) => {
            let name = format_ident!("{name}");
            quote! { crate::types::#name }
        }
        Shape::Secret(name) => {
            let name = format_ident!("{name}");
            quote! { super::#name }
        }
        Shape::Vec(item) => {
            let item = value_type(item);
            quote! { ::std::vec::Vec<#item> }
        }
        Shape::Option(inner) => {
            let inner = value_type(inner);
            quote! { ::core::option::Option<#inner> }
        }
    }
}

/// The `ToParam` impls a parameter of `shape` needs beyond the hand-written ones (strings,
/// `i32`/`i64`, `bool`, string lists), keyed by type so each is emitted once.
fn conversion(
    shape: &Shape,
    kind: Kind,
    path: &str,
    out: &mut BTreeMap<String, TokenStream>,
) -> Result<(), CodegenError> {
    let ty = value_type(shape);
    let doc = " Lets a `#[derive(ClientCertificateOrder)]` field set a parameter of this type.";
    let tokens = match shape {
        Shape::Str | Shape::Bool => return Ok(()),
        Shape::Int(name, ..) if name == "i32" || name == "i64" => return Ok(()),
        Shape::Vec(item) if **item == Shape::Str => return Ok(()),
        Shape::Enum(..) => quote! {
            #[doc = #doc]
            impl<S: Text + ?Sized> ToParam<#ty> for S {
                fn to_param(&self) -> Result<#ty, Unfit> {
                    self.text()
                        .parse()
                        .map_err(|_| Unfit(serde_json::Value::String(self.text().to_owned())))
                }
            }
            #[doc = #doc]
            impl ToParam<#ty> for #ty {
                fn to_param(&self) -> Result<#ty, Unfit> {
                    Ok(self.clone())
                }
            }
        },
        Shape::Newtype(_, inner) => match &**inner {
            Shape::Int(int, ..) => {
                let int = format_ident!("{int}");
                quote! {
                    #[doc = #doc]
                    impl<I: Integer + ?Sized> ToParam<#ty> for I {
                        fn to_param(&self) -> Result<#ty, Unfit> {
                            #int::try_from(self.wide())
                                .ok()
                                .and_then(|n| #ty::try_from(n).ok())
                                .ok_or_else(|| Unfit(self.json()))
                        }
                    }
                }
            }
            other => {
                return Err(unsupported(
                    "the draft",
                    format!("`{path}` is a newtype over {other:?}: the derive cannot set it"),
                ));
            }
        },
        Shape::Secret(_) if kind == Kind::String => quote! {
            #[doc = #doc]
            impl<S: Text + ?Sized> ToParam<#ty> for S {
                fn to_param(&self) -> Result<#ty, Unfit> {
                    Ok(#ty::from(self.text()))
                }
            }
        },
        Shape::Secret(_) if kind == Kind::Integer => quote! {
            #[doc = #doc]
            impl<I: Integer + ?Sized> ToParam<#ty> for I {
                fn to_param(&self) -> Result<#ty, Unfit> {
                    i64::try_from(self.wide())
                        .map(#ty::from)
                        .map_err(|_| Unfit(self.json()))
                }
            }
        },
        Shape::Vec(item) if matches!(**item, Shape::Struct(_)) => quote! {
            #[doc = #doc]
            impl ToParam<#ty> for #ty {
                fn to_param(&self) -> Result<#ty, Unfit> {
                    Ok(self.clone())
                }
            }
        },
        other => {
            return Err(unsupported(
                "the draft",
                format!("`{path}` is {other:?}: the derive cannot set it"),
            ));
        }
    };
    out.entry(ty.to_string()).or_insert(tokens);
    Ok(())
}
