//! Decimal numbers for facts and the rule language: exact for money and counts, decimal division.
//!
//! A `Decimal` is an `i128` scaled by 10^9, so `0.1 + 0.2 = 0.3` holds exactly and `8 / 12` is
//! `0.666666667` (nine places, rounded half away from zero). Every operation is checked: overflow
//! and division by zero return `None`, which the evaluator turns into *unknown*.
//! Hand-written rather than a decimal crate because it is ~150 lines and the widget's size budget
//! is tight (BENCHMARKS.md).

use std::fmt;

const SCALE: i128 = 1_000_000_000;
const SCALE_DIGITS: usize = 9;

/// A fixed-point decimal with nine fractional digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal(i128);

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal(0);

    /// The decimal for a whole number.
    #[must_use]
    pub fn from_int(value: i64) -> Decimal {
        Decimal(i128::from(value) * SCALE)
    }

    /// Parses `-12`, `129.90`, `1e3`, `1.5E-3` (JSON number syntax, also with a leading `+`).
    /// More than nine fractional digits are rounded. Returns `None` for anything else.
    #[must_use]
    pub fn parse(text: &str) -> Option<Decimal> {
        let bytes = text.as_bytes();
        let mut index = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                index += 1;
                true
            }
            Some(b'+') => {
                index += 1;
                false
            }
            _ => false,
        };
        let mut digits: Vec<u8> = Vec::new();
        let mut fraction_digits: i64 = 0;
        let mut seen_point = false;
        let mut seen_digit = false;
        while index < bytes.len() {
            match bytes[index] {
                b @ b'0'..=b'9' => {
                    seen_digit = true;
                    if !(digits.is_empty() && b == b'0') || seen_point {
                        digits.push(b - b'0');
                    }
                    if seen_point {
                        fraction_digits += 1;
                    }
                }
                b'.' if !seen_point => seen_point = true,
                b'e' | b'E' => break,
                _ => return None,
            }
            index += 1;
        }
        if !seen_digit {
            return None;
        }
        let mut exponent: i64 = 0;
        if index < bytes.len() {
            let rest = &text[index + 1..];
            if rest.is_empty() || rest.len() > 6 {
                return None;
            }
            exponent = rest.parse::<i64>().ok()?;
        }
        // value = digits * 10^(exponent - fraction_digits); we want value * 10^9.
        let shift = exponent - fraction_digits + SCALE_DIGITS as i64;
        let mut mantissa: i128 = 0;
        let mut dropped_first: Option<u8> = None;
        let keep = if shift >= 0 {
            digits.len()
        } else {
            let drop = usize::try_from(-shift).ok()?;
            if drop >= digits.len() {
                dropped_first = digits.first().copied().filter(|_| drop == digits.len());
                0
            } else {
                dropped_first = Some(digits[digits.len() - drop]);
                digits.len() - drop
            }
        };
        for &digit in &digits[..keep] {
            mantissa = mantissa.checked_mul(10)?.checked_add(i128::from(digit))?;
        }
        if shift > 0 {
            for _ in 0..shift {
                mantissa = mantissa.checked_mul(10)?;
            }
        }
        if dropped_first.is_some_and(|digit| digit >= 5) {
            mantissa = mantissa.checked_add(1)?;
        }
        Some(Decimal(if negative { -mantissa } else { mantissa }))
    }

    /// `self + other`, `None` on overflow.
    #[must_use]
    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        self.0.checked_add(other.0).map(Decimal)
    }

    /// `self - other`, `None` on overflow.
    #[must_use]
    pub fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        self.0.checked_sub(other.0).map(Decimal)
    }

    /// `self * other`, rounded to nine places, `None` on overflow.
    #[must_use]
    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        let product = self.0.checked_mul(other.0)?;
        Some(Decimal(divide_rounded(product, SCALE)))
    }

    /// `self / other` as a decimal (not integer division), `None` when `other` is zero or on
    /// overflow.
    #[must_use]
    pub fn checked_div(self, other: Decimal) -> Option<Decimal> {
        if other.0 == 0 {
            return None;
        }
        let numerator = self.0.checked_mul(SCALE)?;
        Some(Decimal(divide_rounded(numerator, other.0)))
    }

    /// `-self`, `None` on overflow.
    #[must_use]
    pub fn checked_neg(self) -> Option<Decimal> {
        self.0.checked_neg().map(Decimal)
    }

    /// The value in hundredths (cents), rounded half away from zero; `None` beyond `i64`.
    #[must_use]
    pub fn to_cents(self) -> Option<i64> {
        i64::try_from(divide_rounded(self.0, SCALE / 100)).ok()
    }

    /// The whole-number value when there is no fractional part.
    #[must_use]
    pub fn to_int(self) -> Option<i64> {
        if self.0 % SCALE == 0 { i64::try_from(self.0 / SCALE).ok() } else { None }
    }
}

/// Divides rounding half away from zero.
fn divide_rounded(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder.unsigned_abs() * 2 >= denominator.unsigned_abs() {
        if (numerator < 0) == (denominator < 0) { quotient + 1 } else { quotient - 1 }
    } else {
        quotient
    }
}

impl fmt::Display for Decimal {
    /// Shortest exact form: `129.9`, `-3`, `0.666666667`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Digits by hand: `{}` on a 128-bit integer links core's 128-bit formatting (issue 15).
        // All digits of the magnitude, at least ten (so the nine of the fraction and one whole).
        let mut digits = [b'0'; 40];
        let mut start = digits.len();
        let mut rest = self.0.unsigned_abs();
        while rest > 0 || digits.len() - start < 10 {
            start -= 1;
            #[allow(clippy::cast_possible_truncation)] // a digit
            let digit = (rest % 10) as u8;
            digits[start] = b'0' + digit;
            rest /= 10;
        }
        let point = digits.len() - 9;
        let fraction_end = point + digits[point..].iter().rposition(|&digit| digit != b'0').map_or(0, |last| last + 1);
        if self.0 < 0 {
            formatter.write_str("-")?;
        }
        // ASCII digits only, so the slices are text.
        formatter.write_str(std::str::from_utf8(&digits[start..point]).unwrap_or_default())?;
        if fraction_end > point {
            formatter.write_str(".")?;
            formatter.write_str(std::str::from_utf8(&digits[point..fraction_end]).unwrap_or_default())?;
        }
        Ok(())
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, formatter)
    }
}

impl serde::Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(deserializer)?;
        Decimal::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("invalid decimal `{text}`")))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::Decimal;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    /// What `Display` wrote before it wrote its digits by hand (with `{}` on 128-bit integers).
    fn formatted_by_core(mantissa: i128) -> String {
        let scale = super::SCALE.unsigned_abs();
        let sign = if mantissa < 0 { "-" } else { "" };
        let (whole, fraction) = (mantissa.unsigned_abs() / scale, mantissa.unsigned_abs() % scale);
        if fraction == 0 {
            format!("{sign}{whole}")
        } else {
            format!("{sign}{whole}.{}", format!("{fraction:09}").trim_end_matches('0'))
        }
    }

    proptest::proptest! {
        #[test]
        fn displays_as_core_formatting_would(mantissa in proptest::num::i128::ANY, small in -10_000_000_000i128..10_000_000_000) {
            proptest::prop_assert_eq!(Decimal(mantissa).to_string(), formatted_by_core(mantissa));
            proptest::prop_assert_eq!(Decimal(small).to_string(), formatted_by_core(small));
        }
    }

    #[test]
    fn displays_the_extremes() {
        for mantissa in [i128::MIN, i128::MAX, 0, 1, -1, 999_999_999, 1_000_000_000, -1_000_000_001] {
            assert_eq!(Decimal(mantissa).to_string(), formatted_by_core(mantissa));
        }
    }

    #[test]
    fn parses_json_numbers() {
        assert_eq!(d("129.90").to_string(), "129.9");
        assert_eq!(d("-12").to_string(), "-12");
        assert_eq!(d("1e3").to_string(), "1000");
        assert_eq!(d("1.5E-3").to_string(), "0.0015");
        assert_eq!(d("0.0000000004").to_string(), "0");
        assert_eq!(d("0.0000000005").to_string(), "0.000000001");
        assert_eq!(d("007").to_string(), "7");
        for bad in ["", "-", ".", "1.2.3", "abc", "1e", "1e1000000", "12a"] {
            assert_eq!(Decimal::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn arithmetic_is_decimal() {
        assert_eq!(d("0.1").checked_add(d("0.2")), Some(d("0.3")));
        assert_eq!(d("8").checked_div(d("12")).unwrap().to_string(), "0.666666667");
        assert_eq!(d("-8").checked_div(d("12")).unwrap().to_string(), "-0.666666667");
        assert_eq!(d("1").checked_div(Decimal::ZERO), None);
        assert_eq!(d("2.5").checked_mul(d("4")), Some(d("10")));
        assert_eq!(d("10").to_int(), Some(10));
        assert_eq!(d("10.5").to_int(), None);
    }

    #[test]
    fn overflow_is_none() {
        let big = d("1e20");
        assert_eq!(big.checked_mul(big), None);
    }
}
