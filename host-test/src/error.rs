use std::path::PathBuf;

/// Why the host could not load, start or drive a plugin.
///
/// A misbehaving *guest* does not produce these inside an exchange: Envoy answers
/// it with an ABI status or, once it traps, with its fail-open/fail-closed
/// behaviour, and so does [`crate::Plugin::exchange`]. These errors are for the
/// host's own failures and for the low-level API, which surfaces traps directly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// Reading or writing a file failed.
    #[error("cannot access {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// wasmtime rejected the module.
    #[error("cannot compile {module}: {reason}")]
    Compile {
        /// The module's path or name.
        module: String,
        /// wasmtime's message.
        reason: String,
    },
    /// Instantiation failed (a start function trapped, memory could not be created, ...).
    #[error("cannot instantiate the module: {0}")]
    Instantiate(String),
    /// The module lacks an export the host needs.
    #[error("the module does not export `{0}`")]
    MissingExport(String),
    /// The module exports no ABI version this host speaks.
    #[error(
        "the module exports no supported proxy-wasm ABI version \
         (proxy_abi_version_0_2_1 or proxy_abi_version_0_2_0)"
    )]
    UnsupportedAbi,
    /// `proxy_on_vm_start` returned false; Envoy refuses such a VM.
    #[error("proxy_on_vm_start returned false: Envoy rejects the VM")]
    VmStartRejected,
    /// The guest trapped (a Rust panic, `unreachable`, an out-of-bounds access, ...).
    #[error("the VM trapped: {0}")]
    Trap(String),
    /// The VM trapped earlier and is dead; nothing can be called on it any more.
    #[error("the VM is dead since it trapped: {0}")]
    VmDead(String),
    /// A low-level call named a context the VM does not have.
    #[error("no context with id {0}")]
    UnknownContext(u32),
    /// `cargo build` of a wasm package failed.
    #[error("building {package} for wasm32-wasip1 failed: {reason}")]
    Build {
        /// The package.
        package: String,
        /// Cargo's output or the reason it could not run.
        reason: String,
    },
}
