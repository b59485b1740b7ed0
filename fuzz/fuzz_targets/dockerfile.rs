//! The Dockerfile front end never panics, and its model is consistent when it parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use readycheck::parse::dockerfile::{expand, normalize_shell, Dockerfile};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(df) = Dockerfile::parse(text) {
        assert!(!df.stages.is_empty());
        for stage in &df.stages {
            let lineage = df.lineage(stage);
            assert!(lineage.len() <= df.stages.len());
            let _ = df.root_image(stage);
        }
    }
    let _ = normalize_shell(text, '\\');
    let _ = expand(text, &[("A".to_owned(), Some("x".to_owned()))]);
});
