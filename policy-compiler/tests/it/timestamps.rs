//! RFC 3161 tokens from a real timestamp authority (`openssl ts`), checked
//! the way `aimsgate evidence verify --tsa-cert` checks anchors.

use aimsgate_compiler::evidence::timestamp::TsaCertificate;
use aimsgate_engine::audit::{self, Witness};
use aimsgate_host::tsa::TestTsa;
use der::Decode as _;

fn heads() -> Vec<Witness> {
    vec![Witness {
        chain: "c0ffee".to_owned(),
        seq: 41,
        digest: "ab".repeat(32),
        time_unix_nano: 1,
    }]
}

fn certificate(tsa: &TestTsa) -> TsaCertificate {
    TsaCertificate::read(&std::fs::read(tsa.certificate()).unwrap()).expect("PEM certificate")
}

#[test]
fn the_request_the_filter_sends_is_an_rfc_3161_request() {
    let imprint = audit::imprint(&heads());
    let request = audit::timestamp_request(&imprint);
    let parsed = x509_tsp::TimeStampReq::from_der(&request).expect("DER TimeStampReq");
    assert_eq!(
        parsed.message_imprint.hashed_message.as_bytes(),
        imprint.as_slice()
    );
    assert_eq!(
        parsed.message_imprint.hash_algorithm.oid.to_string(),
        "2.16.840.1.101.3.4.2.1"
    );
    assert!(!parsed.cert_req);
}

#[test]
fn a_real_tsa_token_checks_and_an_altered_or_foreign_one_does_not() {
    let Some(tsa) = TestTsa::for_test() else {
        return;
    };
    let imprint = audit::imprint(&heads());
    let (status, answer) = tsa.post(&audit::timestamp_request(&imprint)).unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    assert!(audit::granted(&answer));
    let cert = certificate(&tsa);
    let stamp = cert.check(&answer).expect("the token checks");
    assert_eq!(stamp.imprint, imprint);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(stamp.time.abs_diff(now) < 120, "{} vs {now}", stamp.time);

    // Any byte of the token changed: refused (or unreadable).
    for at in [answer.len() / 3, answer.len() / 2, answer.len() - 20] {
        let mut altered = answer.clone();
        altered[at] ^= 0x01;
        assert!(cert.check(&altered).is_err(), "byte {at} changed");
    }
    // Another authority's certificate: not the signer.
    let Some(other) = TestTsa::for_test() else {
        return;
    };
    let why = certificate(&other).check(&answer).unwrap_err();
    assert!(why.contains("not signed by the given TSA certificate"), "{why}");
    // A rejection is not a token.
    let (status, rejected) = tsa.post(b"not a request").unwrap();
    assert!(status != 200 || !audit::granted(&rejected));
}
