//! Syntax: the `#[order(...)]` attributes and the struct's fields, as written. Nothing here
//! knows the spec; `check` resolves names against the rules table.

use super::Ctxt;
use proc_macro2::Span;
use serde_json::Value;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{
    Attribute, Data, DeriveInput, Fields, GenericArgument, Ident, Lit, PathArguments, Token, Type,
};

/// A `key = value` of the struct attribute: `product = "…"` or a fixed parameter value.
pub struct Setting {
    /// The key as written, dots included (`order_validity.years`).
    pub key: String,
    pub key_span: Span,
    pub value: Value,
    pub value_span: Span,
}

/// A named field of the struct.
pub struct Field {
    pub ident: Ident,
    /// The field's type as written.
    pub ty: Type,
    /// `T` when the type is `Option<T>`.
    pub option_inner: Option<Type>,
    /// `#[order(param = "…")]`, with the literal's span.
    pub param: Option<(String, Span)>,
    /// `#[order(skip)]`.
    pub skip: bool,
    /// Its attribute did not parse (already reported).
    pub broken: bool,
}

pub struct Input<'a> {
    pub ast: &'a DeriveInput,
    /// A struct with named fields (anything else was reported).
    pub well_formed: bool,
    pub settings: Vec<Setting>,
    pub fields: Vec<Field>,
}

/// Parses what can be parsed; every problem goes to `cx`.
pub fn parse<'a>(cx: &mut Ctxt, ast: &'a DeriveInput) -> Input<'a> {
    let mut settings = Vec::new();
    for attr in ast.attrs.iter().filter(|a| a.path().is_ident("order")) {
        if let Err(e) = attr.parse_args_with(|input: ParseStream| {
            while !input.is_empty() {
                settings.push(setting(input)?);
                if input.is_empty() {
                    break;
                }
                input.parse::<Token![,]>()?;
            }
            Ok(())
        }) {
            cx.error(e);
        }
    }
    let mut well_formed = false;
    let fields = match &ast.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => {
                well_formed = true;
                named.named.iter().filter_map(|f| field(cx, f)).collect()
            }
            _ => {
                cx.error_at(
                    ast.ident.span(),
                    "#[derive(ClientCertificateOrder)] needs a struct with named fields (each field maps to an order parameter)",
                );
                Vec::new()
            }
        },
        _ => {
            cx.error_at(
                ast.ident.span(),
                "#[derive(ClientCertificateOrder)] works on structs only",
            );
            Vec::new()
        }
    };
    Input {
        ast,
        well_formed,
        settings,
        fields,
    }
}

fn setting(input: ParseStream) -> syn::Result<Setting> {
    let first: Ident = input.call(syn::ext::IdentExt::parse_any)?;
    let mut key = first.to_string();
    let mut key_span = first.span();
    while input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        let next: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        key.push('.');
        key.push_str(&next.to_string());
        key_span = key_span.join(next.span()).unwrap_or(key_span);
    }
    input.parse::<Token![=]>()?;
    let negative = input.parse::<Option<Token![-]>>()?.is_some();
    let lit: Lit = input.parse()?;
    let value = match (&lit, negative) {
        (Lit::Str(s), false) => Value::String(s.value()),
        (Lit::Bool(b), false) => Value::Bool(b.value),
        (Lit::Int(i), _) => {
            let n: i64 = i.base10_parse()?;
            Value::from(if negative { -n } else { n })
        }
        _ => {
            return Err(syn::Error::new(
                lit.span(),
                "expected a string, integer or boolean literal",
            ));
        }
    };
    Ok(Setting {
        key,
        key_span,
        value,
        value_span: lit.span(),
    })
}

fn field(cx: &mut Ctxt, f: &syn::Field) -> Option<Field> {
    let ident = f.ident.clone()?;
    let mut param = None;
    let mut skip = false;
    let mut broken = false;
    for attr in f.attrs.iter().filter(|a| a.path().is_ident("order")) {
        if let Err(e) = field_attr(attr, &mut param, &mut skip) {
            broken = true;
            cx.error(e);
        }
    }
    Some(Field {
        ident,
        ty: f.ty.clone(),
        option_inner: option_inner(&f.ty),
        param,
        skip,
        broken,
    })
}

fn field_attr(
    attr: &Attribute,
    param: &mut Option<(String, Span)>,
    skip: &mut bool,
) -> syn::Result<()> {
    attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("param") {
            let lit: syn::LitStr = meta.value()?.parse()?;
            if param.is_some() {
                return Err(meta.error("`param` is given twice"));
            }
            *param = Some((lit.value(), lit.span()));
            Ok(())
        } else if meta.path.is_ident("skip") {
            *skip = true;
            Ok(())
        } else {
            let key = meta
                .path
                .get_ident()
                .map_or_else(String::new, ToString::to_string);
            let hint = certcentral_table::nearest(&key, ["param", "skip"])
                .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
            Err(meta.error(format!(
                "unknown field attribute key `{key}`{hint}: a field takes `param = \"dotted.path\"` or `skip`"
            )))
        }
    })
}

/// `T` of `Option<T>` (also `std::option::Option<T>`), by syntax.
fn option_inner(ty: &Type) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner.clone()),
        _ => None,
    }
}

impl Field {
    /// The span users should see for type errors: the type (inside `Option`).
    pub fn type_span(&self) -> Span {
        self.option_inner.as_ref().unwrap_or(&self.ty).span()
    }
}
