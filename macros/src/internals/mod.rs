//! The derive in three passes, as serde_derive and garde_derive do it:
//! `syntax` (parse the attributes) → `check` (against the rules table) → `emit`.
//! Errors accumulate and are all reported at once; on error a stub impl keeps the follow-on
//! errors away.

mod check;
mod emit;
mod syntax;

use proc_macro2::{Span, TokenStream};
use std::fmt::Display;
use syn::DeriveInput;

/// Accumulates errors, each spanned on what is at fault.
#[derive(Default)]
pub struct Ctxt {
    errors: Option<syn::Error>,
}

impl Ctxt {
    fn error(&mut self, e: syn::Error) {
        match &mut self.errors {
            Some(all) => all.combine(e),
            None => self.errors = Some(e),
        }
    }

    fn error_at(&mut self, span: Span, message: impl Display) {
        self.error(syn::Error::new(span, message));
    }
}

/// Expands `#[derive(ClientCertificateOrder)]`.
pub fn derive(ast: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let input = syntax::parse(&mut cx, ast);
    let krate = check::crate_path(&mut cx, &input);
    let checked = check::check(&mut cx, &input);
    match (cx.errors, checked) {
        (None, Some(checked)) => emit::implementation(ast, &checked, &krate),
        (errors, checked) => {
            let errors = errors.map(|e| e.to_compile_error()).unwrap_or_default();
            let stub = emit::stub(ast, check::product_of(&input), &krate);
            let type_checks = checked
                .map(|c| emit::type_checks(ast, &c.mappings, &krate))
                .unwrap_or_default();
            quote::quote! { #errors #stub #type_checks }
        }
    }
}
