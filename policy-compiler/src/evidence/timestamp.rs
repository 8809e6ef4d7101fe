//! RFC 3161 timestamp tokens: checking a timestamp authority's answer
//! against its certificate.
//!
//! An anchor (see [`aimsgate_engine::audit::Anchor`]) holds the TSA's
//! `TimeStampResp` over the digest of chain heads. What a checked token
//! proves: the holder of the TSA certificate's private key signed, at the
//! token's `genTime`, that it had seen that digest. So the anchored events
//! existed, byte for byte, by then.
//!
//! The checks, in order: the answer grants the request; its token is CMS
//! `SignedData` over a `TSTInfo`; the signer is the given certificate (by
//! issuer and serial number, or by subject key identifier); the signed
//! attributes name the `TSTInfo` content type and hold its digest; the
//! signature over them verifies under the certificate's key (RSA PKCS #1
//! v1.5, or ECDSA on P-256 or P-384); `genTime` lies within the
//! certificate's validity. Revocation is not checked (no network): the
//! auditor chooses which TSA certificate to trust.
//!
//! RustCrypto's `x509-tsp`, `cms` and `x509-cert` read the structures, and
//! its `rsa`, `p256` and `p384` check signatures: maintained, pure Rust, and
//! the same family as the `ed25519-dalek` the rule sets are signed with.

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::asn1::{GeneralizedTime, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_tsp::{TimeStampResp, TstInfo};

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");

/// A timestamp authority's certificate, as the auditor trusts it.
#[derive(Debug, Clone)]
pub struct TsaCertificate {
    cert: Certificate,
}

/// What a checked token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// When the TSA signed, in seconds since the Unix epoch.
    pub time: u64,
    /// The SHA-256 the TSA signed.
    pub imprint: Vec<u8>,
}

impl TsaCertificate {
    /// Reads a certificate in PEM or DER.
    pub fn read(bytes: &[u8]) -> Result<TsaCertificate, String> {
        let cert = if bytes.starts_with(b"-----") {
            use der::DecodePem as _;
            Certificate::from_pem(bytes)
        } else {
            Certificate::from_der(bytes)
        }
        .map_err(|e| format!("not an X.509 certificate in PEM or DER: {e}"))?;
        Ok(TsaCertificate { cert })
    }

    /// Checks `answer` (a DER `TimeStampResp`) and returns what it stamps.
    pub fn check(&self, answer: &[u8]) -> Result<Stamp, String> {
        let response = TimeStampResp::from_der(answer)
            .map_err(|e| format!("not a timestamp response: {e}"))?;
        let status = response.status.status as u8;
        if status > 1 {
            return Err(format!(
                "the authority did not grant it (PKIStatus {status})"
            ));
        }
        let token: ContentInfo = response
            .time_stamp_token
            .ok_or("the response holds no token")?;
        if token.content_type != ID_SIGNED_DATA {
            return Err("the token is not CMS SignedData".to_owned());
        }
        let signed: SignedData = token
            .content
            .decode_as()
            .map_err(|e| format!("the token's SignedData does not read: {e}"))?;
        if signed.encap_content_info.econtent_type != ID_CT_TST_INFO {
            return Err("the token does not sign a TSTInfo".to_owned());
        }
        let content = signed
            .encap_content_info
            .econtent
            .as_ref()
            .ok_or("the token holds no TSTInfo")?
            .decode_as::<OctetString>()
            .map_err(|e| format!("the TSTInfo is not an OCTET STRING: {e}"))?;
        let content = content.as_bytes();
        let info =
            TstInfo::from_der(content).map_err(|e| format!("the TSTInfo does not read: {e}"))?;
        let signer = signed
            .signer_infos
            .0
            .iter()
            .find(|s| self.is_signer(&s.sid))
            .ok_or("the token is not signed by the given TSA certificate")?;

        // The signed attributes bind the content; the signature binds them.
        let attributes = signer
            .signed_attrs
            .as_ref()
            .ok_or("the token has no signed attributes")?;
        let digest = digest(&signer.digest_alg.oid, content)?;
        let mut content_type_ok = false;
        let mut digest_ok = false;
        for attribute in attributes.iter() {
            let value = attribute.values.iter().next();
            if attribute.oid == ID_CONTENT_TYPE {
                content_type_ok = value
                    .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
                    .is_some_and(|oid| oid == ID_CT_TST_INFO);
            } else if attribute.oid == ID_MESSAGE_DIGEST {
                digest_ok = value
                    .and_then(|v| v.decode_as::<OctetString>().ok())
                    .is_some_and(|d| d.as_bytes() == digest.as_slice());
            }
        }
        if !content_type_ok || !digest_ok {
            return Err("the signed attributes do not match the TSTInfo (altered)".to_owned());
        }
        let message = attributes
            .to_der()
            .map_err(|e| format!("the signed attributes do not encode: {e}"))?;
        self.verify_signature(
            &signer.signature_algorithm.oid,
            &signer.digest_alg.oid,
            &message,
            signer.signature.as_bytes(),
        )?;

        let time = unix_seconds(info.gen_time);
        let validity = &self.cert.tbs_certificate.validity;
        let (from, to) = (
            validity.not_before.to_unix_duration().as_secs(),
            validity.not_after.to_unix_duration().as_secs(),
        );
        if time < from || time > to {
            return Err("the token's time is outside the certificate's validity".to_owned());
        }
        if info.message_imprint.hash_algorithm.oid != ID_SHA256 {
            return Err("the token does not stamp a SHA-256 digest".to_owned());
        }
        Ok(Stamp {
            time,
            imprint: info.message_imprint.hashed_message.as_bytes().to_vec(),
        })
    }

    fn is_signer(&self, sid: &SignerIdentifier) -> bool {
        let tbs = &self.cert.tbs_certificate;
        match sid {
            SignerIdentifier::IssuerAndSerialNumber(id) => {
                id.issuer == tbs.issuer && id.serial_number == tbs.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(id) => tbs
                .extensions
                .iter()
                .flatten()
                .filter(|e| e.extn_id == ID_SUBJECT_KEY_IDENTIFIER)
                .any(|e| {
                    OctetString::from_der(e.extn_value.as_bytes())
                        .is_ok_and(|key| key.as_bytes() == id.0.as_bytes())
                }),
        }
    }

    fn verify_signature(
        &self,
        algorithm: &ObjectIdentifier,
        digest_alg: &ObjectIdentifier,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), String> {
        use rsa::pkcs8::DecodePublicKey as _;
        use rsa::signature::Verifier as _;
        let spki = self
            .cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| format!("the certificate's key does not encode: {e}"))?;
        let bad = || {
            "the token's signature does not verify under the TSA certificate (altered or forged)"
                .to_owned()
        };
        let rsa_with = |hash: &ObjectIdentifier| -> Result<(), String> {
            let key = rsa::RsaPublicKey::from_public_key_der(&spki)
                .map_err(|_| "the signature is RSA but the certificate's key is not".to_owned())?;
            let signature = rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| bad())?;
            let ok = match *hash {
                ID_SHA256 => {
                    rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key).verify(message, &signature)
                }
                ID_SHA384 => {
                    rsa::pkcs1v15::VerifyingKey::<Sha384>::new(key).verify(message, &signature)
                }
                ID_SHA512 => {
                    rsa::pkcs1v15::VerifyingKey::<Sha512>::new(key).verify(message, &signature)
                }
                _ => return Err(format!("digest {hash} is not supported")),
            };
            ok.map_err(|_| bad())
        };
        match *algorithm {
            // `rsaEncryption` names the key; the digest is the signer's.
            RSA_ENCRYPTION => rsa_with(digest_alg),
            SHA256_WITH_RSA => rsa_with(&ID_SHA256),
            SHA384_WITH_RSA => rsa_with(&ID_SHA384),
            SHA512_WITH_RSA => rsa_with(&ID_SHA512),
            ECDSA_WITH_SHA256 => {
                let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki).map_err(|_| {
                    "the signature is ECDSA P-256 but the certificate's key is not".to_owned()
                })?;
                let signature =
                    p256::ecdsa::DerSignature::from_bytes(signature).map_err(|_| bad())?;
                key.verify(message, &signature).map_err(|_| bad())
            }
            ECDSA_WITH_SHA384 => {
                let key = p384::ecdsa::VerifyingKey::from_public_key_der(&spki).map_err(|_| {
                    "the signature is ECDSA P-384 but the certificate's key is not".to_owned()
                })?;
                let signature =
                    p384::ecdsa::DerSignature::from_bytes(signature).map_err(|_| bad())?;
                key.verify(message, &signature).map_err(|_| bad())
            }
            other => Err(format!("signature algorithm {other} is not supported")),
        }
    }
}

fn digest(algorithm: &ObjectIdentifier, bytes: &[u8]) -> Result<Vec<u8>, String> {
    Ok(match *algorithm {
        ID_SHA256 => Sha256::digest(bytes).to_vec(),
        ID_SHA384 => Sha384::digest(bytes).to_vec(),
        ID_SHA512 => Sha512::digest(bytes).to_vec(),
        other => return Err(format!("digest {other} is not supported")),
    })
}

fn unix_seconds(time: GeneralizedTime) -> u64 {
    time.to_unix_duration().as_secs()
}
