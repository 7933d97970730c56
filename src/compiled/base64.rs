//! Standard base64 (RFC 4648, with padding) for the compiled pack's `postcard` bytes: the
//! encoder runs in `riskpane compile`, the decoder in the widget. Hand-written: a few lines,
//! where a crate would add its engine configuration to the wasm.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `bytes` as base64 text.
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group =
            chunk.iter().enumerate().fold(0u32, |group, (index, &byte)| group | u32::from(byte) << (16 - 8 * index));
        for position in 0..4 {
            if position <= chunk.len() {
                out.push(char::from(ALPHABET[(group >> (18 - 6 * position) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn value(symbol: u8) -> Option<u32> {
    Some(u32::from(match symbol {
        b'A'..=b'Z' => symbol - b'A',
        b'a'..=b'z' => symbol - b'a' + 26,
        b'0'..=b'9' => symbol - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// The bytes of base64 `text`; `None` when it is not base64 (wrong length, a foreign symbol,
/// padding anywhere but at the end).
#[cfg_attr(target_arch = "wasm32", allow(dead_code))] // the widget decodes slice by slice
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    decode_into(text, true, &mut out)?;
    Some(out)
}

/// Appends the bytes of base64 `text`, one slice of a longer text (a whole number of four-symbol
/// groups), to `out`; padding only if `last`, the text's final slice. `None` when it is not base64.
pub(crate) fn decode_into(text: &str, last: bool, out: &mut Vec<u8>) -> Option<()> {
    let text = text.as_bytes();
    if text.len() % 4 != 0 {
        return None;
    }
    let quads = text.len() / 4;
    for (index, quad) in text.chunks(4).enumerate() {
        let padding = if last && index + 1 == quads {
            quad.iter().rev().take_while(|&&symbol| symbol == b'=').count()
        } else {
            0
        };
        if padding > 2 {
            return None;
        }
        let mut group = 0u32;
        for &symbol in &quad[..4 - padding] {
            group = group << 6 | value(symbol)?;
        }
        group <<= 6 * padding as u32;
        let bytes = [(group >> 16) as u8, (group >> 8) as u8, group as u8];
        out.extend_from_slice(&bytes[..3 - padding]);
    }
    Some(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::{decode, decode_into, encode};

    #[test]
    fn round_trips_and_matches_rfc_4648() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), coded);
            assert_eq!(decode(coded).unwrap(), plain.as_bytes());
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&all)).unwrap(), all);
        for bad in ["Zg=", "Z===", "Zm9v!A==", "Zg==Zg==", "===="] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn decodes_slice_by_slice_with_padding_only_in_the_last() {
        let all: Vec<u8> = (0..=255).chain(0..100).collect();
        let coded = encode(&all);
        for slice in [4, 8, 64] {
            let mut out = Vec::new();
            let pieces: Vec<&[u8]> = coded.as_bytes().chunks(slice).collect();
            for (index, piece) in pieces.iter().enumerate() {
                decode_into(std::str::from_utf8(piece).unwrap(), index + 1 == pieces.len(), &mut out).unwrap();
            }
            assert_eq!(out, all, "slices of {slice}");
        }
        assert_eq!(decode_into("Zg==", false, &mut Vec::new()), None);
        assert_eq!(decode_into("Zg==", true, &mut Vec::new()), Some(()));
        assert_eq!(decode_into("Zm9", true, &mut Vec::new()), None);
    }
}
