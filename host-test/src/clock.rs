//! Manual time and deterministic randomness: a test decides when time passes.

use std::time::{SystemTime, UNIX_EPOCH};

/// The proxy's clock. It only moves when the host is told to (`Plugin::advance`, or
/// an idle timeout during an exchange), so tick and timeout tests are exact.
#[derive(Clone, Debug)]
pub(crate) struct ManualClock {
    now_ns: u64,
    start_ns: u64,
}

impl ManualClock {
    pub(crate) fn starting_at_ms(start_ms: u64) -> Self {
        let start_ns = start_ms.saturating_mul(1_000_000);
        Self {
            now_ns: start_ns,
            start_ns,
        }
    }

    pub(crate) fn now_ns(&self) -> u64 {
        self.now_ns
    }

    /// Nanoseconds since the clock started: what Envoy's monotonic time source gives.
    pub(crate) fn monotonic_ns(&self) -> u64 {
        self.now_ns - self.start_ns
    }

    pub(crate) fn set_ns(&mut self, now_ns: u64) {
        self.now_ns = self.now_ns.max(now_ns);
    }
}

/// Milliseconds since the Unix epoch, now.
pub(crate) fn wall_clock_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form of Envoy's `date` header.
pub(crate) fn http_date(unix_ns: u64) -> String {
    let secs = i64::try_from(unix_ns / 1_000_000_000).unwrap_or(i64::MAX);
    let at = jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::MAX);
    jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&at)
        .unwrap_or_default()
}

/// SplitMix64: `random_get` and generated request ids are reproducible from a seed.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    /// A version-4 UUID, as Envoy's request-id extension generates for `x-request-id`.
    pub(crate) fn uuid_v4(&mut self) -> String {
        let mut bytes = [0u8; 16];
        self.fill(&mut bytes);
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_http_dates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            http_date(784_111_777 * 1_000_000_000),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
    }

    #[test]
    fn uuids_are_version_4() {
        let id = SplitMix64::new(1).uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
