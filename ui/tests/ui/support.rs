//! Shared by the `pass/` programs (included with `#[path]`; not a test case itself).
use certcentral::ClientCertificateOrder;

/// The order converts to exactly `expected`, and the request passes the run-time validator.
pub fn check<O: ClientCertificateOrder>(order: O, expected: serde_json::Value) {
    let request = order.try_into_request().unwrap();
    assert_eq!(serde_json::to_value(&request).unwrap(), expected);
    assert!(certcentral::validate(O::PRODUCT, &request).is_ok());
}
