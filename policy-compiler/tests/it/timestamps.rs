//! RFC 3161 tokens from a real timestamp authority (`openssl ts`), checked
//! the way `aimsgate evidence verify --tsa-cert` checks anchors.

use aimsgate_compiler::evidence::timestamp::TsaCertificate;
use aimsgate_engine::audit::{self, Anchor, AuditEvent, Chain, Trail, Witness, names};
use aimsgate_engine::signing::Signer25519;
use aimsgate_host::tsa::TestTsa;
use base64::Engine as _;
use der::Decode as _;

use crate::common::{aimsgate, root};

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
    assert!(
        why.contains("not signed by the given TSA certificate"),
        "{why}"
    );
    // A rejection is not a token.
    let (status, rejected) = tsa.post(b"not a request").unwrap();
    assert!(status != 200 || !audit::granted(&rejected));
}

/// A chain as a runtime holding `key` writes it: start, decisions, a
/// checkpoint anchored by `tsa`, end; times are now.
fn anchored_chain(key: &Signer25519, tsa: &TestTsa) -> Vec<String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut trail = Trail::new("c0ffee", "test/1");
    trail.set_signer(Some(key.clone()));
    let mut lines = vec![trail.seal(trail.start_event(now, "started")).line];
    for i in 0..3 {
        let event = AuditEvent {
            name: names::DECISION.to_owned(),
            time_unix_nano: now + i,
            outcome: Some("block".to_owned()),
            ..AuditEvent::default()
        };
        lines.push(trail.seal(event).line);
    }
    let chain = trail.chain();
    let heads = vec![Witness {
        chain: chain.id().to_owned(),
        seq: chain.next_seq() - 1,
        digest: chain.head().to_owned(),
        time_unix_nano: now,
    }];
    let (status, answer) = tsa
        .post(&audit::timestamp_request(&audit::imprint(&heads)))
        .unwrap();
    assert_eq!(status, 200);
    let anchor = Anchor {
        interval_ms: 60_000,
        heads,
        token: base64::engine::general_purpose::STANDARD.encode(answer),
    };
    let (checkpoint, _) =
        trail.declaring_event(names::CHECKPOINT, now + 10, 1_000, Vec::new(), Some(anchor));
    lines.push(trail.seal(checkpoint).line);
    let (end, _) = trail.declaring_event(names::CHAIN_END, now + 20, 1_000, Vec::new(), None);
    lines.push(trail.seal(end).line);
    lines
}

#[test]
fn evidence_verify_checks_signatures_and_anchors_from_the_command_line() {
    let Some(tsa) = TestTsa::for_test() else {
        return;
    };
    let key = Signer25519::from_seed([5; 32]);
    let dir = root().join("target/timestamp-cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let public = dir.join("checkpoint.pub");
    std::fs::write(&public, key.public_text()).unwrap();
    let cert = tsa.certificate();
    let verify = |lines: &[String], key: &str| {
        let log = dir.join("events.log");
        std::fs::write(&log, lines.join("\n")).unwrap();
        aimsgate(&[
            "evidence",
            "verify",
            "--key",
            key,
            "--tsa-cert",
            cert.to_str().unwrap(),
            log.to_str().unwrap(),
        ])
    };
    let lines = anchored_chain(&key, &tsa);
    let (code, out, err) = verify(&lines, public.to_str().unwrap());
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("anchors: 1 timestamp token(s) checked"),
        "{out}"
    );
    assert!(out.contains("signatures: 3 event(s) signed"), "{out}");

    // The evidence report runs the same checks first and says which.
    let log = dir.join("events.log");
    std::fs::write(&log, lines.join("\n")).unwrap();
    let (code, md, err) = aimsgate(&[
        "evidence",
        "report",
        "--policy",
        "examples/policies/baseline/policy.yaml",
        "--key",
        public.to_str().unwrap(),
        "--tsa-cert",
        cert.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        md.contains(
            "checked: hash chains, checkpoint signatures (3 checked), RFC 3161 anchors (1 checked)"
        ),
        "{md}"
    );

    // Another key than the runtime's: every chain event is refused.
    let other = Signer25519::from_seed([6; 32]).public_text();
    let (code, out, _) = verify(&lines, &other);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BAD SIGNATURE chain c0ffee seq 0"), "{out}");
    assert!(out.contains("which is not given"), "{out}");

    // A decision flipped and the chain re-sealed without the key.
    let mut chain = Chain::new("c0ffee");
    let resealed: Vec<String> = lines
        .iter()
        .map(|line| {
            let mut event: AuditEvent = serde_json::from_str(line).unwrap();
            if event.seq == 2 {
                event.outcome = Some("allow".to_owned());
            }
            chain.seal(event).line
        })
        .collect();
    let (code, out, _) = verify(&resealed, public.to_str().unwrap());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BAD SIGNATURE chain c0ffee seq 4"), "{out}");
    assert!(
        out.contains("digest differs from the one witnessed"),
        "the anchored head no longer matches: {out}"
    );
}

/// What a forger without the checkpoint key tried against the verifier
/// (found by red-teaming it) and must not get through: an event dated in
/// the future so that it reads as merely too recent; a huge checkpoint
/// interval written into a forged event so that nothing is due; a huge
/// one in a checkpoint that overflowed the delay's arithmetic.
#[test]
fn forged_dates_and_intervals_do_not_buy_time() {
    let Some(tsa) = TestTsa::for_test() else {
        return;
    };
    let key = Signer25519::from_seed([5; 32]);
    let dir = root().join("target/timestamp-cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let public = dir.join("forger.pub");
    std::fs::write(&public, key.public_text()).unwrap();
    let cert = tsa.certificate();
    let lines = anchored_chain(&key, &tsa);
    let verify = |name: &str, lines: &[String], with_key: bool| {
        let log = dir.join(name);
        std::fs::write(&log, lines.join("\n")).unwrap();
        let mut args = vec!["evidence", "verify", "--tsa-cert", cert.to_str().unwrap()];
        if with_key {
            args.extend(["--key", public.to_str().unwrap()]);
        }
        args.push(log.to_str().unwrap());
        aimsgate(&args)
    };
    // The chain cut after its anchored checkpoint (its end dropped), and a
    // forged event appended, sealed onto it.
    let events: Vec<AuditEvent> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The lines before it stay as written (signatures and all); the forged
    // event links to the last one's digest, as sealing does.
    let forge = |edit: &dyn Fn(&mut AuditEvent)| -> Vec<String> {
        use sha2::{Digest as _, Sha256};
        let mut out: Vec<String> = lines[..lines.len() - 1].to_vec();
        let last = &events[events.len() - 2];
        let mut forged = events[1].clone();
        forged.seq = last.seq + 1;
        forged.prev = last.digest.clone().unwrap();
        forged.outcome = Some("allow".to_owned());
        forged.digest = None;
        edit(&mut forged);
        let body = serde_json::to_string(&forged).unwrap();
        let digest: String = Sha256::digest(body.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        out.push(format!(
            "{},\"digest\":\"{digest}\"}}",
            &body[..body.len() - 1]
        ));
        assert!(audit::open(out.last().unwrap()).unwrap().intact);
        out
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;

    // Dated in the year 2100: a finding, not "too recent".
    let future = forge(&|e| e.time_unix_nano = 4_102_444_800_000_000_000);
    let (code, out, _) = verify("future.log", &future, true);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("after the reference time"), "{out}");

    // Dated a minute ago, claiming a checkpoint interval of ~30 years: the
    // interval is the signed checkpoint's, so the event is due and unsigned.
    let interval = forge(&|e| {
        e.time_unix_nano = now - 60_000_000_000;
        e.checkpoint = Some(aimsgate_engine::audit::Checkpoint {
            interval_ms: 1_000_000_000_000,
            ..Default::default()
        });
    });
    let (code, out, _) = verify("interval.log", &interval, true);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("UNSIGNED chain c0ffee"), "{out}");

    // Re-dated: an event ten minutes after the one before it, in a chain
    // that checkpoints every second (looked at an hour later, so that the
    // date is not in the future).
    let gap = forge(&|e| e.time_unix_nano = now + 600_000_000_000);
    let log = dir.join("gap.log");
    std::fs::write(&log, gap.join("\n")).unwrap();
    let later = ((now / 1_000_000_000) + 3_600).to_string();
    let (code, out, _) = aimsgate(&["evidence", "verify", "--at", &later, log.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("though the chain checkpoints every 1 s"),
        "{out}"
    );

    // An interval at the edge of u64 in a checkpoint: verdicts, no panic.
    let overflow = forge(&|e| {
        e.name = names::CHECKPOINT.to_owned();
        e.checkpoint = Some(aimsgate_engine::audit::Checkpoint {
            interval_ms: u64::MAX / 2,
            ..Default::default()
        });
    });
    let (code, out, err) = verify("overflow.log", &overflow, false);
    assert!(code == 0 || code == 1, "{code}: {out}{err}");
}
