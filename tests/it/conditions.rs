//! CloudFormation `Conditions`, evaluated over literals and the parameters'
//! defaults: a resource whose `Condition` is false does not exist (not checked, no
//! edges to it, `--verbose` names it), `Fn::If` takes the branch a known condition
//! picks (`AWS::NoValue` there removes the property), and a condition that depends on
//! a parameter without a default or a pseudo parameter is unknown: its `Fn::If` is an
//! unknown value, which never fails, and its resource is checked as it may exist.
//! Deploy-time parameter files (`--cfn-parameters`, `[cloudformation]
//! parameter_files`) win over the defaults.

use std::path::Path;

use assert_cmd::Command;
use serde_json::{json, Value as J};

fn opsgate(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("opsgate").unwrap();
    c.current_dir(dir)
        .env("OPSGATE_TODAY", "2026-11-25")
        .env("NO_COLOR", "1");
    c
}

/// `template` written to `t.yaml` in a new directory.
fn template(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.yaml"), text).unwrap();
    dir
}

/// (rule, resource, line) of each finding of a scan of `t.yaml`.
fn findings(dir: &Path) -> Vec<(String, String, u64)> {
    let out = opsgate(dir)
        .args(["scan", "t.yaml", "--format", "json"])
        .output()
        .unwrap();
    let report: J = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"], json!([]));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["resource"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn input(dir: &Path) -> J {
    let out = opsgate(dir).args(["input", "t.yaml"]).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn rows(list: &[(&str, &str, u64)]) -> Vec<(String, String, u64)> {
    list.iter()
        .map(|(r, id, l)| (r.to_string(), id.to_string(), *l))
        .collect()
}

const NEVER: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Conditions:
  Never: !Equals [true, false]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Condition: Never
    Properties:
      BillingMode: PAY_PER_REQUEST
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
  Dlq:
    Type: AWS::SQS::Queue
    Condition: Never
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !If [Never, a, b]
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dlq.Arn
        maxReceiveCount: 3
"#;

/// The issue's repro: a table whose condition is always false is not reported
/// (it was: OPS-DEP-001/002/004); nor is a queue that is not created, and a
/// reference to it is no edge.
#[test]
fn a_resource_whose_condition_is_false_does_not_exist() {
    let dir = template(NEVER);
    assert_eq!(findings(dir.path()), rows(&[("OPS-ORG-001", "Queue", 15)]));
    let i = input(dir.path());
    let ids: Vec<&String> = i["resources"].as_object().unwrap().keys().collect();
    assert_eq!(ids, ["Queue"]);
    assert_eq!(i["resources"]["Queue"]["properties"]["QueueName"], "b");
    assert_eq!(i["edges"], json!([]));
    let out = opsgate(dir.path())
        .args(["scan", "t.yaml", "--verbose"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("note: t.yaml: Table is not created (its Condition Never is false with the parameters' defaults); not checked"),
        "{text}"
    );
}

const ALB: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  LogBucket:
    Type: String
    Default: ''
Conditions:
  HasLogBucket: !Not [!Equals [!Ref LogBucket, '']]
Resources:
  Lb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Type: application
      Subnets: [subnet-1, subnet-2]
      Tags: [{Key: Owner, Value: team}]
      LoadBalancerAttributes:
        - Key: access_logs.s3.enabled
          Value: !If [HasLogBucket, 'true', 'false']
        - !If
          - HasLogBucket
          - Key: access_logs.s3.bucket
            Value: !Ref LogBucket
          - !Ref AWS::NoValue
"#;

/// The issue's repro: access logs off with the default parameters are a finding
/// (OPS-TEL-015 on the `Fn::If`'s line); the `AWS::NoValue` branch removes the item.
/// With a bucket given as the default, the other branch is taken and it passes.
#[test]
fn fn_if_takes_the_branch_that_the_parameters_defaults_pick() {
    let dir = template(ALB);
    assert_eq!(
        findings(dir.path()),
        rows(&[("OPS-HLT-003", "Lb", 9), ("OPS-TEL-015", "Lb", 17)])
    );
    let i = input(dir.path());
    assert_eq!(
        i["resources"]["Lb"]["properties"]["LoadBalancerAttributes"],
        json!([{"Key": "access_logs.s3.enabled", "Value": "false"}])
    );
    let dir = template(&ALB.replace("Default: ''", "Default: my-logs"));
    assert_eq!(findings(dir.path()), rows(&[("OPS-HLT-003", "Lb", 9)]));
    assert_eq!(
        input(dir.path())["resources"]["Lb"]["properties"]["LoadBalancerAttributes"],
        json!([
            {"Key": "access_logs.s3.enabled", "Value": "true"},
            {"Key": "access_logs.s3.bucket", "Value": "my-logs"}
        ])
    );
}

const UNKNOWN: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Condition: IsProd
    Properties:
      BillingMode: PAY_PER_REQUEST
      PointInTimeRecoverySpecification:
        PointInTimeRecoveryEnabled: !If [IsProd, true, false]
      Tags: [{Key: Owner, Value: team}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
"#;

/// A condition on a parameter without a default is unknown: the table may exist and
/// is checked (its known properties fail: no DeletionPolicy, no deletion
/// protection), while its `Fn::If` on that condition is unknown and never fails
/// (no OPS-DEP-004 for point-in-time recovery).
#[test]
fn a_condition_on_a_parameter_without_a_default_is_unknown_and_never_fails() {
    let dir = template(UNKNOWN);
    assert_eq!(
        findings(dir.path()),
        rows(&[("OPS-DEP-001", "Table", 8), ("OPS-DEP-002", "Table", 8)])
    );
    let pitr = &input(dir.path())["resources"]["Table"]["properties"]
        ["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"];
    assert!(pitr.get("$unknown").is_some(), "{pitr}");
    // With a default that makes it false, the table does not exist.
    let dir = template(&UNKNOWN.replace("Type: String\n", "Type: String\n    Default: dev\n"));
    assert_eq!(findings(dir.path()), rows(&[]));
}

/// `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition` and `Fn::Equals` (scalars compared as
/// strings) in three values: a decisive member decides whatever the others are;
/// pseudo parameters, undefined names and a condition that refers to itself are
/// unknown. A resource exists unless its condition is known to be false.
#[test]
fn condition_functions_in_three_values() {
    let conditions = [
        ("A", "!Equals [1, \"1\"]", true),
        ("F", "!Equals [\"true\", false]", false),
        ("U", "!Equals [!Ref AWS::Region, us-east-1]", true),
        ("AndFalse", "!And [!Condition U, !Condition F]", false),
        ("AndUnknown", "!And [!Condition U, !Condition A]", true),
        ("OrTrue", "!Or [!Condition U, !Condition A]", true),
        ("OrFalse", "!Or [!Condition F, !Not [!Condition A]]", false),
        ("NotUnknown", "!Not [!Condition U]", true),
        ("Loop", "!Not [!Condition Loop]", true),
        ("Undefined", "!Condition Nowhere", true),
        ("Lists", "!Equals [[a, 1], [a, \"1\"]]", true),
    ];
    let mut text = String::from("Conditions:\n");
    for (name, body, _) in &conditions {
        text.push_str(&format!("  {name}: {body}\n"));
    }
    text.push_str("Resources:\n");
    for (name, _, _) in &conditions {
        text.push_str(&format!(
            "  Q{name}:\n    Type: AWS::SQS::Queue\n    Condition: {name}\n"
        ));
    }
    let dir = template(&text);
    let i = input(dir.path());
    for (name, _, exists) in conditions {
        assert_eq!(
            i["resources"].get(format!("Q{name}")).is_some(),
            exists,
            "condition {name}"
        );
    }
}

/// SAM: a function that is not created makes no implicit API.
#[test]
fn a_function_that_is_not_created_makes_no_implicit_api() {
    let text = "Transform: AWS::Serverless-2016-10-31\nConditions:\n  Off: !Equals [a, b]\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Condition: Off\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n      CodeUri: .\n      Events:\n        Get:\n          Type: Api\n          Properties: {Path: /, Method: get}\n";
    let dir = template(text);
    let i = input(dir.path());
    assert_eq!(i["resources"], json!({}));
}

/// Scans `args` in `dir`: (exit code, (rule, resource) of each finding).
fn scan_args(dir: &Path, args: &[&str]) -> (i32, Vec<(String, String)>) {
    let out = opsgate(dir)
        .arg("scan")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: J = serde_json::from_slice(&out.stdout).unwrap_or(J::Null);
    let found = report["findings"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap().to_string(),
                        f["resource"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (out.status.code().unwrap(), found)
}

/// Deploy-time parameters win over the defaults, in the CloudFormation CLI's form,
/// CodePipeline's and sam's `{"Parameters": ...}` and samconfig.toml; later files
/// win; `UsePreviousValue` is unknown; the config maps files to templates by glob.
#[test]
fn deploy_time_parameters_win_over_defaults() {
    let dir = template(ALB);
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "cli.json",
        r#"[{"ParameterKey": "LogBucket", "ParameterValue": "my-logs"}]"#,
    );
    write("pipeline.json", r#"{"Parameters": {"LogBucket": ""}}"#);
    write(
        "previous.json",
        r#"[{"ParameterKey": "LogBucket", "UsePreviousValue": true}]"#,
    );
    write(
        "samconfig.toml",
        "version = 0.1\n[default.deploy.parameters]\nparameter_overrides = \"LogBucket=my-logs\"\n",
    );
    // The whole report: (rule, resource) of every finding, and the exit code.
    let logs_off = vec![
        ("OPS-HLT-003".to_string(), "Lb".to_string()),
        ("OPS-TEL-015".to_string(), "Lb".to_string()),
    ];
    let logs_on = vec![("OPS-HLT-003".to_string(), "Lb".to_string())];
    let scan = |args: &[&str]| scan_args(dir.path(), args);
    assert_eq!(
        scan(&["t.yaml"]),
        (1, logs_off.clone()),
        "the default: no log bucket"
    );
    assert_eq!(
        scan(&["t.yaml", "--cfn-parameters", "cli.json"]),
        (1, logs_on.clone())
    );
    assert_eq!(
        scan(&["t.yaml", "--cfn-parameters", "samconfig.toml"]),
        (1, logs_on.clone())
    );
    assert_eq!(
        scan(&["t.yaml", "--cfn-parameters", "pipeline.json"]),
        (1, logs_off.clone())
    );
    // Later files win.
    assert_eq!(
        scan(&[
            "t.yaml",
            "--cfn-parameters",
            "cli.json",
            "--cfn-parameters",
            "pipeline.json"
        ]),
        (1, logs_off.clone())
    );
    // Unknown: the Fn::If is unknown, so no finding either way.
    assert_eq!(
        scan(&["t.yaml", "--cfn-parameters", "previous.json"]),
        (1, logs_on.clone())
    );

    // The config: a file for the templates its glob matches.
    std::fs::create_dir_all(dir.path().join("prod")).unwrap();
    std::fs::write(dir.path().join("prod/t.yaml"), ALB).unwrap();
    write(
        "opsgate.toml",
        "[[cloudformation.parameter_files]]\nfile = \"cli.json\"\ntemplates = \"prod/*.yaml\"\n",
    );
    let (code, found) = scan_args(dir.path(), &["t.yaml", "prod/t.yaml"]);
    assert_eq!(code, 1);
    let with_logs_off: Vec<&str> = found
        .iter()
        .filter(|(r, _)| r == "OPS-TEL-015")
        .map(|(_, id)| id.as_str())
        .collect();
    assert_eq!(with_logs_off, ["Lb"], "only t.yaml: {found:?}");
}

/// A parameter file that cannot be read is a usage error (exit 2) that says where.
#[test]
fn a_broken_parameter_file_is_an_error_that_says_where() {
    let dir = template(ALB);
    std::fs::write(
        dir.path().join("bad.json"),
        "[{\"ParameterKey\": \"LogBucket\",\n  \"ParameterValue\": }]",
    )
    .unwrap();
    let out = opsgate(dir.path())
        .args(["scan", "t.yaml", "--cfn-parameters", "bad.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: --cfn-parameters bad.json: 2:21: invalid JSON: expected value at line 2 column 21\n"
    );
    std::fs::write(
        dir.path().join("opsgate.toml"),
        "[[cloudformation.parameter_files]]\nfile = \"missing.json\"\n",
    )
    .unwrap();
    let out = opsgate(dir.path())
        .args(["scan", "t.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: opsgate.toml:2:8: parameter file missing.json: cannot read:"),
        "{err}"
    );
}
