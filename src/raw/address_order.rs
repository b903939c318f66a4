//! Putting pointers in address order, for freeing many allocations at once: a map's
//! drop frees its entries in the order of their addresses, not of their slots (hash
//! order), so the allocator's bookkeeping walks memory forward (`docs/benchmarks.md`,
//! "Dropping a large map").
//!
//! A radix sort on the bits in which the addresses differ: a few linear passes instead
//! of a comparison sort's `n log n`. It matters where `free` is cheap in any order
//! (mimalloc): there the sort is the drop's extra cost, 10-25 ns per entry with this
//! sort against 25-40 with `sort_unstable`.

/// Bits per radix pass: a pass scatters into 256 runs, few enough that their write
/// positions stay in the cache and the TLB (11-bit digits, 2048 runs, made a drop of
/// 2^22 entries 3x slower with mimalloc).
const DIGIT_BITS: u32 = 8;

/// Below this many pointers, `sort_unstable` (no second buffer). Not tuned: a short
/// list costs little either way.
const RADIX_FROM: usize = 1 << 12;

/// Sort `ptrs` by address. Uses a second buffer as large as `ptrs` if it can get one,
/// and `sort_unstable` otherwise (or for short inputs).
pub(crate) fn sort_by_address<T>(ptrs: &mut Vec<*mut T>) {
    let Some(&first) = ptrs.first() else {
        return;
    };
    // The bits in which some address differs from the first: bits outside that range
    // are the same in every address and cannot change the order.
    let differ = ptrs
        .iter()
        .fold(0usize, |acc, &p| acc | (p as usize ^ first as usize));
    if differ == 0 {
        return;
    }
    let mut scratch = Vec::new();
    if ptrs.len() < RADIX_FROM || scratch.try_reserve_exact(ptrs.len()).is_err() {
        ptrs.sort_unstable();
        return;
    }
    scratch.resize(ptrs.len(), std::ptr::null_mut());
    let low = differ.trailing_zeros();
    let high = usize::BITS - differ.leading_zeros();
    let mut shift = low;
    while shift < high {
        let digit = |p: *mut T| ((p as usize) >> shift) & ((1 << DIGIT_BITS) - 1);
        let mut starts = vec![0usize; 1 << DIGIT_BITS];
        for &p in ptrs.iter() {
            starts[digit(p)] += 1;
        }
        let mut next = 0;
        for start in starts.iter_mut() {
            let count = *start;
            *start = next;
            next += count;
        }
        // Stable within a digit, so each pass keeps the order the earlier (lower)
        // digits set: least significant digit first.
        for &p in ptrs.iter() {
            let d = digit(p);
            scratch[starts[d]] = p;
            starts[d] += 1;
        }
        std::mem::swap(ptrs, &mut scratch);
        shift += DIGIT_BITS;
    }
}

#[cfg(all(test, not(splitmap_loom)))]
mod tests {
    use super::*;

    /// Pointers from `addresses` (never dereferenced).
    fn ptrs(addresses: impl IntoIterator<Item = usize>) -> Vec<*mut u8> {
        addresses
            .into_iter()
            .map(|a| std::ptr::null_mut::<u8>().wrapping_add(a))
            .collect()
    }

    fn check(mut v: Vec<*mut u8>) {
        let mut expected = v.clone();
        expected.sort_unstable();
        sort_by_address(&mut v);
        assert_eq!(v, expected);
    }

    #[test]
    fn sorts_like_sort_unstable_whatever_the_spread() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as usize
        };
        for n in [0, 1, 2, 100, RADIX_FROM - 1, RADIX_FROM, 50_000] {
            // Entry-like: 16-aligned, within 2^28 bytes of a base.
            check(ptrs(
                (0..n).map(|_| 0x7f00_0000_0000 + (rand() % (1 << 24)) * 16),
            ));
            // Spread over the whole address range, with duplicates.
            check(ptrs((0..n).map(|_| rand() & !0xff)));
            check(ptrs((0..n).map(|i| [16, 32, 16][i % 3])));
        }
    }

    #[test]
    fn equal_addresses_are_left_alone() {
        check(ptrs([64; RADIX_FROM + 5]));
    }
}
