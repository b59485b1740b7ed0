//! The phrase model behind the claim-to-rule map: claim text and `claims:` phrases become
//! the same kind of token stream (words stemmed, identifiers such as `.env.example` kept
//! whole, routes such as `/healthz` apart), and a phrase matches a run of whole tokens.
//!
//! What is general vocabulary (synonyms, stems, the words that name a deployment area,
//! the words too generic to decide anything) lives here; which rule a phrase belongs to
//! lives in the rule files.

/// One token of a text: its normalised form and the byte span it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// Lowercase, stemmed word; or a whole identifier (`.env.example`, `node_modules`).
    pub(crate) text: String,
    /// Byte span in the source text (a synonym's tokens share their source's span).
    pub(crate) start: usize,
    /// End of the byte span.
    pub(crate) end: usize,
}

/// A tokenised text: its tokens and the routes (`/healthz`) it names.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tokens {
    /// Words and identifiers, in order.
    pub(crate) words: Vec<Token>,
    /// Route segments of every `/…` path the text names (`/health/ready` → health, ready).
    pub(crate) routes: Vec<Vec<String>>,
}

/// Words that say nothing on their own: a phrase made only of them never maps, so
/// "production ready", "security", "metrics" or "status" decide no rule.
const GENERIC: &[&str] = &[
    "ready",
    "readi",
    "production",
    "security",
    "secur",
    "metric",
    "time",
    "statu",
    "status",
    "comprehensive",
    "comprehens",
    "error",
    "handl",
    "handling",
    "monitor",
    "log",
    "performance",
    "http",
    "https",
    "tls",
    "system",
    "service",
    "support",
    "config",
    "setting",
];

/// Words dropped before matching, on both sides ("no private keys in the repository"
/// matches "no private keys in repository").
const FILLER: &[&str] = &[
    "the", "a", "an", "our", "all", "every", "each", "its", "their", "is", "are", "be", "been",
    "has", "have", "we", "of", "for", "on", "in", "to", "at", "by", "with", "and", "or",
];

/// General equivalences, applied to raw lowercase words before stemming.
const SYNONYMS: &[(&str, &str)] = &[
    ("k8s", "kubernetes"),
    ("kube", "kubernetes"),
    ("docker compose", "compose"),
    ("docker-compose", "compose"),
    ("gh actions", "github actions"),
    ("cicd", "ci cd"),
    ("licence", "license"),
    ("different", "separate"),
    ("distinct", "separate"),
    ("disabled", "off"),
    ("never", "not"),
    ("configuration", "config"),
    ("settings", "config"),
    ("centralised", "centralized"),
    ("exception", "error"),
    ("exceptions", "errors"),
];

/// Words that place a claim in a deployment area (the folder of a rule file). A phrase's
/// own area word is context, not content: "Dockerfile HEALTHCHECK" is the content
/// `healthcheck` in a claim or section that mentions Docker.
const AREAS: &[(&str, &[&str])] = &[
    ("docker", &["docker", "dockerfile", "dockerignore"]),
    ("compose", &["compose"]),
    ("k8s", &["kubernetes", "helm", "pod", "kubectl", "manifest"]),
];

/// Trailing `s` is dropped from these only when they are not one of these words.
const NO_STEM: &[&str] = &[
    "https",
    "tls",
    "cors",
    "status",
    "redis",
    "postgres",
    "kubernetes",
    "aws",
];

/// A light suffix stemmer: plurals, `-ing`, `-ed`, `-ation`, a final `e`, so "limiting",
/// "limits" and "limit" meet, and "validated" meets "validation".
pub(crate) fn stem(w: &str) -> String {
    if NO_STEM.contains(&w) || !w.chars().all(|c| c.is_ascii_alphanumeric()) {
        return w.to_owned();
    }
    let mut s = w.to_owned();
    if s.len() > 4 && s.ends_with("ies") {
        s.truncate(s.len() - 3);
        s.push('y');
    } else if s.len() >= 3
        && s.ends_with('s')
        && !s.ends_with("ss")
        && !s.ends_with("us")
        && !s.ends_with("is")
        && !s.ends_with("as")
    {
        s.pop();
    }
    let vowel = |t: &str| t.chars().any(|c| "aeiouy".contains(c));
    let mut suffixed = false;
    for suf in ["ation", "ing", "ed"] {
        if s.len() > suf.len() + 2 && s.ends_with(suf) && vowel(&s[..s.len() - suf.len()]) {
            s.truncate(s.len() - suf.len());
            if suf == "ation" {
                s.push_str("at");
            }
            suffixed = true;
            break;
        }
    }
    if suffixed {
        let b = s.as_bytes();
        let n = b.len();
        if n >= 2 && b[n - 1] == b[n - 2] && b"bdgmnpt".contains(&b[n - 1]) {
            s.pop();
        }
    }
    if s.len() > 4 && s.ends_with('e') {
        s.pop();
    }
    s
}

/// Whether a character belongs inside an identifier token (`.env.example`, `go.sum`,
/// `node_modules`, `app/main.py`).
fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '/' | '-')
}

/// Splits `text` into raw lowercase pieces with spans: plain words, identifiers that carry
/// `.`, `_` or `/` inside (kept whole), and routes (`/x/y`, kept apart).
/// A raw piece of text: lowercase form and byte span.
type Piece = (String, usize, usize);

fn raw_pieces(text: &str) -> (Vec<Piece>, Vec<Vec<String>>) {
    let mut words = Vec::new();
    let mut routes = Vec::new();
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < bytes.len() {
        let (start, c) = bytes[i];
        if !ident_char(c) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < bytes.len() && ident_char(bytes[j].1) {
            j += 1;
        }
        let end = bytes.get(j).map_or(text.len(), |(b, _)| *b);
        let piece = text[start..end].trim_end_matches(['.', '-', '/']);
        let end = start + piece.len();
        i = j;
        if piece.is_empty() {
            continue;
        }
        let lower = piece.to_lowercase();
        if let Some(route) = lower.strip_prefix('/') {
            // A route (`/healthz`, `/health/ready`) or an absolute path; its segments,
            // with the Kubernetes `z` and the -ness nouns folded (`readyz`, `readiness`).
            let segs: Vec<String> = route
                .split('/')
                .filter(|s| {
                    !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
                })
                .map(route_segment)
                .collect();
            if !segs.is_empty() {
                routes.push(segs);
            }
            continue;
        }
        let ident = lower.trim_start_matches('-');
        if ident.starts_with('.') || ident.contains(['.', '_', '/']) {
            let ident = ident.trim_end_matches('*').to_owned();
            // The file or identifier name's words stand beside it: `rate_limiter.py`
            // says rate limiter.
            let name = ident.rsplit('/').next().unwrap_or(&ident);
            let stem_part = name.trim_start_matches('.');
            let stem_part = stem_part.rsplit_once('.').map_or(stem_part, |(s, _)| s);
            words.push((ident.clone(), start, end));
            if ident.contains(['/', '_']) {
                for w in stem_part.split(|c: char| !c.is_alphanumeric()) {
                    if !w.is_empty() {
                        words.push((w.to_owned(), start, end));
                    }
                }
            }
            continue;
        }
        // Hyphenated and plain words split into words (`X-Request-ID`, `non-root`).
        let mut off = start;
        for w in piece.split(|c: char| !c.is_alphanumeric()) {
            if !w.is_empty() {
                let ws = text[off..end].find(w).map_or(off, |p| off + p);
                words.push((w.to_lowercase(), ws, ws + w.len()));
                off = ws + w.len();
            }
        }
    }
    (words, routes)
}

fn route_segment(s: &str) -> String {
    match s {
        "healthz" | "health" | "healthcheck" => "health".to_owned(),
        "readyz" | "ready" | "readiness" => "ready".to_owned(),
        "livez" | "live" | "liveness" => "live".to_owned(),
        other => other.to_owned(),
    }
}

/// Tokenises text: pieces, synonyms, filler dropped, stems.
pub(crate) fn tokenize(text: &str) -> Tokens {
    let (pieces, routes) = raw_pieces(text);
    let mut raw: Vec<Token> = pieces
        .into_iter()
        .map(|(text, start, end)| Token { text, start, end })
        .collect();
    for (from, to) in SYNONYMS {
        let from: Vec<&str> = from.split([' ', '-']).collect();
        let to: Vec<&str> = to.split(' ').collect();
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            if i + from.len() <= raw.len()
                && raw[i..i + from.len()]
                    .iter()
                    .zip(&from)
                    .all(|(t, f)| t.text == *f)
            {
                let (start, end) = (raw[i].start, raw[i + from.len() - 1].end);
                for t in &to {
                    out.push(Token {
                        text: (*t).to_owned(),
                        start,
                        end,
                    });
                }
                i += from.len();
            } else {
                out.push(raw[i].clone());
                i += 1;
            }
        }
        raw = out;
    }
    let words = raw
        .into_iter()
        .filter(|t| !FILLER.contains(&t.text.as_str()))
        .map(|t| Token {
            text: stem(&t.text),
            ..t
        })
        .collect();
    Tokens { words, routes }
}

/// The deployment area a token names, if any.
pub(crate) fn area_of(token: &str) -> Option<&'static str> {
    AREAS
        .iter()
        .find(|(_, words)| words.iter().any(|w| *w == token || stem(w) == token))
        .map(|(area, _)| *area)
}

/// Whether the area folder is a deployment area (its words place a claim).
pub(crate) fn is_area(area: &str) -> bool {
    AREAS.iter().any(|(a, _)| *a == area)
}

/// The deployment areas a text mentions.
pub(crate) fn areas_in(tokens: &[Token]) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = tokens.iter().filter_map(|t| area_of(&t.text)).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A compiled `claims:` phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Phrase {
    /// Words that must occur as a run of whole tokens, and the area the claim or its
    /// section must mention (the phrase's own area word, moved out of its content).
    Words {
        /// The content tokens.
        core: Vec<String>,
        /// An area the claim or its headings must name.
        context: Option<&'static str>,
    },
    /// A route (`/healthz`): matches a claim that names a path with that segment.
    Route(String),
    /// Literal text with standalone punctuation (`COPY . .`, `curl | sh`), matched
    /// case-insensitively on token boundaries.
    Literal(String),
    /// Parts that must all occur somewhere in the claim (`.dockerignore + caches`): a
    /// file named together with what it is said to do.
    All(Vec<Phrase>),
}

impl Phrase {
    /// Compiles a phrase of a rule in `area`; `None` when it could never decide anything
    /// on its own (only generic words).
    pub(crate) fn compile(phrase: &str, area: &str) -> Option<Phrase> {
        let p = phrase.trim();
        if p.contains(" + ") {
            let parts: Option<Vec<Phrase>> =
                p.split(" + ").map(|q| Phrase::compile(q, area)).collect();
            return parts.filter(|v| v.len() >= 2).map(Phrase::All);
        }
        if let Some(route) = p.strip_prefix('/') {
            let seg = route.split(['/', ' ']).next().unwrap_or("");
            return (!seg.is_empty()).then(|| Phrase::Route(route_segment(&seg.to_lowercase())));
        }
        if p.split_whitespace()
            .any(|w| w.chars().all(|c| !c.is_alphanumeric()))
        {
            return Some(Phrase::Literal(p.to_lowercase()));
        }
        let toks = tokenize(p).words;
        let mut context = None;
        let mut core = Vec::new();
        for t in toks {
            match area_of(&t.text) {
                Some(a) if a == area && is_area(area) => context = Some(a),
                _ => core.push(t.text),
            }
        }
        if core.is_empty() || core.iter().all(|w| GENERIC.contains(&w.as_str())) {
            return None;
        }
        Some(Phrase::Words { core, context })
    }
}

/// Longest run of tokens that may stand between two phrase words. Measured on the tuning
/// half of `fixtures/claims`: 1 gains two true matches and three false ones, so none.
const MAX_GAP: usize = 0;

/// Where `core` occurs in `hay`: byte spans of each occurrence. Compounds join either way
/// ("health check" meets "healthcheck" and back), and up to `MAX_GAP` tokens may stand
/// between two words.
pub(crate) fn find_words(hay: &[Token], core: &[String]) -> Vec<(usize, usize)> {
    if core.is_empty() {
        return Vec::new();
    }
    (0..hay.len())
        .filter_map(|i| match_from(hay, i, core, 0).map(|end| (hay[i].start, end)))
        .collect()
}

/// Matches `core[w..]` from token `i`; the end byte of the match.
fn match_from(hay: &[Token], i: usize, core: &[String], w: usize) -> Option<usize> {
    let rest: String = core[w..].concat();
    let mut acc = String::new();
    for j in i..hay.len().min(i + 4) {
        acc.push_str(&hay[j].text);
        if !rest.starts_with(&acc) {
            return None;
        }
        // Tokens i..=j spell core words w..=k exactly.
        let mut cat = String::new();
        for k in w..core.len() {
            cat.push_str(&core[k]);
            if cat.len() > acc.len() {
                break;
            }
            if cat == acc {
                if k + 1 == core.len() {
                    return Some(hay[j].end);
                }
                for gap in 0..=MAX_GAP {
                    if j + 1 + gap < hay.len()
                        && let Some(e) = match_from(hay, j + 1 + gap, core, k + 1)
                    {
                        return Some(e);
                    }
                }
            }
        }
    }
    None
}

/// Where a literal phrase occurs in `text` (lowercase comparison, not inside a word).
pub(crate) fn find_literal(text: &str, lit: &str) -> Vec<(usize, usize)> {
    let lower = text.to_lowercase();
    if lower.len() != text.len() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = lower[from..].find(lit) {
        let s = from + p;
        let e = s + lit.len();
        let before = lower[..s].chars().next_back();
        let after = lower[e..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            out.push((s, e));
        }
        from = s + lit.len().max(1);
        if from >= lower.len() {
            break;
        }
    }
    out
}

/// Where a phrase matches: byte spans, and whether the match stands apart from the
/// longest-match rule (a route, which has no span; parts spread over the claim).
/// A phrase whose area word was moved out needs that area in `claim_areas` (text and
/// headings); when one word is all that is left ("probes" of "Kubernetes probes"), in
/// `text_areas` (the claim's own words).
pub(crate) fn spans(
    p: &Phrase,
    text: &str,
    toks: &Tokens,
    claim_areas: &[&str],
    text_areas: &[&str],
) -> Vec<(usize, usize, bool)> {
    match p {
        Phrase::Words { core, context } => {
            let areas = if core.len() == 1 {
                text_areas
            } else {
                claim_areas
            };
            if context.is_some_and(|a| !areas.contains(&a)) {
                return Vec::new();
            }
            find_words(&toks.words, core)
                .into_iter()
                .map(|(s, e)| (s, e, false))
                .collect()
        }
        Phrase::Route(seg) => {
            if toks.routes.iter().any(|r| r.contains(seg)) {
                vec![(0, 0, true)]
            } else {
                Vec::new()
            }
        }
        Phrase::Literal(lit) => find_literal(text, lit)
            .into_iter()
            .map(|(s, e)| (s, e, false))
            .collect(),
        Phrase::All(parts) => {
            let mut start = usize::MAX;
            let mut end = 0;
            for part in parts {
                let found = spans(part, text, toks, claim_areas, text_areas);
                let Some(first) = found.first() else {
                    return Vec::new();
                };
                start = start.min(first.0);
                end = end.max(first.1);
            }
            // Spread over the claim, the parts cover nothing and are covered by nothing.
            vec![(start, end, true)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        tokenize(s).words.into_iter().map(|t| t.text).collect()
    }

    fn matches(text: &str, phrase: &str) -> bool {
        Phrase::compile(phrase, "docs")
            .is_some_and(|p| !spans(&p, text, &tokenize(text), &[], &[]).is_empty())
    }

    #[test]
    fn stems_meet() {
        for (a, b) in [
            ("limiting", "limit"),
            ("limits", "limit"),
            ("validated", "validation"),
            ("pinned", "pin"),
            ("logging", "log"),
            ("throttling", "throttle"),
            ("ids", "id"),
            ("policies", "policy"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
        assert_ne!(stem("https"), stem("http"));
    }

    #[test]
    fn phrases_match_compounds_plurals_and_synonyms() {
        assert!(matches("Health checks configured", "healthcheck"));
        assert!(matches("HEALTHCHECK added", "health check"));
        assert!(matches("Runs as non-root", "nonroot"));
        assert!(matches("K8s readiness probes", "kubernetes"));
        assert!(matches("`.env.example` created", ".env.example"));
        assert!(!matches("environment example", ".env.example"));
        assert!(!matches("Train the operations team", "operations guide"));
        assert!(
            matches("Rate limiter middleware", "rate limiting")
                || matches("rate limiting", "rate limit")
        );
        assert!(!matches("Dependabot for npm", "npm ci"));
        assert!(matches("No `COPY . .` without it", "COPY . ."));
        assert!(!matches("COPY instead of ADD", "COPY . ."));
        assert!(matches("`GET /health/ready`", "/readyz"));
        assert!(!matches("Production-ready image (ready)", "/ready"));
        assert!(!matches("Session cookies are HttpOnly", "HTTPS only"));
        assert!(matches("`app/middleware/rate_limiter.py`", "rate limiter"));
    }

    #[test]
    fn generic_phrases_never_compile() {
        for p in [
            "metrics",
            "production",
            "security",
            "status",
            "TLS",
            "error handling",
            "ready",
        ] {
            assert_eq!(Phrase::compile(p, "code"), None, "{p}");
        }
        assert_eq!(
            Phrase::compile("Dockerfile HEALTHCHECK", "docker"),
            Some(Phrase::Words {
                core: vec!["healthcheck".to_owned()],
                context: Some("docker")
            })
        );
    }

    #[test]
    fn identifiers_stay_whole() {
        assert_eq!(
            words("`node_modules` excluded"),
            vec!["node_modules", "node", "modul", "exclud"]
        );
        assert_eq!(words("go.sum committed"), vec!["go.sum", "commit"]);
        assert_eq!(tokenize("GET /healthz and /api/v1/health").routes.len(), 2);
    }
}
