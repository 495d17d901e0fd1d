//! [`TABLE`]'s most used methods as free functions.

use crate::{Param, Product, Report, TABLE};

/// [`Table::validate`](crate::Table::validate) on [`TABLE`].
pub fn validate(product_id: &str, body: &serde_json::Value) -> Report {
    TABLE.validate(product_id, body)
}

/// [`Table::param`](crate::Table::param) on [`TABLE`].
///
/// ```
/// assert_eq!(certcentral_table::param("order_validity.years").unwrap().constraints.maximum, Some(3));
/// ```
pub fn param(path: &str) -> Option<&'static Param<'static>> {
    TABLE.param(path)
}

/// [`Table::product`](crate::Table::product) on [`TABLE`].
///
/// ```
/// assert_eq!(certcentral_table::product("class1_smime").unwrap().name, "Class 1 S/MIME");
/// ```
pub fn product(id: &str) -> Option<&'static Product<'static>> {
    TABLE.product(id)
}
