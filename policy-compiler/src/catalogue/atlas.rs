//! The MITRE ATLAS release the catalogue lists, as `cargo xtask atlas`
//! wrote it from the ATLAS data repository. Its own module, so that the
//! framework's edition ([`Framework::version`](super::Framework::version))
//! and the control table both read it without depending on each other.

/// MITRE ATLAS techniques of one release, one `id<TAB>name` per line under
/// a `# MITRE ATLAS <release>: …` line; written by `cargo xtask atlas`.
pub(super) const TABLE: &str = include_str!("atlas.tsv");

/// The ATLAS release the catalogue's techniques come from (`5.6.0`).
pub(super) fn release() -> &'static str {
    TABLE
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("# MITRE ATLAS "))
        .and_then(|rest| rest.split(':').next())
        .unwrap_or("unknown release")
}
