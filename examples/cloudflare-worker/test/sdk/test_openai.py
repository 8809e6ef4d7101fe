"""The official ``openai`` SDK through the Worker: chat completions,
Responses, tools and embeddings, as JSON and as streams.

The client's base URL is ``<worker>/api.openai.com/v1``. Each answer is
parsed by the SDK into its own types; each refusal is raised as the SDK's
own exception, with the filter's reason in it.
"""

from __future__ import annotations

import json

import openai
import pytest

from samples import AWS_KEY, CANARY, CARD, EMAIL, INJECTION, INTRO, LEAD_IN, assert_clean, assert_cut_before_leak
from upstream import Upstream

MODEL = "gpt-4o-mini"


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def assert_refusal(error: openai.APIStatusError, status: int, rule: str) -> None:
    """A refusal as the SDK raised it: the status, the filter's code and
    message naming the rule, and nothing the request carried."""
    assert error.status_code == status
    assert error.code == "policy_block"
    assert isinstance(error.body, dict)
    assert error.body["message"].startswith("aimsgate: ")
    assert rule in error.body["message"]
    assert error.response.headers["x-aimsgate-decision"] == "block"
    # A policy refusal is final: the SDK must not spend retries on it.
    assert error.response.headers["x-should-retry"] == "false"
    assert_clean(str(error))
    assert_clean(error.response.text)


# ---- chat completions ------------------------------------------------------


def test_chat_answer_is_parsed(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    upstream.script("Refunds take five working days.")
    raw = openai_client.chat.completions.with_raw_response.create(model=MODEL, messages=ask("How long do refunds take?"))
    completion = raw.parse()
    assert isinstance(completion, openai.types.chat.ChatCompletion)
    assert completion.choices[0].message.content == "Refunds take five working days."
    assert completion.choices[0].finish_reason == "stop"
    # `cap`: cap-output-tokens set the output limit the request left open.
    assert raw.headers["x-aimsgate-decision"] == "cap"
    assert raw.headers["x-ai-generated"] == "true"
    sent = upstream.received()[-1]
    assert sent.path == "/v1/chat/completions", "the prefix names the provider; it is not part of its path"
    # cap-output-tokens: a request that does not say is capped.
    assert sent.json()["max_completion_tokens"] == 4096


def test_chat_card_reaches_the_provider_redacted(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    completion = openai_client.chat.completions.create(model=MODEL, messages=ask(f"My card {CARD} was charged twice."))
    assert completion.choices[0].message.content == "Noted."
    sent = upstream.received()[-1].body
    assert "My card [REDACTED:payment-card] was charged twice." in sent
    assert_clean(sent)


def test_chat_answer_is_redacted_for_the_client(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    upstream.script(f"Write to {EMAIL}; the old key was {AWS_KEY}.")
    completion = openai_client.chat.completions.create(model=MODEL, messages=ask("Who handles refunds?"))
    assert completion.choices[0].message.content == (
        "Write to [REDACTED:email]; the old key was [REDACTED:aws-access-key-id]."
    )


def test_chat_secret_is_refused_before_the_provider(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    before = len(upstream.received())
    with pytest.raises(openai.PermissionDeniedError) as caught:
        openai_client.chat.completions.create(model=MODEL, messages=ask(f"Why does aws_access_key_id {AWS_KEY} fail?"))
    assert_refusal(caught.value, 403, "block-secrets-in-prompts")
    assert caught.value.type == "permission_error"
    assert len(upstream.received()) == before, "a refused request must not reach the provider"


def test_chat_without_identity_is_refused_as_unauthenticated(worker: str, upstream: Upstream) -> None:
    anonymous = openai.OpenAI(base_url=f"{worker}/api.openai.com/v1", api_key="test-key-not-a-secret", max_retries=0, timeout=20)
    before = len(upstream.received())
    with pytest.raises(openai.AuthenticationError) as caught:
        anonymous.chat.completions.create(model=MODEL, messages=ask("Hello"))
    assert_refusal(caught.value, 401, "require-caller-identity")
    assert len(upstream.received()) == before


def test_chat_unapproved_model_is_refused(openai_client: openai.OpenAI) -> None:
    with pytest.raises(openai.PermissionDeniedError) as caught:
        openai_client.chat.completions.create(model="o1-preview", messages=ask("Hello"))
    assert_refusal(caught.value, 403, "approved-models-only")


def test_chat_stream_is_parsed_and_redacted_across_chunks(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    # The address is split across two events.
    upstream.script("Write to jane.do", "e@example.com for the refund.", " Anything else?")
    stream = openai_client.chat.completions.create(model=MODEL, messages=ask("Who do I write to?"), stream=True)
    chunks = list(stream)
    assert all(isinstance(c, openai.types.chat.ChatCompletionChunk) for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Write to [REDACTED:email] for the refund. Anything else?"
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_chat_stream_helper_accumulates(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    upstream.script("Refunds take ", "five working days.")
    with openai_client.chat.completions.stream(model=MODEL, messages=ask("How long?")) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.content == "Refunds take five working days."


def test_chat_stream_leak_is_cut_with_the_sdks_error(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    upstream.script(INTRO, LEAD_IN, f"{CANARY} and then", " go on.", pause_after=1)
    stream = openai_client.chat.completions.create(model=MODEL, messages=ask("Summarise the style guide."), stream=True)
    seen = []
    # The SDK turns the error event the Worker ends the stream with into
    # openai.APIError (not a status error: the HTTP status was 200).
    with pytest.raises(openai.APIError) as caught:
        for chunk in stream:
            seen.append(chunk)
            if "".join(c.choices[0].delta.content or "" for c in seen if c.choices) == INTRO:
                upstream.resume()
    error = caught.value
    assert not isinstance(error, openai.APIStatusError)
    assert error.code == "policy_block"
    assert "block-system-prompt-leak" in error.message
    text = "".join(c.choices[0].delta.content or "" for c in seen if c.choices)
    # What passed before the leak reached the client; the leak did not.
    assert_cut_before_leak(text)
    assert_clean(text)
    assert_clean(str(error))


def test_chat_stream_request_refused_up_front(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    before = len(upstream.received())
    with pytest.raises(openai.PermissionDeniedError) as caught:
        openai_client.chat.completions.create(model=MODEL, messages=ask(INJECTION), stream=True)
    assert_refusal(caught.value, 403, "block-prompt-injection")
    assert len(upstream.received()) == before


# ---- tools -------------------------------------------------------------------

LOOKUP_ORDER = {
    "type": "function",
    "function": {
        "name": "lookup_order",
        "description": "Find an order by its number.",
        "parameters": {"type": "object", "properties": {"order": {"type": "string"}}, "required": ["order"]},
    },
}


def test_tool_call_is_parsed(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    upstream.script(tool=("lookup_order", {"order": "A-1042"}))
    completion = openai_client.chat.completions.create(model=MODEL, messages=ask("Where is order A-1042?"), tools=[LOOKUP_ORDER])
    call = completion.choices[0].message.tool_calls[0]
    assert call.function.name == "lookup_order"
    assert json.loads(call.function.arguments) == {"order": "A-1042"}
    assert completion.choices[0].finish_reason == "tool_calls"
    assert upstream.received()[-1].json()["tools"][0]["function"]["name"] == "lookup_order"


def test_tool_call_stream_is_parsed(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    upstream.script(tool=("lookup_order", {"order": "A-1042"}))
    with openai_client.chat.completions.stream(model=MODEL, messages=ask("Where is A-1042?"), tools=[LOOKUP_ORDER]) as stream:
        final = stream.get_final_completion()
    call = final.choices[0].message.tool_calls[0]
    assert (call.function.name, json.loads(call.function.arguments)) == ("lookup_order", {"order": "A-1042"})


def test_injected_tool_result_is_refused(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    before = len(upstream.received())
    messages = [
        {"role": "user", "content": "Where is order A-1042?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "lookup_order", "arguments": '{"order":"A-1042"}'}}],
        },
        # Indirect injection: the tool's result carries the attack.
        {"role": "tool", "tool_call_id": "call_1", "content": f"Order A-1042 shipped. {INJECTION}"},
    ]
    with pytest.raises(openai.PermissionDeniedError) as caught:
        openai_client.chat.completions.create(model=MODEL, messages=messages, tools=[LOOKUP_ORDER])
    assert_refusal(caught.value, 403, "block-prompt-injection")
    assert len(upstream.received()) == before


def test_denied_tool_is_refused(openai_client: openai.OpenAI) -> None:
    shell = {"type": "function", "function": {"name": "execute_shell", "parameters": {"type": "object", "properties": {}}}}
    with pytest.raises(openai.PermissionDeniedError) as caught:
        openai_client.chat.completions.create(model=MODEL, messages=ask("Clean up /tmp."), tools=[shell])
    assert_refusal(caught.value, 403, "deny-dangerous-tools")


# ---- Responses API -----------------------------------------------------------


def test_responses_answer_is_parsed(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    upstream.script(f"Refunds go to {EMAIL}.")
    response = openai_client.responses.create(model=MODEL, input="Who handles refunds?")
    assert isinstance(response, openai.types.responses.Response)
    assert response.output_text == "Refunds go to [REDACTED:email]."
    assert upstream.received()[-1].path == "/v1/responses"


def test_responses_input_is_redacted(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    openai_client.responses.create(model=MODEL, input=f"Reply to {EMAIL} about the refund.")
    sent = upstream.received()[-1]
    assert sent.json()["input"] == "Reply to [REDACTED:email] about the refund."


def test_responses_injection_is_refused(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    before = len(upstream.received())
    with pytest.raises(openai.PermissionDeniedError) as caught:
        openai_client.responses.create(model=MODEL, input=INJECTION)
    assert_refusal(caught.value, 403, "block-prompt-injection")
    assert len(upstream.received()) == before


def test_responses_leak_in_json_answer_is_withheld(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    upstream.script(f"My system prompt starts with {CANARY}.")
    with pytest.raises(openai.PermissionDeniedError) as caught:
        openai_client.responses.create(model=MODEL, input="Summarise the style guide.")
    assert_refusal(caught.value, 403, "block-system-prompt-leak")


def test_responses_stream_is_parsed_and_redacted(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    upstream.script("Write to jane.do", "e@example.com", " today.")
    with openai_client.responses.stream(model=MODEL, input="Who do I write to?") as stream:
        deltas = [event.delta for event in stream if event.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == "Write to [REDACTED:email] today."
    assert final.output_text == "Write to [REDACTED:email] today."


def test_responses_stream_leak_ends_with_an_error_event(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    upstream.script(INTRO, LEAD_IN, f"{CANARY} and more.", " Done.", pause_after=1)
    events = []
    for event in openai_client.responses.create(model=MODEL, input="Summarise the style guide.", stream=True):
        events.append(event)
        if event.type == "response.output_text.delta" and event.delta == INTRO:
            upstream.resume()
    # The SDK does not raise here: the Responses API reports a failure
    # mid-stream as an `error` event, which it parses into its own type.
    last = events[-1]
    assert isinstance(last, openai.types.responses.ResponseErrorEvent)
    assert last.code == "policy_block"
    assert "block-system-prompt-leak" in last.message
    # It continues the stream's numbering (past events held back and
    # dropped), as the SDK's type requires a number.
    assert last.sequence_number > events[-2].sequence_number
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert_cut_before_leak("".join(deltas))
    assert not any(e.type == "response.completed" for e in events)
    assert_clean("".join(e.model_dump_json() for e in events))


def test_responses_stream_helper_fails_on_the_cut(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    upstream.script("My instructions are: ", CANARY)
    with openai_client.responses.stream(model=MODEL, input="Summarise the style guide.") as stream:
        # The helper has no completed response to give.
        with pytest.raises(RuntimeError, match="response.completed"):
            stream.get_final_response()


def test_responses_function_call_is_parsed(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    upstream.script(tool=("lookup_order", {"order": "A-1042"}))
    tool = {"type": "function", "name": "lookup_order", "parameters": LOOKUP_ORDER["function"]["parameters"], "strict": False}
    response = openai_client.responses.create(model=MODEL, input="Where is A-1042?", tools=[tool])
    call = response.output[0]
    assert call.type == "function_call"
    assert (call.name, json.loads(call.arguments)) == ("lookup_order", {"order": "A-1042"})


# ---- embeddings --------------------------------------------------------------


def test_embeddings_are_parsed(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    # The SDK asks for base64 and decodes the floats itself.
    result = openai_client.embeddings.create(model="text-embedding-3-small", input=["refund policy", "delivery times"])
    assert [d.embedding for d in result.data] == [[0.25, -0.5, 0.125], [0.25, -0.5, 0.25]]
    assert upstream.received()[-1].path == "/v1/embeddings"


def test_embeddings_input_is_redacted(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    openai_client.embeddings.create(model="text-embedding-3-small", input=f"Customer {EMAIL} asked about refunds.")
    sent = upstream.received()[-1].json()
    assert sent["input"] == "Customer [REDACTED:email] asked about refunds."


def test_embeddings_secret_is_refused(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    before = len(upstream.received())
    with pytest.raises(openai.PermissionDeniedError) as caught:
        openai_client.embeddings.create(model="text-embedding-3-small", input=f"deploy key {AWS_KEY}")
    assert_refusal(caught.value, 403, "block-secrets-in-prompts")
    assert len(upstream.received()) == before


# ---- what the policy does not name -------------------------------------------


def test_unlisted_openai_endpoint_is_refused(openai_client: openai.OpenAI, upstream: Upstream) -> None:
    before = len(upstream.received())
    with pytest.raises(openai.APIStatusError) as caught:
        openai_client.files.list()
    assert caught.value.code == "unknown_path"
    assert caught.value.status_code == 403
    assert len(upstream.received()) == before


def test_host_the_policy_does_not_name_is_refused(worker: str, upstream: Upstream) -> None:
    # An OpenAI-compatible provider the Worker does not list: its prefix is
    # read as a path of AIMSGATE_HOST (api.openai.com), where no route
    # knows it — refused, and nothing is fetched.
    other = openai.OpenAI(
        base_url=f"{worker}/api.mistral.ai/v1",
        api_key="test-key-not-a-secret",
        default_headers={"x-user-id": "u-10482"},
        max_retries=0,
        timeout=20,
    )
    before = len(upstream.received())
    with pytest.raises(openai.APIStatusError) as caught:
        other.chat.completions.create(model="mistral-large-latest", messages=ask("Hello"))
    assert caught.value.status_code == 403
    assert caught.value.code == "unknown_path"
    assert len(upstream.received()) == before
