//! For callgrind: 200,000 `HashMap::get` per call (MODE=percall) or under one handle
//! (MODE=pinned) on 4,096 keys.
fn main() {
    let n = 4096u64;
    let map: splitmap::HashMap<u64, u64> = (0..n).map(|i| (i, i)).collect();
    let ops = 200_000u64;
    let mut acc = 0u64;
    if std::env::var("MODE").as_deref() == Ok("pinned") {
        let m = map.pin();
        for i in 0..ops { acc += *m.get(&(i & (n - 1))).unwrap(); }
    } else {
        for i in 0..ops { acc += *map.get(&(i & (n - 1))).unwrap(); }
    }
    std::hint::black_box(acc);
}
