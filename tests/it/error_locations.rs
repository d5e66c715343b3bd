//! Errors point at their cause: the line and column of what is left open or
//! mistyped (asserted through the JSON report's `errors[]` and the human output),
//! and a mistyped name gets "did you mean" instead of the whole list.

use std::path::Path;

use assert_cmd::Command;
use serde_json::{json, Value as J};

fn opsgate(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("opsgate").unwrap();
    c.current_dir(dir)
        .env("OPSGATE_TODAY", "2026-11-25")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "200")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY");
    c
}

/// A folder holding `files` (path, text).
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Scans `.` in `dir` as JSON (with `args`); returns the exit code and the report.
fn scan_json(dir: &Path, args: &[&str]) -> (i32, J) {
    let out = opsgate(dir)
        .args(["scan", ".", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).expect("a JSON report");
    (out.status.code().unwrap(), report)
}

/// Scans `.` in `dir` in the human format; returns stdout and stderr.
fn scan_human(dir: &Path, args: &[&str]) -> (String, String) {
    let out = opsgate(dir)
        .args(["scan", ".", "--no-color"])
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn error(file: &str, line: usize, column: usize, message: &str) -> J {
    json!({"file": file, "line": line, "column": column, "message": message})
}

const HEADER: &str = "AWSTemplateFormatVersion: \"2010-09-09\"\n";

#[test]
fn an_unclosed_yaml_flow_collection_points_at_its_bracket() {
    let dir = folder(&[
        (
            "map.yaml",
            &format!("{HEADER}Resources: {{A: {{Type: AWS::SNS::Topic}}\n"),
        ),
        (
            "seq.yaml",
            &format!("{HEADER}Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties:\n      Subscription: [a, b\n# the end\n"),
        ),
        // Open, with more after it: the error is where the parser stopped, and
        // names where the mapping starts.
        (
            "middle.yaml",
            &format!("{HEADER}Resources: {{A: {{Type: AWS::SNS::Topic}}\nOutputs: {{}}\n"),
        ),
    ]);
    let (code, report) = scan_json(dir.path(), &[]);
    assert_eq!(code, 2);
    assert_eq!(
        report["errors"],
        json!([
            error(
                "map.yaml",
                2,
                12,
                "invalid YAML: this flow mapping is never closed; expected `,` or `}` before the end of the file"
            ),
            error(
                "middle.yaml",
                3,
                1,
                "invalid YAML: while parsing a flow mapping, did not find expected ',' or '}'"
            ),
            error(
                "seq.yaml",
                6,
                21,
                "invalid YAML: this flow sequence is never closed; expected `,` or `]` before the end of the file"
            ),
        ])
    );
    let (out, _) = scan_human(dir.path(), &[]);
    assert!(
        out.contains("╭─[middle.yaml:3:1]")
            && out.contains("╰── in the flow mapping that starts here"),
        "{out}"
    );
    assert!(out.contains("╭─[map.yaml:2:12]"), "{out}");
}

#[test]
fn an_unclosed_yaml_quote_points_at_the_opening_quote() {
    let dir = folder(&[(
        "t.yaml",
        &format!("{HEADER}Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: \"abc\n      DisplayName: x\n"),
    )]);
    let (code, report) = scan_json(dir.path(), &[]);
    assert_eq!(code, 2);
    assert_eq!(
        report["errors"],
        json!([error(
            "t.yaml",
            6,
            18,
            "invalid YAML: this quoted string is never closed (the file ends inside it)"
        )])
    );
}

#[test]
fn an_unclosed_hcl_block_bracket_or_heredoc_points_at_what_is_left_open() {
    let dir = folder(&[
        // The second block parses as nested in the first, so the parser fails at
        // the end of the file; the first block is what is left open.
        (
            "block/main.tf",
            "resource \"aws_sns_topic\" \"a\" {\n  name = \"x\"\n\nresource \"aws_sqs_queue\" \"q\" {\n  name = \"y\"\n}\n",
        ),
        (
            "list/main.tf",
            "resource \"aws_sns_topic\" \"a\" {\n  name = \"x\"\n}\n\nlocals {\n  names = [\"a\",\n    \"b\"\n",
        ),
        (
            "heredoc/main.tf",
            "resource \"aws_sns_topic\" \"a\" {\n  policy = <<-EOT\n    {}\n  EOF\n}\n",
        ),
        (
            "call/main.tf",
            "locals {\n  tags = merge(var.a, {\n    Owner = \"x\"\n  }\n}\n",
        ),
    ]);
    let (code, report) = scan_json(dir.path(), &[]);
    assert_eq!(code, 2);
    assert_eq!(
        report["errors"],
        json!([
            error(
                "block/main.tf",
                1,
                1,
                "invalid HCL: this block is never closed; expected `}` before the end of the file"
            ),
            error(
                "call/main.tf",
                2,
                15,
                "invalid HCL: this `(` is not closed; expected `)` before the `}` on line 5"
            ),
            error(
                "heredoc/main.tf",
                2,
                12,
                "invalid HCL: this heredoc is never closed; expected a line `EOT` before the end of the file"
            ),
            error(
                "list/main.tf",
                6,
                11,
                "invalid HCL: this list `[` is never closed; expected `]` before the end of the file"
            ),
        ])
    );
    let (out, _) = scan_human(dir.path(), &[]);
    assert!(out.contains("╭─[block/main.tf:1:1]"), "{out}");
    assert!(
        out.contains("resource \"aws_sns_topic\" \"a\" {\n   · ───────────────┬──────────────"),
        "the label spans the block's header: {out}"
    );
}

const METADATA: &str = "metadata := {\"id\": \"ACME-1\", \"title\": \"t\", \"severity\": \"low\", \"area\": \"a\", \"section\": \"s\", \"best_practice\": \"b\", \"description\": \"d\", \"remediation\": {}, \"kinds\": [], \"formats\": [\"cloudformation\"]}";

#[test]
fn a_rego_syntax_error_is_located_in_the_policy_with_regorus_message() {
    let dir = folder(&[
        (
            "t.yaml",
            &format!("{HEADER}Resources:\n  T:\n    Type: AWS::SNS::Topic\n"),
        ),
        // An object left open: regorus stops two lines later, at `findings`.
        (
            "policies/open.rego",
            "package acme.open\n\nmetadata := {\"id\": \"ACME-1\"\n\nfindings contains f if {\n  f := 1\n}\n",
        ),
        // A missing operand: regorus stops at the `}` of the next line.
        (
            "policies/operand.rego",
            &format!("package acme.operand\n\n{METADATA}\n\nfindings contains f if {{\n  some r in input.resources\n  r.type ==   # compared with nothing\n\n}}\n"),
        ),
        // Where regorus' position is the cause, it is kept.
        (
            "policies/string.rego",
            "package acme.string\n\nx := \"abc\ny := 1\n",
        ),
    ]);
    let (code, report) = scan_json(dir.path(), &["--policy-dir", "policies"]);
    assert_eq!(code, 2);
    assert_eq!(
        report["errors"],
        json!([
            error(
                "policies/open.rego",
                3,
                13,
                "left out, it cannot be parsed: this `{` is never closed (expecting `}` while parsing object)"
            ),
            error(
                "policies/operand.rego",
                7,
                12,
                "left out, it cannot be parsed: expecting expression"
            ),
            error(
                "policies/string.rego",
                3,
                10,
                "left out, it cannot be compiled: invalid character in string"
            ),
        ])
    );
    // In the one miette style, in a scan and in `opsgate rules`.
    let (out, _) = scan_human(dir.path(), &["--policy-dir", "policies"]);
    assert!(
        out.contains("× error: policies/open.rego: left out, it cannot be parsed: this `{` is never closed (expecting `}` while parsing object)\n   ╭─[policies/open.rego:3:13]"),
        "{out}"
    );
    let out = opsgate(dir.path())
        .args(["rules", "--policy-dir", "policies"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("╭─[policies/operand.rego:7:12]"),
        "{stderr}"
    );
    assert!(!stderr.contains("-->"), "{stderr}");
}

#[test]
fn a_missing_local_module_source_is_an_error_on_its_source_line() {
    let dir = folder(&[
        (
            "main.tf",
            "module \"worker\" {\n  source = \"./modulez/worker\"\n}\n\nmodule \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\n\nmodule \"typo\" {\n  source = \"./modules/wroker\"\n}\n\nresource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n",
        ),
        ("modules/worker/main.tf", "resource \"aws_sns_topic\" \"t\" {}\n"),
    ]);
    let (code, report) = scan_json(dir.path(), &[]);
    assert_eq!(code, 2, "an error, not a note");
    assert_eq!(
        report["errors"],
        json!([
            error(
                "main.tf",
                2,
                12,
                "module source `./modulez/worker` does not exist (no directory modulez/worker)"
            ),
            error(
                "main.tf",
                10,
                12,
                "module source `./modules/wroker` does not exist (no directory modules/wroker); did you mean `./modules/worker`?"
            ),
        ])
    );
    // The rest of the module is still checked.
    let resources: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["resource"].as_str().unwrap())
        .collect();
    assert!(resources.contains(&"aws_sqs_queue.q"), "{resources:?}");
    // A registry module that is not downloaded stays a --verbose note.
    let (out, _) = scan_human(dir.path(), &["--verbose"]);
    assert!(
        out.contains("note: module.vpc: module source \"terraform-aws-modules/vpc/aws\" is not available locally"),
        "{out}"
    );
    assert!(!out.contains("module.worker: module source"), "{out}");
}

#[test]
fn a_mistyped_rule_id_gets_did_you_mean_not_the_catalogue() {
    let dir = folder(&[]);
    let explain = |rule: &str| {
        let out = opsgate(dir.path())
            .args(["explain", rule])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8(out.stderr).unwrap()
    };
    assert_eq!(
        explain("OPS-TEL-01"),
        "error: no rule `OPS-TEL-01`; did you mean `OPS-TEL-001`?\n"
    );
    assert_eq!(
        explain("ops-evt-0001"),
        "error: no rule `ops-evt-0001`; did you mean `OPS-EVT-001`?\n"
    );
    assert_eq!(
        explain("NOPE"),
        "error: no rule `NOPE`; `opsgate rules` lists them\n"
    );
}

#[test]
fn config_typos_get_did_you_mean_on_their_line() {
    let dir = folder(&[(
        "t.yaml",
        &format!("{HEADER}Resources:\n  T:\n    Type: AWS::SNS::Topic\n"),
    )]);
    for (toml, at, message) in [
        (
            "fail_on = \"high\"\nexlude = [\"x\"]\n",
            "opsgate.toml:2:1",
            "unknown key `exlude`; did you mean `exclude`?",
        ),
        (
            "[rules]\nseverity = { \"OPS-ORG-01\" = \"low\" }\n",
            "opsgate.toml:2:14",
            "unknown rule `OPS-ORG-01`; did you mean `OPS-ORG-001`?",
        ),
        (
            "[rules.\"OPS-ORG-001\"]\nrequired_tag = [\"Owner\"]\n",
            "opsgate.toml:2:1",
            "rule OPS-ORG-001 has no parameter `required_tag`; did you mean `required_tags`?",
        ),
        (
            "[[exceptions]]\nrule = \"OPS-ORG-0001\"\nresource = \"*\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n",
            "opsgate.toml:2:8",
            "unknown rule `OPS-ORG-0001`; did you mean `OPS-ORG-001`?",
        ),
    ] {
        std::fs::write(dir.path().join("opsgate.toml"), toml).unwrap();
        let (out, err) = scan_human(dir.path(), &[]);
        assert_eq!(out, "", "{toml}");
        assert!(
            err.contains(&format!("× error: opsgate.toml: {message}\n")),
            "{toml}: {err}"
        );
        assert!(err.contains(&format!("╭─[{at}]")), "{toml}: {err}");
        assert!(!err.contains("OPS-DEP-001"), "no list: {err}");
    }
}

#[test]
fn a_mistyped_rule_in_an_inline_ignore_gets_did_you_mean() {
    let dir = folder(&[(
        "t.yaml",
        &format!("{HEADER}Resources:\n  # opsgate:ignore OPS-ORG-01 -- tagged by the pipeline\n  T:\n    Type: AWS::SNS::Topic\n"),
    )]);
    let (code, report) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "OPS-META-001")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        ["opsgate:ignore names `OPS-ORG-01`, which is not a rule; did you mean `OPS-ORG-001`?"]
    );
}
