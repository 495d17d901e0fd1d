//! The public APIs of `certcentral` (all features) and `certcentral-mock`, pinned: every change
//! to what users can name is a reviewed snapshot diff (`cargo insta review`). Read from
//! rustdoc's JSON output, which the toolchain here produces with `RUSTC_BOOTSTRAP=1` (as the
//! fuzz targets use nightly flags).

use std::process::Command;

/// The public API of a library crate of the workspace, with all its features.
fn public_api(package: &str, lib: &str) -> String {
    let target = certcentral_tests::target_dir().join("public-api");
    let status = Command::new(env!("CARGO"))
        .args([
            "rustdoc",
            "--quiet",
            "-p",
            package,
            "--all-features",
            "--lib",
            "--",
        ])
        .args(["-Z", "unstable-options", "--output-format", "json"])
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_INCREMENTAL", "0")
        .current_dir(certcentral_tests::workspace())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "rustdoc JSON of {package}");
    // Blanket impls (`From<T> for T`, …) say nothing about this crate; auto traits (`Send`,
    // `Sync`, …) are part of its promise and stay.
    public_api::Builder::from_rustdoc_json(target.join(format!("doc/{lib}.json")))
        .omit_blanket_impls(true)
        .build()
        .expect("the rustdoc JSON format of this toolchain")
        .to_string()
}

#[test]
fn the_public_api_of_certcentral() {
    insta::assert_snapshot!(public_api("certcentral", "certcentral"));
}

#[test]
fn the_public_api_of_certcentral_mock() {
    insta::assert_snapshot!(public_api("certcentral-mock", "certcentral_mock"));
}
