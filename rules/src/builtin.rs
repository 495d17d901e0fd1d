//! The rules the validator applies besides the spec's conditional rules, with their ids: the
//! schema's constraints, and the SDK's own checks. Typed, so that no crate spells an id or a
//! family by hand (`"schema.type"`, `starts_with("schema.")`).

/// A rule every order is held to besides the spec's conditional rules (whose ids are the
/// spec's, `common_name.required`).
///
/// ```
/// use certcentral_rules::BuiltinRule;
/// assert_eq!(BuiltinRule::Range.id(), "schema.range");
/// assert_eq!(BuiltinRule::from_id("schema.range"), Some(BuiltinRule::Range));
/// assert!(BuiltinRule::Range.is_schema());
/// assert!(!BuiltinRule::UnknownProduct.is_schema());
/// assert_eq!(BuiltinRule::from_id("common_name.required"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BuiltinRule {
    /// `schema.required`: a required parameter is missing.
    Required,
    /// `schema.type`: a value of the wrong JSON type (or one its Rust type cannot hold).
    Type,
    /// `schema.enum`: a value the parameter's enum does not list.
    Enum,
    /// `schema.range`: a number outside `minimum`/`maximum`.
    Range,
    /// `schema.min_length`: a string shorter than `minLength` (or empty).
    MinLength,
    /// `schema.max_length`: a string longer than `maxLength`.
    MaxLength,
    /// `schema.pattern`: a string that does not match `pattern`.
    Pattern,
    /// `schema.min_items`: a list with fewer items than `minItems`.
    MinItems,
    /// `schema.format`: a string that is not of its `format` (an email address, a date).
    Format,
    /// `schema.unknown_parameter`: a parameter the spec does not list.
    UnknownParameter,
    /// `product.unknown`: a product the spec does not list.
    UnknownProduct,
    /// `order.serialize`: the order does not serialize to JSON (a value serde refuses).
    Serialize,
}

impl BuiltinRule {
    /// Every built-in rule.
    pub const ALL: [BuiltinRule; 12] = [
        BuiltinRule::Required,
        BuiltinRule::Type,
        BuiltinRule::Enum,
        BuiltinRule::Range,
        BuiltinRule::MinLength,
        BuiltinRule::MaxLength,
        BuiltinRule::Pattern,
        BuiltinRule::MinItems,
        BuiltinRule::Format,
        BuiltinRule::UnknownParameter,
        BuiltinRule::UnknownProduct,
        BuiltinRule::Serialize,
    ];

    /// Its id, as violations and compile errors name it.
    pub const fn id(self) -> &'static str {
        match self {
            BuiltinRule::Required => "schema.required",
            BuiltinRule::Type => "schema.type",
            BuiltinRule::Enum => "schema.enum",
            BuiltinRule::Range => "schema.range",
            BuiltinRule::MinLength => "schema.min_length",
            BuiltinRule::MaxLength => "schema.max_length",
            BuiltinRule::Pattern => "schema.pattern",
            BuiltinRule::MinItems => "schema.min_items",
            BuiltinRule::Format => "schema.format",
            BuiltinRule::UnknownParameter => "schema.unknown_parameter",
            BuiltinRule::UnknownProduct => "product.unknown",
            BuiltinRule::Serialize => "order.serialize",
        }
    }

    /// The built-in rule with this id, if it is one.
    pub fn from_id(id: &str) -> Option<BuiltinRule> {
        BuiltinRule::ALL.into_iter().find(|r| r.id() == id)
    }

    /// Whether it is one of the schema's constraints (a `schema.*` rule): a conditional rule
    /// about the same parameter says more than it.
    pub fn is_schema(self) -> bool {
        !matches!(self, BuiltinRule::UnknownProduct | BuiltinRule::Serialize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_schema_rules_are_the_schema_family() {
        let ids: std::collections::HashSet<_> = BuiltinRule::ALL.iter().map(|r| r.id()).collect();
        assert_eq!(ids.len(), BuiltinRule::ALL.len());
        for rule in BuiltinRule::ALL {
            assert_eq!(
                rule.is_schema(),
                rule.id().starts_with("schema."),
                "{rule:?}"
            );
            assert_eq!(BuiltinRule::from_id(rule.id()), Some(rule));
        }
    }
}
