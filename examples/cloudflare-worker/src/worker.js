// A Cloudflare Worker that guards an OpenAI-compatible endpoint with
// aimsgate: every request is checked against the compiled policy before it
// leaves, refused ones never reach the provider, personal data is redacted
// on the way out and on the way back (streams included), and each decision
// is logged as a hash-chained audit event (console.log: Workers Logs,
// Logpush or a Tail Worker collect them).
//
// One Worker governs every provider: clients put the provider's host first
// in the path, as their SDK's base URL —
//   https://<worker>/api.openai.com/v1            (openai: base_url)
//   https://<worker>/api.anthropic.com            (anthropic: base_url)
//   https://<worker>/generativelanguage.googleapis.com   (google-genai)
// — and the guard sees the request as sent to that host, so the policy's
// route for it applies. A host not listed is refused (404), never fetched.
//
// Bindings (wrangler.toml [vars] / config.capnp):
//   AIMSGATE_PROVIDERS  the provider hosts clients may name (space-separated;
//                     default: OpenAI, Anthropic and the Gemini API)
//   AIMSGATE_HOST     the host a path without a provider prefix is for
//                     (optional: without it such paths are refused)
//   UPSTREAM_URL      where allowed requests go instead of https://<host>
//                     (a local server or a gateway), optional
//   UPSTREAM          optional service binding used instead of the global fetch
//   AIMSGATE_HIT_KEY  optional secret: keyed fingerprints of matches in events

import { Guard } from "@aimsgate/edge";
// The compiled rule set (`aimsgate compile policy.yaml -o rules.bin`),
// bundled as a data module: an ArrayBuffer.
import rules from "./rules.bin";

// One guard per isolate, made on the first request (loading a rule set
// builds its automata: better not in the global scope's time budget).
// Usage budgets count per isolate.
let guard;

function guardFor(env) {
  guard ??= new Guard(rules, {
    requestIdHeader: env.AIMSGATE_REQUEST_ID_HEADER || "x-request-id",
    hitKey: env.AIMSGATE_HIT_KEY || undefined,
    // Signed checkpoints and RFC 3161 anchors (docs/evidence.md): the key
    // is a secret binding, the TSA a URL.
    auditSigningKey: env.AIMSGATE_CHECKPOINT_KEY || undefined,
    checkpointIntervalMs: env.AIMSGATE_CHECKPOINT_KEY ? 10_000 : 0,
    anchor: env.AIMSGATE_TSA_URL ? { url: env.AIMSGATE_TSA_URL } : undefined,
    onEvent: (line) => console.log(line),
  });
  if (!guard.ready) {
    // Every request is refused (503) until the rule set is fixed; say why
    // once per isolate, next to the events that record each refusal.
    console.error(`aimsgate: the rule set did not load: ${guard.loadError}`);
  }
  return guard;
}

const DEFAULT_PROVIDERS = "api.openai.com api.anthropic.com generativelanguage.googleapis.com";

/**
 * The provider a request is for and the request as sent to it:
 * `/<host>/<path>` names the host; otherwise `AIMSGATE_HOST`, if set.
 * `null`: no provider the Worker may reach.
 */
function routeOf(request, env) {
  const url = new URL(request.url);
  const providers = (env.AIMSGATE_PROVIDERS || DEFAULT_PROVIDERS)
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean);
  const [, first = "", ...rest] = url.pathname.split("/");
  let host = first.toLowerCase();
  let path = `/${rest.join("/")}`;
  if (!providers.includes(host)) {
    if (!env.AIMSGATE_HOST) return null;
    host = env.AIMSGATE_HOST.toLowerCase();
    path = url.pathname;
  }
  const sent = new URL(`https://${host}${path}${url.search}`);
  return { host, request: new Request(sent, request) };
}

function notFound() {
  const body = {
    error: {
      type: "not_found_error",
      code: "provider_not_governed",
      message: "name a provider host first in the path, e.g. /api.openai.com/v1/chat/completions",
    },
  };
  return new Response(JSON.stringify(body), {
    status: 404,
    headers: { "content-type": "application/json" },
  });
}

export default {
  async fetch(request, env, ctx) {
    const route = routeOf(request, env);
    if (!route) return notFound();
    const upstream = {
      url: env.UPSTREAM_URL || `https://${route.host}`,
      fetch: env.UPSTREAM ? (forwarded) => env.UPSTREAM.fetch(forwarded) : undefined,
    };
    // `ctx`: the audit anchor, when due, is sent after the response.
    return guardFor(env).fetch(route.request, upstream, ctx);
  },
};
