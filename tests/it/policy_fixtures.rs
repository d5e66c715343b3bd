//! Every built-in rule against its fixtures: exact findings (rule, resource, line,
//! and severity where named) for failing, passing and unknown-value templates.

use std::path::Path;

use opsgate::evaluate::{PolicyOptions, PolicySet};

#[test]
fn every_rule_matches_its_fixtures() {
    let policies = PolicySet::load(&PolicyOptions {
        today: "2026-11-25".into(),
        builtins: true,
        ..Default::default()
    });
    assert!(
        policies.errors.is_empty(),
        "policy errors: {:?}",
        policies.errors
    );
    assert!(!policies.rules.is_empty());
    let mut checked = 0;
    let failures = opsgate::fixtures::run(&policies, Path::new("fixtures/policies"), &mut checked);
    let report: Vec<String> = failures
        .iter()
        .map(|f| format!("{} {}: {}", f.rule, f.file, f.message))
        .collect();
    assert!(
        failures.is_empty(),
        "{} fixture failures:\n{}",
        failures.len(),
        report.join("\n")
    );
    assert!(
        checked >= 5 * policies.rules.len(),
        "only {checked} fixture files checked"
    );
}
