//! [`TABLE`]'s most used methods as free functions.

use crate::{OPERATIONS, Operation, Param, Product, Report, TABLE};

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

/// The operation with this `operationId` or short name, from [`OPERATIONS`].
///
/// ```
/// assert_eq!(certcentral_table::operation("lookup").unwrap().id, "get_orders_by_alternative_id");
/// ```
pub fn operation(id_or_name: &str) -> Option<&'static Operation<'static>> {
    OPERATIONS
        .iter()
        .find(|o| o.id == id_or_name || o.name == id_or_name)
}

/// The operation a request is for, and its path parameters (`path` below the server's path,
/// as sent): a literal path wins over a template that also matches it.
///
/// ```
/// // The paths as the spec has them (a maintainer may move an operation).
/// let path = |name: &str| certcentral_table::operation(name).unwrap().path;
/// let (op, params) = certcentral_table::route("GET", path("changes")).unwrap();
/// assert_eq!((op.name, params.len()), ("changes", 0));
/// let order = path("info").replace("{id}", "112233");
/// let (op, params) = certcentral_table::route("GET", &order).unwrap();
/// assert_eq!((op.name, params[0].1.as_str()), ("info", "112233"));
/// assert!(certcentral_table::route("GET", "/no/such/route").is_none());
/// ```
pub fn route(
    method: &str,
    path: &str,
) -> Option<(&'static Operation<'static>, Vec<(&'static str, String)>)> {
    let mut found: Vec<_> = OPERATIONS
        .iter()
        .filter_map(|o| o.matches(method, path).map(|params| (o, params)))
        .collect();
    found.sort_by_key(|(o, _)| !o.is_literal());
    found.into_iter().next()
}
