//! Emits `table/src/responses.rs`: the types of the response bodies (every schema a response
//! of an operation refers to, with builders), which the client's types re-export and decode
//! into and the mock answers with: one type on both sides of the wire, so a field or status the
//! spec adds reaches both.

use crate::CodegenError;
use crate::model::Model;
use crate::open_enum::{open_enum, open_enums, unlisted_value};
use crate::progenitor::{SECRET, impls_of, marked, progenitor_types, shared_schemas, spec_of};
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

/// The generated response bodies' Rust source (`table/src/responses.rs`), unformatted: every
/// schema a response of the operation refers to, with builders, so that the client decodes
/// and the mock answers with the same types, and a field the spec adds reaches both.
pub fn tokens(model: &Model) -> Result<TokenStream, CodegenError> {
    let document = model.document;
    let responses = shared_schemas(document);
    if let Some((name, _)) = marked(document, SECRET)
        .into_iter()
        .find(|(name, _)| responses.contains(name))
    {
        return Err(crate::reader::unsupported(
            "the response types",
            format!("`{name}` is a secret in a response body (secret types are request-side)"),
        ));
    }
    let open_enums: Vec<_> = open_enums(document)
        .into_iter()
        .filter(|(name, _, _)| responses.contains(name))
        .collect();
    let mut settings = progenitor::GenerationSettings::new();
    for (name, _, _) in &open_enums {
        settings.with_replacement(
            name,
            format!("crate::responses::{name}"),
            impls_of(document, name),
        );
    }
    // The response schemas alone, and no operation: progenitor emits their types only.
    let mut only = document.clone();
    only["paths"] = Value::Object(Default::default());
    if let Some(Value::Object(schemas)) = only.pointer_mut("/components/schemas") {
        schemas.retain(|name, _| responses.contains(name));
    }
    let types = progenitor_types(&spec_of(&only)?, settings)?;
    let items = types.content.map(|(_, items)| items).unwrap_or_default();
    let module = quote! { crate::responses };
    let unlisted = (!open_enums.is_empty()).then(unlisted_value);
    let enums = open_enums
        .iter()
        .map(|(name, doc, values)| open_enum(name, doc, values, &module));
    Ok(quote! {
        #(#items)*
        #unlisted
        #(#enums)*
    })
}
