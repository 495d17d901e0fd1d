//! Emit: the `ClientCertificateOrder` impl, and one real rustc warning per ignored parameter.

use super::check::{Checked, Mapping, Source};
use certcentral_table::{Kind, Product};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;

/// The impl for a struct that passed every check.
pub fn implementation(ast: &DeriveInput, checked: &Checked, krate: &syn::Path) -> TokenStream {
    let product_id = checked.product.id;
    let this = quote! { self };
    let sets = checked.mappings.iter().map(|m| set(m, &this, krate));
    let warnings = checked.warnings.iter().map(|(m, s)| warning(m, *s));
    let body = quote! {
        let mut order = #krate::__private::Order::new(#product_id);
        #(#sets)*
        order.into_request()
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

fn kind_tokens(m: &Mapping, krate: &syn::Path) -> TokenStream {
    match m.param.kind {
        Kind::String
            if !m.param.constraints.enum_values.is_empty() && !m.param.rust_type.is_empty() =>
        {
            let ty = format_ident!("{}", m.param.rust_type);
            quote! { #krate::__private::kinds::Enum<#krate::types::#ty> }
        }
        Kind::String => quote! { #krate::__private::kinds::Text },
        Kind::Integer => quote! { #krate::__private::kinds::Integer },
        Kind::Boolean => quote! { #krate::__private::kinds::Boolean },
        Kind::StringList => quote! { #krate::__private::kinds::TextList },
        Kind::ObjectList | Kind::Object => {
            let item = format_ident!("{}", m.param.rust_type);
            quote! { #krate::__private::kinds::ObjectList<#krate::types::#item> }
        }
        other => {
            let message = format!(
                "this version of the derive cannot map `{}` ({other:?}): update certcentral",
                m.param.path
            );
            quote! { ::core::compile_error!(#message) }
        }
    }
}

/// The field conversions alone, in a function nobody calls: emitted beside the errors so a
/// field type that cannot become its parameter is reported in the same compile.
pub fn type_checks(ast: &DeriveInput, mappings: &[Mapping], krate: &syn::Path) -> TokenStream {
    let (impl_generics, ty_generics, where_clause) = ast.generics.split_for_impl();
    let ident = &ast.ident;
    let this = quote! { this };
    let sets = mappings.iter().map(|m| set(m, &this, krate));
    quote! {
        const _: () = {
            #[allow(dead_code, unused_variables, unused_mut)]
            fn certcentral_type_check #impl_generics (this: &#ident #ty_generics) #where_clause {
                let mut order = #krate::__private::Order::new("");
                #(#sets)*
            }
        };
    }
}

fn set(m: &Mapping, this: &TokenStream, krate: &syn::Path) -> TokenStream {
    let segments = m.param.path.split('.');
    let path = quote! { &[#(#segments),*] };
    match &m.source {
        Source::Constant(setting) => {
            let value = match &setting.value {
                serde_json::Value::String(s) => {
                    quote! { #krate::__private::Value::String(::std::string::String::from(#s)) }
                }
                serde_json::Value::Bool(b) => quote! { #krate::__private::Value::Bool(#b) },
                serde_json::Value::Number(n) => {
                    let n = n.as_i64().unwrap_or_default();
                    quote! { #krate::__private::Value::from(#n) }
                }
                _ => quote! { #krate::__private::Value::Null },
            };
            quote! {
                order.set(#path, #value);
            }
        }
        Source::Field(field) => {
            let ident = &field.ident;
            let kind = kind_tokens(m, krate);
            let ty = field.option_inner.as_ref().unwrap_or(&field.ty);
            // Spanned on the field's type: a type that cannot become the parameter is reported there.
            let convert = quote_spanned! {field.type_span()=>
                <#ty as #krate::__private::ToParam<#kind>>::to_param(value)
            };
            if field.option_inner.is_some() {
                quote! {
                    if let ::core::option::Option::Some(value) = &#this.#ident {
                        order.set(#path, #convert);
                    }
                }
            } else {
                quote! {
                    {
                        let value = &#this.#ident;
                        order.set(#path, #convert);
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
