//! Bad input gets a located diagnostic, never a panic or silence; one bad file or
//! policy never stops the scan of the others.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use opsgate::evaluate::{PolicyOptions, PolicySet};
use opsgate::scan::ScanResult;

fn scan_dir(dir: &Path, options: PolicyOptions) -> ScanResult {
    let set = PolicySet::load(&PolicyOptions {
        today: "2026-11-25".into(),
        ..options
    });
    opsgate::scan::scan(&[dir.to_path_buf()], &set)
}

fn builtins() -> PolicyOptions {
    PolicyOptions {
        builtins: true,
        ..Default::default()
    }
}

fn error_for<'a>(r: &'a ScanResult, name: &str) -> &'a opsgate::scan::InputError {
    r.errors
        .iter()
        .find(|e| e.file.ends_with(name))
        .unwrap_or_else(|| panic!("no error for {name}: {:?}", r.errors))
}

const HEADER: &str = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n";

#[test]
fn invalid_utf8_binary_and_oversized_templates_are_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut latin1 = HEADER.as_bytes().to_vec();
    latin1.extend_from_slice(
        b"  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: caf\xe9\n",
    );
    std::fs::write(dir.path().join("latin1.yaml"), latin1).unwrap();
    let mut binary = HEADER.as_bytes().to_vec();
    binary.extend_from_slice(b"  Q:\n    Type: AWS::SQS::Queue\0\0\x01\x02");
    std::fs::write(dir.path().join("binary.yaml"), binary).unwrap();
    // A binary file that merely has a template extension is not a template.
    std::fs::write(
        dir.path().join("image.json"),
        [0x89u8, b'P', b'N', b'G', 0, 0, 1, 2],
    )
    .unwrap();
    let big = format!(
        "{HEADER}  Q:\n    Type: AWS::SQS::Queue\n#{}\n",
        "x".repeat(21 * 1024 * 1024)
    );
    std::fs::write(dir.path().join("huge.yaml"), big).unwrap();
    std::fs::copy(
        "fixtures/policies/OPS-TEL-001/fail.yaml",
        dir.path().join("ok.yaml"),
    )
    .unwrap();

    let r = scan_dir(dir.path(), builtins());
    let latin1 = error_for(&r, "latin1.yaml");
    assert!(
        latin1.message.contains("invalid UTF-8"),
        "{}",
        latin1.message
    );
    assert_eq!(latin1.position(), Some((6, 21)));
    let binary = error_for(&r, "binary.yaml");
    assert!(binary.message.contains("binary"), "{}", binary.message);
    assert_eq!(binary.position().map(|p| p.0), Some(4));
    assert!(error_for(&r, "huge.yaml")
        .message
        .contains("over the max_file_size limit of 20 MB"));
    assert!(r.skipped.iter().any(|(f, _)| f.ends_with("image.json")));
    assert_eq!(r.errors.len(), 3, "{:?}", r.errors);
    assert_eq!(
        r.units,
        vec![format!("{}", dir.path().join("ok.yaml").display())]
    );
    assert!(!r.findings.is_empty());
}

#[test]
fn alias_bombs_and_deep_nesting_are_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = format!("{HEADER}  Q:\n    Type: AWS::SQS::Queue\nMetadata:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = "a".to_string();
    for n in ["b", "c", "d", "e", "f", "g", "h", "i", "j"] {
        bomb.push_str(&format!(
            "  {n}: &{n} [{}]\n",
            vec![format!("*{prev}"); 10].join(", ")
        ));
        prev = n.to_string();
    }
    std::fs::write(dir.path().join("bomb.yaml"), bomb).unwrap();
    let mut deep = String::from(HEADER);
    deep.push_str("  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags: ");
    deep.push_str(&"[".repeat(100_000));
    std::fs::write(dir.path().join("deep.yaml"), deep).unwrap();
    let mut deep_json = String::from(
        "{\"Resources\": {\"Q\": {\"Type\": \"AWS::SQS::Queue\", \"Properties\": {\"A\": ",
    );
    deep_json.push_str(&"[".repeat(100_000));
    std::fs::write(dir.path().join("deep.json"), deep_json).unwrap();

    let started = Instant::now();
    let r = scan_dir(dir.path(), builtins());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(error_for(&r, "bomb.yaml").message.contains("alias"));
    for name in ["bomb.yaml", "deep.yaml", "deep.json"] {
        assert!(
            error_for(&r, name).position().is_some(),
            "{name} error has no location"
        );
    }
}

#[test]
fn a_policy_that_runs_too_long_is_stopped_and_reported() {
    let policies = tempfile::tempdir().unwrap();
    std::fs::write(
        policies.path().join("slow.rego"),
        "package acme.slow\n\nmetadata := {\"id\": \"ACME-SLOW\", \"title\": \"t\", \"severity\": \"low\", \"area\": \"a\", \"section\": \"s\", \"best_practice\": \"b\", \"description\": \"d\", \"remediation\": {}, \"kinds\": [], \"formats\": [\"cloudformation\"]}\n\nfindings contains f if {\n\tsome r in input.resources\n\tn := count([x | some x in numbers.range(1, 3000); some y in numbers.range(1, 3000); x == y])\n\tn > 0\n\tf := {\"resource\": r.address, \"path\": [], \"message\": \"slow\"}\n}\n",
    )
    .unwrap();
    let templates = tempfile::tempdir().unwrap();
    std::fs::copy(
        "fixtures/policies/OPS-TEL-001/fail.yaml",
        templates.path().join("t.yaml"),
    )
    .unwrap();
    let started = Instant::now();
    let r = scan_dir(
        templates.path(),
        PolicyOptions {
            builtins: true,
            policy_dirs: vec![PathBuf::from(policies.path())],
            eval_timeout: Some(Duration::from_millis(200)),
            ..Default::default()
        },
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let e = error_for(&r, "slow.rego");
    assert!(e.message.contains("ACME-SLOW"), "{}", e.message);
    assert!(
        r.findings.iter().any(|f| &*f.rule == "OPS-TEL-001"),
        "the other policies still ran"
    );
}

#[test]
fn resource_level_problems_keep_the_rest_of_the_template() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.yaml"),
        format!("{HEADER}  NoType:\n    Properties: {{}}\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.8\n"),
    )
    .unwrap();
    let r = scan_dir(dir.path(), builtins());
    let e = error_for(&r, "t.yaml");
    assert_eq!(e.message, "resource `NoType` has no `Type`");
    assert_eq!(e.position(), Some((3, 3)));
    assert!(r
        .findings
        .iter()
        .any(|f| &*f.rule == "OPS-FLOW-001" && &*f.resource == "Fn"));
}

#[test]
fn a_policy_that_cannot_be_compiled_is_left_out_and_the_others_still_run() {
    let policies = tempfile::tempdir().unwrap();
    // `no_such_builtin` does not exist: analysis of the whole engine would fail.
    std::fs::write(
        policies.path().join("broken.rego"),
        "package acme.broken\n\nmetadata := {\"id\": \"ACME-BROKEN\", \"title\": \"t\", \"severity\": \"low\", \"area\": \"a\", \"section\": \"s\", \"best_practice\": \"b\", \"description\": \"d\", \"remediation\": {}, \"kinds\": [], \"formats\": [\"cloudformation\"]}\n\nfindings contains f if {\n\tsome r in input.resources\n\tno_such_builtin(r, [p, v])\n\tf := {\"resource\": r.address, \"path\": [], \"message\": \"m\"}\n}\n",
    )
    .unwrap();
    let set = PolicySet::load(&PolicyOptions {
        builtins: true,
        policy_dirs: vec![PathBuf::from(policies.path())],
        today: "2026-11-25".into(),
        ..Default::default()
    });
    assert_eq!(set.errors.len(), 1, "{:?}", set.errors);
    assert!(set.errors[0].file.ends_with("broken.rego"));
    assert!(set.rule("ACME-BROKEN").is_none());
    assert!(set.rule("OPS-TEL-001").is_some());
    let r = opsgate::scan::scan(
        &[PathBuf::from("fixtures/policies/OPS-TEL-001/fail.yaml")],
        &set,
    );
    assert!(r.findings.iter().any(|f| &*f.rule == "OPS-TEL-001"));
}

/// A custom rule that reports every resource, with `kinds` as given.
fn report_all_policy(dir: &Path, kinds: &str) {
    std::fs::write(
        dir.join("all.rego"),
        format!("package acme.all\n\nmetadata := {{\"id\": \"ACME-ALL\", \"title\": \"t\", \"severity\": \"low\", \"area\": \"a\", \"section\": \"s\", \"best_practice\": \"b\", \"description\": \"d\", \"remediation\": {{}}, \"kinds\": {kinds}, \"formats\": [\"cloudformation\"]}}\n\nfindings contains f if {{\n\tsome r in input.resources\n\tf := {{\"resource\": r.address, \"path\": [], \"message\": \"m\"}}\n}}\n"),
    )
    .unwrap();
}

#[test]
fn a_rule_runs_only_on_units_with_its_kinds_and_must_not_report_others() {
    let policies = tempfile::tempdir().unwrap();
    let templates = tempfile::tempdir().unwrap();
    std::fs::write(
        templates.path().join("queue.yaml"),
        format!("{HEADER}  Q:\n    Type: AWS::SQS::Queue\n"),
    )
    .unwrap();
    std::fs::write(
        templates.path().join("mixed.yaml"),
        format!("{HEADER}  Q:\n    Type: AWS::SQS::Queue\n  T:\n    Type: AWS::SNS::Topic\n"),
    )
    .unwrap();
    let load = |kinds: &str| {
        report_all_policy(policies.path(), kinds);
        PolicyOptions {
            policy_dirs: vec![PathBuf::from(policies.path())],
            ..Default::default()
        }
    };

    // Kinds the units do not have: never evaluated, so no findings and no error.
    let r = scan_dir(templates.path(), load(r#"["aws_lambda_function"]"#));
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert!(r.errors.is_empty(), "{:?}", r.errors);

    // No kinds: every unit, every resource.
    let r = scan_dir(templates.path(), load("[]"));
    assert_eq!(r.findings.len(), 3, "{:?}", r.findings);

    // The topic is reported though `kinds` names only queues: said, with the rule's file.
    let r = scan_dir(templates.path(), load(r#"["aws_sqs_queue"]"#));
    let e = error_for(&r, "all.rego");
    assert!(
        e.message
            .contains("ACME-ALL reported `T` of kind aws_sns_topic"),
        "{}",
        e.message
    );
}
