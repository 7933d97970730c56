//! What the agent is shown: `[[rules]]` (category, points, condition, checklist references),
//! `[[checklist]]` items (when added, when done, which outcomes they block) and `[[deadlines]]`.

use super::{RawRule, Walker};
use crate::rules::lang::check::Scope;
use crate::rules::lang::did_you_mean;
use crate::rules::{Category, ChecklistItem, Deadline, FactDef, FactType, Rule};
use toml::de::{DeTable, DeValue};

impl Walker<'_> {
    /// `[[rules]]` and `[[checklist]]`: rules name checklist items, and an item is reported when
    /// nothing adds it (no `when` and no rule lists it).
    pub(super) fn rules_and_checklist(
        &mut self,
        root: &DeTable<'_>,
        rule_scope: &Scope<'_>,
        late_scope: &Scope<'_>,
        outcome_ids: &[String],
    ) -> (Vec<Rule>, Vec<ChecklistItem>) {
        let raw_checklist = self.array_of_tables(root, "checklist");
        let checklist_ids = self.unique_ids(&raw_checklist, "checklist item");
        let raw_rules = self.array_of_tables(root, "rules");
        let rule_ids = self.unique_ids(&raw_rules, "rule");
        let mut rules = Vec::new();
        let mut referenced_items = vec![false; raw_checklist.len()];
        for (raw, id) in raw_rules.iter().zip(&rule_ids) {
            if let Some(rule) = self.rule(raw, id.clone(), rule_scope, &checklist_ids) {
                for &item in &rule.checklist {
                    referenced_items[item] = true;
                }
                rules.push(rule);
            }
        }
        let mut checklist = Vec::new();
        for ((raw, id), referenced) in raw_checklist.iter().zip(&checklist_ids).zip(&referenced_items) {
            if let Some(item) = self.checklist_item(raw, id.clone(), late_scope, outcome_ids, *referenced) {
                checklist.push(item);
            }
        }
        (rules, checklist)
    }

    fn rule(
        &mut self,
        raw: &RawRule<'_>,
        id: Option<String>,
        scope: &Scope<'_>,
        checklist_ids: &[Option<String>],
    ) -> Option<Rule> {
        let table = raw.table;
        let context = id.as_ref().map_or_else(|| "a rule".to_owned(), |id| format!("rule `{id}`"));
        self.check_keys(
            table,
            &["id", "category", "title", "rationale", "source", "points", "when", "checklist"],
            &context,
        );
        let category = self.required(table, "category", &raw.span, &context).and_then(|value| {
            let name = self.string(value, "category")?;
            let found = Category::ALL.into_iter().find(|category| category.name() == name);
            if found.is_none() {
                let names = Category::ALL.map(Category::name);
                let help = did_you_mean(&name, names).or_else(|| Some(format!("categories: {}", names.join(", "))));
                self.error_help(format!("unknown category `{name}`"), value.span(), help);
            }
            found
        });
        let title =
            self.required(table, "title", &raw.span, &context).and_then(|value| self.local_text(value, "rule title"));
        let rationale = self
            .required(table, "rationale", &raw.span, &context)
            .and_then(|value| self.local_text(value, "rule rationale"));
        let source = self.required(table, "source", &raw.span, &context).and_then(|value| {
            let url = self.string(value, "rule source")?;
            if url.starts_with("https://") || url.starts_with("http://") {
                Some(url)
            } else {
                self.error("rule source must be an http(s) URL", value.span());
                None
            }
        });
        let points = self.required(table, "points", &raw.span, &context).and_then(|value| {
            let points = self.integer(value, "points")?;
            if points == 0 || !(-100..=100).contains(&points) {
                self.error(format!("points must be between -100 and 100 and not 0, found {points}"), value.span());
                return None;
            }
            Some(points)
        });
        let when = self
            .required(table, "when", &raw.span, &context)
            .and_then(|value| self.condition(value, scope, "`when`", false));
        let mut checklist = Vec::new();
        if let Some(value) = table.get("checklist") {
            for (item, span) in self.string_list(value, "`checklist`") {
                match checklist_ids.iter().position(|id| id.as_deref() == Some(item.as_str())) {
                    Some(index) => checklist.push(index),
                    None => {
                        let help = did_you_mean(&item, checklist_ids.iter().flatten().map(String::as_str));
                        self.error_help(format!("unknown checklist item `{item}`"), span, help);
                    }
                }
            }
        }
        Some(Rule {
            id: id?,
            category: category?,
            title: title?,
            rationale: rationale?,
            source: source?,
            points: points?,
            when: when?,
            checklist,
        })
    }

    fn checklist_item(
        &mut self,
        raw: &RawRule<'_>,
        id: Option<String>,
        scope: &Scope<'_>,
        outcome_ids: &[String],
        referenced: bool,
    ) -> Option<ChecklistItem> {
        let table = raw.table;
        let context = id.as_ref().map_or_else(|| "a checklist item".to_owned(), |id| format!("checklist item `{id}`"));
        self.check_keys(table, &["id", "text", "when", "done_when", "required_for", "blocks_while_unknown"], &context);
        let blocks_while_unknown = match table.get("blocks_while_unknown").map(|value| (value.get_ref(), value.span()))
        {
            None => true,
            Some((DeValue::Boolean(blocks), _)) => *blocks,
            Some((other, span)) => {
                self.error(
                    format!("`blocks_while_unknown` must be true or false, found {}", Self::type_name(other)),
                    span,
                );
                true
            }
        };
        let text = self
            .required(table, "text", &raw.span, &context)
            .and_then(|value| self.local_text(value, "checklist text"));
        let when = table.get("when").map(|value| self.condition(value, scope, "`when`", true));
        let done_when = table.get("done_when").map(|value| self.condition(value, scope, "`done_when`", false));
        if when.is_none() && !referenced && id.is_some() {
            self.error_help(
                format!("{context} is never added"),
                raw.span.start..raw.span.start,
                Some("give it a `when` condition or list it in a rule's `checklist`".to_owned()),
            );
        }
        let mut required_for = Vec::new();
        if let Some(value) = table.get("required_for") {
            for (outcome, span) in self.string_list(value, "`required_for`") {
                match outcome_ids.iter().position(|id| *id == outcome) {
                    Some(index) => required_for.push(index),
                    None => {
                        let help = did_you_mean(&outcome, outcome_ids.iter().map(String::as_str));
                        self.error_help(format!("unknown outcome `{outcome}`"), span, help);
                    }
                }
            }
        }
        Some(ChecklistItem {
            id: id?,
            text: text?,
            when: when.map_or(Some(None), |when| when.map(Some))?,
            done_when: done_when.map_or(Some(None), |done| done.map(Some))?,
            required_for,
            blocks_while_unknown,
        })
    }

    /// `[[deadlines]]`: id, label, when, from (a date or datetime fact), months, days.
    pub(super) fn deadlines(&mut self, root: &DeTable<'_>, scope: &Scope<'_>, facts: &[FactDef]) -> Vec<Deadline> {
        let raws = self.array_of_tables(root, "deadlines");
        let ids = self.unique_ids(&raws, "deadline");
        let mut deadlines = Vec::new();
        for (raw, id) in raws.iter().zip(ids) {
            let context = id.as_ref().map_or_else(|| "a deadline".to_owned(), |id| format!("deadline `{id}`"));
            self.check_keys(raw.table, &["id", "label", "when", "from", "months", "days"], &context);
            let label = self
                .required(raw.table, "label", &raw.span, &context)
                .and_then(|value| self.local_text(value, "deadline label"));
            let when = self
                .required(raw.table, "when", &raw.span, &context)
                .and_then(|value| self.condition(value, scope, "`when`", true));
            let from = self.required(raw.table, "from", &raw.span, &context).and_then(|value| {
                let name = self.string(value, "`from`")?;
                match facts.iter().position(|fact| fact.name == name) {
                    Some(slot) if matches!(facts[slot].fact_type, FactType::Date | FactType::DateTime) => {
                        Some(slot as u16)
                    }
                    Some(_) => {
                        self.error(
                            format!("`from` must name a date or datetime fact; `{name}` is not one"),
                            value.span(),
                        );
                        None
                    }
                    None => {
                        let help = did_you_mean(&name, facts.iter().map(|fact| fact.name.as_str()));
                        self.error_help(format!("unknown fact `{name}`"), value.span(), help);
                        None
                    }
                }
            });
            let mut amount = |key: &str| match raw.table.get(key) {
                None => Some(0),
                Some(value) => {
                    let number = self.integer(value, &format!("`{key}`"))?;
                    if (0..=1200).contains(&number) {
                        Some(number)
                    } else {
                        self.error(format!("`{key}` must be between 0 and 1200"), value.span());
                        None
                    }
                }
            };
            let (months, days) = (amount("months"), amount("days"));
            if let (Some(id), Some(label), Some(when), Some(from), Some(months), Some(days)) =
                (id, label, when, from, months, days)
            {
                deadlines.push(Deadline { id, label, when, from, months: months as u32, days });
            }
        }
        deadlines
    }
}
