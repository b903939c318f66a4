//! Reading the benches' settings from environment variables.

/// `QUICK` is set to anything but `0` or the empty string: a smoke-test run.
pub(crate) fn quick() -> bool {
    std::env::var("QUICK").is_ok_and(|v| v != "0" && !v.is_empty())
}

/// A comma-separated list, each item trimmed; `None` if unset or blank.
pub(crate) fn env_list(name: &str) -> Option<Vec<String>> {
    std::env::var(name)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect())
}

/// A number; `None` if unset or not a number.
pub(crate) fn env_num<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|s| s.trim().parse().ok())
}

/// Whether some item of `list` is a prefix of `name`, ignoring case.
pub(crate) fn matches_prefix(list: &[String], name: &str) -> bool {
    list.iter()
        .any(|s| name.to_lowercase().starts_with(&s.to_lowercase()))
}

/// Whether `name` is selected by a list from `env_list`: no list selects everything.
pub(crate) fn selected(list: &Option<Vec<String>>, name: &str) -> bool {
    list.as_ref().map_or(true, |l| matches_prefix(l, name))
}
