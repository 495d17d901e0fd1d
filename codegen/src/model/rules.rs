//! The rules (`x-certcentral-rules`): each rule's conditions and effects, in the table's types.

use super::*;

impl<'a> Cx<'a> {
    pub(super) fn rules(
        &mut self,
        operation: &Value,
        op_at: &str,
        products: &[Product<'a>],
        params: &[Param<'a>],
    ) -> Vec<Rule<'a>> {
        let at = format!("{op_at}.{RULES_KEY}");
        let Some(list) = operation.get(RULES_KEY).and_then(Value::as_array) else {
            self.issue(&at, "the operation has no rules list".into());
            return Vec::new();
        };
        let mut ids = BTreeSet::new();
        let mut rules = Vec::new();
        for (i, raw) in list.iter().enumerate() {
            let rule_at = format!("{at}[{i}]");
            let Some(raw) = raw.as_object() else {
                self.issue(&rule_at, "a rule must be a mapping".into());
                continue;
            };
            if let Some(rule) = self.rule(raw, &rule_at, products, params)
                && ids.insert(rule.id)
            {
                rules.push(rule);
            } else if let Some(id) = raw.get("id").and_then(Value::as_str)
                && rules.iter().any(|r| r.id == id)
            {
                self.issue(&rule_at, format!("duplicate rule id `{id}`"));
            }
        }
        rules
    }

    pub(super) fn rule(
        &mut self,
        raw: &Map<String, Value>,
        at: &str,
        products: &[Product<'a>],
        params: &[Param<'a>],
    ) -> Option<Rule<'a>> {
        let before = self.issues.len();
        let text = |k: &str| {
            raw.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .unwrap_or("")
        };
        let (id, message) = (text("id").to_string(), text("message").to_string());
        if id.is_empty() {
            self.issue(at, "a rule needs an `id`".into());
        }
        if message.is_empty() {
            self.issue(
                at,
                format!("rule `{id}` needs a `message` a user can act on"),
            );
        }
        for key in raw.keys() {
            if !["id", "message", "when"].contains(&key.as_str())
                && !EFFECTS.iter().any(|(name, _)| name == key)
            {
                self.issue(at, format!("unknown rule key `{key}`"));
            }
        }
        let effects: Vec<(&str, Effect)> = EFFECTS
            .iter()
            .copied()
            .filter(|(name, _)| raw.contains_key(*name))
            .collect();
        let [(name, effect)] = effects[..] else {
            let names: Vec<&str> = EFFECTS.iter().map(|(name, _)| *name).collect();
            let found: Vec<&str> = effects.iter().map(|(name, _)| *name).collect();
            self.issue(
                at,
                format!("rule `{id}` needs exactly one effect of {names:?}, found {found:?}"),
            );
            return None;
        };
        let effect_params = self.path_list(raw.get(name), &format!("{at}.{name}"), params);
        if effect_params.is_empty() {
            self.issue(&format!("{at}.{name}"), "names no parameter".into());
        }
        let when = self.conditions(raw.get("when"), &format!("{at}.when"), products, params);
        (self.issues.len() == before).then(|| Rule {
            id: self.str(id),
            when: self.slice(when),
            effect,
            params: self.slice(effect_params),
            message: self.str(message.split_whitespace().collect::<Vec<_>>().join(" ")),
        })
    }

    pub(super) fn path_list(
        &mut self,
        value: Option<&Value>,
        at: &str,
        params: &[Param<'a>],
    ) -> Vec<&'a str> {
        let Some(items) = value.and_then(Value::as_array) else {
            self.issue(at, "must be a list of parameter paths".into());
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| self.known_path(v, &format!("{at}[{i}]"), params))
            .collect()
    }

    pub(super) fn known_path(
        &mut self,
        v: &Value,
        at: &str,
        params: &[Param<'a>],
    ) -> Option<&'a str> {
        let path = v.as_str().unwrap_or("");
        match params.iter().find(|p| p.path == path) {
            Some(p) if p.path.contains("[]") => {
                self.issue(
                    at,
                    format!("`{path}` is inside a list item; rules name whole parameters"),
                );
                None
            }
            Some(p) => Some(p.path),
            None => {
                let hint = nearest(path, params.iter().map(|p| p.path));
                self.issue(at, format!("unknown parameter path `{path}`{hint}"));
                None
            }
        }
    }

    pub(super) fn conditions(
        &mut self,
        when: Option<&Value>,
        at: &str,
        products: &[Product<'a>],
        params: &[Param<'a>],
    ) -> Vec<Cond<'a>> {
        let Some(when) = when else {
            return Vec::new();
        };
        let Some(when) = when.as_object() else {
            self.issue(at, "`when` must be a mapping".into());
            return Vec::new();
        };
        let mut conds = Vec::new();
        for key in when.keys() {
            if !CONDITIONS.contains(&key.as_str()) {
                let hint = nearest(key, CONDITIONS.iter().copied());
                self.issue(at, format!("unknown condition `{key}`{hint}"));
            }
        }
        if let Some(list) = when.get("products") {
            let ids: Vec<&'a str> = list
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(i, p)| {
                    let id = p.as_str().unwrap_or("");
                    if let Some(known) = products.iter().find(|known| known.id == id) {
                        Some(known.id)
                    } else {
                        let hint = nearest(id, products.iter().map(|p| p.id));
                        self.issue(
                            &format!("{at}.products[{i}]"),
                            format!("unknown product `{id}`{hint}"),
                        );
                        None
                    }
                })
                .collect();
            if ids.is_empty() {
                self.issue(
                    &format!("{at}.products"),
                    "must list at least one product".into(),
                );
            }
            conds.push(Cond::Products(self.slice(ids)));
        }
        match (when.get("param"), when.get("in"), when.get("not_in")) {
            (None, None, None) => {}
            (Some(p), values_in, values_not_in)
                if values_in.is_some() != values_not_in.is_some() =>
            {
                if let Some(path) = self.known_path(p, &format!("{at}.param"), params) {
                    let (key, values) = match values_in {
                        Some(v) => ("in", v),
                        None => ("not_in", values_not_in.unwrap_or(&Value::Null)),
                    };
                    let values = self.values(path, values, &format!("{at}.{key}"), params);
                    let values = self.slice(values);
                    conds.push(if key == "in" {
                        Cond::In(path, values)
                    } else {
                        Cond::NotIn(path, values)
                    });
                }
            }
            _ => self.issue(
                at,
                "`param` goes with exactly one of `in` and `not_in`".into(),
            ),
        }
        for (key, make) in [
            ("present", Cond::Present as fn(&'a str) -> Cond<'a>),
            ("absent", Cond::Absent),
        ] {
            if let Some(p) = when.get(key)
                && let Some(path) = self.known_path(p, &format!("{at}.{key}"), params)
            {
                conds.push(make(path));
            }
        }
        conds
    }

    pub(super) fn values(
        &mut self,
        path: &str,
        values: &Value,
        at: &str,
        params: &[Param<'a>],
    ) -> Vec<&'a str> {
        let allowed = params
            .iter()
            .find(|p| p.path == path)
            .map_or(&[][..], |p| p.constraints.enum_values);
        let Some(values) = values.as_array().filter(|v| !v.is_empty()) else {
            self.issue(at, "must be a non-empty list of values".into());
            return Vec::new();
        };
        values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if !allowed.is_empty() && !allowed.contains(&text.as_str()) {
                    self.issue(
                        &format!("{at}[{i}]"),
                        format!(
                            "`{text}` is not a value of `{path}` (allowed: {})",
                            allowed.join(", ")
                        ),
                    );
                    return None;
                }
                Some(self.str(text))
            })
            .collect()
    }
}
