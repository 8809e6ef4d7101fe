//! Header maps as Envoy keeps them, and the ABI's serialised form of them.

/// An ordered multimap of HTTP headers with Envoy's `HeaderMapImpl` rules: keys are
/// lower-cased, entries keep insertion order, a key may repeat, and pseudo-headers
/// (`:method`, `:path`, ...) always come before the others
/// (envoy source/common/http/header_map_impl.cc).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderMap {
    entries: Vec<(String, String)>,
}

impl HeaderMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// A map with `pairs` added in order (keys lower-cased).
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Self {
        let mut map = Self::new();
        for (key, value) in pairs {
            map.add(key.as_ref(), value.as_ref());
        }
        map
    }

    /// The entries in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.entries
    }

    /// The entries as owned pairs.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        self.entries.clone()
    }

    /// Number of entries (what Envoy passes as `num_headers`).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sum of key and value lengths: Envoy's `HeaderMap::byteSize()`, what
    /// `proxy_get_header_map_size` reports.
    pub fn byte_size(&self) -> usize {
        self.entries
            .iter()
            .map(|(key, value)| key.len() + value.len())
            .sum()
    }

    /// The first value of `key`, as `proxy_get_header_map_value` returns it
    /// (envoy context.cc: "This needs to either return a concatenated list of values").
    pub fn get(&self, key: &str) -> Option<&str> {
        let key = key.to_ascii_lowercase();
        self.entries
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, value)| value.as_str())
    }

    /// All values of `key` joined with `,` (Envoy's `getAllOfHeaderAsString`, used
    /// by the `request.headers` property).
    pub fn get_joined(&self, key: &str) -> Option<String> {
        let key = key.to_ascii_lowercase();
        let values: Vec<&str> = self
            .entries
            .iter()
            .filter(|(name, _)| *name == key)
            .map(|(_, value)| value.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    }

    /// Appends an entry (`addCopy`); a pseudo-header goes after the last pseudo-header.
    pub fn add(&mut self, key: &str, value: &str) {
        let key = key.to_ascii_lowercase();
        if key.starts_with(':') {
            let position = self
                .entries
                .iter()
                .position(|(name, _)| !name.starts_with(':'))
                .unwrap_or(self.entries.len());
            self.entries.insert(position, (key, value.to_owned()));
        } else {
            self.entries.push((key, value.to_owned()));
        }
    }

    /// Removes every entry of `key`.
    pub fn remove(&mut self, key: &str) {
        let key = key.to_ascii_lowercase();
        self.entries.retain(|(name, _)| *name != key);
    }

    /// Replaces every entry of `key` by one (`setCopy`: current Envoy removes all
    /// values then appends, header_map_impl.cc).
    pub fn set(&mut self, key: &str, value: &str) {
        self.remove(key);
        self.add(key, value);
    }

    /// Sets `key` only if it is absent.
    pub(crate) fn set_if_absent(&mut self, key: &str, value: &str) {
        if self.get(key).is_none() {
            self.add(key, value);
        }
    }
}

/// Serialises pairs the ABI way: u32 count, then u32 key and value lengths per
/// entry, then each key and value followed by a NUL, all little-endian.
pub(crate) fn encode_pairs<K: AsRef<[u8]>, V: AsRef<[u8]>>(pairs: &[(K, V)]) -> Vec<u8> {
    let size = 4 + pairs
        .iter()
        .map(|(key, value)| 8 + key.as_ref().len() + value.as_ref().len() + 2)
        .sum::<usize>();
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&len_u32(pairs.len()).to_le_bytes());
    for (key, value) in pairs {
        out.extend_from_slice(&len_u32(key.as_ref().len()).to_le_bytes());
        out.extend_from_slice(&len_u32(value.as_ref().len()).to_le_bytes());
    }
    for (key, value) in pairs {
        out.extend_from_slice(key.as_ref());
        out.push(0);
        out.extend_from_slice(value.as_ref());
        out.push(0);
    }
    out
}

fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Parses the ABI's serialised pairs. Like proxy-wasm-cpp-host's `toPairs`
/// (src/pairs_util.cc), a buffer too short for its own size table yields no pairs;
/// unlike it, strings running past the end are cut off instead of read out of bounds.
pub(crate) fn decode_pairs(bytes: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let read_u32 = |at: usize| -> Option<usize> {
        let raw: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(raw)).ok()
    };
    let Some(count) = read_u32(0) else {
        return Vec::new();
    };
    let Some(table_end) = count.checked_mul(8).and_then(|table| table.checked_add(4)) else {
        return Vec::new();
    };
    if table_end > bytes.len() {
        return Vec::new();
    }
    let mut pairs = Vec::with_capacity(count);
    let mut cursor = table_end;
    let mut take = |len: usize| -> Vec<u8> {
        let start = cursor.min(bytes.len());
        let end = cursor.saturating_add(len).min(bytes.len());
        cursor = cursor.saturating_add(len).saturating_add(1);
        bytes[start..end].to_vec()
    };
    for index in 0..count {
        let key_len = read_u32(4 + index * 8).unwrap_or(0);
        let value_len = read_u32(8 + index * 8).unwrap_or(0);
        let key = take(key_len);
        let value = take(value_len);
        pairs.push((key, value));
    }
    pairs
}

/// [`decode_pairs`] with keys and values as (lossy) strings.
pub(crate) fn decode_string_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    decode_pairs(bytes)
        .into_iter()
        .map(|(key, value)| {
            (
                String::from_utf8_lossy(&key).into_owned(),
                String::from_utf8_lossy(&value).into_owned(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_round_trip() {
        let pairs = vec![(":path", "/a"), ("x-b", "")];
        let encoded = encode_pairs(&pairs);
        assert_eq!(&encoded[0..4], &2u32.to_le_bytes());
        let decoded = decode_string_pairs(&encoded);
        assert_eq!(
            decoded,
            vec![
                (":path".to_owned(), "/a".to_owned()),
                ("x-b".to_owned(), String::new())
            ]
        );
    }

    #[test]
    fn truncated_pairs_do_not_panic() {
        assert!(decode_pairs(&[1, 0]).is_empty());
        assert!(decode_pairs(&[5, 0, 0, 0, 1]).is_empty());
        let mut encoded = encode_pairs(&[("key", "value")]);
        encoded.truncate(encoded.len() - 4);
        assert_eq!(decode_pairs(&encoded)[0].0, b"key");
    }

    #[test]
    fn pseudo_headers_stay_first_and_set_replaces_all() {
        let mut map = HeaderMap::from_pairs(&[(":method", "GET"), ("A", "1"), ("a", "2")]);
        map.add(":path", "/");
        assert_eq!(map.pairs()[1].0, ":path");
        map.set("a", "3");
        assert_eq!(map.get_joined("a").as_deref(), Some("3"));
        assert_eq!(map.byte_size(), ":method".len() + 3 + ":path".len() + 1 + 2);
    }
}
