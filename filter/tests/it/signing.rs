//! Signed rule sets through filter.wasm: with trusted keys in the VM
//! configuration, only a rule set one of them signed is enforced; an
//! unsigned, altered or foreign one is refused (fail closed, the reason —
//! with the key id — in the log and in every refused request's event).

use aimsgate_engine::ruleset::RuleSet;
use aimsgate_engine::signing::{SIGNATURE_LEN, Signer25519};
use aimsgate_host::{HostOptions, Plugin, PluginSpec};
use serde_json::json;

use crate::common::*;

const AWS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";

fn signer() -> Signer25519 {
    Signer25519::from_seed([42; 32])
}

/// `rules` on a VM whose configuration trusts `keys`.
fn on_vm_trusting(rules: Vec<u8>, keys: &[String]) -> Plugin {
    let spec = PluginSpec {
        name: "aimsgate".into(),
        root_id: "aimsgate".into(),
        vm_id: "aimsgate".into(),
        vm_configuration: json!({"trusted_keys": keys}).to_string().into_bytes(),
        configuration: rules,
        fail_open: false,
    };
    Plugin::start(&module(), spec, HostOptions::default()).expect("the VM starts")
}

fn refuses_a_key(plugin: &mut Plugin) -> Run {
    let content = format!("my key is {AWS_KEY}");
    openai(plugin, &chat(&content), 1, completion("ok"))
}

#[test]
fn a_rule_set_signed_by_a_trusted_key_is_enforced_and_named_in_events() {
    let signed = signer().sign(&baseline());
    let mut plugin = on_vm_trusting(signed, &[signer().public_text()]);
    assert!(plugin.configured(), "{:?}", plugin.logs());
    let run = refuses_a_key(&mut plugin);
    assert_eq!(run.outcome.status, 403, "{}", body_text(&run));
    let event = &run.request.as_ref().expect("recorded").line;
    assert_eq!(
        event["aimsgate.policy.key_id"],
        json!(signer().key_id().to_string())
    );
}

#[test]
fn an_altered_unsigned_or_foreign_rule_set_is_refused_and_requests_fail_closed() {
    let signed = signer().sign(&baseline());
    // The attack the header digests cannot stop: the rules edited (every
    // rule dropped), the payload digest recomputed, the signature kept.
    let mut edited = RuleSet::from_bytes(&baseline()).expect("loads");
    edited.rules.clear();
    for route in &mut edited.routes {
        route.rules.clear();
    }
    let mut altered = edited.to_bytes();
    altered.extend_from_slice(&signed[signed.len() - SIGNATURE_LEN..]);
    let stranger = Signer25519::from_seed([7; 32]);
    let cases = [
        (altered, "altered after signing"),
        (baseline(), "not signed"),
        (stranger.sign(&baseline()), "does not trust"),
    ];
    for (rules, why) in cases {
        let mut plugin = on_vm_trusting(rules, &[signer().public_text()]);
        assert!(!plugin.configured(), "{why}: loaded");
        let logs: Vec<String> = plugin.logs().iter().map(|l| l.message.clone()).collect();
        assert!(logs.iter().any(|l| l.contains(why)), "{why}: {logs:?}");
        let run = refuses_a_key(&mut plugin);
        assert_eq!(run.outcome.status, 503, "{why}: {}", body_text(&run));
        assert!(upstream_text(&run).is_empty(), "{why}: forwarded");
        let event = &run.request.as_ref().expect("recorded").line;
        assert_eq!(event["aimsgate.code"], json!("no_ruleset"), "{why}");
        let message = event["aimsgate.message"].as_str().unwrap_or_default();
        assert!(message.contains(why), "{why}: {message}");
        // The client is told nothing of the operator's keys.
        assert!(!body_text(&run).contains(why), "{why}");
    }
    // The foreign key is named by its id, so the operator can tell whose.
    let mut plugin = on_vm_trusting(stranger.sign(&baseline()), &[signer().public_text()]);
    let id = stranger.key_id().to_string();
    assert!(
        plugin.logs().iter().any(|l| l.message.contains(&id)),
        "{:?}",
        plugin.take_logs()
    );
}

#[test]
fn without_trusted_keys_signatures_are_not_checked_and_events_claim_no_key() {
    let mut plugin = on_vm_trusting(baseline(), &[]);
    assert!(plugin.configured());
    assert!(
        plugin
            .logs()
            .iter()
            .any(|l| l.message.contains("signatures are not checked")),
        "{:?}",
        plugin.logs()
    );
    let run = refuses_a_key(&mut plugin);
    assert_eq!(run.outcome.status, 403);
    let event = &run.request.as_ref().expect("recorded").line;
    assert!(event.get("aimsgate.policy.key_id").is_none(), "{event}");
}

#[test]
fn an_unreadable_trusted_key_loads_no_rule_set() {
    let spec_keys = ["ssh-ed25519 AAAAC3Nza".to_owned()];
    let mut plugin = on_vm_trusting(signer().sign(&baseline()), &spec_keys);
    assert!(!plugin.configured());
    let run = refuses_a_key(&mut plugin);
    assert_eq!(run.outcome.status, 503);
}
