//! Writing results: files under the output folder, and markdown tables with one row per map
//! and one column per thread count.

use std::fmt::Write as _;
use std::path::Path;

/// Writes `contents` to `dir/file`, creating `dir` first if needed.
pub(crate) fn write_out(dir: &Path, file: &str, contents: &str) {
    std::fs::create_dir_all(dir).expect("create BENCH_OUT");
    let path = dir.join(file);
    std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Appends a markdown table: a `map` column, then one column per entry of `threads`. A map
/// gets a row if `cell` has a value for it at some thread count; missing cells show `-`.
pub(crate) fn push_map_by_threads_table(
    md: &mut String,
    maps: &[&str],
    threads: &[usize],
    cell: impl Fn(&str, usize) -> Option<String>,
) {
    md.push_str("| map |");
    for t in threads {
        write!(md, " {t} thr |").unwrap();
    }
    md.push_str("\n|---|");
    for _ in threads {
        md.push_str("---:|");
    }
    md.push('\n');
    for &m in maps {
        let cells: Vec<Option<String>> = threads.iter().map(|&t| cell(m, t)).collect();
        if cells.iter().all(Option::is_none) {
            continue;
        }
        write!(md, "| {m} |").unwrap();
        for c in cells {
            match c {
                Some(c) => write!(md, " {c} |").unwrap(),
                None => md.push_str(" - |"),
            }
        }
        md.push('\n');
    }
}
