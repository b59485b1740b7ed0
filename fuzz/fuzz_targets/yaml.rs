//! The YAML loader and key-path evaluation never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use readycheck::parse::yaml::{parse_documents, resolve, select, Hit, KeyPath};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The first line doubles as a key path, the rest as the document.
    let (path, doc) = text.split_once('\n').unwrap_or(("a.*.b[0]", text));
    let Ok(docs) = parse_documents(doc) else { return };
    let Ok(kp) = KeyPath::parse(path) else { return };
    for node in &docs {
        let root = Hit { node, key: None, index: None };
        let _ = select(root, &kp.segments);
        let _ = resolve(root, &kp.segments);
    }
});
