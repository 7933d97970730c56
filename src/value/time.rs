//! Calendar arithmetic for `date` and `datetime` facts: ISO 8601 / RFC 3339 parsing and formatting.
//!
//! Dates are days since 1970-01-01, datetimes are seconds since 1970-01-01T00:00:00Z (offsets are
//! applied, so every datetime is UTC). There is no clock here: "today" is the `now` fact.
//! Hand-written (the civil-from-days algorithm by Howard Hinnant) because a date crate would cost
//! the widget tens of KB for two formats.

/// Seconds in a day.
pub const SECONDS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date. `None` for invalid dates such as Feb 30.
#[must_use]
pub fn days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// The (year, month, day) of a day number.
#[must_use]
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digits(text: &str, range: std::ops::Range<usize>) -> Option<u32> {
    let part = text.get(range)?;
    if part.bytes().all(|byte| byte.is_ascii_digit()) { part.parse().ok() } else { None }
}

/// Parses `YYYY-MM-DD` into a day number.
#[must_use]
pub fn parse_date(text: &str) -> Option<i64> {
    if text.len() != 10 || text.as_bytes()[4] != b'-' || text.as_bytes()[7] != b'-' {
        return None;
    }
    days_from_civil(i64::from(digits(text, 0..4)?), digits(text, 5..7)?, digits(text, 8..10)?)
}

/// Parses an RFC 3339 datetime (`2026-11-20T10:15:00Z`, `…+01:00`, fractional seconds ignored,
/// `t`/space accepted as separator) into UTC seconds.
#[must_use]
pub fn parse_datetime(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    let days = parse_date(text.get(..10)?)?;
    if bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let hour = digits(text, 11..13)?;
    let minute = digits(text, 14..16)?;
    let second = digits(text, 17..19)?;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction.find(|c: char| !c.is_ascii_digit()).unwrap_or(fraction.len());
        if end == 0 {
            return None;
        }
        rest = &fraction[end..];
    }
    let offset_seconds = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let offset_hours = digits(rest, 1..3)?;
            let offset_minutes = digits(rest, 4..6)?;
            if offset_hours > 23 || offset_minutes > 59 {
                return None;
            }
            sign * i64::from(offset_hours * 3600 + offset_minutes * 60)
        }
        _ => return None,
    };
    let local = days * SECONDS_PER_DAY + i64::from(hour * 3600 + minute * 60 + second.min(59));
    Some(local - offset_seconds)
}

/// The same calendar date `months` later; when that date does not exist, the last day of that
/// month (31 January + 1 month = 28/29 February). This is how GDPR Art. 12(3)'s "one month" is
/// counted in practice (see docs/rules.md).
#[must_use]
pub fn add_months(days: i64, months: u32) -> i64 {
    let (year, month, day) = civil_from_days(days);
    let index = i64::from(month - 1) + i64::from(months);
    let (target_year, target_month) = (year + index.div_euclid(12), (index.rem_euclid(12) + 1) as u32);
    let last = days_in_month(target_year, target_month);
    days_from_civil(target_year, target_month, day.min(last)).unwrap_or(days)
}

/// `YYYY-MM-DD`.
#[must_use]
pub fn format_date(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
#[must_use]
pub fn format_datetime(seconds: i64) -> String {
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let in_day = seconds.rem_euclid(SECONDS_PER_DAY);
    format!("{}T{:02}:{:02}:{:02}Z", format_date(days), in_day / 3600, in_day % 3600 / 60, in_day % 60)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::*;

    #[test]
    fn round_trips_dates() {
        for days in [-800_000, -1, 0, 1, 10_957, 20_412, 2_000_000] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), Some(days));
        }
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2024-02-29").map(format_date).as_deref(), Some("2024-02-29"));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-13-01"), None);
        assert_eq!(parse_date("23-01-01"), None);
    }

    #[test]
    fn adds_calendar_months() {
        let add = |date: &str, months| format_date(add_months(parse_date(date).unwrap(), months));
        assert_eq!(add("2026-11-25", 1), "2026-12-25");
        assert_eq!(add("2026-12-25", 1), "2027-01-25");
        assert_eq!(add("2027-01-31", 1), "2027-02-28");
        assert_eq!(add("2028-01-31", 1), "2028-02-29");
        assert_eq!(add("2026-11-25", 3), "2027-02-25");
        assert_eq!(add("2026-03-31", 1), "2026-04-30");
    }

    #[test]
    fn parses_rfc3339() {
        assert_eq!(parse_datetime("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_datetime("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(
            parse_datetime("2026-11-25T10:15:30.123Z").map(format_datetime).as_deref(),
            Some("2026-11-25T10:15:30Z")
        );
        assert_eq!(
            parse_datetime("2026-11-25 10:15:30-02:30").map(format_datetime).as_deref(),
            Some("2026-11-25T12:45:30Z")
        );
        for bad in ["2026-11-25", "2026-11-25T25:00:00Z", "2026-11-25T10:15:30", "2026-11-25T10:15:30+0100"] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }
}
