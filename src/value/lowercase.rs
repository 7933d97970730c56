//! Unicode lowercase without the standard library's case table: `char::to_lowercase` links a
//! 1,400-entry table (11 KB in the wasm, 5.7 KB gzip); the same mapping written as 185 runs of
//! characters that share an offset is 2 KB. A test checks every character against
//! `char::to_lowercase` and prints the table again if the compiler's Unicode version moves.

/// Runs of uppercase characters: `(first, span, delta)`. `span >> 1` is the last character's
/// distance from the first; the low bit says the run takes every other character (Latin Extended's
/// `Āā Ăă …` pairs); each character in the run lowercases to itself plus `delta`.
#[rustfmt::skip]
const LOWERCASE_RUNS: [(u32, u16, i32); 185] = [
    (0x41, 50, 32), (0xc0, 44, 32), (0xd8, 12, 32), (0x100, 93, 1), (0x132, 9, 1), (0x139, 29, 1),
    (0x14a, 89, 1), (0x178, 0, -121), (0x179, 9, 1), (0x181, 0, 210), (0x182, 5, 1),
    (0x186, 0, 206), (0x187, 0, 1), (0x189, 2, 205), (0x18b, 0, 1), (0x18e, 0, 79), (0x18f, 0, 202),
    (0x190, 0, 203), (0x191, 0, 1), (0x193, 0, 205), (0x194, 0, 207), (0x196, 0, 211),
    (0x197, 0, 209), (0x198, 0, 1), (0x19c, 0, 211), (0x19d, 0, 213), (0x19f, 0, 214),
    (0x1a0, 9, 1), (0x1a6, 0, 218), (0x1a7, 0, 1), (0x1a9, 0, 218), (0x1ac, 0, 1), (0x1ae, 0, 218),
    (0x1af, 0, 1), (0x1b1, 2, 217), (0x1b3, 5, 1), (0x1b7, 0, 219), (0x1b8, 0, 1), (0x1bc, 0, 1),
    (0x1c4, 0, 2), (0x1c5, 0, 1), (0x1c7, 0, 2), (0x1c8, 0, 1), (0x1ca, 0, 2), (0x1cb, 33, 1),
    (0x1de, 33, 1), (0x1f1, 0, 2), (0x1f2, 5, 1), (0x1f6, 0, -97), (0x1f7, 0, -56), (0x1f8, 77, 1),
    (0x220, 0, -130), (0x222, 33, 1), (0x23a, 0, 10795), (0x23b, 0, 1), (0x23d, 0, -163),
    (0x23e, 0, 10792), (0x241, 0, 1), (0x243, 0, -195), (0x244, 0, 69), (0x245, 0, 71),
    (0x246, 17, 1), (0x370, 5, 1), (0x376, 0, 1), (0x37f, 0, 116), (0x386, 0, 38), (0x388, 4, 37),
    (0x38c, 0, 64), (0x38e, 2, 63), (0x391, 32, 32), (0x3a3, 16, 32), (0x3cf, 0, 8), (0x3d8, 45, 1),
    (0x3f4, 0, -60), (0x3f7, 0, 1), (0x3f9, 0, -7), (0x3fa, 0, 1), (0x3fd, 4, -130),
    (0x400, 30, 80), (0x410, 62, 32), (0x460, 65, 1), (0x48a, 105, 1), (0x4c0, 0, 15),
    (0x4c1, 25, 1), (0x4d0, 189, 1), (0x531, 74, 48), (0x10a0, 74, 7264), (0x10c7, 0, 7264),
    (0x10cd, 0, 7264), (0x13a0, 158, 38864), (0x13f0, 10, 8), (0x1c89, 0, 1), (0x1c90, 84, -3008),
    (0x1cbd, 4, -3008), (0x1e00, 297, 1), (0x1e9e, 0, -7615), (0x1ea0, 189, 1), (0x1f08, 14, -8),
    (0x1f18, 10, -8), (0x1f28, 14, -8), (0x1f38, 14, -8), (0x1f48, 10, -8), (0x1f59, 13, -8),
    (0x1f68, 14, -8), (0x1f88, 14, -8), (0x1f98, 14, -8), (0x1fa8, 14, -8), (0x1fb8, 2, -8),
    (0x1fba, 2, -74), (0x1fbc, 0, -9), (0x1fc8, 6, -86), (0x1fcc, 0, -9), (0x1fd8, 2, -8),
    (0x1fda, 2, -100), (0x1fe8, 2, -8), (0x1fea, 2, -112), (0x1fec, 0, -7), (0x1ff8, 2, -128),
    (0x1ffa, 2, -126), (0x1ffc, 0, -9), (0x2126, 0, -7517), (0x212a, 0, -8383), (0x212b, 0, -8262),
    (0x2132, 0, 28), (0x2160, 30, 16), (0x2183, 0, 1), (0x24b6, 50, 26), (0x2c00, 94, 48),
    (0x2c60, 0, 1), (0x2c62, 0, -10743), (0x2c63, 0, -3814), (0x2c64, 0, -10727), (0x2c67, 9, 1),
    (0x2c6d, 0, -10780), (0x2c6e, 0, -10749), (0x2c6f, 0, -10783), (0x2c70, 0, -10782),
    (0x2c72, 0, 1), (0x2c75, 0, 1), (0x2c7e, 2, -10815), (0x2c80, 197, 1), (0x2ceb, 5, 1),
    (0x2cf2, 0, 1), (0xa640, 89, 1), (0xa680, 53, 1), (0xa722, 25, 1), (0xa732, 121, 1),
    (0xa779, 5, 1), (0xa77d, 0, -35332), (0xa77e, 17, 1), (0xa78b, 0, 1), (0xa78d, 0, -42280),
    (0xa790, 5, 1), (0xa796, 37, 1), (0xa7aa, 0, -42308), (0xa7ab, 0, -42319), (0xa7ac, 0, -42315),
    (0xa7ad, 0, -42305), (0xa7ae, 0, -42308), (0xa7b0, 0, -42258), (0xa7b1, 0, -42282),
    (0xa7b2, 0, -42261), (0xa7b3, 0, 928), (0xa7b4, 29, 1), (0xa7c4, 0, -48), (0xa7c5, 0, -42307),
    (0xa7c6, 0, -35384), (0xa7c7, 5, 1), (0xa7cb, 0, -42343), (0xa7cc, 29, 1), (0xa7dc, 0, -42561),
    (0xa7f5, 0, 1), (0xff21, 50, 32), (0x10400, 78, 40), (0x104b0, 70, 40), (0x10570, 20, 39),
    (0x1057c, 28, 39), (0x1058c, 12, 39), (0x10594, 2, 39), (0x10c80, 100, 64), (0x10d50, 42, 32),
    (0x118a0, 62, 32), (0x16e40, 62, 32), (0x16ea0, 48, 27), (0x1e900, 66, 34),
];

/// The lowercase of one character, as `char::to_lowercase` gives it (`İ` is the one character whose
/// lowercase is two: `i` and a combining dot above).
pub(super) fn push_lowercase(text: &mut String, character: char) {
    let code = character as u32;
    if code < 0x80 {
        text.push(character.to_ascii_lowercase());
        return;
    }
    if code == 0x130 {
        text.push_str("i\u{307}");
        return;
    }
    let index = LOWERCASE_RUNS.partition_point(|&(first, _, _)| first <= code);
    let lowered = index.checked_sub(1).and_then(|index| {
        let (first, span, delta) = LOWERCASE_RUNS[index];
        let distance = code - first;
        let every_other = span & 1 == 1;
        let within = distance <= u32::from(span >> 1) && (!every_other || distance % 2 == 0);
        within.then(|| char::from_u32(code.wrapping_add_signed(delta))).flatten()
    });
    text.push(lowered.unwrap_or(character));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::{LOWERCASE_RUNS, push_lowercase};

    /// The runs as computed from `char::to_lowercase`, in the table's own syntax.
    fn runs_from_std() -> Vec<(u32, u16, i32)> {
        let mut runs: Vec<(u32, u32, i32, u32)> = Vec::new();
        for character in (0..0x11_0000).filter_map(char::from_u32) {
            let mut lower = character.to_lowercase();
            let code = character as u32;
            let Some(lowered) = lower.next().filter(|_| lower.len() == 0) else { continue };
            if lowered == character {
                continue;
            }
            let delta = lowered as i32 - code as i32;
            if let Some(last) = runs.last_mut() {
                let (first, end, last_delta, step) = *last;
                let gap = code - end;
                if last_delta == delta && ((end == first && (gap == 1 || gap == 2)) || (end != first && gap == step)) {
                    *last = (first, code, delta, gap);
                    continue;
                }
            }
            runs.push((code, code, delta, 1));
        }
        runs.into_iter()
            .map(|(first, end, delta, step)| (first, (((end - first) << 1) | u32::from(step == 2)) as u16, delta))
            .collect()
    }

    #[test]
    fn the_table_is_the_standard_librarys_lowercase() {
        let expected = runs_from_std();
        let table =
            expected.iter().map(|(first, span, delta)| format!("({first:#x}, {span}, {delta})")).collect::<Vec<_>>();
        assert_eq!(
            LOWERCASE_RUNS.to_vec(),
            expected,
            "regenerate LOWERCASE_RUNS ({} runs): {}",
            expected.len(),
            table.join(", ")
        );
    }

    #[test]
    fn every_character_lowercases_as_the_standard_library_does() {
        for character in (0..0x11_0000).filter_map(char::from_u32) {
            let mut ours = String::new();
            push_lowercase(&mut ours, character);
            let standard: String = character.to_lowercase().collect();
            assert_eq!(ours, standard, "U+{:04X}", character as u32);
        }
    }
}
