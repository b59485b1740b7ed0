//! `.dockerignore` patterns evaluated as Docker evaluates them (moby `patternmatcher`): Go
//! `filepath.Match` syntax plus `**`, `!` exceptions, the last matching pattern wins, and a
//! pattern that matches a parent directory excludes everything below it.
//!
//! See: <https://docs.docker.com/build/concepts/context/#dockerignore-files>

use regex::Regex;

/// One pattern line.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The cleaned pattern text (without `!`).
    pub text: String,
    /// `!pattern`: re-includes what earlier patterns excluded.
    pub exception: bool,
    /// 1-based line in the file.
    pub line: u32,
    regex: Regex,
}

/// A parsed `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    /// Patterns in file order.
    pub patterns: Vec<Pattern>,
}

/// `filepath.Clean` for `/`-separated relative patterns: drops `.` segments and empty
/// segments, resolves `..`, and strips leading and trailing slashes.
fn clean(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|s| *s != "..") {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            s => out.push(s),
        }
    }
    if out.is_empty() {
        ".".to_owned()
    } else {
        out.join("/")
    }
}

/// Whether `clean` leaves a path as it is (so it needs no copy).
fn is_clean(p: &str) -> bool {
    !p.is_empty() && p.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
}

/// Translates one cleaned pattern into an anchored regex, as moby's `Pattern.compile` does.
fn compile(pattern: &str) -> Option<Regex> {
    let mut re = String::from("^");
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 1;
                // `**/` is treated as `**`.
                if chars.get(i + 1) == Some(&'/') {
                    i += 1;
                }
                if i + 1 >= chars.len() {
                    re.push_str(".*");
                } else {
                    re.push_str("(.*/)?");
                }
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '[' => {
                // A character class: copied through, `^` negation kept, closed by `]`.
                let mut j = i + 1;
                let mut class = String::from("[");
                if chars.get(j) == Some(&'^') {
                    class.push('^');
                    j += 1;
                }
                let mut closed = false;
                while j < chars.len() {
                    let d = chars[j];
                    if d == ']' && class.len() > 1 {
                        closed = true;
                        break;
                    }
                    if d == '\\' {
                        j += 1;
                        if let Some(e) = chars.get(j) {
                            class.push_str(&regex::escape(&e.to_string()));
                        }
                    } else if d == '[' || d == '&' || d == '~' {
                        class.push('\\');
                        class.push(d);
                    } else {
                        class.push(d);
                    }
                    j += 1;
                }
                if !closed {
                    return None;
                }
                class.push(']');
                re.push_str(&class);
                i = j;
            }
            '\\' => {
                i += 1;
                if let Some(e) = chars.get(i) {
                    re.push_str(&regex::escape(&e.to_string()));
                }
            }
            other => re.push_str(&regex::escape(&other.to_string())),
        }
        i += 1;
    }
    re.push('$');
    Regex::new(&re).ok()
}

impl DockerIgnore {
    /// Parses the file: `#` comment lines and blank lines are skipped, whitespace trimmed,
    /// a leading `!` marks an exception, leading `/` is dropped and the path cleaned.
    /// Patterns that do not compile (an unclosed `[`) are dropped, as Docker rejects them.
    #[must_use]
    pub fn parse(text: &str) -> DockerIgnore {
        let mut patterns = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (exception, body) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            if body.is_empty() {
                continue;
            }
            let text = clean(body);
            let Some(regex) = compile(&text) else {
                continue;
            };
            patterns.push(Pattern {
                text,
                exception,
                line: crate::textpos::to_u32(n + 1),
                regex,
            });
        }
        DockerIgnore { patterns }
    }

    /// Whether `path` (relative to the build context, `/`-separated) is left out of the
    /// context. A pattern that matches the path or any of its parent directories applies;
    /// the last applying pattern decides.
    #[must_use]
    pub fn excludes(&self, path: &str) -> bool {
        let path = clean(path);
        let parents: Vec<&str> = path
            .char_indices()
            .filter(|(_, c)| *c == '/')
            .map(|(i, _)| &path[..i])
            .collect();
        let mut excluded = false;
        for p in &self.patterns {
            if excluded != p.exception {
                // Only a pattern that could flip the verdict matters.
                continue;
            }
            let hit = p.regex.is_match(&path) || parents.iter().any(|d| p.regex.is_match(d));
            if hit {
                excluded = !p.exception;
            }
        }
        excluded
    }

    /// An evaluator for many paths of one context that remembers, per directory, which
    /// patterns match the directory or one of its parents: each path then costs one match
    /// per pattern, not one per pattern and parent. Same verdicts as [`DockerIgnore::excludes`].
    #[must_use]
    pub fn excluder(&self) -> Excluder<'_> {
        Excluder {
            di: self,
            dirs: std::collections::HashMap::new(),
        }
    }

    /// Bit `k` set when pattern `k` matches `path` itself.
    fn direct(&self, path: &str) -> u64 {
        self.patterns
            .iter()
            .enumerate()
            .filter(|(_, p)| p.regex.is_match(path))
            .fold(0, |m, (k, _)| m | (1 << k))
    }
}

/// See [`DockerIgnore::excluder`].
#[derive(Debug)]
pub struct Excluder<'d> {
    di: &'d DockerIgnore,
    /// Directory → patterns matching it or a parent.
    dirs: std::collections::HashMap<String, u64>,
}

impl Excluder<'_> {
    /// Whether `path` (context-relative) is left out of the context.
    pub fn excludes(&mut self, path: &str) -> bool {
        // The masks hold one bit per pattern; paths `clean` would change take the plain way.
        if self.di.patterns.len() > 64 || !is_clean(path) {
            return self.di.excludes(path);
        }
        let hits =
            self.di.direct(path) | path.rfind('/').map_or(0, |at| self.dir_mask(&path[..at]));
        // The last pattern that applies decides.
        (0..self.di.patterns.len())
            .rev()
            .find(|&k| hits & (1 << k) != 0)
            .is_some_and(|k| !self.di.patterns[k].exception)
    }

    fn dir_mask(&mut self, dir: &str) -> u64 {
        if let Some(&m) = self.dirs.get(dir) {
            return m;
        }
        let up = dir.rfind('/').map_or(0, |at| self.dir_mask(&dir[..at]));
        let m = self.di.direct(dir) | up;
        self.dirs.insert(dir.to_owned(), m);
        m
    }
}

#[cfg(test)]
mod tests {
    use super::DockerIgnore;

    fn di(s: &str) -> DockerIgnore {
        DockerIgnore::parse(s)
    }

    #[test]
    fn plain_names_match_at_the_root_only() {
        let d = di(".git\nnode_modules\n");
        assert!(d.excludes(".git"));
        assert!(d.excludes(".git/HEAD"));
        assert!(d.excludes("node_modules/x/index.js"));
        assert!(!d.excludes("web/node_modules"));
        assert!(!d.excludes(".github/workflows/ci.yml"));
    }

    #[test]
    fn double_star_matches_any_depth() {
        let d = di("**/node_modules\n**/__pycache__/\n");
        assert!(d.excludes("node_modules"));
        assert!(d.excludes("web/app/node_modules/a"));
        assert!(d.excludes("pkg/__pycache__/m.pyc"));
        let d = di("docs/**\n");
        assert!(d.excludes("docs/a/b.md"));
        assert!(!d.excludes("src/docs"));
        let d = di("**\n!src\n");
        assert!(d.excludes("README.md"));
        assert!(!d.excludes("src/main.rs"));
    }

    #[test]
    fn star_and_question_do_not_cross_slashes() {
        let d = di("*.pem\n.env*\n?.key\n");
        assert!(d.excludes("server.pem"));
        assert!(!d.excludes("certs/server.pem"));
        assert!(d.excludes(".env"));
        assert!(d.excludes(".env.production"));
        assert!(d.excludes("a.key"));
        assert!(!d.excludes("ab.key"));
        let d = di("*/*.pem\n");
        assert!(d.excludes("certs/server.pem"));
    }

    #[test]
    fn exceptions_and_last_match_wins() {
        let d = di(".env*\n!.env.example\n");
        assert!(d.excludes(".env.local"));
        assert!(!d.excludes(".env.example"));
        let d = di("!.env.example\n.env*\n");
        assert!(d.excludes(".env.example"));
    }

    #[test]
    fn cleaning_comments_and_leading_slash() {
        let d = di("# comment\n\n  /.git/  \n./target\nfoo/../.venv\n");
        assert!(d.excludes(".git/config"));
        assert!(d.excludes("target/debug/x"));
        assert!(d.excludes(".venv/bin/python"));
        assert_eq!(d.patterns.len(), 3);
        assert_eq!(d.patterns[0].line, 3);
    }

    #[test]
    fn the_excluder_agrees_with_excludes() {
        let files = [
            ".git",
            ".git/HEAD",
            ".env",
            ".env.example",
            "a/.env",
            "src/main.rs",
            "src/docs/x.md",
            "docs/a/b.md",
            "web/node_modules/x/index.js",
            "node_modules/y",
            "certs/dev.pem",
            "server.pem",
            "pkg/__pycache__/m.pyc",
            "./odd/../path",
            "a//b",
        ];
        for text in [
            ".git\n**/node_modules\n*.pem\n",
            "**\n!src\n!package*.json\n",
            ".env*\n!.env.example\n**/.env\n",
            "docs/**\n!docs/a\ndocs/a/b.md\n",
            "*/*.pem\n__pycache__\n**/__pycache__/\n",
            "",
        ] {
            let d = di(text);
            let mut ex = d.excluder();
            for _ in 0..2 {
                for f in files {
                    assert_eq!(ex.excludes(f), d.excludes(f), "{text:?} {f}");
                }
            }
        }
    }

    #[test]
    fn character_classes_and_escapes() {
        let d = di("[Dd]ockerfile*\nfile\\*name\nid_[^x]sa\n");
        assert!(d.excludes("dockerfile.dev"));
        assert!(d.excludes("file*name"));
        assert!(!d.excludes("fileXname"));
        assert!(d.excludes("id_rsa"));
        assert!(!d.excludes("id_xsa"));
        // An unclosed class is dropped, not a panic.
        assert!(di("[abc\n").patterns.is_empty());
    }
}
