//! The operation and what surrounds it: servers, rate limits, the operation found by its id,
//! the API key header from the security scheme, extra headers and queries, the success status,
//! and the responses progenitor can read.

use super::*;

impl<'a> Cx<'a> {
    pub(super) fn servers(&mut self) -> Vec<Server<'a>> {
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
                region: self.str(region),
                url: self.str(url),
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
    pub(super) fn rate_limits(&mut self) -> Vec<Window> {
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
    pub(super) fn find_operation(&mut self) -> Option<(String, String, &'a Value)> {
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
                if path.matches('{').count() != 1 {
                    self.issue(
                        &format!("paths.{path}"),
                        "the order path takes exactly one parameter, the product".into(),
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
    pub(super) fn api_key_header(&mut self, operation: &'a Value, op_at: &str) -> String {
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

    pub(super) fn extras(&mut self, operation: &'a Value, op_at: &str) -> Vec<Extra> {
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

    /// Every operation, by path: its `operationId`, `x-certcentral-short-name`
    /// (snake_case, unique), method, path, success status and the media types it answers with.
    pub(super) fn operations(&mut self) -> Vec<ApiOperation<'a>> {
        let mut out: Vec<ApiOperation<'a>> = Vec::new();
        let paths = self.doc.get("paths").and_then(Value::as_object);
        for (path, item) in paths.into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                if !HTTP_METHODS.contains(&method.as_str()) {
                    continue;
                }
                let at = format!("paths.{path}.{method}");
                let id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
                let name = op.get(SHORT_NAME_KEY).and_then(Value::as_str).unwrap_or("");
                if id.is_empty() {
                    self.issue(&at, "every operation needs an `operationId`".into());
                }
                let snake = |s: &str| {
                    !s.is_empty()
                        && s.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                };
                if !snake(name) {
                    self.issue(
                        &at,
                        format!(
                            "`{SHORT_NAME_KEY}` must be a snake_case name (the mock's faults and \
                             access log name the operation by it), found `{name}`"
                        ),
                    );
                }
                if let Some(other) = out.iter().find(|o| o.name == name || o.id == id) {
                    self.issue(
                        &at,
                        format!(
                            "operation `{id}` ({name}) shares its id or short name with `{}` ({})",
                            other.id, other.name
                        ),
                    );
                }
                let success = self.success(op, &at);
                let mut accept: Vec<&str> = op
                    .pointer(&format!("/responses/{success}/content"))
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(media, _)| media.as_str())
                    .collect();
                if !accept.contains(&"application/json") {
                    accept.push("application/json");
                }
                out.push(ApiOperation {
                    id: self.str(id),
                    name: self.str(name),
                    method: self.str(method.to_ascii_uppercase()),
                    path: self.str(path),
                    success,
                    accept: self.str(accept.join(", ")),
                });
            }
        }
        out
    }

    /// The one documented 2xx response.
    pub(super) fn success(&mut self, operation: &'a Value, op_at: &str) -> u16 {
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

    pub(super) fn check_responses(&mut self) {
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
}
