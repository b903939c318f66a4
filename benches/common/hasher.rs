//! The one hasher every map uses, so that differences between maps are not differences
//! between hash functions.

pub(crate) type Hasher = ahash::RandomState;

/// ahash with fixed seeds.
pub(crate) fn hasher() -> Hasher {
    ahash::RandomState::with_seeds(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344)
}
