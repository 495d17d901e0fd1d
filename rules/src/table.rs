//! [`Table`]: one endpoint's rules as data, and lookups over it.

use crate::{Param, Product, Rule, Server, Window};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Everything the spec says about the order endpoint, as data: written by
/// `certcentral-codegen` into `certcentral-table` (as `TABLE`), read by the derive, the
/// client and the mock through the interpreter's methods.
///
/// ```
/// let table = &certcentral_table::TABLE;
/// assert_eq!(table.product("class1_smime").unwrap().name, "Class 1 S/MIME");
/// assert_eq!(table.param("order_validity.years").unwrap().constraints.maximum, Some(3));
/// ```
#[derive(Debug)]
pub struct Table<'a> {
    /// The path of the order operation below a server's URL, with its
    /// `{client_certificate_id}` placeholder.
    pub order_path: &'a str,
    /// The servers, by region.
    pub servers: &'a [Server<'a>],
    /// The products that can be ordered.
    pub products: &'a [Product<'a>],
    /// Every request parameter, parents before their fields.
    pub params: &'a [Param<'a>],
    /// The conditional rules.
    pub rules: &'a [Rule<'a>],
    /// DigiCert's rolling rate limits per API key.
    pub rate_limits: &'a [Window],
    index: OnceLock<Index<'a>>,
}

/// Lookups by path and by parent, built once from [`Table::params`].
#[derive(Debug)]
struct Index<'a> {
    by_path: HashMap<&'a str, usize>,
    children: Vec<Vec<usize>>,
    roots: Vec<usize>,
    leaves: Vec<&'a str>,
}

impl<'a> Table<'a> {
    /// A table over these parts (what the generated `TABLE` is built with; codegen builds
    /// one over the spec it reads).
    pub const fn new(
        order_path: &'a str,
        servers: &'a [Server<'a>],
        products: &'a [Product<'a>],
        params: &'a [Param<'a>],
        rules: &'a [Rule<'a>],
        rate_limits: &'a [Window],
    ) -> Table<'a> {
        Table {
            order_path,
            servers,
            products,
            params,
            rules,
            rate_limits,
            index: OnceLock::new(),
        }
    }

    fn index(&self) -> &Index<'a> {
        self.index.get_or_init(|| {
            let by_path: HashMap<&'a str, usize> = self
                .params
                .iter()
                .enumerate()
                .map(|(i, p)| (p.path, i))
                .collect();
            let mut children = vec![Vec::new(); self.params.len()];
            let mut roots = Vec::new();
            for (i, p) in self.params.iter().enumerate() {
                match p.parent().and_then(|parent| by_path.get(parent)) {
                    Some(parent) => children[*parent].push(i),
                    None => roots.push(i),
                }
            }
            Index {
                by_path,
                children,
                roots,
                leaves: self.params.iter().map(Param::leaf).collect(),
            }
        })
    }

    /// Looks a parameter up by its dotted path.
    ///
    /// ```
    /// let table = &certcentral_table::TABLE;
    /// assert!(table.param("order_validity.years").is_some());
    /// assert!(table.param("order_validity.months").is_none());
    /// ```
    pub fn param(&self, path: &str) -> Option<&'a Param<'a>> {
        let i = *self.index().by_path.get(path)?;
        self.params.get(i)
    }

    /// Looks a product up by its id.
    pub fn product(&self, id: &str) -> Option<&'a Product<'a>> {
        self.products.iter().find(|p| p.id == id)
    }

    /// Looks a rule up by its id.
    pub fn rule(&self, id: &str) -> Option<&'a Rule<'a>> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The direct fields of an object (or of an object list's items).
    ///
    /// ```
    /// let names: Vec<_> = certcentral_table::TABLE
    ///     .children("certificate.individual")
    ///     .map(|p| p.leaf())
    ///     .collect();
    /// assert_eq!(names, ["first_name", "last_name", "pseudonym"]);
    /// ```
    pub fn children(&self, path: &str) -> impl Iterator<Item = &'a Param<'a>> + '_ {
        let params = self.params;
        self.field_ids(Some(path)).iter().map(move |i| &params[*i])
    }

    /// The top-level request parameters.
    pub fn roots(&self) -> impl Iterator<Item = &'a Param<'a>> + '_ {
        let params = self.params;
        self.index().roots.iter().map(move |i| &params[*i])
    }

    /// The URL of a region's server (`us`, `eu`), if the spec has one.
    pub fn server(&self, region: &str) -> Option<&'a str> {
        self.servers
            .iter()
            .find(|s| s.region == region)
            .map(|s| s.url)
    }

    /// Indices into [`Table::params`] of an object's fields (`None`: the top level).
    pub(crate) fn field_ids(&self, path: Option<&str>) -> &[usize] {
        let index = self.index();
        match path {
            None => &index.roots,
            Some(path) => index
                .by_path
                .get(path)
                .and_then(|i| index.children.get(*i))
                .map_or(&[][..], Vec::as_slice),
        }
    }

    /// The index into [`Table::params`] of a path.
    pub(crate) fn param_index(&self, path: &str) -> Option<usize> {
        self.index().by_path.get(path).copied()
    }

    /// The last path segment of `params[i]`, computed once.
    pub(crate) fn leaf_of(&self, i: usize) -> &'a str {
        self.index().leaves.get(i).copied().unwrap_or_default()
    }
}
