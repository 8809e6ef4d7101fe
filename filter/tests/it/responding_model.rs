//! The model that answered, judged by the approved-model list the request
//! rule already uses (ISO/IEC 42001 A.10.3): recorded in every response
//! event as `gen_ai.response.model`, and a model off the list is flagged
//! on the response — for JSON and streamed answers alike. The provider's
//! response id is never recorded.

use crate::common::*;
use aimsgate_host::HttpResponse;
use serde_json::{Value, json};

fn answered_by(model: &str) -> HttpResponse {
    let body = json!({
        "id": "chatcmpl-SECRETID42", "object": "chat.completion", "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello."}, "finish_reason": "stop"}]
    });
    HttpResponse::new(200, body.to_string()).header("content-type", "application/json")
}

fn streamed_by(model: &str) -> HttpResponse {
    let chunk = |text: &str| {
        let data = json!({"id": "chatcmpl-SECRETID42", "object": "chat.completion.chunk", "model": model,
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]});
        format!("data: {data}\n\n")
    };
    sse(
        &[chunk("Hel"), chunk("lo."), "data: [DONE]\n\n".to_owned()],
        &[40, 90],
    )
}

fn response_event(run: &Run) -> Value {
    run.response
        .as_ref()
        .expect("a response event")
        .line
        .clone()
}

fn rules(event: &Value) -> Vec<(String, String)> {
    event["aimsgate.rules"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or_default().to_owned(),
                r["action"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn an_approved_model_answering_is_recorded_and_another_is_flagged() {
    // Envoy, and ngx_wasm_module (whose response body comes held whole).
    for mut plugin in [plugin(baseline()), ngx_plugin(&baseline())] {
        judges_the_responding_model(&mut plugin);
    }
}

fn judges_the_responding_model(plugin: &mut aimsgate_host::Plugin) {
    for (answer, streamed) in [
        (answered_by as fn(&str) -> HttpResponse, false),
        (streamed_by, true),
    ] {
        // Asked for gpt-4o, answered by a dated gpt-4o: on the list.
        let run = openai(plugin, &chat("hi"), 1, answer("gpt-4o-2024-08-06"));
        assert_eq!(run.outcome.status, 200);
        let event = response_event(&run);
        assert_eq!(
            event["gen_ai.request.model"], "gpt-4o",
            "streamed {streamed}"
        );
        assert_eq!(event["gen_ai.response.model"], "gpt-4o-2024-08-06");
        assert_eq!(event["aimsgate.outcome"], "allow", "{event}");

        // Asked for gpt-4o, answered by a model off the list: the answer
        // goes through (it exists), flagged by the same rule, under A.10.3.
        let run = openai(plugin, &chat("hi"), 1, answer("gpt-3.5-turbo-0125"));
        assert_eq!(run.outcome.status, 200);
        assert!(
            run.outcome.body_text().contains("Hel"),
            "{}",
            run.outcome.body_text()
        );
        let event = response_event(&run);
        assert_eq!(event["gen_ai.response.model"], "gpt-3.5-turbo-0125");
        assert_eq!(
            event["aimsgate.outcome"], "flag",
            "streamed {streamed}: {event}"
        );
        assert_eq!(
            rules(&event),
            [("approved-models-only".to_owned(), "flag".to_owned())]
        );
        let controls = event["aimsgate.controls"].to_string();
        assert!(controls.contains("iso42001:A.10.3"), "{controls}");

        // No event ever holds the provider's response id.
        for line in aimsgate_host::replay::audit_lines(&run.outcome.logs) {
            assert!(!line.contains("SECRETID42"), "{line}");
        }
    }
}
