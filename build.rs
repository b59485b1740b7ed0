//! Build script: rebuild when rule files change, and turn the embedded YAML rule files into
//! JSON once, at build time, so that start-up deserialises JSON (a few milliseconds)
//! instead of parsing 800 KB of YAML (a few tens). The YAML stays the source and is
//! embedded too: a file that does not convert here, or whose JSON does not deserialise at
//! run time, is loaded from its YAML, with the located errors of a user rule file.

use std::fmt::Write as _;
use std::path::Path;

fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, root, out);
            continue;
        }
        let is_yaml = p.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if !is_yaml {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let options = serde_saphyr::options! { strict_booleans: true, with_snippet: false };
        let Ok(value) = serde_saphyr::from_str_with_options::<serde_json::Value>(&text, options)
        else {
            continue;
        };
        let rel = p
            .strip_prefix(root)
            .unwrap_or(&p)
            .to_string_lossy()
            .replace('\\', "/");
        let params = value
            .get("check")
            .and_then(|c| c.get("params"))
            .map_or_else(|| "null".to_owned(), ToString::to_string);
        out.push((format!("rules/{rel}"), value.to_string(), params));
    }
}

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    for (path, ..) in &files {
        println!("cargo:rerun-if-changed={path}");
    }
    let mut code = String::from(
        "/// Embedded rule files as JSON, converted from their YAML at build time: (path, the\n\
         /// file, its `check.params`).\n\
         pub static BUILTIN_JSON: &[(&str, &str, &str)] = &[\n",
    );
    for (path, json, params) in &files {
        let _ = writeln!(code, "    ({path:?}, {json:?}, {params:?}),");
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("builtin_json.rs");
    std::fs::write(out, code).expect("write builtin_json.rs");
}
