//! aimsgate policy compiler.
#![deny(missing_docs)]

pub mod cases;
pub mod catalogue;
pub mod deploy_config;
pub mod diagnostics;
pub mod emit;
pub mod eval;
pub mod evidence;
pub mod import;
pub mod junit;
pub mod oci;
pub mod oscal;
pub mod policy;
mod render;
pub mod sarif;
pub mod scan;
pub mod schema;
pub mod soa;
pub mod time;
