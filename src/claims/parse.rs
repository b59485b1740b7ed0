//! Reads a readiness document as Markdown (`pulldown-cmark` events with source offsets):
//! headings give context; list items, task markers, status marks, bold lead-ins and table
//! rows are claims; paths in code spans, bold text, links and "File:" pointers are evidence
//! pointers; fenced code is skipped unless it shows a `.env` file. Never panics, whatever
//! the input.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use serde::Serialize;

/// What the document itself says about a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// Ticked: `[x]`, ✅, ✔, ✓, ☑.
    Done,
    /// Marked as not done: `[ ]`, ❌, ⚠️, ⏳, "TODO", "pending", "planned", or under a
    /// heading that says so.
    Open,
    /// Stated without a mark (a plain list item, a bold lead-in, a table row).
    Stated,
}

/// One claim of the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claim {
    /// 1-based line in the document.
    pub line: u32,
    /// The claim as a reader sees it: marks, checkbox and Markdown emphasis removed.
    pub text: String,
    /// Headings above it, outermost first.
    pub headings: Vec<String>,
    /// What the document marks it as.
    pub mark: Mark,
    /// Backticked paths the claim points at, with the line of each pointer.
    pub files: Vec<(String, u32)>,
    /// Whether the claim says it created or implemented something (so a missing file
    /// contradicts it).
    pub asserts_creation: bool,
    /// A list item or table row (its heading may stand in for terse text); false for
    /// paragraph lines (bold lead-ins, marked lines).
    pub in_list: bool,
    /// Variables of a fenced `.env` block (the claim is that they are documented).
    pub env_vars: Vec<String>,
}

/// Marks that tick a claim (after mojibake repair).
const DONE_MARKS: &[&str] = &["✅", "✔", "✓", "☑", "🟢", "✅️"];
/// Marks that say a claim is not done.
const OPEN_MARKS: &[&str] = &["❌", "⚠", "⏳", "🔄", "🚧", "⬜", "☐", "🟡", "🔴", "✗", "✘"];
/// Decorations that carry no verdict (stripped from the text).
const NEUTRAL_MARKS: &[&str] = &[
    "🎯", "🚀", "📋", "📁", "📝", "🔒", "🔐", "🛡", "📊", "⚡", "🔧", "✨", "🎉", "💡", "📦", "🐳",
    "️", "ðŸ",
];
/// Words that make a claim open (matched on normalised word boundaries).
const OPEN_WORDS: &[&str] = &[
    "todo",
    "to do",
    "pending",
    "planned",
    "not yet",
    "in progress",
    "ready for implementation",
    "to be implemented",
    "not implemented",
    "not started",
    "next step",
    "next steps",
    "future",
    "wip",
    "tbd",
    "recommended",
    "recommendations",
    "remaining",
    "outstanding",
    "will",
    "is being",
    "next sprint",
    "to be added",
    "not done",
    "follow up",
    "follow ups",
    "backlog",
];
/// Words that say the document created or implemented something.
const CREATION_WORDS: &[&str] = &[
    "created",
    "added",
    "implemented",
    "configured",
    "written",
    "wrote",
    "generated",
    "set up",
    "in place",
    "file",
    "files",
    "location",
    "located",
    "path",
];

/// CP1252 characters for bytes 0x80–0x9F, for repairing UTF-8 read as Windows-1252.
const CP1252: [(char, u8); 27] = [
    ('€', 0x80),
    ('‚', 0x82),
    ('ƒ', 0x83),
    ('„', 0x84),
    ('…', 0x85),
    ('†', 0x86),
    ('‡', 0x87),
    ('ˆ', 0x88),
    ('‰', 0x89),
    ('Š', 0x8A),
    ('‹', 0x8B),
    ('Œ', 0x8C),
    ('Ž', 0x8E),
    ('‘', 0x91),
    ('’', 0x92),
    ('“', 0x93),
    ('”', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('˜', 0x98),
    ('™', 0x99),
    ('š', 0x9A),
    ('›', 0x9B),
    ('œ', 0x9C),
    ('ž', 0x9E),
    ('Ÿ', 0x9F),
];

/// The byte a character stands for when UTF-8 was decoded as Latin-1 or CP1252.
fn mojibake_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if (0x80..=0xFF).contains(&u) {
        return u8::try_from(u).ok();
    }
    CP1252.iter().find(|(ch, _)| *ch == c).map(|(_, b)| *b)
}

/// Repairs UTF-8 text that was decoded as Latin-1/CP1252 (`âœ…` → `✅`, `ðŸŽ¯` → `🎯`).
/// Sequences that do not decode are left as they are; `âŒ` (❌ with its 0x9D byte lost,
/// as CP1252 has no character for it) is recognised too.
#[must_use]
pub fn repair_mojibake(s: &str) -> String {
    let s = s.replace("âŒ", "❌");
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let lead = mojibake_byte(c);
        let len = match lead {
            Some(0xC2..=0xDF) => 2,
            Some(0xE0..=0xEF) => 3,
            Some(0xF0..=0xF4) => 4,
            _ => 0,
        };
        if len > 0 && i + len <= chars.len() {
            let mut bytes = Vec::with_capacity(len);
            bytes.extend(lead);
            for &cc in &chars[i + 1..i + len] {
                match mojibake_byte(cc) {
                    Some(b @ 0x80..=0xBF) => bytes.push(b),
                    _ => break,
                }
            }
            if bytes.len() == len
                && let Ok(decoded) = std::str::from_utf8(&bytes)
            {
                out.push_str(decoded);
                i += len;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Lowercase words of `s` (letters and digits), joined by single spaces.
#[must_use]
pub fn words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w.to_lowercase());
    }
    out
}

/// Whether the word sequence `needle` occurs in `hay` on word boundaries.
fn has_words(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let padded = format!(" {hay} ");
    padded.contains(&format!(" {needle} "))
}

fn says_open(text: &str) -> bool {
    let w = words(text);
    // "(ready)" after an item means ready to be built, not built.
    OPEN_WORDS.iter().any(|o| has_words(&w, o)) || text.to_lowercase().contains("(ready)")
}

/// The backticked spans of a line.
fn backticked(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find('`') {
        let after = &rest[start + 1..];
        match after.find('`') {
            Some(end) => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// Whether a backticked span looks like a repository path (not a command, URL path,
/// version, image reference or header name).
#[must_use]
pub fn looks_like_path(s: &str) -> bool {
    let s = s.trim();
    if s.is_empty()
        || s.len() > 200
        || s.starts_with('/')
        || s.starts_with('-')
        || s.contains("://")
        || s.chars().any(|c| {
            c.is_whitespace() || matches!(c, ':' | '=' | '*' | '?' | '<' | '>' | '|' | '$' | '@')
        })
    {
        return false;
    }
    // Only paths inside the repository: no `..` component.
    if s.split(['/', '\\']).any(|c| c == "..") {
        return false;
    }
    let name = s.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if name.is_empty() || name == "." || name == ".." {
        return false;
    }
    if s.contains('/') {
        return true;
    }
    // A bare file name: `.dockerignore`, `Dockerfile`-like names with an extension.
    if let Some(rest) = name.strip_prefix('.') {
        return !rest.is_empty() && rest.chars().next().is_some_and(char::is_alphabetic);
    }
    match name.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty()
                && (1..=8).contains(&ext.len())
                && ext.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && ext.chars().all(|c| c.is_ascii_alphanumeric())
                && stem.chars().any(char::is_alphabetic)
        }
        None => false,
    }
}

/// A bare file name without an extension (`Dockerfile`, `Makefile`), accepted after a
/// `File:` lead-in only.
fn looks_like_bare_name(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.len() <= 100
        && s.chars().next().is_some_and(char::is_alphabetic)
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The paths a line points at.
fn paths_in(s: &str) -> Vec<String> {
    let pointer = pointer_head(s);
    let spans = backticked(s);
    if pointer
        && spans.is_empty()
        && let Some((_, rest)) = s.split_once(':')
    {
        // `File: app/main.py, app/util.py` without backticks: only unmistakable paths
        // (a slash or an extension), never bare words ("Location: Berlin").
        return rest
            .split(|c: char| c.is_whitespace() || c == ',')
            .map(|w| w.trim_matches(|c: char| matches!(c, '*' | '(' | ')' | ';')))
            .filter(|w| looks_like_path(w))
            .map(|p| p.trim_start_matches("./").to_owned())
            .collect();
    }
    spans
        .into_iter()
        .filter(|p| looks_like_path(p) || (pointer && looks_like_bare_name(p)))
        .map(|p| p.trim().trim_start_matches("./").to_owned())
        .collect()
}

/// A pointer line: `File: `x``, `Files: …`, `Location: …` (the text before the colon is
/// one of these words and the line has a path).
fn is_pointer(text: &str) -> bool {
    pointer_head(text) && !paths_in(text).is_empty()
}

/// Whether the line starts with a pointer lead-in (`File:`, `Location:` …).
fn pointer_head(text: &str) -> bool {
    let t = text.trim().trim_start_matches(['*', '_']);
    let Some((head, _)) = t.split_once(':') else {
        return false;
    };
    let head = words(head);
    matches!(
        head.as_str(),
        "file"
            | "files"
            | "directory"
            | "directories"
            | "dir"
            | "location"
            | "locations"
            | "path"
            | "paths"
            | "implementation"
            | "implemented in"
            | "created"
            | "source"
            | "module"
            | "config"
            | "configuration"
    )
}

/// Removes marks, checkbox, emphasis and link syntax; returns the clean text and the mark.
fn clean(text: &str) -> (String, Option<Mark>) {
    let mut t = text.trim().to_owned();
    let mut checkbox = None;
    for (pat, m) in [
        ("[x]", Mark::Done),
        ("[X]", Mark::Done),
        ("[ ]", Mark::Open),
    ] {
        if let Some(rest) = t.strip_prefix(pat) {
            checkbox = Some(m);
            t = rest.trim_start().to_owned();
            break;
        }
    }
    let mut emoji = None;
    for m in DONE_MARKS {
        if t.contains(m) {
            emoji.get_or_insert(Mark::Done);
            t = t.replace(m, " ");
        }
    }
    for m in OPEN_MARKS {
        if t.contains(m) {
            // An open mark wins over a tick elsewhere on the line
            // (`✅ Docker | ❌ Kubernetes` is not a finished claim).
            emoji = Some(Mark::Open);
            t = t.replace(m, " ");
        }
    }
    // A checkbox is the author's explicit state and wins over decoration.
    let mark = checkbox.or(emoji);
    for m in NEUTRAL_MARKS {
        t = t.replace(m, " ");
    }
    // Emphasis is removed outside code spans only (`__init__.py` keeps its underscores).
    let t: String = t
        .split('`')
        .enumerate()
        .map(|(i, seg)| {
            if i % 2 == 1 {
                seg.to_owned()
            } else {
                seg.replace("**", "")
                    .replace("__", "")
                    .chars()
                    .filter(|c| !matches!(c, '*' | '\u{fe0f}' | '\u{200d}'))
                    .collect()
            }
        })
        .collect::<Vec<String>>()
        .join("`");
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    let t = t
        .trim_matches(|c: char| matches!(c, '-' | ':' | '|' | ' '))
        .to_owned();
    (t, mark)
}

/// Inline content being collected for one block: the text as a reader sees it (code spans
/// kept in backticks), one segment per source line.
#[derive(Debug, Default)]
struct Inline {
    /// `(line, text, starts bold)` per source line.
    lines: Vec<(u32, String, bool)>,
    /// Paths named by bold text, link targets or a leading path word.
    named: Vec<String>,
}

impl Inline {
    fn push(&mut self, line: u32, s: &str, bold: bool) {
        match self.lines.last_mut() {
            Some((_, t, b)) => {
                if t.trim().is_empty() && !s.trim().is_empty() {
                    *b = bold;
                }
                t.push_str(s);
            }
            None => self
                .lines
                .push((line, s.to_owned(), bold && !s.trim().is_empty())),
        }
    }

    fn newline(&mut self, line: u32) {
        self.lines.push((line, String::new(), false));
    }

    fn text(&self) -> String {
        let joined: Vec<&str> = self.lines.iter().map(|(_, t, _)| t.as_str()).collect();
        joined.join(" ")
    }

    fn line(&self) -> Option<u32> {
        self.lines
            .iter()
            .find(|(_, t, _)| !t.trim().is_empty())
            .map(|(l, _, _)| *l)
    }
}

/// A list item being read: its own text (up to a nested list) and the claim it became.
#[derive(Debug, Default)]
struct ItemState {
    inline: Inline,
    line: u32,
    flushed: bool,
    claim: Option<usize>,
}

/// Whether a heading stack makes its section open or done (innermost marked heading).
fn section_mark(headings: &[(usize, String, Option<Mark>)]) -> Option<Mark> {
    // A section is open when any heading above says so ("Next Steps" > "1. Add …");
    // otherwise the innermost marked heading ("### ✅ Implementation Complete") ticks the
    // plain items under it.
    if headings
        .iter()
        .any(|(_, h, m)| *m == Some(Mark::Open) || says_open(h))
    {
        Some(Mark::Open)
    } else {
        headings.iter().rev().find_map(|(_, _, m)| *m)
    }
}

/// A link target or bold text that names a repository path.
fn named_path(s: &str) -> Option<String> {
    let s = s.trim().trim_start_matches("./");
    let s = s.split('#').next().unwrap_or("");
    (looks_like_path(s) && !s.contains("://") && !s.contains('`')).then(|| s.to_owned())
}

/// The reader: walks `pulldown-cmark` events and turns blocks into claims.
struct Reader<'d> {
    doc: &'d str,
    line_starts: Vec<usize>,
    claims: Vec<Claim>,
    headings: Vec<(usize, String, Option<Mark>)>,
    heading: Option<(usize, Inline)>,
    items: Vec<ItemState>,
    paragraph: Option<Inline>,
    table_head: bool,
    row: Option<(u32, Vec<String>, Vec<String>)>,
    cell: Option<Inline>,
    code: Option<(String, u32, String)>,
    strong: Vec<String>,
}

impl<'d> Reader<'d> {
    fn line_of(&self, offset: usize) -> u32 {
        let idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        u32::try_from(idx + 1).unwrap_or(u32::MAX)
    }

    fn heading_texts(&self) -> Vec<String> {
        self.headings.iter().map(|(_, t, _)| t.clone()).collect()
    }

    /// Where inline content goes now.
    fn sink(&mut self) -> Option<&mut Inline> {
        if let Some((_, h)) = &mut self.heading {
            return Some(h);
        }
        if let Some(c) = &mut self.cell {
            return Some(c);
        }
        if let Some(top) = self.items.last_mut() {
            return (!top.flushed).then_some(&mut top.inline);
        }
        self.paragraph.as_mut()
    }

    fn inline_text(&mut self, line: u32, s: &str) {
        let bold = !self.strong.is_empty();
        for b in &mut self.strong {
            b.push_str(s);
        }
        if let Some(sink) = self.sink() {
            sink.push(line, s, bold);
        }
    }

    fn push(&mut self, line: u32, text: &str, in_list: bool, named: &[String]) -> Option<usize> {
        let headings = self.heading_texts();
        let section = section_mark(&self.headings);
        if !push_claim(&mut self.claims, line, text, &headings, section, in_list) {
            return None;
        }
        let last = self.claims.last_mut()?;
        for p in named {
            if !last.files.iter().any(|(q, _)| q == p) {
                last.files.push((p.clone(), line));
            }
        }
        Some(self.claims.len() - 1)
    }

    fn flush_item(&mut self) {
        let Some(top) = self.items.last_mut() else {
            return;
        };
        if top.flushed {
            return;
        }
        top.flushed = true;
        let text = top.inline.text();
        let line = top.inline.line().unwrap_or(top.line);
        let mut named = std::mem::take(&mut top.inline.named);
        // "Files created" lists: an item that starts with a path names it.
        if let Some(first) = clean(&text).0.split_whitespace().next()
            && first.contains('/')
            && let Some(p) = named_path(
                first.trim_matches(|c: char| matches!(c, ',' | ';' | ':' | '`' | '*' | '(' | ')')),
            )
        {
            named.push(p);
        }
        let depth = self.items.len();
        let parent = (depth >= 2).then(|| self.items[depth - 2].claim).flatten();
        // A nested pointer item ("File: `x`") attaches its paths to the claim above.
        if let Some(pi) = parent
            && is_pointer(&text)
        {
            attach(&mut self.claims[pi], &text, line);
            return;
        }
        let idx = self.push(line, &text, true, &named);
        if let Some(top) = self.items.last_mut() {
            top.claim = idx;
        }
    }

    fn end_paragraph(&mut self) {
        let Some(p) = self.paragraph.take() else {
            return;
        };
        for (line, text, bold) in &p.lines {
            let t = text.trim();
            if t.is_empty() {
                continue;
            }
            if t.starts_with('|') {
                // A row of a table GFM did not take for one.
                let cells: Vec<String> = t
                    .trim_matches('|')
                    .split('|')
                    .map(|c| c.trim().to_owned())
                    .collect();
                self.row_claim(*line, &cells, &[]);
                continue;
            }
            if is_pointer(t) {
                if let Some(last) = self.claims.last_mut() {
                    attach(last, t, *line);
                }
                continue;
            }
            let marked = t.starts_with("[x]")
                || t.starts_with("[X]")
                || t.starts_with("[ ]")
                || DONE_MARKS
                    .iter()
                    .chain(OPEN_MARKS)
                    .any(|m| t.starts_with(m));
            let bold_lead = *bold && clean(t).0.chars().filter(|c| c.is_alphanumeric()).count() > 1;
            if marked || bold_lead {
                let named = p.named.clone();
                self.push(*line, t, false, &named);
            }
        }
    }

    fn row_claim(&mut self, line: u32, cells: &[String], named: &[String]) {
        let cells: Vec<&str> = cells
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        // Status cells ("✅ Complete", "❌ Not started") mark the row; the rest is the claim.
        let (status, content): (Vec<&str>, Vec<&str>) =
            cells.iter().partition(|c| is_status_cell(c));
        let mut joined = content.join(" | ");
        for st in &status {
            let (_, m) = clean(st);
            match m {
                Some(Mark::Open) => joined = format!("❌ {joined}"),
                Some(Mark::Done) => joined = format!("✅ {joined}"),
                _ if says_open(st) => joined = format!("❌ {joined}"),
                _ => {}
            }
        }
        self.push(line, &joined, true, named);
    }

    fn end_code(&mut self) {
        let Some((info, line, body)) = self.code.take() else {
            return;
        };
        let before = self.doc[..self.line_starts[(line as usize)
            .saturating_sub(1)
            .min(self.line_starts.len() - 1)]]
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        let heading = self
            .headings
            .last()
            .map(|(_, t, _)| t.as_str())
            .unwrap_or("");
        let lines: Vec<&str> = body.lines().collect();
        if let Some(vars) = env_block(&lines, &info, &format!("{heading} {before}")) {
            let text = format!("Environment variables documented: {}", vars.join(", "));
            if let Some(i) = self.push(line, &text, false, &[]) {
                self.claims[i].env_vars = vars;
            }
        }
    }

    fn event(&mut self, ev: Event<'_>, offset: usize) {
        let line = self.line_of(offset);
        if let Some((_, _, body)) = &mut self.code {
            match ev {
                Event::Text(t) => body.push_str(&t),
                Event::End(TagEnd::CodeBlock) => self.end_code(),
                _ => {}
            }
            return;
        }
        match ev {
            Event::Start(tag) => self.start(tag, line),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.inline_text(line, &t),
            Event::Code(t) => self.inline_text(line, &format!("`{t}`")),
            Event::SoftBreak | Event::HardBreak => {
                if let Some(sink) = self.sink() {
                    sink.newline(line + 1);
                }
            }
            Event::TaskListMarker(done) => {
                self.inline_text(line, if done { "[x] " } else { "[ ] " });
            }
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>, line: u32) {
        match tag {
            Tag::Heading { level, .. } => {
                self.heading = Some((level as usize, Inline::default()));
            }
            Tag::Paragraph => {
                if self.items.is_empty() && self.cell.is_none() && self.heading.is_none() {
                    self.paragraph = Some(Inline::default());
                } else if let Some(sink) = self.sink()
                    && !sink.lines.is_empty()
                {
                    sink.newline(line);
                }
            }
            Tag::List(_) => self.flush_item(),
            Tag::Item => self.items.push(ItemState {
                line,
                ..ItemState::default()
            }),
            Tag::CodeBlock(kind) => {
                let info = match kind {
                    CodeBlockKind::Fenced(i) => i.trim().to_ascii_lowercase(),
                    CodeBlockKind::Indented => "\u{0}indented".to_owned(),
                };
                self.code = Some((info, line, String::new()));
            }
            Tag::TableHead => self.table_head = true,
            Tag::TableRow => self.row = Some((line, Vec::new(), Vec::new())),
            Tag::TableCell => self.cell = Some(Inline::default()),
            Tag::Strong => self.strong.push(String::new()),
            Tag::Link { dest_url, .. } => {
                if let Some(p) = named_path(&dest_url)
                    && let Some(sink) = self.sink()
                {
                    sink.named.push(p);
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(level) => {
                if let Some((_, inline)) = self.heading.take() {
                    let (text, mark) = clean(inline.text().trim().trim_end_matches('#'));
                    let level = level as usize;
                    self.headings.retain(|(l, _, _)| *l < level);
                    self.headings.push((level, text, mark));
                }
            }
            TagEnd::Paragraph if self.items.is_empty() && self.cell.is_none() => {
                self.end_paragraph();
            }
            TagEnd::Item => {
                self.flush_item();
                self.items.pop();
            }
            TagEnd::Strong => {
                if let Some(b) = self.strong.pop()
                    && let Some(p) = named_path(&b)
                    && (b.contains('/') || b.contains('.'))
                    && let Some(sink) = self.sink()
                {
                    sink.named.push(p);
                }
            }
            TagEnd::TableCell => {
                if let Some(cell) = self.cell.take()
                    && let Some((_, cells, named)) = &mut self.row
                {
                    cells.push(cell.text());
                    named.extend(cell.named);
                }
            }
            TagEnd::TableHead => {
                self.table_head = false;
                self.row = None;
            }
            TagEnd::TableRow => {
                if let Some((line, cells, named)) = self.row.take()
                    && !self.table_head
                {
                    self.row_claim(line, &cells, &named);
                }
            }
            _ => {}
        }
    }
}

/// Parses a readiness document into claims: Markdown events from `pulldown-cmark`
/// (headings, list items, task markers, tables, emphasis, code spans, links, fenced code),
/// after mojibake repair.
#[must_use]
pub fn parse(doc: &str) -> Vec<Claim> {
    let doc = repair_mojibake(doc);
    let doc = doc.trim_start_matches('\u{feff}');
    let mut line_starts = vec![0];
    line_starts.extend(doc.match_indices('\n').map(|(i, _)| i + 1));
    let mut reader = Reader {
        doc,
        line_starts,
        claims: Vec::new(),
        headings: Vec::new(),
        heading: None,
        items: Vec::new(),
        paragraph: None,
        table_head: false,
        row: None,
        cell: None,
        code: None,
        strong: Vec::new(),
    };
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
    for (ev, range) in Parser::new_ext(doc, options).into_offset_iter() {
        reader.event(ev, range.start);
    }
    // A fence left open at the end of the document still closes its block.
    reader.end_code();
    let mut claims = reader.claims;
    claims.sort_by_key(|c| c.line);
    claims
}

/// Words a status cell of a table may hold besides its mark.
const STATUS_WORDS: &[&str] = &[
    "complete",
    "completed",
    "done",
    "yes",
    "ok",
    "implemented",
    "ready",
    "passed",
    "pass",
    "no",
    "not started",
    "in progress",
    "pending",
    "planned",
    "todo",
    "blocked",
    "partial",
    "wip",
    "n a",
    "tbd",
];

/// Whether a table cell only states a status (a mark and/or a status word).
fn is_status_cell(cell: &str) -> bool {
    let (text, mark) = clean(cell);
    let w = words(&text);
    (w.is_empty() && mark.is_some()) || STATUS_WORDS.contains(&w.as_str())
}

/// The variable names of a fenced block that shows a `.env` file: every line is `NAME=…`
/// (or a comment), and the info string (`env`, `dotenv`) or the heading or line before it
/// says so. `None` otherwise.
fn env_block(lines: &[&str], info: &str, context: &str) -> Option<Vec<String>> {
    let lang_env = matches!(info, "env" | "dotenv" | ".env" | "properties" | "ini");
    let lang_ok = lang_env || matches!(info, "" | "bash" | "sh" | "shell" | "text" | "console");
    let ctx = words(context);
    let ctx_env = ["env", "environment", "dotenv", "environment variables"]
        .iter()
        .any(|w| has_words(&ctx, w));
    if !lang_ok || !(lang_env || ctx_env) {
        return None;
    }
    let mut vars = Vec::new();
    for line in lines {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let t = t.strip_prefix("export ").unwrap_or(t);
        let (name, _) = t.split_once('=')?;
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return None;
        }
        if !vars.iter().any(|v| v == name) {
            vars.push(name.to_owned());
        }
        if vars.len() > 200 {
            return None;
        }
    }
    (!vars.is_empty()).then_some(vars)
}

fn attach(claim: &mut Claim, text: &str, line: u32) {
    for p in paths_in(text) {
        if !claim.files.iter().any(|(q, _)| *q == p) {
            claim.files.push((p, line));
        }
    }
    claim.asserts_creation = true;
}

/// Adds a claim for `text` unless it is empty; returns whether it did.
fn push_claim(
    claims: &mut Vec<Claim>,
    line: u32,
    text: &str,
    headings: &[String],
    section: Option<Mark>,
    in_list: bool,
) -> bool {
    let (clean_text, mark) = clean(text);
    if words(&clean_text).is_empty() {
        return false;
    }
    let mark = match mark {
        Some(Mark::Open) => Mark::Open,
        _ if says_open(&clean_text) => Mark::Open,
        Some(Mark::Done) => Mark::Done,
        _ if section == Some(Mark::Open) => Mark::Open,
        _ if section == Some(Mark::Done) => Mark::Done,
        _ => Mark::Stated,
    };
    let w = words(&clean_text);
    let heading = headings.last().map(|h| words(h)).unwrap_or_default();
    let asserts_creation = mark == Mark::Done
        || CREATION_WORDS
            .iter()
            .any(|c| has_words(&w, c) || has_words(&heading, c));
    let files = paths_in(text).into_iter().map(|p| (p, line)).collect();
    claims.push(Claim {
        line,
        text: clean_text,
        headings: headings.to_vec(),
        mark,
        files,
        asserts_creation,
        in_list,
        env_vars: Vec::new(),
    });
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_mojibake_marks() {
        assert_eq!(repair_mojibake("âœ… Done"), "✅ Done");
        assert_eq!(repair_mojibake("ðŸŽ¯ Goal"), "🎯 Goal");
        assert_eq!(repair_mojibake("âŒ Missing"), "❌ Missing");
        assert_eq!(repair_mojibake("café ✅"), "café ✅");
    }

    #[test]
    fn recognises_paths() {
        for p in [
            "app/middleware/security.py",
            ".dockerignore",
            "Dockerfile.prod",
            "README.md",
            "k8s/",
        ] {
            assert!(looks_like_path(p), "{p}");
        }
        for p in [
            "/health",
            "node:20",
            "USER appuser",
            "3.12",
            "X-Frame-Options",
            "npm run build",
            "https://x.io/a",
            "../../etc/passwd",
        ] {
            assert!(!looks_like_path(p), "{p}");
        }
    }

    #[test]
    fn parses_marks_checkboxes_tables_and_pointers() {
        let doc = "# Readiness\n\n## Security\n- ✅ Non-root user\n  - File: `Dockerfile`\n- [ ] Secret rotation\n\
                   - [x] HEALTHCHECK\n\n```\n- not a claim\n```\n\n| Item | Status |\n|---|---|\n| CI pipeline | ✅ |\n\
                   **Status**: PRODUCTION READY\n\n## Next Steps\n- Train the team\n";
        let c = parse(doc);
        let summary: Vec<(u32, &str, Mark)> = c
            .iter()
            .map(|c| (c.line, c.text.as_str(), c.mark))
            .collect();
        assert_eq!(
            summary,
            vec![
                (4, "Non-root user", Mark::Done),
                (6, "Secret rotation", Mark::Open),
                (7, "HEALTHCHECK", Mark::Done),
                (15, "CI pipeline", Mark::Done),
                (16, "Status: PRODUCTION READY", Mark::Stated),
                (19, "Train the team", Mark::Open),
            ]
        );
        assert_eq!(c[0].files, vec![("Dockerfile".to_owned(), 5)]);
        assert_eq!(c[0].headings, vec!["Readiness", "Security"]);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics_on_any_text(s in "\\PC{0,400}") {
            let lines = s.lines().count();
            for c in parse(&s) {
                proptest::prop_assert!(c.line >= 1 && c.line as usize <= lines.max(1));
            }
        }

        #[test]
        fn parse_never_panics_on_markdownish_text(
            s in "(#|## |- |\\* |1\\. |\\||`|\\[x\\]|\\[ \\]|\\*\\*|✅|❌|âœ…|ðŸŽ¯|âŒ|\u{9d}|\n|  |a|b/|\\.|:|File: |```|~~~|TODO){0,120}"
        ) {
            let claims = parse(&s);
            proptest::prop_assert!(claims.windows(2).all(|w| w[0].line <= w[1].line));
        }

        #[test]
        fn mojibake_repair_never_panics(s in "[\\x00-\\u{ff}€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]{0,200}") {
            let _ = repair_mojibake(&s);
        }
    }

    #[test]
    fn headings_set_the_default_mark() {
        let doc = "# Work ✅ COMPLETE\n### Done\n1. **Translations** - 8 files\n\
                   ## Next Steps\n### 1. Signup flow\n- Add the selector\n";
        let c = parse(doc);
        let marks: Vec<(u32, Mark)> = c.iter().map(|c| (c.line, c.mark)).collect();
        assert_eq!(marks, vec![(3, Mark::Done), (6, Mark::Open)]);
        assert_eq!(c[0].text, "Translations - 8 files");
    }

    #[test]
    fn comments_quotes_bom_and_crlf() {
        let doc = "\u{feff}# T\r\n<!--\r\n- [x] hidden\r\n-->\r\n> - [x] Quoted\r\n";
        let c = parse(doc);
        let got: Vec<(u32, &str, Mark)> = c
            .iter()
            .map(|c| (c.line, c.text.as_str(), c.mark))
            .collect();
        assert_eq!(got, vec![(5, "Quoted", Mark::Done)]);
        assert_eq!(c[0].headings, vec!["T"]);
    }

    #[test]
    fn env_blocks_claim_their_variables() {
        let doc = "## Environment\n```\nexport A_URL=x\n# c\nB=1\n```\n```bash\nnpm start\n```\n```env\nlower=1\n```\n";
        let c = parse(doc);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].line, 2);
        assert_eq!(c[0].env_vars, vec!["A_URL", "B"]);
        // Without an env info string or context, KEY=VALUE blocks are just code.
        assert!(parse("## Run\n```\nA=1\n```\n").is_empty());
    }

    #[test]
    fn pointers_without_backticks_and_checkbox_precedence() {
        let doc = "- ✅ Rate limiting\n  - File: app/rate_limit.py, Dockerfile\n\
                   - [x] ❌ errors fixed\n- ✅ Office\n  - Location: Berlin\n";
        let c = parse(doc);
        assert_eq!(c[0].files, vec![("app/rate_limit.py".to_owned(), 2)]);
        assert_eq!(c[1].mark, Mark::Done);
        assert!(c.iter().all(|c| c.files.is_empty() || c.line == 1));
    }

    #[test]
    fn table_status_cells_mark_rows() {
        let doc =
            "| Item | Status |\n|---|---|\n| Tracing | ❌ Not started |\n| Probes | ✅ Done |\n";
        let c = parse(doc);
        let got: Vec<(&str, Mark)> = c.iter().map(|c| (c.text.as_str(), c.mark)).collect();
        assert_eq!(got, vec![("Tracing", Mark::Open), ("Probes", Mark::Done)]);
    }

    /// Covers issue #14: the same path is a pointer in every layout.
    #[test]
    fn paths_are_found_in_every_layout() {
        let doc = "# Files created\n\n1. **app/middleware/rate_limiter.py** - limiter\n\
                   2. **`apps/api/Dockerfile`** - image\n\
                   - [tracing helpers](utils/tracing.py)\n\
                   - scripts/backup_database.sh - nightly backups\n\
                   - File: `.pre-commit-config.yaml`\n\
                   - Directory: `apps/api/migrations/`\n\
                   - [docs](https://example.com/x.md) and `GET /health`\n\n\
                   | File | Status |\n|---|---|\n| **ci/check.sh** | ✅ |\n";
        let files: Vec<Vec<String>> = parse(doc)
            .into_iter()
            .map(|c| c.files.into_iter().map(|(f, _)| f).collect())
            .collect();
        assert_eq!(
            files,
            vec![
                vec!["app/middleware/rate_limiter.py"],
                vec!["apps/api/Dockerfile"],
                vec!["utils/tracing.py"],
                vec!["scripts/backup_database.sh"],
                vec![".pre-commit-config.yaml"],
                vec!["apps/api/migrations/"],
                Vec::<&str>::new(),
                vec!["ci/check.sh"],
            ]
        );
    }

    #[test]
    fn ready_markers_and_future_tense_are_open() {
        let doc = "## Reliability\n- Circuit breaker pattern (ready for implementation)\n\
                   - Retry with backoff (ready)\n- Alerting will be configured next sprint\n\
                   - ✅ Production-ready Docker image\n\n## Remaining Tasks\n- Pin actions\n";
        let marks: Vec<(u32, Mark)> = parse(doc).iter().map(|c| (c.line, c.mark)).collect();
        assert_eq!(
            marks,
            vec![
                (2, Mark::Open),
                (3, Mark::Open),
                (4, Mark::Open),
                (5, Mark::Done),
                (8, Mark::Open)
            ]
        );
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let alphabet: Vec<char> = "#-*+|`[]x ✅❌âœ…ðŸŽ¯\n\t:./0123456789abc~>_Œ€\u{9d}\u{fe0f}é**"
            .chars()
            .collect();
        for _ in 0..2000 {
            let mut s = String::new();
            for _ in 0..(seed % 300) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let i = usize::try_from(seed % alphabet.len() as u64).unwrap_or(0);
                s.push(alphabet[i]);
            }
            let _ = parse(&s);
        }
    }
}
