//! Rebuild when rule files are added or removed (include_dir does not notice new files).

fn main() {
    println!("cargo:rerun-if-changed=rules");
}
