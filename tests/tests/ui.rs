//! trybuild: every compile error of the derive is pinned, and every product/indicator/payment
//! variant that must compile does, and produces the documented JSON.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut dirs: Vec<String> = std::fs::read_dir(ui)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|d| d != "pass")
        .collect();
    dirs.sort();
    for dir in dirs {
        t.compile_fail(format!("tests/ui/{dir}/*.rs"));
    }
}
