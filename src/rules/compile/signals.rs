//! `[signals]`: named conditions that rules and other signals use as `signals.NAME`, compiled
//! in dependency order (a cycle is an error).

use super::Walker;
use crate::rules::Signal;
use crate::rules::lang::check::Scope;
use toml::de::{DeTable, DeValue};

impl Walker<'_> {
    /// `[signals.NAME]` with `label` and `when`. A signal may use other signals (not in a cycle):
    /// they are compiled in dependency order, each inlined where it is used.
    pub(super) fn signals(&mut self, root: &DeTable<'_>, signals: &mut Vec<Signal>, base: &Scope<'_>) {
        let Some(section) = root.get("signals") else {
            return;
        };
        let Some(table) = self.table(section, "[signals]") else {
            return;
        };
        let mut declared = Vec::new();
        for (name, value) in table {
            let signal_name: &str = name.get_ref();
            if signal_name.is_empty()
                || !signal_name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                self.error(
                    format!("invalid signal name `{signal_name}`: use lowercase letters, digits and `_`"),
                    name.span(),
                );
                continue;
            }
            let context = format!("signal `{signal_name}`");
            let Some(fields) = self.table(value, &context) else {
                continue;
            };
            self.check_keys(fields, &["label", "when"], &context);
            let label =
                fields.get("label").and_then(|label| self.local_text(label, &format!("the label of {context}")));
            let Some(when) = self.required(fields, "when", &value.span(), &context) else {
                continue;
            };
            let source = if let DeValue::String(text) = when.get_ref() { text.to_string() } else { String::new() };
            declared.push((signal_name.to_owned(), label, when, source, name.span()));
        }
        // Dependency order: a signal is compiled once every signal it names is.
        let mut pending: Vec<usize> = (0..declared.len()).collect();
        while !pending.is_empty() {
            let ready: Vec<usize> = pending
                .iter()
                .copied()
                .filter(|&index| {
                    signal_references(&declared[index].3)
                        .iter()
                        .all(|name| !pending.iter().any(|&other| declared[other].0 == *name))
                })
                .collect();
            if ready.is_empty() {
                let names: Vec<String> = pending.iter().map(|&index| format!("`{}`", declared[index].0)).collect();
                for &index in &pending {
                    self.error(
                        format!(
                            "signal `{}` is part of a cycle of signals using each other ({})",
                            declared[index].0,
                            names.join(", ")
                        ),
                        declared[index].4.clone(),
                    );
                }
                return;
            }
            for index in ready {
                let (name, label, when, _, _) = &declared[index];
                let scope = Scope { signals: signals.as_slice(), ..*base };
                if let Some(when) = self.condition(when, &scope, &format!("the condition of signal `{name}`"), false) {
                    signals.push(Signal { name: name.clone(), label: label.clone(), when });
                }
                pending.retain(|&other| other != index);
            }
        }
    }
}

/// The names after `signals.` in a condition's source (dependencies, for ordering only: the
/// type checker reports unknown ones).
fn signal_references(source: &str) -> Vec<&str> {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    source
        .match_indices("signals.")
        .filter(|(start, _)| !source[..*start].ends_with(is_name_char))
        .map(|(start, prefix)| {
            let rest = &source[start + prefix.len()..];
            &rest[..rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len())]
        })
        .collect()
}
