//! The engine against a naive per-pattern loop, on the same bodies, in the
//! same process: the ratio is the figure, not the absolute time.

use std::hint::black_box;

use aimsgate_benches::{Naive, baseline, chat_request, many_rules};
use aimsgate_engine::decision::MemoryLedger;
use aimsgate_engine::signing::{self, Signer25519, TrustedKeys};
use aimsgate_engine::{Engine, RequestContext};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn ctx() -> RequestContext<'static> {
    RequestContext {
        host: "",
        path: "/v1/chat/completions",
        headers: &[],
        route: None,
        api: None,
        now_secs: 0,
    }
}

fn request_4k(c: &mut Criterion) {
    let body = chat_request(4096);
    for (name, ruleset) in [("baseline", baseline()), ("many_rules", many_rules())] {
        let engine = Engine::new(ruleset.clone()).expect("builds");
        // Warm the lazily compiled, keyword-gated regexes once.
        engine.inspect_request(&ctx(), &body, &mut MemoryLedger::default());
        let naive = Naive::new(&ruleset);
        let mut group = c.benchmark_group(format!("request_4k/{name}"));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function("engine", |b| {
            b.iter(|| {
                engine.inspect_request(&ctx(), black_box(&body), &mut MemoryLedger::default())
            })
        });
        group.bench_function("naive_loop", |b| b.iter(|| naive.scan(black_box(&body))));
        group.finish();
    }
}

/// What the audit trail adds to a decision: building the event (rules,
/// controls, hit offsets, a keyed fingerprint per hit) and sealing it into
/// the chain (serialise + SHA-256), against the inspection it records.
fn audit_event(c: &mut Criterion) {
    use aimsgate_engine::audit::{Chain, Subject};
    let body = chat_request(4096);
    let engine = Engine::new(baseline()).expect("builds");
    let inspection = engine.inspect_request(&ctx(), &body, &mut MemoryLedger::default());
    let segments = inspection.view.as_ref().map(|v| v.segments.as_slice());
    let headers = [("x-user-id".to_owned(), "u-1".to_owned())];
    let subject = Subject {
        runtime: "bench/0",
        request_id: "req-1",
        host: "api.openai.com",
        headers: &headers,
        segments,
        hit_key: Some(b"bench-key"),
        inspected: true,
        ..Subject::default()
    };
    let mut group = c.benchmark_group("audit_4k/baseline");
    group.bench_function("inspect_request", |b| {
        b.iter(|| engine.inspect_request(&ctx(), black_box(&body), &mut MemoryLedger::default()))
    });
    let mut chain = Chain::new("bench");
    group.bench_function("event_and_seal", |b| {
        b.iter(|| chain.seal(engine.audit_event(black_box(&inspection.decision), &subject)))
    });
    group.finish();
}

/// What a checkpoint key adds to a checkpoint: sealing it signed
/// (Ed25519) against sealing it unsigned, and what anchoring adds (the
/// imprint of 16 heads and the TSA request) on the anchoring worker.
fn audit_checkpoint(c: &mut Criterion) {
    use aimsgate_engine::audit::{self, Trail, Witness, names};
    let heads: Vec<Witness> = (0..16)
        .map(|i| Witness {
            chain: format!("{i:016x}"),
            seq: 1_000 + i,
            digest: format!("{i:064x}"),
            time_unix_nano: 1,
        })
        .collect();
    let mut group = c.benchmark_group("audit_checkpoint");
    for (name, signer) in [
        ("seal_unsigned", None),
        ("seal_signed", Some(Signer25519::from_seed([1; 32]))),
    ] {
        let mut trail = Trail::new("bench", "bench/0");
        trail.set_signer(signer);
        group.bench_function(name, |b| {
            b.iter(|| {
                let (event, _) =
                    trail.declaring_event(names::CHECKPOINT, 1, 10_000, heads.clone(), None);
                trail.seal(black_box(event))
            })
        });
    }
    group.bench_function("anchor_request_16_heads", |b| {
        b.iter(|| audit::timestamp_request(&audit::imprint(black_box(&heads))))
    });
    group.finish();
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    for (name, ruleset) in [("baseline", baseline()), ("many_rules", many_rules())] {
        let bytes = ruleset.to_bytes();
        group.bench_function(format!("{name}/engine_from_bytes"), |b| {
            b.iter(|| Engine::from_bytes(black_box(&bytes)).expect("loads"))
        });
        group.bench_function(format!("{name}/naive_compile_all"), |b| {
            b.iter(|| Naive::new(black_box(&ruleset)))
        });
    }
    // What a signature adds to a VM start: the same load, checked against
    // one trusted key.
    let signer = Signer25519::from_seed([1; 32]);
    let trusted = TrustedKeys::parse(&signer.public_text()).expect("key");
    let signed = signer.sign(&baseline().to_bytes());
    group.bench_function("baseline/engine_from_bytes_trusted", |b| {
        b.iter(|| Engine::from_bytes_trusted(black_box(&signed), &trusted).expect("loads"))
    });
    group.bench_function("baseline/verify_signature", |b| {
        b.iter(|| signing::verify(black_box(&signed), &trusted).expect("verifies"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = request_4k, audit_event, audit_checkpoint, load
}
criterion_main!(benches);
