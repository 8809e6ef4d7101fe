//! The WASI preview 1 functions a proxy-wasm module may import, answered as
//! proxy-wasm-cpp-host does (src/exports.cc `wasi_unstable_*`): stdout and stderr
//! become log lines, clocks read the proxy's clock, the environment and arguments
//! are empty, there are no files.

use wasmtime::{Caller, Linker};

use super::memory::{Fault, HostResult, read, to_usize, write, write_u32, write_u64};
use crate::abi::{Status, errno};
use crate::logs::{LogLevel, LogSource};
use crate::state::HostState;

type Ctx<'a> = Caller<'a, HostState>;

/// cpp-host caps `random_get` (`PROXY_WASM_HOST_WASI_RANDOM_GET_MAX_SIZE_BYTES`).
const RANDOM_GET_MAX: usize = 64 * 1024;

/// Binds the implemented WASI functions under `module` (`wasi_snapshot_preview1`
/// or the older `wasi_unstable`).
pub(crate) fn add_to_linker(linker: &mut Linker<HostState>, module: &str) -> wasmtime::Result<()> {
    linker.func_wrap(
        module,
        "fd_write",
        |mut c: Ctx<'_>, fd: i32, iovs: i32, iovs_len: i32, written_ptr: i32| {
            let stream = match fd {
                1 => (LogLevel::Info, LogSource::Stdout),
                2 => (LogLevel::Error, LogSource::Stderr),
                _ => return Ok(errno::BADF),
            };
            errno_of(fd_write(&mut c, stream, iovs, iovs_len, written_ptr))
        },
    )?;
    linker.func_wrap(
        module,
        "fd_read",
        |_c: Ctx<'_>, _fd: i32, _iovs: i32, _len: i32, _read: i32| Ok(errno::NOSYS),
    )?;
    // cpp-host logs these and reports success.
    linker.func_wrap(module, "fd_close", |_c: Ctx<'_>, _fd: i32| {
        Ok(errno::SUCCESS)
    })?;
    linker.func_wrap(
        module,
        "fd_seek",
        |_c: Ctx<'_>, _fd: i32, _offset: i64, _whence: i32, _new_offset: i32| Ok(errno::SUCCESS),
    )?;
    linker.func_wrap(
        module,
        "fd_fdstat_get",
        |mut c: Ctx<'_>, fd: i32, stat: i32| {
            if fd != 1 && fd != 2 {
                return Ok(errno::BADF);
            }
            // A 24-byte fdstat, zero but for `fs_rights_base` = FD_WRITE.
            let mut fdstat = [0u8; 24];
            fdstat[8] = 64;
            errno_of(write(&mut c, stat as u32, &fdstat))
        },
    )?;
    // No preopened directories: wasi-libc stops scanning at the first EBADF.
    linker.func_wrap(
        module,
        "fd_prestat_get",
        |_c: Ctx<'_>, _fd: i32, _out: i32| Ok(errno::BADF),
    )?;
    // The environment is `vm_config.environment_variables`, as `KEY=VALUE\0`
    // strings (proxy-wasm-cpp-host src/exports.cc `wasi_unstable_environ_get`).
    linker.func_wrap(
        module,
        "environ_sizes_get",
        |mut c: Ctx<'_>, count: i32, size: i32| {
            let entries = environ(&c);
            let bytes: usize = entries.iter().map(Vec::len).sum();
            errno_of(
                write_u32(&mut c, count, entries.len() as u32)
                    .and_then(|()| write_u32(&mut c, size, bytes as u32)),
            )
        },
    )?;
    linker.func_wrap(
        module,
        "environ_get",
        |mut c: Ctx<'_>, environ_ptrs: i32, buf: i32| {
            let entries = environ(&c);
            let mut at = buf as u32;
            for (i, entry) in entries.iter().enumerate() {
                let slot = environ_ptrs.wrapping_add((i * 4) as i32);
                let written = write_u32(&mut c, slot, at).and_then(|()| write(&mut c, at, entry));
                if written.is_err() {
                    return errno_of(written);
                }
                at = at.wrapping_add(entry.len() as u32);
            }
            Ok(errno::SUCCESS)
        },
    )?;
    linker.func_wrap(
        module,
        "args_sizes_get",
        |mut c: Ctx<'_>, count: i32, size: i32| {
            errno_of(write_u32(&mut c, count, 0).and_then(|()| write_u32(&mut c, size, 0)))
        },
    )?;
    linker.func_wrap(module, "args_get", |_c: Ctx<'_>, _argv: i32, _buf: i32| {
        Ok(errno::SUCCESS)
    })?;
    linker.func_wrap(
        module,
        "clock_time_get",
        |mut c: Ctx<'_>, clock: i32, _precision: i64, out: i32| {
            let clock_time = &c.data().clock;
            let now = match clock {
                0 => clock_time.now_ns(),
                1 => clock_time.monotonic_ns(),
                _ => return Ok(errno::NOTSUP),
            };
            errno_of(write_u64(&mut c, out, now))
        },
    )?;
    linker.func_wrap(
        module,
        "random_get",
        |mut c: Ctx<'_>, buf: i32, len: i32| {
            let len = to_usize(len);
            if len > RANDOM_GET_MAX {
                return Ok(errno::INVAL);
            }
            let mut bytes = vec![0u8; len];
            c.data_mut().rng.fill(&mut bytes);
            errno_of(write(&mut c, buf as u32, &bytes))
        },
    )?;
    linker.func_wrap(
        module,
        "proc_exit",
        |_c: Ctx<'_>, code: i32| -> wasmtime::Result<()> {
            Err(wasmtime::Error::msg(format!(
                "the module called proc_exit({code})"
            )))
        },
    )?;
    Ok(())
}

fn errno_of(result: HostResult<()>) -> wasmtime::Result<i32> {
    match result {
        Ok(()) => Ok(errno::SUCCESS),
        Err(Fault::Status(_)) => Ok(errno::FAULT),
        Err(Fault::Trap(error)) => Err(error),
    }
}

/// stdout becomes info lines and stderr error lines, one record per call, without
/// its trailing newline (cpp-host `writevImpl`); other descriptors are EBADF.
fn fd_write(
    c: &mut Ctx<'_>,
    (level, source): (LogLevel, LogSource),
    iovs: i32,
    iovs_len: i32,
    written_ptr: i32,
) -> HostResult<()> {
    let mut text = Vec::new();
    for index in 0..to_usize(iovs_len) {
        let offset = i32::try_from(index * 8).map_err(|_| Status::InvalidMemoryAccess)?;
        let iovec = read(c, iovs.wrapping_add(offset), 8)?;
        let (ptr, len) = iovec.split_at(4);
        let ptr = i32::from_le_bytes(ptr.try_into().map_err(|_| Status::InvalidMemoryAccess)?);
        let len = i32::from_le_bytes(len.try_into().map_err(|_| Status::InvalidMemoryAccess)?);
        text.extend(read(c, ptr, len)?);
    }
    let written = u32::try_from(text.len()).unwrap_or(u32::MAX);
    if text.last() == Some(&b'\n') {
        text.pop();
    }
    if !text.is_empty() {
        c.data_mut()
            .log(level, String::from_utf8_lossy(&text).into_owned(), source);
    }
    write_u32(c, written_ptr, written)
}

/// The VM's environment as NUL-terminated `KEY=VALUE` strings.
fn environ(c: &Ctx<'_>) -> Vec<Vec<u8>> {
    c.data()
        .config
        .environment
        .iter()
        .map(|(k, v)| format!("{k}={v}\0").into_bytes())
        .collect()
}
