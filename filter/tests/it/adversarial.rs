//! The adversarial suite (`tests/adversarial/`) through the real
//! filter.wasm in the harness, with Envoy's semantics (request bodies in
//! 64-byte pieces, responses as recorded) and with ngx_wasm_module's,
//! configured as docs/deploy.md says.

use aimsgate_engine::recording::Recording;
use aimsgate_host::Plugin;
use aimsgate_host::replay::{self, LoggedDecision, audit_lines};

use crate::common::{baseline, ngx_plugin, plugin};

#[path = "../../../tests/adversarial/suite.rs"]
mod suite;

use suite::{Observed, Phase};

fn phase(logged: &Option<LoggedDecision>) -> Option<Phase> {
    logged.as_ref().map(|d| Phase {
        outcome: d.outcome.clone(),
        code: d.code.clone(),
    })
}

/// Headers then a blank line then the body, as `suite::judge` reads it.
fn message(headers: &[(String, String)], body: &[u8]) -> String {
    let mut text: String = headers.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(body));
    text
}

fn run(recording: &Recording, id: &str) -> Observed {
    observe(&mut plugin(baseline()), recording, id)
}

fn observe(filter: &mut Plugin, recording: &Recording, id: &str) -> Observed {
    let replayed = replay::replay(filter, recording, id, 64);
    let outcome = &replayed.outcome;
    Observed {
        request: phase(&replayed.request),
        response: phase(&replayed.response),
        status: outcome.status,
        upstream: outcome
            .upstream
            .as_ref()
            .map(|u| message(&u.headers, &u.body)),
        client: message(&outcome.headers, &outcome.body),
        events: audit_lines(&outcome.logs),
    }
}

#[test]
fn no_adversarial_case_gets_past_the_filter() {
    let ran = suite::run_all("filter", |case| run(&case.exchange, &case.id));
    assert!(ran >= 150, "only {ran} cases ran");
}

#[test]
fn no_adversarial_case_gets_past_the_filter_on_ngx_wasm_module() {
    let ran = suite::run_all("filter-ngx", |case| {
        observe(&mut ngx_plugin(&baseline()), &case.exchange, &case.id)
    });
    assert!(ran >= 150, "only {ran} cases ran");
}
