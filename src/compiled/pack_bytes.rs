//! Reads a compiled pack's `postcard` bytes by hand (issue 15). `riskpane compile` writes them
//! with serde's derived `Serialize` through postcard, whose layout is plain: a struct's fields in
//! declaration order, unsigned integers as LEB128 varints (`u8` as one byte), signed ones zigzagged
//! first, `bool` as one byte, strings and lists as a varint length and then their items, `Option`
//! as a 0 or 1 byte and then the value, an enum as its variant's index and then its fields; a
//! `Decimal` is its text, and the types with `#[serde(into = …)]` are read in their stored shape
//! (`KeywordListFile`, a matcher's patterns). serde's derived visitors for the same read were 4 KB
//! gzip of the widget's wasm.
//!
//! The layout is the Rust types' declaration order: a field or variant added, moved or removed
//! changes it, so `COMPILED_VERSION` moves with it, and the tests read back every pack in
//! `pkg-config/rules` and one node of every `Node` variant (a `match` without a wildcard fails to
//! compile when a variant is added). A damaged file is an error naming the byte, never a panic:
//! lengths are bounded by the bytes left and nesting by [`MAX_DEPTH`].

use crate::rules::lang::Node;
use crate::rules::lang::check::{ArithOp, CompareOp, TextOp};
use crate::rules::lang::keywords::{KeywordMatcher, KeywordPattern};
use crate::rules::{
    BandThresholds, Category, CheckerRole, ChecklistItem, ClassifierFile, Condition, Deadline, DecisionPolicy, FactDef,
    FactType, KeywordList, KeywordListFile, KeywordTerm, Language, LocalText, Outcome, OwnWords, Param, ReasonCode,
    Rule, RulePack, Signal,
};
use crate::value::Decimal;
use std::sync::Arc;

/// How deep conditions may nest: the compiler's own packs stay far below it, and a hostile file
/// cannot overflow the browser's stack.
const MAX_DEPTH: u32 = 256;

/// The bytes and how far they are read.
struct Bytes<'a> {
    data: &'a [u8],
    at: usize,
    depth: u32,
    /// Why a value that did read whole is not valid (a classifier's term line, a decimal).
    problem: Option<String>,
    /// The keyword terms' language codes read so far.
    languages: Vec<Arc<str>>,
}

/// `None`: the bytes do not read here (`Bytes::at` says where).
type Read<T> = Option<T>;

/// Reads a pack from `bytes`; the error names the byte where reading stopped.
pub(super) fn read_pack(bytes: &[u8]) -> Result<RulePack, String> {
    let mut input = Bytes { data: bytes, at: 0, depth: 0, problem: None, languages: Vec::new() };
    match rule_pack(&mut input) {
        Some(pack) if input.at == bytes.len() => Ok(pack),
        Some(_) => Err(format!("`pack` has {} bytes after its end (a damaged file?)", bytes.len() - input.at)),
        None if let Some(problem) = input.problem => Err(format!("`pack`: a value inside does not read: {problem}")),
        None => Err(format!("`pack` does not read at byte {} of {} (a damaged file?)", input.at, bytes.len())),
    }
}

impl<'a> Bytes<'a> {
    fn byte(&mut self) -> Read<u8> {
        let byte = *self.data.get(self.at)?;
        self.at += 1;
        Some(byte)
    }

    fn varint(&mut self) -> Read<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Some(value);
            }
        }
        None
    }

    fn bool(&mut self) -> Read<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn u16(&mut self) -> Read<u16> {
        u16::try_from(self.varint()?).ok()
    }

    fn u32(&mut self) -> Read<u32> {
        u32::try_from(self.varint()?).ok()
    }

    fn usize(&mut self) -> Read<usize> {
        usize::try_from(self.varint()?).ok()
    }

    fn i64(&mut self) -> Read<i64> {
        let zigzag = self.varint()?;
        #[allow(clippy::cast_possible_wrap)] // zigzag decoding is bit arithmetic
        Some((zigzag >> 1) as i64 ^ -((zigzag & 1) as i64))
    }

    fn i32(&mut self) -> Read<i32> {
        i32::try_from(self.i64()?).ok()
    }

    /// A list's or string's length: never more than the bytes left, so a damaged length cannot
    /// ask for a huge allocation.
    fn len(&mut self) -> Read<usize> {
        self.usize().filter(|&len| len <= self.data.len() - self.at)
    }

    fn text(&mut self) -> Read<&'a str> {
        let len = self.len()?;
        let text = std::str::from_utf8(&self.data[self.at..self.at + len]).ok()?;
        self.at += len;
        Some(text)
    }

    fn string(&mut self) -> Read<String> {
        self.text().map(str::to_owned)
    }

    /// A keyword term's language code, one shared copy per code.
    fn language(&mut self) -> Read<Arc<str>> {
        let code = self.text()?;
        if let Some(known) = self.languages.iter().find(|known| ***known == *code) {
            return Some(known.clone());
        }
        let code: Arc<str> = code.into();
        self.languages.push(code.clone());
        Some(code)
    }

    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Read<T>) -> Read<Vec<T>> {
        let len = self.len()?;
        let mut items = Vec::with_capacity(len);
        for _ in 0..len {
            items.push(item(self)?);
        }
        Some(items)
    }

    fn option<T>(&mut self, item: impl FnOnce(&mut Self) -> Read<T>) -> Read<Option<T>> {
        if self.bool()? { item(self).map(Some) } else { Some(None) }
    }

    fn strings(&mut self) -> Read<Vec<String>> {
        self.list(Self::string)
    }

    fn indices(&mut self) -> Read<Vec<usize>> {
        self.list(Self::usize)
    }

    /// A fieldless enum's variant, by index into `variants`.
    fn variant<T: Copy>(&mut self, variants: &[T]) -> Read<T> {
        variants.get(self.usize()?).copied()
    }
}

fn local_text(input: &mut Bytes<'_>) -> Read<LocalText> {
    Some(LocalText { translations: input.list(|input| Some((input.string()?, input.string()?)))? })
}

fn optional_text(input: &mut Bytes<'_>) -> Read<Option<LocalText>> {
    input.option(local_text)
}

fn decimal(input: &mut Bytes<'_>) -> Read<Decimal> {
    let text = input.string()?;
    let number = Decimal::parse(&text);
    if number.is_none() {
        input.problem = Some(format!("`{text}` is not a number"));
    }
    number
}

fn condition(input: &mut Bytes<'_>) -> Read<Condition> {
    Some(Condition { source: input.string()?, node: node(input)? })
}

fn boxed(input: &mut Bytes<'_>) -> Read<Box<Node>> {
    node(input).map(Box::new)
}

fn pair(input: &mut Bytes<'_>) -> Read<(Box<Node>, Box<Node>)> {
    Some((boxed(input)?, boxed(input)?))
}

fn node(input: &mut Bytes<'_>) -> Read<Node> {
    const COMPARE: [CompareOp; 6] =
        [CompareOp::Eq, CompareOp::Ne, CompareOp::Lt, CompareOp::Le, CompareOp::Gt, CompareOp::Ge];
    const ARITH: [ArithOp; 4] = [ArithOp::Add, ArithOp::Sub, ArithOp::Mul, ArithOp::Div];
    const TEXT: [TextOp; 3] = [TextOp::Contains, TextOp::StartsWith, TextOp::EndsWith];
    input.depth += 1;
    if input.depth > MAX_DEPTH {
        return None;
    }
    // The variants in `Node`'s declaration order.
    let node = match input.usize()? {
        0 => Node::Bool(input.bool()?),
        1 => Node::Number(decimal(input)?),
        2 => Node::Text(input.string()?),
        3 => Node::Date(input.i64()?),
        4 => Node::DateTime(input.i64()?),
        5 => Node::Fact(input.u16()?),
        6 => Node::RiskScore,
        7 => Node::RiskBand,
        8 => Node::Not(boxed(input)?),
        9 => pair(input).map(|(left, right)| Node::And(left, right))?,
        10 => pair(input).map(|(left, right)| Node::Or(left, right))?,
        11 => {
            let op = input.variant(&COMPARE)?;
            pair(input).map(|(left, right)| Node::Compare(op, left, right))?
        }
        12 => {
            let op = input.variant(&ARITH)?;
            pair(input).map(|(left, right)| Node::Arith(op, left, right))?
        }
        13 => Node::Neg(boxed(input)?),
        14 => Node::InSet(boxed(input)?, input.list(node)?),
        15 => {
            let op = input.variant(&TEXT)?;
            pair(input).map(|(left, right)| Node::TextOp(op, left, right))?
        }
        16 => pair(input).map(|(left, right)| Node::ListContains(left, right))?,
        17 => Node::IsMissing(boxed(input)?),
        18 => Node::IsPresent(boxed(input)?),
        19 => Node::Len(boxed(input)?),
        20 => pair(input).map(|(left, right)| Node::DaysBetween(left, right))?,
        21 => Node::MatchesAny(boxed(input)?, input.u16()?),
        22 => Node::MatchesNear(boxed(input)?, input.u16()?, input.u16()?, input.byte()?),
        23 => Node::MatchesBefore(boxed(input)?, input.u16()?, input.u16()?, input.byte()?),
        24 => Node::ReadsAs(boxed(input)?, input.u16()?),
        _ => return None,
    };
    input.depth -= 1;
    Some(node)
}

fn fact_def(input: &mut Bytes<'_>) -> Read<FactDef> {
    let name = input.string()?;
    let fact_type = match input.usize()? {
        0 => FactType::Bool,
        1 => FactType::Int,
        2 => FactType::Number,
        3 => FactType::Money,
        4 => FactType::Text,
        5 => FactType::Date,
        6 => FactType::DateTime,
        7 => FactType::Enum(input.strings()?),
        8 => FactType::List,
        _ => return None,
    };
    let label = optional_text(input)?;
    let own_words = input.option(|input| {
        let mut list = || input.option(Bytes::u16);
        Some(OwnWords { cut_at: list()?, reply_header: list()?, others: list()?, writer: list()?, quoted_by: list()? })
    })?;
    Some(FactDef { name, fact_type, label, own_words })
}

fn pattern(input: &mut Bytes<'_>) -> Read<KeywordPattern> {
    Some(KeywordPattern { core: input.string()?, open_start: input.bool()?, open_end: input.bool()? })
}

fn keyword_list(input: &mut Bytes<'_>) -> Read<KeywordList> {
    let file = KeywordListFile {
        name: input.string()?,
        terms: input.list(|input| Some(KeywordTerm { language: input.language()?, keyword: input.string()? }))?,
        term_languages: input.list(Bytes::u32)?,
        classifier: input.option(|input| {
            Some(ClassifierFile { bias: input.i32()?, cutoff: input.i32()?, terms: input.string()? })
        })?,
    };
    KeywordList::try_from(file).map_err(|problem| input.problem = Some(problem)).ok()
}

fn rule(input: &mut Bytes<'_>) -> Read<Rule> {
    Some(Rule {
        id: input.string()?,
        category: input.variant(&Category::ALL)?,
        title: local_text(input)?,
        rationale: local_text(input)?,
        source: input.string()?,
        points: input.i64()?,
        when: condition(input)?,
        checklist: input.indices()?,
    })
}

fn checklist_item(input: &mut Bytes<'_>) -> Read<ChecklistItem> {
    Some(ChecklistItem {
        id: input.string()?,
        text: local_text(input)?,
        when: input.option(condition)?,
        done_when: input.option(condition)?,
        required_for: input.indices()?,
        blocks_while_unknown: input.bool()?,
    })
}

fn outcome(input: &mut Bytes<'_>) -> Read<Outcome> {
    Some(Outcome {
        id: input.string()?,
        label: local_text(input)?,
        reason_codes: input.indices()?,
        requires_second_approval: condition(input)?,
        confirmed_by: input.variant(&[CheckerRole::Expert, CheckerRole::Communications])?,
        reply_text: input.bool()?,
    })
}

fn rule_pack(input: &mut Bytes<'_>) -> Read<RulePack> {
    Some(RulePack {
        id: input.string()?,
        version: input.string()?,
        title: optional_text(input)?,
        facts: input.list(fact_def)?,
        params: input.list(|input| {
            Some(Param { name: input.string()?, value: decimal(input)?, description: input.option(Bytes::string)? })
        })?,
        keyword_lists: input.list(keyword_list)?,
        languages: input.list(|input| {
            Some(Language { code: input.string()?, markers: KeywordMatcher::new(input.list(pattern)?) })
        })?,
        signals: input.list(|input| {
            Some(Signal { name: input.string()?, label: optional_text(input)?, when: condition(input)? })
        })?,
        rules: input.list(rule)?,
        bands: BandThresholds { medium: input.i64()?, high: input.i64()?, critical: input.i64()? },
        checklist: input.list(checklist_item)?,
        deadlines: input.list(|input| {
            Some(Deadline {
                id: input.string()?,
                label: local_text(input)?,
                when: condition(input)?,
                from: input.u16()?,
                months: input.u32()?,
                days: input.i64()?,
            })
        })?,
        decision_policy: DecisionPolicy {
            outcomes: input.list(outcome)?,
            reason_codes: input.list(|input| Some(ReasonCode { code: input.string()?, label: local_text(input)? }))?,
        },
        hash: input.string()?.into(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::read_pack;
    use crate::rules::lang::Node;
    use crate::rules::lang::check::{ArithOp, CompareOp, TextOp};
    use crate::value::Decimal;
    use std::sync::Arc;

    fn packs() -> Vec<crate::rules::RulePack> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pkg-config/rules");
        let mut packs = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|extension| extension == "toml") {
                let source = std::fs::read_to_string(&path).unwrap();
                packs.push(crate::rules::compile_source(&path.display().to_string(), &source).unwrap());
            }
        }
        assert!(packs.len() >= 2, "the shipped packs");
        packs
    }

    /// One node of every variant; the `match` has no wildcard, so a new variant fails to compile
    /// here until it is added (and to the reader).
    fn every_variant() -> Vec<Node> {
        let fact = || Box::new(Node::Fact(3));
        let nodes = vec![
            Node::Bool(true),
            Node::Number(Decimal::parse("-12.5").unwrap()),
            Node::Text("straße".to_owned()),
            Node::Date(-400),
            Node::DateTime(1_700_000_000),
            Node::Fact(700),
            Node::RiskScore,
            Node::RiskBand,
            Node::Not(fact()),
            Node::And(fact(), Box::new(Node::Or(fact(), fact()))),
            Node::Or(fact(), fact()),
            Node::Compare(CompareOp::Ge, fact(), fact()),
            Node::Arith(ArithOp::Div, fact(), fact()),
            Node::Neg(fact()),
            Node::InSet(fact(), vec![Node::Text("a".to_owned()), Node::Bool(false)]),
            Node::TextOp(TextOp::EndsWith, fact(), fact()),
            Node::ListContains(fact(), fact()),
            Node::IsMissing(fact()),
            Node::IsPresent(fact()),
            Node::Len(fact()),
            Node::DaysBetween(fact(), fact()),
            Node::MatchesAny(fact(), 2),
            Node::MatchesNear(fact(), 1, 300, 20),
            Node::MatchesBefore(fact(), 4, 5, 3),
            Node::ReadsAs(fact(), 6),
        ];
        for node in &nodes {
            match node {
                Node::Bool(_)
                | Node::Number(_)
                | Node::Text(_)
                | Node::Date(_)
                | Node::DateTime(_)
                | Node::Fact(_)
                | Node::RiskScore
                | Node::RiskBand
                | Node::Not(_)
                | Node::And(..)
                | Node::Or(..)
                | Node::Compare(..)
                | Node::Arith(..)
                | Node::Neg(_)
                | Node::InSet(..)
                | Node::TextOp(..)
                | Node::ListContains(..)
                | Node::IsMissing(_)
                | Node::IsPresent(_)
                | Node::Len(_)
                | Node::DaysBetween(..)
                | Node::MatchesAny(..)
                | Node::MatchesNear(..)
                | Node::MatchesBefore(..)
                | Node::ReadsAs(..) => {}
            }
        }
        nodes
    }

    #[test]
    fn every_shipped_pack_reads_back_as_written() {
        for pack in packs() {
            let bytes = postcard::to_allocvec(&pack).unwrap();
            assert_eq!(read_pack(&bytes).unwrap(), pack, "{}", pack.id);
        }
    }

    #[test]
    fn keyword_terms_share_one_copy_of_each_language_code() {
        let care = packs().into_iter().find(|pack| pack.id == "care").unwrap();
        let read = read_pack(&postcard::to_allocvec(&care).unwrap()).unwrap();
        let terms: Vec<_> = read.keyword_lists.iter().flat_map(|list| &list.terms).collect();
        let mut codes: Vec<&Arc<str>> = Vec::new();
        for term in &terms {
            if !codes.iter().any(|code| Arc::ptr_eq(code, &term.language)) {
                codes.push(&term.language);
            }
        }
        let mut distinct: Vec<&str> = codes.iter().map(|code| &***code).collect();
        distinct.sort_unstable();
        distinct.dedup();
        assert!(terms.len() > 1000, "{} terms", terms.len());
        assert_eq!(codes.len(), distinct.len(), "one allocation per code: {distinct:?}");
    }

    #[test]
    fn every_node_variant_reads_back_as_written() {
        let mut pack = packs().remove(0);
        for node in every_variant() {
            pack.rules[0].when.node = node.clone();
            let bytes = postcard::to_allocvec(&pack).unwrap();
            assert_eq!(read_pack(&bytes).unwrap().rules[0].when.node, node);
        }
    }

    /// The smallest shipped pack as bytes, for the tests that read it thousands of times.
    fn smallest_pack_bytes() -> Vec<u8> {
        packs().iter().map(|pack| postcard::to_allocvec(pack).unwrap()).min_by_key(Vec::len).unwrap()
    }

    #[test]
    fn damaged_bytes_are_an_error_naming_the_byte() {
        let bytes = smallest_pack_bytes();
        // Cut short anywhere: an error, never a panic.
        for cut in 0..bytes.len() {
            let error = read_pack(&bytes[..cut]).unwrap_err();
            assert!(error.contains("does not read at byte"), "{error}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(read_pack(&longer).unwrap_err(), "`pack` has 1 bytes after its end (a damaged file?)");
        // Every byte flipped in turn: an error or some pack, never a panic.
        for index in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[index] ^= 0xff;
            let _ = read_pack(&damaged);
        }
        // A length far beyond the bytes: refused before allocating.
        assert!(read_pack(&[0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let mut pack = packs().remove(0);
        let mut node = Node::Bool(true);
        for _ in 0..300 {
            node = Node::Not(Box::new(node));
        }
        pack.rules[0].when.node = node;
        let bytes = postcard::to_allocvec(&pack).unwrap();
        assert!(read_pack(&bytes).unwrap_err().contains("does not read at byte"));
    }
}
