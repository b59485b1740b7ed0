//! What a string found where a secret could be really is: a reference, a format string, a
//! placeholder, a public identifier, a human-chosen value or one that looks like a real
//! credential. The variable name only says where to look; this decides what was found.

use regex::Regex;
use std::sync::LazyLock;

/// The verdict on one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Not a credential at all; the reason names what it is instead.
    NotSecret(&'static str),
    /// A stand-in a person is meant to replace (`changeme`, `<your-key>`, `xxx`,
    /// `Enter_the_Client_Secret_Here`) or a well-known default word (`postgres`, `secret`).
    Placeholder,
    /// A value a person chose (`you-will-never-guess`): nothing generated leaked, but
    /// used as a default it is a shared secret anyone with the source can read.
    HumanChosen,
    /// Looks like a real credential: generated (long, high entropy, mixed characters) or
    /// a password with mixed character classes.
    RealLooking,
}

/// The thresholds and rule-given patterns the classifier applies.
pub(crate) struct Thresholds<'a> {
    /// Shortest value that can look generated.
    pub(crate) min_length: usize,
    /// Lowest Shannon entropy (bits per character) of a generated value.
    pub(crate) min_entropy: f64,
    /// The rule's placeholder regex.
    pub(crate) placeholders: Option<&'a Regex>,
    /// The rule's regex of values that are not secrets (identifiers, paths).
    pub(crate) ignore_values: Option<&'a Regex>,
}

/// Shannon entropy of a string in bits per character (counted over characters, so a
/// translated label is not inflated by its UTF-8 bytes).
#[must_use]
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts: std::collections::BTreeMap<char, u32> = std::collections::BTreeMap::new();
    let mut n = 0u32;
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = f64::from(n);
    counts
        .values()
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    // `${VAR}`, `$VAR`, `$(cmd)`, `{{ tpl }}`, `<%= erb %>`, `#{ruby}`, `\#(cue)`,
    // `%VAR%`, `!Ref`, env reads written as the value.
    Regex::new(
        r"(?x)\$\{ | ^\$[A-Za-z_(] | \{\{ | <% | \#\{ | \\\#\( | ^%[A-Za-z_][A-Za-z0-9_]*%$ | ^!(?:Ref|Sub|GetAtt)\b
          | \bprocess\.env\b | \bos\.environ\b | \bgetenv\( | \bsecretKeyRef\b",
    )
    .expect("valid regex")
});

static FORMAT_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    // str.format / f-string / Rust / C# fields: `{password_hash}`, `{0}`, `{}`, `{:?}`,
    // and Python %-mapping fields `%(name)s`.
    Regex::new(r"\{(?:[A-Za-z_][\w.]*|\d*)(?:![rsa])?(?::[^{}]*)?\}|%\(\w+\)[sdrif]")
        .expect("valid regex")
});

static PRINTF_SPEC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"%[-+ #0]*\d*(?:\.\d+)?[sdifvqxXu]").expect("valid regex"));

static PATH_OR_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^(?:[a-z][a-z0-9+.\-]*://[^@\s]*$ | /[^\s]* | \./ | \.\./ | ~/ | [a-z]:\\ | classpath: | file: | env: | vault: | arn:aws:)
          | \.(?:json|pem|key|txt|ya?ml|crt|cer|der|p12|pfx|jks|keystore|env|toml|ini|conf|cfg|properties|gpg|asc
               |html?|tmpl|tpl|gohtml|jinja2?|j2|hbs|mustache|ejs|pug|twig|css|svg|png|xml)$",
    )
    .expect("valid regex")
});

static DOTTED_IDENTIFIER: LazyLock<Regex> = LazyLock::new(|| {
    // `styleguide.authentication.services.get_key`, `org.example.PasswordEncoder`.
    Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*){2,}$").expect("valid regex")
});

static VARIABLE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    // `POSTGRES_MONITORING_PASSWORD`: the name of another setting, not its value.
    Regex::new(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$").expect("valid regex")
});

static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
        .expect("valid regex")
});

static UUID_ANYWHERE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
        .expect("valid regex")
});

/// Words that mark a value as a stand-in to be replaced.
const MARKERS: &[&str] = &[
    "your",
    "yours",
    "enter",
    "insert",
    "put",
    "here",
    "replace",
    "change",
    "changeme",
    "changethis",
    "changeit",
    "example",
    "examples",
    "sample",
    "placeholder",
    "dummy",
    "fake",
    "mock",
    "redacted",
    "todo",
    "fixme",
    "tbd",
    "fill",
    "goes",
    "generate",
    "generated",
    "lorem",
    "ipsum",
    "xxx",
    "xxxx",
    "xxxxx",
    "notreal",
    "nottherealone",
    "override",
];

/// Words that, alone or together, make a generic stand-in rather than a chosen secret
/// (`secret_for_refresh`, `dev-secret`, `admin123`, `jwt_key`).
const GENERIC: &[&str] = &[
    "secret",
    "secrets",
    "password",
    "passwd",
    "pass",
    "pwd",
    "passphrase",
    "token",
    "tokens",
    "key",
    "keys",
    "api",
    "apikey",
    "jwt",
    "auth",
    "oauth",
    "test",
    "testing",
    "demo",
    "dev",
    "development",
    "local",
    "localhost",
    "default",
    "admin",
    "administrator",
    "root",
    "user",
    "username",
    "guest",
    "null",
    "none",
    "nil",
    "empty",
    "undefined",
    "value",
    "foo",
    "bar",
    "baz",
    "qux",
    "abc",
    "my",
    "the",
    "a",
    "for",
    "of",
    "refresh",
    "forgot",
    "confirm",
    "email",
    "access",
    "client",
    "app",
    "application",
    "session",
    "cookie",
    "signing",
    "private",
    "hmac",
    "super",
    "sk",
    "pk",
    "id",
    "salt",
    "master",
    "service",
    "server",
    "db",
    "database",
    "postgres",
    "postgresql",
    "mysql",
    "mongo",
    "redis",
    "rabbitmq",
    "guest",
    "minio",
    "minioadmin",
    "sa",
    "pass123",
    "qwerty",
    "asdf",
    "letmein",
    "welcome",
    "hello",
    "changeme",
    "insecure",
    "unsafe",
    "only",
    "do",
    "not",
    "use",
    "in",
    "production",
    "prod",
    "staging",
    "stage",
    "string",
    "str",
    "bearer",
    "basic",
    "mysecret",
    "topsecret",
    "supersecret",
    "verysecret",
];

/// Whether `s` is a run such as `123456`, `654321`, `000000`, `abcdef`, `qwerty`.
fn is_sequence(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 3 {
        return b.iter().all(u8::is_ascii_digit);
    }
    let same = b.iter().all(|&c| c == b[0]);
    let up = b.windows(2).all(|w| w[1] == w[0].wrapping_add(1));
    let down = b.windows(2).all(|w| w[1] == w[0].wrapping_sub(1));
    let keyboard = [
        "qwertyuiop",
        "asdfghjkl",
        "zxcvbnm",
        "1234567890",
        "0987654321",
    ]
    .iter()
    .any(|row| row.contains(s));
    same || up || down || keyboard
}

/// Lower-cased tokens of a value: split at every non-alphanumeric character, at
/// lower→upper case changes and at letter↔digit changes (`Enter_the_ClientSecret2` →
/// `enter the client secret 2`).
fn tokens(v: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev: Option<char> = None;
    for c in v.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            let boundary = (p.is_ascii_lowercase() && c.is_ascii_uppercase())
                || (p.is_ascii_alphabetic() != c.is_ascii_alphabetic());
            if boundary && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c.to_ascii_lowercase());
        prev = Some(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Undoes the usual letter substitutions (`P@ssw0rd` → `password`).
fn unleet(v: &str) -> String {
    v.chars()
        .map(|c| match c {
            '@' | '4' => 'a',
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '5' | '$' => 's',
            '7' => 't',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// A generic word, a run (`123456`, `abcdef`) or a short number (`2024`, `123`).
fn is_generic(t: &str) -> bool {
    GENERIC.contains(&t)
        || is_sequence(t)
        || (t.len() <= 4 && t.chars().all(|c| c.is_ascii_digit()))
}

/// Whether the value is made of dictionary-looking words (each token alphabetic, long
/// enough and pronounceable), as a person writes it, not as a generator emits it.
fn word_like(toks: &[String]) -> bool {
    if toks.is_empty()
        || toks
            .iter()
            .any(|t| !t.chars().all(|c| c.is_ascii_alphabetic()))
    {
        return false;
    }
    let long: Vec<&String> = toks.iter().filter(|t| t.len() >= 3).collect();
    let vowelled = long
        .iter()
        .filter(|t| t.chars().any(|c| "aeiouy".contains(c)))
        .count();
    let letters: usize = toks.iter().map(String::len).sum();
    !long.is_empty() && vowelled * 4 >= long.len() * 3 && letters >= toks.len() * 3
}

/// Decodes standard base64 (with padding) when the result is printable ASCII: the
/// `data:` of a Kubernetes Secret (`cGFzc3dvcmQ=`) is judged by what it encodes.
fn printable_base64(v: &str) -> Option<String> {
    let b = v.as_bytes();
    if b.len() < 8 || !b.len().is_multiple_of(4) {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    let body = v.trim_end_matches('=');
    if b.len() - body.len() > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in body.as_bytes() {
        acc = (acc << 6) | val(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    let text = String::from_utf8(out).ok()?;
    (text.len() >= 4 && text.bytes().all(|c| (0x20..0x7f).contains(&c))).then_some(text)
}

/// Whether every `%` of the value opens a printf conversion (`postgres://%s:%s@%s`), so a
/// generated key that happens to contain `%s` between other `%` signs is not a template.
fn printf_template(v: &str) -> bool {
    let specs = PRINTF_SPEC.find_iter(v).count();
    specs > 0 && specs == v.matches('%').count()
}

/// Symbols that prose does not use in runs: a value with spaces and three of them is a
/// passphrase (`A String Very Strong!!@##$`), not a sentence.
fn symbol_rich(v: &str) -> bool {
    let mut seen: Vec<char> = v
        .chars()
        .filter(|c| "!@#$%^&*+=~|\\<>?;{}[]".contains(*c))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len() >= 3
}

/// Classifies a value found where a secret could be.
pub(crate) fn classify(value: &str, t: &Thresholds<'_>) -> Class {
    classify_inner(value, t, true)
}

fn classify_inner(value: &str, t: &Thresholds<'_>, decode: bool) -> Class {
    let v = value.trim();
    if v.is_empty() {
        return Class::NotSecret("empty");
    }
    if REFERENCE.is_match(v) {
        return Class::NotSecret("a reference to another value");
    }
    if FORMAT_FIELD.is_match(v) || printf_template(v) {
        return Class::NotSecret("a format string");
    }
    if PATH_OR_URL.is_match(v) || DOTTED_IDENTIFIER.is_match(v) || VARIABLE_NAME.is_match(v) {
        return Class::NotSecret("a path, URL or identifier");
    }
    if v.chars().any(|c| !c.is_ascii() && c.is_alphabetic()) {
        return Class::NotSecret("prose");
    }
    if v.contains(char::is_whitespace) && !symbol_rich(v) {
        return Class::NotSecret("prose");
    }
    if t.placeholders.is_some_and(|p| p.is_match(v)) {
        return Class::Placeholder;
    }
    if t.ignore_values.is_some_and(|r| r.is_match(v)) {
        return Class::NotSecret("an identifier");
    }
    if decode && let Some(text) = printable_base64(v) {
        return match classify_inner(&text, t, false) {
            Class::NotSecret(_) => Class::Placeholder,
            other => other,
        };
    }
    let toks = tokens(v);
    if toks.is_empty() || v.chars().all(|c| c == v.chars().next().unwrap_or(' ')) {
        return Class::Placeholder;
    }
    if toks.iter().any(|t| MARKERS.contains(&t.as_str()))
        && (word_like(&toks) || toks.len() > 1)
        && toks.iter().all(|t| t.len() <= 12)
    {
        return Class::Placeholder;
    }
    if toks.iter().all(|t| is_generic(t)) || tokens(&unleet(v)).iter().all(|t| is_generic(t)) {
        return Class::Placeholder;
    }
    // One word of letters: a well-known default (`postgres`, `sentry`, `petclinic`) or a
    // generic word run together (`supersecretmedchat`).
    if toks.len() == 1 && v.chars().all(|c| c.is_ascii_alphabetic()) {
        let w = &toks[0];
        if w.len() <= 10
            || ["secret", "password", "pass", "token", "key"]
                .iter()
                .any(|g| w.contains(g))
        {
            return Class::Placeholder;
        }
    }
    let n = v.chars().count();
    let classes = [
        v.chars().any(|c| c.is_ascii_lowercase()),
        v.chars().any(|c| c.is_ascii_uppercase()),
        v.chars().any(|c| c.is_ascii_digit()),
        v.chars()
            .any(|c| !c.is_ascii_alphanumeric() && !c.is_whitespace()),
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    let generated = n >= t.min_length && shannon_entropy(v) >= t.min_entropy && !word_like(&toks);
    // A password a person chose but that mixes every kind of character (`Swain@123`,
    // a passphrase with symbols) reads as real too.
    let password_like =
        n >= 8 && classes >= 3 && (v.chars().any(|c| c.is_ascii_digit()) || symbol_rich(v));
    if generated || password_like {
        Class::RealLooking
    } else {
        Class::HumanChosen
    }
}

/// Key shapes that providers document as meant to ship in clients.
const PUBLIC_KEY_PREFIXES: &[(&str, &str)] = &[
    ("phc_", "a PostHog project API key (public by design)"),
    ("pk_live_", "a Stripe publishable key (public by design)"),
    ("pk_test_", "a Stripe publishable key (public by design)"),
];

/// Why a value, judged with its variable and surroundings, is a public identifier rather
/// than a secret: a UUID held by a "password" name or listed among other UUIDs (passkey
/// authenticator AAGUIDs such as `OnePassword = "bada5566-…"`), a value whose name says it
/// is public (`NEXT_PUBLIC_…`, `publishable_key`), a Firebase web API key, which Google
/// documents as public by design, or a PostHog project key or Stripe publishable key.
pub(crate) fn public_identifier(
    value: &str,
    var: &str,
    text: &str,
    offset: usize,
) -> Option<&'static str> {
    let lower = var.to_ascii_lowercase();
    if lower.contains("public") || lower.contains("publishable") {
        return Some("named public");
    }
    if spells_its_name(value, var) {
        return Some("the value spells its variable's name (a header, cookie or message key)");
    }
    let (before, after) = neighbourhood(text, offset, 3);
    if UUID.is_match(value) {
        let password_name = ["password", "passwd", "pwd", "pass"]
            .iter()
            .any(|w| lower.ends_with(w));
        let others =
            UUID_ANYWHERE.find_iter(before).count() + UUID_ANYWHERE.find_iter(after).count();
        if password_name || others >= 2 {
            return Some("a UUID identifier");
        }
    }
    if let Some((_, what)) = PUBLIC_KEY_PREFIXES
        .iter()
        .find(|(p, _)| value.starts_with(p))
    {
        return Some(what);
    }
    if value.starts_with("AIza") {
        let (before, after) = neighbourhood(text, offset, 8);
        let firebase = |s: &str| {
            s.contains("authDomain")
                || s.contains("messagingSenderId")
                || s.contains("firebaseapp.com")
        };
        if firebase(before) || firebase(after) {
            return Some("a Firebase web API key (public by design)");
        }
    }
    None
}

/// Whether a value is its variable's own name spelt another way: `XSRF_TOKEN =
/// "XSRF-TOKEN"` (a cookie or header name), `MISSING_STRIPE_TOKEN =
/// "error.MISSING_STRIPE_TOKEN"` (a message key). The name must have two parts at least, and
/// the value no digit the name lacks, so `admin_password = "adminpassword1"` is still judged.
fn spells_its_name(value: &str, var: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let (name, v) = (norm(var), norm(value));
    let parts = tokens(var).len();
    let digit_extra = v
        .chars()
        .filter(char::is_ascii_digit)
        .any(|d| !name.contains(d));
    parts >= 2 && name.len() >= 6 && !digit_extra && v.contains(&name)
}

/// The text of up to `lines` lines before and after the line holding `offset` (that line
/// itself excluded).
fn neighbourhood(text: &str, offset: usize, lines: usize) -> (&str, &str) {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let mut start = line_start;
    for _ in 0..lines {
        if start == 0 {
            break;
        }
        start = text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
    }
    let mut end = line_end;
    for _ in 0..lines {
        if end >= text.len() {
            break;
        }
        end = text[end + 1..]
            .find('\n')
            .map_or(text.len(), |i| end + 1 + i);
    }
    (&text[start..line_start], &text[line_end..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Thresholds<'static> {
        Thresholds {
            min_length: 10,
            min_entropy: 3.2,
            placeholders: None,
            ignore_values: None,
        }
    }

    fn c(v: &str) -> Class {
        classify(v, &t())
    }

    #[test]
    fn entropy_is_bits_per_char() {
        assert!(shannon_entropy("") == 0.0);
        assert!(shannon_entropy("aaaa") == 0.0);
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
        assert!(shannon_entropy("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz") > 4.0);
    }

    #[test]
    fn values_are_real_looking_human_chosen_or_placeholders() {
        let cases: [(Class, &[&str]); 3] = [
            (
                Class::RealLooking,
                &[
                    "ub9V6ntqsC57Uzp2",
                    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
                    "=ug_ucl@yi6^mrcjyz%(u0%&g2adt#bz3@yos%#@*t#t!ypx=a",
                    "Qm9yZWQ1Njc4OTAhQCM",
                    "Zx9!kQ2#mP7vLw4$",
                    "django-insecure-7f$k2!q9x@w3m#z1p8r0v6t5y4u",
                    "9f8e7d6c5b4a3f2e1d0c",
                    "A String Very Very Very Strong!!@##$!@#$",
                    "Swain@123",
                ],
            ),
            (
                Class::HumanChosen,
                &[
                    "you-will-never-guess",
                    "super-long-and-secret-random-key-needed-to-verify-message-integrity",
                    "lifetrack-secret",
                    "======================BezKoder=Spring===========================",
                ],
            ),
            (
                Class::Placeholder,
                &[
                    "Enter_the_Client_Secret_Here",
                    "your-secret-key-change-in-production",
                    "example_secret",
                    "secret_for_refresh",
                    "dev-secret",
                    "changeme",
                    "secret",
                    "postgres",
                    "supersecretmedchat",
                    "123456",
                    "123456abcdef",
                    "P@ssw0rd",
                    "Admin@123",
                    "xxxxxxxxxxxx",
                    "cGFzc3dvcmQ=",
                    "U0VDUkVUU0VDUkVU",
                    "my-secret-token",
                    "sk-dummy",
                ],
            ),
        ];
        for (want, values) in cases {
            for v in values {
                assert_eq!(c(v), want, "{v}");
            }
        }
    }

    #[test]
    fn references_formats_and_prose_are_not_secrets() {
        for v in [
            "",
            "${JWT_SECRET}",
            "$DB_PASSWORD",
            "{{ .Values.password }}",
            "{password_hash}",
            "{0}",
            "%(db_password)s",
            "postgres://%s:%s@%s/db",
            "\\#(password)",
            "Invalid token, please try again.",
            "Passwort zurücksetzen",
            "/run/secrets/db-password",
            "https://oauth2.googleapis.com/token",
            "styleguide_example.authentication.services.auth_user_get_jwt_secret_key",
            "secrets/jwt.pem",
            "POSTGRES_MONITORING_PASSWORD",
        ] {
            assert!(matches!(c(v), Class::NotSecret(_)), "{v}: {:?}", c(v));
        }
    }

    #[test]
    fn uuids_among_uuids_or_under_password_names_are_identifiers() {
        let table = "const (\n  ICloudKeychain = \"fbfc3007-154e-4ecc-8c0b-6e020557d7bd\"\n  GooglePasswordManager = \"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4\"\n  OnePassword = \"bada5566-a7aa-401f-bd96-45619a55120d\"\n)\n";
        let at = table.find("bada5566").unwrap();
        assert!(
            public_identifier(
                "bada5566-a7aa-401f-bd96-45619a55120d",
                "OnePassword",
                table,
                at
            )
            .is_some()
        );
        let lone = "api_key = \"bada5566-a7aa-401f-bd96-45619a55120d\"\n";
        assert!(
            public_identifier("bada5566-a7aa-401f-bd96-45619a55120d", "api_key", lone, 11)
                .is_none()
        );
        assert!(public_identifier("x", "NEXT_PUBLIC_API_KEY", "", 0).is_some());
    }

    #[test]
    fn a_value_spelling_its_name_is_a_name() {
        assert!(spells_its_name("XSRF-TOKEN", "XSRF_TOKEN"));
        assert!(spells_its_name(
            "error.STEP_2_MISSING_STRIPE_TOKEN",
            "STEP_2_MISSING_STRIPE_TOKEN"
        ));
        assert!(!spells_its_name("adminpassword1", "admin_password"));
        assert!(!spells_its_name("password123!", "password"));
        assert!(!spells_its_name("k8Hq2mZ9xP4wL7vR", "API_TOKEN"));
        let t = t();
        assert!(
            matches!(c("password.html"), Class::NotSecret(_)),
            "{:?}",
            classify("password.html", &t)
        );
    }

    #[test]
    fn tokens_split_case_digits_and_punctuation() {
        assert_eq!(
            tokens("Enter_the_ClientSecret2"),
            ["enter", "the", "client", "secret", "2"]
        );
        assert!(printable_base64("cGFzc3dvcmQ=").as_deref() == Some("password"));
        assert!(printable_base64("ub9V6ntqsC57Uzp2").is_none());
    }
}
