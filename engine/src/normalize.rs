//! Unicode normalisation (in progress).
