//! builtin (in progress)
