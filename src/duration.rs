//! Durations as users write them (`"90s"`, `"30m"`, `"1h"`, `"7d"`, `"1h30m"` or
//! integer seconds) and as Vault returns them (integer seconds).
//!
//! Pure functions; no I/O.

/// Parses a duration string into seconds. Accepts one or more `<digits><unit>`
/// groups with units `s`, `m`, `h`, `d`, or bare digits (seconds).
pub fn parse(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => return None,
        };
        if digits.is_empty() {
            return None;
        }
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
    }
    if !digits.is_empty() {
        return None;
    }
    Some(total)
}

/// Formats seconds the way a person would write them: `3600` -> `"1h"`,
/// `5400` -> `"1h30m"`, `0` -> `"0s"`.
pub fn format(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".to_string();
    }
    let mut rest = seconds;
    let mut out = String::new();
    for (unit, name) in [(86400, "d"), (3600, "h"), (60, "m"), (1, "s")] {
        if rest >= unit {
            out.push_str(&format!("{}{}", rest / unit, name));
            rest %= unit;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(parse("90s"), Some(90));
        assert_eq!(parse("30m"), Some(1800));
        assert_eq!(parse("1h"), Some(3600));
        assert_eq!(parse("7d"), Some(604800));
        assert_eq!(parse("1h30m"), Some(5400));
        assert_eq!(parse("3600"), Some(3600));
    }

    #[test]
    fn rejects_what_vault_would_not_mean() {
        for bad in ["", "1 hour", "h", "1x", "1h30", "-1h", "1.5h"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for s in [0, 1, 59, 60, 3600, 5400, 14400, 86400, 90061] {
            assert_eq!(parse(&format(s)), Some(s));
        }
        assert_eq!(format(14400), "4h");
    }
}
