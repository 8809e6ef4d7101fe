//! The request target as routing sees it: one spelling per host and per
//! path, so that no other spelling of a governed endpoint can be routed
//! past the policy.
//!
//! Hosts are canonicalised, since their variants are ordinary (a client or
//! a proxy may send `API.OpenAI.com`, `api.openai.com.` or
//! `api.openai.com:443`, and the upstream treats them all alike): lower
//! case, no trailing dot, no port. A host that has no single reading
//! (`api.openai.com:443:443`, a port that is not a number) is refused.
//!
//! Paths are not rewritten: a spelling that an upstream might read
//! differently from us — dot segments, doubled slashes, percent-encoded
//! characters that need no encoding, an encoded slash or backslash — is
//! refused, and real SDKs never send one. What is routed is then exactly
//! what the upstream gets. The query is left as it is.

use std::borrow::Cow;

/// Why a request target was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// The host has no single reading.
    #[error("the host is malformed: {0}")]
    Host(&'static str),
    /// The path is not in its one plain spelling.
    #[error("the path is not in canonical form: {0}")]
    Path(&'static str),
}

/// The host routing compares: lower case, trailing dot and port removed
/// (`[v6]` literals keep their brackets).
pub fn canonical_host(host: &str) -> Result<Cow<'_, str>, TargetError> {
    let host = host.trim();
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return Err(TargetError::Host("an IPv6 literal without `]`"));
        };
        let after = &rest[end + 1..];
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or(TargetError::Host("text after an IPv6 literal"))?,
            ),
        };
        (&host[..end + 2], port)
    } else {
        match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    if let Some(port) = port
        && (port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(TargetError::Host("the port is not a number"));
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.ends_with('.') || name.starts_with('.') || name.contains("..") {
        return Err(TargetError::Host("an empty label"));
    }
    if name
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'@' || b == b'/')
    {
        return Err(TargetError::Host("a character no host name has"));
    }
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        return Ok(Cow::Owned(name.to_ascii_lowercase()));
    }
    Ok(Cow::Borrowed(name))
}

/// Checks that `path` (with its query) is in the one spelling routing
/// compares: origin form, no empty or dot segments, no percent-encoding of
/// a character that needs none, no encoded `/` or `\`, no backslash.
pub fn check_path(path: &str) -> Result<(), TargetError> {
    let path_only = path.split(['?', '#']).next().unwrap_or(path);
    if !path_only.starts_with('/') {
        return Err(TargetError::Path("it does not start with `/`"));
    }
    if path_only.contains('\\') {
        return Err(TargetError::Path("a backslash"));
    }
    // An empty segment, other than the trailing slash of a directory.
    let inner = path_only.strip_suffix('/').unwrap_or(path_only);
    if inner.len() > 1 && inner[1..].split('/').any(str::is_empty) {
        return Err(TargetError::Path("a doubled slash"));
    }
    let bytes = path_only.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            let Some(value) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) else {
                return Err(TargetError::Path("a `%` not followed by two hex digits"));
            };
            if value == b'/' || value == b'\\' {
                return Err(TargetError::Path("an encoded slash"));
            }
            if value.is_ascii_alphanumeric() || matches!(value, b'-' | b'.' | b'_' | b'~') {
                return Err(TargetError::Path(
                    "a percent-encoded character that needs no encoding",
                ));
            }
            i += 3;
            continue;
        }
        i += 1;
    }
    if path_only.split('/').any(|s| s == "." || s == "..") {
        return Err(TargetError::Path("a `.` or `..` segment"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_spellings_read_as_one() {
        for host in [
            "api.openai.com",
            "API.OpenAI.com",
            "api.openai.com.",
            "api.openai.com:443",
            "api.openai.com.:8443",
            " api.openai.com ",
        ] {
            assert_eq!(canonical_host(host).unwrap(), "api.openai.com", "{host}");
        }
        assert_eq!(canonical_host("[::1]:8080").unwrap(), "[::1]");
        assert_eq!(canonical_host("10.0.0.1:80").unwrap(), "10.0.0.1");
    }

    #[test]
    fn hosts_without_one_reading_are_refused() {
        for host in [
            "api.openai.com:443:443",
            "api.openai.com:",
            "api.openai.com:https",
            "api.openai.com..",
            ".api.openai.com",
            "api..openai.com",
            "user@api.openai.com",
            "api.openai.com/x",
            "[::1",
            "[::1]x",
        ] {
            assert!(canonical_host(host).is_err(), "{host}");
        }
    }

    #[test]
    fn plain_paths_pass() {
        for path in [
            "/v1/chat/completions",
            "/v1/responses/resp_1?stream=true",
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=k",
            "/v1/models/",
            "/",
            "/v1/files/%20x",
            "/q?next=//a/../b",
        ] {
            assert_eq!(check_path(path), Ok(()), "{path}");
        }
    }

    #[test]
    fn other_spellings_of_a_path_are_refused() {
        for path in [
            "//v1/messages",
            "/v1//messages",
            "/v1/./messages",
            "/v1/x/../messages",
            "/v1/messages/..",
            "/v1/%6Dessages",
            "/v1/%2e%2e/messages",
            "/v1%2Fmessages",
            "/v1%5cmessages",
            "/v1\\messages",
            "/v1/messages%",
            "/v1/messages%zz",
            "v1/messages",
            "",
        ] {
            assert!(check_path(path).is_err(), "{path}");
        }
    }
}
