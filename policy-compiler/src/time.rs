//! Times as the CLI reads and writes them: RFC 3339 UTC, nanoseconds
//! since the Unix epoch inside.

use jiff::Timestamp;

/// Now, as RFC 3339 UTC to the second.
pub fn now_rfc3339() -> String {
    let now = Timestamp::now();
    Timestamp::from_second(now.as_second())
        .unwrap_or(now)
        .to_string()
}

/// Now, in nanoseconds since the Unix epoch.
pub fn now_unix_nano() -> u64 {
    u64::try_from(Timestamp::now().as_nanosecond()).unwrap_or(0)
}

/// RFC 3339 UTC of nanoseconds since the epoch, to the second
/// (`2026-11-28T10:00:00Z`).
pub fn rfc3339(unix_nano: u64) -> String {
    let secs = i64::try_from(unix_nano / 1_000_000_000).unwrap_or(i64::MAX);
    Timestamp::from_second(secs)
        .unwrap_or(Timestamp::MAX)
        .to_string()
}

/// Nanoseconds since the Unix epoch of Unix seconds (`1764324000`) or an
/// RFC 3339 time (`2026-11-28T10:00:00Z`, `2026-11-28T10:00:00.5+01:00`).
pub fn parse(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return secs.checked_mul(1_000_000_000);
    }
    let at: Timestamp = text.parse().ok()?;
    u64::try_from(at.as_nanosecond()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_unix_seconds_and_rfc3339() {
        assert_eq!(parse("0"), Some(0));
        assert_eq!(parse("1970-01-01T00:00:01Z"), Some(1_000_000_000));
        assert_eq!(
            parse("2026-11-28T10:00:00Z"),
            Some(1_795_860_000 * 1_000_000_000)
        );
        assert_eq!(
            parse("2026-11-28T11:00:00.5+01:00"),
            Some(1_795_860_000 * 1_000_000_000 + 500_000_000)
        );
        assert_eq!(
            parse("2026-11-28 10:00:00z"),
            Some(1_795_860_000 * 1_000_000_000)
        );
        assert_eq!(parse("yesterday"), None);
        assert_eq!(parse("1969-12-31T23:59:59Z"), None);
        assert_eq!(
            rfc3339(1_795_860_000 * 1_000_000_000 + 7),
            "2026-11-28T10:00:00Z"
        );
        assert_eq!(parse("2026-13-01T00:00:00Z"), None);
    }
}
