//! The named data sets that [`crate::named`] knows how to fetch.

/// Every data set name [`crate::named`] accepts.
pub const NAMES: &[&str] = &["mnist"];

/// Whether `s` is one of [`NAMES`] (exactly, case included).
pub fn is_name(s: &str) -> bool {
    NAMES.contains(&s)
}
