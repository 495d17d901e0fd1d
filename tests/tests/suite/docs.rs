//! What a user reads on docs.rs for `certcentral`: every product documented, and no example
//! that names a crate the user does not depend on.
//!
//! Read from the source docs (rustdoc's own output needs a nightly for JSON, or a second cargo
//! inside the test): the client's files, and, for every item it re-exports from the internal
//! crates (`certcentral_table`, `certcentral_rules`), that item's docs and its methods' where
//! they are written.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use syn::visit::Visit;

const INTERNAL: [&str; 2] = ["certcentral_rules", "certcentral_table"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn parse(path: &Path) -> syn::File {
    let text = std::fs::read_to_string(path).unwrap();
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn doc_of(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The lines of a doc's code examples that rustdoc shows (hidden `# ` lines left out).
fn shown_example_lines(doc: &str) -> Vec<String> {
    let mut inside = false;
    let mut lines = Vec::new();
    for line in doc.lines() {
        let line = line.strip_prefix(' ').unwrap_or(line);
        if line.trim_start().starts_with("```") {
            let lang = line.trim_start().trim_start_matches('`');
            inside = !inside && !lang.starts_with("text") && !lang.starts_with("toml");
            continue;
        }
        let trimmed = line.trim_start();
        if inside && trimmed != "#" && !trimmed.starts_with("# ") {
            lines.push(line.to_string());
        }
    }
    lines
}

/// Every doc (of any item, field, variant, method or module) in a file, with what it is on.
#[derive(Default)]
struct Docs {
    /// `(the item's name, or "" for a file's inner docs; the doc)`.
    all: Vec<(String, String)>,
    /// Only the docs of items named in `wanted` and of their impls' items.
    wanted: Option<BTreeSet<String>>,
}

impl Docs {
    fn keep(&mut self, name: &str, attrs: &[syn::Attribute]) {
        if self.wanted.as_ref().is_none_or(|w| w.contains(name)) {
            let doc = doc_of(attrs);
            if !doc.is_empty() {
                self.all.push((name.to_string(), doc));
            }
        }
    }
}

impl<'ast> Visit<'ast> for Docs {
    fn visit_file(&mut self, f: &'ast syn::File) {
        self.keep("", &f.attrs);
        syn::visit::visit_file(self, f);
    }
    fn visit_item_struct(&mut self, i: &'ast syn::ItemStruct) {
        let name = i.ident.to_string();
        self.keep(&name, &i.attrs);
        for field in &i.fields {
            self.keep(&name, &field.attrs);
        }
    }
    fn visit_item_enum(&mut self, i: &'ast syn::ItemEnum) {
        let name = i.ident.to_string();
        self.keep(&name, &i.attrs);
        for v in &i.variants {
            self.keep(&name, &v.attrs);
        }
    }
    fn visit_item_fn(&mut self, i: &'ast syn::ItemFn) {
        self.keep(&i.sig.ident.to_string(), &i.attrs);
    }
    fn visit_item_mod(&mut self, i: &'ast syn::ItemMod) {
        self.keep(&i.ident.to_string(), &i.attrs);
        syn::visit::visit_item_mod(self, i);
    }
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let syn::Type::Path(p) = &*i.self_ty else {
            return;
        };
        let Some(name) = p.path.segments.last().map(|s| s.ident.to_string()) else {
            return;
        };
        for item in &i.items {
            match item {
                syn::ImplItem::Fn(f) => self.keep(&name, &f.attrs),
                syn::ImplItem::Const(c) => self.keep(&name, &c.attrs),
                _ => {}
            }
        }
    }
    fn visit_item_use(&mut self, i: &'ast syn::ItemUse) {
        self.keep("use", &i.attrs);
    }
}

/// The names `certcentral` re-exports from the internal crates (`pub use certcentral_table::…`
/// in its own and its generated files).
fn reexported(files: &[syn::File]) -> BTreeSet<String> {
    fn names(tree: &syn::UseTree, internal: bool, out: &mut BTreeSet<String>) {
        match tree {
            syn::UseTree::Path(p) => {
                let internal = internal || INTERNAL.contains(&p.ident.to_string().as_str());
                names(&p.tree, internal, out);
            }
            syn::UseTree::Name(n) if internal => {
                out.insert(n.ident.to_string());
            }
            syn::UseTree::Rename(r) if internal => {
                out.insert(r.ident.to_string());
            }
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| names(t, internal, out)),
            _ => {}
        }
    }
    struct Uses(BTreeSet<String>);
    impl<'ast> Visit<'ast> for Uses {
        fn visit_item_use(&mut self, i: &'ast syn::ItemUse) {
            if matches!(i.vis, syn::Visibility::Public(_)) {
                names(&i.tree, false, &mut self.0);
            }
        }
    }
    let mut uses = Uses(BTreeSet::new());
    for f in files {
        uses.visit_file(f);
    }
    uses.0
}

#[test]
fn no_example_a_user_reads_names_an_internal_crate() {
    let root = certcentral_tests::workspace();
    let mut client_files = Vec::new();
    rust_files(&root.join("client/src"), &mut client_files);
    client_files.retain(|p| !p.ends_with("params.rs")); // the derive's runtime: doc(hidden)
    let client: Vec<syn::File> = client_files.iter().map(|p| parse(p)).collect();
    let mut docs = Docs::default();
    for f in &client {
        docs.visit_file(f);
    }
    let names = reexported(&client);
    assert!(
        names.contains("Violation") && names.contains("OrderStatus"),
        "{names:?}"
    );
    let mut internal = Docs {
        wanted: Some(names),
        ..Docs::default()
    };
    for dir in ["rules/src", "table/src"] {
        let mut files = Vec::new();
        rust_files(&root.join(dir), &mut files);
        for path in files {
            internal.visit_file(&parse(&path));
        }
    }
    let mut found = Vec::new();
    for (name, doc) in docs.all.iter().chain(&internal.all) {
        for line in shown_example_lines(doc) {
            if INTERNAL.iter().any(|c| line.contains(c)) {
                found.push(format!("{name}: {}", line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "doc examples on certcentral's pages naming an internal crate (use `certcentral::…`, \
         or a hidden `# use` line):\n{}",
        found.join("\n")
    );
}

#[test]
fn every_product_is_documented_with_its_wire_id_and_rules() {
    let root = certcentral_tests::workspace();
    let file = parse(&root.join("client/src/generated/mod.rs"));
    struct Find(Option<syn::ItemEnum>);
    impl<'ast> Visit<'ast> for Find {
        fn visit_item_enum(&mut self, i: &'ast syn::ItemEnum) {
            if i.ident == "ClientCertificateId" {
                self.0 = Some(i.clone());
            }
        }
    }
    let mut find = Find(None);
    find.visit_file(&file);
    let ids = find.0.expect("the generated ClientCertificateId");
    assert!(
        doc_of(&ids.attrs).contains("| parameter |"),
        "the product table"
    );
    for product in certcentral_table::TABLE.products {
        let variant = ids
            .variants
            .iter()
            .find(|v| v.ident == product.variant)
            .unwrap_or_else(|| panic!("no variant {}", product.variant));
        let doc = doc_of(&variant.attrs);
        assert!(
            doc.contains(&format!("`{}`", product.id)) && doc.contains(product.name),
            "{}: {doc:?}",
            product.variant
        );
        assert!(doc.contains("Requires") && doc.contains("Refuses"), "{doc}");
    }
    assert_eq!(ids.variants.len(), certcentral_table::TABLE.products.len());
}
