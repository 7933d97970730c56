//! The streaming both runs share: rows read in batches, each batch parsed and scored on all
//! cores (`rayon`) into mergeable tallies, and the bad rows (all counted, the first listed).

use super::BAD_ROWS_LISTED;
use super::input::{self, BadRow, Fields, RawRow, Row, RowReader};
use crate::CaseFacts;
use crate::engine::Scoring;
use crate::rules::RulePack;
use rayon::prelude::*;
use serde::Serialize;
use std::io::BufRead;

/// Bad rows: all counted, the first ones by line number kept.
#[derive(Clone, Debug, Default)]
pub(super) struct BadRowTally {
    count: u64,
    examples: Vec<BadRow>,
}

impl BadRowTally {
    pub(super) fn push(&mut self, bad: BadRow) {
        self.count += 1;
        self.examples.push(bad);
        if self.examples.len() > BAD_ROWS_LISTED * 2 {
            self.trim();
        }
    }

    fn trim(&mut self) {
        self.examples.sort_by_key(|bad| bad.line);
        self.examples.truncate(BAD_ROWS_LISTED);
    }

    pub(super) fn merge(&mut self, other: BadRowTally) {
        self.count += other.count;
        self.examples.extend(other.examples);
        self.trim();
    }

    pub(super) fn finish(mut self) -> BadRows {
        self.trim();
        BadRows { count: self.count, examples: self.examples }
    }
}

/// The rows that could not be read.
#[derive(Clone, Debug, Serialize)]
pub struct BadRows {
    /// How many.
    pub count: u64,
    /// The first ones by line number.
    pub examples: Vec<BadRow>,
}

/// Scores one row against a pack: the scoring, the amount in cents, whether a value was unusable.
pub(super) fn score_row(pack: &RulePack, amount: Option<u16>, row: &Row) -> (Scoring, Option<i64>, bool) {
    let (facts, issues) = CaseFacts::from_json_unhashed(pack, &row.case);
    let cents = amount.and_then(|slot| match facts.value(slot) {
        Some(crate::value::FactValue::Number(value)) => value.to_cents(),
        _ => None,
    });
    (crate::engine::score(pack, &facts), cents, !issues.is_empty())
}

/// Reads every batch from `reader`, parses and handles each row on all cores, and merges what
/// `handle` returns. `progress` is told the bytes read after each batch.
pub(super) fn stream<R, T>(
    reader: &mut RowReader<R>,
    pack: &RulePack,
    fields: &Fields,
    empty: &(dyn Fn() -> T + Sync),
    handle: &(dyn Fn(&mut T, Result<Row, BadRow>) + Sync),
    merge: &(dyn Fn(T, T) -> T + Sync),
    progress: &dyn Fn(u64),
) -> T
where
    R: BufRead,
    T: Send,
{
    let header = reader.header().to_vec();
    let mut total = empty();
    loop {
        let batch: Vec<RawRow> = reader.next_batch();
        if batch.is_empty() {
            break;
        }
        let part = batch
            .into_par_iter()
            .fold(empty, |mut tally, raw| {
                handle(&mut tally, input::parse_row(pack, fields, &header, raw));
                tally
            })
            .reduce(empty, merge);
        total = merge(total, part);
        progress(reader.bytes());
    }
    total
}
