//! Validation before sending: typed orders through the compiled checks first, anything with
//! something to report (and JSON orders) through the one interpreter.

use crate::error::InvalidOrder;
use crate::generated;
use crate::types::{ClientCertificateId, OrderClientCertificateRequest};
use certcentral_table::{BuiltinRule, Violation};

/// An order type whose product is fixed and whose conversion to the request body checks what
/// only run time can know. Implemented by `#[derive(ClientCertificateOrder)]`.
pub trait ClientCertificateOrder {
    /// The product this type orders.
    const PRODUCT: ClientCertificateId;

    /// Builds the request body, validated against every rule of the spec.
    fn try_into_request(&self) -> Result<OrderClientCertificateRequest, InvalidOrder> {
        let request = self.__request()?;
        validate(Self::PRODUCT, &request)?;
        Ok(request)
    }

    /// The request body, not validated: [`Client::submit`](crate::Client::submit) validates
    /// it once, on its way out. Implemented by the derive; not a stable API.
    #[doc(hidden)]
    fn __request(&self) -> Result<OrderClientCertificateRequest, InvalidOrder>;
}

/// Validates a typed order for `product`; returns the warnings (ignored parameters) or every
/// violation.
///
/// A clean order (the usual case) is checked by code compiled from the spec over the typed
/// fields, at a fraction of its serialization's cost; only an order with something to report
/// goes through the interpreter, which says what and where.
///
/// ```
/// use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
/// let order: OrderClientCertificateRequest = serde_json::from_value(serde_json::json!({
///     "certificate": { "emails": ["alice@example.com"], "signature_hash": "sha256" },
///     "order_validity": { "years": 1 },
///     "validity_years": 1
/// }))?;
/// let warnings = certcentral::validate(ClientCertificateId::Class1Smime, &order).unwrap();
/// assert_eq!(warnings[0].rule, "deprecated.validity_years");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn validate(
    product: ClientCertificateId,
    request: &OrderClientCertificateRequest,
) -> Result<Vec<Violation>, InvalidOrder> {
    if generated::checks::is_clean(product, request) {
        return Ok(Vec::new());
    }
    let body = serde_json::to_value(request).map_err(|e| InvalidOrder {
        product: product.to_string(),
        violations: vec![Violation::new(
            BuiltinRule::Serialize.id(),
            "(body)",
            format!("the order does not serialize to JSON: {e}"),
        )],
    })?;
    validate_json(&product.to_string(), &body)
}

/// Validates an order body given as JSON (from a form, a file, another service) for a product
/// id; returns the warnings or every violation.
///
/// ```
/// let invalid = certcentral::validate_json("client_premium", &serde_json::json!({
///     "certificate": { "emails": [], "signature_hash": "sha1" }
/// })).unwrap_err();
/// let rules: Vec<_> = invalid.violations.iter().map(|v| v.rule).collect();
/// assert!(rules.contains(&"schema.min_items"));
/// assert!(rules.contains(&"schema.enum"));
/// assert!(rules.contains(&"validity.required")); // no order_validity at all
/// ```
pub fn validate_json(
    product: &str,
    body: &serde_json::Value,
) -> Result<Vec<Violation>, InvalidOrder> {
    let report = certcentral_table::validate(product, body);
    if report.is_valid() {
        Ok(report.warnings)
    } else {
        Err(InvalidOrder {
            product: product.to_string(),
            violations: report.violations,
        })
    }
}

/// An order read from JSON and validated: its product, its typed request, and the warnings
/// (ignored parameters) it carries.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ParsedOrder {
    /// The product.
    pub product: ClientCertificateId,
    /// The request, ready for [`Client::order`](crate::Client::order).
    pub request: OrderClientCertificateRequest,
    /// What the order sets that the product ignores.
    pub warnings: Vec<Violation>,
}

/// Reads an order given as JSON for a product id, in one step: every violation of the spec's
/// rules, each named by parameter (what [`validate_json`] finds), or the typed order. What a
/// form, a file or another service hands over becomes an order the client can send.
///
/// [`Client::order`](crate::Client::order) still checks it on its way out (no path sends an
/// order unchecked); for a valid order that is the compiled check alone, a fraction of a
/// microsecond.
///
/// ```
/// let parsed = certcentral::parse_order("class1_smime", serde_json::json!({
///     "certificate": { "emails": ["alice@example.com"], "signature_hash": "sha256" },
///     "order_validity": { "years": 1 }
/// }))?;
/// assert_eq!(parsed.product, certcentral::types::ClientCertificateId::Class1Smime);
/// assert!(parsed.warnings.is_empty());
///
/// let unknown = certcentral::parse_order("class9", serde_json::json!({})).unwrap_err();
/// assert_eq!(unknown.violations[0].rule, "product.unknown");
/// # Ok::<(), certcentral::InvalidOrder>(())
/// ```
pub fn parse_order(product: &str, body: serde_json::Value) -> Result<ParsedOrder, InvalidOrder> {
    let warnings = validate_json(product, &body)?;
    let typed = product
        .parse::<ClientCertificateId>()
        .ok()
        .zip(serde_json::from_value::<OrderClientCertificateRequest>(body).ok());
    // The interpreter knows every product and every type the spec gives; a body it passes
    // that the generated types refuse is a generator bug, reported as what it is.
    let Some((product_id, request)) = typed else {
        return Err(InvalidOrder {
            product: product.to_string(),
            violations: vec![Violation::new(
                BuiltinRule::Type.id(),
                "(body)",
                "the order does not fit the generated request type",
            )],
        });
    };
    Ok(ParsedOrder {
        product: product_id,
        request,
        warnings,
    })
}

/// DigiCert's display name of a product, from the spec.
///
/// ```
/// use certcentral::types::ClientCertificateId;
/// assert_eq!(certcentral::product_name(ClientCertificateId::ClientPremium), "Premium");
/// ```
pub fn product_name(product: ClientCertificateId) -> &'static str {
    // codegen refuses a product without a display name.
    certcentral_table::product(&product.to_string()).map_or("", |p| p.name)
}
