//! Emits `client/src/generated/mod.rs`: progenitor's client, one builder per operation of the
//! spec but the order (every order goes through the validated wire layer, see `wire.rs`: a
//! generated order method would be a second, unvalidated way to send one), with the SDK's hooks
//! (`crate::operations::Exchange`: paced, bounded, recorded); its types; an open enum for every
//! schema marked `x-certcentral-open-enum` (progenitor's enums are closed; these keep unknown
//! values); a secret type for every `x-certcentral-secret` schema; and the modules generated
//! beside it. The shared bodies' types are the table crate's (`responses.rs`), and re-exported
//! here.

use crate::CodegenError;
use crate::model::Model;
use crate::open_enum::{open_enum, open_enums, unlisted_value};
use crate::progenitor::{
    SECRET, impls_of, is_object, marked, progenitor_file, shared_schemas, spec_of,
};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

/// The generated client's Rust source, unformatted.
pub fn tokens(model: &Model) -> Result<TokenStream, CodegenError> {
    let document = model.document;
    let responses = shared_schemas(document);
    let open_enums: Vec<_> = open_enums(document)
        .into_iter()
        .filter(|(name, _, _)| !responses.contains(name))
        .collect();
    let secrets = marked(document, SECRET);
    let mut settings = progenitor::GenerationSettings::new();
    for (name, _, _) in &open_enums {
        settings.with_replacement(
            name,
            format!("crate::generated::{name}"),
            [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr].into_iter(),
        );
    }
    for (name, _) in &secrets {
        settings.with_replacement(name, format!("crate::generated::{name}"), [].into_iter());
    }
    // The response bodies are the table crate's (see `responses`): one type on both sides of
    // the wire, which the client decodes and the mock answers with.
    for name in &responses {
        settings.with_replacement(
            name,
            format!("::certcentral_table::responses::{name}"),
            impls_of(document, name),
        );
    }
    settings
        .with_inner_type(quote! { crate::operations::Exchange })
        .with_hooks(progenitor::HooksMode::Expected);
    let file = progenitor_file(&spec_of(&without_the_order(document))?, settings)?;
    let mut types = None;
    let mut client = Vec::new();
    for item in file.items {
        match item {
            syn::Item::Mod(m) if m.ident == "types" => types = Some(m),
            other => client.push(other),
        }
    }
    let mut types = types.ok_or_else(|| {
        crate::reader::unsupported(
            "the reader of progenitor's output",
            "no `types` module".into(),
        )
    })?;
    // `certcentral::types` keeps naming every body, and `types::builder` every builder.
    let (objects, others): (Vec<_>, Vec<_>) =
        responses.iter().partition(|name| is_object(document, name));
    let names = objects.iter().chain(&others).map(|n| format_ident!("{n}"));
    let builders = objects.iter().map(|n| format_ident!("{n}"));
    if let Some((_, items)) = &mut types.content {
        items.push(syn::parse_quote! {
            pub use ::certcentral_table::responses::{#(#names),*};
        });
        if let Some(syn::Item::Mod(builder)) = items
            .iter_mut()
            .find(|i| matches!(i, syn::Item::Mod(m) if m.ident == "builder"))
        {
            builder.attrs.extend(builder_doc());
        }
        if let Some(syn::Item::Mod(builder)) = items
            .iter_mut()
            .find(|i| matches!(i, syn::Item::Mod(m) if m.ident == "builder"))
            && let Some((_, items)) = &mut builder.content
        {
            items.push(syn::parse_quote! {
                pub use ::certcentral_table::responses::builder::{#(#builders),*};
            });
        }
    }
    if let Some((_, items)) = &mut types.content {
        document_products(items, model);
    }
    let module = quote! { crate::generated };
    let unlisted = (!open_enums.is_empty()).then(unlisted_value);
    let enums = open_enums
        .iter()
        .map(|(name, doc, values)| open_enum(name, doc, values, &module));
    let secrets = secrets.iter().map(|(name, schema)| secret(name, schema));
    Ok(quote! {
        pub(crate) mod checks;
        pub(crate) mod draft;
        pub(crate) mod wire;

        #(#client)*
        #types
        #unlisted
        #(#enums)*
        #(#secrets)*
    })
}

/// The docs of progenitor's `types::builder` module: how a builder is used, as a doctest.
fn builder_doc() -> Vec<syn::Attribute> {
    [
        " A builder for each type: set each field by a method, which takes anything that",
        " converts (`.to_string()` for text, a value of the field's type, or what `TryInto` turns",
        " into it), then `try_into()` the type, which fails naming a required field left unset.",
        "",
        " ```",
        " use certcentral::types::{builder, Certificate, SignatureHash};",
        " let certificate: Certificate = builder::Certificate::default()",
        "     .emails(vec![\"alice@example.com\".to_string()])",
        "     .signature_hash(SignatureHash::Sha256)",
        "     .try_into()?;",
        " assert_eq!(certificate.emails, [\"alice@example.com\"]);",
        "",
        " let unset: Result<Certificate, _> = builder::Certificate::default().try_into();",
        " assert!(unset.unwrap_err().to_string().contains(\"emails\"));",
        " # Ok::<(), certcentral::types::error::ConversionError>(())",
        " ```",
    ]
    .into_iter()
    .map(|line| syn::parse_quote! { #[doc = #line] })
    .collect()
}

/// The product reference on `ClientCertificateId` (see `products.rs`): each variant's doc,
/// and the product × parameter table on the enum.
fn document_products(items: &mut [syn::Item], model: &Model) {
    let Some(syn::Item::Enum(ids)) = items
        .iter_mut()
        .find(|i| matches!(i, syn::Item::Enum(e) if e.ident == "ClientCertificateId"))
    else {
        return;
    };
    let doc_lines = |text: &str| -> Vec<syn::Attribute> {
        text.lines()
            .map(|line| {
                let line = if line.is_empty() { "" } else { line };
                syn::parse_quote! { #[doc = #line] }
            })
            .collect()
    };
    ids.attrs
        .extend(doc_lines(&crate::products::table_doc(&model.table)));
    for variant in &mut ids.variants {
        let Some(product) = model
            .table
            .products
            .iter()
            .find(|p| variant.ident == p.variant)
        else {
            continue;
        };
        let mut attrs = doc_lines(&crate::products::variant_doc(&model.table, product.id));
        attrs.append(&mut variant.attrs);
        variant.attrs = attrs;
    }
}

/// The document without the order operation (the rest of its path item stays): progenitor
/// generates a client for every other operation.
fn without_the_order(document: &Value) -> Value {
    let mut copy = document.clone();
    if let Some(paths) = copy.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            if let Some(item) = item.as_object_mut() {
                item.retain(|_, op| {
                    op.get("operationId").and_then(Value::as_str)
                        != Some(crate::model::OPERATION_ID)
                });
            }
        }
        paths.retain(|_, item| {
            item.as_object().is_some_and(|ops| {
                ops.keys()
                    .any(|k| crate::model::HTTP_METHODS.contains(&k.as_str()))
            })
        });
    }
    copy
}

/// A secret scalar: serializes as its value, never prints it, zeroized on drop.
fn secret(name: &str, schema: &Value) -> TokenStream {
    let ty = format_ident!("{name}");
    let doc = format!(
        "{}\n\nSecret: the value never appears in `Debug` output and is zeroized on drop; \
         read it with `expose`.",
        schema
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
    );
    let redacted = format!("{name}(<redacted>)");
    let integer = schema.get("type").and_then(Value::as_str) == Some("integer");
    let (inner, exposed, expose_body, serialize, froms) = if integer {
        (
            quote! { i64 },
            quote! { i64 },
            quote! { *self.0 },
            quote! { serializer.serialize_i64(*self.0) },
            quote! {
                impl ::std::convert::From<i64> for #ty {
                    fn from(value: i64) -> Self { Self(::zeroize::Zeroizing::new(value)) }
                }
                impl ::std::convert::From<i32> for #ty {
                    fn from(value: i32) -> Self { Self(::zeroize::Zeroizing::new(i64::from(value))) }
                }
                impl ::std::convert::From<u16> for #ty {
                    fn from(value: u16) -> Self { Self(::zeroize::Zeroizing::new(i64::from(value))) }
                }
            },
        )
    } else {
        (
            quote! { ::std::string::String },
            quote! { &str },
            quote! { self.0.as_str() },
            quote! { serializer.serialize_str(&self.0) },
            quote! {
                impl ::std::convert::From<::std::string::String> for #ty {
                    fn from(value: ::std::string::String) -> Self { Self(::zeroize::Zeroizing::new(value)) }
                }
                impl ::std::convert::From<&str> for #ty {
                    fn from(value: &str) -> Self { Self(::zeroize::Zeroizing::new(value.to_owned())) }
                }
            },
        )
    };
    quote! {
        #[doc = #doc]
        #[derive(Clone, PartialEq, Eq)]
        pub struct #ty(::zeroize::Zeroizing<#inner>);

        impl #ty {
            /// The secret value, for the code that must send it.
            pub fn expose(&self) -> #exposed {
                #expose_body
            }
        }

        impl ::std::fmt::Debug for #ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(#redacted)
            }
        }

        #froms

        impl ::serde::Serialize for #ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                #serialize
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                <#inner as ::serde::Deserialize>::deserialize(deserializer).map(|v| Self(::zeroize::Zeroizing::new(v)))
            }
        }
    }
}
