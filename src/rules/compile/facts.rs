//! `[facts]` (the fact schema: dotted names and their types) and `[params]` (named numbers
//! the conditions use as `params.NAME`).

use super::Walker;
use crate::rules::lang::did_you_mean;
use crate::rules::{FactDef, FactType, KeywordList, OwnWords, Param};
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

const FACT_TYPES: [&str; 9] = ["bool", "int", "number", "money", "text", "date", "datetime", "enum", "list"];

impl Walker<'_> {
    pub(super) fn facts(&mut self, root: &DeTable<'_>, whole: &Range<usize>) -> Vec<FactDef> {
        let mut facts: Vec<FactDef> = Vec::new();
        if let Some(section) = self.required(root, "facts", whole, "the rule pack")
            && let Some(table) = self.table(section, "[facts]")
        {
            for (key, value) in table {
                let name: &str = key.get_ref();
                let context = format!("fact `{name}`");
                if !is_fact_name(name) {
                    self.error_help(
                        format!("invalid fact name `{name}`"),
                        key.span(),
                        Some("use lowercase dotted names such as `order.total_eur`".to_owned()),
                    );
                    continue;
                }
                if ["keywords", "risk", "params", "signals"]
                    .iter()
                    .any(|reserved| name == *reserved || name.starts_with(&format!("{reserved}.")))
                {
                    self.error(
                        format!("fact name `{name}` is reserved (`keywords.*`, `params.*`, `risk.*` and `signals.*`)"),
                        key.span(),
                    );
                    continue;
                }
                self.invalid_facts.push(name.to_owned());
                let Some(definition) = self.table(value, &context) else {
                    continue;
                };
                self.check_keys(definition, &["type", "values", "label", "own_words"], &context);
                let Some(type_value) = self.required(definition, "type", &value.span(), &context) else {
                    continue;
                };
                let Some(type_name) = self.string(type_value, "fact type") else {
                    continue;
                };
                let fact_type = match type_name.as_str() {
                    "bool" => FactType::Bool,
                    "int" => FactType::Int,
                    "number" => FactType::Number,
                    "money" => FactType::Money,
                    "text" => FactType::Text,
                    "date" => FactType::Date,
                    "datetime" => FactType::DateTime,
                    "list" => FactType::List,
                    "enum" => {
                        let Some(values) = self.required(definition, "values", &value.span(), &context) else {
                            continue;
                        };
                        let list = self.string_list(values, "enum values");
                        let mut seen: Vec<String> = Vec::new();
                        for (text, span) in &list {
                            let folded = crate::value::text::fold(text);
                            if seen.contains(&folded) {
                                self.error(format!("enum value \"{text}\" is listed twice"), span.clone());
                            }
                            seen.push(folded);
                        }
                        if list.is_empty() {
                            self.error("an enum needs at least one value", values.span());
                        }
                        FactType::Enum(list.into_iter().map(|(text, _)| text).collect())
                    }
                    other => {
                        let help = did_you_mean(other, FACT_TYPES)
                            .or_else(|| Some(format!("types: {}", FACT_TYPES.join(", "))));
                        self.error_help(format!("unknown fact type `{other}`"), type_value.span(), help);
                        continue;
                    }
                };
                if let (Some(values), false) = (definition.get("values"), matches!(fact_type, FactType::Enum(_))) {
                    self.error("`values` is only allowed for `type = \"enum\"`", values.span());
                }
                if name == "now" && !matches!(fact_type, FactType::DateTime | FactType::Date) {
                    self.error("the `now` fact must be a datetime or a date", type_value.span());
                }
                let label =
                    definition.get("label").and_then(|label| self.local_text(label, &format!("label of {context}")));
                if let Some(index) = facts.iter().position(|fact| {
                    name.starts_with(&format!("{}.", fact.name)) || fact.name.starts_with(&format!("{name}."))
                }) {
                    self.error(
                        format!(
                            "fact `{name}` and fact `{}` cannot both exist: one would be an object holding the other",
                            facts[index].name
                        ),
                        key.span(),
                    );
                    continue;
                }
                self.invalid_facts.retain(|invalid| invalid != name);
                facts.push(FactDef { name: name.to_owned(), fact_type, label, own_words: None });
            }
        }
        if !facts.iter().any(|fact| fact.name == "now") {
            // "Today" is a fact: the core has no clock. Every pack can use it.
            facts.push(FactDef { name: "now".to_owned(), fact_type: FactType::DateTime, label: None, own_words: None });
        }
        facts
    }

    /// A text fact's `own_words = { cut_at = "keywords.…", reply_header = …, others = …, writer = …,
    /// quoted_by = … }`,
    /// read once the keyword lists it names are known.
    pub(super) fn own_words(&mut self, root: &DeTable<'_>, facts: &mut [FactDef], keyword_lists: &[KeywordList]) {
        const KEYS: [&str; 5] = ["cut_at", "reply_header", "others", "writer", "quoted_by"];
        let Some(DeValue::Table(table)) = root.get("facts").map(Spanned::get_ref) else { return };
        for (key, value) in table {
            let Some(fact) = facts.iter_mut().find(|fact| fact.name == *key.get_ref()) else { continue };
            let DeValue::Table(definition) = value.get_ref() else { continue };
            let Some(setting) = definition.get("own_words") else { continue };
            if fact.fact_type != FactType::Text {
                self.error("`own_words` is only allowed for `type = \"text\"`", setting.span());
                continue;
            }
            let context = format!("`own_words` of fact `{}`", fact.name);
            let Some(setting_table) = self.table(setting, &context) else { continue };
            self.check_keys(setting_table, &KEYS, &context);
            let mut lists = [None; 5];
            for (slot, name) in lists.iter_mut().zip(KEYS) {
                let Some(list_value) = setting_table.get(name) else { continue };
                let Some(list_name) = self.string(list_value, &format!("`{name}` of {context}")) else { continue };
                let found = list_name.strip_prefix("keywords.").and_then(|bare| {
                    keyword_lists.iter().position(|list| list.name == bare && list.classifier.is_none())
                });
                match found {
                    Some(index) => *slot = Some(index as u16),
                    None => self.error_help(
                        format!("`{name}` of {context} names no keyword list: `{list_name}`"),
                        list_value.span(),
                        Some("write `keywords.NAME` for a list in `[keywords]`".to_owned()),
                    ),
                }
            }
            if lists.iter().all(Option::is_none) {
                self.error(format!("{context} names no keyword list; keys: {}", KEYS.join(", ")), setting.span());
            }
            let [cut_at, reply_header, others, writer, quoted_by] = lists;
            fact.own_words = Some(OwnWords { cut_at, reply_header, others, writer, quoted_by });
        }
    }

    /// `[params]`: `name = 150` or `name = { value = 150, description = "…" }`.
    pub(super) fn params(&mut self, root: &DeTable<'_>) -> Vec<Param> {
        let mut params = Vec::new();
        let Some(section) = root.get("params") else { return params };
        let Some(table) = self.table(section, "[params]") else { return params };
        for (key, value) in table {
            let name: &str = key.get_ref();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                self.error(
                    format!("invalid parameter name `{name}`: use lowercase letters, digits and `_`"),
                    key.span(),
                );
                continue;
            }
            let (number, description) = match value.get_ref() {
                DeValue::Table(definition) => {
                    self.check_keys(definition, &["value", "description"], &format!("parameter `{name}`"));
                    let description =
                        definition.get("description").and_then(|text| self.string(text, "parameter description"));
                    (self.required(definition, "value", &value.span(), &format!("parameter `{name}`")), description)
                }
                _ => (Some(value), None),
            };
            let Some(number) = number else { continue };
            let parsed = match number.get_ref() {
                DeValue::Integer(integer) => i64::from_str_radix(&integer.as_str().replace('_', ""), integer.radix())
                    .ok()
                    .map(crate::value::Decimal::from_int),
                DeValue::Float(float) => crate::value::Decimal::parse(&float.as_str().replace('_', "")),
                _ => None,
            };
            match parsed {
                Some(value) => params.push(Param { name: name.to_owned(), value, description }),
                None => self.error(format!("parameter `{name}` must be a number"), number.span()),
            }
        }
        params
    }
}

/// `segment(.segment)*` with segments `[a-z_][a-z0-9_]*`.
fn is_fact_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|segment| {
            segment.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && segment.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}
