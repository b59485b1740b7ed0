//! Keeps the built-in rule files consistent: file names, areas, weights, required sections.

use readycheck::model::Severity;
use readycheck::rule::{RuleSet, builtin_sources};

#[test]
fn file_names_match_ids_and_names() {
    let set = RuleSet::load(&[]).unwrap();
    assert!(set.rules.len() >= 12, "only {} rules", set.rules.len());
    for r in &set.rules {
        let file = r.source.rsplit('/').next().unwrap();
        assert_eq!(file, format!("{}-{}.yaml", r.id, r.name), "{}", r.source);
    }
}

#[test]
fn rules_live_in_the_folder_of_their_area() {
    let set = RuleSet::load(&[]).unwrap();
    for r in &set.rules {
        let area = r.id.trim_end_matches(|c: char| c.is_ascii_digit());
        let folder = match area {
            "DOCK" => "docker",
            "COMP" => "compose",
            "KUBE" => "k8s",
            "CONF" => "config",
            "CI" => "ci",
            "TEST" => "tests",
            "DOCS" => "docs",
            "CODE" => "code",
            "HTTP" => "http",
            other => panic!("unknown area {other}"),
        };
        assert!(
            r.source.starts_with(&format!("rules/{folder}/")),
            "{} is in {}",
            r.id,
            r.source
        );
    }
}

#[test]
fn weights_follow_the_severity_convention_or_say_why() {
    let set = RuleSet::load(&[]).unwrap();
    for r in &set.rules {
        if r.weight != r.severity.default_weight() {
            assert!(
                r.weight_reason.is_some(),
                "{} has weight {} for {} without weight_reason",
                r.id,
                r.weight,
                r.severity
            );
        }
        if r.severity == Severity::Info {
            assert_eq!(r.weight, 0, "{}", r.id);
        }
    }
}

#[test]
fn every_rule_documents_why_fix_and_references() {
    let set = RuleSet::load(&[]).unwrap();
    for r in &set.rules {
        assert!(r.why.trim().len() > 80, "{}: why is too thin", r.id);
        assert!(r.fix.trim().len() > 40, "{}: fix is too thin", r.id);
        assert!(
            !r.fix.to_lowercase().starts_with("consider"),
            "{}: fix must say what to do",
            r.id
        );
        assert!(!r.references.is_empty(), "{}: no references", r.id);
    }
}

#[test]
fn every_builtin_file_is_a_rule_or_the_facts_file() {
    let set = RuleSet::load(&[]).unwrap();
    let sources = builtin_sources();
    let rule_files = sources
        .iter()
        .filter(|s| !s.path.ends_with("/facts.yaml"))
        .count();
    assert_eq!(rule_files, set.rules.len());
    assert!(sources.iter().any(|s| s.path == "rules/facts.yaml"));
}

/// CONF007 judges the CORS policies of CONF006 that reflect the origin with credentials,
/// so its table of forms is a selection of CONF006's rows: a form is written once, and a
/// change to it reaches both rules.
#[test]
fn cors_credentials_forms_are_rows_of_the_cors_table() {
    let sources = builtin_sources();
    let params = |id: &str| -> serde_json::Value {
        let src = sources
            .iter()
            .find(|s| s.path.contains(id))
            .unwrap_or_else(|| panic!("no {id}"));
        let rule: serde_json::Value = serde_saphyr::from_str(&src.text).expect("yaml");
        rule["check"]["params"].clone()
    };
    let (all, reflecting) = (params("CONF006-"), params("CONF007-"));
    let rows = all["forms"].as_array().expect("forms");
    for form in reflecting["forms"].as_array().expect("forms") {
        assert!(
            rows.contains(form),
            "CONF007 form {} is not a row of CONF006's table",
            form["name"]
        );
    }
    assert_eq!(all["defaults"], reflecting["defaults"]);
    assert_eq!(all["paths"], reflecting["paths"]);
    assert_eq!(all["exclude"], reflecting["exclude"]);
}
