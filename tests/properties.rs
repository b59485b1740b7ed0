//! Property tests for the invariants the engine relies on: parsers never panic, the score
//! stays in 0–100 and never drops when a finding is fixed, masking hides secrets.

use proptest::prelude::*;
use readycheck::engine::{Outcome, RuleResult};
use readycheck::finding::mask;
use readycheck::parse::dockerfile::Dockerfile;
use readycheck::parse::yaml::{Hit, KeyPath, parse_documents, select};
use readycheck::rule::RuleSet;
use readycheck::score::score;
use std::sync::{Arc, OnceLock};

fn rules() -> &'static RuleSet {
    static SET: OnceLock<RuleSet> = OnceLock::new();
    SET.get_or_init(|| RuleSet::load(&[]).expect("built-in rules load"))
}

fn outcome(code: u8) -> Outcome {
    match code % 4 {
        0 => Outcome::Pass,
        1 => Outcome::Fail,
        2 => Outcome::Skipped("n/a".into()),
        _ => Outcome::Inconclusive("?".into()),
    }
}

fn results(codes: &[u8]) -> Vec<RuleResult> {
    rules()
        .rules
        .iter()
        .zip(codes)
        .map(|(r, &c)| RuleResult {
            rule: Arc::clone(r),
            outcome: outcome(c),
            findings: Vec::new(),
            evidence: Vec::new(),
            judged: 1,
            judged_files: Vec::new(),
            set_aside: Vec::new(),
        })
        .collect()
}

/// YAML-looking text: keys, lists, anchors, flow collections, odd indentation.
fn yamlish() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "[a-z]{1,6}: [a-z0-9\"' ]{0,8}",
        " {0,6}- [a-z0-9]{0,5}",
        " {0,6}[a-z]{1,4}:",
        "&[a-z] \\{a: 1\\}",
        "[a-z]: \\*[a-z]",
        "<<: \\*[a-z]",
        "---",
        "\\[\\{\\]\\}",
        "[\\PC]{0,12}",
    ];
    prop::collection::vec(line, 0..24).prop_map(|l| l.join("\n"))
}

fn dockerfileish() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "FROM [a-z]{1,8}(:[a-z0-9.]{1,6})?( AS [a-z]{1,5})?",
        "(RUN|CMD|ENTRYPOINT|USER|HEALTHCHECK|COPY|ADD|ENV|ARG) [\\PC]{0,20}",
        "RUN <<EOF",
        "EOF",
        "[\\PC]{0,10}\\\\",
        "# escape=`",
        "[\\PC]{0,16}",
    ];
    prop::collection::vec(line, 0..20).prop_map(|l| l.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn yaml_parse_and_key_paths_never_panic(text in yamlish(), path in "[a-z*.\\[\\]0-9\"]{0,16}") {
        if let Ok(docs) = parse_documents(&text)
            && let Ok(kp) = KeyPath::parse(&path)
        {
            for node in &docs {
                let _ = select(Hit { node, key: None, index: None }, &kp.segments);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_parsers(text in "[\\PC\\n]{0,200}") {
        let _ = parse_documents(&text);
        let _ = Dockerfile::parse(&text);
        let _ = KeyPath::parse(&text);
        let _ = readycheck::settings::parse(&text, "x.toml");
    }

    #[test]
    fn dockerfile_parse_never_panics_and_lineage_is_bounded(text in dockerfileish()) {
        if let Ok(df) = Dockerfile::parse(&text) {
            for stage in &df.stages {
                prop_assert!(df.lineage(stage).len() <= df.stages.len());
            }
        }
    }

    #[test]
    fn score_is_bounded_and_fixing_a_rule_never_lowers_it(codes in prop::collection::vec(0u8..4, 64), flip in 0usize..64) {
        let before = results(&codes);
        let s = score(&before);
        if let Some(v) = s.overall.score {
            prop_assert!(v <= 100);
        }
        for t in s.by_category.values() {
            prop_assert!(t.score.is_none_or(|v| v <= 100));
        }
        let n = before.len();
        let i = flip % n;
        if before[i].outcome == Outcome::Fail {
            let mut fixed_codes = codes.clone();
            fixed_codes[i] = 0;
            let after = score(&results(&fixed_codes));
            prop_assert!(after.overall.score.unwrap_or(100) >= s.overall.score.unwrap_or(0),
                "fixing {} lowered the score: {:?} -> {:?}", before[i].rule.id, s.overall.score, after.overall.score);
        }
    }

    #[test]
    fn masking_keeps_length_and_hides_the_middle(secret in "[A-Za-z0-9+/_-]{8,64}") {
        let m = mask(&secret);
        prop_assert_eq!(m.chars().count(), secret.chars().count());
        let shown = m.chars().filter(|c| *c != '*').count();
        prop_assert!(shown <= 8);
        prop_assert!(!m.contains(&secret[2..secret.len() - 4]) || secret.len() < 12);
    }
}
