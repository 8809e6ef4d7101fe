//! decision (in progress)
