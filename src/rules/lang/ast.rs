//! Syntax tree of the rule language, as parsed and before type checking.

use super::Span;
use crate::value::number::Decimal;

/// An expression with the byte span it was parsed from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Expr {
    pub(crate) kind: ExprKind,
    pub(crate) span: Span,
}

/// Binary operators, by precedence group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    StartsWith,
    EndsWith,
    Add,
    Sub,
    Mul,
    Div,
}

/// What an expression is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ExprKind {
    Number(Decimal),
    Str(String),
    Bool(bool),
    /// A dotted name: a fact (`order.total_eur`) or a keyword list (`keywords.legal_threat`).
    Path(String),
    /// `[a, b, c]`, only valid on the right of `in`.
    List(Vec<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `x in [..]` / `x not in [..]`.
    In {
        negated: bool,
        value: Box<Expr>,
        list: Box<Expr>,
    },
    /// `x is missing` (`missing = true`), `x is present`, `x is not missing`, ...
    Is {
        missing: bool,
        value: Box<Expr>,
    },
    Call {
        name: String,
        name_span: Span,
        args: Vec<Expr>,
    },
}
