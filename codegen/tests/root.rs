//! The binary regenerates the workspace it is run in, found from the current directory at
//! run time, never the one it was built in: with one `CARGO_TARGET_DIR` for two checkouts, the
//! second must not be left stale.

use std::process::Command;

#[test]
fn the_workspace_is_the_one_around_the_current_directory() {
    let spec =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/openapi.yaml"))
            .expect("the spec");
    let other =
        std::env::temp_dir().join(format!("certcentral-codegen-root-{}", std::process::id()));
    let nested = other.join("client/src");
    std::fs::create_dir_all(other.join("spec")).unwrap();
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(other.join("spec/openapi.yaml"), spec).unwrap();

    // Run from a folder inside the other checkout: its spec, its (missing) artifacts.
    let output = Command::new(env!("CARGO_BIN_EXE_certcentral-codegen"))
        .arg("--check")
        .current_dir(&nested)
        .output()
        .expect("the codegen binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "stale, not current:\n{stdout}\n{stderr}"
    );
    let other = other.canonicalize().unwrap();
    assert!(
        stdout.contains(&format!("workspace: {}", other.display())),
        "{stdout}"
    );
    assert!(
        stderr.contains("stale: client/src/generated/mod.rs"),
        "{stderr}"
    );

    // Outside any checkout: a clear refusal.
    let outside = Command::new(env!("CARGO_BIN_EXE_certcentral-codegen"))
        .current_dir("/")
        .output()
        .expect("the codegen binary runs");
    assert_eq!(outside.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&outside.stderr)
            .contains("no workspace with the spec here or above"),
        "{}",
        String::from_utf8_lossy(&outside.stderr)
    );
    let _ = std::fs::remove_dir_all(other);
}
