//! Any bytes that parse as JSON, as an order for any product: the validator never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, &[u8])| {
    let (product, bytes) = input;
    let products = certcentral_table::TABLE.products;
    let product = products[usize::from(product) % products.len()].id;
    if let Ok(body) = serde_json::from_slice::<serde_json::Value>(bytes) {
        let report = certcentral_table::validate(product, &body);
        let _ = report.is_valid();
    }
});
