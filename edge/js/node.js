// @aimsgate/edge for Node and Deno: the .wasm is read from the package and
// compiled here (both runtimes allow compiling WebAssembly from bytes).
import { readFileSync } from "node:fs";
import { initialize } from "./index.js";

initialize(readFileSync(new URL("./aimsgate_edge_bg.wasm", import.meta.url)));

export * from "./index.js";
