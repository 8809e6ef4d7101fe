//! Everything the guest imports: proxy-wasm calls, WASI, and stubs for the rest.

mod memory;
mod proxy;
mod wasi;

use wasmtime::{ExternType, Linker, Store, Val, ValType};

use crate::abi::{Status, errno};
use crate::error::HostError;
use crate::state::HostState;

/// A linker with every import of `module` resolved. Known functions get their real
/// implementation; an import this host does not know (or knows under another
/// signature) gets a stub that records the call and returns an error code, so a
/// module never fails to instantiate over an unused import.
pub(crate) fn linker_for(
    store: &mut Store<HostState>,
    module: &wasmtime::Module,
) -> Result<Linker<HostState>, HostError> {
    let engine = store.engine().clone();
    let mut linker = Linker::new(&engine);
    linker.allow_shadowing(true);
    let bind = |error: wasmtime::Error| HostError::Instantiate(format!("{error:#}"));
    proxy::add_to_linker(&mut linker).map_err(bind)?;
    for wasi in ["wasi_snapshot_preview1", "wasi_unstable"] {
        wasi::add_to_linker(&mut linker, wasi).map_err(bind)?;
    }
    for import in module.imports() {
        let ExternType::Func(wanted) = import.ty() else {
            continue;
        };
        let (module_name, name) = (import.module(), import.name());
        let provided = linker
            .get(&mut *store, module_name, name)
            .ok()
            .and_then(|export| export.into_func())
            .map(|func| func.ty(&*store));
        if provided.is_some_and(|provided| wasmtime::FuncType::eq(&provided, &wanted)) {
            continue;
        }
        let label = if module_name == "env" {
            name.to_owned()
        } else {
            format!("{module_name}::{name}")
        };
        let code = if module_name.starts_with("wasi") {
            errno::NOSYS
        } else {
            Status::Unimplemented.code()
        };
        linker
            .func_new(
                module_name,
                name,
                wanted.clone(),
                move |mut caller, _params, results| {
                    caller.data_mut().record_unimplemented(label.clone());
                    for (slot, ty) in results.iter_mut().zip(wanted.results()) {
                        *slot = default_value(&ty, code);
                    }
                    Ok(())
                },
            )
            .map_err(bind)?;
    }
    Ok(linker)
}

fn default_value(ty: &ValType, code: i32) -> Val {
    match ty {
        ValType::I32 => Val::I32(code),
        ValType::I64 => Val::I64(i64::from(code)),
        ValType::F32 => Val::F32(0),
        ValType::F64 => Val::F64(0),
        ValType::V128 => Val::V128(0u128.into()),
        ValType::Ref(reference) => Val::null_ref(reference.heap_type()),
    }
}
