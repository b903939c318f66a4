//! Deterministic pseudo-randomness for keys and operation orders, so that every map sees
//! the same keys in the same order.

/// A bijection on u64 (splitmix64's finaliser): distinct inputs give distinct keys.
pub(crate) fn scramble(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Deterministic shuffle (Fisher-Yates with splitmix), so every map sees the same order.
pub(crate) fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut r = seed;
    for i in (1..v.len()).rev() {
        r = scramble(r);
        v.swap(i, (r % (i as u64 + 1)) as usize);
    }
}
