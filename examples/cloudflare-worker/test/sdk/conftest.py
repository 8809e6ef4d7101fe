"""The example Worker in workerd, driven by the official Python SDKs.

The session starts the mock providers (``upstream.py``, a thread of this
process) and workerd serving ``config.capnp`` on a free loopback port in
front of it, and hands each test SDK clients pointed at the Worker the way
an application would point them: the provider's host first in the path.

Needs ``../../rules.bin`` (the baseline policy, compiled) and
``../../node_modules`` (``npm ci``); ``cargo xtask edge`` prepares both and
runs this suite in its pinned virtualenv (``xtask/src/edge.rs``). workerd
is killed when the session ends, fails or is sent SIGTERM.
"""

from __future__ import annotations

import atexit
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import anthropic
import openai
import pytest
from google import genai
from google.genai import types as genai_types

from upstream import Upstream

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parents[1]
WORKERD = EXAMPLE / "node_modules" / ".bin" / "workerd"

# The identity the baseline policy requires (require-caller-identity); a
# real deployment has its gateway set these from the signed-in session.
CALLER = {"x-user-id": "u-10482", "x-user-group": "customer-support"}
# What a client sends as its key: the Worker forwards it as it is, and the
# mock does not check it. Not shaped like a real key, which the policy's
# secret detectors would (rightly) not care about in a header anyway.
API_KEY = "test-key-not-a-secret"
# Every call is answered by a local process: anything slower has hung.
TIMEOUT_S = 20.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen[bytes], deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"workerd exited ({process.returncode}) before it listened")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"workerd did not listen on 127.0.0.1:{port} within {deadline_s} s")


@pytest.fixture(scope="session")
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_script(upstream: Upstream) -> None:
    """Each test scripts its own answers; the default is a plain one."""
    upstream.reset()


@pytest.fixture(scope="session")
def worker(upstream: Upstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """workerd running the Worker; the base URL of its socket."""
    for needed in (WORKERD, EXAMPLE / "rules.bin", EXAMPLE / "node_modules/@aimsgate/edge/workerd.js"):
        assert needed.exists(), f"{needed} is missing: run `cargo xtask edge` (it compiles rules.bin and runs npm ci)"
    port = _free_port()
    log_path = tmp_path_factory.mktemp("workerd") / "workerd.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            str(WORKERD),
            "serve",
            "config.capnp",
            "--socket-addr",
            f"http=127.0.0.1:{port}",
            "--external-addr",
            f"upstream=127.0.0.1:{upstream.port}",
        ],
        cwd=EXAMPLE,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def kill() -> None:
        if process.poll() is None:
            process.kill()
            process.wait()

    # xtask sends SIGTERM to a run that hangs: turn it into an interrupt,
    # so pytest unwinds its fixtures (and this one kills workerd).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    atexit.register(kill)
    try:
        _wait_for_port(port, process, 30.0)
    except RuntimeError as error:
        kill()
        raise RuntimeError(f"{error}\nworkerd said:\n{log_path.read_text(errors='replace')}") from None
    yield f"http://127.0.0.1:{port}"
    kill()
    log.close()
    # The audit events (and anything else workerd printed) are on stdout;
    # print them for a failing run's report, with -rA or -s.
    print(log_path.read_text(errors="replace")[-4000:])


@pytest.fixture(scope="session")
def openai_client(worker: str) -> openai.OpenAI:
    # max_retries=0: a refusal is final (the Worker says so with
    # x-should-retry: false), and a test that retried would hide it.
    return openai.OpenAI(
        base_url=f"{worker}/api.openai.com/v1",
        api_key=API_KEY,
        default_headers=CALLER,
        max_retries=0,
        timeout=TIMEOUT_S,
    )


@pytest.fixture(scope="session")
def anthropic_client(worker: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        base_url=f"{worker}/api.anthropic.com",
        api_key=API_KEY,
        default_headers=CALLER,
        max_retries=0,
        timeout=TIMEOUT_S,
    )


def gemini_client(worker: str, headers: dict[str, str] | None = None) -> genai.Client:
    return genai.Client(
        api_key=API_KEY,
        http_options=genai_types.HttpOptions(
            base_url=f"{worker}/generativelanguage.googleapis.com",
            api_version="v1beta",
            headers=CALLER if headers is None else headers,
            timeout=int(TIMEOUT_S * 1000),
            # attempts=1: no retries (its default is 5 attempts).
            retry_options=genai_types.HttpRetryOptions(attempts=1),
        ),
    )


@pytest.fixture(scope="session")
def gemini(worker: str) -> genai.Client:
    return gemini_client(worker)
