"""A mock of the three providers' APIs, for the Worker to forward to.

It answers like OpenAI (chat completions, Responses, embeddings),
Anthropic (messages) and the Gemini API (generateContent,
streamGenerateContent with ``alt=sse``), as JSON or as a Server-Sent Event
stream when the request asks for one, in the shapes the official SDKs
parse. What it says is scripted by the test (``Upstream.script``), and it
records every request it receives, so a test can check what reached the
provider after the Worker (redacted text, or nothing at all).

Stream answers go out one event per network write with a short pause
between them, so the Worker sees them as separate chunks — an answer
split across events is what its stream inspection has to handle.
"""

from __future__ import annotations

import base64
import json
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

# Between two events of a stream: long enough that the Worker reads them as
# separate chunks, short enough that a test suite of streams stays fast.
EVENT_GAP_S = 0.02
# The longest a paused stream waits for the test to resume it.
PAUSE_S = 5.0
CREATED = 1_795_167_843


@dataclass
class Received:
    """One request as the upstream got it."""

    method: str
    path: str
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Script:
    """What the next answers say.

    ``text``: the answer's text, as the pieces a stream sends one event
    each (a JSON answer joins them). ``tool``: a function call the model
    makes instead, ``(name, arguments)``.
    """

    text: list[str] = field(default_factory=lambda: ["Noted."])
    tool: tuple[str, dict[str, Any]] | None = None
    # A stream stops after the event of text piece `pause_after` until the
    # test calls `Upstream.resume` (at most PAUSE_S): what the client has
    # by then came through while the upstream was still mid-answer.
    pause_after: int | None = None

    @property
    def joined(self) -> str:
        return "".join(self.text)


class Upstream:
    """The mock server (a thread), its script and what it received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._script = Script()
        self._resume = threading.Event()
        handler = type("Handler", (_Handler,), {"upstream": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(
        self,
        *text: str,
        tool: tuple[str, dict[str, Any]] | None = None,
        pause_after: int | None = None,
    ) -> None:
        """Sets what the answers say until the next call (or ``reset``)."""
        with self._lock:
            self._script = Script(text=list(text) or [""], tool=tool, pause_after=pause_after)
            self._resume.clear()

    def resume(self) -> None:
        """Lets a paused stream go on."""
        self._resume.set()

    def wait_for_resume(self) -> None:
        self._resume.wait(PAUSE_S)

    def reset(self) -> None:
        with self._lock:
            self._script = Script()
            self._resume.clear()

    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def current(self) -> Script:
        with self._lock:
            return self._script

    def record(self, request: Received) -> None:
        with self._lock:
            self._received.append(request)


class _Handler(BaseHTTPRequestHandler):
    upstream: Upstream
    # HTTP/1.1: workerd keeps connections to its upstream alive.
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        # Quiet: pytest shows what the tests assert, not an access log.
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        url = urlsplit(self.path)
        self.upstream.record(
            Received(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
        )
        try:
            request = json.loads(body) if body else {}
        except json.JSONDecodeError:
            request = {}
        script = self.upstream.current()
        path = url.path
        if path == "/v1/chat/completions":
            self._chat(request, script)
        elif path == "/v1/responses":
            self._responses(request, script)
        elif path == "/v1/embeddings":
            self._embeddings(request)
        elif path == "/v1/messages":
            self._messages(request, script)
        elif path.startswith("/v1beta/models/") and ":" in path:
            model, method = path.removeprefix("/v1beta/models/").split(":", 1)
            if method == "generateContent":
                self._send_json(200, _gemini_chunk(model, script.text, script.tool, last=True))
            elif method == "streamGenerateContent":
                self._gemini_stream(model, script)
            else:
                self._not_found()
        else:
            self._not_found()

    # ---- transport ---------------------------------------------------------

    def _send_json(self, status: int, value: Any) -> None:
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _not_found(self) -> None:
        self._send_json(404, {"error": {"message": "mock upstream: no such endpoint", "type": "invalid_request_error"}})

    def _send_events(self, events: list[bytes], pause_at: int | None = None) -> None:
        # Chunked, as providers stream: no length known in advance.
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        try:
            for index, event in enumerate(events):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
                self.wfile.flush()
                time.sleep(EVENT_GAP_S)
                if index == pause_at:
                    self.upstream.wait_for_resume()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The Worker cut the stream (a refusal) and closed the connection.
            self.close_connection = True

    # ---- OpenAI ------------------------------------------------------------

    def _chat(self, request: dict[str, Any], script: Script) -> None:
        model = request.get("model", "gpt-4o-mini")
        tool_calls = None
        if script.tool is not None:
            name, arguments = script.tool
            tool_calls = [
                {
                    "id": "call_mock_1",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(arguments)},
                }
            ]
        finish = "tool_calls" if tool_calls else "stop"
        if not request.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": None if tool_calls else script.joined, "refusal": None}
            if tool_calls:
                message["tool_calls"] = tool_calls
            self._send_json(
                200,
                {
                    "id": "chatcmpl-mock",
                    "object": "chat.completion",
                    "created": CREATED,
                    "model": model,
                    "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                    "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
                },
            )
            return

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
            event = {
                "id": "chatcmpl-mock",
                "object": "chat.completion.chunk",
                "created": CREATED,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
            }
            return b"data: " + json.dumps(event).encode() + b"\n\n"

        events = [chunk({"role": "assistant", "content": ""})]
        if tool_calls:
            call = tool_calls[0]
            events.append(chunk({"tool_calls": [{"index": 0, "id": call["id"], "type": "function", "function": {"name": call["function"]["name"], "arguments": ""}}]}))
            events.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": call["function"]["arguments"]}}]}))
        else:
            events.extend(chunk({"content": piece}) for piece in script.text)
        events.append(chunk({}, finish))
        events.append(b"data: [DONE]\n\n")
        self._send_events(events, _pause_at(script, offset=1))

    def _responses(self, request: dict[str, Any], script: Script) -> None:
        model = request.get("model", "gpt-4o-mini")
        if script.tool is not None:
            name, arguments = script.tool
            item: dict[str, Any] = {
                "type": "function_call",
                "id": "fc_mock_1",
                "call_id": "call_mock_1",
                "name": name,
                "arguments": json.dumps(arguments),
                "status": "completed",
            }
        else:
            item = _responses_message(script.joined)

        def response(status: str, output: list[dict[str, Any]]) -> dict[str, Any]:
            return {
                "id": "resp_mock",
                "object": "response",
                "created_at": CREATED,
                "status": status,
                "model": model,
                "output": output,
                "parallel_tool_calls": True,
                "tool_choice": "auto",
                "tools": request.get("tools", []),
                "usage": {
                    "input_tokens": 12,
                    "input_tokens_details": {"cached_tokens": 0},
                    "output_tokens": 5,
                    "output_tokens_details": {"reasoning_tokens": 0},
                    "total_tokens": 17,
                }
                if status == "completed"
                else None,
            }

        if not request.get("stream"):
            self._send_json(200, response("completed", [item]))
            return

        seq = 0

        def event(kind: str, **fields: Any) -> bytes:
            nonlocal seq
            data = {"type": kind, "sequence_number": seq, **fields}
            seq += 1
            return f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()

        events = [
            event("response.created", response=response("in_progress", [])),
            event("response.in_progress", response=response("in_progress", [])),
        ]
        if script.tool is not None:
            events += [
                event("response.output_item.added", output_index=0, item={**item, "arguments": "", "status": "in_progress"}),
                event("response.function_call_arguments.delta", output_index=0, item_id=item["id"], delta=item["arguments"]),
                event("response.function_call_arguments.done", output_index=0, item_id=item["id"], arguments=item["arguments"], name=item["name"]),
                event("response.output_item.done", output_index=0, item=item),
            ]
        else:
            empty = {**_responses_message(""), "status": "in_progress", "content": []}
            part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            events += [
                event("response.output_item.added", output_index=0, item=empty),
                event("response.content_part.added", output_index=0, item_id=item["id"], content_index=0, part=part),
            ]
            events += [
                event("response.output_text.delta", output_index=0, item_id=item["id"], content_index=0, delta=piece, logprobs=[])
                for piece in script.text
            ]
            events += [
                event("response.output_text.done", output_index=0, item_id=item["id"], content_index=0, text=script.joined, logprobs=[]),
                event("response.content_part.done", output_index=0, item_id=item["id"], content_index=0, part={**part, "text": script.joined}),
                event("response.output_item.done", output_index=0, item=item),
            ]
        events.append(event("response.completed", response=response("completed", [item])))
        self._send_events(events, _pause_at(script, offset=4))

    def _embeddings(self, request: dict[str, Any]) -> None:
        inputs = request.get("input", [])
        if isinstance(inputs, str):
            inputs = [inputs]
        data = []
        for index, _ in enumerate(inputs):
            vector = [0.25, -0.5, 0.125 * (index + 1)]
            # The SDK asks for base64 (packed little-endian float32) unless
            # told otherwise, and decodes it itself.
            if request.get("encoding_format") == "base64":
                embedding: Any = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
            else:
                embedding = vector
            data.append({"object": "embedding", "index": index, "embedding": embedding})
        self._send_json(
            200,
            {
                "object": "list",
                "data": data,
                "model": request.get("model", "text-embedding-3-small"),
                "usage": {"prompt_tokens": 8, "total_tokens": 8},
            },
        )

    # ---- Anthropic ---------------------------------------------------------

    def _messages(self, request: dict[str, Any], script: Script) -> None:
        model = request.get("model", "claude-sonnet-4-6")
        blocks: list[dict[str, Any]] = [{"type": "text", "text": script.joined}]
        if script.tool is not None:
            name, arguments = script.tool
            blocks.append({"type": "tool_use", "id": "toolu_mock_1", "name": name, "input": arguments})
        stop = "tool_use" if script.tool is not None else "end_turn"
        message = {
            "id": "msg_mock",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": blocks,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": 12, "output_tokens": 5},
        }
        if not request.get("stream"):
            self._send_json(200, message)
            return

        def event(kind: str, **fields: Any) -> bytes:
            return f"event: {kind}\ndata: {json.dumps({'type': kind, **fields})}\n\n".encode()

        events = [
            event("message_start", message={**message, "content": [], "stop_reason": None, "usage": {"input_tokens": 12, "output_tokens": 1}}),
            event("content_block_start", index=0, content_block={"type": "text", "text": ""}),
            event("ping"),
        ]
        events += [event("content_block_delta", index=0, delta={"type": "text_delta", "text": piece}) for piece in script.text]
        events.append(event("content_block_stop", index=0))
        if script.tool is not None:
            name, arguments = script.tool
            events += [
                event("content_block_start", index=1, content_block={"type": "tool_use", "id": "toolu_mock_1", "name": name, "input": {}}),
                event("content_block_delta", index=1, delta={"type": "input_json_delta", "partial_json": json.dumps(arguments)}),
                event("content_block_stop", index=1),
            ]
        events += [
            event("message_delta", delta={"stop_reason": stop, "stop_sequence": None}, usage={"output_tokens": 5}),
            event("message_stop"),
        ]
        self._send_events(events, _pause_at(script, offset=3))

    # ---- Gemini ------------------------------------------------------------

    def _gemini_stream(self, model: str, script: Script) -> None:
        pieces: list[list[str]] = [[piece] for piece in script.text]
        events = []
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            value = _gemini_chunk(model, piece, script.tool if last else None, last=last)
            # Gemini's own framing: CRLF line ends.
            events.append(b"data: " + json.dumps(value).encode() + b"\r\n\r\n")
        self._send_events(events, _pause_at(script, offset=0))


def _pause_at(script: Script, *, offset: int) -> int | None:
    """The index of the event to pause after: text piece `pause_after`,
    behind the `offset` events a stream opens with."""
    return None if script.pause_after is None else offset + script.pause_after


def _responses_message(text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": "msg_mock_1",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
    }


def _gemini_chunk(model: str, text: list[str], tool: tuple[str, dict[str, Any]] | None, *, last: bool) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"text": "".join(text)}]
    if tool is not None:
        name, arguments = tool
        parts.append({"functionCall": {"name": name, "args": arguments}})
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if last:
        candidate["finishReason"] = "STOP"
    return {
        "candidates": [candidate],
        "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 5, "totalTokenCount": 17},
        "modelVersion": model,
        "responseId": "mock-response",
    }
