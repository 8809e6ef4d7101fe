# workerd configuration of the example: the guard worker on 127.0.0.1:8080,
# forwarding allowed requests to the `upstream` service.
#
#   npx workerd serve config.capnp
#   npx workerd serve config.capnp --socket-addr http=127.0.0.1:9000 \
#       --external-addr upstream=127.0.0.1:9001
#
# Needs ./rules.bin (`aimsgate compile … -o rules.bin`) and the package in
# ./node_modules/@aimsgate/edge (`npm ci`, after `cargo xtask` built it).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .guard),
    # A plain-HTTP upstream (a local OpenAI-compatible server, or a mock).
    # A TLS one: external = (address = "api.openai.com:443", https = ()),
    # with UPSTREAM_URL = "https://api.openai.com".
    (name = "upstream", external = (address = "127.0.0.1:8081", http = ())),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:8080", http = (), service = "main"),
  ],
);

const guard :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "src/worker.js"),
    (name = "rules.bin", data = embed "rules.bin"),
    # workerd matches bare specifiers to module names and resolves relative
    # ones against the importer's name: the package keeps its own paths and
    # `@aimsgate/edge` is an alias for its workerd entry (what wrangler's
    # `workerd` export condition picks).
    (name = "@aimsgate/edge", esModule = "export * from \"/node_modules/@aimsgate/edge/workerd.js\";"),
    (name = "node_modules/@aimsgate/edge/workerd.js", esModule = embed "node_modules/@aimsgate/edge/workerd.js"),
    (name = "node_modules/@aimsgate/edge/index.js", esModule = embed "node_modules/@aimsgate/edge/index.js"),
    (name = "node_modules/@aimsgate/edge/aimsgate_edge.js", esModule = embed "node_modules/@aimsgate/edge/aimsgate_edge.js"),
    # The engine: a compiled module, not bytes (workerd does not compile
    # WebAssembly at run time).
    (name = "node_modules/@aimsgate/edge/aimsgate_edge_bg.wasm", wasm = embed "node_modules/@aimsgate/edge/aimsgate_edge_bg.wasm"),
  ],
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "UPSTREAM", service = "upstream"),
    (name = "UPSTREAM_URL", text = "http://api.openai.com"),
    (name = "AIMSGATE_HOST", text = "api.openai.com"),
  ],
);
