//! The key types, each made from an index.

use crate::common::maps::MapKey;
use crate::common::scramble::scramble;

/// A key type the benches can make from an index.
pub(crate) trait Key: MapKey {
    const NAME: &'static str;
    fn make(i: u64) -> Self;
}

impl Key for u64 {
    const NAME: &'static str = "u64";
    fn make(i: u64) -> u64 {
        scramble(i)
    }
}

/// A 16-byte string key.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Str16(String);

impl Key for Str16 {
    const NAME: &'static str = "str16";
    fn make(i: u64) -> Self {
        Str16(format!("{:016x}", scramble(i)))
    }
}

/// A 64-byte string key (distinct in its first 16 bytes, so equal prefixes are rare; the
/// whole key is still hashed and compared on a hit).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Str64(String);

impl Key for Str64 {
    const NAME: &'static str = "str64";
    fn make(i: u64) -> Self {
        let a = scramble(i);
        Str64(format!(
            "{a:016x}{:016x}{:016x}{:016x}",
            scramble(a),
            scramble(a ^ 1),
            scramble(a ^ 2)
        ))
    }
}
