//! A generic YAML tree with a source position on every node and key, built with
//! serde-saphyr (anchors, merge keys, multiple documents, budget limits against bombs).

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A 1-based source position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// Line, 1-based.
    pub line: u32,
    /// Column, 1-based.
    pub col: u32,
}

/// One YAML node and where it was written.
#[derive(Debug, Clone)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where the value starts.
    pub pos: Pos,
}

/// The value of a YAML node.
#[derive(Debug, Clone)]
pub enum Value {
    /// `~`, `null` or an empty value.
    Null,
    /// A scalar, kept with its canonical text (`true`, `3`, `hello`).
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping in source order; keys keep their own positions.
    Map(Vec<(Key, Node)>),
}

/// A scalar value.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
}

impl Scalar {
    /// The canonical text used for comparisons and messages.
    #[must_use]
    pub fn text(&self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Str(s) => s.clone(),
        }
    }
}

/// A mapping key with its position.
#[derive(Debug, Clone)]
pub struct Key {
    /// The key as text (non-string keys are rendered: `8080`, `true`).
    pub name: String,
    /// Where the key is written.
    pub pos: Pos,
}

impl Node {
    /// The value under `key` if this node is a mapping that has it.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The entry (key and value) under `key`.
    #[must_use]
    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The scalar text of this node, if it is a scalar.
    #[must_use]
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Scalar(s) => Some(s.text()),
            _ => None,
        }
    }

    /// A one-line rendering of the value for messages (scalars as text, containers abridged).
    #[must_use]
    pub fn display(&self) -> String {
        match &self.value {
            Value::Null => "null".to_owned(),
            Value::Scalar(s) => s.text(),
            Value::Seq(items) => format!("[{} items]", items.len()),
            Value::Map(entries) => format!("{{{} keys}}", entries.len()),
        }
    }

    /// Whether the node is null or an empty container.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        match &self.value {
            Value::Null => true,
            Value::Scalar(Scalar::Str(s)) => s.is_empty(),
            Value::Scalar(_) => false,
            Value::Seq(items) => items.is_empty(),
            Value::Map(entries) => entries.is_empty(),
        }
    }
}

fn pos_of(loc: &serde_saphyr::Location) -> Pos {
    Pos {
        line: u32::try_from(loc.line()).unwrap_or(u32::MAX),
        col: u32::try_from(loc.column()).unwrap_or(u32::MAX),
    }
}

/// Deserialized form of a node before positions are attached.
struct RawNode(Value);

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor).map(RawNode)
    }
}

fn spanned_node(s: Spanned<RawNode>) -> Node {
    Node {
        value: s.value.0,
        pos: pos_of(&s.referenced),
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Scalar(Scalar::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Scalar(Scalar::Int(i128::from(v))))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Scalar(Scalar::Int(i128::from(v))))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Scalar(Scalar::Int(v)))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(Value::Scalar(
            i128::try_from(v).map_or_else(|_| Scalar::Str(v.to_string()), Scalar::Int),
        ))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Scalar(Scalar::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Scalar(Scalar::Str(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Scalar(Scalar::Str(v)))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Scalar(Scalar::Str(
            String::from_utf8_lossy(v).into_owned(),
        )))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<RawNode>>()? {
            items.push(spanned_node(item));
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<RawKey>>()? {
            let value = map.next_value::<Spanned<RawNode>>()?;
            entries.push((
                Key {
                    name: key.value.0,
                    pos: pos_of(&key.referenced),
                },
                spanned_node(value),
            ));
        }
        Ok(Value::Map(entries))
    }
}

struct RawKey(String);

impl<'de> Deserialize<'de> for RawKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = d.deserialize_any(NodeVisitor)?;
        Ok(RawKey(match value {
            Value::Null => "null".to_owned(),
            Value::Scalar(s) => s.text(),
            Value::Seq(_) | Value::Map(_) => "<complex key>".to_owned(),
        }))
    }
}

/// A YAML parse error with its position.
#[derive(Debug, Clone)]
pub struct YamlError {
    /// Where the error was detected, when known.
    pub pos: Option<Pos>,
    /// What went wrong, without the position.
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(p) => write!(f, "{}:{}: {}", p.line, p.col, self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Converts a serde-saphyr error into a position and a message without a snippet.
#[must_use]
pub fn yaml_error(err: &serde_saphyr::Error) -> YamlError {
    let pos = err.location().map(|l| pos_of(&l)).filter(|p| p.line > 0);
    let inner = err.without_snippet().to_string();
    // serde-saphyr prefixes "error: line L column C: "; keep only the message.
    let message = inner
        .strip_prefix("error: ")
        .unwrap_or(&inner)
        .split_once(": ")
        .filter(|(head, _)| head.starts_with("line "))
        .map_or_else(|| inner.clone(), |(_, rest)| rest.to_owned());
    let first = message.lines().next().unwrap_or("");
    // Positions are kept apart; drop serde's " at line L, column C" suffix.
    let first = first.find(" at line ").map_or(first, |i| &first[..i]);
    YamlError {
        pos,
        message: first.to_owned(),
    }
}

/// The options every YAML read uses: YAML 1.2 booleans (so `on:` and `NO` stay strings),
/// no snippets in errors (we render our own), and the default budget against bombs.
#[must_use]
pub fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
        // Compose files reuse a few `x-` anchors for every service (getsentry/self-hosted:
        // 142 aliases of 10 anchors); the absolute node and alias caps still stop bombs.
        budget: serde_saphyr::budget! {
            alias_anchor_ratio_multiplier: 100,
        },
    }
}

/// Parses every document of a YAML stream.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, YamlError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let docs: Vec<Spanned<RawNode>> =
        serde_saphyr::from_multiple_with_options(text, options()).map_err(|e| yaml_error(&e))?;
    Ok(docs
        .into_iter()
        .map(spanned_node)
        .filter(|n| !matches!(n.value, Value::Null))
        .collect())
}

/// One segment of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// Every value of a mapping or every item of a sequence (`*` or `[*]`).
    Any,
    /// One sequence item (`[2]`).
    Index(usize),
}

/// A parsed key path such as `spec.template.spec.containers[*].resources.limits`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPath {
    /// The segments in order.
    pub segments: Vec<Segment>,
    /// The path as written.
    pub text: String,
}

impl KeyPath {
    /// Parses a dotted key path. Keys containing dots can be quoted: `labels."app.kubernetes.io/name"`.
    pub fn parse(text: &str) -> Result<KeyPath, String> {
        let mut segments = Vec::new();
        let mut chars = text.chars().peekable();
        let mut cur = String::new();
        let mut expect_segment = true;
        while let Some(c) = chars.next() {
            match c {
                '.' => {
                    if expect_segment && cur.is_empty() {
                        return Err(format!("empty segment in key path `{text}`"));
                    }
                    if !cur.is_empty() {
                        segments.push(seg(std::mem::take(&mut cur)));
                    }
                    expect_segment = true;
                }
                '"' => {
                    for c in chars.by_ref() {
                        if c == '"' {
                            break;
                        }
                        cur.push(c);
                    }
                    segments.push(Segment::Key(std::mem::take(&mut cur)));
                    expect_segment = false;
                }
                '[' => {
                    if !cur.is_empty() {
                        segments.push(seg(std::mem::take(&mut cur)));
                    }
                    let mut inner = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == ']' {
                            closed = true;
                            break;
                        }
                        inner.push(c);
                    }
                    if !closed {
                        return Err(format!("unclosed `[` in key path `{text}`"));
                    }
                    if inner == "*" {
                        segments.push(Segment::Any);
                    } else {
                        let i = inner.parse().map_err(|_| {
                            format!("`[{inner}]` is not `[*]` or an index in key path `{text}`")
                        })?;
                        segments.push(Segment::Index(i));
                    }
                    expect_segment = false;
                }
                _ => {
                    cur.push(c);
                    expect_segment = false;
                }
            }
        }
        if !cur.is_empty() {
            segments.push(seg(cur));
        } else if expect_segment && !text.is_empty() {
            return Err(format!("key path `{text}` ends with `.`"));
        }
        Ok(KeyPath {
            segments,
            text: text.to_owned(),
        })
    }
}

fn seg(s: String) -> Segment {
    if s == "*" {
        Segment::Any
    } else {
        Segment::Key(s)
    }
}

/// A node reached by a key path, with the name it was reached by.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a> {
    /// The node.
    pub node: &'a Node,
    /// The key it sits under, if it is a mapping value.
    pub key: Option<&'a Key>,
    /// Its index, if it is a sequence item.
    pub index: Option<usize>,
}

impl Hit<'_> {
    /// The position to report for this node: its key when it has one, else the value.
    #[must_use]
    pub fn pos(&self) -> Pos {
        self.key.map_or(self.node.pos, |k| k.pos)
    }

    /// A human name for the node: its key, its `name` field, or `#index`.
    #[must_use]
    pub fn label(&self) -> String {
        if let Some(name) = self.node.get("name").and_then(Node::scalar_text) {
            return name;
        }
        if let Some(k) = self.key {
            return k.name.clone();
        }
        self.index.map_or_else(String::new, |i| format!("#{i}"))
    }
}

/// The outcome of resolving a path below one node.
#[derive(Debug)]
pub enum Resolved<'a> {
    /// The path exists; every match (several with wildcards).
    Found(Vec<Hit<'a>>),
    /// The path is missing; the deepest node that does exist on the way.
    Missing(Hit<'a>),
}

/// Every node matching `path` below `root` (wildcards fan out; missing branches are dropped).
#[must_use]
pub fn select<'a>(root: Hit<'a>, path: &[Segment]) -> Vec<Hit<'a>> {
    let mut current = vec![root];
    for segment in path {
        let mut next = Vec::new();
        for hit in current {
            step(hit, segment, &mut next);
        }
        current = next;
    }
    current
}

fn step<'a>(hit: Hit<'a>, segment: &Segment, out: &mut Vec<Hit<'a>>) {
    match (segment, &hit.node.value) {
        (Segment::Key(k), Value::Map(entries)) => {
            if let Some((key, node)) = entries.iter().find(|(key, _)| &key.name == k) {
                out.push(Hit {
                    node,
                    key: Some(key),
                    index: None,
                });
            }
        }
        (Segment::Any, Value::Map(entries)) => {
            out.extend(entries.iter().map(|(key, node)| Hit {
                node,
                key: Some(key),
                index: None,
            }));
        }
        (Segment::Any, Value::Seq(items)) => {
            out.extend(items.iter().enumerate().map(|(i, node)| Hit {
                node,
                key: None,
                index: Some(i),
            }));
        }
        (Segment::Index(i), Value::Seq(items)) => {
            if let Some(node) = items.get(*i) {
                out.push(Hit {
                    node,
                    key: None,
                    index: Some(*i),
                });
            }
        }
        _ => {}
    }
}

/// Resolves a wildcard-free path below `root`, or says how far it got.
#[must_use]
pub fn resolve<'a>(root: Hit<'a>, path: &[Segment]) -> Resolved<'a> {
    let mut current = root;
    for segment in path {
        let mut next = Vec::new();
        step(current, segment, &mut next);
        match next.into_iter().next() {
            Some(n) => current = n,
            None => return Resolved::Missing(current),
        }
    }
    Resolved::Found(vec![current])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(n: &Node) -> Hit<'_> {
        Hit {
            node: n,
            key: None,
            index: None,
        }
    }

    #[test]
    fn positions_of_keys_and_values() {
        let docs = parse_documents(
            "services:\n  web:\n    image: nginx:1.27\n  db:\n    image: postgres\n",
        )
        .unwrap();
        let svc = select(
            root(&docs[0]),
            &KeyPath::parse("services.*").unwrap().segments,
        );
        assert_eq!(svc.len(), 2);
        assert_eq!(svc[0].pos(), Pos { line: 2, col: 3 });
        assert_eq!(svc[1].label(), "db");
        let img = select(
            root(&docs[0]),
            &KeyPath::parse("services.web.image").unwrap().segments,
        );
        assert_eq!(img[0].node.scalar_text().as_deref(), Some("nginx:1.27"));
        assert_eq!(img[0].node.pos, Pos { line: 3, col: 12 });
    }

    #[test]
    fn missing_key_reports_deepest_existing_ancestor() {
        let docs = parse_documents("a:\n  b:\n    c: 1\n").unwrap();
        match resolve(root(&docs[0]), &KeyPath::parse("a.b.d.e").unwrap().segments) {
            Resolved::Missing(h) => assert_eq!(h.pos(), Pos { line: 2, col: 3 }),
            Resolved::Found(_) => panic!("should be missing"),
        }
    }

    #[test]
    fn multiple_documents_anchors_and_merge_keys() {
        let text = "x: &a {restart: always}\n---\nkind: Deployment\nbase: &b\n  r: 1\nsvc:\n  <<: *b\n  s: 2\n";
        let docs = parse_documents(text).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(
            docs[1]
                .get("svc")
                .unwrap()
                .get("r")
                .unwrap()
                .scalar_text()
                .as_deref(),
            Some("1")
        );
    }

    #[test]
    fn yaml_1_1_booleans_stay_strings() {
        let docs = parse_documents("on: push\ncountry: NO\nok: true\n").unwrap();
        assert!(docs[0].get("on").is_some());
        assert_eq!(
            docs[0].get("country").unwrap().scalar_text().as_deref(),
            Some("NO")
        );
        assert_eq!(
            docs[0].get("ok").unwrap().value.clone().scalar_eq_bool(),
            Some(true)
        );
    }

    #[test]
    fn errors_carry_positions() {
        let err = parse_documents("a:\n  b: [unclosed\n").unwrap_err();
        assert!(err.pos.is_some(), "{err}");
    }

    #[test]
    fn key_path_syntax() {
        let p = KeyPath::parse("spec.containers[*].env[0].\"app.io/x\"").unwrap();
        assert_eq!(p.segments.len(), 6);
        assert!(KeyPath::parse("a..b").is_err());
        assert!(KeyPath::parse("a[x]").is_err());
    }

    impl Value {
        fn scalar_eq_bool(self) -> Option<bool> {
            match self {
                Value::Scalar(Scalar::Bool(b)) => Some(b),
                _ => None,
            }
        }
    }
}
