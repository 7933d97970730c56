//! `[decisions]`: the decision policy (reason codes, and outcomes with their reason codes and
//! when they need a second approval).

use super::Walker;
use crate::rules::lang::check::Scope;
use crate::rules::lang::did_you_mean;
use crate::rules::{CheckerRole, DecisionPolicy, Outcome, ReasonCode};
use toml::de::DeTable;

impl Walker<'_> {
    pub(super) fn decisions(&mut self, root: &DeTable<'_>, scope: &Scope<'_>) -> (DecisionPolicy, Vec<String>) {
        let mut policy = DecisionPolicy::default();
        let mut outcome_ids = Vec::new();
        let Some(section) = self.required(root, "decisions", &(0..0), "the rule pack") else {
            return (policy, outcome_ids);
        };
        let span = section.span();
        let Some(table) = self.table(section, "[decisions]") else {
            return (policy, outcome_ids);
        };
        self.check_keys(table, &["reason_codes", "outcomes"], "[decisions]");
        if let Some(codes) = self.required(table, "reason_codes", &span, "[decisions]")
            && let Some(codes_table) = self.table(codes, "[decisions.reason_codes]")
        {
            for (code, label) in codes_table {
                let name: &str = code.get_ref();
                if !name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') {
                    self.error(format!("reason code `{name}` must be UPPER_SNAKE_CASE"), code.span());
                    continue;
                }
                if let Some(label) = self.local_text(label, &format!("label of reason code `{name}`")) {
                    policy.reason_codes.push(ReasonCode { code: name.to_owned(), label });
                }
            }
        }
        let raw_outcomes = self.array_of_tables(table, "outcomes");
        if raw_outcomes.is_empty() {
            self.error("[decisions] needs at least one `[[decisions.outcomes]]`", span);
        }
        let ids = self.unique_ids(&raw_outcomes, "outcome");
        for (raw, id) in raw_outcomes.iter().zip(ids) {
            let context = id.as_ref().map_or_else(|| "an outcome".to_owned(), |id| format!("outcome `{id}`"));
            self.check_keys(
                raw.table,
                &["id", "label", "reason_codes", "requires_second_approval", "confirmed_by", "reply_text"],
                &context,
            );
            let label = self
                .required(raw.table, "label", &raw.span, &context)
                .and_then(|value| self.local_text(value, "outcome label"));
            let mut reason_codes = Vec::new();
            if let Some(value) = self.required(raw.table, "reason_codes", &raw.span, &context) {
                let codes = self.string_list(value, "`reason_codes`");
                if codes.is_empty() {
                    self.error(format!("{context} needs at least one reason code"), value.span());
                }
                for (code, code_span) in codes {
                    match policy.reason_codes.iter().position(|known| known.code == code) {
                        Some(index) => reason_codes.push(index),
                        None => {
                            let help = did_you_mean(&code, policy.reason_codes.iter().map(|known| known.code.as_str()));
                            self.error_help(format!("unknown reason code `{code}`"), code_span, help);
                        }
                    }
                }
            }
            let second = self
                .required(raw.table, "requires_second_approval", &raw.span, &context)
                .and_then(|value| self.condition(value, scope, "`requires_second_approval`", true));
            let confirmed_by = self.checker_role(raw.table, &context);
            let reply_text = raw.table.get("reply_text").map_or(Some(false), |value| match value.get_ref() {
                toml::de::DeValue::Boolean(flag) => Some(*flag),
                _ => {
                    self.error(format!("`reply_text` of {context} must be true or false"), value.span());
                    None
                }
            });
            if let Some(id) = &id {
                outcome_ids.push(id.clone());
            }
            if let (Some(id), Some(label), Some(requires_second_approval), Some(confirmed_by), Some(reply_text)) =
                (id, label, second, confirmed_by, reply_text)
            {
                policy.outcomes.push(Outcome {
                    id,
                    label,
                    reason_codes,
                    requires_second_approval,
                    confirmed_by,
                    reply_text,
                });
            }
        }
        (policy, outcome_ids)
    }

    /// `confirmed_by = "expert" | "communications"` (default: expert).
    fn checker_role(&mut self, table: &DeTable<'_>, context: &str) -> Option<CheckerRole> {
        let Some(value) = table.get("confirmed_by") else { return Some(CheckerRole::Expert) };
        let roles = [CheckerRole::Expert, CheckerRole::Communications];
        match value.get_ref() {
            toml::de::DeValue::String(name) => {
                let role = roles.into_iter().find(|role| role.name() == name.as_ref());
                if role.is_none() {
                    let help = did_you_mean(name, roles.iter().map(|role| role.name()));
                    self.error_help(format!("unknown checker role `{name}` in {context}"), value.span(), help);
                }
                role
            }
            _ => {
                self.error(
                    format!("`confirmed_by` of {context} must be \"expert\" or \"communications\""),
                    value.span(),
                );
                None
            }
        }
    }
}
