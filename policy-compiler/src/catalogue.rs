//! catalogue (in progress)
