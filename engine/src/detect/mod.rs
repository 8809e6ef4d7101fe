//! Detectors and the one-pass scanner.
//!
//! Placeholder while the scanner is written; see [`builtin`] and [`validate`].

pub mod builtin;
pub mod validate;
