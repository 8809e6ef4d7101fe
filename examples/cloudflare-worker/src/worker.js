// A Cloudflare Worker that guards an OpenAI-compatible endpoint with
// aimsgate: every request is checked against the compiled policy before it
// leaves, refused ones never reach the provider, personal data is redacted
// on the way out and on the way back (streams included), and each decision
// is logged as a hash-chained audit event (console.log: Workers Logs,
// Logpush or a Tail Worker collect them).
//
// Bindings (wrangler.toml [vars] / config.capnp):
//   UPSTREAM_URL      where allowed requests go (default https://api.openai.com)
//   UPSTREAM          optional service binding used instead of the global fetch
//   AIMSGATE_HOST     the host the policy's routes name, when clients reach the
//                     worker under its own host (default: the request's host)
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
    host: env.AIMSGATE_HOST || undefined,
    requestIdHeader: env.AIMSGATE_REQUEST_ID_HEADER || "x-request-id",
    hitKey: env.AIMSGATE_HIT_KEY || undefined,
    onEvent: (line) => console.log(line),
  });
  if (!guard.ready) {
    // Every request is refused (503) until the rule set is fixed; say why
    // once per isolate, next to the events that record each refusal.
    console.error(`aimsgate: the rule set did not load: ${guard.loadError}`);
  }
  return guard;
}

export default {
  async fetch(request, env) {
    const upstream = {
      url: env.UPSTREAM_URL || "https://api.openai.com",
      fetch: env.UPSTREAM ? (forwarded) => env.UPSTREAM.fetch(forwarded) : undefined,
    };
    return guardFor(env).fetch(request, upstream);
  },
};
