//! `READYCHECK_TIMING=1`: how long each phase of a run takes (rule loading, the walk, the
//! evaluation), printed to stderr; the engine adds each rule's time. For benchmarks and
//! for finding where start-up goes; nothing is printed without the variable.

use std::sync::OnceLock;
use std::time::Instant;

/// Whether `READYCHECK_TIMING` is set.
#[must_use]
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("READYCHECK_TIMING").is_some())
}

/// Runs `f`, printing its wall time as phase `name` when timing is on.
pub fn phase<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let started = Instant::now();
    let out = f();
    eprintln!(
        "{:>9.1} ms  phase {name}",
        started.elapsed().as_secs_f64() * 1e3
    );
    out
}
