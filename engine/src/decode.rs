//! Compressed bodies: what a runtime's decoder promises the exchange flow,
//! and (with the `decode` feature) the bounded decoder every runtime uses.
//!
//! aimsgate asks upstreams for `identity` on governed routes, but a client
//! may send a compressed request and an upstream may ignore the ask. Such
//! a body is decoded — within a size and a ratio limit, so a decompression
//! bomb costs at most the limit — or refused: it is never passed on
//! uninspected. A runtime built without the feature uses [`NoDecoder`] and
//! so refuses every compressed body.

/// Why a compressed body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// An encoding the runtime does not decode.
    Unsupported(String),
    /// Larger than the limits allow once decoded.
    TooLarge,
    /// Not valid data of its encoding.
    Corrupt(String),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Unsupported(e) => write!(f, "content-encoding `{e}` is not supported"),
            DecodeError::TooLarge => {
                f.write_str("the decompressed body exceeds the size or ratio limit")
            }
            DecodeError::Corrupt(e) => write!(f, "the compressed body is corrupt: {e}"),
        }
    }
}

/// Decodes compressed bodies for the exchange flow.
pub trait Decoder {
    /// `body` of `encoding` (a `content-encoding` value), decoded to at
    /// most `max_len` bytes.
    fn decode(&self, encoding: &str, body: &[u8], max_len: usize) -> Result<Vec<u8>, DecodeError>;
}

/// A runtime that decodes nothing: every compressed body is refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDecoder;

impl Decoder for NoDecoder {
    fn decode(&self, encoding: &str, _: &[u8], _: usize) -> Result<Vec<u8>, DecodeError> {
        Err(DecodeError::Unsupported(encoding.trim().to_owned()))
    }
}

/// Whether a `content-encoding` value means the body is encoded.
pub fn is_encoded(encoding: Option<&str>) -> bool {
    encoding.is_some_and(|e| !e.trim().is_empty() && !e.trim().eq_ignore_ascii_case("identity"))
}

/// The largest ratio of decoded to encoded size a [`Bounded`] decoder
/// accepts unless configured otherwise.
pub const DEFAULT_MAX_RATIO: usize = 100;

/// gzip, deflate and brotli, decoded to at most the flow's size limit and
/// at most `max_ratio` times the encoded size.
#[cfg(feature = "decode")]
#[derive(Debug, Clone, Copy)]
pub struct Bounded {
    /// Largest ratio of decoded to encoded size.
    pub max_ratio: usize,
}

#[cfg(feature = "decode")]
impl Default for Bounded {
    fn default() -> Self {
        Bounded {
            max_ratio: DEFAULT_MAX_RATIO,
        }
    }
}

#[cfg(feature = "decode")]
impl Decoder for Bounded {
    fn decode(&self, encoding: &str, body: &[u8], max_len: usize) -> Result<Vec<u8>, DecodeError> {
        bounded::decode(encoding, body, max_len, self.max_ratio)
    }
}

#[cfg(feature = "decode")]
mod bounded {
    use std::io::Read;

    use super::DecodeError;

    /// Decodes `body` of `encoding` (gzip, x-gzip, deflate, br; a list is
    /// decoded last-applied first), at most `max_size` bytes and
    /// `max_ratio` times the encoded size.
    pub(super) fn decode(
        encoding: &str,
        body: &[u8],
        max_size: usize,
        max_ratio: usize,
    ) -> Result<Vec<u8>, DecodeError> {
        let limit = max_size.min(body.len().saturating_mul(max_ratio).max(1024));
        let mut data = body.to_vec();
        for coding in encoding
            .rsplit(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let coding = coding.to_ascii_lowercase();
            data = match coding.as_str() {
                "identity" => data,
                "gzip" | "x-gzip" => {
                    read_limited(flate2::read::MultiGzDecoder::new(&data[..]), limit)?
                }
                // `deflate` is zlib-wrapped per RFC 9110; some servers send raw.
                "deflate" => read_limited(flate2::read::ZlibDecoder::new(&data[..]), limit)
                    .or_else(|_| {
                        read_limited(flate2::read::DeflateDecoder::new(&data[..]), limit)
                    })?,
                "br" => read_limited(
                    brotli_decompressor::Decompressor::new(&data[..], 4096),
                    limit,
                )?,
                other => return Err(DecodeError::Unsupported(other.to_owned())),
            };
        }
        Ok(data)
    }

    fn read_limited(reader: impl Read, limit: usize) -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::new();
        let read = reader
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
        if read > limit {
            return Err(DecodeError::TooLarge);
        }
        Ok(out)
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use std::io::Write;

        fn gzip(data: &[u8]) -> Vec<u8> {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(data).unwrap();
            encoder.finish().unwrap()
        }

        #[test]
        fn gzip_round_trips_and_bombs_are_refused() {
            let body = br#"{"model":"gpt-4o","messages":[]}"#;
            assert_eq!(decode("gzip", &gzip(body), 1 << 20, 100).unwrap(), body);
            let bomb = gzip(&vec![b'a'; 10 << 20]);
            assert_eq!(
                decode("gzip", &bomb, 8 << 20, 100),
                Err(DecodeError::TooLarge)
            );
            assert!(matches!(
                decode("gzip", b"not gzip", 1 << 20, 100),
                Err(DecodeError::Corrupt(_))
            ));
            assert!(matches!(
                decode("zstd", b"x", 1 << 20, 100),
                Err(DecodeError::Unsupported(_))
            ));
        }
    }
}
