//! Evaluation budgets: what a scanned repository can make opsgate compute. A value
//! that grows past a cap is unknown (it never fails a rule), the unit gets an error
//! at the expression that grew, the rest of the unit and every other unit are still
//! scanned, and the exit code is 2. The caps are set in `[limits]` or with flags.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value as J;

fn opsgate(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("opsgate").unwrap();
    c.current_dir(dir)
        .env("OPSGATE_TODAY", "2026-11-25")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100");
    c
}

/// Scans `.` in `dir` with `args`: (exit code, JSON report).
fn scan(dir: &Path, args: &[&str]) -> (i32, J) {
    let out = opsgate(dir)
        .args(["scan", ".", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), report)
}

/// Errors as (file, line, column, message).
fn errors(report: &J) -> Vec<(String, u64, u64, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap_or("").to_string(),
                e["line"].as_u64().unwrap_or(0),
                e["column"].as_u64().unwrap_or(0),
                e["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Findings as (rule, resource, line).
fn findings(report: &J) -> Vec<(String, String, u64)> {
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

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn hostile(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/hostile")
        .join(name)
        .join("main.tf");
    std::fs::read_to_string(path).unwrap()
}

/// A template beside the hostile module: still scanned.
const NEIGHBOUR: &str = "AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
";

fn has(findings: &[(String, String, u64)], rule: &str, resource: &str) -> bool {
    findings
        .iter()
        .any(|(r, res, _)| r == rule && res == resource)
}

#[test]
fn locals_that_double_a_string_stop_at_max_value_size_on_the_local_that_grew() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "tf/main.tf", &hostile("doubling-string"));
    write(dir.path(), "template.yaml", NEIGHBOUR);
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, 2, "{report}");
    assert_eq!(
        errors(&report),
        vec![(
            "tf/main.tf".to_string(),
            20,
            9,
            "local.l17 grows past 1 MB (1.2 MB here; the max_value_size limit), so its value \
             is unknown; raise it with --max-value-size or `max_value_size` under [limits] in \
             opsgate.toml"
                .to_string()
        )]
    );
    let f = findings(&report);
    // The log group named by the local that grew is still checked (its name is
    // unknown, its retention is not), and so is everything around it.
    assert!(
        has(&f, "OPS-EVO-001", "aws_cloudwatch_log_group.doubled"),
        "{f:?}"
    );
    assert!(
        has(&f, "OPS-EVO-001", "aws_cloudwatch_log_group.plain"),
        "{f:?}"
    );
    assert!(has(&f, "OPS-EVO-001", "Logs"), "{f:?}");
}

#[test]
fn locals_that_double_a_list_stop_at_max_value_items_on_the_local_that_grew() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "tf/main.tf", &hostile("doubling-list"));
    write(dir.path(), "template.yaml", NEIGHBOUR);
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, 2, "{report}");
    let e = errors(&report);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!((e[0].0.as_str(), e[0].1, e[0].2), ("tf/main.tf", 19, 9));
    assert!(
        e[0].3.starts_with(
            "local.c16 grows past 100000 elements (131072 here; the max_value_items limit)"
        ),
        "{}",
        e[0].3
    );
    let f = findings(&report);
    assert!(
        has(&f, "OPS-EVO-001", "aws_cloudwatch_log_group.joined"),
        "{f:?}"
    );
    assert!(has(&f, "OPS-EVO-001", "Logs"), "{f:?}");
}

#[test]
fn functions_that_multiply_their_input_are_checked_before_they_build() {
    let dir = tempfile::tempdir().unwrap();
    // A 1,000-byte string; the separator and the replacement repeat it 1,000 times.
    let tf = format!(
        r#"locals {{
  kb   = "{}"
  list = split("", local.kb)
  a    = join(local.kb, local.list)
  b    = replace(local.kb, "x", local.kb)
  c    = length(distinct(concat(local.list, local.list)))
}}
resource "aws_cloudwatch_log_group" "g" {{
  name = "${{local.a}}${{local.b}}"
  tags = {{ Owner = "me", Distinct = local.c }}
}}
"#,
        "x".repeat(1000)
    );
    write(dir.path(), "main.tf", &tf);
    let (code, report) = scan(dir.path(), &["--max-value-size", "100KB"]);
    assert_eq!(code, 2, "{report}");
    let e: Vec<(u64, u64, String)> = errors(&report)
        .into_iter()
        .map(|(_, line, column, m)| (line, column, m))
        .collect();
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!((e[0].0, e[0].1), (4, 10));
    assert!(
        e[0].2.starts_with("local.a grows past 100 KB ("),
        "{}",
        e[0].2
    );
    assert_eq!((e[1].0, e[1].1), (5, 10));
    assert!(
        e[1].2.starts_with("local.b grows past 100 KB ("),
        "{}",
        e[1].2
    );
    // distinct() of 2,004 elements is linear and known: "" and "x".
    let f = findings(&report);
    assert!(
        has(&f, "OPS-EVO-001", "aws_cloudwatch_log_group.g"),
        "{f:?}"
    );
}

#[test]
fn a_chain_of_locals_deeper_than_the_evaluator_may_recurse_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut tf = String::from("locals {\n  l0 = \"a\"\n");
    for i in 1..20_000 {
        tf.push_str(&format!("  l{i} = local.l{}\n", i - 1));
    }
    tf.push_str("}\nresource \"aws_cloudwatch_log_group\" \"g\" {\n  name = local.l19999\n}\n");
    write(dir.path(), "main.tf", &tf);
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, 2, "{report}");
    let e = errors(&report);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].3.contains("nests more than 500 evaluations deep"),
        "{}",
        e[0].3
    );
    assert!(has(
        &findings(&report),
        "OPS-EVO-001",
        "aws_cloudwatch_log_group.g"
    ));
}

/// `levels` nested module directories m0/m1/…, each calling the next `fan` times and
/// declaring one queue.
fn module_tree(dir: &Path, levels: usize, fan: usize) {
    let mut path = dir.to_path_buf();
    let calls = |next: &str| {
        (0..fan)
            .map(|i| format!("module \"c{i}\" {{\n  source = \"./{next}\"\n}}\n"))
            .collect::<String>()
    };
    write(&path, "main.tf", &calls("m0"));
    for level in 0..levels {
        path = path.join(format!("m{level}"));
        let mut tf = String::from("resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n");
        if level + 1 < levels {
            tf.push_str(&calls(&format!("m{}", level + 1)));
        }
        write(&path, "main.tf", &tf);
    }
}

#[test]
fn module_fan_out_stops_at_max_module_instances_with_an_error_on_the_call() {
    let dir = tempfile::tempdir().unwrap();
    // Two calls per level, 22 levels: 2^23 - 2 instances if nothing stopped it.
    module_tree(dir.path(), 22, 2);
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, 2, "{report}");
    let e = errors(&report);
    assert!(!e.is_empty());
    for (file, line, _, message) in &e {
        assert!(file.ends_with("main.tf") && *line > 0, "{e:?}");
        assert!(
            message.starts_with(
                "the root module expands to more than 1000 module instances (the \
                 max_module_instances limit)"
            ),
            "{message}"
        );
    }
    let resources = report["summary"]["resources"].as_u64().unwrap();
    assert!((900..=1000).contains(&resources), "{resources}");
    // The cap is configurable.
    let (code, report) = scan(dir.path(), &["--max-module-instances", "10"]);
    assert_eq!(code, 2);
    assert!(report["summary"]["resources"].as_u64().unwrap() <= 10);
}

#[test]
fn modules_nested_past_max_module_depth_are_an_error_on_the_call_not_a_note() {
    let dir = tempfile::tempdir().unwrap();
    module_tree(dir.path(), 20, 1);
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, 2, "{report}");
    let e = errors(&report);
    assert_eq!(e.len(), 1, "{e:?}");
    let (file, line, column, message) = &e[0];
    assert_eq!(
        (file.as_str(), *line, *column),
        (
            "m0/m1/m2/m3/m4/m5/m6/m7/m8/m9/m10/m11/m12/m13/m14/m15/main.tf",
            5,
            12
        )
    );
    assert_eq!(
        message,
        "module \"c0\" is nested 17 levels below the root module, deeper than the \
         max_module_depth limit of 16, so its resources are not checked; raise it with \
         --max-module-depth or `max_module_depth` under [limits] in opsgate.toml (at most 64)"
    );
    assert_eq!(report["summary"]["resources"], 16);
    write(
        dir.path(),
        "opsgate.toml",
        "[limits]\nmax_module_depth = 20\n",
    );
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["summary"]["resources"], 20);
}

#[test]
fn a_mapping_that_refers_to_itself_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let t = "AWSTemplateFormatVersion: '2010-09-09'
Mappings:
  M:
    a:
      b: !FindInMap [M, a, b]
Resources:
  G:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !FindInMap [M, a, b]
";
    write(dir.path(), "t.yaml", t);
    write(dir.path(), "neighbour.yaml", NEIGHBOUR);
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, 2, "{report}");
    let e = errors(&report);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!((e[0].0.as_str(), e[0].1, e[0].2), ("t.yaml", 5, 10));
    assert!(e[0].3.contains("nests more than 500 evaluations deep"));
    let f = findings(&report);
    assert!(has(&f, "OPS-EVO-001", "G"), "{f:?}");
    assert!(has(&f, "OPS-EVO-001", "Logs"), "{f:?}");
}

#[test]
fn a_large_parameter_repeated_by_intrinsics_stops_at_the_caps() {
    let dir = tempfile::tempdir().unwrap();
    let big = "x".repeat(600 * 1024);
    let mut t = format!(
        "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  P:\n    Type: String\n    Default: {big}\nResources:\n"
    );
    // 1.2 MB from one Fn::Sub, and 200 copies of 600 KB (120 MB) through Ref.
    t.push_str("  Sub:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName: !Sub '${P}${P}'\n      RetentionInDays: 7\n");
    t.push_str("  Join:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName: !Join ['', [!Ref P, !Ref P]]\n      RetentionInDays: 7\n");
    for i in 0..200 {
        t.push_str(&format!(
            "  Ref{i}:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName: !Ref P\n"
        ));
    }
    write(dir.path(), "t.yaml", &t);
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, 2, "{report}");
    let e = errors(&report);
    let at = |line: u64| e.iter().find(|x| x.1 == line).map(|x| x.3.clone());
    assert!(
        at(10)
            .unwrap()
            .starts_with("this value grows past 1 MB (1.2 MB here"),
        "{e:?}"
    );
    assert!(
        at(15)
            .unwrap_or_default()
            .contains("the max_value_size limit"),
        "{e:?}"
    );
    let unit = e
        .iter()
        .filter(|x| x.3.contains("the max_eval_size limit"))
        .count();
    assert_eq!(unit, 1, "{e:?}");
    // Every log group is still checked (the ones whose name is unknown too).
    let f = findings(&report);
    assert_eq!(f.iter().filter(|(r, _, _)| r == "OPS-EVO-001").count(), 202);
}

#[test]
fn sam_globals_copied_into_many_functions_are_charged() {
    let dir = tempfile::tempdir().unwrap();
    let big = "x".repeat(400 * 1024);
    let mut t = format!(
        "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Description: {big}\n    Tracing: Active\nResources:\n"
    );
    for i in 0..300 {
        t.push_str(&format!(
            "  F{i}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: a.h\n      CodeUri: .\n"
        ));
    }
    write(dir.path(), "t.yaml", &t);
    let (code, report) = scan(dir.path(), &["--max-eval-size", "10MB"]);
    assert_eq!(code, 2, "{report}");
    let e = errors(&report);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].1, 5, "{e:?}");
    assert!(e[0].3.starts_with(
        "evaluating this unit builds more than 10 MB of values (the max_eval_size limit), \
         reached in Globals.Function"
    ));
    assert_eq!(report["summary"]["resources"], 300);
}

#[test]
fn past_the_step_budget_values_are_unknown_but_references_still_join() {
    let dir = tempfile::tempdir().unwrap();
    let tf = r#"locals {
  busy = [for i in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : [for j in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : i * j]]
}
resource "aws_lambda_function" "f" {
  function_name = "f"
  runtime       = "python3.12"
  handler       = "a.h"
  filename      = "a.zip"
  role          = "arn:aws:iam::123456789012:role/r"
  tags          = { Owner = "me", Note = length(local.busy) }
}
resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "errors"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.f.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  alarm_actions       = ["arn:aws:sns:eu-west-1:123456789012:on-call"]
}
"#;
    write(dir.path(), "main.tf", tf);
    let (code, full) = scan(dir.path(), &[]);
    assert!(errors(&full).is_empty(), "{full}");
    assert_ne!(code, 2);
    let (code, cut) = scan(dir.path(), &["--max-eval-steps", "100"]);
    assert_eq!(code, 2, "{cut}");
    let e = errors(&cut);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].3.starts_with(
            "evaluating this unit takes more than 100 steps (the max_eval_steps limit), \
             reached in local.busy"
        ),
        "{}",
        e[0].3
    );
    // Nothing evaluated after the budget ran out fails a rule: the alarm still names
    // the function (its reference is read from the syntax), so no OPS-HLT-001.
    let f = findings(&cut);
    assert!(!f.iter().any(|(r, _, _)| r == "OPS-HLT-001"), "{f:?}");
    let before: Vec<_> = findings(&full);
    assert!(f.iter().all(|x| before.contains(x)), "{f:?}\n{before:?}");
}

#[test]
fn budget_limits_are_checked_in_the_config() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.yaml", NEIGHBOUR);
    for (toml, wanted) in [
        (
            "max_module_depth = 100",
            "[limits] `max_module_depth` must be between 1 and 64, got 100",
        ),
        (
            "max_value_size = \"1 parsec\"",
            "[limits] `max_value_size`: unknown size unit",
        ),
        (
            "max_eval_steps = 0",
            "[limits] `max_eval_steps` must be between 1 and",
        ),
    ] {
        write(dir.path(), "opsgate.toml", &format!("[limits]\n{toml}\n"));
        let out = opsgate(dir.path()).args(["scan", "."]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(wanted), "{toml}: {stderr}");
    }
}

/// One template of `groups` × 3 resources: a queue (each the redrive target of the
/// next), a function and an alarm on it.
fn large_template(groups: usize) -> String {
    let mut t = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
    for i in 0..groups {
        t.push_str(&format!("  Q{i}:\n    Type: AWS::SQS::Queue\n"));
        if i > 0 {
            t.push_str(&format!(
                "    Properties:\n      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt Q{}.Arn\n        maxReceiveCount: 3\n",
                i - 1
            ));
        }
        t.push_str(&format!(
            "  F{i}:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: a.h\n      Role: arn:aws:iam::123456789012:role/r\n      Code: {{ZipFile: x}}\n"
        ));
        t.push_str(&format!(
            "  A{i}:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      Namespace: AWS/Lambda\n      MetricName: Errors\n      Dimensions: [{{Name: FunctionName, Value: !Ref F{i}}}]\n      Statistic: Sum\n      Period: 60\n      EvaluationPeriods: 1\n      Threshold: 1\n      ComparisonOperator: GreaterThanOrEqualToThreshold\n"
        ));
    }
    t
}

#[test]
fn a_template_of_15000_resources_is_evaluated_by_every_rule_within_the_time_limit() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "large.yaml", &large_template(5_000));
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, 1, "{}", report["errors"]);
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(report["summary"]["resources"], 15_000);
    let f = findings(&report);
    // Every queue but the last is a dead-letter queue without an alarm.
    assert_eq!(
        f.iter().filter(|(r, _, _)| r == "OPS-HLT-002").count(),
        4_999
    );
    assert!(!f.iter().any(|(r, _, _)| r == "OPS-HLT-001"));
}
