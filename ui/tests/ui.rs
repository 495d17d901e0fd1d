//! trybuild: every compile error of the derive is pinned, and every product/indicator/payment
//! variant that must compile does, and produces the documented JSON.
//!
//! A package of its own: trybuild compiles its cases against every dependency of the package
//! that runs it, so here that is the client alone, not the whole suite's graph (codegen,
//! progenitor, the mock, proptest…), which cost a cold `cargo test --workspace` minutes.
//! Bless after reading why a `.stderr` changed: `TRYBUILD=overwrite cargo test -p certcentral-ui`.

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
    let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut wrong = Vec::new();
    for folder in std::fs::read_dir(&ui).unwrap().filter_map(|e| e.ok()) {
        if !folder.path().is_dir() {
            continue;
        }
        let name = folder.file_name().to_string_lossy().into_owned();
        let is_rule = certcentral_table::TABLE.rule(&name).is_some()
            || certcentral_table::BuiltinRule::from_id(&name).is_some();
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

/// A rule is covered at compile time by its own folder here (whose `.stderr` files name it:
/// `every_folder_pins_its_own_rule`), and at run time by `tests/tests/suite/properties.rs`,
/// which must find every rule of the table as the only finding of some order: a new rule needs
/// a compile-fail case and nothing else by hand.
#[test]
fn every_rule_has_a_compile_fail_case() {
    let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let missing: Vec<String> = certcentral_table::TABLE
        .rules
        .iter()
        .filter(|rule| {
            !std::fs::read_dir(ui.join(rule.id)).is_ok_and(|d| {
                d.filter_map(|e| e.ok())
                    .any(|e| e.path().extension().is_some_and(|x| x == "rs"))
            })
        })
        .map(|rule| format!("{}: no tests/ui/{}/*.rs", rule.id, rule.id))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a compile-fail case:\n{}",
        missing.join("\n")
    );
}
