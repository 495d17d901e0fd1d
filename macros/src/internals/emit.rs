//! Emit: the `ClientCertificateOrder` impl, and one real rustc warning per ignored parameter.

use super::check::{Checked, Mapping, Source};
use certcentral_table::Product;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;

/// What each kind of parameter takes, in a field type that cannot become its parameter.
const TYPES_NOTE: &str = "strings take String, &str, Box<str>, Cow<str>, Arc<str> or Rc<str> \
    (enum-valued ones also their generated enum); integers take the integer types; booleans take \
    bool; string lists take Vec, slices or arrays of strings; object lists take a Vec of the \
    generated item type; wrap it in Option to make it optional";

/// The impl for a struct that passed every check.
pub fn implementation(ast: &DeriveInput, checked: &Checked, krate: &syn::Path) -> TokenStream {
    let product_id = checked.product.id;
    let this = quote! { self };
    let sets = checked.mappings.iter().map(|m| set(m, &this, krate));
    let warnings = checked.warnings.iter().map(|(m, s)| warning(m, *s));
    let body = quote! {
        let mut draft = #krate::__private::Draft::default();
        let mut errors = #krate::__private::Errors::new(#product_id);
        #(#sets)*
        errors.finish(draft)
    };
    let implementation = impl_block(ast, checked.product, body, krate);
    quote! {
        #(#warnings)*
        #implementation
    }
}

/// An impl that compiles whatever the errors were, so users see the errors and no cascade.
pub fn stub(ast: &DeriveInput, product: Option<&Product>, krate: &syn::Path) -> TokenStream {
    match product.or(certcentral_table::TABLE.products.first()) {
        Some(product) => impl_block(
            ast,
            product,
            quote! {
                ::core::unreachable!("this type did not derive ClientCertificateOrder: see the compile errors")
            },
            krate,
        ),
        None => TokenStream::new(),
    }
}

fn impl_block(
    ast: &DeriveInput,
    product: &Product,
    body: TokenStream,
    krate: &syn::Path,
) -> TokenStream {
    let (impl_generics, ty_generics, where_clause) = ast.generics.split_for_impl();
    let ident = &ast.ident;
    let variant = format_ident!("{}", product.variant);
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::ClientCertificateOrder for #ident #ty_generics #where_clause {
            const PRODUCT: #krate::types::ClientCertificateId =
                #krate::types::ClientCertificateId::#variant;

            fn __request(
                &self,
            ) -> ::core::result::Result<
                #krate::types::OrderClientCertificateRequest,
                #krate::InvalidOrder,
            > {
                #body
            }
        }
    }
}

/// The field conversions alone, in a function nobody calls: emitted beside the errors so a
/// field type that cannot become its parameter is reported in the same compile.
pub fn type_checks(ast: &DeriveInput, mappings: &[Mapping], krate: &syn::Path) -> TokenStream {
    let (impl_generics, ty_generics, where_clause) = ast.generics.split_for_impl();
    let ident = &ast.ident;
    let this = quote! { this };
    // Constants are checked by the derive itself (`schema.type` and the rest).
    let sets = mappings
        .iter()
        .filter(|m| matches!(m.source, Source::Field(_)))
        .map(|m| set(m, &this, krate));
    quote! {
        const _: () = {
            #[allow(dead_code, unused_variables, unused_mut)]
            fn certcentral_type_check #impl_generics (this: &#ident #ty_generics) #where_clause {
                let mut draft = #krate::__private::Draft::default();
                let mut errors = #krate::__private::Errors::new("");
                #(#sets)*
            }
        };
    }
}

fn set(m: &Mapping, this: &TokenStream, krate: &syn::Path) -> TokenStream {
    let path = m.param.path;
    // The parameter's place in the draft: each enclosing object created on first use.
    let mut segments: Vec<syn::Ident> = path.split('.').map(|s| format_ident!("{s}")).collect();
    let Some(last) = segments.pop() else {
        return TokenStream::new();
    };
    let slot = quote! {
        &mut draft #(.#segments.get_or_insert_with(::core::default::Default::default))* .#last
    };
    match &m.source {
        Source::Constant(setting) => {
            let value = match &setting.value {
                serde_json::Value::String(s) => quote! { #s },
                serde_json::Value::Bool(b) => quote! { &#b },
                serde_json::Value::Number(n) => {
                    let n = proc_macro2::Literal::i64_suffixed(n.as_i64().unwrap_or_default());
                    quote! { &#n }
                }
                _ => return TokenStream::new(),
            };
            quote! { errors.slot(#slot).set(#value, #path); }
        }
        Source::Field(field) => {
            let ident = &field.ident;
            let declared = field.option_inner.as_ref().unwrap_or(&field.ty);
            // A reference field converts what it points to.
            let (ty, value) = match declared {
                syn::Type::Reference(r) => (&*r.elem, quote! { *value }),
                ty => (ty, quote! { value }),
            };
            // The field converts through a trait of the expansion's own whose message names the
            // parameter: when `ToParam` has no impl for the field type at all, rustc reports
            // the unmet bound of the trait asked for ("`certificate.emails` takes
            // `Vec<String>`, not the field type `String`"). The conversion is a method of the
            // slot (`CertcentralFit`), so the parameter's type is fixed by the slot before the
            // field's is checked against it. Spanned on the field's type: reported there.
            let message = format!(
                "certcentral rule `{}`: `{path}` takes `{{T}}`, not the field type `{{Self}}`",
                certcentral_table::BuiltinRule::Type.id()
            );
            let label = format!("cannot become `{path}`");
            let set = quote_spanned! {field.type_span()=>
                {
                    #[diagnostic::on_unimplemented(message = #message, label = #label, note = #TYPES_NOTE)]
                    trait CertcentralParam<T> {
                        fn certcentral_param(&self) -> ::core::result::Result<T, #krate::__private::Unfit>;
                    }
                    impl<T, S: #krate::__private::ToParam<T> + ?::core::marker::Sized> CertcentralParam<T> for S {
                        fn certcentral_param(&self) -> ::core::result::Result<T, #krate::__private::Unfit> {
                            #krate::__private::ToParam::to_param(self)
                        }
                    }
                    trait CertcentralFit<T> {
                        fn certcentral_fit<S: CertcentralParam<T> + ?::core::marker::Sized>(self, value: &S, path: &'static str);
                    }
                    impl<T> CertcentralFit<T> for #krate::__private::Setter<'_, T> {
                        fn certcentral_fit<S: CertcentralParam<T> + ?::core::marker::Sized>(self, value: &S, path: &'static str) {
                            self.put(value.certcentral_param(), path)
                        }
                    }
                    errors.slot(#slot).certcentral_fit::<#ty>(#value, #path)
                }
            };
            if field.option_inner.is_some() {
                quote! {
                    if let ::core::option::Option::Some(value) = &#this.#ident {
                        #set;
                    }
                }
            } else {
                quote! {
                    {
                        let value = &#this.#ident;
                        #set;
                    }
                }
            }
        }
    }
}

/// A real, spanned rustc warning on stable: the use of a deprecated item.
fn warning(message: &str, span: Span) -> TokenStream {
    let name = format_ident!("certcentral_order_warning", span = span);
    // The use is the block's value (no `let _ = ()`, which downstream clippy would flag).
    let use_it = quote_spanned! {span=> #name };
    quote! {
        const _: () = {
            #[deprecated(note = #message)]
            #[allow(non_upper_case_globals)]
            const #name: () = ();
            #use_it
        };
    }
}
