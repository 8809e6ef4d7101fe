//! Compiling modules once: in memory per process, on disk per machine.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use sha2::{Digest, Sha256};
use wasmtime::{Config, Engine};

use crate::error::HostError;

/// Name of the directory, next to each `.wasm`, that holds its precompiled forms.
pub const CACHE_DIR_NAME: &str = ".aimsgate-cwasm";

/// A wasmtime [`Engine`] and the modules it compiled.
///
/// Compiling a filter takes seconds; a test suite loads it hundreds of times. The
/// runtime keeps every compiled module in memory, keyed by the SHA-256 of its
/// bytes, and writes the compiled artifact to disk so that the next test process
/// only deserialises it.
pub struct Runtime {
    engine: Engine,
    cache_dir: Option<PathBuf>,
    modules: Mutex<HashMap<[u8; 32], Module>>,
    memory_hits: AtomicU64,
    disk_hits: AtomicU64,
    compiled: AtomicU64,
}

/// How [`Runtime::load`] satisfied its calls so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Loads answered from memory.
    pub memory_hits: u64,
    /// Loads answered by deserialising a precompiled file.
    pub disk_hits: u64,
    /// Loads that had to compile.
    pub compiled: u64,
}

/// A compiled module. Cloning is cheap (the compiled code is shared).
#[derive(Clone)]
pub struct Module {
    inner: wasmtime::Module,
    sha256: [u8; 32],
    cache_file: Option<PathBuf>,
}

impl fmt::Debug for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Module")
            .field("sha256", &self.sha256_hex())
            .field("cache_file", &self.cache_file)
            .finish_non_exhaustive()
    }
}

impl Module {
    /// The SHA-256 of the `.wasm` bytes, in hex.
    pub fn sha256_hex(&self) -> String {
        hex(&self.sha256)
    }

    /// Where the precompiled form is (or would be) cached on disk.
    pub fn cache_file(&self) -> Option<&Path> {
        self.cache_file.as_deref()
    }

    /// The `(module, name)` of every function the module imports.
    pub fn imports(&self) -> Vec<(String, String)> {
        self.inner
            .imports()
            .map(|import| (import.module().to_owned(), import.name().to_owned()))
            .collect()
    }

    pub(crate) fn wasmtime(&self) -> &wasmtime::Module {
        &self.inner
    }
}

impl Runtime {
    /// The process-wide runtime, caching next to each loaded `.wasm`.
    pub fn shared() -> &'static Runtime {
        static SHARED: OnceLock<Runtime> = OnceLock::new();
        SHARED.get_or_init(|| Runtime::build(None))
    }

    /// A runtime of its own that caches precompiled modules in `cache_dir` instead
    /// of next to each `.wasm`.
    pub fn with_cache_dir(cache_dir: impl Into<PathBuf>) -> Runtime {
        Runtime::build(Some(cache_dir.into()))
    }

    fn build(cache_dir: Option<PathBuf>) -> Runtime {
        let config = Config::new();
        // The default configuration always builds an engine; should a future
        // wasmtime refuse it, fall back to the default engine rather than panic.
        let engine = Engine::new(&config).unwrap_or_default();
        Runtime {
            engine,
            cache_dir,
            modules: Mutex::new(HashMap::new()),
            memory_hits: AtomicU64::new(0),
            disk_hits: AtomicU64::new(0),
            compiled: AtomicU64::new(0),
        }
    }

    /// The wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// How loads were satisfied so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            memory_hits: self.memory_hits.load(Ordering::Relaxed),
            disk_hits: self.disk_hits.load(Ordering::Relaxed),
            compiled: self.compiled.load(Ordering::Relaxed),
        }
    }

    /// Loads and compiles `wasm`, or returns the cached compilation of the same bytes.
    pub fn load(&self, wasm: &Path) -> Result<Module, HostError> {
        let bytes = fs::read(wasm).map_err(|source| HostError::Io {
            path: wasm.into(),
            source,
        })?;
        let cache_dir = self
            .cache_dir
            .clone()
            .or_else(|| wasm.parent().map(|dir| dir.join(CACHE_DIR_NAME)));
        self.load_bytes(&bytes, &wasm.display().to_string(), cache_dir.as_deref())
    }

    /// Compiles `bytes` (named `name` in errors), caching in memory and, with a
    /// `cache_dir`, on disk.
    pub fn load_bytes(
        &self,
        bytes: &[u8],
        name: &str,
        cache_dir: Option<&Path>,
    ) -> Result<Module, HostError> {
        let sha256: [u8; 32] = Sha256::digest(bytes).into();
        let mut modules = self.modules.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(module) = modules.get(&sha256) {
            self.memory_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(module.clone());
        }
        let cache_file = cache_dir.map(|dir| dir.join(self.cache_file_name(&sha256)));
        let inner = match cache_file
            .as_deref()
            .and_then(|file| self.deserialize(file))
        {
            Some(module) => {
                self.disk_hits.fetch_add(1, Ordering::Relaxed);
                module
            }
            None => {
                let module = wasmtime::Module::new(&self.engine, bytes).map_err(|error| {
                    HostError::Compile {
                        module: name.to_owned(),
                        reason: format!("{error:#}"),
                    }
                })?;
                self.compiled.fetch_add(1, Ordering::Relaxed);
                if let Some(file) = &cache_file {
                    // The cache only saves time: failing to write it is not an error.
                    let _ = write_atomically(file, &module);
                }
                module
            }
        };
        let module = Module {
            inner,
            sha256,
            cache_file,
        };
        modules.insert(sha256, module.clone());
        Ok(module)
    }

    /// `<sha256>-<compatibility hash>.cwasm`. The compatibility hash covers the
    /// wasmtime version and every engine setting that affects compiled code
    /// ([`Engine::precompile_compatibility_hash`]), so an upgrade never loads a stale
    /// artifact.
    fn cache_file_name(&self, sha256: &[u8; 32]) -> String {
        let mut hasher = Sha256Hasher::default();
        self.engine
            .precompile_compatibility_hash()
            .hash(&mut hasher);
        format!("{}-wasmtime-{:016x}.cwasm", hex(sha256), hasher.finish())
    }

    fn deserialize(&self, file: &Path) -> Option<wasmtime::Module> {
        if !file.is_file() {
            return None;
        }
        // SAFETY: `Module::deserialize_file` trusts the file to be a wasmtime
        // artifact. Only this runtime writes into the cache directory, always via a
        // temporary file renamed into place, so a file under its final name is a
        // complete artifact that `Module::serialize` produced; the name's
        // compatibility hash matches this engine, and wasmtime still checks the
        // header and rejects artifacts from another version or configuration.
        let module = unsafe { wasmtime::Module::deserialize_file(&self.engine, file) };
        module.ok()
    }
}

/// Writes the serialised module to a temporary file in the same directory and
/// renames it into place, so concurrent test processes never see half a file.
fn write_atomically(file: &Path, module: &wasmtime::Module) -> std::io::Result<()> {
    let dir = file.parent().ok_or(std::io::ErrorKind::InvalidInput)?;
    fs::create_dir_all(dir)?;
    let bytes = module.serialize().map_err(std::io::Error::other)?;
    let temporary = dir.join(format!(
        ".{}.{}.tmp",
        file.file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("module"),
        std::process::id()
    ));
    fs::write(&temporary, bytes)?;
    fs::rename(&temporary, file).inspect_err(|_| {
        let _ = fs::remove_file(&temporary);
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A [`Hasher`] over SHA-256, so file names do not depend on the standard
/// library's unstable `DefaultHasher`.
#[derive(Default)]
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first)
    }
}
