//! Code the benches share: the maps under test and how to drive them, the fixed hasher,
//! deterministic key scrambling, environment parsing, the counting allocator and writing
//! results.
//!
//! Each bench includes this folder as `mod common;`. Cargo does not build it as a bench of
//! its own: it only picks up `benches/*.rs` and `benches/*/main.rs`.

pub(crate) mod alloc;
pub(crate) mod env;
pub(crate) mod hasher;
pub(crate) mod maps;
pub(crate) mod report;
pub(crate) mod scramble;
