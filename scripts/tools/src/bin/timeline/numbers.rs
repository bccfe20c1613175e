//! Numbers as strace and tcpdump print them: moments, and the counts inside their text.

use crate::Micros;

/// `1796158627.036497` (seconds, as `-ttt` and `-tt` print them, or a duration as `-T` does)
/// in microseconds. What follows the number is ignored; no digits at all is None.
pub fn micros(text: &str) -> Option<Micros> {
    let (whole, rest) = split_digits(text);
    if whole.is_empty() {
        return None;
    }
    let fraction = rest.strip_prefix('.').map_or("", |rest| split_digits(rest).0);
    let mut micros: Micros = whole.parse().ok()?;
    let mut digits = fraction.chars().map(|digit| Micros::from(digit as u8 - b'0'));
    for _ in 0..6 {
        micros = micros.checked_mul(10)?.checked_add(digits.next().unwrap_or(0))?;
    }
    // Both tools print six decimals; a seventh would round, as printing to six does.
    if digits.next().is_some_and(|seventh| seventh >= 5) {
        micros = micros.checked_add(1)?;
    }
    Some(micros)
}

/// The whole number a piece of text starts with (`3` of `3, ...`, `22` of `22: HTTP`), reading
/// it the way the text is meant: no digits is 0, as a missing count is none.
pub fn leading_number(text: &str) -> i64 {
    let text = text.trim_start_matches([' ', '\t']);
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let number = split_digits(unsigned).0.parse::<i64>().unwrap_or(0);
    if negative { -number } else { number }
}

/// Whether the text is a whole number and nothing else: a call's result that is a count or fd.
pub fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// Milliseconds, to three decimals: `122.038`, or `-0.250` for a moment before another.
pub fn millis(micros: Micros) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let size = micros.unsigned_abs();
    format!("{sign}{}.{:03}", size / 1000, size % 1000)
}

fn split_digits(text: &str) -> (&str, &str) {
    let end = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    text.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_is_read_to_the_microsecond() {
        assert_eq!(micros("1796158627.036497"), Some(1_796_158_627_036_497));
        assert_eq!(micros("0.000214>"), Some(214));
        assert_eq!(micros("2"), Some(2_000_000));
        assert_eq!(micros("abc"), None);
        assert_eq!(micros("0.0000005"), Some(1), "half a microsecond rounds up");
        assert_eq!(micros("0.0000004"), Some(0));
    }

    #[test]
    fn a_count_is_the_number_its_text_starts_with() {
        assert_eq!(leading_number("22: HTTP"), 22);
        assert_eq!(leading_number("AF_INET"), 0);
        assert_eq!(leading_number("-1 EAGAIN"), -1);
    }

    #[test]
    fn milliseconds_keep_their_sign_and_three_decimals() {
        assert_eq!(millis(121_893), "121.893");
        assert_eq!(millis(5), "0.005");
        assert_eq!(millis(-250), "-0.250");
    }
}
