//! Each write written once, over the raw map and a guard, for the two shells that
//! share it: [`Pinned`](super::Pinned) (which returns `&V` under its own guard) and
//! the map's own methods (which keep the entries with a pin, as [`Ref`](super::Ref)s).

use equivalent::Equivalent;

use crossbeam_epoch::Guard;

use crate::raw::{Decision, Entry, KeyRef, Modified, RawMap};

/// Insert or replace; `prev` is the entry replaced, `new` the one installed.
pub(super) fn insert<'g, K, V>(
    raw: &'g RawMap<K, V>,
    hash: u64,
    key: K,
    value: V,
    guard: &'g Guard,
) -> Modified<'g, K, V>
where
    K: Eq + Send + 'static,
    V: Send + 'static,
{
    let mut value = Some(value);
    raw.modify(hash, KeyRef::owned(key), guard, |_, back| {
        Decision::Insert {
            key: None,
            value: back
                .or_else(|| value.take())
                .expect("value is handed back on every retry"),
        }
    })
}

/// Insert only if absent; the value comes back if the key was present.
pub(super) fn try_insert<'g, K, V>(
    raw: &'g RawMap<K, V>,
    hash: u64,
    key: K,
    value: V,
    guard: &'g Guard,
) -> (Modified<'g, K, V>, Option<V>)
where
    K: Eq + Send + 'static,
    V: Send + 'static,
{
    let mut value = Some(value);
    let done = raw.modify(hash, KeyRef::owned(key), guard, |cur, back| {
        let v = back
            .or_else(|| value.take())
            .expect("value is handed back on every retry");
        if cur.is_some() {
            value = Some(v);
            Decision::Keep
        } else {
            Decision::Insert {
                key: None,
                value: v,
            }
        }
    });
    (done, value)
}

/// Replace the value with `f(&old)` if present; the entry installed.
pub(super) fn update<'g, K, V, Q, F>(
    raw: &'g RawMap<K, V>,
    hash: u64,
    key: &Q,
    mut f: F,
    guard: &'g Guard,
) -> Option<&'g Entry<K, V>>
where
    K: Eq + Clone + Send + 'static,
    V: Send + 'static,
    Q: Equivalent<K> + ?Sized,
    F: FnMut(&V) -> V,
{
    raw.modify(hash, KeyRef::Borrowed(key), guard, |cur, _| match cur {
        Some(e) => Decision::Insert {
            key: Some(e.key.clone()),
            value: f(&e.value),
        },
        None => Decision::Keep,
    })
    .new
}

/// Insert `value` if absent, else replace the value with `f(&old)`; the entry
/// installed.
pub(super) fn upsert<'g, K, V, F>(
    raw: &'g RawMap<K, V>,
    hash: u64,
    key: K,
    value: V,
    mut f: F,
    guard: &'g Guard,
) -> &'g Entry<K, V>
where
    K: Eq + Send + 'static,
    V: Send + 'static,
    F: FnMut(&V) -> V,
{
    // `modify` hands back the value of a decision that did not take effect (a lost
    // CAS, or a migration started first). Keep track of whether that value is the
    // caller's `value` (reuse it) or an `f(old)` result (drop it and recompute).
    let mut value = Some(value);
    let mut last_was_value = false;
    let done = raw.modify(hash, KeyRef::owned(key), guard, |cur, back| {
        if let Some(back) = back {
            if last_was_value {
                value = Some(back);
            }
        }
        last_was_value = cur.is_none();
        let v = match cur {
            Some(e) => f(&e.value),
            None => value
                .take()
                .expect("the value is handed back whenever an insert retries"),
        };
        Decision::Insert {
            key: None,
            value: v,
        }
    });
    done.new.expect("upsert always installs a value")
}

/// Remove the key if `f` approves its current entry; the entry removed.
pub(super) fn remove_if<'g, K, V, Q, F>(
    raw: &'g RawMap<K, V>,
    hash: u64,
    key: &Q,
    mut f: F,
    guard: &'g Guard,
) -> Option<&'g Entry<K, V>>
where
    K: Eq + Send + 'static,
    V: Send + 'static,
    Q: Equivalent<K> + ?Sized,
    F: FnMut(&K, &V) -> bool,
{
    let done = raw.modify(hash, KeyRef::Borrowed(key), guard, |cur, _| match cur {
        Some(e) if f(&e.key, &e.value) => Decision::Remove,
        _ => Decision::Keep,
    });
    match done.outcome {
        crate::raw::Outcome::Removed => done.prev,
        _ => None,
    }
}
