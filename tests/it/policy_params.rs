//! Configured rule parameters reach the policies through `data.opsgate.config.rules`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use opsgate::evaluate::{PolicyOptions, PolicySet};
use serde_json::json;

fn findings(rule: &str, file: &str, params: serde_json::Value) -> Vec<(String, usize, String)> {
    let mut rule_params = BTreeMap::new();
    rule_params.insert(rule.to_string(), params);
    let set = PolicySet::load(&PolicyOptions {
        today: "2026-11-25".into(),
        builtins: true,
        rule_params,
        ..Default::default()
    });
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    let result = opsgate::scan::scan(&[PathBuf::from(file)], &set);
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    result
        .findings
        .into_iter()
        .filter(|f| &*f.rule == rule)
        .map(|f| {
            (
                f.resource.to_string(),
                f.start.line,
                f.severity.as_str().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_longer_minimum_retention_fails_shorter_retention() {
    let pass = "fixtures/policies/OPS-EVO-001/pass.yaml";
    assert_eq!(findings("OPS-EVO-001", pass, json!({})), vec![]);
    assert!(!findings("OPS-EVO-001", pass, json!({"min_retention_days": 3653})).is_empty());
}

#[test]
fn a_custom_runbook_pattern_replaces_the_default() {
    let pass = "fixtures/policies/OPS-EVT-002/pass.yaml";
    assert_eq!(findings("OPS-EVT-002", pass, json!({})), vec![]);
    let strict = findings(
        "OPS-EVT-002",
        pass,
        json!({"runbook_pattern": "^https://runbooks\\.acme\\.example/"}),
    );
    assert!(!strict.is_empty());
}

#[test]
fn a_longer_warning_window_turns_supported_runtimes_medium() {
    let pass = "fixtures/policies/OPS-FLOW-001/pass.yaml";
    assert_eq!(findings("OPS-FLOW-001", pass, json!({})), vec![]);
    let wide = findings("OPS-FLOW-001", pass, json!({"warning_days": 3650}));
    assert!(!wide.is_empty());
    assert!(wide.iter().all(|(_, _, sev)| sev == "medium"), "{wide:?}");
}

#[test]
fn required_tags_and_stack_tags_are_configurable() {
    let pass = "fixtures/policies/OPS-ORG-001/pass.yaml";
    let fail = "fixtures/policies/OPS-ORG-001/fail.yaml";
    let two = json!({"required_tags": ["Owner", "CostCenter"]});
    // Every taggable resource of the passing template lacks CostCenter.
    let with_cost_center: Vec<String> = findings("OPS-ORG-001", pass, two)
        .into_iter()
        .map(|(resource, _, _)| resource)
        .collect();
    assert_eq!(
        with_cost_center,
        ["OrdersTable", "SharedFiles", "OrdersConfig"]
    );
    // Owner supplied by the stack at deploy time: nothing left to report, also for
    // the resource whose own Owner tag is empty.
    let stack = json!({"stack_tags": ["Owner"]});
    assert_eq!(findings("OPS-ORG-001", fail, stack), vec![]);
    // Stack tags are a CloudFormation notion: Terraform still needs the tag.
    let tf = "fixtures/policies/OPS-ORG-001/terraform/fail";
    assert_eq!(
        findings("OPS-ORG-001", tf, json!({"stack_tags": ["Owner"]})).len(),
        4
    );
}
