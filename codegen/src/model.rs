//! Reads `spec/openapi.yaml` into the model the generators emit, and refuses a spec that breaks
//! the project's conventions with errors that name the place in the spec.

use certcentral_rules::{
    Cond, Constraints, Effect, Format, Kind, Param, Product, Rule, Server, Table, Window,
};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

/// One problem in the spec, at a place written as a dotted path into the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecIssue {
    /// Where in the document, e.g. `paths./order/certificate/{client_certificate_id}.post.x-certcentral-rules[2].require[0]`.
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
    /// The path below a server URL, with `{client_certificate_id}`.
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

fn leak<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

fn leak_strs(items: Vec<String>) -> &'static [&'static str] {
    leak(items.into_iter().map(leak_str).collect())
}

use crate::pattern::leak as leak_str;

/// Everything the generators need.
#[derive(Debug, Clone)]
pub struct Model {
    /// The document as parsed (for progenitor).
    pub document: Value,
    /// The rules table, in the types every reader of it uses.
    pub table: &'static Table,
    /// The order operation.
    pub operation: Operation,
    /// The generated type of the request body (its component's name, as typify writes it).
    pub request_type: String,
}

/// Parses the YAML text and checks the conventions; every problem is reported at once.
pub fn load(yaml: &str) -> Result<Model, Vec<SpecIssue>> {
    let document: Value = serde_norway::from_str(yaml).map_err(|e| {
        vec![SpecIssue {
            at: e
                .location()
                .map_or("(document)".into(), |l| format!("line {}", l.line())),
            message: format!("not valid YAML: {e}"),
        }]
    })?;
    let mut cx = Cx {
        doc: &document,
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
    if !cx.issues.is_empty() {
        return Err(cx.issues);
    }
    let table: &'static Table = Box::leak(Box::new(Table::new(
        leak_str(path.clone()),
        leak(servers),
        leak(products),
        leak(params),
        leak(rules),
        leak(rate_limits),
    )));
    cx.contradictions(table, &format!("{op_at}.{RULES_KEY}"));
    if !cx.issues.is_empty() {
        return Err(cx.issues);
    }
    Ok(Model {
        document: document.clone(),
        table,
        operation: Operation {
            path,
            at: op_at,
            extras,
            success,
            api_key_header,
        },
        request_type,
    })
}

struct Cx<'a> {
    doc: &'a Value,
    issues: Vec<SpecIssue>,
}

impl<'a> Cx<'a> {
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

    fn servers(&mut self) -> Vec<Server> {
        let mut servers = Vec::new();
        for (i, server) in self
            .doc
            .get("servers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = format!("servers[{i}]");
            let url = server.get("url").and_then(Value::as_str).unwrap_or("");
            let region = server
                .get("x-certcentral-region")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !url.starts_with("https://") {
                self.issue(&at, format!("server url `{url}` must be https"));
            }
            if region.is_empty() {
                self.issue(&at, "a server needs `x-certcentral-region`".into());
            }
            servers.push(Server {
                region: leak_str(region.into()),
                url: leak_str(url.into()),
            });
        }
        for region in ["us", "eu"] {
            if !servers.iter().any(|s| s.region == region) {
                self.issue("servers", format!("no server for region `{region}`"));
            }
        }
        servers
    }

    /// `x-certcentral-rate-limits`: DigiCert's rolling windows per API key.
    fn rate_limits(&mut self) -> Vec<Window> {
        let at = RATE_LIMITS_KEY;
        let Some(list) = self.doc.get(RATE_LIMITS_KEY).and_then(Value::as_array) else {
            self.issue(
                at,
                "the document needs its rate limits: a list of `{requests, seconds}`".into(),
            );
            return Vec::new();
        };
        let mut windows = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let number = |k: &str| item.get(k).and_then(Value::as_u64).filter(|n| *n > 0);
            match (number("requests"), number("seconds")) {
                (Some(requests), Some(seconds)) => match u32::try_from(requests) {
                    Ok(requests) => {
                        windows.push(Window::new(requests, Duration::from_secs(seconds)))
                    }
                    Err(_) => self.issue(&format!("{at}[{i}].requests"), "too large".into()),
                },
                _ => self.issue(
                    &format!("{at}[{i}]"),
                    "a window needs positive integers `requests` and `seconds`".into(),
                ),
            }
        }
        windows
    }

    /// The operation with [`OPERATION_ID`], its path and where it is; it must be a POST.
    fn find_operation(&mut self) -> Option<(String, String, &'a Value)> {
        let mut found = Vec::new();
        for (path, item) in self
            .doc
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for (method, op) in item.as_object().into_iter().flatten() {
                if op.get("operationId").and_then(Value::as_str) == Some(OPERATION_ID) {
                    found.push((path.clone(), method.clone(), op));
                }
            }
        }
        match found.as_slice() {
            [(path, method, op)] => {
                let at = format!("paths.{path}.{method}");
                if method != "post" {
                    self.issue(
                        &at,
                        format!("`{OPERATION_ID}` must be a POST, found {method}"),
                    );
                }
                let placeholders = path.matches('{').count();
                if !path.contains("{client_certificate_id}") || placeholders != 1 {
                    self.issue(
                        &format!("paths.{path}"),
                        "the order path takes exactly one parameter, `{client_certificate_id}`"
                            .into(),
                    );
                }
                Some((path.clone(), at, op))
            }
            [] => {
                self.issue(
                    "paths",
                    format!("no operation has operationId `{OPERATION_ID}`"),
                );
                None
            }
            _ => {
                self.issue(
                    "paths",
                    format!("more than one operation has operationId `{OPERATION_ID}`"),
                );
                None
            }
        }
    }

    /// Header and query parameters: the SDK sends each with its documented `default`; one
    /// without a default would need a user's value, which the order API does not take.
    /// The header of the `apiKey` scheme the operation's security requirement names (the
    /// document's when the operation has none): exactly one, in a header.
    fn api_key_header(&mut self, operation: &'a Value, op_at: &str) -> String {
        let (requirement, at) = match operation.get("security") {
            Some(r) => (Some(r), format!("{op_at}.security")),
            None => (self.doc.get("security"), "security".to_string()),
        };
        let names: Vec<&str> = requirement
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .flat_map(|r| r.keys().map(String::as_str))
            .collect();
        let [name] = names[..] else {
            self.issue(
                &at,
                format!(
                    "the order operation needs exactly one security requirement (the API key \
                     header), found {}",
                    names.len()
                ),
            );
            return String::new();
        };
        let scheme_at = format!("components.securitySchemes.{name}");
        let scheme = self
            .doc
            .pointer(&format!("/components/securitySchemes/{name}"));
        let field = |f: &str| scheme.and_then(|s| s.get(f)).and_then(Value::as_str);
        match (field("type"), field("in"), field("name")) {
            (Some("apiKey"), Some("header"), Some(header)) if !header.is_empty() => {
                header.to_string()
            }
            _ => {
                self.issue(
                    &scheme_at,
                    "must be `type: apiKey`, `in: header`, with the header's `name`".into(),
                );
                String::new()
            }
        }
    }

    fn extras(&mut self, operation: &'a Value, op_at: &str) -> Vec<Extra> {
        let mut extras = Vec::new();
        let params = operation.get("parameters").and_then(Value::as_array);
        for (i, param) in params.into_iter().flatten().enumerate() {
            let at = format!("{op_at}.parameters[{i}]");
            let Some((param, _)) = self.resolve(param, &at) else {
                continue;
            };
            let location = match param.get("in").and_then(Value::as_str) {
                Some("path") => continue,
                Some("header") => "header",
                Some("query") => "query",
                other => {
                    self.issue(&at, format!("parameters in {other:?} are not supported"));
                    continue;
                }
            };
            let name = param.get("name").and_then(Value::as_str).unwrap_or("");
            let value = match param.pointer("/schema/default") {
                Some(Value::String(s)) => s.clone(),
                Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
                _ => {
                    self.issue(
                        &at,
                        format!(
                            "{location} parameter `{name}` needs a scalar `schema.default`: the SDK \
                             sends every documented {location} parameter with its default"
                        ),
                    );
                    continue;
                }
            };
            if name.is_empty() {
                self.issue(&at, "a parameter needs a `name`".into());
                continue;
            }
            extras.push(Extra {
                location,
                name: name.to_string(),
                value,
            });
        }
        extras
    }

    /// The one documented 2xx response.
    fn success(&mut self, operation: &'a Value, op_at: &str) -> u16 {
        let codes: Vec<u16> = operation
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(code, _)| code.parse().ok())
            .filter(|code| (200..300).contains(code))
            .collect();
        match codes.as_slice() {
            [code] => *code,
            _ => {
                self.issue(
                    &format!("{op_at}.responses"),
                    format!("the operation needs exactly one 2xx response, found {codes:?}"),
                );
                0
            }
        }
    }

    /// Refuses rules that, for some product, demand opposite things of one parameter: forbid
    /// and require it, forbid and ignore it (an error and a warning for one field), or require
    /// it inside an object another rule forbids. Both rules and the product are named.
    fn contradictions(&mut self, table: &'static Table, at: &str) {
        for product in table.products {
            let applying: Vec<&Rule> = table
                .rules
                .iter()
                .filter(|r| can_apply(r, product.id))
                .collect();
            for (i, a) in applying.iter().enumerate() {
                for b in &applying[i + 1..] {
                    if !compatible(a.when, b.when) {
                        continue;
                    }
                    for (first, second) in [(a, b), (b, a)] {
                        if let Some((param, what)) = opposed(first, second) {
                            self.issue(
                                at,
                                format!(
                                    "rules `{}` and `{}` contradict each other for `{}` on \
                                     `{param}`: {what}",
                                    first.id, second.id, product.id
                                ),
                            );
                        }
                    }
                }
            }
        }
    }

    fn check_responses(&mut self) {
        let Some(paths) = self.doc.get("paths").and_then(Value::as_object) else {
            self.issue("paths", "no paths".into());
            return;
        };
        for (path, item) in paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                    continue;
                };
                if responses.contains_key("default") {
                    self.issue(
                        &format!("paths.{path}.{method}.responses.default"),
                        "a `default` response is not allowed (progenitor panics on it): \
                         describe errors with a `4XX` range response"
                            .into(),
                    );
                }
                let specific_4xx: Vec<&String> = responses
                    .keys()
                    .filter(|k| k.starts_with('4') && k.as_str() != "4XX")
                    .collect();
                if responses.contains_key("4XX") && !specific_4xx.is_empty() {
                    self.issue(
                        &format!("paths.{path}.{method}.responses"),
                        format!(
                            "a specific 4xx response ({}) beside `4XX` is mis-ordered by progenitor: \
                             use the `4XX` range alone",
                            specific_4xx.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    );
                }
            }
        }
    }

    fn products(&mut self, operation: &'a Value, op_at: &str) -> Vec<Product> {
        let param = operation
            .get("parameters")
            .and_then(Value::as_array)
            .and_then(|ps| {
                ps.iter().find(|p| {
                    p.get("name").and_then(Value::as_str) == Some("client_certificate_id")
                })
            });
        let at = format!("{op_at}.parameters.client_certificate_id");
        let Some(schema) = param.and_then(|p| p.get("schema")) else {
            self.issue(
                &at,
                "the path parameter client_certificate_id is missing".into(),
            );
            return Vec::new();
        };
        let Some((schema, component)) = self.resolve(schema, &at) else {
            return Vec::new();
        };
        // The products' names sit beside their enum, in the schema the parameter refers to.
        let schema_at = component.map_or(at.clone(), |c| format!("components.schemas.{c}"));
        let names = schema
            .get("x-certcentral-product-names")
            .and_then(Value::as_object);
        let mut products = Vec::new();
        for id in schema
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(id) = id.as_str() else {
                self.issue(&at, format!("product ids must be strings, found {id}"));
                continue;
            };
            match names.and_then(|n| n.get(id)).and_then(Value::as_str) {
                Some(name) => products.push(Product {
                    id: leak_str(id.into()),
                    name: leak_str(name.into()),
                    variant: leak_str(heck::ToUpperCamelCase::to_upper_camel_case(id)),
                }),
                None => self.issue(
                    &format!("{schema_at}.x-certcentral-product-names"),
                    format!("product `{id}` has no display name (DigiCert's name for it)"),
                ),
            }
        }
        if products.is_empty() {
            self.issue(&schema_at, "the product enum is empty".into());
        }
        products
    }

    /// The body's parameters and the name of its generated type.
    fn params(&mut self, operation: &'a Value, op_at: &str) -> (Vec<Param>, String) {
        let at = format!("{op_at}.requestBody.content.application/json.schema");
        let Some(body) = operation.pointer("/requestBody/content/application~1json/schema") else {
            self.issue(&at, "the JSON request body is missing".into());
            return (Vec::new(), String::new());
        };
        let mut params = Vec::new();
        let mut name = String::new();
        if let Some((schema, component)) = self.resolve(body, &at) {
            match component {
                Some(c) => name = heck::ToUpperCamelCase::to_upper_camel_case(c.as_str()),
                None => self.issue(
                    &at,
                    "the body must be a `$ref` to a component schema (it names the generated type)"
                        .into(),
                ),
            }
            self.object_fields(schema, "", &at, &mut params);
        }
        (params, name)
    }

    fn object_fields(&mut self, schema: &'a Value, prefix: &str, at: &str, out: &mut Vec<Param>) {
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            self.issue(at, "an object schema needs `properties`".into());
            return;
        };
        for name in &required {
            if !properties.contains_key(*name) {
                self.issue(
                    at,
                    format!("`required` names `{name}`, which is not a property"),
                );
            }
        }
        for (name, field) in properties {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            let field_at = format!("{at}.properties.{name}");
            self.field(
                field,
                path,
                required.contains(name.as_str()),
                &field_at,
                out,
            );
        }
    }

    fn field(
        &mut self,
        field: &'a Value,
        path: String,
        required: bool,
        at: &str,
        out: &mut Vec<Param>,
    ) {
        let Some((schema, component)) = self.resolve(field, at) else {
            return;
        };
        let deprecated = schema
            .get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            || field
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false);
        let ty = schema.get("type").and_then(Value::as_str).unwrap_or("");
        let mut param = Param {
            path: leak_str(path.clone()),
            kind: Kind::String,
            required,
            deprecated,
            rust_type: leak_str(component.unwrap_or_default()),
            secret: schema.get("x-certcentral-secret") == Some(&Value::Bool(true)),
            constraints: Constraints::NONE,
        };
        match ty {
            "object" => {
                param.kind = Kind::Object;
                out.push(param);
                self.object_fields(schema, &path, at, out);
            }
            "array" => {
                let items_at = format!("{at}.items");
                let Some((items, item_type)) =
                    schema.get("items").and_then(|i| self.resolve(i, &items_at))
                else {
                    self.issue(at, "an array needs `items`".into());
                    return;
                };
                param.constraints.min_items = schema.get("minItems").and_then(Value::as_u64);
                match items.get("type").and_then(Value::as_str) {
                    Some("object") => {
                        param.kind = Kind::ObjectList;
                        param.rust_type = leak_str(item_type.unwrap_or_default());
                        if param.rust_type.is_empty() {
                            self.issue(&items_at, "list items must be a named component".into());
                        }
                        out.push(param);
                        self.object_fields(items, &format!("{path}[]"), &items_at, out);
                    }
                    Some("string") => {
                        param.kind = Kind::StringList;
                        let item = self.constraints(items, "string", &items_at);
                        param.constraints = Constraints {
                            min_items: param.constraints.min_items,
                            ..item
                        };
                        out.push(param);
                    }
                    other => self.issue(
                        &items_at,
                        format!("list items of type {other:?} are not supported"),
                    ),
                }
            }
            "string" | "integer" | "boolean" => {
                param.kind = match ty {
                    "string" => Kind::String,
                    "integer" => Kind::Integer,
                    _ => Kind::Boolean,
                };
                param.constraints = self.constraints(schema, ty, at);
                out.push(param);
            }
            other => self.issue(at, format!("unsupported parameter type `{other}`")),
        }
    }

    fn constraints(&mut self, schema: &Value, ty: &str, at: &str) -> Constraints {
        let int = |k: &str| schema.get(k).and_then(Value::as_f64).map(|f| f as i64);
        let uint = |k: &str| schema.get(k).and_then(Value::as_u64);
        let format = match (
            schema.get("format").and_then(Value::as_str),
            schema.get("x-certcentral-date").and_then(Value::as_str),
        ) {
            (_, Some("dd MMM yyyy")) => Some(Format::DateDdMmmYyyy),
            (_, Some("yyyy-MM-dd")) => Some(Format::DateYyyyMmDd),
            (_, Some(other)) => {
                self.issue(
                    &format!("{at}.x-certcentral-date"),
                    format!("unknown date format `{other}` (known: `dd MMM yyyy`, `yyyy-MM-dd`)"),
                );
                None
            }
            (Some("email"), None) => Some(Format::Email),
            _ => None,
        };
        let mut c = Constraints {
            enum_values: leak_strs(
                schema
                    .get("enum")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect(),
            ),
            minimum: int("minimum"),
            maximum: int("maximum"),
            min_length: uint("minLength"),
            max_length: uint("maxLength"),
            pattern: None,
            min_items: None,
            format,
        };
        if ty == "integer" {
            // The generated field has the width of the format: a value that does not fit is
            // as invalid as one out of the documented range.
            let (lo, hi) = match schema.get("format").and_then(Value::as_str) {
                Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
                _ => (i64::MIN, i64::MAX),
            };
            c.minimum = Some(c.minimum.unwrap_or(lo).max(lo));
            c.maximum = Some(c.maximum.unwrap_or(hi).min(hi));
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            if !(pattern.starts_with('^') && pattern.ends_with('$')) {
                self.issue(
                    &format!("{at}.pattern"),
                    "patterns must be anchored with ^ and $".into(),
                );
            }
            match crate::pattern::compile(pattern, format) {
                Ok(compiled) => c.pattern = Some(compiled),
                Err(e) => self.issue(&format!("{at}.pattern"), format!("`{pattern}`: {e}")),
            }
        }
        c
    }

    fn rules(
        &mut self,
        operation: &Value,
        op_at: &str,
        products: &[Product],
        params: &[Param],
    ) -> Vec<Rule> {
        let at = format!("{op_at}.{RULES_KEY}");
        let Some(list) = operation.get(RULES_KEY).and_then(Value::as_array) else {
            self.issue(&at, "the operation has no rules list".into());
            return Vec::new();
        };
        let mut ids = BTreeSet::new();
        let mut rules = Vec::new();
        for (i, raw) in list.iter().enumerate() {
            let rule_at = format!("{at}[{i}]");
            let Some(raw) = raw.as_object() else {
                self.issue(&rule_at, "a rule must be a mapping".into());
                continue;
            };
            if let Some(rule) = self.rule(raw, &rule_at, products, params)
                && ids.insert(rule.id)
            {
                rules.push(rule);
            } else if let Some(id) = raw.get("id").and_then(Value::as_str)
                && rules.iter().any(|r| r.id == id)
            {
                self.issue(&rule_at, format!("duplicate rule id `{id}`"));
            }
        }
        rules
    }

    fn rule(
        &mut self,
        raw: &Map<String, Value>,
        at: &str,
        products: &[Product],
        params: &[Param],
    ) -> Option<Rule> {
        let before = self.issues.len();
        let text = |k: &str| {
            raw.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .unwrap_or("")
        };
        let (id, message) = (text("id").to_string(), text("message").to_string());
        if id.is_empty() {
            self.issue(at, "a rule needs an `id`".into());
        }
        if message.is_empty() {
            self.issue(
                at,
                format!("rule `{id}` needs a `message` a user can act on"),
            );
        }
        for key in raw.keys() {
            if !["id", "message", "when"].contains(&key.as_str())
                && !EFFECTS.iter().any(|(name, _)| name == key)
            {
                self.issue(at, format!("unknown rule key `{key}`"));
            }
        }
        let effects: Vec<(&str, Effect)> = EFFECTS
            .iter()
            .copied()
            .filter(|(name, _)| raw.contains_key(*name))
            .collect();
        let [(name, effect)] = effects[..] else {
            let names: Vec<&str> = EFFECTS.iter().map(|(name, _)| *name).collect();
            let found: Vec<&str> = effects.iter().map(|(name, _)| *name).collect();
            self.issue(
                at,
                format!("rule `{id}` needs exactly one effect of {names:?}, found {found:?}"),
            );
            return None;
        };
        let effect_params = self.path_list(raw.get(name), &format!("{at}.{name}"), params);
        if effect_params.is_empty() {
            self.issue(&format!("{at}.{name}"), "names no parameter".into());
        }
        let when = self.conditions(raw.get("when"), &format!("{at}.when"), products, params);
        (self.issues.len() == before).then(|| Rule {
            id: leak_str(id),
            when: leak(when),
            effect,
            params: leak(effect_params),
            message: leak_str(message.split_whitespace().collect::<Vec<_>>().join(" ")),
        })
    }

    fn path_list(
        &mut self,
        value: Option<&Value>,
        at: &str,
        params: &[Param],
    ) -> Vec<&'static str> {
        let Some(items) = value.and_then(Value::as_array) else {
            self.issue(at, "must be a list of parameter paths".into());
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| self.known_path(v, &format!("{at}[{i}]"), params))
            .collect()
    }

    fn known_path(&mut self, v: &Value, at: &str, params: &[Param]) -> Option<&'static str> {
        let path = v.as_str().unwrap_or("");
        match params.iter().find(|p| p.path == path) {
            Some(p) if p.path.contains("[]") => {
                self.issue(
                    at,
                    format!("`{path}` is inside a list item; rules name whole parameters"),
                );
                None
            }
            Some(p) => Some(p.path),
            None => {
                let hint = nearest(path, params.iter().map(|p| p.path));
                self.issue(at, format!("unknown parameter path `{path}`{hint}"));
                None
            }
        }
    }

    fn conditions(
        &mut self,
        when: Option<&Value>,
        at: &str,
        products: &[Product],
        params: &[Param],
    ) -> Vec<Cond> {
        let Some(when) = when else {
            return Vec::new();
        };
        let Some(when) = when.as_object() else {
            self.issue(at, "`when` must be a mapping".into());
            return Vec::new();
        };
        let mut conds = Vec::new();
        for key in when.keys() {
            if !CONDITIONS.contains(&key.as_str()) {
                let hint = nearest(key, CONDITIONS.iter().copied());
                self.issue(at, format!("unknown condition `{key}`{hint}"));
            }
        }
        if let Some(list) = when.get("products") {
            let ids: Vec<&'static str> = list
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(i, p)| {
                    let id = p.as_str().unwrap_or("");
                    if let Some(known) = products.iter().find(|known| known.id == id) {
                        Some(known.id)
                    } else {
                        let hint = nearest(id, products.iter().map(|p| p.id));
                        self.issue(
                            &format!("{at}.products[{i}]"),
                            format!("unknown product `{id}`{hint}"),
                        );
                        None
                    }
                })
                .collect();
            if ids.is_empty() {
                self.issue(
                    &format!("{at}.products"),
                    "must list at least one product".into(),
                );
            }
            conds.push(Cond::Products(leak(ids)));
        }
        match (when.get("param"), when.get("in"), when.get("not_in")) {
            (None, None, None) => {}
            (Some(p), values_in, values_not_in)
                if values_in.is_some() != values_not_in.is_some() =>
            {
                if let Some(path) = self.known_path(p, &format!("{at}.param"), params) {
                    let (key, values) = match values_in {
                        Some(v) => ("in", v),
                        None => ("not_in", values_not_in.unwrap_or(&Value::Null)),
                    };
                    let values = leak(self.values(path, values, &format!("{at}.{key}"), params));
                    conds.push(if key == "in" {
                        Cond::In(path, values)
                    } else {
                        Cond::NotIn(path, values)
                    });
                }
            }
            _ => self.issue(
                at,
                "`param` goes with exactly one of `in` and `not_in`".into(),
            ),
        }
        for (key, make) in [
            ("present", Cond::Present as fn(&'static str) -> Cond),
            ("absent", Cond::Absent),
        ] {
            if let Some(p) = when.get(key)
                && let Some(path) = self.known_path(p, &format!("{at}.{key}"), params)
            {
                conds.push(make(path));
            }
        }
        conds
    }

    fn values(
        &mut self,
        path: &str,
        values: &Value,
        at: &str,
        params: &[Param],
    ) -> Vec<&'static str> {
        let allowed = params
            .iter()
            .find(|p| p.path == path)
            .map_or(&[][..], |p| p.constraints.enum_values);
        let Some(values) = values.as_array().filter(|v| !v.is_empty()) else {
            self.issue(at, "must be a non-empty list of values".into());
            return Vec::new();
        };
        values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if !allowed.is_empty() && !allowed.contains(&text.as_str()) {
                    self.issue(
                        &format!("{at}[{i}]"),
                        format!(
                            "`{text}` is not a value of `{path}` (allowed: {})",
                            allowed.join(", ")
                        ),
                    );
                    return None;
                }
                Some(leak_str(text))
            })
            .collect()
    }
}

/// ` (did you mean `x`?)` for the closest candidate, or nothing.
fn nearest<'b>(input: &str, candidates: impl Iterator<Item = &'b str>) -> String {
    certcentral_rules::nearest(input, candidates)
        .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"))
}

/// Whether a rule's product condition (if any) includes `product`.
fn can_apply(rule: &Rule, product: &str) -> bool {
    rule.when.iter().all(|c| match c {
        Cond::Products(ids) => ids.contains(&product),
        _ => true,
    })
}

/// Whether two rules' conditions can hold at once (as far as their own words tell).
fn compatible(a: &[Cond], b: &[Cond]) -> bool {
    a.iter().all(|x| {
        b.iter().all(|y| match (x, y) {
            (Cond::Present(p), Cond::Absent(q)) | (Cond::Absent(q), Cond::Present(p)) => p != q,
            (Cond::In(p, _), Cond::Absent(q)) | (Cond::Absent(q), Cond::In(p, _)) => p != q,
            (Cond::In(p, xs), Cond::In(q, ys)) => p != q || xs.iter().any(|v| ys.contains(v)),
            (Cond::In(p, xs), Cond::NotIn(q, ys)) | (Cond::NotIn(q, ys), Cond::In(p, xs)) => {
                p != q || xs.iter().any(|v| !ys.contains(v))
            }
            _ => true,
        })
    })
}

/// A parameter `first` forbids and `second` demands (or ignores), and what the clash is.
fn opposed(first: &Rule, second: &Rule) -> Option<(&'static str, &'static str)> {
    if first.effect != Effect::Forbid {
        return None;
    }
    let within = |param: &str, forbidden: &str| {
        param
            .strip_prefix(forbidden)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with("[]"))
    };
    // A rule that applies only when the forbidden object (or part of it) is sent applies only
    // to orders the forbidding rule already refuses: no contradiction.
    let inside = |path: &str, forbidden: &str| path == forbidden || within(path, forbidden);
    let needs_present = |forbidden: &str| {
        second.when.iter().any(|c| match c {
            Cond::Present(p) | Cond::In(p, _) => inside(p, forbidden),
            _ => false,
        })
    };
    first
        .params
        .iter()
        .filter(|f| !needs_present(f))
        .find_map(|forbidden| {
            second.params.iter().find_map(|param| match second.effect {
                Effect::Require if param == forbidden => Some((*param, "forbidden and required")),
                Effect::Require if within(param, forbidden) => {
                    Some((*param, "required inside a forbidden object"))
                }
                Effect::Ignore if param == forbidden => Some((
                    *param,
                    "forbidden and ignored (an error and a warning for one field)",
                )),
                _ => None,
            })
        })
}
