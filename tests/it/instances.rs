//! Terraform `count` and `for_each` (issue 17, part 2): over a known collection each
//! instance is its own resource (`aws_x.y[0]`, `aws_x.y["a"]`,
//! `module.m["k"].aws_x.y`) with `count.index` / `each.key` / `each.value` bound;
//! references with a known index lead to that instance; over an unknown collection
//! the block stays one resource whose instance values are unknown (never a failure);
//! plans have one resource per planned instance; the human output shows a finding
//! that instances share once.

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

/// A directory with `files` written into it.
fn module(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn report(dir: &Path, args: &[&str]) -> J {
    let out = opsgate(dir)
        .args(["scan", ".", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (rule, resource, line) of each finding of the rules `rules`, in report order.
fn findings(dir: &Path, rules: &[&str]) -> Vec<(String, String, u64)> {
    let report = report(dir, &[]);
    assert_eq!(report["errors"], json!([]));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| rules.contains(&f["rule"].as_str().unwrap()))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["resource"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The resources of a report's findings of `rule`, in report order.
fn resources_with<'r>(report: &'r J, rule: &str) -> Vec<&'r str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["resource"].as_str().unwrap())
        .collect()
}

fn rows(list: &[(&str, &str, u64)]) -> Vec<(String, String, u64)> {
    list.iter()
        .map(|(r, id, l)| (r.to_string(), id.to_string(), *l))
        .collect()
}

fn input(dir: &Path, path: &str) -> J {
    let out = opsgate(dir).args(["input", path]).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The issue's repro: for_each over a literal map binds each.key / each.value, so the
/// instance keeping 3 days fails and the one keeping 90 passes; with count, each
/// instance is checked.
#[test]
fn for_each_and_count_over_literals_make_one_resource_per_instance() {
    let dir = module(&[(
        "main.tf",
        r#"resource "aws_cloudwatch_log_group" "this" {
  for_each          = { a = 3, b = 90 }
  name              = each.key
  retention_in_days = each.value
}

resource "aws_cloudwatch_log_group" "counted" {
  count             = 2
  name              = "counted-${count.index}"
  retention_in_days = 3
}
"#,
    )]);
    assert_eq!(
        findings(dir.path(), &["OPS-EVO-001"]),
        rows(&[
            ("OPS-EVO-001", "aws_cloudwatch_log_group.this[\"a\"]", 4),
            ("OPS-EVO-001", "aws_cloudwatch_log_group.counted[0]", 10),
            ("OPS-EVO-001", "aws_cloudwatch_log_group.counted[1]", 10),
        ])
    );
    let i = input(dir.path(), ".");
    let r = &i["resources"];
    assert_eq!(
        r["aws_cloudwatch_log_group.this[\"b\"]"]["properties"]["name"],
        "b"
    );
    assert_eq!(
        r["aws_cloudwatch_log_group.this[\"b\"]"]["meta"]["key"],
        "b"
    );
    assert_eq!(
        r["aws_cloudwatch_log_group.counted[1]"]["properties"]["name"],
        "counted-1"
    );
    assert_eq!(r["aws_cloudwatch_log_group.counted[1]"]["meta"]["key"], 1);
    assert!(r.get("aws_cloudwatch_log_group.this").is_none());
}

/// Collections from variables, locals and `for` expressions, and another resource's
/// instances (`for_each = aws_lambda_function.fn`); a known index leads to that
/// instance only, so the alarm of worker[0] does not cover worker[1].
#[test]
fn collections_from_variables_locals_and_resources_and_indexed_references() {
    let dir = Path::new("tests/data/terraform/instances");
    let root = std::env::current_dir().unwrap();
    let found = findings(
        &root.join(dir),
        &["OPS-FLOW-001", "OPS-EVO-001", "OPS-HLT-001", "OPS-TEL-002"],
    );
    assert_eq!(
        found,
        rows(&[
            ("OPS-FLOW-001", "aws_lambda_function.fn[\"orders\"]", 12),
            ("OPS-EVO-001", "aws_cloudwatch_log_group.fn[\"orders\"]", 24),
            ("OPS-HLT-001", "aws_lambda_function.worker[1]", 44),
            ("OPS-TEL-002", "aws_lambda_function.worker[0]", 44),
            ("OPS-TEL-002", "aws_lambda_function.worker[1]", 44),
        ])
    );
    let i = input(&root.join(dir), ".");
    let edges: Vec<(&str, &str)> = i["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["path"] == json!(["properties", "dimensions", "FunctionName"]))
        .map(|e| (e["from"].as_str().unwrap(), e["to"].as_str().unwrap()))
        .collect();
    assert_eq!(
        edges,
        [
            (
                "aws_cloudwatch_metric_alarm.errors[\"billing\"]",
                "aws_lambda_function.fn[\"billing\"]"
            ),
            (
                "aws_cloudwatch_metric_alarm.errors[\"orders\"]",
                "aws_lambda_function.fn[\"orders\"]"
            ),
            (
                "aws_cloudwatch_metric_alarm.worker_errors[0]",
                "aws_lambda_function.worker[0]"
            ),
        ]
    );
    assert_eq!(
        i["resources"]["aws_lambda_function.fn[\"orders\"]"]["properties"]["runtime"],
        "python3.8"
    );
}

/// An unknown collection keeps one resource at the block's address: its instance
/// values are unknown and never fail, while its known properties are still checked.
#[test]
fn an_unknown_collection_stays_one_resource_with_unknown_instance_values() {
    let dir = module(&[(
        "main.tf",
        r#"variable "retentions" {}
variable "n" {}

resource "aws_cloudwatch_log_group" "per_key" {
  for_each          = var.retentions
  name              = each.key
  retention_in_days = each.value
}

resource "aws_cloudwatch_log_group" "counted" {
  count             = var.n
  name              = "counted-${count.index}"
  retention_in_days = 3
}
"#,
    )]);
    assert_eq!(
        findings(dir.path(), &["OPS-EVO-001"]),
        rows(&[("OPS-EVO-001", "aws_cloudwatch_log_group.counted", 13)])
    );
    let i = input(dir.path(), ".");
    let per_key = &i["resources"]["aws_cloudwatch_log_group.per_key"];
    assert_eq!(
        per_key["properties"]["retention_in_days"],
        json!({"$unknown": "each.value"})
    );
    assert!(per_key["meta"].get("key").is_none());
    assert_eq!(
        i["resources"]["aws_cloudwatch_log_group.counted"]["properties"]["name"],
        json!({"$unknown": "\"counted-${count.index}\""})
    );
}

/// A module call with for_each: one module instance per key, its inputs evaluated
/// with each.* bound, its resources at `module.m["k"]...`, and `module.m["k"].out`
/// reading that instance's output (so the edge leads to that instance's resource).
#[test]
fn module_calls_with_for_each_are_one_module_instance_per_key() {
    let dir = module(&[
        (
            "main.tf",
            r#"module "svc" {
  source    = "./mod"
  for_each  = { a = 3, b = 60 }
  retention = each.value
}

resource "aws_sqs_queue" "q" {
  name = module.svc["b"].log_group
}
"#,
        ),
        (
            "mod/main.tf",
            r#"variable "retention" {}

resource "aws_cloudwatch_log_group" "this" {
  name              = "svc"
  retention_in_days = var.retention
}

output "log_group" {
  value = aws_cloudwatch_log_group.this.name
}
"#,
        ),
    ]);
    assert_eq!(
        findings(dir.path(), &["OPS-EVO-001"]),
        rows(&[(
            "OPS-EVO-001",
            "module.svc[\"a\"].aws_cloudwatch_log_group.this",
            5
        )])
    );
    let i = input(dir.path(), ".");
    let lg = &i["resources"]["module.svc[\"b\"].aws_cloudwatch_log_group.this"];
    assert_eq!(lg["meta"]["module"], "module.svc[\"b\"]");
    assert_eq!(lg["properties"]["retention_in_days"], 60);
    let edges: Vec<(&str, &str)> = i["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].as_str().unwrap(), e["to"].as_str().unwrap()))
        .collect();
    assert_eq!(
        edges,
        [(
            "aws_sqs_queue.q",
            "module.svc[\"b\"].aws_cloudwatch_log_group.this"
        )]
    );
}

/// A plan has one resource per planned instance: a count of 2 with different
/// runtimes fails on the deprecated one only, and the alarm's reference with an
/// index leads to that instance.
#[test]
fn plans_have_one_resource_per_planned_instance() {
    let change = |address: &str, index: u64, runtime: &str| {
        json!({
            "address": address, "mode": "managed", "type": "aws_lambda_function",
            "name": "w", "index": index,
            "change": {"actions": ["create"], "after": {
                "function_name": format!("w-{index}"), "runtime": runtime,
                "tracing_config": [{"mode": "Active"}]
            }, "after_unknown": {}}
        })
    };
    let plan = json!({
        "format_version": "1.2",
        "resource_changes": [
            change("aws_lambda_function.w[0]", 0, "python3.8"),
            change("aws_lambda_function.w[1]", 1, "python3.13"),
            {
                "address": "aws_cloudwatch_metric_alarm.e", "mode": "managed",
                "type": "aws_cloudwatch_metric_alarm", "name": "e",
                "change": {"actions": ["create"], "after": {
                    "namespace": "AWS/Lambda", "metric_name": "Errors"
                }, "after_unknown": {"dimensions": true}}
            }
        ],
        "configuration": {"root_module": {"resources": [
            {"address": "aws_lambda_function.w", "mode": "managed",
             "type": "aws_lambda_function", "name": "w",
             "expressions": {"runtime": {"constant_value": "python3.8"}}},
            {"address": "aws_cloudwatch_metric_alarm.e", "mode": "managed",
             "type": "aws_cloudwatch_metric_alarm", "name": "e",
             "expressions": {"dimensions": {"references": [
                 "aws_lambda_function.w[1].function_name", "aws_lambda_function.w[1]"
             ]}}}
        ]}}
    });
    let dir = module(&[("plan.json", &plan.to_string())]);
    let report = report(dir.path(), &[]);
    let flow = resources_with(&report, "OPS-FLOW-001");
    assert_eq!(flow, ["aws_lambda_function.w[0]"]);
    let i = input(dir.path(), "plan.json");
    let mut ids: Vec<&String> = i["resources"].as_object().unwrap().keys().collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "aws_cloudwatch_metric_alarm.e",
            "aws_lambda_function.w[0]",
            "aws_lambda_function.w[1]"
        ]
    );
    assert_eq!(
        i["edges"],
        json!([{"from": "aws_cloudwatch_metric_alarm.e", "to": "aws_lambda_function.w[1]",
                "path": ["properties", "dimensions"], "via": "reference"}])
    );
}

/// The human output shows a finding that several instances share once, naming them;
/// JSON keeps each.
#[test]
fn human_output_shows_a_finding_of_several_instances_once() {
    let dir = module(&[(
        "main.tf",
        r#"resource "aws_cloudwatch_log_group" "c" {
  count             = 3
  name              = "c-${count.index}"
  retention_in_days = 3
  tags              = { Owner = "team" }
}
"#,
    )]);
    let out = opsgate(dir.path()).args(["scan", "."]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("found alike in instances [0], [1] and [2] of aws_cloudwatch_log_group.c"),
        "{text}"
    );
    assert_eq!(text.matches("OPS-EVO-001 [medium]").count(), 1, "{text}");
    assert!(
        text.contains("\nshown: 1, each finding that several units or instances share once\n"),
        "{text}"
    );
    assert_eq!(
        findings(dir.path(), &["OPS-EVO-001"]).len(),
        3,
        "the JSON report keeps each instance's finding"
    );
    let out = opsgate(dir.path())
        .args(["scan", ".", "--format", "markdown"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "3 findings at 1 place: a finding that several units or instances share is one row."
        ) && text.contains("(in instances [0], [1] and [2] of aws_cloudwatch_log_group.c)"),
        "{text}"
    );
}

/// More instances than max_value_items: a located error on the count, and the block
/// stays one resource (still checked).
#[test]
fn too_many_instances_are_a_located_error() {
    let dir = module(&[(
        "main.tf",
        r#"resource "aws_cloudwatch_log_group" "many" {
  count             = 11
  name              = "many"
  retention_in_days = 3
}
"#,
    )]);
    let report = report(dir.path(), &["--max-value-items", "10"]);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], "main.tf");
    assert_eq!(errors[0]["line"], 2);
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message
            .contains("the count of aws_cloudwatch_log_group.many grows past 10 elements (11 here"),
        "{message}"
    );
    let evo = resources_with(&report, "OPS-EVO-001");
    assert_eq!(evo, ["aws_cloudwatch_log_group.many"]);
}

/// An exception naming the block covers each of its instances.
#[test]
fn an_exception_for_the_block_covers_its_instances() {
    let dir = module(&[
        (
            "main.tf",
            r#"resource "aws_cloudwatch_log_group" "c" {
  count             = 2
  name              = "c-${count.index}"
  retention_in_days = 3
}
"#,
        ),
        (
            "opsgate.toml",
            r#"[[exceptions]]
rule = "OPS-EVO-001"
resource = "aws_cloudwatch_log_group.c"
reason = "short-lived"
owner = "team"
expires = 2099-01-01
"#,
        ),
    ]);
    let report = report(dir.path(), &[]);
    let evo: Vec<&J> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "OPS-EVO-001")
        .collect();
    assert_eq!(evo.len(), 2);
    assert!(evo.iter().all(|f| !f["suppressed"].is_null()), "{evo:?}");
}

/// A root module makes at most max_resource_instances instances: the block that
/// would pass it stays one resource (its known properties still checked) with an
/// error on its count, while the blocks before it are expanded.
#[test]
fn a_root_module_makes_at_most_max_resource_instances() {
    let dir = module(&[(
        "main.tf",
        r#"resource "aws_cloudwatch_log_group" "a" {
  count             = 6
  name              = "a"
  retention_in_days = 3
}

resource "aws_cloudwatch_log_group" "b" {
  for_each          = toset(["1", "2", "3", "4", "5"])
  name              = "b"
  retention_in_days = 3
}
"#,
    )]);
    let report = report(dir.path(), &["--max-resource-instances", "10"]);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0]["file"].as_str(), errors[0]["line"].as_u64()),
        (Some("main.tf"), Some(8))
    );
    assert!(
        errors[0]["message"].as_str().unwrap().starts_with(
            "aws_cloudwatch_log_group.b would make 5 instances, and the root module more than 10 resource instances with count/for_each (the max_resource_instances limit)"
        ),
        "{errors:?}"
    );
    let evo = resources_with(&report, "OPS-EVO-001");
    assert_eq!(
        evo,
        [
            "aws_cloudwatch_log_group.a[0]",
            "aws_cloudwatch_log_group.a[1]",
            "aws_cloudwatch_log_group.a[2]",
            "aws_cloudwatch_log_group.a[3]",
            "aws_cloudwatch_log_group.a[4]",
            "aws_cloudwatch_log_group.a[5]",
            "aws_cloudwatch_log_group.b",
        ]
    );
    let out = opsgate(dir.path())
        .args(["scan", ".", "--max-resource-instances", "10"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
