//! One module per subcommand, named after its verb: each holds the
//! command's clap arguments (`<Verb>Args`) and its `run`.

pub mod check;
pub mod compile;
pub mod controls;
pub mod detectors;
pub mod eval;
pub mod evidence;
pub mod explain;
// What `replay` and `test` run the filter with; only they use it.
#[cfg(feature = "harness")]
mod harness;
pub mod import;
pub mod keygen;
pub mod oscal;
#[cfg(feature = "harness")]
pub mod replay;
pub mod scan;
pub mod schema;
pub mod soa;
#[cfg(feature = "harness")]
pub mod test;
