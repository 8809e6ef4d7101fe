//! Signed rule sets: who approved the rules a runtime enforces.
//!
//! The policy digest in a rule set's header says which policy source it
//! was compiled from, but anyone who can edit the file can recompute it:
//! it is a label, not a proof. A signature is. `aimsgate compile --sign`
//! appends a signature block to the binary form (the JSON form wraps the
//! same bytes):
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic `AGSIGN01` |
//! | 8 | key id ([`KeyId`]: the first 8 bytes of SHA-256 of the public key) |
//! | 64 | Ed25519 signature of everything before the block |
//!
//! Everything before the block is the header (which holds the SHA-256 of
//! the payload) and the payload, so the signature covers every rule.
//!
//! A runtime that is given trusted public keys ([`TrustedKeys`]) loads only
//! a rule set signed by one of them ([`verify`]). The keys must not travel
//! with the rule set — whoever can edit one could add a key to it — so the
//! filter reads them from its VM configuration or environment, and the edge
//! guard from its own options. Several keys may be trusted at once, so a
//! key rotates by trusting the new one before signing with it.
//!
//! Ed25519 through `ed25519-dalek` (RustCrypto's maintained
//! implementation; deterministic signatures, no randomness needed to sign
//! or verify, and it builds for wasm32).

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest as _, Sha256};

use crate::ruleset::{JSON_FORMAT_NAME, MAGIC};

pub use crate::ruleset::{SIGNATURE_LEN, SIGNATURE_MAGIC};

/// Prefix of a public key's text form.
pub const PUBLIC_PREFIX: &str = "aimsgate-ed25519:";

/// Prefix of a private key's text form.
pub const SECRET_PREFIX: &str = "aimsgate-ed25519-secret:";

/// A key's short id: the first 8 bytes of the SHA-256 of its public key,
/// printed as 16 hex digits. Events name the key that signed their rules by
/// it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub [u8; 8]);

impl KeyId {
    /// The id of `key`.
    pub fn of(key: &VerifyingKey) -> KeyId {
        let digest = Sha256::digest(key.as_bytes());
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        KeyId(id)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// Why a rule set is not loaded under the trusted keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No signature block, while keys are trusted.
    #[error("the rule set is not signed, and this runtime trusts only signed rule sets")]
    Unsigned,
    /// Signed by a key not trusted here.
    #[error("the rule set is signed by key {0}, which this runtime does not trust")]
    UnknownKey(KeyId),
    /// The signature does not match the bytes: they were altered after
    /// signing (or the block was forged).
    #[error(
        "the rule set's signature by key {0} does not match its contents: it was altered after signing"
    )]
    Altered(KeyId),
    /// Not a rule set whose signature can be read.
    #[error("the rule set's signature cannot be read: {0}")]
    Malformed(&'static str),
}

/// A key pair for signing rule sets and audit checkpoints.
#[derive(Clone)]
pub struct Signer25519 {
    key: SigningKey,
}

impl fmt::Debug for Signer25519 {
    /// The key id only: a private key never reaches a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer25519({})", self.key_id())
    }
}

/// Length of a signature's text form: 16 hex digits of key id, `:`, 128
/// hex digits of Ed25519 signature.
pub const SIGNATURE_TEXT_LEN: usize = 16 + 1 + 128;

impl Signer25519 {
    /// A key from its 32-byte seed (keep it secret).
    pub fn from_seed(seed: [u8; 32]) -> Signer25519 {
        Signer25519 {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// Reads the text form `aimsgate-ed25519-secret:<base64 seed>`.
    pub fn from_text(text: &str) -> Result<Signer25519, String> {
        let encoded = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(|| format!("a signing key starts with `{SECRET_PREFIX}`"))?;
        let seed: [u8; 32] = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or("a signing key holds 32 bytes in base64")?;
        Ok(Signer25519::from_seed(seed))
    }

    /// The text form of the private key.
    pub fn secret_text(&self) -> String {
        format!(
            "{SECRET_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(self.key.to_bytes())
        )
    }

    /// The text form of the public key, as runtimes are given it.
    pub fn public_text(&self) -> String {
        public_text(&self.key.verifying_key())
    }

    /// The key's id.
    pub fn key_id(&self) -> KeyId {
        KeyId::of(&self.key.verifying_key())
    }

    /// The text form of the signature of `message`:
    /// `<key id>:<signature>`, in hex, [`SIGNATURE_TEXT_LEN`] characters.
    pub fn sign_text(&self, message: &[u8]) -> String {
        let mut text = self.key_id().to_string();
        text.push(':');
        for byte in self.key.sign(message).to_bytes() {
            text.push_str(&format!("{byte:02x}"));
        }
        text
    }

    /// `rules` (a binary rule set, as [`crate::ruleset::RuleSet::to_bytes`]
    /// writes it) with a signature block appended; an existing one is
    /// replaced.
    pub fn sign(&self, rules: &[u8]) -> Vec<u8> {
        let unsigned = match split(rules) {
            Ok((unsigned, _)) => unsigned,
            Err(_) => rules,
        };
        let signature = self.key.sign(unsigned);
        let mut out = Vec::with_capacity(unsigned.len() + SIGNATURE_LEN);
        out.extend_from_slice(unsigned);
        out.extend_from_slice(SIGNATURE_MAGIC);
        out.extend_from_slice(&self.key_id().0);
        out.extend_from_slice(&signature.to_bytes());
        out
    }
}

/// The text form of a public key: `aimsgate-ed25519:<base64>`.
pub fn public_text(key: &VerifyingKey) -> String {
    format!(
        "{PUBLIC_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(key.as_bytes())
    )
}

/// The public keys a runtime accepts rule sets from.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: Vec<(KeyId, VerifyingKey)>,
}

impl TrustedKeys {
    /// Parses public keys in text form, separated by commas or white
    /// space; an empty text trusts none.
    pub fn parse(text: &str) -> Result<TrustedKeys, String> {
        let mut keys = Vec::new();
        for item in text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            let encoded = item.strip_prefix(PUBLIC_PREFIX).ok_or_else(|| {
                format!("a trusted key starts with `{PUBLIC_PREFIX}` (`aimsgate keygen` writes it)")
            })?;
            let bytes: [u8; 32] = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or("a trusted key holds 32 bytes in base64")?;
            let key = VerifyingKey::from_bytes(&bytes)
                .map_err(|_| "a trusted key is not an Ed25519 public key".to_owned())?;
            keys.push((KeyId::of(&key), key));
        }
        Ok(TrustedKeys { keys })
    }

    /// Whether no key is trusted (signatures are then not checked).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The ids of the trusted keys.
    pub fn ids(&self) -> Vec<KeyId> {
        self.keys.iter().map(|(id, _)| *id).collect()
    }

    /// Checks `signature`, in the text form [`Signer25519::sign_text`]
    /// writes, over `message`; returns the signing key's id.
    pub fn verify_text(&self, signature: &str, message: &[u8]) -> Result<KeyId, SignatureError> {
        let malformed = SignatureError::Malformed("not `<key id>:<signature>` in hex");
        let (id, value) = signature.split_once(':').ok_or(malformed.clone())?;
        let id: [u8; 8] = unhex(id)
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(malformed.clone())?;
        let value: [u8; 64] = unhex(value)
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(malformed)?;
        let id = KeyId(id);
        let (_, key) = self
            .keys
            .iter()
            .find(|(trusted_id, _)| *trusted_id == id)
            .ok_or(SignatureError::UnknownKey(id))?;
        key.verify(message, &Signature::from_bytes(&value))
            .map_err(|_| SignatureError::Altered(id))?;
        Ok(id)
    }
}

/// Bytes from lower-case or upper-case hex.
fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect()
}

/// The binary form inside `bytes` (the JSON form wraps it in base64).
fn binary_form(bytes: &[u8]) -> Result<Cow<'_, [u8]>, SignatureError> {
    if bytes.starts_with(MAGIC) {
        return Ok(Cow::Borrowed(bytes));
    }
    #[derive(serde::Deserialize)]
    struct Wrapper {
        format: String,
        payload: String,
    }
    let wrapper: Wrapper =
        serde_json::from_slice(bytes).map_err(|_| SignatureError::Malformed("not a rule set"))?;
    if wrapper.format != JSON_FORMAT_NAME {
        return Err(SignatureError::Malformed("not a rule set"));
    }
    base64::engine::general_purpose::STANDARD
        .decode(wrapper.payload.trim())
        .map(Cow::Owned)
        .map_err(|_| SignatureError::Malformed("the JSON form's payload is not base64"))
}

/// A signature block: who signed, and the signature.
type Signed = (KeyId, Signature);

/// Splits a binary rule set into what was signed and its signature block.
fn split(bytes: &[u8]) -> Result<(&[u8], Option<Signed>), SignatureError> {
    let (unsigned, Some(block)) = crate::ruleset::split_signature(bytes) else {
        return Ok((bytes, None));
    };
    let mut id = [0u8; 8];
    id.copy_from_slice(&block[8..16]);
    let signature = Signature::from_slice(&block[16..])
        .map_err(|_| SignatureError::Malformed("the signature block is not a signature"))?;
    Ok((unsigned, Some((KeyId(id), signature))))
}

/// The key id a rule set says it is signed by, unchecked (`None`: not
/// signed).
pub fn signer(bytes: &[u8]) -> Option<KeyId> {
    let binary = binary_form(bytes).ok()?;
    split(&binary).ok()?.1.map(|(id, _)| id)
}

/// Checks that `bytes` (either form) are signed by one of `trusted`, and
/// returns that key's id.
pub fn verify(bytes: &[u8], trusted: &TrustedKeys) -> Result<KeyId, SignatureError> {
    let binary = binary_form(bytes)?;
    let (unsigned, signature) = split(&binary)?;
    let (id, signature) = signature.ok_or(SignatureError::Unsigned)?;
    let (_, key) = trusted
        .keys
        .iter()
        .find(|(trusted_id, _)| *trusted_id == id)
        .ok_or(SignatureError::UnknownKey(id))?;
    key.verify(unsigned, &signature)
        .map_err(|_| SignatureError::Altered(id))?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::RuleSet;

    fn rules() -> RuleSet {
        RuleSet::bare(vec![RuleSet::route("openai", &["api.openai.com"], None)])
    }

    fn signer_of(byte: u8) -> Signer25519 {
        Signer25519::from_seed([byte; 32])
    }

    #[test]
    fn a_signed_rule_set_loads_under_its_key_in_both_forms() {
        let signer = signer_of(7);
        let trusted = TrustedKeys::parse(&signer.public_text()).unwrap();
        let signed = signer.sign(&rules().to_bytes());
        assert_eq!(verify(&signed, &trusted), Ok(signer.key_id()));
        assert_eq!(RuleSet::from_bytes(&signed).unwrap(), rules());
        // The JSON form wraps the signed bytes.
        let json = RuleSet::json_of(&signed).unwrap();
        assert_eq!(verify(json.as_bytes(), &trusted), Ok(signer.key_id()));
        assert_eq!(RuleSet::from_bytes(json.as_bytes()).unwrap(), rules());
        assert_eq!(super::signer(&signed), Some(signer.key_id()));
    }

    #[test]
    fn altered_unsigned_and_foreign_rule_sets_are_refused() {
        let signer = signer_of(7);
        let trusted = TrustedKeys::parse(&signer.public_text()).unwrap();
        let signed = signer.sign(&rules().to_bytes());

        // Unsigned.
        assert_eq!(
            verify(&rules().to_bytes(), &trusted),
            Err(SignatureError::Unsigned)
        );
        // Signed by a key not trusted here.
        let other = signer_of(9).sign(&rules().to_bytes());
        assert_eq!(
            verify(&other, &trusted),
            Err(SignatureError::UnknownKey(signer_of(9).key_id()))
        );
        // Any byte changed after signing, header or payload.
        for at in [9, 20, 60, signed.len() - SIGNATURE_LEN - 1] {
            let mut altered = signed.clone();
            altered[at] ^= 1;
            assert_eq!(
                verify(&altered, &trusted),
                Err(SignatureError::Altered(signer.key_id())),
                "byte {at}"
            );
        }
        // A signature block claiming the trusted key over other bytes.
        let mut forged = other.clone();
        let at = forged.len() - SIGNATURE_LEN + 8;
        forged[at..at + 8].copy_from_slice(&signer.key_id().0);
        assert_eq!(
            verify(&forged, &trusted),
            Err(SignatureError::Altered(signer.key_id()))
        );
    }

    #[test]
    fn keys_round_trip_through_their_text_forms() {
        let signer = signer_of(3);
        let again = Signer25519::from_text(&signer.secret_text()).unwrap();
        assert_eq!(again.public_text(), signer.public_text());
        let both = format!("{}, {}", signer.public_text(), signer_of(4).public_text());
        let trusted = TrustedKeys::parse(&both).unwrap();
        assert_eq!(trusted.ids(), [signer.key_id(), signer_of(4).key_id()]);
        assert!(TrustedKeys::parse("").unwrap().is_empty());
        assert!(TrustedKeys::parse("ssh-ed25519 AAAA").is_err());
        assert!(Signer25519::from_text("aimsgate-ed25519-secret:short").is_err());
    }
}
