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

/// The compile errors a rule's folder pins name that rule and no other, so that blessing
/// (`TRYBUILD=overwrite`) after a spec change cannot pin another rule's error in the wrong
/// folder unnoticed; the derive's own folders (`syntax`, `mapping.*`) name no rule of the
/// spec; `pass` holds programs only.
#[test]
fn every_folder_pins_its_own_rule() {
    const SCHEMA_RULES: [&str; 11] = [
        "schema.required",
        "schema.type",
        "schema.enum",
        "schema.range",
        "schema.min_length",
        "schema.max_length",
        "schema.pattern",
        "schema.min_items",
        "schema.format",
        "schema.unknown_parameter",
        "product.unknown",
    ];
    let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut wrong = Vec::new();
    for folder in std::fs::read_dir(&ui).unwrap().filter_map(|e| e.ok()) {
        if !folder.path().is_dir() {
            continue;
        }
        let name = folder.file_name().to_string_lossy().into_owned();
        let is_rule =
            certcentral_table::TABLE.rule(&name).is_some() || SCHEMA_RULES.contains(&name.as_str());
        for file in std::fs::read_dir(folder.path())
            .unwrap()
            .filter_map(|e| e.ok())
        {
            let path = file.path();
            let shown = format!("{name}/{}", file.file_name().to_string_lossy());
            if path.extension().is_none_or(|x| x != "stderr") {
                continue;
            }
            if name == "pass" {
                wrong.push(format!("{shown}: a pass case has no compile errors to pin"));
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let named: Vec<&str> = text
                .split("certcentral rule `")
                .skip(1)
                .filter_map(|rest| rest.split('`').next())
                .collect();
            if is_rule && !named.contains(&name.as_str()) {
                wrong.push(format!("{shown}: does not name its rule `{name}`"));
            }
            for other in named.iter().filter(|r| **r != name) {
                wrong.push(format!("{shown}: names rule `{other}`, not its folder's"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
