//! Any bytes that parse as a typed order, for any product: the compiled checks say "clean"
//! exactly when the interpreter reports nothing (what `certcentral::validate` relies on).
#![no_main]

use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, &[u8])| {
    let (product, bytes) = input;
    let products = certcentral_table::TABLE.products;
    let id = products[usize::from(product) % products.len()].id;
    let Ok(product) = id.parse::<ClientCertificateId>() else {
        return;
    };
    let Ok(order) = serde_json::from_slice::<OrderClientCertificateRequest>(bytes) else {
        return;
    };
    let Ok(body) = serde_json::to_value(&order) else {
        return;
    };
    let report = certcentral_table::validate(id, &body);
    let nothing = report.violations.is_empty() && report.warnings.is_empty();
    assert_eq!(
        certcentral::__private::is_clean(product, &order),
        nothing,
        "{report:?}"
    );
});
