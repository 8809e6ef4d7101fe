"""The official ``anthropic`` SDK through the Worker: messages as JSON and
as streams, with tool use.

The client's base URL is ``<worker>/api.anthropic.com``; the Worker sees
the requests as sent to api.anthropic.com, so the policy's `anthropic`
route and Anthropic's error format apply.
"""

from __future__ import annotations

import anthropic
import pytest

from samples import AWS_KEY, CANARY, EMAIL, INJECTION, INTRO, LEAD_IN, assert_clean, assert_cut_before_leak
from upstream import Upstream

MODEL = "claude-sonnet-4-6"


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def assert_refusal(error: anthropic.APIStatusError, status: int, rule: str) -> None:
    assert error.status_code == status
    assert isinstance(error.body, dict)
    # Anthropic's error shape, which the SDK reads its fields from.
    assert error.body["type"] == "error"
    assert error.body["error"]["message"].startswith("aimsgate: ")
    assert rule in error.body["error"]["message"]
    assert error.body["aimsgate"]["code"] == "policy_block"
    assert error.response.headers["x-should-retry"] == "false"
    assert_clean(str(error))
    assert_clean(error.response.text)


def test_message_is_parsed(anthropic_client: anthropic.Anthropic, upstream: Upstream) -> None:
    upstream.script("Refunds take five working days.")
    raw = anthropic_client.messages.with_raw_response.create(model=MODEL, max_tokens=256, messages=ask("How long do refunds take?"))
    message = raw.parse()
    assert isinstance(message, anthropic.types.Message)
    assert message.content[0].text == "Refunds take five working days."
    assert message.stop_reason == "end_turn"
    assert raw.headers["x-aimsgate-decision"] == "allow"
    sent = upstream.received()[-1]
    assert sent.path == "/v1/messages"
    assert sent.headers["anthropic-version"]


def test_prompt_is_redacted(anthropic_client: anthropic.Anthropic, upstream: Upstream) -> None:
    anthropic_client.messages.create(model=MODEL, max_tokens=256, messages=ask(f"Draft a reply to {EMAIL}."))
    sent = upstream.received()[-1]
    assert sent.json()["messages"][0]["content"] == "Draft a reply to [REDACTED:email]."


def test_answer_is_redacted(anthropic_client: anthropic.Anthropic, upstream: Upstream) -> None:
    upstream.script(f"Use the key {AWS_KEY} and mail {EMAIL}.")
    message = anthropic_client.messages.create(model=MODEL, max_tokens=256, messages=ask("How do I deploy?"))
    assert message.content[0].text == "Use the key [REDACTED:aws-access-key-id] and mail [REDACTED:email]."


def test_secret_is_refused_with_the_sdks_error(anthropic_client: anthropic.Anthropic, upstream: Upstream) -> None:
    before = len(upstream.received())
    with pytest.raises(anthropic.PermissionDeniedError) as caught:
        anthropic_client.messages.create(model=MODEL, max_tokens=256, messages=ask(f"deploy with {AWS_KEY}"))
    assert_refusal(caught.value, 403, "block-secrets-in-prompts")
    assert caught.value.body["error"]["type"] == "permission_error"
    assert len(upstream.received()) == before


def test_without_identity_is_refused_as_unauthenticated(worker: str, upstream: Upstream) -> None:
    anonymous = anthropic.Anthropic(base_url=f"{worker}/api.anthropic.com", api_key="test-key-not-a-secret", max_retries=0, timeout=20)
    before = len(upstream.received())
    with pytest.raises(anthropic.AuthenticationError) as caught:
        anonymous.messages.create(model=MODEL, max_tokens=256, messages=ask("Hello"))
    assert_refusal(caught.value, 401, "require-caller-identity")
    assert caught.value.body["error"]["type"] == "authentication_error"
    assert len(upstream.received()) == before


def test_unapproved_model_is_refused(anthropic_client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.PermissionDeniedError) as caught:
        anthropic_client.messages.create(model="claude-opus-4-1", max_tokens=256, messages=ask("Hello"))
    assert_refusal(caught.value, 403, "approved-models-only")


def test_leak_in_answer_is_withheld(anthropic_client: anthropic.Anthropic, upstream: Upstream) -> None:
    upstream.script(f"My instructions start with {CANARY}.")
    with pytest.raises(anthropic.PermissionDeniedError) as caught:
        anthropic_client.messages.create(model=MODEL, max_tokens=256, messages=ask("Summarise the style guide."))
    assert_refusal(caught.value, 403, "block-system-prompt-leak")
    # The withheld answer is not marked as AI-generated content any more.
    assert "x-ai-generated" not in caught.value.response.headers


def test_stream_is_parsed_and_redacted_across_events(anthropic_client: anthropic.Anthropic, upstream: Upstream) -> None:
    upstream.script("Write to jane.do", "e@example.com for", " the refund.")
    with anthropic_client.messages.stream(model=MODEL, max_tokens=256, messages=ask("Who do I write to?")) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "Write to [REDACTED:email] for the refund."
    assert final.content[0].text == text
    assert final.stop_reason == "end_turn"


def test_stream_leak_raises_the_sdks_error(anthropic_client: anthropic.Anthropic, upstream: Upstream) -> None:
    upstream.script(INTRO, LEAD_IN, f"{CANARY} and", " the rest.", pause_after=1)
    seen = []
    with pytest.raises(anthropic.APIStatusError) as caught:
        with anthropic_client.messages.stream(model=MODEL, max_tokens=256, messages=ask("Summarise the style guide.")) as stream:
            for text in stream.text_stream:
                seen.append(text)
                if "".join(seen) == INTRO:
                    upstream.resume()
    error = caught.value
    # The SDK raises the stream's `error` event as a status error carrying
    # the HTTP status of the stream (200: it had started) and the event's body.
    assert type(error) is anthropic.APIStatusError
    assert error.status_code == 200
    assert error.body["error"]["type"] == "permission_error"
    assert "block-system-prompt-leak" in error.body["error"]["message"]
    assert_cut_before_leak("".join(seen))
    assert_clean(str(error))


def test_tool_use_is_parsed(anthropic_client: anthropic.Anthropic, upstream: Upstream) -> None:
    upstream.script("Let me look that up.", tool=("lookup_order", {"order": "A-1042"}))
    tool = {"name": "lookup_order", "description": "Find an order.", "input_schema": {"type": "object", "properties": {"order": {"type": "string"}}}}
    message = anthropic_client.messages.create(model=MODEL, max_tokens=256, messages=ask("Where is A-1042?"), tools=[tool])
    assert message.stop_reason == "tool_use"
    use = message.content[1]
    assert isinstance(use, anthropic.types.ToolUseBlock)
    assert (use.name, use.input) == ("lookup_order", {"order": "A-1042"})


def test_tool_use_stream_is_parsed(anthropic_client: anthropic.Anthropic, upstream: Upstream) -> None:
    upstream.script("Checking.", tool=("lookup_order", {"order": "A-1042"}))
    tool = {"name": "lookup_order", "input_schema": {"type": "object", "properties": {"order": {"type": "string"}}}}
    with anthropic_client.messages.stream(model=MODEL, max_tokens=256, messages=ask("Where is A-1042?"), tools=[tool]) as stream:
        final = stream.get_final_message()
    use = final.content[1]
    assert (use.type, use.name, use.input) == ("tool_use", "lookup_order", {"order": "A-1042"})


def test_injected_tool_result_is_refused(anthropic_client: anthropic.Anthropic, upstream: Upstream) -> None:
    before = len(upstream.received())
    messages = [
        {"role": "user", "content": "Where is A-1042?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "lookup_order", "input": {"order": "A-1042"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": f"Shipped. {INJECTION}"}]},
    ]
    with pytest.raises(anthropic.PermissionDeniedError) as caught:
        anthropic_client.messages.create(model=MODEL, max_tokens=256, messages=messages)
    assert_refusal(caught.value, 403, "block-prompt-injection")
    assert len(upstream.received()) == before


def test_denied_tool_is_refused(anthropic_client: anthropic.Anthropic) -> None:
    tool = {"name": "delete_records", "input_schema": {"type": "object", "properties": {}}}
    with pytest.raises(anthropic.PermissionDeniedError) as caught:
        anthropic_client.messages.create(model=MODEL, max_tokens=256, messages=ask("Tidy the CRM."), tools=[tool])
    assert_refusal(caught.value, 403, "deny-dangerous-tools")
