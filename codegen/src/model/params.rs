//! The products (the path parameter's enum) and the request body's parameters, with their
//! schema constraints.

use super::*;

impl<'a> Cx<'a> {
    pub(super) fn products(&mut self, operation: &'a Value, op_at: &str) -> Vec<Product<'a>> {
        // The path's one parameter: the product (`client_certificate_id` in DigiCert's words).
        let param = operation
            .get("parameters")
            .and_then(Value::as_array)
            .and_then(|ps| {
                ps.iter()
                    .find(|p| p.get("in").and_then(Value::as_str) == Some("path"))
            });
        let name = param
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let at = format!("{op_at}.parameters.{name}");
        let Some(schema) = param.and_then(|p| p.get("schema")) else {
            self.issue(
                &at,
                "the path parameter (the product to order) is missing".into(),
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
                    id: self.str(id),
                    name: self.str(name),
                    variant: self.str(heck::ToUpperCamelCase::to_upper_camel_case(id)),
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
    pub(super) fn params(&mut self, operation: &'a Value, op_at: &str) -> (Vec<Param<'a>>, String) {
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

    pub(super) fn object_fields(
        &mut self,
        schema: &'a Value,
        prefix: &str,
        at: &str,
        out: &mut Vec<Param<'a>>,
    ) {
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

    pub(super) fn field(
        &mut self,
        field: &'a Value,
        path: String,
        required: bool,
        at: &str,
        out: &mut Vec<Param<'a>>,
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
            path: self.str(path.clone()),
            kind: Kind::String,
            required,
            deprecated,
            rust_type: self.str(component.unwrap_or_default()),
            secret: schema.get(crate::progenitor::SECRET) == Some(&Value::Bool(true)),
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
                        param.rust_type = self.str(item_type.unwrap_or_default());
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

    pub(super) fn constraints(&mut self, schema: &Value, ty: &str, at: &str) -> Constraints<'a> {
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
            enum_values: self.strs(
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
            match crate::pattern::compile(pattern, format, self.arena) {
                Ok(compiled) => c.pattern = Some(compiled),
                Err(e) => self.issue(&format!("{at}.pattern"), format!("`{pattern}`: {e}")),
            }
        }
        c
    }
}
