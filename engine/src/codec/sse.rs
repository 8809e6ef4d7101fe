//! sse (in progress)
