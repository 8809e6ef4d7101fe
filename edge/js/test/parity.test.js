// Parity: the recorded traffic (examples/traffic, `aimsgate/exchange/v1`)
// through the built npm package in Node gives the same decisions, audit
// events and bodies as filter.wasm in the proxy-wasm harness.
//
// Inputs (xtask/src/edge.rs sets them):
//   AIMSGATE_EDGE_PKG  the built package directory
//   AIMSGATE_RULES     the compiled rule set both runs use
//   AIMSGATE_REPLAY    `aimsgate replay --json` output: one object per exchange
//   AIMSGATE_TRAFFIC   the exchanges' directory
//
// Each exchange is fed to the guard as the harness feeds it to the filter:
// the same request bytes and request id, the recorded response (a stream
// chunk by chunk as recorded), a bare `{}` 200 when none was recorded.
//
// Intended differences, asserted as such:
// - a response-phase block of a JSON body: the edge answers with the
//   refusal's status and `x-aimsgate-decision: block`; Envoy has already
//   sent the upstream's status and headers, so the filter can only replace
//   the body. The body is identical.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run \`cargo xtask\`'s edge test)`);
  return value;
}

const pkg = required("AIMSGATE_EDGE_PKG");
const rules = readFileSync(required("AIMSGATE_RULES"));
const trafficDir = required("AIMSGATE_TRAFFIC");
const replayed = new Map(
  readFileSync(required("AIMSGATE_REPLAY"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line))
    .map((entry) => [entry.id, entry]),
);

const { Guard } = await import(pathToFileURL(path.join(pkg, "node.js")).href);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JSON as serde_json writes a `Value` (object keys sorted, compact). */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** An exchange body's bytes: a string is exact, JSON is written compactly. */
function bodyBytes(body) {
  if (body === undefined || body === null) return new Uint8Array(0);
  return encoder.encode(typeof body === "string" ? body : canonical(body));
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The header value the harness's client got. */
function harnessHeader(outcome, name) {
  const found = outcome.headers.find(([k]) => k.toLowerCase() === name);
  return found?.[1];
}

/** Audit event members that describe the decision (not the chain, clock or runtime). */
function decisionPart(event) {
  if (!event) return undefined;
  const skip = new Set([
    "time_unix_nano",
    "aimsgate.chain.id",
    "aimsgate.chain.seq",
    "aimsgate.chain.prev",
    "aimsgate.runtime",
    "aimsgate.inspection.duration_us",
    "digest",
  ]);
  return Object.fromEntries(Object.entries(event).filter(([k]) => !skip.has(k)));
}

/** The exchange through the edge guard, observed like the harness observes the filter. */
function throughEdge(guard, exchange, requestId, events) {
  // The wrapper's onEvent gets what its own calls write; the exchange's
  // low-level calls return theirs.
  const collect = (lines) => events.push(...lines.map((line) => JSON.parse(line)));
  const request = exchange.request;
  const headers = Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]);
  if (requestId && !headers.some(([k]) => k === "x-request-id")) headers.push(["x-request-id", requestId]);
  const body = bodyBytes(request.body);
  events.length = 0;
  const result = guard.inspectRequest({
    method: request.method ?? "POST",
    host: request.host,
    path: request.path,
    headers,
    body,
  });
  const exchangeHandle = result.exchange;
  try {
    const seen = {
      requestDecision: exchangeHandle.requestDecision,
      responseDecision: undefined,
      upstream: null,
      status: 0,
      headers: new Map(),
      body: new Uint8Array(0),
      mode: "refused",
    };
    if (result.action === "refuse") {
      seen.status = result.status;
      seen.headers = new Map(result.headers);
      seen.body = result.body;
      return seen;
    }
    seen.upstream = result.body ?? body;
    const recorded = exchange.response;
    // The harness answers a recorded exchange without response with `{}`.
    const status = recorded ? (recorded.status ?? 200) : 200;
    const responseHeaders = recorded
      ? Object.entries(recorded.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])
      : [["content-type", "application/json"]];
    let chunks;
    if (!recorded) chunks = [encoder.encode("{}")];
    else if (recorded.chunks) chunks = recorded.chunks.filter((c) => c !== "").map((c) => encoder.encode(c));
    else chunks = recorded.body === undefined ? [] : [bodyBytes(recorded.body)].filter((b) => b.length > 0);
    if (recorded?.chunks && !responseHeaders.some(([k]) => k === "content-type")) {
      responseHeaders.push(["content-type", "text/event-stream"]);
    }
    const head = exchangeHandle.responseHead({ status, headers: responseHeaders, hasBody: chunks.length > 0 });
    collect(head.events);
    seen.mode = head.mode;
    const out = new Map(responseHeaders);
    for (const name of head.removeHeaders) out.delete(name);
    for (const [k, v] of head.headers) out.set(k, v);
    seen.status = status;
    if (head.mode === "pass") {
      seen.body = concat(chunks);
    } else if (head.mode === "buffer") {
      const decided = exchangeHandle.responseBody(concat(chunks));
      collect(decided.events);
      for (const [k, v] of decided.headers) out.set(k, v);
      seen.status = decided.status ?? status;
      seen.body = decided.body ?? concat(chunks);
    } else {
      const parts = chunks.map((c) => exchangeHandle.transform(c));
      parts.push(exchangeHandle.flush());
      collect(exchangeHandle.takeEvents());
      seen.body = concat(parts);
    }
    seen.headers = out;
    seen.responseDecision = exchangeHandle.responseDecision;
    return seen;
  } finally {
    exchangeHandle.free();
  }
}

const files = readdirSync(trafficDir)
  .filter((f) => f.endsWith(".json"))
  .sort();

test("every recorded exchange was replayed through filter.wasm", () => {
  assert.ok(files.length > 0, `no exchanges in ${trafficDir}`);
  for (const file of files) {
    assert.ok(replayed.has(path.basename(file, ".json")), `${file} is missing from the replay`);
  }
  // Decisions are read from the filter's audit events: none at all means
  // the replay (or filter.wasm) is not what this test compares against.
  const decided = [...replayed.values()].filter((r) => r.request || r.response);
  assert.ok(decided.length >= files.length / 2, "the replay logged (almost) no decisions: is filter.wasm current?");
});

const events = [];
const guard = new Guard(rules, { onEvent: (line) => events.push(JSON.parse(line)) });

test("the guard loaded the rule set", () => {
  assert.equal(guard.loadError, undefined);
  assert.ok(guard.ready);
});

for (const file of files) {
  const id = path.basename(file, ".json");
  test(`parity: ${id}`, () => {
    const exchange = JSON.parse(readFileSync(path.join(trafficDir, file), "utf8"));
    const filter = replayed.get(id);
    assert.ok(filter, "replayed through filter.wasm");
    const outcome = filter.outcome;
    const requestId =
      harnessHeader(outcome, "x-aimsgate-request-id") ??
      outcome.upstream?.headers?.find(([k]) => k === "x-request-id")?.[1];
    const edge = throughEdge(guard, exchange, requestId, events);
    const edgeEvents = events.filter((e) => e["event.name"] === "aimsgate.decision");
    const edgeEvent = (phase) => edgeEvents.find((e) => e["aimsgate.phase"] === phase);

    // Decisions: outcome, rules, controls, own reason — and the whole audit
    // event but for chain, clock and runtime.
    for (const [phase, theirs, ours] of [
      ["request", filter.request, edge.requestDecision],
      ["response", filter.response, edge.responseDecision],
    ]) {
      assert.equal(ours?.outcome, theirs?.outcome, `${phase} outcome`);
      assert.deepEqual(ours?.rules ?? [], theirs?.rules ?? [], `${phase} rules`);
      assert.deepEqual(ours?.controls ?? [], theirs?.controls ?? [], `${phase} controls`);
      assert.equal(ours?.code ?? null, theirs?.code ?? null, `${phase} code`);
      assert.deepEqual(decisionPart(edgeEvent(phase)), decisionPart(theirs?.line), `${phase} audit event`);
    }
    assert.equal(edgeEvents.length, [filter.request, filter.response].filter(Boolean).length, "one event per phase");

    // What the upstream saw.
    const upstreamSaw = filter.upstream_answered ? outcome.upstream.body : null;
    assert.equal(edge.upstream === null ? null : decoder.decode(edge.upstream), upstreamSaw, "body the upstream saw");

    // What the client got.
    assert.equal(decoder.decode(edge.body), outcome.body, "body the client got");
    const respondedBlock = filter.response?.outcome === "block" && edge.mode === "buffer";
    if (respondedBlock) {
      // Intended: the edge still holds the head, Envoy had sent it.
      const refusal = filter.response.line["aimsgate.block"].status;
      assert.equal(edge.status, refusal, "the edge answers with the refusal's status");
      assert.equal(edge.headers.get("x-aimsgate-decision"), "block");
    } else {
      assert.equal(edge.status, outcome.status, "status");
    }
    const governedNames = new Set(
      [...edge.headers.keys(), ...outcome.headers.map(([k]) => k.toLowerCase())].filter(
        (k) => k.startsWith("x-aimsgate-") || k.startsWith("x-ai-") || k === "retry-after",
      ),
    );
    // Intended: holding the head, the edge says what the response decision
    // was (a proxy cannot), and drops the AI-disclosure headers from an
    // answer it withheld.
    if (edge.mode === "buffer" && filter.response) {
      assert.equal(edge.headers.get("x-aimsgate-response-decision"), filter.response.outcome, "response decision");
    }
    governedNames.delete("x-aimsgate-response-decision");
    for (const name of governedNames) {
      if (respondedBlock && (name === "x-aimsgate-decision" || name.startsWith("x-ai-"))) continue;
      assert.equal(edge.headers.get(name), harnessHeader(outcome, name), `header ${name}`);
    }
  });
}
