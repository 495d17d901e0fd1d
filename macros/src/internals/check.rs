//! Check: resolve every setting and field against the rules table, then hold the struct to
//! the schema constraints and every conditional rule the compiler can decide. What depends on
//! run-time values is left to the validator that runs before the order is sent.
//!
//! One file over 400 lines, on purpose: it is one pass over one struct, and every diagnostic
//! below (`how_to_set`, `schema_required`, `violated`) words what that pass found in terms of
//! its mappings and spans; apart, each would need the pass's state handed to it.

use super::Ctxt;
use super::syntax::{Field, Input, Setting};
use certcentral_table::{
    Cond, Effect, Facts, Finding, Kind, Known, Param, Presence, Product, Rule, TABLE, nearest,
    param,
};
use proc_macro2::Span;
use std::collections::BTreeMap;

/// Where a parameter's value comes from.
pub enum Source<'a> {
    Field(&'a Field),
    Constant(&'a Setting),
}

/// One parameter the struct sets.
pub struct Mapping<'a> {
    pub param: &'static Param<'static>,
    pub source: Source<'a>,
    pub span: Span,
}

impl Mapping<'_> {
    fn presence(&self) -> Presence {
        match self.source {
            Source::Field(f) if f.option_inner.is_some() => Presence::Maybe,
            _ => Presence::Present,
        }
    }
}

/// A struct that passed every compile-time check.
pub struct Checked<'a> {
    pub product: &'static Product<'static>,
    pub mappings: Vec<Mapping<'a>>,
    /// Ignored or deprecated parameters: `(message, span)`.
    pub warnings: Vec<(String, Span)>,
}

/// The path the expansion reaches the client crate by: `#[order(crate = "…")]` (for a
/// renamed or re-exported dependency, as serde's `crate` attribute), else `::certcentral`.
pub fn crate_path(cx: &mut Ctxt, input: &Input) -> syn::Path {
    let default = syn::parse_quote!(::certcentral);
    let Some(setting) = input.settings.iter().find(|s| s.key == "crate") else {
        return default;
    };
    match setting.value.as_str().map(syn::parse_str::<syn::Path>) {
        Some(Ok(path)) => path,
        _ => {
            cx.error_at(
                setting.value_span,
                "`crate` takes the path of the certcentral crate as a string, e.g. `crate = \"my_certcentral\"`",
            );
            default
        }
    }
}

/// The product named in the attribute, if it was found (for a stub impl on errors).
pub fn product_of(input: &Input) -> Option<&'static Product<'static>> {
    input
        .settings
        .iter()
        .find(|s| s.key == "product")
        .and_then(|s| s.value.as_str())
        .and_then(certcentral_table::product)
}

pub fn check<'a>(cx: &mut Ctxt, input: &'a Input) -> Option<Checked<'a>> {
    let ident_span = input.ast.ident.span();
    let mut product = None;
    let mut product_span = ident_span;
    let mut mappings: Vec<Mapping<'a>> = Vec::new();
    // A setting or field that names no parameter leaves the order unknown: the rules are not
    // evaluated then, so that a typo gives one error, not a cascade of "missing" ones.
    let mut unresolved = !input.well_formed;
    for setting in &input.settings {
        if setting.key == "crate" {
            continue; // read by `crate_path`
        }
        if setting.key == "product" {
            product = resolve_product(cx, setting, product);
            product_span = setting.value_span;
        } else if let Some(m) = constant(cx, setting) {
            mappings.push(m);
        } else {
            unresolved = true;
        }
    }
    for field in input.fields.iter().filter(|f| !f.skip) {
        if field.broken {
            unresolved = true;
            continue;
        }
        let resolved = match &field.param {
            Some((path, span)) => resolve(path).map_err(|e| (e, *span)),
            None => resolve(&field.ident.to_string()).map_err(|e| {
                (
                    format!(
                        "{e}; map the field with #[order(param = \"dotted.path\")] or leave it out with #[order(skip)]"
                    ),
                    field.ident.span(),
                )
            }),
        };
        match resolved {
            Ok(param) => mappings.push(Mapping {
                param,
                source: Source::Field(field),
                span: field.param.as_ref().map_or(field.ident.span(), |(_, s)| *s),
            }),
            Err((message, span)) => {
                unresolved = true;
                cx.error_at(span, message);
            }
        }
    }
    let mut seen: BTreeMap<&str, &Mapping> = BTreeMap::new();
    for m in &mappings {
        match seen.get(m.param.path) {
            Some(first) => cx.error_at(
                m.span,
                format!(
                    "`{}` is set twice ({} and {}): keep one",
                    m.param.path,
                    describe(first),
                    describe(m)
                ),
            ),
            None => {
                seen.insert(m.param.path, m);
            }
        }
    }
    let Some(product) = product else {
        if !input.settings.iter().any(|s| s.key == "product") {
            cx.error_at(
                ident_span,
                format!(
                    "missing #[order(product = \"…\")]: one of {}",
                    TABLE
                        .products
                        .iter()
                        .map(|p| p.id)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        return None;
    };
    let facts = CompileFacts {
        product,
        product_span,
        mappings: &mappings,
    };
    let mut warnings = Vec::new();
    if unresolved {
        return Some(Checked {
            product,
            mappings,
            warnings,
        });
    }
    let findings = TABLE.evaluate(&facts);
    // A rule about an object's fields says more than "the object is required".
    let named_by_rules: Vec<&str> = findings
        .iter()
        .filter_map(|f| match f {
            Finding::Violated { params, .. } => Some(params.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect();
    schema_required(cx, &facts, ident_span, &named_by_rules);
    for finding in findings {
        match finding {
            Finding::Violated { rule, params } => violated(cx, &facts, rule, &params, ident_span),
            Finding::Warned { rule, params } => {
                for p in params {
                    for span in facts.spans(p) {
                        warnings.push((
                            format!("certcentral rule `{}`: {}", rule.id, rule.message),
                            span,
                        ));
                    }
                }
            }
            Finding::Undecided { .. } => {}
        }
    }
    Some(Checked {
        product,
        mappings,
        warnings,
    })
}

fn describe(m: &Mapping) -> String {
    match m.source {
        Source::Field(f) => format!("field `{}`", f.ident),
        Source::Constant(_) => "#[order(...)]".to_string(),
    }
}

fn resolve_product(
    cx: &mut Ctxt,
    setting: &Setting,
    before: Option<&'static Product<'static>>,
) -> Option<&'static Product<'static>> {
    if before.is_some() {
        cx.error_at(setting.key_span, "`product` is given twice");
        return before;
    }
    let id = setting.value.as_str().unwrap_or_default();
    match certcentral_table::product(id) {
        Some(p) => Some(p),
        None => {
            let ids = TABLE.products.iter().map(|p| p.id);
            cx.error_at(
                setting.value_span,
                format!(
                    "unknown product `{id}`{}; products: {}",
                    hint(nearest(id, ids.clone())),
                    ids.collect::<Vec<_>>().join(", ")
                ),
            );
            None
        }
    }
}

fn constant<'a>(cx: &mut Ctxt, setting: &'a Setting) -> Option<Mapping<'a>> {
    let param = match resolve(&setting.key) {
        Ok(p) => p,
        Err(e) => {
            let e = if param(&setting.key).is_none() && !setting.key.contains('.') {
                format!("unknown attribute key `{}`: {e}", setting.key)
            } else {
                e
            };
            cx.error_at(setting.key_span, e);
            return None;
        }
    };
    if !matches!(param.kind, Kind::String | Kind::Integer | Kind::Boolean) {
        cx.error_at(
            setting.key_span,
            format!(
                "`{}` is {}: set it with a field, not a fixed value",
                param.path,
                param.kind.describe()
            ),
        );
        return None;
    }
    for v in TABLE.check_value(param, &setting.value) {
        cx.error_at(
            setting.value_span,
            format!("certcentral rule `{}`: {}", v.rule, v.message),
        );
    }
    // Kept even when invalid: the parameter is set, so the rules do not report it missing.
    Some(Mapping {
        param,
        source: Source::Constant(setting),
        span: setting.value_span,
    })
}

fn hint(n: Option<&str>) -> String {
    n.map_or(String::new(), |n| format!(" (did you mean `{n}`?)"))
}

/// Parameters a field or a fixed value can set: scalars and whole lists.
fn mappable() -> impl Iterator<Item = &'static Param<'static>> {
    TABLE
        .params
        .iter()
        .filter(|p| p.kind != Kind::Object && !p.in_list_item())
}

/// A dotted path, or a leaf name that only one parameter has.
fn resolve(name: &str) -> Result<&'static Param<'static>, String> {
    let name = name.strip_prefix("r#").unwrap_or(name);
    if let Some(p) = param(name) {
        if p.kind == Kind::Object {
            let fields: Vec<&str> = TABLE.children(p.path).map(|c| c.path).collect();
            return Err(format!(
                "`{name}` is an object: map its fields instead ({})",
                fields.join(", ")
            ));
        }
        if p.in_list_item() {
            let list = p.path.split("[]").next().unwrap_or(p.path);
            return Err(format!(
                "`{name}` is inside a list item: map the whole list `{list}` to a Vec of its generated item type"
            ));
        }
        return Ok(p);
    }
    if !name.contains('.') {
        let leaf: Vec<&'static Param<'static>> = mappable().filter(|p| p.leaf() == name).collect();
        match leaf[..] {
            [one] => return Ok(one),
            [_, _, ..] => {
                return Err(format!(
                    "`{name}` is ambiguous: it is the name of {}; name one with #[order(param = \"…\")]",
                    leaf.iter()
                        .map(|p| format!("`{}`", p.path))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            [] => {}
        }
    }
    let suggestion = nearest(name, mappable().map(|p| p.path)).or_else(|| {
        nearest(name, mappable().map(|p| p.leaf())).map(|leaf| {
            let mut with_leaf = mappable().filter(|p| p.leaf() == leaf);
            match (with_leaf.next(), with_leaf.next()) {
                (Some(only), None) => only.path,
                _ => leaf,
            }
        })
    });
    Err(format!(
        "unknown order parameter `{name}`{}",
        hint(suggestion)
    ))
}

struct CompileFacts<'a, 'b> {
    product: &'static Product<'static>,
    product_span: Span,
    mappings: &'b [Mapping<'a>],
}

impl CompileFacts<'_, '_> {
    /// Mappings of the parameter or of anything below it.
    fn below<'s>(&'s self, path: &'s str) -> impl Iterator<Item = &'s Mapping<'s>> + 's {
        self.mappings
            .iter()
            .filter(move |m| certcentral_table::is_within(m.param.path, path))
    }

    fn spans(&self, path: &str) -> Vec<Span> {
        self.below(path).map(|m| m.span).collect()
    }

    /// The span of whatever makes a condition true, if the struct sets it.
    fn condition_span(&self, cond: &Cond) -> Option<Span> {
        match *cond {
            Cond::Products(_) => None,
            Cond::In(p, _) | Cond::NotIn(p, _) | Cond::Present(p) | Cond::Absent(p) => {
                self.spans(p).first().copied()
            }
            // A condition this derive does not know: no place to point at.
            _ => None,
        }
    }
}

impl Facts for CompileFacts<'_, '_> {
    fn product(&self) -> &str {
        self.product.id
    }

    fn presence(&self, path: &str) -> Presence {
        self.below(path)
            .map(Mapping::presence)
            .fold(Presence::Absent, |acc, p| match (acc, p) {
                (Presence::Present, _) | (_, Presence::Present) => Presence::Present,
                (Presence::Maybe, _) | (_, Presence::Maybe) => Presence::Maybe,
                _ => Presence::Absent,
            })
    }

    fn value(&self, path: &str) -> Known<'_> {
        match self.mappings.iter().find(|m| m.param.path == path) {
            Some(Mapping {
                source: Source::Constant(s),
                ..
            }) => Known::Value(&s.value),
            Some(_) => Known::Unknown,
            None => Known::Absent,
        }
    }
}

/// How to set what the struct lacks, all of it at once: an object stands for its required
/// fields (or its `id`), a list can only be a field, a scalar can also be a fixed value.
fn how_to_set(paths: &[&str]) -> String {
    let mut fields: Vec<&'static Param<'static>> = Vec::new();
    for path in paths {
        let Some(p) = param(path) else { continue };
        if p.kind != Kind::Object {
            fields.push(p);
            continue;
        }
        let required: Vec<&'static Param<'static>> =
            TABLE.children(p.path).filter(|c| c.required).collect();
        match (
            required.is_empty(),
            TABLE.children(p.path).find(|c| c.leaf() == "id"),
        ) {
            (false, _) => fields.extend(required),
            (true, Some(id)) => fields.push(id),
            (true, None) => {
                let all: Vec<&str> = TABLE.children(p.path).map(|c| c.path).collect();
                return format!("map a field to one of {}", all.join(", "));
            }
        }
    }
    let Some(first) = fields.first() else {
        return "map a field with #[order(param = \"…\")]".into();
    };
    let fixable = fields
        .iter()
        .find(|p| matches!(p.kind, Kind::String | Kind::Integer | Kind::Boolean));
    let map = if fields.len() == 1 {
        format!("map a field with #[order(param = \"{}\")]", first.path)
    } else {
        let all: Vec<&str> = fields.iter().map(|p| p.path).collect();
        format!(
            "map a field to each of {} (#[order(param = \"{}\")])",
            all.join(", "),
            first.path
        )
    };
    match fixable {
        Some(p) if fields.len() == 1 => {
            format!("{map} or fix a value with #[order({} = …)]", p.path)
        }
        Some(p) => format!(
            "{map}; a fixed value also works for a scalar: #[order({} = …)]",
            p.path
        ),
        None => map,
    }
}

/// The id compile errors about a missing required parameter name.
const REQUIRED: &str = certcentral_table::BuiltinRule::Required.id();

fn schema_required(cx: &mut Ctxt, facts: &CompileFacts, ident_span: Span, named_by_rules: &[&str]) {
    for p in TABLE.roots().filter(|p| p.required) {
        let covered = named_by_rules
            .iter()
            .any(|n| certcentral_table::says_more_than_required(n, p.path));
        if facts.presence(p.path) == Presence::Absent && !covered {
            cx.error_at(
                ident_span,
                format!(
                    "certcentral rule `{}`: `{}` is required; {}",
                    REQUIRED,
                    p.path,
                    how_to_set(&[p.path])
                ),
            );
        }
    }
    for object in TABLE
        .params
        .iter()
        .filter(|p| p.kind == Kind::Object && !p.in_list_item())
    {
        let object_presence = facts.presence(object.path);
        if object_presence == Presence::Absent {
            continue;
        }
        let span = facts
            .spans(object.path)
            .first()
            .copied()
            .unwrap_or(ident_span);
        let mut missing = Vec::new();
        for child in TABLE.children(object.path).filter(|c| c.required) {
            match (facts.presence(child.path), object_presence, child.kind) {
                (Presence::Absent, _, _) => missing.push(child.path),
                (Presence::Maybe, Presence::Present, k) if k != Kind::Object => {
                    let at = facts.spans(child.path).first().copied().unwrap_or(span);
                    cx.error_at(
                        at,
                        format!(
                            "certcentral rule `{}`: `{}` is required, so its field cannot be an Option",
                            REQUIRED,
                            child.path
                        ),
                    );
                }
                _ => {}
            }
        }
        if !missing.is_empty() {
            // On the struct, where the fields go (not on whatever made the object sent).
            cx.error_at(
                ident_span,
                format!(
                    "certcentral rule `{}`: `{}` is sent, so it needs {}; {}",
                    REQUIRED,
                    object.path,
                    missing.join(", "),
                    how_to_set(&missing)
                ),
            );
        }
    }
}

fn violated(
    cx: &mut Ctxt,
    facts: &CompileFacts,
    rule: &'static Rule<'static>,
    params: &[&'static str],
    ident_span: Span,
) {
    let head = format!("certcentral rule `{}`: {}", rule.id, rule.message);
    let missing = matches!(rule.effect, Effect::Require | Effect::AnyOf)
        || (rule.effect == Effect::OneOf
            && params.iter().all(|p| facts.presence(p) == Presence::Absent));
    if rule.effect == Effect::OneOf && !missing {
        // More than one of them is set: one mistake, one error, on the second one.
        let shown: Vec<String> = params.iter().map(|p| format!("`{p}`")).collect();
        if let Some(span) = params.get(1).and_then(|p| facts.spans(p).first().copied()) {
            cx.error_at(
                span,
                format!("{head}\nset only one of {} (all are set)", shown.join(", ")),
            );
        }
        return;
    }
    if !missing {
        // One error per parameter sent against the rule, on the first place that sends it.
        for p in params {
            if let Some(span) = facts.spans(p).first() {
                cx.error_at(*span, format!("{head}\nremove `{p}`"));
            }
        }
        return;
    }
    // An Option field where a value is required: reported on that field.
    let (optional, absent): (Vec<&str>, Vec<&str>) = params
        .iter()
        .partition(|p| facts.presence(p) == Presence::Maybe);
    for p in &optional {
        if let Some(span) = facts.spans(p).first() {
            cx.error_at(
                *span,
                format!("{head}\n`{p}` is required here, so its field cannot be an Option"),
            );
        }
    }
    if absent.is_empty() {
        return;
    }
    // What is missing: one error, on what made the rule apply.
    let span = rule
        .when
        .iter()
        .find_map(|c| match c {
            Cond::Products(_) => Some(facts.product_span),
            other => facts.condition_span(other),
        })
        .unwrap_or(ident_span);
    let detail = if rule.effect == Effect::Require {
        format!("missing: {}; {}", absent.join(", "), how_to_set(&absent))
    } else {
        format!(
            "none of {} is set; {}",
            params.join(", "),
            how_to_set(&params[..1])
        )
    };
    cx.error_at(span, format!("{head}\n{detail}"));
}
