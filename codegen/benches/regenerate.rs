//! The whole regeneration in-process: parse the spec, check it, generate the client with
//! progenitor, format both artifacts. Target: under 100 ms in release.
//!
//! `cargo bench -p certcentral-codegen --bench regenerate`

fn main() {
    divan::main();
}

const SPEC: &str = include_str!("../../spec/openapi.yaml");

#[divan::bench(sample_count = 30)]
fn regenerate_everything() -> usize {
    let artifacts =
        certcentral_codegen::generate_from_str(divan::black_box(SPEC)).unwrap_or_default();
    artifacts.iter().map(|a| a.contents.len()).sum()
}
