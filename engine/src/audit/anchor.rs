//! Anchors: chain heads timestamped by an RFC 3161 timestamp authority.
//!
//! A hash chain proves order and completeness to whoever trusts its last
//! event, and a signed checkpoint proves which proxy wrote it — but the
//! operator holds the proxy and its key, and could rewrite a log and sign
//! it again next week. An anchor stops that: at intervals one worker asks a
//! timestamp authority (TSA) outside the operator's reach to sign a digest
//! of every chain's head, and the answer goes into a checkpoint. A
//! verifier holding the TSA's certificate then knows each anchored event
//! existed, exactly as it is, at the token's time; a log rewritten later
//! would need tokens dated later, which the verifier sees.
//!
//! What is timestamped is [`imprint`]: SHA-256 over a text listing the
//! heads, so a verifier recomputes it from the checkpoint alone.

use sha2::{Digest as _, Sha256};

use super::event::Witness;

/// The first line of the text [`imprint`] hashes.
pub const IMPRINT_DOMAIN: &str = "aimsgate.anchor/1";

/// SHA-256 of `aimsgate.anchor/1\n` followed by one `chain seq digest\n`
/// line per head, in order: the message imprint of the timestamp request.
pub fn imprint(heads: &[Witness]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(IMPRINT_DOMAIN.as_bytes());
    hasher.update(b"\n");
    for head in heads {
        hasher.update(format!("{} {} {}\n", head.chain, head.seq, head.digest).as_bytes());
    }
    hasher.finalize().into()
}

/// The DER of an RFC 3161 `TimeStampReq` for a SHA-256 `imprint`: version
/// 1, no policy, no nonce, and no certificate in the answer (the verifier
/// is given the TSA's certificate; leaving it out keeps checkpoints
/// small).
///
/// The request has one shape whose only variable part is the 32-byte
/// hash, so it is written out rather than built with a DER library the
/// filter would carry for it; the CLI's tests decode it with `x509-tsp`
/// and a real `openssl ts` answers it.
pub fn timestamp_request(imprint: &[u8; 32]) -> Vec<u8> {
    const HEAD: [u8; 24] = [
        0x30, 0x36, // TimeStampReq SEQUENCE, 54 bytes
        0x02, 0x01, 0x01, // version INTEGER 1
        0x30, 0x31, // MessageImprint SEQUENCE, 49 bytes
        0x30, 0x0d, // AlgorithmIdentifier SEQUENCE, 13 bytes
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, // id-sha256
        0x05, 0x00, // parameters NULL
        0x04, 0x20, // hashedMessage OCTET STRING, 32 bytes
    ];
    let mut request = Vec::with_capacity(HEAD.len() + imprint.len());
    request.extend_from_slice(&HEAD);
    request.extend_from_slice(imprint);
    request
}

/// Whether a TSA's answer grants the request: a `TimeStampResp` whose
/// `PKIStatus` is `granted` (0) or `grantedWithMods` (1). Only the status
/// is read; the token's signature is the verifier's to check.
pub fn granted(response: &[u8]) -> bool {
    // TimeStampResp ::= SEQUENCE { status PKIStatusInfo, token OPTIONAL }
    // PKIStatusInfo ::= SEQUENCE { status INTEGER, … }
    let Some(outer) = contents(response, 0x30) else {
        return false;
    };
    let Some(info) = contents(outer, 0x30) else {
        return false;
    };
    matches!(contents(info, 0x02), Some([0 | 1]))
}

/// The contents of the DER element at the start of `bytes` if its tag is
/// `tag` (definite lengths up to four bytes).
fn contents(bytes: &[u8], tag: u8) -> Option<&[u8]> {
    let (&first, rest) = bytes.split_first()?;
    if first != tag {
        return None;
    }
    let (&len, rest) = rest.split_first()?;
    let (len, rest) = if len < 0x80 {
        (usize::from(len), rest)
    } else {
        let octets = usize::from(len & 0x7f);
        if octets == 0 || octets > 4 || rest.len() < octets {
            return None;
        }
        let len = rest[..octets]
            .iter()
            .fold(0usize, |n, b| (n << 8) | usize::from(*b));
        (len, &rest[octets..])
    };
    rest.get(..len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(chain: &str, seq: u64) -> Witness {
        Witness {
            chain: chain.to_owned(),
            seq,
            digest: format!("{seq:064x}"),
            time_unix_nano: 1,
        }
    }

    #[test]
    fn the_imprint_covers_every_head_in_order() {
        let a = imprint(&[head("a", 1), head("b", 2)]);
        assert_ne!(a, imprint(&[head("b", 2), head("a", 1)]));
        assert_ne!(a, imprint(&[head("a", 1), head("b", 3)]));
        assert_ne!(a, imprint(&[head("a", 1)]));
        // The time a head was published is not what is proven.
        let mut later = head("a", 1);
        later.time_unix_nano = 9;
        assert_eq!(a, imprint(&[later, head("b", 2)]));
    }

    #[test]
    fn the_request_is_der_of_the_fixed_shape() {
        let request = timestamp_request(&[7; 32]);
        assert_eq!(request.len(), 2 + 0x36);
        assert_eq!(&request[request.len() - 32..], &[7; 32]);
        assert_eq!(contents(&request, 0x30).map(<[u8]>::len), Some(0x36));
    }

    #[test]
    fn only_a_granting_answer_is_granted() {
        // SEQUENCE { SEQUENCE { INTEGER status } }
        let answer = |status: u8| vec![0x30, 0x05, 0x30, 0x03, 0x02, 0x01, status];
        assert!(granted(&answer(0)));
        assert!(granted(&answer(1)));
        assert!(!granted(&answer(2)), "rejection");
        assert!(!granted(b"<html>"));
        assert!(!granted(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]));
    }
}
