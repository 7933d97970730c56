//! Recursive-descent parser of the rule language, with precedence climbing.
//!
//! Precedence, loosest first: `or`; `and`; `not`; comparisons (`= != < <= > >= in contains
//! starts_with ends_with is`, not chainable); `+ -`; `* /`; unary `-`; atoms (literals, fact
//! paths, calls, parentheses, lists). The parser stops at the first syntax error of an
//! expression; the pack compiler still reports every other expression's errors.

use super::ast::{BinaryOp, Expr, ExprKind};
use super::lexer::{Token, lex};
use super::{LangError, Span};
use crate::value::number::Decimal;

/// Parses one condition or expression.
pub(crate) fn parse(source: &str) -> Result<Expr, LangError> {
    let tokens = lex(source);
    if tokens.len() > MAX_TOKENS {
        return Err(LangError::new(
            format!(
                "condition has {} tokens, more than the limit of {MAX_TOKENS}; split it into several rules",
                tokens.len()
            ),
            tokens[MAX_TOKENS].1,
        ));
    }
    let mut parser = Parser { tokens, position: 0, depth: 0 };
    let expr = parser.expression()?;
    let (token, span) = parser.peek();
    if *token != Token::Eof {
        let message = match token {
            Token::Error(message) => message.clone(),
            Token::RParen => "unmatched `)`".to_owned(),
            Token::Ident(_) | Token::Number(_) | Token::Str(_) | Token::True | Token::False => {
                format!("expected an operator such as `and`, `or` or `=`, found {}", token.describe())
            }
            other => format!("unexpected {}", other.describe()),
        };
        return Err(LangError::new(message, span));
    }
    Ok(expr)
}

/// Longer expressions are rejected: together with `MAX_DEPTH` this bounds the depth of every tree
/// that later passes walk recursively, so hostile input cannot overflow the (small) wasm stack.
const MAX_TOKENS: usize = 1000;

/// Nesting deeper than this is rejected, so hostile input cannot overflow the stack.
const MAX_DEPTH: usize = 64;

struct Parser {
    tokens: Vec<(Token, Span)>,
    position: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> (&Token, Span) {
        let (token, span) = &self.tokens[self.position.min(self.tokens.len() - 1)];
        (token, *span)
    }

    fn advance(&mut self) -> (Token, Span) {
        let item = self.tokens[self.position.min(self.tokens.len() - 1)].clone();
        if self.position < self.tokens.len() - 1 {
            self.position += 1;
        }
        item
    }

    fn eat(&mut self, expected: &Token) -> bool {
        if self.peek().0 == expected {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, expected: &Token, context: &str) -> Result<Span, LangError> {
        let (token, span) = self.peek();
        if token == expected {
            self.advance();
            Ok(span)
        } else {
            Err(unexpected(token, span, &format!("{} {context}", expected.describe())))
        }
    }

    fn nested<T>(&mut self, span: Span, inner: impl FnOnce(&mut Self) -> Result<T, LangError>) -> Result<T, LangError> {
        if self.depth >= MAX_DEPTH {
            return Err(LangError::new(format!("expression nested more than {MAX_DEPTH} levels deep"), span));
        }
        self.depth += 1;
        let result = inner(self);
        self.depth -= 1;
        result
    }

    fn expression(&mut self) -> Result<Expr, LangError> {
        self.or()
    }

    fn or(&mut self) -> Result<Expr, LangError> {
        let mut operands = vec![self.and()?];
        while self.eat(&Token::Or) {
            operands.push(self.and()?);
        }
        Ok(balanced(BinaryOp::Or, operands))
    }

    fn and(&mut self) -> Result<Expr, LangError> {
        let mut operands = vec![self.not()?];
        while self.eat(&Token::And) {
            operands.push(self.not()?);
        }
        Ok(balanced(BinaryOp::And, operands))
    }

    fn not(&mut self) -> Result<Expr, LangError> {
        let (token, span) = self.peek();
        if *token == Token::Not {
            self.advance();
            let operand = self.nested(span, Self::not)?;
            let span = span.to(operand.span);
            return Ok(Expr { kind: ExprKind::Not(Box::new(operand)), span });
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, LangError> {
        let left = self.additive()?;
        let (token, operator_span) = self.peek();
        let operator = match token {
            Token::Eq => Some(BinaryOp::Eq),
            Token::Ne => Some(BinaryOp::Ne),
            Token::Lt => Some(BinaryOp::Lt),
            Token::Le => Some(BinaryOp::Le),
            Token::Gt => Some(BinaryOp::Gt),
            Token::Ge => Some(BinaryOp::Ge),
            Token::Contains => Some(BinaryOp::Contains),
            Token::StartsWith => Some(BinaryOp::StartsWith),
            Token::EndsWith => Some(BinaryOp::EndsWith),
            _ => None,
        };
        let result = if let Some(operator) = operator {
            self.advance();
            let right = self.additive()?;
            binary(operator, left, right)
        } else if matches!(token, Token::In) || (matches!(token, Token::Not) && self.peek_second() == &Token::In) {
            let negated = self.eat(&Token::Not);
            self.advance();
            let list = self.additive()?;
            let span = left.span.to(list.span);
            Expr { kind: ExprKind::In { negated, value: Box::new(left), list: Box::new(list) }, span }
        } else if matches!(token, Token::Is) {
            self.advance();
            let negated = self.eat(&Token::Not);
            let (word, word_span) = self.advance();
            let missing = match word {
                Token::Missing => true,
                Token::Present => false,
                other => {
                    return Err(unexpected(&other, word_span, "`missing` or `present` after `is`"));
                }
            };
            let span = left.span.to(word_span);
            Expr { kind: ExprKind::Is { missing: missing != negated, value: Box::new(left) }, span }
        } else {
            return Ok(left);
        };
        let (next, next_span) = self.peek();
        if is_comparison(next) || (*next == Token::Not && self.peek_second() == &Token::In) {
            return Err(LangError::new(
                "comparisons cannot be chained; combine them with `and`".to_owned(),
                operator_span.to(next_span),
            ));
        }
        Ok(result)
    }

    fn peek_second(&self) -> &Token {
        &self.tokens[(self.position + 1).min(self.tokens.len() - 1)].0
    }

    fn additive(&mut self) -> Result<Expr, LangError> {
        let mut left = self.multiplicative()?;
        loop {
            let operator = match self.peek().0 {
                Token::Plus => BinaryOp::Add,
                Token::Minus => BinaryOp::Sub,
                _ => return Ok(left),
            };
            self.advance();
            let right = self.multiplicative()?;
            left = binary(operator, left, right);
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, LangError> {
        let mut left = self.unary()?;
        loop {
            let operator = match self.peek().0 {
                Token::Star => BinaryOp::Mul,
                Token::Slash => BinaryOp::Div,
                _ => return Ok(left),
            };
            self.advance();
            let right = self.unary()?;
            left = binary(operator, left, right);
        }
    }

    fn unary(&mut self) -> Result<Expr, LangError> {
        let (token, span) = self.peek();
        if *token == Token::Minus {
            self.advance();
            let operand = self.nested(span, Self::unary)?;
            let span = span.to(operand.span);
            if let ExprKind::Number(value) = operand.kind
                && let Some(negated) = value.checked_neg()
            {
                return Ok(Expr { kind: ExprKind::Number(negated), span });
            }
            return Ok(Expr { kind: ExprKind::Neg(Box::new(operand)), span });
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, LangError> {
        let (token, span) = self.advance();
        let kind = match token {
            Token::Number(text) => match Decimal::parse(&text) {
                Some(value) => ExprKind::Number(value),
                None => {
                    return Err(LangError::new(format!("number `{text}` is out of range"), span));
                }
            },
            Token::Str(value) => ExprKind::Str(value),
            Token::True => ExprKind::Bool(true),
            Token::False => ExprKind::Bool(false),
            Token::LParen => {
                let inner = self.nested(span, Self::expression)?;
                let close = self.expect(&Token::RParen, "to close `(`")?;
                return Ok(Expr { kind: inner.kind, span: span.to(close) });
            }
            Token::LBracket => {
                let mut items = Vec::new();
                if !self.eat(&Token::RBracket) {
                    loop {
                        items.push(self.nested(span, Self::expression)?);
                        if self.eat(&Token::Comma) {
                            if self.peek().0 == &Token::RBracket {
                                self.advance();
                                break;
                            }
                            continue;
                        }
                        self.expect(&Token::RBracket, "or `,` in the list")?;
                        break;
                    }
                }
                let end = self.tokens[self.position.saturating_sub(1)].1;
                return Ok(Expr { kind: ExprKind::List(items), span: span.to(end) });
            }
            Token::Ident(first) => {
                if self.peek().0 == &Token::LParen {
                    self.advance();
                    let mut args = Vec::new();
                    if !self.eat(&Token::RParen) {
                        loop {
                            args.push(self.nested(span, Self::expression)?);
                            if self.eat(&Token::Comma) {
                                continue;
                            }
                            self.expect(&Token::RParen, "or `,` after a function argument")?;
                            break;
                        }
                    }
                    let end = self.tokens[self.position.saturating_sub(1)].1;
                    return Ok(Expr {
                        kind: ExprKind::Call { name: first, name_span: span, args },
                        span: span.to(end),
                    });
                }
                let mut path = first;
                let mut end = span;
                while self.peek().0 == &Token::Dot {
                    self.advance();
                    let (segment, segment_span) = self.advance();
                    match segment {
                        Token::Ident(name) => path = format!("{path}.{name}"),
                        // Keywords are fine as path segments: `order.missing`, `case.in`.
                        keyword @ (Token::And
                        | Token::Or
                        | Token::Not
                        | Token::In
                        | Token::Is
                        | Token::Contains
                        | Token::StartsWith
                        | Token::EndsWith
                        | Token::Missing
                        | Token::Present
                        | Token::True
                        | Token::False) => {
                            path = format!("{path}.{}", keyword.describe().trim_matches('`'));
                        }
                        other => return Err(unexpected(&other, segment_span, "a name after `.`")),
                    }
                    end = segment_span;
                }
                return Ok(Expr { kind: ExprKind::Path(path), span: span.to(end) });
            }
            other => return Err(unexpected(&other, span, "a value, a fact name or `(`")),
        };
        Ok(Expr { kind, span })
    }
}

fn is_comparison(token: &Token) -> bool {
    matches!(
        token,
        Token::Eq
            | Token::Ne
            | Token::Lt
            | Token::Le
            | Token::Gt
            | Token::Ge
            | Token::In
            | Token::Is
            | Token::Contains
            | Token::StartsWith
            | Token::EndsWith
    )
}

/// A chain `a or b or c …` as a balanced tree of the same operands in the same order. Kleene `and`
/// and `or` are associative and evaluation stays left to right, so the value and the evidence are
/// those of the left-nested chain; but a 60-term `or` is 6 levels deep instead of 60, so the
/// compiled pack stays within the browser's JSON nesting limit and the evaluator's stack.
fn balanced(operator: BinaryOp, mut operands: Vec<Expr>) -> Expr {
    if operands.len() == 1 {
        return operands.remove(0);
    }
    let right = operands.split_off(operands.len() / 2);
    binary(operator, balanced(operator, operands), balanced(operator, right))
}

fn binary(operator: BinaryOp, left: Expr, right: Expr) -> Expr {
    let span = left.span.to(right.span);
    Expr { kind: ExprKind::Binary(operator, Box::new(left), Box::new(right)), span }
}

fn unexpected(token: &Token, span: Span, expected: &str) -> LangError {
    match token {
        Token::Error(message) => LangError::new(message.clone(), span),
        _ => LangError::new(format!("expected {expected}, found {}", token.describe()), span),
    }
}
