//! The built-in backends.

pub mod linfa;
pub mod native;
