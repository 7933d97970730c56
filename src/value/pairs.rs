//! Sorting `(u32, u32)` pairs (keyword hits, checklist and outcome pairs) with a heapsort written
//! here: the standard library's `sort_unstable` is a pattern-defeating quicksort with its small
//! sorts and a heapsort fallback, about 4 KB of the widget's wasm for each element type, where
//! these twenty lines are a few hundred bytes. O(n log n) with no allocation; the lists sorted here
//! hold at most a few hundred pairs (BENCHMARKS.md measures the engine with it).

/// Sorts `pairs` ascending (by the first value, then the second), like `sort_unstable`.
pub fn sort_pairs(pairs: &mut [(u32, u32)]) {
    let length = pairs.len();
    for start in (0..length / 2).rev() {
        sift_down(pairs, start, length);
    }
    for end in (1..length).rev() {
        pairs.swap(0, end);
        sift_down(pairs, 0, end);
    }
}

/// Moves `pairs[root]` down the max-heap held in `pairs[..end]` to its place.
fn sift_down(pairs: &mut [(u32, u32)], mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && pairs[child] < pairs[child + 1] {
            child += 1;
        }
        if pairs[root] >= pairs[child] {
            return;
        }
        pairs.swap(root, child);
        root = child;
    }
}

#[cfg(test)]
mod tests {
    use super::sort_pairs;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_like_the_standard_library(mut pairs in proptest::collection::vec((0u32..6, 0u32..6), 0..80)) {
            let mut expected = pairs.clone();
            expected.sort_unstable();
            sort_pairs(&mut pairs);
            prop_assert_eq!(pairs, expected);
        }
    }

    #[test]
    fn sorts_edge_cases() {
        for mut pairs in [vec![], vec![(1, 1)], vec![(2, 0), (1, 9)], vec![(u32::MAX, 0), (0, u32::MAX), (0, 0)]] {
            let mut expected = pairs.clone();
            expected.sort_unstable();
            sort_pairs(&mut pairs);
            assert_eq!(pairs, expected);
        }
    }
}
