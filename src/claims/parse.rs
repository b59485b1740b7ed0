//! A careful line parser for readiness documents: headings give context; list items,
//! checkboxes, status marks, bold lead-ins and table rows are claims; backticked paths are
//! evidence pointers; fenced code is skipped. Never panics, whatever the input.

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

/// Strips a list bullet or ordered-list number; returns the indent and the rest.
fn list_item(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = trimmed.strip_prefix(bullet) {
            return Some((indent, rest));
        }
    }
    let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits < 10 {
        let rest = &trimmed[digits..];
        for sep in [". ", ") "] {
            if let Some(r) = rest.strip_prefix(sep) {
                return Some((indent, r));
            }
        }
    }
    None
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

fn is_table_separator(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|')
        && t.contains('-')
        && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
}

/// Parses a readiness document into claims.
#[must_use]
pub fn parse(doc: &str) -> Vec<Claim> {
    let doc = repair_mojibake(doc);
    let doc = doc.trim_start_matches('\u{feff}');
    let mut in_comment = false;
    let mut claims: Vec<Claim> = Vec::new();
    let mut headings: Vec<(usize, String, Option<Mark>)> = Vec::new();
    let mut fence: Option<String> = None;
    // Whether the previous non-blank line was a table header awaiting its separator.
    let mut table_header_pending = false;
    // Indent of the last list item that became a claim (for nested pointer items).
    let mut last_claim_indent: Option<usize> = None;
    let lines: Vec<&str> = doc.lines().collect();
    for (idx, raw) in lines.iter().enumerate() {
        let line_no = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        // Block quotes are read as their content ("> ✅ Done").
        let mut raw: &str = raw;
        while let Some(rest) = raw.trim_start().strip_prefix('>') {
            raw = rest.strip_prefix(' ').unwrap_or(rest);
        }
        let trimmed = raw.trim();
        // HTML comments are not claims.
        if in_comment {
            in_comment = !trimmed.contains("-->");
            continue;
        }
        if trimmed.starts_with("<!--") {
            in_comment = !trimmed.contains("-->");
            continue;
        }
        // Fenced code blocks are not claims.
        let fence_open = trimmed
            .strip_prefix("```")
            .map(|_| "```")
            .or_else(|| trimmed.strip_prefix("~~~").map(|_| "~~~"));
        if let Some(current) = &fence {
            if trimmed.starts_with(current.as_str()) {
                fence = None;
            }
            continue;
        }
        if let Some(f) = fence_open {
            fence = Some(f.to_owned());
            let info = trimmed[3..].trim().to_ascii_lowercase();
            let before = lines[..idx]
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .copied()
                .unwrap_or("");
            let heading = headings.last().map(|(_, t, _)| t.as_str()).unwrap_or("");
            if let Some(vars) =
                env_block(&lines[idx + 1..], f, &info, &format!("{heading} {before}"))
            {
                let heading_texts: Vec<String> =
                    headings.iter().map(|(_, t, _)| t.clone()).collect();
                let text = format!("Environment variables documented: {}", vars.join(", "));
                if push_claim(&mut claims, line_no, &text, &heading_texts, None, false)
                    && let Some(last) = claims.last_mut()
                {
                    last.env_vars = vars;
                }
            }
            continue;
        }
        if trimmed.is_empty() {
            table_header_pending = false;
            continue;
        }
        // Headings.
        let hashes = trimmed.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
            let (text, mark) = clean(trimmed[hashes..].trim().trim_end_matches('#'));
            headings.retain(|(level, _, _)| *level < hashes);
            headings.push((hashes, text, mark));
            last_claim_indent = None;
            continue;
        }
        let heading_texts: Vec<String> = headings.iter().map(|(_, t, _)| t.clone()).collect();
        // A section is open when any heading above says so ("Next Steps" > "1. Add …");
        // otherwise the innermost marked heading ("### ✅ Implementation Complete") ticks
        // the plain items under it.
        let section = if headings
            .iter()
            .any(|(_, h, m)| *m == Some(Mark::Open) || says_open(h))
        {
            Some(Mark::Open)
        } else {
            headings.iter().rev().find_map(|(_, _, m)| *m)
        };

        // Table rows.
        if trimmed.starts_with('|') {
            if is_table_separator(trimmed) {
                // The row before was the header: drop it if it became a claim.
                if table_header_pending
                    && let Some(last) = claims.last()
                    && last.line + 1 == line_no
                {
                    claims.pop();
                }
                table_header_pending = false;
                continue;
            }
            let next_is_sep = lines.get(idx + 1).is_some_and(|l| is_table_separator(l));
            table_header_pending = next_is_sep;
            if next_is_sep {
                continue;
            }
            let cells: Vec<&str> = trimmed
                .trim_matches('|')
                .split('|')
                .map(str::trim)
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
            push_claim(&mut claims, line_no, &joined, &heading_texts, section, true);
            last_claim_indent = None;
            continue;
        }
        table_header_pending = false;

        if let Some((indent, item)) = list_item(raw) {
            // A nested pointer item attaches its paths to the claim above.
            if is_pointer(item)
                && let Some(parent) = last_claim_indent
                && indent > parent
                && let Some(last) = claims.last_mut()
            {
                attach(last, item, line_no);
                continue;
            }
            if push_claim(&mut claims, line_no, item, &heading_texts, section, true) {
                last_claim_indent = Some(indent);
            }
            continue;
        }

        // Paragraph lines: pointers attach to the previous claim; marked lines and bold
        // lead-ins are claims; the rest is prose.
        if is_pointer(trimmed) {
            if let Some(last) = claims.last_mut() {
                attach(last, trimmed, line_no);
            }
            continue;
        }
        let repaired = trimmed;
        let marked = repaired.starts_with("[x]")
            || repaired.starts_with("[X]")
            || repaired.starts_with("[ ]")
            || DONE_MARKS
                .iter()
                .chain(OPEN_MARKS)
                .any(|m| repaired.starts_with(m));
        let bold_lead = repaired.starts_with("**")
            && repaired[2..]
                .find("**")
                .is_some_and(|end| end > 0 && repaired[2..2 + end].trim().len() > 1);
        if marked || bold_lead {
            push_claim(
                &mut claims,
                line_no,
                repaired,
                &heading_texts,
                section,
                false,
            );
            last_claim_indent = None;
        }
    }
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
fn env_block(rest: &[&str], fence: &str, info: &str, context: &str) -> Option<Vec<String>> {
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
    for line in rest {
        let t = line.trim();
        if t.starts_with(fence) {
            break;
        }
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
