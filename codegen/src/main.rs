//! `cargo run -p certcentral-codegen [-- --check] [--root DIR]`
//!
//! Without `--check`, writes every generated artifact that changed. With `--check`, writes
//! nothing, prints a diff of every stale artifact and exits 1 if any is stale.
//!
//! The workspace is found at run time from the current directory (the nearest ancestor with
//! `spec/openapi.yaml`), never from where the binary was built: with a shared
//! `CARGO_TARGET_DIR`, one binary serves every checkout and each regenerates its own tree.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: certcentral-codegen [--check] [--root DIR] [--plain-progenitor FILE (benchmark baseline)]";

fn main() -> ExitCode {
    let mut check = false;
    let mut root = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--plain-progenitor" => {
                let Some(out) = args.next() else {
                    eprintln!("--plain-progenitor needs a file\n{USAGE}");
                    return ExitCode::from(2);
                };
                let written = certcentral_codegen::find_root()
                    .and_then(|root| certcentral_codegen::plain_progenitor(&root))
                    .map(|text| std::fs::write(&out, text));
                return match written {
                    Ok(Ok(())) => ExitCode::SUCCESS,
                    Ok(Err(e)) => {
                        eprintln!("error: cannot write {out}: {e}");
                        ExitCode::from(2)
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        ExitCode::from(2)
                    }
                };
            }
            "--root" => match args.next() {
                Some(dir) => root = Some(PathBuf::from(dir)),
                None => {
                    eprintln!("--root needs a directory\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("unknown argument `{other}`\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let root = match root.map_or_else(certcentral_codegen::find_root, Ok) {
        Ok(root) => root,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match run(check, &root) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(check: bool, root: &std::path::Path) -> Result<ExitCode, certcentral_codegen::CodegenError> {
    println!("workspace: {}", root.display());
    let artifacts = certcentral_codegen::generate(root)?;
    if check {
        let stale = certcentral_codegen::stale(root, &artifacts)?;
        for s in &stale {
            println!("{}", s.diff);
        }
        if stale.is_empty() {
            println!(
                "generated artifacts are up to date with {}",
                certcentral_codegen::SPEC_PATH
            );
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "stale: {} (run `cargo run -p certcentral-codegen` and commit the result)",
            stale.iter().map(|s| s.path).collect::<Vec<_>>().join(", ")
        );
        return Ok(ExitCode::FAILURE);
    }
    let written = certcentral_codegen::write(root, &artifacts)?;
    if written.is_empty() {
        println!("nothing changed");
    } else {
        for path in written {
            println!("wrote {path}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
