//! The config loader turns any text into a config or an error naming the line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = readycheck::settings::parse(text, "readycheck.toml") {
        assert!(e.starts_with("invalid config readycheck.toml"));
    }
});
