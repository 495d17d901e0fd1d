//! The SDK's open enums: every schema marked `x-certcentral-open-enum` becomes an enum that
//! keeps a value the spec does not list (progenitor's enums are closed), with the sealed
//! `UnlistedValue` beside them. Emitted into the client's types and the shared response types
//! alike.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

/// `(name, description, values)` of every component schema marked as an open enum.
pub(crate) fn open_enums(document: &Value) -> Vec<(String, String, Vec<String>)> {
    crate::progenitor::marked(document, crate::progenitor::OPEN_ENUM)
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
