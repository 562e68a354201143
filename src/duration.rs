//! Durations as users write them and as Vault returns them (integer seconds).
//!
//! Everything Vault accepts is accepted: integer seconds (`"3600"`), Go
//! duration text (`"90s"`, `"1h30m"`, `"1.5h"`, `"500ms"`, `"250us"`), and
//! days (`"7d"`, which Vault accepts alone and vaultform also in
//! combinations such as `"1d12h"`). As Vault does for TTL fields, a value
//! is counted in whole seconds, the fraction dropped (`"1500ms"` is 1 s,
//! `"500ms"` is 0, `(system default)` for a lease or token TTL).
//!
//! Pure functions; no I/O.

use std::time::Duration;

/// Parses a duration string into whole seconds (the fraction dropped, as
/// Vault drops it). `None` when it is not a duration Vault would accept.
pub fn parse(text: &str) -> Option<u64> {
    parse_exact(text).map(|d| d.as_secs())
}

/// Parses a duration string exactly (to the nanosecond): integer seconds, or
/// one or more `<number><unit>` groups, the number with an optional
/// fraction (`1.5`, `.5`), the unit one of `ns`, `us` (`µs`), `ms`, `s`,
/// `m`, `h`, `d`. No sign: a negative duration means nothing here.
pub fn parse_exact(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok().map(Duration::from_secs);
    }
    let mut rest = text;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int, after) = rest.split_at(int_len);
        let (frac, after) = match after.strip_prefix('.') {
            Some(a) => {
                let n = a.bytes().take_while(u8::is_ascii_digit).count();
                a.split_at(n)
            }
            None => ("", after),
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let unit_len = after
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(after.len(), |(i, _)| i);
        let (unit, next) = after.split_at(unit_len);
        let nanos: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            _ => return None,
        };
        let whole: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
        total = total.checked_add(whole.checked_mul(nanos)?)?;
        // The fraction, digit by digit (Go does the same, to the nanosecond).
        let mut scale = nanos;
        for d in frac.bytes().take(30) {
            scale /= 10;
            total = total.checked_add(u128::from(d - b'0') * scale)?;
        }
        rest = next;
    }
    let secs = u64::try_from(total / 1_000_000_000).ok()?;
    let nanos = u32::try_from(total % 1_000_000_000).ok()?;
    Some(Duration::new(secs, nanos))
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

/// Whether Vault reads 0 in this field as "the system (or mount) default":
/// lease and token TTLs. Not `secret_id_ttl` or `token_explicit_max_ttl`
/// (0 is "no limit"), periods, leeways or `delete_version_after`.
pub fn zero_is_default(field: &str) -> bool {
    matches!(
        field,
        "default_lease_ttl"
            | "max_lease_ttl"
            | "token_ttl"
            | "token_max_ttl"
            | "ttl"
            | "max_ttl"
            | "default_ttl"
    )
}

/// What a plan shows for a zero TTL whose field [`zero_is_default`].
pub const SYSTEM_DEFAULT: &str = "(system default)";

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
        assert_eq!(parse("1d12h"), Some(129600));
    }

    #[test]
    fn parses_what_vault_accepts_from_go() {
        assert_eq!(parse("1.5h"), Some(5400));
        assert_eq!(parse(".5m"), Some(30));
        assert_eq!(parse("2.m"), Some(120));
        assert_eq!(parse("1500ms"), Some(1));
        assert_eq!(parse("500ms"), Some(0));
        assert_eq!(parse("1h0.5s"), Some(3600));
        assert_eq!(parse_exact("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_exact("250us"), Some(Duration::from_micros(250)));
        assert_eq!(parse_exact("250µs"), Some(Duration::from_micros(250)));
        assert_eq!(parse_exact("7ns"), Some(Duration::from_nanos(7)));
        assert_eq!(parse_exact("1m1.25s"), Some(Duration::from_millis(61_250)));
        assert_eq!(parse_exact("0.1s"), Some(Duration::from_millis(100)));
    }

    #[test]
    fn rejects_what_vault_would_not_mean() {
        for bad in [
            "",
            "1 hour",
            "h",
            "1x",
            "1h30",
            "-1h",
            "+1h",
            ".",
            ".s",
            "1..5h",
            "1.5",
            "1e3s",
            "1H",
            "99999999999999999999999d",
        ] {
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

    #[test]
    fn zero_is_the_default_only_for_lease_and_token_ttls() {
        assert!(zero_is_default("token_ttl"));
        assert!(zero_is_default("max_lease_ttl"));
        assert!(!zero_is_default("secret_id_ttl"));
        assert!(!zero_is_default("token_explicit_max_ttl"));
        assert!(!zero_is_default("token_period"));
    }
}
