//! Which proxy-wasm host the harness behaves as, where hosts differ. Its
//! own module: the plugin takes it as an option, the host state and the
//! host functions read it, and neither should import the other for it.

/// Which proxy-wasm host's behaviour the harness reproduces where hosts
/// differ. Each variant follows its host's source: Envoy's
/// source/extensions/common/wasm/context.cc (`Buffer::copyFrom`), and Kong's
/// ngx_wasm_module, src/common/proxy_wasm/ngx_proxy_wasm_host.c
/// (`ngx_proxy_wasm_hfuncs_set_buffer`) and ngx_proxy_wasm_maps.c (the
/// request's pseudo-headers: `:authority` is the server's, lines 647-669);
/// docs/deploy.md says what the filter relies on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Flavor {
    /// Envoy (and Istio): `proxy_set_buffer_bytes(0, len, data)` drains
    /// `len` bytes and prepends `data`, so a longer replacement replaces the
    /// whole body; the host is in `:authority`.
    #[default]
    Envoy,
    /// Kong's ngx_wasm_module: a replacement is truncated to the size
    /// argument, `:authority` names the server block (the client's host is
    /// in `host`, see `HostOptions::server_authority`), and the
    /// headers callbacks always say `end_of_stream = false` (a bodiless
    /// request then gets no body callback at all).
    NgxWasm,
}
