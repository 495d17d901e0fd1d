//! Every repository path quoted in the documentation and in comments exists: a moved file or
//! suite must not leave a reader looking for it (`client/src/client.rs:158`, `ui/tests/ui/*/`,
//! `spec/openapi.yaml` — quoted in backticks, starting with one of the workspace's folders).

use std::path::{Path, PathBuf};

/// The workspace's own folders: a quoted path starting with one of them is a claim about the
/// repository.
const ROOTS: &[&str] = &[
    "rules/", "table/", "codegen/", "client/", "macros/", "mock/", "cli/", "tests/", "spec/",
    "benches/", "fuzz/", ".ci/",
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == "target" || name.starts_with('.') && ![".ci", ".cargo"].contains(&&*name) {
            continue;
        }
        if path.is_dir() {
            files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("md" | "rs" | "toml" | "yaml")
        ) || path.parent().and_then(Path::file_name) == Some(".ci".as_ref())
            || name == ".gitattributes"
        {
            out.push(path);
        }
    }
}

#[test]
fn every_quoted_repository_path_exists() {
    let root = certcentral_tests::workspace();
    let mut all = Vec::new();
    files(&root, &mut all);
    let quoted =
        regex::Regex::new(r"`([A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-/*{}\[\]]*)(?::[0-9][0-9,–\-]*)?`")
            .expect("a regex");
    let mut missing = Vec::new();
    for file in &all {
        // Generated files and snapshots quote what they were generated from, checked by codegen.
        let shown = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .to_string_lossy()
            .into_owned();
        // The changelog is history: it quotes what was true when it was written.
        if shown.contains("/generated") || shown.contains("/snapshots/") || shown == "CHANGELOG.md"
        {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            for c in quoted.captures_iter(line) {
                let path = &c[1];
                if !ROOTS.iter().any(|r| path.starts_with(r)) || path.contains('{') {
                    continue;
                }
                // A glob: the folder it looks in must exist.
                let fixed = match path.find(['*', '[']) {
                    Some(i) => path[..i].rsplit_once('/').map_or("", |(dir, _)| dir),
                    None => path.trim_end_matches('/'),
                };
                let candidates = [root.join(fixed), root.join("tests").join(fixed)];
                if !candidates.iter().any(|c| c.exists()) {
                    missing.push(format!("{shown}:{}: `{path}`", n + 1));
                }
            }
        }
    }
    // `.gitattributes` names its paths unquoted, one pattern per line: each must match a file.
    let attributes = std::fs::read_to_string(root.join(".gitattributes")).unwrap_or_default();
    for (n, line) in attributes.lines().enumerate() {
        let Some(pattern) = line
            .split_whitespace()
            .next()
            .filter(|p| !p.starts_with('#'))
        else {
            continue;
        };
        let matched = glob_matches(&root, pattern);
        if !matched {
            missing.push(format!(
                ".gitattributes:{}: `{pattern}` matches no file",
                n + 1
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "quoted paths that do not exist:\n{}",
        missing.join("\n")
    );
}

/// Whether a `.gitattributes` pattern (a path, `dir/**`, or `dir/*.ext`) matches a file.
fn glob_matches(root: &Path, pattern: &str) -> bool {
    match pattern.split_once('*') {
        None => root.join(pattern).is_file(),
        Some((dir, rest)) => {
            let suffix = rest.trim_start_matches('*');
            std::fs::read_dir(root.join(dir))
                .into_iter()
                .flatten()
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(suffix))
        }
    }
}
