//! Importers: reuse rule sets others maintain.

pub mod gitleaks;
