//! Any status and bytes as an answer to an order: no panic, bounded error text, no secret, and
//! no part of a secret that an answer cut at the read limit ends in.
#![no_main]

use certcentral::{Response, decode_response};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "FUZZSECRETKEY";

fn error_text(status: u16, complete: bool, body: &[u8]) -> String {
    match decode_response(
        Response { status, retry_after: None, body, complete },
        "fuzz",
        &[SECRET],
    ) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

fuzz_target!(|input: (u16, bool, &[u8], u8)| {
    let (status, complete, body, cut) = input;
    let text = error_text(status, complete, body);
    assert!(text.chars().count() < 2_000);
    assert!(!text.contains(SECRET));

    // The same answer echoing the secret, cut inside it (as a read stopped at the limit is).
    let kept = 1 + usize::from(cut) % (SECRET.len() - 1);
    let mut echoed = body.to_vec();
    echoed.extend_from_slice(&SECRET.as_bytes()[..kept]);
    let prefix = &SECRET[..kept];
    let text = error_text(status, false, &echoed);
    if kept >= 3 && !String::from_utf8_lossy(body).contains(prefix) {
        assert!(!text.contains(prefix), "{prefix} survived the cut: {text}");
    }
});
