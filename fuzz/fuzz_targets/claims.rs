//! The readiness-document parser never panics, and every claim it finds is on a line of the
//! document.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = text.lines().count().max(1);
    for claim in readycheck::claims::parse::parse(&text) {
        assert!((claim.line as usize) >= 1 && (claim.line as usize) <= lines + 1);
    }
});
