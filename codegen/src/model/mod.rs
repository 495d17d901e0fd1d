//! Reads `spec/openapi.yaml` into the model the generators emit, and refuses a spec that breaks
//! the project's conventions with errors that name the place in the spec.
//!
//! One reading context ([`Cx`]: the document and the issues found), its concerns one module
//! each: the operation and what surrounds it (`operation.rs`: servers, rate limits, the path,
//! auth, headers, responses), the products and parameters with their constraints
//! (`params.rs`), the rules (`rules.rs`), and the contradictions between rules
//! (`contradictions.rs`).

mod contradictions;
mod operation;
mod params;
mod rules;

use bumpalo::Bump;
use certcentral_rules::{
    Cond, Constraints, Effect, Format, Kind, Operation as ApiOperation, Param, Product, Rule,
    Server, Table, Window,
};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

/// One problem in the spec, at a place written as a dotted path into the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecIssue {
    /// Where in the document, e.g. `paths./order/certificate/{id}.post.x-certcentral-rules[2].require[0]`.
    pub at: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SpecIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.at, self.message)
    }
}

/// The operation the SDK is about, found by its `operationId` wherever its path is.
pub const OPERATION_ID: &str = "order_client_certificate";
const RULES_KEY: &str = "x-certcentral-rules";
const SHORT_NAME_KEY: &str = "x-certcentral-short-name";
/// The keys of a path item that are operations (the rest are its parameters and notes).
pub(crate) const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const RATE_LIMITS_KEY: &str = "x-certcentral-rate-limits";
const EFFECTS: [(&str, Effect); 5] = [
    ("require", Effect::Require),
    ("forbid", Effect::Forbid),
    ("one_of", Effect::OneOf),
    ("any_of", Effect::AnyOf),
    ("ignore", Effect::Ignore),
];
const CONDITIONS: [&str; 6] = ["products", "param", "in", "not_in", "present", "absent"];

/// A header or query parameter of the operation, sent with its documented default.
#[derive(Debug, Clone, PartialEq)]
pub struct Extra {
    /// `header` or `query`.
    pub location: &'static str,
    pub name: String,
    pub value: String,
}

/// The order operation as the wire layer needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The path below a server URL, with its one placeholder, the product.
    pub path: String,
    /// Where its object sits in the document, for messages.
    pub at: String,
    /// Header and query parameters, each with the value the SDK sends.
    pub extras: Vec<Extra>,
    /// The documented success status (the one 2xx response).
    pub success: u16,
    /// The header that carries the API key: the `apiKey` security scheme (in a header) that
    /// the operation's security requirement (or the document's) names.
    pub api_key_header: String,
}

/// Everything the generators need, borrowing the document and the arena its table lives in.
#[derive(Debug)]
pub struct Model<'a> {
    /// The document as parsed (for progenitor).
    pub document: &'a Value,
    /// The rules table, in the types every reader of it uses.
    pub table: Table<'a>,
    /// The order operation.
    pub operation: Operation,
    /// Every operation of the spec (the order's included), by path.
    pub operations: Vec<ApiOperation<'a>>,
    /// The generated type of the request body (its component's name, as typify writes it).
    pub request_type: String,
}

impl Model<'_> {
    /// The SDK's secret types: the component schemas marked `x-certcentral-secret`.
    pub fn secret_types(&self) -> Vec<String> {
        crate::progenitor::marked(self.document, crate::progenitor::SECRET)
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }
}

/// Parses the YAML text.
pub fn parse(yaml: &str) -> Result<Value, Vec<SpecIssue>> {
    serde_norway::from_str(yaml).map_err(|e| {
        vec![SpecIssue {
            at: e
                .location()
                .map_or("(document)".into(), |l| format!("line {}", l.line())),
            message: format!("not valid YAML: {e}"),
        }]
    })
}

/// Checks the conventions of a parsed document and reads its table into `arena` (the rules
/// vocabulary borrows its strings and lists; the arena frees them with the model); every
/// problem is reported at once.
pub fn load<'a>(document: &'a Value, arena: &'a Bump) -> Result<Model<'a>, Vec<SpecIssue>> {
    let mut cx = Cx {
        doc: document,
        arena,
        issues: Vec::new(),
    };
    let version = document
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !version.starts_with("3.0.") {
        cx.issue(
            "openapi",
            format!("must be OpenAPI 3.0.x (progenitor reads no other), found `{version}`"),
        );
    }
    cx.check_responses();
    let servers = cx.servers();
    let rate_limits = cx.rate_limits();
    let Some((path, op_at, operation)) = cx.find_operation() else {
        return Err(cx.issues);
    };
    let extras = cx.extras(operation, &op_at);
    let success = cx.success(operation, &op_at);
    let api_key_header = cx.api_key_header(operation, &op_at);
    let products = cx.products(operation, &op_at);
    let (params, request_type) = cx.params(operation, &op_at);
    let rules = cx.rules(operation, &op_at, &products, &params);
    let operations = cx.operations();
    if !cx.issues.is_empty() {
        return Err(cx.issues);
    }
    let table = Table::new(
        cx.str(&path),
        cx.slice(servers),
        cx.slice(products),
        cx.slice(params),
        cx.slice(rules),
        cx.slice(rate_limits),
    );
    cx.contradictions(&table, &format!("{op_at}.{RULES_KEY}"));
    if !cx.issues.is_empty() {
        return Err(cx.issues);
    }
    Ok(Model {
        document,
        table,
        operation: Operation {
            path,
            at: op_at,
            extras,
            success,
            api_key_header,
        },
        request_type,
        operations,
    })
}

struct Cx<'a> {
    doc: &'a Value,
    /// Where the table's strings and lists live.
    arena: &'a Bump,
    issues: Vec<SpecIssue>,
}

impl<'a> Cx<'a> {
    /// A string of the table.
    fn str(&self, s: impl AsRef<str>) -> &'a str {
        self.arena.alloc_str(s.as_ref())
    }

    /// A list of the table.
    fn slice<T: Copy>(&self, items: Vec<T>) -> &'a [T] {
        self.arena.alloc_slice_copy(&items)
    }

    /// A list of strings of the table.
    fn strs(&self, items: Vec<String>) -> &'a [&'a str] {
        let strs: Vec<&'a str> = items.iter().map(|s| self.str(s)).collect();
        self.slice(strs)
    }

    fn issue(&mut self, at: &str, message: String) {
        self.issues.push(SpecIssue {
            at: at.to_string(),
            message,
        });
    }

    /// Follows a local `$ref` (once or more); returns the schema and its component name.
    fn resolve(&mut self, schema: &'a Value, at: &str) -> Option<(&'a Value, Option<String>)> {
        let mut schema = schema;
        let mut name = None;
        for _ in 0..8 {
            let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
                return Some((schema, name));
            };
            let Some(component) = reference.strip_prefix("#/components/schemas/") else {
                self.issue(
                    at,
                    format!("only local component references are supported, found `{reference}`"),
                );
                return None;
            };
            match self
                .doc
                .pointer(&format!("/components/schemas/{component}"))
            {
                Some(target) => {
                    schema = target;
                    name = Some(component.to_string());
                }
                None => {
                    self.issue(at, format!("`{reference}` names no schema"));
                    return None;
                }
            }
        }
        self.issue(at, "reference chain too deep".into());
        None
    }
}

/// ` (did you mean `x`?)` for the closest candidate, or nothing.
fn nearest<'b>(input: &str, candidates: impl Iterator<Item = &'b str>) -> String {
    certcentral_rules::nearest(input, candidates)
        .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"))
}
