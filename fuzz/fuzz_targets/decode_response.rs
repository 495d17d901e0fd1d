//! Any status and bytes as an answer to an order: no panic, bounded error text, no secret.
#![no_main]

use certcentral::{Response, decode_response};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "FUZZSECRETKEY";

fuzz_target!(|input: (u16, bool, &[u8])| {
    let (status, complete, body) = input;
    if let Err(e) = decode_response(
        Response { status, retry_after: None, body, complete },
        "fuzz",
        &[SECRET],
    ) {
        let text = e.to_string();
        assert!(text.chars().count() < 2_000);
        assert!(!text.contains(SECRET));
    }
});
