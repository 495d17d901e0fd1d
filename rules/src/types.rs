//! The rules table's types: what a product, a parameter, a constraint and a rule are.

use crate::Pattern;

/// A server of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Server<'a> {
    /// `us` or `eu`.
    pub region: &'a str,
    /// The base URL, e.g. `https://www.digicert.com/services/v2`.
    pub url: &'a str,
}

/// A product that can be ordered at this endpoint (the path's `client_certificate_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product<'a> {
    /// The identifier used in the URL, e.g. `client_premium`.
    pub id: &'a str,
    /// DigiCert's display name, e.g. `Premium`.
    pub name: &'a str,
    /// The variant of the generated `ClientCertificateId` enum, e.g. `ClientPremium`.
    pub variant: &'a str,
}

/// The JSON shape of a request parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// A JSON string.
    String,
    /// A JSON integer.
    Integer,
    /// A JSON boolean.
    Boolean,
    /// An array of strings.
    StringList,
    /// An array of objects; its items' fields are the params below `path[]`.
    ObjectList,
    /// An object; its fields are the params below `path`.
    Object,
}

impl Kind {
    /// A short human name used in messages: `a string`, `an integer`, ...
    pub fn describe(self) -> &'static str {
        match self {
            Kind::String => "a string",
            Kind::Integer => "an integer",
            Kind::Boolean => "a boolean",
            Kind::StringList => "an array of strings",
            Kind::ObjectList => "an array of objects",
            Kind::Object => "an object",
        }
    }
}

/// A string format checked beyond the JSON type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `format: email`.
    Email,
    /// `x-certcentral-date: dd MMM yyyy` (e.g. `09 JUN 2025`).
    DateDdMmmYyyy,
    /// `x-certcentral-date: yyyy-MM-dd` (e.g. `2025-06-09`).
    DateYyyyMmDd,
}

/// Schema constraints of one parameter (for lists, `format` applies to the items).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Constraints<'a> {
    /// Allowed values, as their JSON text without quotes (`card`, `0`).
    pub enum_values: &'a [&'a str],
    /// Inclusive lower bound of an integer.
    pub minimum: Option<i64>,
    /// Inclusive upper bound of an integer.
    pub maximum: Option<i64>,
    /// Minimum length of a string, in characters.
    pub min_length: Option<u64>,
    /// Maximum length of a string, in characters.
    pub max_length: Option<u64>,
    /// A regular expression the string must match (the spec's patterns are anchored).
    pub pattern: Option<Pattern<'a>>,
    /// Minimum number of items of a list.
    pub min_items: Option<u64>,
    /// A format of the string (or of each item of a string list).
    pub format: Option<Format>,
}

impl Constraints<'_> {
    /// No constraint at all.
    pub const NONE: Constraints<'static> = Constraints {
        enum_values: &[],
        minimum: None,
        maximum: None,
        min_length: None,
        max_length: None,
        pattern: None,
        min_items: None,
        format: None,
    };
}

/// One request parameter, addressed by its dotted path (`certificate.individual.first_name`;
/// fields of list items are written `custom_fields[].metadata_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param<'a> {
    /// The documented dotted path.
    pub path: &'a str,
    /// The JSON shape.
    pub kind: Kind,
    /// Whether the schema requires it whenever its parent object is present.
    pub required: bool,
    /// `deprecated: true` in the spec.
    pub deprecated: bool,
    /// The generated Rust type behind it, for objects, object-list items and enums
    /// (`Certificate`, `CustomField`, `PaymentMethod`); empty for plain scalars.
    pub rust_type: &'a str,
    /// `x-certcentral-secret`: the value is never quoted in a message.
    pub secret: bool,
    /// Schema constraints.
    pub constraints: Constraints<'a>,
}

impl<'a> Param<'a> {
    /// The path of the enclosing object, or `None` at the root.
    ///
    /// ```
    /// let p = certcentral_table::param("custom_fields[].value").unwrap();
    /// assert_eq!(p.parent(), Some("custom_fields"));
    /// ```
    pub fn parent(&self) -> Option<&'a str> {
        parent_of(self.path)
    }

    /// The last segment of the path (`first_name` for `certificate.individual.first_name`).
    pub fn leaf(&self) -> &'a str {
        self.path.rsplit('.').next().unwrap_or(self.path)
    }

    /// Whether the param sits inside a list item (and so cannot be set on its own).
    pub fn in_list_item(&self) -> bool {
        self.path.contains("[]")
    }
}

/// Whether a rule that names `named` says more than "`required` is required": it names that
/// parameter or one of its fields. The interpreter and the derive both drop such a
/// `schema.required` finding in favour of the rule's, which says what to set.
///
/// ```
/// use certcentral_rules::says_more_than_required;
/// assert!(says_more_than_required("organization.id", "organization"));
/// assert!(says_more_than_required("organization", "organization"));
/// assert!(!says_more_than_required("organization_contact.email", "organization"));
/// ```
pub fn says_more_than_required(named: &str, required: &str) -> bool {
    is_within(named, required)
}

/// Whether the parameter path `path` is `ancestor` or lies inside it: one of its fields
/// (`ancestor.x`) or list items (`ancestor[]`, `ancestor[2]`). The one answer to "is path A
/// inside path B" for the interpreter, the derive, codegen and the client.
///
/// ```
/// use certcentral_rules::is_within;
/// assert!(is_within("organization.id", "organization"));
/// assert!(is_within("organization", "organization"));
/// assert!(is_within("organization.contacts[].email", "organization.contacts"));
/// assert!(is_within("certificate.emails[1]", "certificate.emails"));
/// assert!(!is_within("organization_contact.email", "organization"));
/// ```
pub fn is_within(path: &str, ancestor: &str) -> bool {
    path.strip_prefix(ancestor)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// The path of the object enclosing `path`, or `None` at the root.
pub(crate) fn parent_of(path: &str) -> Option<&str> {
    path.rsplit_once('.')
        .map(|(parent, _)| parent.strip_suffix("[]").unwrap_or(parent))
}

/// A condition of a rule; a rule applies when all of its conditions hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cond<'a> {
    /// The ordered product is one of these.
    Products(&'a [&'a str]),
    /// The parameter is present and equal to one of these values.
    In(&'a str, &'a [&'a str]),
    /// The parameter is absent or equal to none of these values.
    NotIn(&'a str, &'a [&'a str]),
    /// The parameter (or, for an object, any of its fields) is present.
    Present(&'a str),
    /// The parameter is absent.
    Absent(&'a str),
}

/// What a rule demands of its parameters when its conditions hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Effect {
    /// Every parameter must be present.
    Require,
    /// No parameter may be present.
    Forbid,
    /// Exactly one of the parameters must be present.
    OneOf,
    /// At least one of the parameters must be present.
    AnyOf,
    /// DigiCert accepts but ignores the parameters: a warning, not an error.
    Ignore,
}

/// A conditional rule from `x-certcentral-rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule<'a> {
    /// Stable identifier, e.g. `common_name.required`.
    pub id: &'a str,
    /// All must hold for the rule to apply (empty: always).
    pub when: &'a [Cond<'a>],
    /// What the rule demands.
    pub effect: Effect,
    /// The parameters the effect is about.
    pub params: &'a [&'a str],
    /// What to do about it, in words a user can act on.
    pub message: &'a str,
}
