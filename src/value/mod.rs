//! The ground floor: the values facts are made of, used by every layer above and importing none.
//!
//! `number` (exact decimals), `time` (ISO dates and datetimes as day and second counts), `text`
//! (Unicode folding, word and sentence starts; its lowercase comes from `lowercase`, the case
//! table as 185 runs) and `fact` (`FactValue`, `TextValue`: one fact's typed
//! value); `pairs` sorts the `(u32, u32)` pairs the engine and the rule language sort;
//! `small_map` holds the few keyed entries a page has in a sorted `Vec` instead of a B-tree. The rule
//! language computes with them, case reading and CRM profiles produce them,
//! canonical JSON writes them. Nothing here knows about packs, cases or the page; the tidy test in
//! `tests/native.rs` checks that no module here imports one above it.

mod fact;
mod lowercase;
pub mod number;
pub mod pairs;
pub mod small_map;
pub mod text;
pub mod time;

pub use fact::{FactValue, TextValue};
pub use number::Decimal;
pub use small_map::{SmallMap, SmallSet};
