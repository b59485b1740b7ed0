//! The rule loader turns any text into rules or located errors, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use readycheck::rule::{RuleSet, Source};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let src = Source { path: "fuzz/ACME001-fuzz.yaml".to_owned(), text: text.to_owned(), builtin: false };
    if let Err(errors) = RuleSet::from_sources(vec![src]) {
        assert!(!errors.0.is_empty());
        let _ = errors.to_string();
    }
});
