// The example Worker in Cloudflare's real runtime: workerd serves
// config.capnp on a free loopback port, in front of a mock OpenAI-compatible
// upstream (a Node http server), and a real HTTP client checks what the
// client and the upstream see.
//
// Needs ./rules.bin (the baseline policy, compiled) and the package in
// ./node_modules (`npm ci`); `cargo xtask` prepares both (xtask/src/edge.rs).
// Every process started here is killed when the tests end or fail.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const example = path.resolve(here, "..");
const workerdBin = path.join(example, "node_modules", ".bin", "workerd");

const AWS_KEY = "AKIAIOSFODNN7EXAMPLE";
const CARD = "4111 1111 1111 1111";
const EMAIL = "jane.doe@example.com";
// The identity the baseline policy requires (require-caller-identity).
const CALLER = { "x-user-id": "u-10482", "x-user-group": "customer-support" };

/** A free loopback port (asked of the kernel, then released). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until something accepts TCP connections on `port`. */
async function waitForPort(port, deadlineMs, alive) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error("workerd exited before it listened");
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${deadlineMs} ms`);
}

// ---- the mock upstream -------------------------------------------------

/** Requests the upstream received: {method, url, headers, body}. */
const received = [];
/** Resolved by the client when it has seen the redacted email mid-stream. */
let clientSawEmail = () => {};

function chunk(content, finish = null) {
  const event = {
    id: "chatcmpl-edge-test",
    object: "chat.completion.chunk",
    created: 1795167843,
    model: "gpt-4o-mini",
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  };
  return `data: ${JSON.stringify(event)}\n\n`;
}

async function streamCompletion(res) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  // The address is split across two SSE events, and the second event is
  // split across two network writes, mid-JSON. The text after the address
  // is longer than any detector's hold-back at the end of a text (a date of
  // birth spelled with a month name may still be growing over its last 25
  // bytes), so the address can settle before the stream goes on.
  const second = chunk("e@example.com for the refund, usually within two working days.");
  res.write(chunk("Write to jane.do"));
  await sleep(30);
  res.write(second.slice(0, 25));
  await sleep(30);
  res.write(second.slice(25));
  // Hold the end until the client has the redacted address: proof that the
  // Worker streams instead of buffering the whole completion.
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 5000);
    clientSawEmail = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  res.write(chunk(" Anything else?", "stop"));
  res.end("data: [DONE]\n\n");
}

const upstream = http.createServer((req, res) => {
  const parts = [];
  req.on("data", (part) => parts.push(part));
  req.on("end", () => {
    const body = Buffer.concat(parts).toString("utf8");
    received.push({ method: req.method, url: req.url, headers: req.headers, body });
    let streamed = false;
    try {
      streamed = JSON.parse(body).stream === true;
    } catch {
      // Not JSON: answered like any completion.
    }
    if (streamed) {
      streamCompletion(res).catch(() => res.destroy());
      return;
    }
    if (req.url.startsWith("/v1/messages")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "msg_edge_test",
          type: "message",
          role: "assistant",
          model: "claude-sonnet-4-5",
          content: [{ type: "text", text: `Noted; write to ${EMAIL}.` }],
          stop_reason: "end_turn",
          usage: { input_tokens: 12, output_tokens: 4 },
        }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id: "chatcmpl-edge-test",
        object: "chat.completion",
        model: "gpt-4o-mini",
        choices: [{ index: 0, message: { role: "assistant", content: "Noted." }, finish_reason: "stop" }],
        usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 },
      }),
    );
  });
});

// ---- workerd -----------------------------------------------------------

let workerd;
let workerdExited = false;
let output = "";
let base;

function killWorkerd() {
  if (workerd && !workerdExited) workerd.kill("SIGKILL");
}
// Whatever ends this process, workerd goes with it (xtask sends SIGTERM
// to a run that hangs).
process.on("exit", killWorkerd);
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    killWorkerd();
    process.exit(1);
  });
}

before(async () => {
  for (const needed of [workerdBin, path.join(example, "rules.bin"), path.join(example, "node_modules/@aimsgate/edge/workerd.js")]) {
    assert.ok(existsSync(needed), `${needed} is missing: run \`cargo xtask\`'s edge test (or npm ci and compile rules.bin)`);
  }
  const upstreamPort = await new Promise((resolve) => {
    upstream.listen(0, "127.0.0.1", () => resolve(upstream.address().port));
  });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  workerd = spawn(
    workerdBin,
    [
      "serve",
      "config.capnp",
      "--socket-addr",
      `http=127.0.0.1:${port}`,
      "--external-addr",
      `upstream=127.0.0.1:${upstreamPort}`,
    ],
    { cwd: example, stdio: ["ignore", "pipe", "pipe"] },
  );
  workerd.stdout.on("data", (data) => {
    output += data;
  });
  workerd.stderr.on("data", (data) => {
    output += data;
  });
  workerd.on("exit", () => {
    workerdExited = true;
  });
  const started = Date.now();
  await waitForPort(port, 30_000, () => !workerdExited).catch((error) => {
    throw new Error(`${error.message}\nworkerd said:\n${output}`);
  });
  console.log(`# workerd listening after ${Date.now() - started} ms`);
});

after(async () => {
  if (workerd && !workerdExited) {
    // workerd drains open connections on SIGTERM (the client's keep-alive
    // ones too): a short grace, then SIGKILL.
    workerd.kill("SIGTERM");
    const exited = new Promise((resolve) => workerd.once("exit", resolve));
    let timer;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
    killWorkerd();
  }
  upstream.closeAllConnections?.();
  await new Promise((resolve) => upstream.close(resolve));
});

function chatRequest(content, extra = {}) {
  return fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...CALLER },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content }], ...extra }),
    signal: AbortSignal.timeout(15_000),
  });
}

/** Audit events workerd logged so far (console.log lines). */
function auditEvents() {
  return output
    .split("\n")
    .filter((line) => line.startsWith('{"schema":"aimsgate.audit/'))
    .map((line) => JSON.parse(line));
}

test("a prompt carrying an AWS key is refused and never reaches the upstream", { timeout: 20_000 }, async () => {
  const before = received.length;
  const response = await chatRequest(`Why does this fail? aws configure set aws_access_key_id ${AWS_KEY}`);
  assert.equal(response.status, 403);
  assert.equal(response.headers.get("x-aimsgate-decision"), "block");
  assert.match(response.headers.get("content-type"), /application\/json/);
  const body = await response.json();
  assert.equal(body.error.type, "permission_error");
  assert.equal(body.error.code, "policy_block");
  assert.deepEqual(body.aimsgate.rules, ["block-secrets-in-prompts"]);
  assert.ok(!JSON.stringify(body).includes(AWS_KEY), "the refusal must not echo the key");
  assert.equal(received.length, before, "the upstream must not be contacted");
  assert.ok(received.every((r) => !r.body.includes(AWS_KEY)));
});

/** An Anthropic Messages call through the Worker, the provider named first in the path. */
function messagesRequest(content, prefix = "/api.anthropic.com") {
  return fetch(`${base}${prefix}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...CALLER },
    body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content }] }),
    signal: AbortSignal.timeout(15_000),
  });
}

test("one Worker governs Anthropic too: the provider's host first in the path", { timeout: 20_000 }, async () => {
  const before = received.length;
  const refused = await messagesRequest(`deploy with ${AWS_KEY}`);
  assert.equal(refused.status, 403);
  const error = await refused.json();
  // Anthropic's own error shape, which its SDK raises as PermissionDeniedError.
  assert.equal(error.type, "error");
  assert.equal(error.error.type, "permission_error");
  assert.equal(received.length, before, "the upstream must not be contacted");

  const allowed = await messagesRequest("Summarise our refund policy.");
  assert.equal(allowed.status, 200);
  const answer = await allowed.json();
  assert.equal(answer.content[0].text, "Noted; write to [REDACTED:email].");
  const sent = received.at(-1);
  assert.equal(sent.url, "/v1/messages", "the prefix is the provider, not part of its path");
  const event = auditEvents().findLast((e) => e["aimsgate.phase"] === "request");
  assert.equal(event["aimsgate.route"], "anthropic");
});

test("a provider host the Worker does not list is refused, never fetched", { timeout: 20_000 }, async () => {
  const before = received.length;
  const response = await fetch(`${base}/evil.example.com/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", ...CALLER },
    body: "{}",
  });
  // Not a provider: the path is read as one for AIMSGATE_HOST (OpenAI here),
  // where no route knows it.
  assert.notEqual(response.status, 200);
  assert.equal(received.length, before);
});

test("a card number reaches the upstream redacted", { timeout: 20_000 }, async () => {
  const response = await chatRequest(`My card ${CARD} was charged twice, please check.`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("x-aimsgate-decision"), "redact");
  assert.equal(response.headers.get("x-ai-generated"), "true");
  assert.ok(response.headers.get("x-aimsgate-request-id"));
  const body = await response.json();
  assert.equal(body.choices[0].message.content, "Noted.");
  const forwarded = received.at(-1);
  assert.ok(forwarded.body.includes("[REDACTED:payment-card]"), forwarded.body);
  assert.ok(!forwarded.body.includes(CARD) && !forwarded.body.includes("4111111111111111"));
  // The rest of the body is untouched; the output cap is inserted.
  const sent = JSON.parse(forwarded.body);
  assert.equal(sent.model, "gpt-4o-mini");
  assert.equal(sent.max_completion_tokens, 4096);
  assert.equal(forwarded.headers["accept-encoding"], "identity");
});

test("an email split across SSE chunks reaches the client redacted, streamed", { timeout: 20_000 }, async () => {
  const response = await chatRequest("Who should the customer write to about the refund?", { stream: true });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /text\/event-stream/);
  assert.equal(response.headers.get("content-length"), null);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let reads = 0;
  let sawEmailMidStream = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    reads += 1;
    text += decoder.decode(value, { stream: true });
    if (!sawEmailMidStream && text.includes("[REDACTED:email]")) {
      sawEmailMidStream = !text.includes("[DONE]");
      clientSawEmail();
    }
  }
  assert.ok(sawEmailMidStream, "the redacted part must arrive before the upstream ends the stream");
  assert.ok(reads >= 2, `the body arrived in ${reads} read(s): it must stream`);
  assert.ok(!text.includes(EMAIL) && !text.includes("jane.do"), text);
  const content = text
    .split("\n\n")
    .filter((event) => event.startsWith("data: {"))
    .map((event) => JSON.parse(event.slice(6)).choices[0].delta.content ?? "")
    .join("");
  assert.equal(content, "Write to [REDACTED:email] for the refund, usually within two working days. Anything else?");
  assert.ok(text.trimEnd().endsWith("data: [DONE]"));
});

test("every decision is an audit event, chained, with no matched text", { timeout: 10_000 }, async () => {
  // The response phase of the stream is logged when it ends.
  const deadline = Date.now() + 5000;
  let events = auditEvents();
  while (events.filter((e) => e["event.name"] === "aimsgate.decision").length < 9 && Date.now() < deadline) {
    await sleep(50);
    events = auditEvents();
  }
  const decisions = events.filter((e) => e["event.name"] === "aimsgate.decision");
  const summary = decisions.map((e) => `${e["aimsgate.phase"]}:${e["aimsgate.outcome"]}`);
  assert.deepEqual(summary, [
    "request:block",
    // Anthropic through the path prefix: the key refused, then an answer
    // whose address is redacted; then the unlisted host, refused.
    "request:block",
    "request:allow",
    "response:redact",
    "request:block",
    "request:redact",
    "response:allow",
    "request:cap",
    "response:redact",
  ]);
  assert.ok(decisions.every((e) => e["aimsgate.runtime"].startsWith("aimsgate-edge/")));
  assert.equal(events[0]["event.name"], "aimsgate.chain.start");
  events.forEach((event, index) => {
    assert.equal(event["aimsgate.chain.seq"], index);
    if (index > 0) assert.equal(event["aimsgate.chain.prev"], events[index - 1].digest);
  });
  for (const secret of [AWS_KEY, CARD, "4111111111111111", EMAIL, "jane.do"]) {
    assert.ok(!output.includes(secret), `workerd's log must not contain ${secret}`);
  }
});
