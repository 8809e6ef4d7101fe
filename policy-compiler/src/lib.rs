//! aimsgate policy compiler.
#![deny(missing_docs)]

pub mod cases;
pub mod catalogue;
pub mod diagnostics;
pub mod evidence;
pub mod import;
pub mod policy;
pub mod scan;
pub mod soa;
