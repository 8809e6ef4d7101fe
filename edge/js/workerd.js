// @aimsgate/edge for Cloudflare Workers (workerd): the .wasm is imported as
// a module — workerd refuses to compile WebAssembly from bytes at run time
// ("Wasm code generation disallowed by embedder"). Wrangler bundles the
// import; a workerd config lists it as a `wasm` module (see
// examples/cloudflare-worker/config.capnp).
import wasm from "./aimsgate_edge_bg.wasm";
import { initialize } from "./index.js";

initialize(wasm);

export * from "./index.js";
