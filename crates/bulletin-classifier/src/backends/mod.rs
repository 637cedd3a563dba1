//! The built-in backends: `native` always, `linfa` with the `linfa` cargo feature.

#[cfg(feature = "linfa")]
pub mod linfa;
pub mod native;
