//! The `.env` parser never panics; every entry it returns has a valid variable name and a
//! line number inside the input, and entries come out in line order.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let entries = readycheck::parse::env::parse(&text);
    let lines = text.lines().count().max(1);
    let mut last = 0;
    for e in &entries {
        assert!(readycheck::parse::env::is_var_name(&e.key), "bad key {:?}", e.key);
        let line = e.line as usize;
        assert!(line >= 1 && line <= lines, "line {line} of {lines}");
        assert!(line > last, "entries out of order");
        last = line;
    }
});
