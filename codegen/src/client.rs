//! Emits `client/src/generated/mod.rs`: progenitor's types (its client and operation builders
//! are left out: every order goes through the wire layer, see `wire.rs`), plus an open enum for
//! every schema marked `x-certcentral-open-enum` (progenitor's enums are closed; these keep
//! unknown values), a secret type for every `x-certcentral-secret` schema, and the modules
//! generated beside it. The response bodies' types are the table crate's (`responses.rs`), and
//! re-exported here.

use crate::CodegenError;
use crate::model::Model;
use crate::responses::{impls_of, is_object, response_schemas};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

/// The generated client's Rust source, unformatted.
pub fn tokens(model: &Model) -> Result<TokenStream, CodegenError> {
    let document = model.document;
    let responses = response_schemas(document);
    let open_enums: Vec<_> = open_enums(document)
        .into_iter()
        .filter(|(name, _, _)| !responses.contains(name))
        .collect();
    let secrets = marked(document, "x-certcentral-secret");
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
    let mut types = progenitor_types(&spec_of(document)?, settings)?;
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
            && let Some((_, items)) = &mut builder.content
        {
            items.push(syn::parse_quote! {
                pub use ::certcentral_table::responses::builder::{#(#builders),*};
            });
        }
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

        #types
        #unlisted
        #(#enums)*
        #(#secrets)*
    })
}

/// The spec as progenitor reads it: shapes only (see [`VALUE_CONSTRAINTS`]).
pub(crate) fn spec_of(document: &Value) -> Result<openapiv3::OpenAPI, CodegenError> {
    serde_json::from_value(shape_only(document)).map_err(|e| {
        CodegenError::Progenitor(format!("the spec is not an OpenAPI 3.0 document: {e}"))
    })
}

/// progenitor's `types` module only: its `Client`, operation builders and prelude would be a
/// second, unvalidated way to send an order.
pub(crate) fn progenitor_types(
    spec: &openapiv3::OpenAPI,
    mut settings: progenitor::GenerationSettings,
) -> Result<syn::ItemMod, CodegenError> {
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_derive("PartialEq");
    let generated = progenitor::Generator::new(&settings)
        .generate_tokens(spec)
        .map_err(|e| CodegenError::Progenitor(e.to_string()))?;
    let file: syn::File = syn::parse2(generated)
        .map_err(|e| CodegenError::Progenitor(format!("progenitor's output: {e}")))?;
    file.items
        .into_iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => Some(m),
            _ => None,
        })
        .ok_or_else(|| {
            crate::reader::unsupported(
                "the reader of progenitor's output",
                "no `types` module".into(),
            )
        })
}

/// The value of an open enum that the spec does not list (beside the open enums).
pub(crate) fn unlisted_value() -> TokenStream {
    quote! {
        /// A value of an open enum that the spec does not list, kept as DigiCert sent it.
        ///
        /// Sealed: it is made only by parsing (`From<&str>`, deserialization), so that a value
        /// a later spec lists is never held here and a `match` on the listed variants stays
        /// right when the SDK learns it.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct UnlistedValue(::std::string::String);

        impl UnlistedValue {
            /// The value as DigiCert sent it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for UnlistedValue {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    }
}

/// Value constraints that progenitor would turn into checking newtypes (`regress` patterns,
/// `NonZero` integers, length-checked strings). The one validator enforces them on every order,
/// so the generated types carry the shape only: plain `String`s and integers, no second regex
/// engine in users' builds. The spec and the rules table keep every constraint.
const VALUE_CONSTRAINTS: [&str; 7] = [
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
];

/// The document without [`VALUE_CONSTRAINTS`] on any schema.
fn shape_only(document: &Value) -> Value {
    match document {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, v)| {
                    !(VALUE_CONSTRAINTS.contains(&k.as_str()) && (v.is_number() || v.is_string()))
                })
                .map(|(k, v)| (k.clone(), shape_only(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(shape_only).collect()),
        other => other.clone(),
    }
}

/// `(name, description, values)` of every component schema marked as an open enum.
pub(crate) fn open_enums(document: &Value) -> Vec<(String, String, Vec<String>)> {
    marked(document, "x-certcentral-open-enum")
        .into_iter()
        .map(|(name, s)| {
            let doc = s.get("description").and_then(Value::as_str).unwrap_or("");
            let values = s
                .get("enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect();
            (name, doc.to_string(), values)
        })
        .collect()
}

/// Component schemas whose `key` extension is `true`.
pub(crate) fn marked<'a>(document: &'a Value, key: &str) -> Vec<(String, &'a Value)> {
    document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, s)| s.get(key) == Some(&Value::Bool(true)))
        .map(|(name, s)| (name.clone(), s))
        .collect()
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

fn pascal(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

pub(crate) fn open_enum(
    name: &str,
    doc: &str,
    values: &[String],
    module: &TokenStream,
) -> TokenStream {
    let ty = format_ident!("{name}");
    let variants: Vec<_> = values
        .iter()
        .map(|v| format_ident!("{}", pascal(v)))
        .collect();
    let docs = values.iter().map(|v| format!("`{v}`"));
    let doc = format!(
        "{doc}\n\nOpen enum: a value the spec does not list is kept in `Unknown`; a later spec \
         lists more values, so matches need a wildcard arm."
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #ty {
            #(#[doc = #docs] #variants,)*
            /// A value this version of the spec does not list, kept as DigiCert sent it (made
            /// only by parsing: a listed value is never held here).
            Unknown(#module::UnlistedValue),
        }

        impl #ty {
            /// The value as DigiCert spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #values,)*
                    Self::Unknown(other) => other.as_str(),
                }
            }

            /// Whether the spec lists this value.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::convert::From<&str> for #ty {
            fn from(value: &str) -> Self {
                match value {
                    #(#values => Self::#variants,)*
                    other => Self::Unknown(#module::UnlistedValue(other.to_string())),
                }
            }
        }

        impl ::std::str::FromStr for #ty {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for #ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value.as_ref()))
            }
        }
    }
}
