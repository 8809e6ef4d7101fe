"""The official ``google-genai`` SDK through the Worker: generateContent and
streamGenerateContent (``alt=sse``), with function calling.

The client's ``http_options`` base URL is
``<worker>/generativelanguage.googleapis.com``; Gemini names the model in
the path, so the policy's `gemini` route paths are its model allow-list.
"""

from __future__ import annotations

import pytest
from google import genai
from google.genai import errors, types

from conftest import gemini_client
from samples import AWS_KEY, CANARY, CARD, EMAIL, INTRO, LEAD_IN, assert_clean, assert_cut_before_leak
from upstream import Upstream

MODEL = "gemini-2.5-flash"


def assert_refusal(error: errors.APIError, status: int, grpc_status: str, reason: str, rule: str | None) -> None:
    assert error.code == status
    assert error.status == grpc_status
    assert error.message.startswith("aimsgate: ")
    info = error.details["error"]["details"][0]
    assert info["domain"] == "aimsgate"
    assert info["reason"] == reason
    if rule is not None:
        assert rule in error.message
        assert rule in info["metadata"]["rules"].split(",")
    assert_clean(str(error))
    assert_clean(repr(error.details))


def test_answer_is_parsed(gemini: genai.Client, upstream: Upstream) -> None:
    upstream.script("The contract renews on 1 March.")
    response = gemini.models.generate_content(model=MODEL, contents="When does the contract renew?")
    assert isinstance(response, types.GenerateContentResponse)
    assert response.text == "The contract renews on 1 March."
    assert response.candidates[0].finish_reason == types.FinishReason.STOP
    assert response.sdk_http_response.headers["x-ai-generated"] == "true"
    # review-document-summaries: every answer on the gemini route is marked
    # for review, and the SDK's caller can read the mark.
    assert response.sdk_http_response.headers["x-ai-review"] == "required"
    sent = upstream.received()[-1]
    assert sent.path == f"/v1beta/models/{MODEL}:generateContent"
    assert sent.headers["x-goog-api-key"]


def test_prompt_is_redacted(gemini: genai.Client, upstream: Upstream) -> None:
    gemini.models.generate_content(model=MODEL, contents=f"Summarise the dispute on card {CARD}.")
    sent = upstream.received()[-1]
    assert sent.json()["contents"][0]["parts"][0]["text"] == "Summarise the dispute on card [REDACTED:payment-card]."
    assert_clean(sent.body)


def test_answer_is_redacted(gemini: genai.Client, upstream: Upstream) -> None:
    upstream.script(f"The counterparty contact is {EMAIL}.")
    response = gemini.models.generate_content(model=MODEL, contents="Who is the contact?")
    assert response.text == "The counterparty contact is [REDACTED:email]."


def test_secret_is_refused_with_the_sdks_error(gemini: genai.Client, upstream: Upstream) -> None:
    before = len(upstream.received())
    with pytest.raises(errors.ClientError) as caught:
        gemini.models.generate_content(model=MODEL, contents=f"Summarise: the key is {AWS_KEY}")
    assert_refusal(caught.value, 403, "PERMISSION_DENIED", "POLICY_BLOCK", "block-secrets-in-prompts")
    assert len(upstream.received()) == before


def test_without_identity_is_refused(worker: str, upstream: Upstream) -> None:
    before = len(upstream.received())
    # Held in a name: the SDK closes its HTTP client when the Client object
    # is collected, which a temporary would be before the call.
    anonymous = gemini_client(worker, headers={})
    with pytest.raises(errors.ClientError) as caught:
        anonymous.models.generate_content(model=MODEL, contents="Hello")
    assert_refusal(caught.value, 401, "UNAUTHENTICATED", "POLICY_BLOCK", "require-caller-identity")
    assert len(upstream.received()) == before


def test_unapproved_model_is_refused(gemini: genai.Client, upstream: Upstream) -> None:
    before = len(upstream.received())
    # The route's paths list the approved models; any other is an unknown path.
    with pytest.raises(errors.ClientError) as caught:
        gemini.models.generate_content(model="gemini-2.5-flash-lite", contents="Hello")
    assert_refusal(caught.value, 403, "PERMISSION_DENIED", "UNKNOWN_PATH", None)
    assert len(upstream.received()) == before


def test_leak_in_answer_is_withheld(gemini: genai.Client, upstream: Upstream) -> None:
    upstream.script(f"My instructions start with {CANARY}.")
    with pytest.raises(errors.ClientError) as caught:
        gemini.models.generate_content(model=MODEL, contents="Summarise the style guide.")
    assert_refusal(caught.value, 403, "PERMISSION_DENIED", "POLICY_BLOCK", "block-system-prompt-leak")


def test_stream_is_parsed_and_redacted_across_chunks(gemini: genai.Client, upstream: Upstream) -> None:
    upstream.script("Write to jane.do", "e@example.com about", " the renewal.")
    chunks = list(gemini.models.generate_content_stream(model=MODEL, contents="Who do I write to?"))
    assert all(isinstance(c, types.GenerateContentResponse) for c in chunks)
    assert "".join(c.text or "" for c in chunks) == "Write to [REDACTED:email] about the renewal."
    assert upstream.received()[-1].path == f"/v1beta/models/{MODEL}:streamGenerateContent?alt=sse"


def test_stream_leak_raises_the_sdks_error(gemini: genai.Client, upstream: Upstream) -> None:
    upstream.script(INTRO, LEAD_IN, f"{CANARY} then", " more.", pause_after=1)
    seen = []
    # The error object the Worker ends the stream with is raised by the SDK
    # as it reads it: ClientError with the refusal's code.
    with pytest.raises(errors.ClientError) as caught:
        for chunk in gemini.models.generate_content_stream(model=MODEL, contents="Summarise the style guide."):
            seen.append(chunk.text or "")
            if "".join(seen) == INTRO:
                upstream.resume()
    assert_refusal(caught.value, 403, "PERMISSION_DENIED", "POLICY_BLOCK", "block-system-prompt-leak")
    assert_cut_before_leak("".join(seen))


def test_stream_secret_is_refused_up_front(gemini: genai.Client, upstream: Upstream) -> None:
    before = len(upstream.received())
    with pytest.raises(errors.ClientError) as caught:
        for _ in gemini.models.generate_content_stream(model=MODEL, contents=f"key {AWS_KEY}"):
            pass
    assert_refusal(caught.value, 403, "PERMISSION_DENIED", "POLICY_BLOCK", "block-secrets-in-prompts")
    assert len(upstream.received()) == before


def test_function_call_is_parsed(gemini: genai.Client, upstream: Upstream) -> None:
    upstream.script("", tool=("find_clause", {"clause": "termination"}))
    declaration = types.FunctionDeclaration(
        name="find_clause",
        description="Find a clause in the contract.",
        parameters=types.Schema(type=types.Type.OBJECT, properties={"clause": types.Schema(type=types.Type.STRING)}),
    )
    response = gemini.models.generate_content(
        model=MODEL,
        contents="Where is the termination clause?",
        config=types.GenerateContentConfig(tools=[types.Tool(function_declarations=[declaration])]),
    )
    call = response.function_calls[0]
    assert (call.name, call.args) == ("find_clause", {"clause": "termination"})
    sent = upstream.received()[-1].json()
    assert sent["tools"][0]["functionDeclarations"][0]["name"] == "find_clause"
