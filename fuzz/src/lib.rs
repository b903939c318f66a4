//! Helpers shared by the fuzz targets: hasher choices that the fuzzer picks from.
//!
//! The map mixes every hash (MurmurHash3 finaliser) before using its top bits, but a
//! hasher with few distinct outputs still produces long probe clusters, probes past the
//! probe limit, tail wrap-around and the iterator's duplicate window. `Weak` and
//! `Constant` drive the map into those paths; `Sip` and `Seeded` are deterministic so a
//! crash reproduces; `Random` is the map's default (`HashMap::with_capacity`).

use std::collections::hash_map::DefaultHasher;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use arbitrary::Arbitrary;

/// Which hasher a fuzz input uses.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HasherKind {
    /// `splitmap::DefaultHashBuilder` with random keys (what `HashMap::with_capacity` uses).
    Random,
    /// `splitmap::DefaultHashBuilder` (ahash) with fixed seeds: reproducible.
    Seeded(u64),
    /// std's SipHash with zero keys: reproducible.
    Sip,
    /// Keeps only the low `bits % 6` bits of the key: at most 32 distinct hashes.
    Weak(u8),
    /// Every key hashes to the same value.
    Constant,
}

/// A `BuildHasher` for every [`HasherKind`], so one generic map type covers them all.
#[derive(Clone)]
pub enum AnyHasher {
    /// ahash, random or seeded.
    Ahash(splitmap::DefaultHashBuilder),
    /// SipHash with zero keys.
    Sip(BuildHasherDefault<DefaultHasher>),
    /// Masked identity hash; `Constant` is a mask of zero.
    Masked(u64),
}

impl AnyHasher {
    /// The hasher for `kind`.
    pub fn new(kind: HasherKind) -> Self {
        match kind {
            HasherKind::Random => AnyHasher::Ahash(splitmap::DefaultHashBuilder::new()),
            HasherKind::Seeded(s) => {
                AnyHasher::Ahash(splitmap::DefaultHashBuilder::with_seeds(s, !s, 0x5eed, 7))
            }
            HasherKind::Sip => AnyHasher::Sip(BuildHasherDefault::default()),
            HasherKind::Weak(bits) => AnyHasher::Masked((1u64 << (bits % 6)) - 1),
            HasherKind::Constant => AnyHasher::Masked(0),
        }
    }

    /// `true` for the hashers with few distinct values, where every operation probes a
    /// long cluster: inputs keep the map smaller with these so a run stays fast.
    pub fn is_degenerate(kind: HasherKind) -> bool {
        matches!(kind, HasherKind::Weak(_) | HasherKind::Constant)
    }
}

/// The hasher built by [`AnyHasher`].
pub enum AnyState {
    /// ahash.
    Ahash(<splitmap::DefaultHashBuilder as BuildHasher>::Hasher),
    /// SipHash.
    Sip(DefaultHasher),
    /// Masked: accumulated value and mask.
    Masked(u64, u64),
}

impl BuildHasher for AnyHasher {
    type Hasher = AnyState;
    fn build_hasher(&self) -> AnyState {
        match self {
            AnyHasher::Ahash(b) => AnyState::Ahash(b.build_hasher()),
            AnyHasher::Sip(b) => AnyState::Sip(b.build_hasher()),
            AnyHasher::Masked(mask) => AnyState::Masked(0, *mask),
        }
    }
}

impl Hasher for AnyState {
    fn finish(&self) -> u64 {
        match self {
            AnyState::Ahash(h) => h.finish(),
            AnyState::Sip(h) => h.finish(),
            AnyState::Masked(v, mask) => v & mask,
        }
    }
    fn write(&mut self, bytes: &[u8]) {
        match self {
            AnyState::Ahash(h) => h.write(bytes),
            AnyState::Sip(h) => h.write(bytes),
            AnyState::Masked(v, _) => {
                for &b in bytes {
                    *v = v.rotate_left(8) ^ u64::from(b);
                }
            }
        }
    }
}
