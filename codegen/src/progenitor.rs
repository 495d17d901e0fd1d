//! Running progenitor, and what every emitter that runs it reads from the spec: the document
//! as progenitor should see it (shapes only), the schemas a response refers to, the schemas
//! marked with an `x-certcentral-*` extension, and what a replaced type implements.

use crate::CodegenError;
use serde_json::Value;

/// The extension that marks a schema as a secret (the SDK's redacted, zeroized type).
pub(crate) const SECRET: &str = "x-certcentral-secret";
/// The extension that marks a schema as an open enum (unknown values kept).
pub(crate) const OPEN_ENUM: &str = "x-certcentral-open-enum";

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

/// Every component schema a response of an operation refers to, directly or through other
/// schemas.
pub(crate) fn response_schemas(document: &Value) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut pending: Vec<&Value> = document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|ops| ops.values())
        .filter_map(|op| op.get("responses"))
        .collect();
    while let Some(value) = pending.pop() {
        match value {
            Value::Object(map) => {
                if let Some(name) = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    && found.insert(name.to_string())
                    && let Some(schema) = document.pointer(&format!("/components/schemas/{name}"))
                {
                    pending.push(schema);
                }
                pending.extend(map.values());
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    found
}

pub(crate) fn is_object(document: &Value, name: &str) -> bool {
    document
        .pointer(&format!("/components/schemas/{name}/type"))
        .and_then(Value::as_str)
        == Some("object")
}

/// What a replaced type implements, for progenitor: an open enum prints and parses.
pub(crate) fn impls_of(document: &Value, name: &str) -> std::vec::IntoIter<progenitor::TypeImpl> {
    let open = document.pointer(&format!("/components/schemas/{name}/{OPEN_ENUM}"))
        == Some(&Value::Bool(true));
    if open {
        vec![progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr]
    } else {
        Vec::new()
    }
    .into_iter()
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
