// @aimsgate/edge — aimsgate's engine (WebAssembly) for edge workers.
//
// This file is runtime-neutral: it never loads the .wasm itself, because
// each runtime wants that done its own way (workerd refuses to compile
// WebAssembly from bytes at run time: the module must be imported). The
// package entries do it: `workerd.js` imports the module, `node.js` reads
// the file (Node, Deno). Anything else calls `initialize(module)` first.
//
// Every decision is the engine's (Rust, in the .wasm); this layer moves
// bytes and headers between the Fetch API and it.

import { initSync, Guard as WasmGuard, version as wasmVersion } from "./aimsgate_edge.js";

let initialized = false;

/**
 * Instantiates the engine from a `WebAssembly.Module` (or the .wasm bytes
 * where the runtime allows compiling them). Later calls do nothing.
 * @param {WebAssembly.Module | BufferSource} module
 */
export function initialize(module) {
  if (initialized) return;
  initSync({ module });
  initialized = true;
}

/** The engine's version (audit events name `aimsgate-edge/<version>`). */
export function version() {
  return wasmVersion();
}

/** Where to send a forwarded request, and how. */
function upstreamOf(upstream, url) {
  if (typeof upstream === "function") return { target: url.href, send: upstream };
  let base = upstream;
  let send = (request) => fetch(request);
  if (upstream && typeof upstream === "object" && !(upstream instanceof URL)) {
    base = upstream.url;
    if (typeof upstream.fetch === "function") send = upstream.fetch;
  }
  if (base === undefined || base === null || base === "") return { target: url.href, send };
  // The base's own path is a prefix: https://gateway/openai + /v1/… .
  const target = new URL(String(base));
  target.pathname = target.pathname.replace(/\/+$/, "") + url.pathname;
  target.search = url.search;
  return { target: target.href, send };
}

/**
 * POSTs a call the engine prepared (`{url, headers, body, timeoutMs}`: a
 * classifier's or a timestamp authority's) through `send`. A network error
 * or no answer within the timeout is `status: null`: the engine records
 * why.
 */
async function post(send, call) {
  try {
    const response = await send(
      new Request(call.url, {
        method: "POST",
        headers: call.headers,
        body: call.body,
        signal: AbortSignal.timeout(call.timeoutMs),
      }),
    );
    return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
  } catch {
    return { status: null, body: new Uint8Array() };
  }
}

/** A guard: one rule set, its usage budgets and its audit chain. */
export class Guard {
  #inner;
  #onEvent;
  #host;
  #classifierFetch;
  #anchorFetch;

  /**
   * @param {Uint8Array | ArrayBuffer | string} rules compiled rule set
   * @param {import("./index.d.ts").GuardOptions} [options]
   */
  constructor(rules, options = {}) {
    if (!initialized) {
      throw new Error(
        "@aimsgate/edge: the WebAssembly module is not initialized; import the package entry for your runtime, or call initialize(module) first",
      );
    }
    const { onEvent, host, ...engineOptions } = options ?? {};
    if (engineOptions.anchor && typeof engineOptions.anchor === "object") {
      // The engine takes where and how often; the call is made here.
      const { fetch: anchorFetch, ...anchor } = engineOptions.anchor;
      engineOptions.anchor = anchor;
      this.#anchorFetch = typeof anchorFetch === "function" ? anchorFetch : undefined;
    }
    if (engineOptions.classifier && typeof engineOptions.classifier === "object") {
      // The engine takes where and how long; the call is made here.
      const { fetch: classifierFetch, ...classifier } = engineOptions.classifier;
      engineOptions.classifier = classifier;
      this.#classifierFetch = typeof classifierFetch === "function" ? classifierFetch : undefined;
    }
    this.#inner = new WasmGuard(rules, engineOptions);
    this.#onEvent = typeof onEvent === "function" ? onEvent : (line) => console.log(line);
    this.#host = host;
    this.#emit(this.#inner.takeEvents());
  }

  /** Whether the rule set loaded (if not, every request is refused 503). */
  get ready() {
    return this.#inner.ready;
  }

  /** Why the rule set or the options did not load. */
  get loadError() {
    return this.#inner.loadError;
  }

  /** `{name, version, digest}` of the loaded policy. */
  get policy() {
    return this.#inner.policy;
  }

  /** The wasm-bindgen guard underneath, for the low-level API. */
  get wasm() {
    return this.#inner;
  }

  #emit(lines) {
    if (!lines) return;
    for (const line of lines) this.#onEvent(line);
  }

  /**
   * Low level: inspects a request object (see index.d.ts); audit events
   * go to `onEvent` and are also returned.
   */
  inspectRequest(request) {
    const result = this.#inner.inspectRequest(request);
    this.#emit(result.events);
    return result;
  }

  /**
   * Guards one request end to end: inspects it, forwards it (rewritten if
   * the policy redacted or capped it) to `upstream`, inspects the answer
   * (streams as they flow), and returns the response for the client — or
   * the refusal, in the API's own error format.
   * With the `anchor` option, also timestamps the audit chain's head when
   * an interval has begun: give the Worker's `ctx` so the call runs in
   * `ctx.waitUntil` after the response.
   * @param {Request} request
   * @param {import("./index.d.ts").Upstream} [upstream]
   * @param {{waitUntil(promise: Promise<unknown>): void}} [ctx]
   * @returns {Promise<Response>}
   */
  async fetch(request, upstream, ctx) {
    const response = await this.#guard(request, upstream);
    this.anchor(ctx);
    return response;
  }

  /**
   * Timestamps the audit chain's head with the `anchor` TSA when an
   * interval has begun (else does nothing and returns `null`): POSTs the
   * request, hands the answer back, and emits the checkpoint that records
   * it (or the failure). Runs in `ctx.waitUntil` when `ctx` is given; the
   * promise is returned either way.
   * @param {{waitUntil(promise: Promise<unknown>): void}} [ctx]
   * @returns {Promise<void> | null}
   */
  anchor(ctx) {
    const call = this.#inner.anchorRequest();
    if (!call) return null;
    const send = this.#anchorFetch ?? ((r) => fetch(r));
    const done = (async () => {
      const { status, body } = await post(send, call);
      // 0: no answer, which the checkpoint records as such.
      this.#inner.anchored(status ?? 0, body);
      this.#emit(this.#inner.takeEvents());
    })();
    if (ctx && typeof ctx.waitUntil === "function") ctx.waitUntil(done);
    return done;
  }

  async #guard(request, upstream) {
    const url = new URL(request.url);
    const body = request.body === null ? null : new Uint8Array(await request.arrayBuffer());
    let result = this.inspectRequest({
      method: request.method,
      host: this.#host ?? url.host,
      path: url.pathname + url.search,
      headers: [...request.headers],
      body,
    });
    const exchange = result.exchange;
    if (result.action === "consult") result = await this.consult(exchange, result.consult);
    if (result.action === "refuse") {
      exchange.free();
      return new Response(result.body, { status: result.status, headers: result.headers });
    }
    const headers = new Headers(request.headers);
    // The runtime sets it from the target URL.
    headers.delete("host");
    for (const name of result.removeHeaders) headers.delete(name);
    for (const [name, value] of result.upstreamHeaders) headers.set(name, value);
    const forwarded = result.body ?? (body !== null && body.length > 0 ? body : null);
    const { target, send } = upstreamOf(upstream, url);
    let response;
    try {
      response = await send(
        new Request(target, { method: request.method, headers, body: forwarded, redirect: "manual" }),
      );
    } catch (error) {
      const reason = `the upstream could not be reached: ${error?.message ?? error}`;
      const reply = exchange.upstreamFailed(reason);
      this.#emit(reply.events);
      exchange.free();
      return new Response(reply.body, { status: reply.status, headers: reply.headers });
    }
    return this.#respond(exchange, response);
  }

  /**
   * Asks the classifier what an `action: "consult"` result says to ask,
   * and returns the exchange's forward or refuse result on its answer. No
   * answer within `timeoutMs` (or a network error) is no answer: the route
   * decides, by default refusing 503.
   */
  async consult(exchange, consult) {
    const send = this.#classifierFetch ?? ((call) => fetch(call));
    // Unreachable, refused or too slow (`status: null`): the exchange
    // records why.
    const { status, body: answer } = await post(send, consult);
    const result = exchange.opinion(status, answer);
    this.#emit(result.events);
    result.exchange = exchange;
    return result;
  }

  async #respond(exchange, response) {
    let handedOver = false;
    try {
      const headers = new Headers(response.headers);
      // fetch() hands bodies over decoded: for the engine (and for an
      // inspected body sent on) the encoding header no longer applies.
      const encoded = headers.has("content-encoding");
      const head = exchange.responseHead({
        status: response.status,
        headers: [...headers].filter(([name]) => name !== "content-encoding"),
        hasBody: response.body !== null,
      });
      this.#emit(head.events);
      if (head.mode === "pass" && (head.headers.length === 0 || response.status < 200)) {
        return response;
      }
      for (const name of head.removeHeaders) headers.delete(name);
      for (const [name, value] of head.headers) headers.set(name, value);
      const init = { status: response.status, statusText: response.statusText, headers };
      if (head.mode === "pass") return new Response(response.body, init);
      if (encoded) {
        headers.delete("content-encoding");
        headers.delete("content-length");
      }
      if (head.mode === "stream") {
        const body = response.body.pipeThrough(this.sseTransform(exchange));
        handedOver = true;
        return new Response(body, init);
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      const result = exchange.responseBody(bytes);
      this.#emit(result.events);
      for (const name of result.removeHeaders) headers.delete(name);
      for (const [name, value] of result.headers) headers.set(name, value);
      if (result.status !== undefined) {
        init.status = result.status;
        init.statusText = "";
      }
      return new Response(result.body ?? bytes, init);
    } finally {
      if (!handedOver) this.#release(exchange);
    }
  }

  /** Closes an exchange (recording a phase left undecided) and frees it. */
  #release(exchange) {
    try {
      exchange.close();
      this.#emit(this.#inner.takeEvents());
    } finally {
      exchange.free();
    }
  }

  /**
   * A TransformStream that inspects a streamed (SSE) response body of
   * `exchange` as it flows: each chunk's settled part goes out at once,
   * redacted; a block ends the stream with the API's error event.
   * @param {import("./aimsgate_edge.js").Exchange} exchange
   * @returns {TransformStream<Uint8Array, Uint8Array>}
   */
  sseTransform(exchange) {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#release(exchange);
    };
    const emit = (lines) => this.#emit(lines);
    return new TransformStream({
      transform(chunk, controller) {
        try {
          const out = exchange.transform(chunk);
          if (out.length > 0) controller.enqueue(out);
          emit(exchange.takeEvents());
        } catch (error) {
          release();
          throw error;
        }
      },
      flush(controller) {
        try {
          const out = exchange.flush();
          if (out.length > 0) controller.enqueue(out);
        } finally {
          release();
        }
      },
      // The client went away: the decision covers what passed.
      cancel() {
        release();
      },
    });
  }

  /** Audit lines not emitted yet (normally none: `onEvent` gets them). */
  takeEvents() {
    return this.#inner.takeEvents();
  }

  /** Ends the audit chain (the guard is going away); emits the end event. */
  endChain() {
    this.#emit(this.#inner.endChain());
  }
}

export { WasmGuard, initSync };
export { Exchange } from "./aimsgate_edge.js";
