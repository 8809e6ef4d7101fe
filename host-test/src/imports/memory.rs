//! Moving data across the guest boundary, defensively: every pointer and length
//! comes from the guest and is checked.

use wasmtime::{Caller, Memory};

use crate::abi::Status;
use crate::state::HostState;

/// Why a host call stopped early: an ABI status for the guest, or a trap (the guest's
/// allocator trapped while the host was copying data in).
pub(crate) enum Fault {
    Status(Status),
    Trap(wasmtime::Error),
}

impl From<Status> for Fault {
    fn from(status: Status) -> Self {
        Self::Status(status)
    }
}

pub(crate) type HostResult<T> = Result<T, Fault>;

/// Turns a host call's result into what the import returns.
pub(crate) fn status_of(result: HostResult<()>) -> wasmtime::Result<i32> {
    match result {
        Ok(()) => Ok(Status::Ok.code()),
        Err(Fault::Status(status)) => Ok(status.code()),
        Err(Fault::Trap(error)) => Err(error),
    }
}

/// Guest pointers and sizes are `u32` (wasm32) passed as `i32`.
pub(crate) fn to_usize(raw: i32) -> usize {
    raw as u32 as usize
}

fn memory(caller: &mut Caller<'_, HostState>) -> HostResult<Memory> {
    if let Some(guest) = &caller.data().guest {
        return Ok(guest.memory);
    }
    caller
        .get_export("memory")
        .and_then(|export| export.into_memory())
        .ok_or(Fault::Status(Status::InvalidMemoryAccess))
}

/// Copies `len` bytes at `ptr` out of the guest.
pub(crate) fn read(caller: &mut Caller<'_, HostState>, ptr: i32, len: i32) -> HostResult<Vec<u8>> {
    let len = to_usize(len);
    if len == 0 {
        return Ok(Vec::new());
    }
    let start = to_usize(ptr);
    let memory = memory(caller)?;
    let end = start.checked_add(len).ok_or(Status::InvalidMemoryAccess)?;
    memory
        .data(&*caller)
        .get(start..end)
        .map(<[u8]>::to_vec)
        .ok_or(Fault::Status(Status::InvalidMemoryAccess))
}

/// Like [`read`], as (lossy) UTF-8.
pub(crate) fn read_string(
    caller: &mut Caller<'_, HostState>,
    ptr: i32,
    len: i32,
) -> HostResult<String> {
    Ok(String::from_utf8_lossy(&read(caller, ptr, len)?).into_owned())
}

pub(crate) fn write(caller: &mut Caller<'_, HostState>, ptr: u32, bytes: &[u8]) -> HostResult<()> {
    let memory = memory(caller)?;
    let start = ptr as usize;
    let end = start
        .checked_add(bytes.len())
        .ok_or(Status::InvalidMemoryAccess)?;
    memory
        .data_mut(&mut *caller)
        .get_mut(start..end)
        .ok_or(Fault::Status(Status::InvalidMemoryAccess))?
        .copy_from_slice(bytes);
    Ok(())
}

pub(crate) fn write_u32(
    caller: &mut Caller<'_, HostState>,
    ptr: i32,
    value: u32,
) -> HostResult<()> {
    write(caller, ptr as u32, &value.to_le_bytes())
}

pub(crate) fn write_u64(
    caller: &mut Caller<'_, HostState>,
    ptr: i32,
    value: u64,
) -> HostResult<()> {
    write(caller, ptr as u32, &value.to_le_bytes())
}

/// Copies `data` into memory the guest allocates and stores its address and size
/// at `ptr_ptr` and `size_ptr` (proxy-wasm-cpp-host `copyToPointerSize`: no
/// allocation for empty data, a null pointer and size 0 instead).
pub(crate) fn copy_out(
    caller: &mut Caller<'_, HostState>,
    data: &[u8],
    ptr_ptr: i32,
    size_ptr: i32,
) -> HostResult<()> {
    let size = u32::try_from(data.len()).map_err(|_| Status::InvalidMemoryAccess)?;
    let pointer = if data.is_empty() {
        0
    } else {
        allocate(caller, size)?
    };
    if pointer != 0 {
        write(caller, pointer, data)?;
    }
    write_u32(caller, ptr_ptr, pointer)?;
    write_u32(caller, size_ptr, size)
}

/// Asks the guest for `size` bytes through its exported allocator; a null result is
/// INVALID_MEMORY_ACCESS, as in proxy-wasm-cpp-host `allocMemory`.
fn allocate(caller: &mut Caller<'_, HostState>, size: u32) -> HostResult<u32> {
    let allocate = match &caller.data().guest {
        Some(guest) => guest.allocate.clone(),
        None => return Err(Fault::Status(Status::InvalidMemoryAccess)),
    };
    let pointer = allocate
        .call(&mut *caller, size as i32)
        .map_err(Fault::Trap)?;
    match pointer as u32 {
        0 => Err(Fault::Status(Status::InvalidMemoryAccess)),
        pointer => Ok(pointer),
    }
}
