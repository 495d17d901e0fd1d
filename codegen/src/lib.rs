//! Reads `spec/openapi.yaml` into the vocabulary of `certcentral-rules` and writes every
//! artifact derived from it (each with a do-not-edit header; nothing it writes is its input):
//!
//! - `table/src/generated.rs`: the rules table (`TABLE`: servers, products, the parameter tree
//!   with its constraints, the rules, the rate limits), read by the derive, the client and the
//!   mock,
//! - `client/src/generated/mod.rs`: progenitor's request types, with open enums and secret
//!   types, re-exporting the response types,
//! - `table/src/responses.rs`: the response bodies (the order, DigiCert's error envelope) as
//!   types with builders, which the client decodes and the mock answers with,
//! - `client/src/generated/wire.rs`: the order operation on the wire (method, path, header and
//!   query parameters, success status), which every order the client sends goes through
//!   (why not progenitor's own operation: see `wire.rs`),
//! - `client/src/generated/checks.rs`: the constraints and rules compiled over the generated
//!   request types, the client's fast path for typed orders,
//! - `client/src/generated/draft.rs`: the typed draft a derived order is built into (every
//!   request struct with optional fields) and the derive's conversions into the generated
//!   types.
//!
//! Output is deterministic and formatted with prettyplease, so `--check` can compare it to
//! what is checked in byte for byte.
//!
//! ```no_run
//! let root = std::path::Path::new(".");
//! let artifacts = certcentral_codegen::generate(root)?;
//! for stale in certcentral_codegen::stale(root, &artifacts)? {
//!     println!("{} is stale:\n{}", stale.path, stale.diff);
//! }
//! # Ok::<(), certcentral_codegen::CodegenError>(())
//! ```

#![warn(missing_docs)]

mod checks;
mod client;
mod draft;
mod model;
mod open_enum;
mod pattern;
mod products;
mod progenitor;
mod reader;
mod responses;
mod table;
mod wire;

use std::path::{Path, PathBuf};

pub use model::SpecIssue;

/// Parses and checks the spec's text; returns the document as JSON (for tests and tools that
/// read the spec's examples), or every convention it breaks.
///
/// ```
/// let yaml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/openapi.yaml"))?;
/// let doc = certcentral_codegen::load_document(&yaml)?;
/// assert_eq!(doc["openapi"], "3.0.3");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_document(yaml: &str) -> Result<serde_json::Value, CodegenError> {
    let document = model::parse(yaml).map_err(CodegenError::Spec)?;
    model::load(&document, &bumpalo::Bump::new()).map_err(CodegenError::Spec)?;
    Ok(document)
}

/// A plain progenitor client of the whole spec (every operation, the order's included; the
/// shapes the SDK gives progenitor, without the SDK's hooks, open enums or secret types): the
/// baseline of the users' clean-build benchmark (`benches/clean-build.sh --baseline`).
pub fn plain_progenitor(root: &Path) -> Result<String, CodegenError> {
    let path = root.join(SPEC_PATH);
    let yaml = std::fs::read_to_string(&path).map_err(|source| CodegenError::Io {
        path: path.clone(),
        source,
    })?;
    let document = load_document(&yaml)?;
    let file = progenitor::progenitor_file(
        &progenitor::spec_of(&document)?,
        ::progenitor::GenerationSettings::new(),
    )?;
    Ok(prettyplease::unparse(&file))
}

/// Where the spec lives, relative to the workspace root.
pub const SPEC_PATH: &str = "spec/openapi.yaml";
/// Where the generated types go (progenitor's, with the SDK's open enums and secret types).
pub const CLIENT_PATH: &str = "client/src/generated/mod.rs";
/// Where the order operation's wire layer goes.
pub const WIRE_PATH: &str = "client/src/generated/wire.rs";
/// Where the types of the response bodies go (shared by the client and the mock).
pub const RESPONSES_PATH: &str = "table/src/responses.rs";
/// Where the generated rules table goes.
pub const TABLE_PATH: &str = "table/src/generated.rs";
/// Where the compiled checks of typed orders go.
pub const CHECKS_PATH: &str = "client/src/generated/checks.rs";
/// Where the derive's typed draft of the request goes.
pub const DRAFT_PATH: &str = "client/src/generated/draft.rs";

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodegenError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The spec breaks the project's conventions; every problem is listed.
    #[error("{SPEC_PATH} is refused:\n{}", .0.iter().map(|i| format!("  - {i}")).collect::<Vec<_>>().join("\n"))]
    Spec(Vec<SpecIssue>),
    /// progenitor could not generate a client from the spec.
    #[error("progenitor failed: {0}")]
    Progenitor(String),
    /// A generator met a shape of the generated request types it does not know.
    #[error("{generator} cannot follow the generated types: {what}")]
    Unsupported {
        /// Which: the compiled checks, the draft, or the reader of progenitor's output.
        generator: &'static str,
        /// What it met.
        what: String,
    },
    /// Generated tokens did not parse as Rust (a generator bug).
    #[error("generated {path} is not valid Rust: {message}")]
    Format {
        /// The artifact.
        path: &'static str,
        /// The parser's message.
        message: String,
    },
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Relative to the workspace root.
    pub path: &'static str,
    /// The full text, header included.
    pub contents: String,
}

/// A checked-in artifact that differs from what the spec generates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// Relative to the workspace root.
    pub path: &'static str,
    /// A unified diff from the checked-in text to the generated one.
    pub diff: String,
}

const HEADER: &str = "// @generated by certcentral-codegen from spec/openapi.yaml. Do not edit by hand:\n\
// change the spec, run `cargo run -p certcentral-codegen`, review `cargo insta review`.\n";

/// Generates every artifact from the spec's text.
///
/// ```
/// let yaml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/openapi.yaml"))?;
/// let artifacts = certcentral_codegen::generate_from_str(&yaml)?;
/// assert!(artifacts.iter().any(|a| a.path == certcentral_codegen::TABLE_PATH));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn generate_from_str(yaml: &str) -> Result<Vec<Artifact>, CodegenError> {
    let document = model::parse(yaml).map_err(CodegenError::Spec)?;
    let arena = bumpalo::Bump::new();
    let model = model::load(&document, &arena).map_err(CodegenError::Spec)?;
    let client = parse(CLIENT_PATH, client::tokens(&model)?)?;
    let draft = draft::tokens(&model, &client, &model.request_type)?;
    Ok(vec![
        Artifact {
            path: CLIENT_PATH,
            // progenitor's usage sketch of each operation (`client.order_info().id(id)…`) names
            // variables it does not define: a sketch to read (`text`), not a doctest to skip.
            contents: format(
                &client,
                "#![allow(clippy::all, clippy::pedantic, missing_docs, unused_imports)]\n",
            )
            .replace("```ignore", "```text"),
        },
        Artifact {
            path: WIRE_PATH,
            contents: format(&parse(WIRE_PATH, wire::tokens(&model))?, ""),
        },
        Artifact {
            path: DRAFT_PATH,
            contents: format(&parse(DRAFT_PATH, draft)?, ""),
        },
        Artifact {
            path: RESPONSES_PATH,
            contents: format(
                &parse(RESPONSES_PATH, responses::tokens(&model)?)?,
                "#![allow(clippy::all, clippy::pedantic, missing_docs, unused_imports)]\n",
            ),
        },
        Artifact {
            path: TABLE_PATH,
            contents: format(&parse(TABLE_PATH, table::tokens(&model))?, ""),
        },
        Artifact {
            path: CHECKS_PATH,
            contents: checks::contents(&model, &client, &model.request_type)?,
        },
    ])
}

/// The workspace to regenerate: the nearest ancestor of the current directory that has
/// [`SPEC_PATH`].
pub fn find_root() -> Result<PathBuf, CodegenError> {
    let cwd = std::env::current_dir().map_err(|source| CodegenError::Io {
        path: PathBuf::from("."),
        source,
    })?;
    cwd.ancestors()
        .find(|dir| dir.join(SPEC_PATH).is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| CodegenError::Io {
            path: cwd.join(SPEC_PATH),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no workspace with the spec here or above: run codegen inside the checkout",
            ),
        })
}

/// Generates every artifact from `root/spec/openapi.yaml`.
pub fn generate(root: &Path) -> Result<Vec<Artifact>, CodegenError> {
    let path = root.join(SPEC_PATH);
    let yaml =
        std::fs::read_to_string(&path).map_err(|source| CodegenError::Io { path, source })?;
    generate_from_str(&yaml)
}

/// The artifacts whose checked-in text differs from `artifacts` (a missing file counts).
pub fn stale(root: &Path, artifacts: &[Artifact]) -> Result<Vec<Stale>, CodegenError> {
    let mut out = Vec::new();
    for artifact in artifacts {
        let path = root.join(artifact.path);
        let current = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => return Err(CodegenError::Io { path, source }),
        };
        if current != artifact.contents {
            let diff = similar::TextDiff::from_lines(&current, &artifact.contents)
                .unified_diff()
                .context_radius(3)
                .header(
                    &format!("{} (checked in)", artifact.path),
                    &format!("{} (generated)", artifact.path),
                )
                .to_string();
            out.push(Stale {
                path: artifact.path,
                diff,
            });
        }
    }
    Ok(out)
}

/// Writes the artifacts that changed; returns their paths.
pub fn write(root: &Path, artifacts: &[Artifact]) -> Result<Vec<&'static str>, CodegenError> {
    let changed = stale(root, artifacts)?;
    for s in &changed {
        let path = root.join(s.path);
        let contents = artifacts
            .iter()
            .find(|a| a.path == s.path)
            .map(|a| a.contents.as_str());
        std::fs::write(&path, contents.unwrap_or_default())
            .map_err(|source| CodegenError::Io { path, source })?;
    }
    Ok(changed.into_iter().map(|s| s.path).collect())
}

pub(crate) fn parse(
    path: &'static str,
    tokens: proc_macro2::TokenStream,
) -> Result<syn::File, CodegenError> {
    syn::parse2(tokens).map_err(|e| CodegenError::Format {
        path,
        message: e.to_string(),
    })
}

pub(crate) fn format(file: &syn::File, inner_attrs: &str) -> String {
    format!("{HEADER}{inner_attrs}\n{}", prettyplease::unparse(file))
}
