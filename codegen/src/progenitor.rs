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

/// progenitor's output for `spec`: the builder-style client (`Client`, one method and one
/// `builder` struct per operation) and its `types`.
pub(crate) fn progenitor_file(
    spec: &openapiv3::OpenAPI,
    mut settings: progenitor::GenerationSettings,
) -> Result<syn::File, CodegenError> {
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_derive("PartialEq");
    let generated = progenitor::Generator::new(&settings)
        .generate_tokens(spec)
        .map_err(|e| CodegenError::Progenitor(e.to_string()))?;
    syn::parse2(generated)
        .map_err(|e| CodegenError::Progenitor(format!("progenitor's output: {e}")))
}

/// progenitor's `types` module only (for the shared response types, which have no client).
pub(crate) fn progenitor_types(
    spec: &openapiv3::OpenAPI,
    settings: progenitor::GenerationSettings,
) -> Result<syn::ItemMod, CodegenError> {
    progenitor_file(spec, settings)?
        .items
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

/// The schemas both sides of the wire read, generated once into the table crate: every
/// component schema a response refers to, and everything the operations other than the order
/// send (their parameters and bodies; the order's body is the rules table's and the client's),
/// directly or through other components.
pub(crate) fn shared_schemas(document: &Value) -> std::collections::BTreeSet<String> {
    let mut pending: Vec<&Value> = Vec::new();
    let paths = document.get("paths").and_then(Value::as_object);
    for item in paths.into_iter().flat_map(|p| p.values()) {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !crate::model::HTTP_METHODS.contains(&method.as_str()) {
                continue;
            }
            pending.extend(op.get("responses"));
            if op.get("operationId").and_then(Value::as_str) != Some(crate::model::OPERATION_ID) {
                pending.extend(op.get("parameters"));
                pending.extend(op.get("requestBody"));
            }
        }
    }
    let mut found = std::collections::BTreeSet::new();
    let mut followed = std::collections::BTreeSet::new();
    while let Some(value) = pending.pop() {
        match value {
            Value::Object(map) => {
                if let Some(reference) = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/"))
                    && followed.insert(reference)
                {
                    if let Some(name) = reference.strip_prefix("schemas/") {
                        found.insert(name.to_string());
                    }
                    pending.extend(document.pointer(&format!("/components/{reference}")));
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

/// What a replaced type implements, for progenitor: an enum of strings (open or closed)
/// prints and parses.
pub(crate) fn impls_of(document: &Value, name: &str) -> std::vec::IntoIter<progenitor::TypeImpl> {
    let string_enum = document
        .pointer(&format!("/components/schemas/{name}/enum"))
        .is_some();
    if string_enum {
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
