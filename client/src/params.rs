//! What `#[derive(ClientCertificateOrder)]` expands to: the field types each parameter kind
//! accepts, and the builder that turns mapped fields into a validated request body.
//!
//! Not a stable API: use the derive.

use crate::InvalidOrder;
use crate::types::OrderClientCertificateRequest;
use certcentral_table::Violation;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Parameter kinds, as marker types for [`ToParam`].
pub mod kinds {
    /// A string parameter.
    pub struct Text;
    /// An integer parameter.
    pub struct Integer;
    /// A boolean parameter.
    pub struct Boolean;
    /// An array-of-strings parameter.
    pub struct TextList;
    /// An array-of-objects parameter whose items are the generated type `T`.
    pub struct ObjectList<T>(core::marker::PhantomData<T>);
    /// A string parameter whose values are the generated enum `T`: takes `T` or a string.
    pub struct Enum<T>(core::marker::PhantomData<T>);
}

/// A field type that can be sent as a parameter of kind `K`.
#[diagnostic::on_unimplemented(
    message = "certcentral rule `schema.type`: the field type `{Self}` cannot be sent as this order parameter",
    label = "not convertible to the parameter's type",
    note = "strings take String, &str, Box<str> or Cow<str> (enum-valued ones also their generated enum); \
            integers take the integer types; \
            booleans take bool; string lists take Vec, slices or arrays of strings; \
            object lists take a Vec of the generated item type; wrap it in Option to make it optional"
)]
pub trait ToParam<K> {
    /// The JSON value sent.
    fn to_param(&self) -> Value;
}

macro_rules! text {
    ($($t:ty),*) => {$(
        impl ToParam<kinds::Text> for $t {
            fn to_param(&self) -> Value {
                Value::String(AsRef::<str>::as_ref(self).to_owned())
            }
        }
    )*};
}
text!(
    String,
    str,
    Box<str>,
    std::borrow::Cow<'_, str>,
    std::sync::Arc<str>
);

impl<T: ToParam<kinds::Text> + ?Sized> ToParam<kinds::Text> for &T {
    fn to_param(&self) -> Value {
        (**self).to_param()
    }
}

impl<S: ToParam<kinds::Text> + ?Sized, T> ToParam<kinds::Enum<T>> for S {
    fn to_param(&self) -> Value {
        ToParam::<kinds::Text>::to_param(self)
    }
}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl ToParam<kinds::Integer> for $t {
            fn to_param(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}
integer!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

macro_rules! nonzero {
    ($($t:ty),*) => {$(
        impl ToParam<kinds::Integer> for $t {
            fn to_param(&self) -> Value {
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

impl ToParam<kinds::Boolean> for bool {
    fn to_param(&self) -> Value {
        Value::Bool(*self)
    }
}

fn list<T: ToParam<kinds::Text>>(items: &[T]) -> Value {
    Value::Array(items.iter().map(ToParam::to_param).collect())
}

impl<T: ToParam<kinds::Text>> ToParam<kinds::TextList> for Vec<T> {
    fn to_param(&self) -> Value {
        list(self)
    }
}

impl<T: ToParam<kinds::Text>> ToParam<kinds::TextList> for [T] {
    fn to_param(&self) -> Value {
        list(self)
    }
}

impl<T: ToParam<kinds::Text>, const N: usize> ToParam<kinds::TextList> for [T; N] {
    fn to_param(&self) -> Value {
        list(self)
    }
}

impl<T: ToParam<kinds::TextList> + ?Sized> ToParam<kinds::TextList> for &T {
    fn to_param(&self) -> Value {
        (**self).to_param()
    }
}

impl<T: serde::Serialize> ToParam<kinds::ObjectList<T>> for Vec<T> {
    fn to_param(&self) -> Value {
        // The generated item types serialize to JSON objects; a failure cannot happen for
        // them, and would only send an empty list that validation then reports.
        Value::Array(
            self.iter()
                .filter_map(|item| serde_json::to_value(item).ok())
                .collect(),
        )
    }
}

/// The request body being assembled by a derived conversion.
#[derive(Debug)]
pub struct Order {
    product: &'static str,
    body: Map<String, Value>,
}

impl Order {
    /// An empty body for `product`.
    pub fn new(product: &'static str) -> Self {
        Self {
            product,
            body: Map::new(),
        }
    }

    /// Sets the parameter at `path` (its segments), creating the enclosing objects.
    pub fn set(&mut self, path: &[&str], value: Value) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let mut map = &mut self.body;
        for key in parents {
            let entry = map
                .entry(key.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            match entry {
                Value::Object(inner) => map = inner,
                _ => return,
            }
        }
        map.insert(last.to_string(), value);
    }

    /// Converts the body to the generated request type, without validating it (the order is
    /// validated once, on its way out). A body the type cannot hold (an enum value it does not
    /// know, say) is reported with the violations the validator finds in it.
    pub fn into_request(self) -> Result<OrderClientCertificateRequest, InvalidOrder> {
        let body = Value::Object(self.body);
        match OrderClientCertificateRequest::deserialize(&body) {
            Ok(request) => Ok(request),
            Err(e) => {
                crate::validate_json(self.product, &body)?;
                Err(InvalidOrder {
                    product: self.product.to_string(),
                    // serde_json's own message may quote a (secret) value: only its place.
                    violations: vec![Violation::new(
                        "schema.type",
                        "(body)",
                        format!(
                            "the order does not fit the request type ({:?} error at line {} column {})",
                            e.classify(),
                            e.line(),
                            e.column()
                        ),
                    )],
                })
            }
        }
    }
}
