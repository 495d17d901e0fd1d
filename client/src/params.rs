//! What `#[derive(ClientCertificateOrder)]` expands to: the field types each parameter's
//! generated type accepts ([`ToParam`]), and the conversion errors of a derived order.
//!
//! A derived order is built typed, with no JSON in between: the expansion fills the
//! generated draft of the request (`generated/draft.rs`: every field optional, written by
//! codegen from the same types), converting each field with [`ToParam`] into its parameter's
//! generated type; the draft then becomes the request, or every conversion that failed is
//! reported. The request is validated once, on its way out.
//!
//! Not a stable API: use the derive.

use crate::error::InvalidOrder;
use crate::generated::draft::Root as Draft;
use crate::types::OrderClientCertificateRequest;
use certcentral_table::{BuiltinRule, TABLE, Violation};
use serde_json::Value;

/// A value that cannot become its parameter's type: the value, as the validator would see
/// it in JSON, so that the violation is the one the validator reports.
#[derive(Debug)]
pub struct Unfit(pub Value);

/// A field type that can set a parameter whose generated type is `T`. (The derive converts
/// through a trait of its own whose compile error names the parameter: see
/// `certcentral-macros`' `emit.rs`.)
pub trait ToParam<T> {
    /// The parameter's value, or why this value cannot be it.
    fn to_param(&self) -> Result<T, Unfit>;
}

/// Field types that hold text.
#[diagnostic::on_unimplemented(
    message = "certcentral rule `schema.type`: the field type `{Self}` cannot be sent as text",
    label = "not text",
    note = "text is String, &str, Box<str>, Cow<str>, Arc<str> or Rc<str>"
)]
pub trait Text {
    /// The text.
    fn text(&self) -> &str;
}

macro_rules! text {
    ($($t:ty),*) => {$(
        impl Text for $t {
            fn text(&self) -> &str {
                self
            }
        }
    )*};
}
text!(
    String,
    str,
    Box<str>,
    std::borrow::Cow<'_, str>,
    std::sync::Arc<str>,
    std::rc::Rc<str>
);

impl<T: Text + ?Sized> Text for &T {
    fn text(&self) -> &str {
        (**self).text()
    }
}

/// Field types that hold an integer.
#[diagnostic::on_unimplemented(
    message = "certcentral rule `schema.type`: the field type `{Self}` cannot be sent as an integer",
    label = "not an integer",
    note = "integers are the primitive integer types and their NonZero forms"
)]
pub trait Integer {
    /// The integer, widened.
    fn wide(&self) -> i128;
    /// The integer as the validator would see it.
    fn json(&self) -> Value;
}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl Integer for $t {
            fn wide(&self) -> i128 {
                (*self).into()
            }
            fn json(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}
integer!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! pointer_sized {
    ($($t:ty => $via:ty),*) => {$(
        impl Integer for $t {
            fn wide(&self) -> i128 {
                // `isize`/`usize` fit `i64`/`u64` on every target Rust supports.
                <$via>::try_from(*self).map_or(i128::MAX, i128::from)
            }
            fn json(&self) -> Value {
                <$via>::try_from(*self).map_or(Value::Null, Value::from)
            }
        }
    )*};
}
pointer_sized!(isize => i64, usize => u64);

macro_rules! nonzero {
    ($($t:ty),*) => {$(
        impl Integer for $t {
            fn wide(&self) -> i128 {
                self.get().into()
            }
            fn json(&self) -> Value {
                Value::from(self.get())
            }
        }
    )*};
}
nonzero!(
    std::num::NonZeroU8,
    std::num::NonZeroU16,
    std::num::NonZeroU32,
    std::num::NonZeroU64
);

impl<S: Text + ?Sized> ToParam<String> for S {
    fn to_param(&self) -> Result<String, Unfit> {
        Ok(self.text().to_owned())
    }
}

macro_rules! integer_param {
    ($($t:ty),*) => {$(
        impl<I: Integer + ?Sized> ToParam<$t> for I {
            fn to_param(&self) -> Result<$t, Unfit> {
                <$t>::try_from(self.wide()).map_err(|_| Unfit(self.json()))
            }
        }
    )*};
}
integer_param!(i32, i64);

impl ToParam<bool> for bool {
    fn to_param(&self) -> Result<bool, Unfit> {
        Ok(*self)
    }
}

fn texts<S: Text>(items: &[S]) -> Result<Vec<String>, Unfit> {
    Ok(items.iter().map(|s| s.text().to_owned()).collect())
}

impl<S: Text> ToParam<Vec<String>> for Vec<S> {
    fn to_param(&self) -> Result<Vec<String>, Unfit> {
        texts(self)
    }
}

impl<S: Text> ToParam<Vec<String>> for [S] {
    fn to_param(&self) -> Result<Vec<String>, Unfit> {
        texts(self)
    }
}

impl<S: Text, const N: usize> ToParam<Vec<String>> for [S; N] {
    fn to_param(&self) -> Result<Vec<String>, Unfit> {
        texts(self)
    }
}

/// A parameter's place in the draft, with the errors of its order.
#[derive(Debug)]
pub struct Setter<'a, T> {
    errors: &'a mut Errors,
    slot: &'a mut Option<T>,
}

impl<T> Setter<'_, T> {
    /// Sets the parameter (at `path`) from a field's value, or records why the value cannot
    /// be it.
    pub fn set<S: ToParam<T> + ?Sized>(self, value: &S, path: &'static str) {
        self.put(value.to_param(), path);
    }

    /// Sets the parameter (at `path`) from a field's value already converted, or records why
    /// it could not be (what the derive calls, through a trait whose compile error names the
    /// parameter).
    pub fn put(self, converted: Result<T, Unfit>, path: &'static str) {
        match converted {
            Ok(v) => *self.slot = Some(v),
            Err(Unfit(given)) => {
                let found = TABLE
                    .param(path)
                    .map(|p| TABLE.check_value(p, &given))
                    .unwrap_or_default();
                if found.is_empty() {
                    // In the spec's range, not in the generated type's (an `i32` field given
                    // more than it holds): the validator has no rule to name, the type does.
                    self.errors.violations.push(Violation::new(
                        BuiltinRule::Type.id(),
                        path,
                        format!("`{path}` is out of the range its type can hold"),
                    ));
                } else {
                    self.errors.violations.extend(found);
                }
            }
        }
    }
}

/// The conversion errors of one derived order.
#[derive(Debug)]
pub struct Errors {
    product: &'static str,
    violations: Vec<Violation>,
}

impl Errors {
    /// No error yet, for an order of `product`.
    pub fn new(product: &'static str) -> Self {
        Self {
            product,
            violations: Vec::new(),
        }
    }

    /// The parameter at `slot` (its place in the draft), to be set with [`Setter::set`].
    ///
    /// Two steps, so that the parameter's type is fixed by the slot before a field's type is
    /// checked against it: a field that cannot become the parameter is one `ToParam` error
    /// naming both types.
    pub fn slot<'a, T>(&'a mut self, slot: &'a mut Option<T>) -> Setter<'a, T> {
        Setter { errors: self, slot }
    }

    /// The request the draft becomes; or, when a field could not be converted or a
    /// required parameter is missing, every violation: the conversions' and the validator's
    /// over the draft as JSON (what could not be converted is left out of it, and not
    /// reported twice).
    pub fn finish(self, draft: Draft) -> Result<OrderClientCertificateRequest, InvalidOrder> {
        let mut violations = self.violations;
        if violations.is_empty() && draft.complete() {
            if let Some(request) = draft.finish() {
                return Ok(request);
            }
        } else {
            match serde_json::to_value(&draft) {
                Ok(body) => {
                    // What could not be converted is absent from the draft: the validator's
                    // word on its absence (at its path, or its object's) is not repeated.
                    let unfit: Vec<String> = violations.iter().map(|v| v.path.clone()).collect();
                    let about_unfit = |v: &Violation| {
                        unfit
                            .iter()
                            .any(|u| certcentral_table::is_within(u, &v.path))
                    };
                    if let Err(invalid) = crate::validate_json(self.product, &body) {
                        violations
                            .extend(invalid.violations.into_iter().filter(|v| !about_unfit(v)));
                    }
                }
                Err(e) => violations.push(Violation::new(
                    BuiltinRule::Serialize.id(),
                    "(body)",
                    format!("the order does not serialize to JSON: {e}"),
                )),
            }
        }
        if violations.is_empty() {
            // Never an empty report: the draft was incomplete in a way the validator allows.
            violations.push(Violation::new(
                BuiltinRule::Required.id(),
                "(body)",
                "the order is incomplete",
            ));
        }
        Err(InvalidOrder {
            product: self.product.to_string(),
            violations,
        })
    }
}
