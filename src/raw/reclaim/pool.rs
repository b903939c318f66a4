//! Per-thread free lists of retired blocks, so a write reuses the block of an entry
//! retired earlier instead of calling the allocator.
//!
//! Entries are freed on whichever thread collects them, usually not the one that
//! allocated them, and a general-purpose allocator pays for that (glibc: a lock on the
//! owning arena once its per-thread cache of 7 blocks is full; `docs/benchmarks.md`,
//! issue 12). Here a released block goes on its thread's list for its layout, and the
//! next entry allocated on that thread with that layout takes it. The lists hold at
//! most [`CAPACITY`] blocks each; beyond that, and when a thread exits, blocks go back
//! to the global allocator.
//!
//! # Invariant
//!
//! - **P1 (pool blocks).** Every block on a list came from the global allocator with
//!   exactly that list's layout, holds no live value, and is owned by the list alone
//!   (`give`'s contract). So a block from a list is freed like any other `Box`, and
//!   can back any allocation of that layout (an entry's `Box`, a batch's `Vec`).

use std::alloc::Layout;
use std::cell::RefCell;
use std::ptr::NonNull;

/// Blocks one thread keeps per layout: at 64 bytes an entry, 16 KiB.
const CAPACITY: usize = 256;

/// Free blocks by layout: entries of one map have one layout, so this is short.
struct Lists(RefCell<Vec<(Layout, Vec<NonNull<u8>>)>>);

impl Drop for Lists {
    fn drop(&mut self) {
        for (layout, blocks) in self.0.get_mut().drain(..) {
            for block in blocks {
                // SAFETY: P1: every block on a list came from the global allocator with
                // `layout` and is owned by the list (`give`'s contract).
                unsafe { std::alloc::dealloc(block.as_ptr(), layout) };
            }
        }
    }
}

#[cfg(not(splitmap_loom))]
std::thread_local! {
    static LISTS: Lists = const { Lists(RefCell::new(Vec::new())) };
}

#[cfg(splitmap_loom)]
loom::thread_local! {
    static LISTS: Lists = Lists(RefCell::new(Vec::new()));
}

/// A free block of `layout` from this thread's list, if it has one.
#[inline]
pub(crate) fn take(layout: Layout) -> Option<NonNull<u8>> {
    LISTS
        .try_with(|lists| {
            let mut lists = lists.0.try_borrow_mut().ok()?;
            let (_, blocks) = lists.iter_mut().find(|(l, _)| *l == layout)?;
            blocks.pop()
        })
        .ok()
        .flatten()
}

/// Keep `block` for reuse, or free it if this thread's list for `layout` is full.
///
/// # Safety
///
/// `block` came from the global allocator with `layout`, holds no live value, and the
/// caller gives up all use of it.
pub(crate) unsafe fn give(block: NonNull<u8>, layout: Layout) {
    let kept = LISTS
        .try_with(|lists| {
            let Ok(mut lists) = lists.0.try_borrow_mut() else {
                return false;
            };
            let blocks = match lists.iter().position(|(l, _)| *l == layout) {
                Some(i) => &mut lists[i].1,
                None => {
                    lists.push((layout, Vec::new()));
                    &mut lists.last_mut().expect("just pushed").1
                }
            };
            if blocks.len() < CAPACITY {
                blocks.push(block);
                true
            } else {
                false
            }
        })
        .unwrap_or(false);
    if !kept {
        // SAFETY: the caller's contract, which is P1's for a block not kept.
        unsafe { std::alloc::dealloc(block.as_ptr(), layout) };
    }
}
