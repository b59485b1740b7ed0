//! The Prometheus exposition parser never panics, and an exposition it accepts has a
//! sample count no larger than its line count.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(x) = readycheck::probe::prometheus::parse(&text) {
        assert!(x.samples <= text.lines().count());
    }
});
