//! Parsers that turn file contents into located documents.

pub mod dockerfile;
pub mod dockerignore;
pub mod env;
pub mod yaml;
