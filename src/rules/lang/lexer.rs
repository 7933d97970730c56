//! Lexer of the rule language: turns a condition string into tokens with byte spans.
//!
//! Never fails as a whole: a bad character becomes an `Error` token with a message, so the parser
//! can report it with its position together with everything else.

use super::Span;

/// A token kind.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Token {
    Ident(String),
    Number(String),
    Str(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    And,
    Or,
    Not,
    In,
    Is,
    Contains,
    StartsWith,
    EndsWith,
    Missing,
    Present,
    True,
    False,
    Error(String),
    Eof,
}

impl Token {
    /// How the token is named in error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Token::Ident(name) => format!("`{name}`"),
            Token::Number(text) => format!("number `{text}`"),
            Token::Str(_) => "a string".to_owned(),
            Token::Error(_) => "an invalid character".to_owned(),
            Token::Eof => "the end of the condition".to_owned(),
            other => format!("`{}`", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBracket => "[",
            Token::RBracket => "]",
            Token::Comma => ",",
            Token::Dot => ".",
            Token::Eq => "=",
            Token::Ne => "!=",
            Token::Lt => "<",
            Token::Le => "<=",
            Token::Gt => ">",
            Token::Ge => ">=",
            Token::Plus => "+",
            Token::Minus => "-",
            Token::Star => "*",
            Token::Slash => "/",
            Token::And => "and",
            Token::Or => "or",
            Token::Not => "not",
            Token::In => "in",
            Token::Is => "is",
            Token::Contains => "contains",
            Token::StartsWith => "starts_with",
            Token::EndsWith => "ends_with",
            Token::Missing => "missing",
            Token::Present => "present",
            Token::True => "true",
            Token::False => "false",
            _ => "?",
        }
    }
}

/// Splits `source` into tokens; the last one is always `Eof`.
pub(crate) fn lex(source: &str) -> Vec<(Token, Span)> {
    let mut tokens = Vec::new();
    let mut chars = source.char_indices().peekable();
    while let Some(&(start, character)) = chars.peek() {
        if character.is_whitespace() {
            chars.next();
            continue;
        }
        chars.next();
        let mut end = start + character.len_utf8();
        let token = match character {
            '(' => Token::LParen,
            ')' => Token::RParen,
            '[' => Token::LBracket,
            ']' => Token::RBracket,
            ',' => Token::Comma,
            '.' => Token::Dot,
            '+' => Token::Plus,
            '-' => Token::Minus,
            '*' => Token::Star,
            '/' => Token::Slash,
            '=' => {
                if let Some(&(next, '=')) = chars.peek() {
                    chars.next();
                    end = next + 1;
                    Token::Error("use `=` for equality, not `==`".to_owned())
                } else {
                    Token::Eq
                }
            }
            '!' => {
                if let Some(&(next, '=')) = chars.peek() {
                    chars.next();
                    end = next + 1;
                    Token::Ne
                } else {
                    Token::Error("use `not` for negation, not `!`".to_owned())
                }
            }
            '<' | '>' => {
                if let Some(&(next, '=')) = chars.peek() {
                    chars.next();
                    end = next + 1;
                    if character == '<' { Token::Le } else { Token::Ge }
                } else if character == '<' {
                    if let Some(&(next, '>')) = chars.peek() {
                        chars.next();
                        end = next + 1;
                        Token::Error("use `!=` for inequality, not `<>`".to_owned())
                    } else {
                        Token::Lt
                    }
                } else {
                    Token::Gt
                }
            }
            '&' | '|' => {
                if let Some(&(next, second)) = chars.peek()
                    && second == character
                {
                    chars.next();
                    end = next + 1;
                }
                Token::Error(format!(
                    "use `{}` instead of `{}`",
                    if character == '&' { "and" } else { "or" },
                    &source[start..end]
                ))
            }
            '"' | '\'' => string_literal(character, &mut chars, &mut end),
            '0'..='9' => number(source, start, &mut chars, &mut end),
            _ if character.is_alphabetic() || character == '_' => {
                while let Some(&(index, next)) = chars.peek() {
                    if !(next.is_alphanumeric() || next == '_') {
                        break;
                    }
                    chars.next();
                    end = index + next.len_utf8();
                }
                keyword_or_ident(&source[start..end])
            }
            other => Token::Error(format!("unexpected character `{other}`")),
        };
        tokens.push((token, Span { start, end }));
    }
    tokens.push((Token::Eof, Span { start: source.len(), end: source.len() }));
    tokens
}

/// The characters still to lex, with their byte offsets.
type Chars<'s> = std::iter::Peekable<std::str::CharIndices<'s>>;

/// The rest of a string literal opened by `quote` (`"` or `'`): its value with the escapes `\\`,
/// `\"`, `\'`, `\n` and `\t` applied, or an error token. `end` moves past what was read.
fn string_literal(quote: char, chars: &mut Chars<'_>, end: &mut usize) -> Token {
    let mut value = String::new();
    let mut closed = false;
    let mut bad_escape = None;
    while let Some((index, next)) = chars.next() {
        *end = index + next.len_utf8();
        if next == quote {
            closed = true;
            break;
        }
        if next == '\\' {
            match chars.next() {
                Some((escape_index, escaped)) => {
                    *end = escape_index + escaped.len_utf8();
                    match escaped {
                        '\\' | '"' | '\'' => value.push(escaped),
                        'n' => value.push('\n'),
                        't' => value.push('\t'),
                        _ => bad_escape = Some(escaped),
                    }
                }
                None => break,
            }
        } else {
            value.push(next);
        }
    }
    if !closed {
        Token::Error("unterminated string".to_owned())
    } else if let Some(escaped) = bad_escape {
        Token::Error(format!("unknown escape `\\{escaped}` in string"))
    } else {
        Token::Str(value)
    }
}

/// The rest of a number that starts at `start` (digits, `_`, and `.` before a digit); a number
/// running into letters is an error token. `end` moves past what was read.
fn number(source: &str, start: usize, chars: &mut Chars<'_>, end: &mut usize) -> Token {
    while let Some(&(index, next)) = chars.peek() {
        let continues_number = next.is_ascii_digit()
            || next == '_'
            || (next == '.' && source[index + 1..].starts_with(|c: char| c.is_ascii_digit()));
        if !continues_number {
            break;
        }
        chars.next();
        *end = index + 1;
    }
    if source[*end..].starts_with(|c: char| c.is_alphabetic() || c == '_') {
        while let Some(&(index, next)) = chars.peek() {
            if !(next.is_alphanumeric() || next == '_') {
                break;
            }
            chars.next();
            *end = index + next.len_utf8();
        }
        Token::Error(format!("invalid number `{}`", &source[start..*end]))
    } else {
        Token::Number(source[start..*end].replace('_', ""))
    }
}

fn keyword_or_ident(word: &str) -> Token {
    match word {
        "and" => Token::And,
        "or" => Token::Or,
        "not" => Token::Not,
        "in" => Token::In,
        "is" => Token::Is,
        "contains" => Token::Contains,
        "starts_with" => Token::StartsWith,
        "ends_with" => Token::EndsWith,
        "missing" => Token::Missing,
        "present" => Token::Present,
        "true" => Token::True,
        "false" => Token::False,
        _ => Token::Ident(word.to_owned()),
    }
}
