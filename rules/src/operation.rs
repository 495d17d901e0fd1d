//! [`Operation`]: an operation of the API as data (its id, short name, method, path template
//! and success), and the path template's matching, for the mock's router, the access log and
//! the client's headers.

/// An operation of the API, from the spec: what the mock routes by and logs, and what the
/// client reads about a request it sends.
///
/// ```
/// let info = certcentral_rules::Operation {
///     id: "order_info",
///     name: "info",
///     method: "GET",
///     path: "/order/certificate/{id}",
///     success: 200,
///     accept: "application/json",
/// };
/// assert_eq!(info.matches("GET", "/order/certificate/42"), Some(vec![("id", "42".to_string())]));
/// assert_eq!(info.matches("GET", "/order/certificate/42/status"), None);
/// assert_eq!(info.url("https://example.com/services/v2", &[("id", "42")]), "https://example.com/services/v2/order/certificate/42");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation<'a> {
    /// The spec's `operationId` (`order_info`).
    pub id: &'a str,
    /// The short name faults and logs use (`info`): the spec's `x-certcentral-short-name`.
    pub name: &'a str,
    /// The HTTP method, upper case.
    pub method: &'a str,
    /// The path below a server's URL, with its `{placeholders}`.
    pub path: &'a str,
    /// The documented success status.
    pub success: u16,
    /// The media types of the success response, as an `Accept` header lists them (with
    /// `application/json`, the error envelope's).
    pub accept: &'a str,
}

impl Operation<'_> {
    /// Whether `method` and `path` (below the server's path, percent-encoded as sent) are a
    /// request of this operation: the path parameters, percent-decoded, if so. A placeholder
    /// matches one non-empty segment.
    pub fn matches(&self, method: &str, path: &str) -> Option<Vec<(&str, String)>> {
        if !method.eq_ignore_ascii_case(self.method) {
            return None;
        }
        let mut template = self.path.split('/');
        let mut given = path.split('/');
        let mut params = Vec::new();
        loop {
            match (template.next(), given.next()) {
                (None, None) => return Some(params),
                (Some(t), Some(g)) => {
                    if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                        let value = percent_decode(g)?;
                        if value.is_empty() || value.contains('/') {
                            return None;
                        }
                        params.push((name, value));
                    } else if t != g {
                        return None;
                    }
                }
                _ => return None,
            }
        }
    }

    /// Whether the path has no placeholder: a literal path wins over a template that would
    /// also match it (`/order/certificate/status-changes` over `/order/certificate/{id}`).
    pub fn is_literal(&self) -> bool {
        !self.path.contains('{')
    }

    /// The operation's URL below `base`, with each placeholder replaced by its value
    /// (percent-encoded).
    pub fn url(&self, base: &str, params: &[(&str, &str)]) -> String {
        let mut path = self.path.to_string();
        for (name, value) in params {
            path = path.replace(&format!("{{{name}}}"), &percent_encode(value));
        }
        format!("{}{path}", base.trim_end_matches('/'))
    }
}

/// A path segment as sent: every byte but the unreserved ones (RFC 3986) percent-encoded.
fn percent_encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A percent-encoded segment as text; `None` when it is not UTF-8 once decoded (or a `%` is
/// not followed by two hex digits).
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOKUP: Operation<'static> = Operation {
        id: "get_orders_by_alternative_id",
        name: "lookup",
        method: "GET",
        path: "/order/alternate/{alternative_order_id}",
        success: 200,
        accept: "application/json",
    };

    #[test]
    fn a_template_matches_one_decoded_segment_per_placeholder() {
        assert_eq!(
            LOOKUP.matches("GET", "/order/alternate/a%20b"),
            Some(vec![("alternative_order_id", "a b".to_string())])
        );
        assert_eq!(LOOKUP.matches("POST", "/order/alternate/x"), None);
        assert_eq!(LOOKUP.matches("GET", "/order/alternate/"), None);
        assert_eq!(LOOKUP.matches("GET", "/order/alternate/a%2Fb"), None);
        assert_eq!(LOOKUP.matches("GET", "/order/alternate/%FF"), None);
        assert_eq!(LOOKUP.matches("GET", "/order/alternate/%4"), None);
        assert_eq!(LOOKUP.matches("GET", "/order/alternate/x/y"), None);
        assert_eq!(
            LOOKUP.url(
                "http://h/services/v2/",
                &[("alternative_order_id", "a b/c")]
            ),
            "http://h/services/v2/order/alternate/a%20b%2Fc"
        );
    }
}
