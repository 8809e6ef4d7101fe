//! aimsgate policy compiler.
#![deny(missing_docs)]

pub mod catalogue;
