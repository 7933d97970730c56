//! Type checker: resolves fact names against the pack's fact schema and turns a syntax tree into a
//! typed `Node`, collecting every error of the expression (not just the first).

use super::ast::{BinaryOp, Expr, ExprKind};
use super::{LangError, Span, did_you_mean};
use crate::rules::{FactDef, FactType, KeywordList, Param, Signal};
use crate::value::number::Decimal;
use crate::value::text::fold;
use crate::value::time::{parse_date, parse_datetime};
use serde::Serialize;

/// Static type of an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    /// true / false / unknown.
    Bool,
    /// Whole number.
    Int,
    /// Decimal number.
    Number,
    /// Amount in EUR.
    Money,
    /// Free text (compared case-insensitively).
    Text,
    /// One of a fixed set of values; the index is the fact slot (or `None` for `risk.band`).
    Enum(Option<u16>),
    /// Calendar date.
    Date,
    /// Point in time (UTC).
    DateTime,
    /// List of text.
    List,
    /// A keyword list reference (only valid inside `matches_any`).
    KeywordList,
    /// The expression already failed to check; used to avoid cascades of errors.
    Error,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Number => "number",
            Type::Money => "money",
            Type::Text => "text",
            Type::Enum(_) => "enum",
            Type::Date => "date",
            Type::DateTime => "datetime",
            Type::List => "list",
            Type::KeywordList => "keyword list",
            Type::Error => "error",
        }
    }

    fn is_numeric(self) -> bool {
        matches!(self, Type::Int | Type::Number | Type::Money)
    }

    fn is_temporal(self) -> bool {
        matches!(self, Type::Date | Type::DateTime)
    }

    fn is_textual(self) -> bool {
        matches!(self, Type::Text | Type::Enum(_))
    }
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// Arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (decimal division)
    Div,
}

/// Text operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TextOp {
    /// `contains` (substring, case-insensitive)
    Contains,
    /// `starts_with`
    StartsWith,
    /// `ends_with`
    EndsWith,
}

/// A type-checked expression, ready to evaluate. Text constants are stored folded.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Node {
    /// Constant boolean.
    Bool(bool),
    /// Constant number.
    Number(Decimal),
    /// Constant text (folded).
    Text(String),
    /// Constant date (days since 1970-01-01).
    Date(i64),
    /// Constant datetime (UTC seconds).
    DateTime(i64),
    /// The value of the fact in this slot of the pack's fact schema.
    Fact(u16),
    /// The score (only in checklist and decision conditions).
    RiskScore,
    /// The band (only in checklist and decision conditions).
    RiskBand,
    /// Kleene `not`.
    Not(Box<Node>),
    /// Kleene `and`.
    And(Box<Node>, Box<Node>),
    /// Kleene `or`.
    Or(Box<Node>, Box<Node>),
    /// Comparison.
    Compare(CompareOp, Box<Node>, Box<Node>),
    /// Arithmetic.
    Arith(ArithOp, Box<Node>, Box<Node>),
    /// Unary minus.
    Neg(Box<Node>),
    /// `x in [constants]`.
    InSet(Box<Node>, Vec<Node>),
    /// Text operator on two texts.
    TextOp(TextOp, Box<Node>, Box<Node>),
    /// `list contains text`: some element equals the text (case-insensitively).
    ListContains(Box<Node>, Box<Node>),
    /// `x is missing`.
    IsMissing(Box<Node>),
    /// `x is present`.
    IsPresent(Box<Node>),
    /// `len(list)` or `len(text)`.
    Len(Box<Node>),
    /// `days_between(a, b)`: `b - a` in days (fractional for datetimes).
    DaysBetween(Box<Node>, Box<Node>),
    /// `matches_any(text or list, keywords.NAME)`.
    MatchesAny(Box<Node>, u16),
    /// `matches_near(text or list, keywords.A, keywords.B)`: a term of A and one of B in the same
    /// sentence; with a fourth argument `N` (the last field, 0 without it), also at most N words
    /// apart, in either order.
    MatchesNear(Box<Node>, u16, u16, u8),
    /// `matches_before(text or list, keywords.A, keywords.B)`: a term of A and, later in the same
    /// sentence, a term of B; with a fourth argument `N`, B's term starts at most N words after A's
    /// ("not" before "asked for": a negation's scope).
    MatchesBefore(Box<Node>, u16, u16, u8),
    /// `reads_as(text or list, classifiers.NAME)`: the classifier (a keyword list with weights)
    /// reads the text as its class.
    ReadsAs(Box<Node>, u16),
}

/// The widest word window `matches_near` takes: wider is "in the same sentence" (no window).
pub const MAX_WORD_WINDOW: i64 = 20;

/// What names a condition may use.
pub(crate) struct Scope<'a> {
    pub(crate) facts: &'a [FactDef],
    pub(crate) keyword_lists: &'a [KeywordList],
    /// `risk.score` and `risk.band` are known (checklist and decision conditions).
    pub(crate) allow_risk: bool,
    /// Facts declared with errors: uses are not reported again.
    pub(crate) invalid_facts: &'a [String],
    /// The pack's named thresholds (`params.NAME`).
    pub(crate) params: &'a [Param],
    /// Named conditions defined so far (`signals.NAME`), inlined where they are used.
    pub(crate) signals: &'a [Signal],
}

const FUNCTIONS: [&str; 9] = [
    "len",
    "days_between",
    "age_days",
    "matches_any",
    "matches_near",
    "matches_before",
    "reads_as",
    "date",
    "datetime",
];

/// Parses and checks `source`; `Ok` carries the typed node and its type.
pub(crate) fn compile(source: &str, scope: &Scope<'_>) -> Result<(Node, Type), Vec<LangError>> {
    let expr = super::parser::parse(source).map_err(|error| vec![error])?;
    let mut checker = Checker { scope, errors: Vec::new() };
    let (node, node_type) = checker.check(&expr);
    if checker.errors.is_empty() { Ok((node, node_type)) } else { Err(checker.errors) }
}

/// Like `compile`, but the result must be a boolean condition.
pub(crate) fn compile_condition(source: &str, scope: &Scope<'_>) -> Result<Node, Vec<LangError>> {
    let (node, node_type) = compile(source, scope)?;
    if node_type == Type::Bool {
        Ok(node)
    } else {
        Err(vec![LangError::new(
            format!("a condition must be true or false, but this is a {}", node_type.name()),
            Span { start: 0, end: source.len() },
        )])
    }
}

struct Checker<'s, 'a> {
    scope: &'s Scope<'a>,
    errors: Vec<LangError>,
}

const ERROR: (Node, Type) = (Node::Bool(false), Type::Error);

impl Checker<'_, '_> {
    fn error(&mut self, message: String, span: Span) -> (Node, Type) {
        self.errors.push(LangError::new(message, span));
        ERROR
    }

    fn check(&mut self, expr: &Expr) -> (Node, Type) {
        match &expr.kind {
            ExprKind::Number(value) => {
                let number_type = if value.to_int().is_some() { Type::Int } else { Type::Number };
                (Node::Number(*value), number_type)
            }
            ExprKind::Str(value) => (Node::Text(fold(value)), Type::Text),
            ExprKind::Bool(value) => (Node::Bool(*value), Type::Bool),
            ExprKind::Path(path) => self.path(path, expr.span),
            ExprKind::List(_) => self.error("a list `[..]` can only follow `in`".to_owned(), expr.span),
            ExprKind::Not(operand) => {
                let (node, operand_type) = self.check(operand);
                self.expect_bool(operand_type, operand.span, "`not`");
                (Node::Not(Box::new(node)), Type::Bool)
            }
            ExprKind::Neg(operand) => {
                let (node, operand_type) = self.check(operand);
                if operand_type == Type::Error {
                    return ERROR;
                }
                if !operand_type.is_numeric() {
                    return self.error(format!("`-` needs a number, found {}", operand_type.name()), operand.span);
                }
                (Node::Neg(Box::new(node)), operand_type)
            }
            ExprKind::Binary(operator, left, right) => self.binary(*operator, left, right, expr.span),
            ExprKind::In { negated, value, list } => self.in_list(*negated, value, list),
            ExprKind::Is { missing, value } => {
                let (node, value_type) = self.check(value);
                if value_type == Type::KeywordList {
                    return self.error("a keyword list is never missing; test a fact".to_owned(), value.span);
                }
                let node = Box::new(node);
                (if *missing { Node::IsMissing(node) } else { Node::IsPresent(node) }, Type::Bool)
            }
            ExprKind::Call { name, name_span, args } => self.call(name, *name_span, args, expr.span),
        }
    }

    fn expect_bool(&mut self, found: Type, span: Span, context: &str) {
        if found != Type::Bool && found != Type::Error {
            self.errors.push(LangError::new(format!("{context} needs true/false, found {}", found.name()), span));
        }
    }

    fn path(&mut self, path: &str, span: Span) -> (Node, Type) {
        if let Some(name) = path.strip_prefix("params.") {
            if let Some(param) = self.scope.params.iter().find(|param| param.name == name) {
                let param_type = if param.value.to_int().is_some() { Type::Int } else { Type::Number };
                return (Node::Number(param.value), param_type);
            }
            let help = did_you_mean(name, self.scope.params.iter().map(|param| param.name.as_str()))
                .map(|hint| hint.replacen('`', "`params.", 1));
            self.errors.push(LangError::new(format!("unknown parameter `{path}`"), span).with_help(help));
            return ERROR;
        }
        if let Some(name) = path.strip_prefix("signals.") {
            if let Some(signal) = self.scope.signals.iter().find(|signal| signal.name == name) {
                return (signal.when.node.clone(), Type::Bool);
            }
            let help = did_you_mean(name, self.scope.signals.iter().map(|signal| signal.name.as_str()))
                .map(|hint| hint.replacen('`', "`signals.", 1))
                .or_else(|| Some("a signal must be defined in `[signals]` above the place that uses it".to_owned()));
            self.errors.push(LangError::new(format!("unknown signal `{path}`"), span).with_help(help));
            return ERROR;
        }
        if let Some(list) = path.strip_prefix("keywords.") {
            return match self.keyword_list(list, span) {
                Some(index) => (Node::Number(Decimal::from_int(i64::from(index))), Type::KeywordList),
                None => ERROR,
            };
        }
        if path == "risk.score" || path == "risk.band" {
            if !self.scope.allow_risk {
                return self.error(
                    format!("`{path}` is only known after scoring: use it in checklist and decision conditions, not in rules"),
                    span,
                );
            }
            return if path == "risk.score" {
                (Node::RiskScore, Type::Int)
            } else {
                (Node::RiskBand, Type::Enum(None))
            };
        }
        if let Some(slot) = self.scope.facts.iter().position(|fact| fact.name == path) {
            let fact_type = match &self.scope.facts[slot].fact_type {
                FactType::Bool => Type::Bool,
                FactType::Int => Type::Int,
                FactType::Number => Type::Number,
                FactType::Money => Type::Money,
                FactType::Text => Type::Text,
                FactType::Enum(_) => Type::Enum(Some(slot as u16)),
                FactType::Date => Type::Date,
                FactType::DateTime => Type::DateTime,
                FactType::List => Type::List,
            };
            return (Node::Fact(slot as u16), fact_type);
        }
        if self.scope.invalid_facts.iter().any(|name| name == path) {
            return ERROR;
        }
        let mut names: Vec<&str> = self.scope.facts.iter().map(|fact| fact.name.as_str()).collect();
        if self.scope.allow_risk {
            names.extend(["risk.score", "risk.band"]);
        }
        let help = did_you_mean(path, names);
        self.errors.push(LangError::new(format!("unknown fact `{path}`"), span).with_help(help));
        ERROR
    }

    fn keyword_list(&mut self, name: &str, span: Span) -> Option<u16> {
        if let Some(index) =
            self.scope.keyword_lists.iter().position(|list| list.name == name && list.classifier.is_none())
        {
            return Some(index as u16);
        }
        let help = did_you_mean(
            name,
            self.scope.keyword_lists.iter().filter(|list| list.classifier.is_none()).map(|list| list.name.as_str()),
        )
        .map(|hint| hint.replacen('`', "`keywords.", 1));
        self.errors.push(LangError::new(format!("unknown keyword list `keywords.{name}`"), span).with_help(help));
        None
    }

    fn enum_values(&self, enum_type: Type) -> Option<Vec<String>> {
        match enum_type {
            Type::Enum(Some(slot)) => match &self.scope.facts[usize::from(slot)].fact_type {
                FactType::Enum(values) => Some(values.clone()),
                _ => None,
            },
            Type::Enum(None) => Some(crate::rules::RiskBand::ALL.map(|band| band.name().to_owned()).to_vec()),
            _ => None,
        }
    }

    /// Checks that a string literal compared with an enum is one of its values.
    fn check_enum_literal(&mut self, enum_type: Type, literal: &Expr) {
        let (Some(values), ExprKind::Str(text)) = (self.enum_values(enum_type), &literal.kind) else {
            return;
        };
        if !values.iter().any(|value| fold(value) == fold(text)) {
            let help = did_you_mean(text, values.iter().map(String::as_str))
                .or_else(|| Some(format!("allowed values: {}", values.join(", "))));
            self.errors
                .push(LangError::new(format!("\"{text}\" is not a value of this enum"), literal.span).with_help(help));
        }
    }

    fn binary(&mut self, operator: BinaryOp, left: &Expr, right: &Expr, span: Span) -> (Node, Type) {
        let (left_node, left_type) = self.check(left);
        let (right_node, right_type) = self.check(right);
        let pair = (Box::new(left_node), Box::new(right_node));
        match operator {
            BinaryOp::And | BinaryOp::Or => {
                let word = if operator == BinaryOp::And { "`and`" } else { "`or`" };
                self.expect_bool(left_type, left.span, word);
                self.expect_bool(right_type, right.span, word);
                let node = if operator == BinaryOp::And { Node::And(pair.0, pair.1) } else { Node::Or(pair.0, pair.1) };
                (node, Type::Bool)
            }
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                self.comparison(operator, (left, left_type), (right, right_type), pair, span)
            }
            BinaryOp::Contains | BinaryOp::StartsWith | BinaryOp::EndsWith => {
                self.text_operation(operator, (left_type, right_type), pair, span)
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                self.arithmetic(operator, (left_type, right_type), pair, span)
            }
        }
    }

    /// `=`, `!=`, `<`, `<=`, `>`, `>=`: numbers with numbers, dates and datetimes with each other;
    /// equality also for texts and booleans; an enum's literal must be one of its values.
    fn comparison(
        &mut self,
        operator: BinaryOp,
        (left, left_type): (&Expr, Type),
        (right, right_type): (&Expr, Type),
        pair: (Box<Node>, Box<Node>),
        span: Span,
    ) -> (Node, Type) {
        if left_type == Type::Error || right_type == Type::Error {
            return ERROR;
        }
        let ordering = !matches!(operator, BinaryOp::Eq | BinaryOp::Ne);
        let compatible = (left_type.is_numeric() && right_type.is_numeric())
            || (left_type.is_temporal() && right_type.is_temporal())
            || (!ordering
                && ((left_type.is_textual() && right_type.is_textual())
                    || (left_type == Type::Bool && right_type == Type::Bool)));
        if !compatible {
            let what = if ordering && left_type == right_type {
                format!("cannot order {} values with `<`/`>`; use `=` or `!=`", left_type.name())
            } else {
                format!("cannot compare {} with {}", left_type.name(), right_type.name())
            };
            return self.error(what, span);
        }
        self.check_enum_literal(left_type, right);
        self.check_enum_literal(right_type, left);
        let compare = match operator {
            BinaryOp::Eq => CompareOp::Eq,
            BinaryOp::Ne => CompareOp::Ne,
            BinaryOp::Lt => CompareOp::Lt,
            BinaryOp::Le => CompareOp::Le,
            BinaryOp::Gt => CompareOp::Gt,
            _ => CompareOp::Ge,
        };
        (Node::Compare(compare, pair.0, pair.1), Type::Bool)
    }

    /// `contains`, `starts_with`, `ends_with`: text on both sides, or `list contains text`.
    fn text_operation(
        &mut self,
        operator: BinaryOp,
        (left_type, right_type): (Type, Type),
        pair: (Box<Node>, Box<Node>),
        span: Span,
    ) -> (Node, Type) {
        if left_type == Type::Error || right_type == Type::Error {
            return ERROR;
        }
        if operator == BinaryOp::Contains && left_type == Type::List && right_type.is_textual() {
            return (Node::ListContains(pair.0, pair.1), Type::Bool);
        }
        if !(left_type.is_textual() && right_type.is_textual()) {
            let word = match operator {
                BinaryOp::Contains => "contains",
                BinaryOp::StartsWith => "starts_with",
                _ => "ends_with",
            };
            return self.error(
                format!("`{word}` needs text on both sides, found {} and {}", left_type.name(), right_type.name()),
                span,
            );
        }
        let text_op = match operator {
            BinaryOp::Contains => TextOp::Contains,
            BinaryOp::StartsWith => TextOp::StartsWith,
            _ => TextOp::EndsWith,
        };
        (Node::TextOp(text_op, pair.0, pair.1), Type::Bool)
    }

    /// `+`, `-`, `*`, `/` on numbers: money when a side is money (but money / money is a number),
    /// else a number when a side is a number or for `/`, else an int.
    fn arithmetic(
        &mut self,
        operator: BinaryOp,
        (left_type, right_type): (Type, Type),
        pair: (Box<Node>, Box<Node>),
        span: Span,
    ) -> (Node, Type) {
        if left_type == Type::Error || right_type == Type::Error {
            return ERROR;
        }
        if !(left_type.is_numeric() && right_type.is_numeric()) {
            return self.error(
                format!("arithmetic needs numbers, found {} and {}", left_type.name(), right_type.name()),
                span,
            );
        }
        let money = left_type == Type::Money || right_type == Type::Money;
        let (arith, result_type) = match operator {
            BinaryOp::Div if left_type == Type::Money && right_type == Type::Money => (ArithOp::Div, Type::Number),
            BinaryOp::Div => (ArithOp::Div, if money { Type::Money } else { Type::Number }),
            _ => {
                let result = if money {
                    Type::Money
                } else if left_type == Type::Number || right_type == Type::Number {
                    Type::Number
                } else {
                    Type::Int
                };
                let arith = match operator {
                    BinaryOp::Add => ArithOp::Add,
                    BinaryOp::Sub => ArithOp::Sub,
                    _ => ArithOp::Mul,
                };
                (arith, result)
            }
        };
        (Node::Arith(arith, pair.0, pair.1), result_type)
    }

    fn in_list(&mut self, negated: bool, value: &Expr, list: &Expr) -> (Node, Type) {
        let (value_node, value_type) = self.check(value);
        let ExprKind::List(items) = &list.kind else {
            return self.error("`in` needs a list of values such as `[\"a\", \"b\"]`".to_owned(), list.span);
        };
        let mut constants = Vec::with_capacity(items.len());
        for item in items {
            let (node, item_type) = self.check(item);
            if item_type == Type::Error || value_type == Type::Error {
                continue;
            }
            let is_constant =
                matches!(node, Node::Bool(_) | Node::Number(_) | Node::Text(_) | Node::Date(_) | Node::DateTime(_));
            if !is_constant {
                self.errors.push(LangError::new("list items must be constant values".to_owned(), item.span));
                continue;
            }
            let compatible = (value_type.is_numeric() && item_type.is_numeric())
                || (value_type.is_temporal() && item_type.is_temporal())
                || (value_type.is_textual() && item_type == Type::Text)
                || (value_type == Type::Bool && item_type == Type::Bool);
            if !compatible {
                self.errors.push(LangError::new(
                    format!("list item is {}, but the value is {}", item_type.name(), value_type.name()),
                    item.span,
                ));
                continue;
            }
            self.check_enum_literal(value_type, item);
            constants.push(node);
        }
        if value_type == Type::List || value_type == Type::KeywordList {
            return self.error(
                format!("`in` tests one value; for a {} use `contains` or `matches_any`", value_type.name()),
                value.span,
            );
        }
        if value_type == Type::Error {
            return ERROR;
        }
        let node = Node::InSet(Box::new(value_node), constants);
        (if negated { Node::Not(Box::new(node)) } else { node }, Type::Bool)
    }

    /// `matches_any(text, keywords.A)`, `matches_near(text, keywords.A, keywords.B[, words])` or
    /// `matches_before` (the same arguments).
    fn keyword_call(&mut self, name: &str, args: &[Expr]) -> (Node, Type) {
        let (text_node, text_type) = self.check(&args[0]);
        let lists: Vec<Option<u16>> =
            args[1..args.len().min(3)].iter().map(|arg| self.keyword_list_argument(name, arg)).collect();
        let window = match args.get(3) {
            None => 0,
            Some(arg) => match &arg.kind {
                ExprKind::Number(number) => match number.to_int() {
                    Some(words @ 1..=MAX_WORD_WINDOW) => words as u8,
                    _ => return self.window_error(name, arg.span),
                },
                _ => return self.window_error(name, arg.span),
            },
        };
        if text_type == Type::Error {
            return ERROR;
        }
        if !(text_type.is_textual() || text_type == Type::List) {
            return self.error(format!("`{name}` needs text or a list, found {}", text_type.name()), args[0].span);
        }
        match lists[..] {
            [Some(list)] => (Node::MatchesAny(Box::new(text_node), list), Type::Bool),
            [Some(first), Some(second)] if name == "matches_before" => {
                (Node::MatchesBefore(Box::new(text_node), first, second, window), Type::Bool)
            }
            [Some(first), Some(second)] => (Node::MatchesNear(Box::new(text_node), first, second, window), Type::Bool),
            _ => ERROR,
        }
    }

    /// The error for a fourth argument of `matches_near` / `matches_before` that is not a word count.
    fn window_error(&mut self, name: &str, span: Span) -> (Node, Type) {
        self.error(
            format!(
                "the fourth argument of `{name}` is how many words apart the two terms may be: \
                 a whole number from 1 to {MAX_WORD_WINDOW}"
            ),
            span,
        )
    }

    /// A `keywords.NAME` argument of `matches_any` / `matches_near`: the list's index.
    fn keyword_list_argument(&mut self, function: &str, arg: &Expr) -> Option<u16> {
        let path = match &arg.kind {
            ExprKind::Path(path) => path.strip_prefix("keywords.").ok_or(path.as_str()),
            _ => Err(""),
        };
        match path {
            Ok(list_name) => self.keyword_list(list_name, arg.span),
            Err(found) => {
                let found = if found.is_empty() { String::new() } else { format!(", found `{found}`") };
                self.errors.push(LangError::new(
                    format!("the keyword arguments of `{function}` must be `keywords.NAME`{found}"),
                    arg.span,
                ));
                None
            }
        }
    }

    /// The `classifiers.NAME` argument of `reads_as`: the index of its keyword list.
    fn classifier_argument(&mut self, arg: &Expr) -> Option<u16> {
        let classifiers = || {
            self.scope
                .keyword_lists
                .iter()
                .enumerate()
                .filter(|(_, list)| list.classifier.is_some())
                .map(|(index, list)| (index, list.name.as_str()))
        };
        let path = match &arg.kind {
            ExprKind::Path(path) if path.starts_with("classifiers.") => path.as_str(),
            _ => {
                self.errors.push(LangError::new(
                    "the second argument of `reads_as` must be `classifiers.NAME`".to_owned(),
                    arg.span,
                ));
                return None;
            }
        };
        if let Some((index, _)) = classifiers().find(|(_, name)| *name == path) {
            return Some(index as u16);
        }
        let help = did_you_mean(path, classifiers().map(|(_, name)| name));
        self.errors.push(LangError::new(format!("unknown classifier `{path}`"), arg.span).with_help(help));
        None
    }

    fn call(&mut self, name: &str, name_span: Span, args: &[Expr], span: Span) -> (Node, Type) {
        let arity = match name {
            "len" | "age_days" | "date" | "datetime" => 1,
            "days_between" | "matches_any" | "reads_as" => 2,
            "matches_near" | "matches_before" if args.len() == 4 => 4,
            "matches_near" | "matches_before" => 3,
            _ => {
                let help = did_you_mean(name, FUNCTIONS);
                self.errors.push(LangError::new(format!("unknown function `{name}`"), name_span).with_help(help));
                return ERROR;
            }
        };
        if args.len() != arity {
            return self.error(
                format!(
                    "`{name}` takes {arity} argument{}{}, found {}",
                    if arity == 1 { "" } else { "s" },
                    if matches!(name, "matches_near" | "matches_before") { " (4 with a word window)" } else { "" },
                    args.len()
                ),
                span,
            );
        }
        if name == "date" || name == "datetime" {
            let ExprKind::Str(text) = &args[0].kind else {
                return self.error(format!("`{name}` needs a string literal such as \"2026-01-31\""), args[0].span);
            };
            return match (name, parse_date(text), parse_datetime(text)) {
                ("date", Some(days), _) => (Node::Date(days), Type::Date),
                ("datetime", _, Some(seconds)) => (Node::DateTime(seconds), Type::DateTime),
                ("date", None, _) => self.error(format!("\"{text}\" is not a date (YYYY-MM-DD)"), args[0].span),
                _ => self.error(format!("\"{text}\" is not an RFC 3339 datetime (2026-01-31T12:00:00Z)"), args[0].span),
            };
        }
        if name == "reads_as" {
            let (text_node, text_type) = self.check(&args[0]);
            let classifier = self.classifier_argument(&args[1]);
            if text_type == Type::Error {
                return ERROR;
            }
            if !(text_type.is_textual() || text_type == Type::List) {
                return self.error(format!("`{name}` needs text or a list, found {}", text_type.name()), args[0].span);
            }
            return match classifier {
                Some(list) => (Node::ReadsAs(Box::new(text_node), list), Type::Bool),
                None => ERROR,
            };
        }
        if matches!(name, "matches_any" | "matches_near" | "matches_before") {
            return self.keyword_call(name, args);
        }
        let mut checked = Vec::with_capacity(args.len());
        for arg in args {
            checked.push(self.check(arg));
        }
        if checked.iter().any(|(_, arg_type)| *arg_type == Type::Error) {
            return ERROR;
        }
        match name {
            "len" => {
                let (node, arg_type) = checked.remove(0);
                if !matches!(arg_type, Type::List | Type::Text) {
                    return self.error(format!("`len` needs a list or text, found {}", arg_type.name()), args[0].span);
                }
                (Node::Len(Box::new(node)), Type::Int)
            }
            "age_days" => {
                let (node, arg_type) = checked.remove(0);
                if !arg_type.is_temporal() {
                    return self.error(
                        format!("`age_days` needs a date or datetime, found {}", arg_type.name()),
                        args[0].span,
                    );
                }
                let Some(now) = self.scope.facts.iter().position(|fact| fact.name == "now") else {
                    return self.error("`age_days` needs a `now` fact in the fact schema".to_owned(), span);
                };
                (Node::DaysBetween(Box::new(node), Box::new(Node::Fact(now as u16))), Type::Number)
            }
            _ => {
                let (to_node, to_type) = checked.remove(1);
                let (from_node, from_type) = checked.remove(0);
                for (arg_type, arg) in [(from_type, &args[0]), (to_type, &args[1])] {
                    if !arg_type.is_temporal() {
                        return self.error(
                            format!("`days_between` needs dates or datetimes, found {}", arg_type.name()),
                            arg.span,
                        );
                    }
                }
                (Node::DaysBetween(Box::new(from_node), Box::new(to_node)), Type::Number)
            }
        }
    }
}
