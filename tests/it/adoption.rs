//! Taking opsgate into an existing repository: inline ignores (YAML, HCL, JSON
//! Metadata), stale ignores (OPS-META-001), the config file (disable, severity,
//! fail_on, exclude, errors located), exceptions active and expired, baselines
//! when lines move and when a new finding appears, --soft-fail.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value as J;

fn opsgate(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("opsgate").unwrap();
    c.current_dir(dir)
        .env("OPSGATE_TODAY", "2026-11-25")
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY");
    c
}

/// Scans `dir` (with `args`), asserts the exit code, returns the JSON report.
fn scan(dir: &Path, args: &[&str], code: i32) -> J {
    let out = opsgate(dir)
        .args(["scan", ".", "--format", "json"])
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

/// (rule, resource, line, suppression kind) of every finding.
fn summary(report: &J) -> Vec<(String, String, u64, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["resource"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["suppressed"]["kind"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn of_rule(report: &J, rule: &str) -> Vec<(String, u64, String)> {
    summary(report)
        .into_iter()
        .filter(|(r, ..)| r == rule)
        .map(|(_, res, line, kind)| (res, line, kind))
        .collect()
}

const ALARMS_YAML: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  # opsgate:ignore OPS-EVT-001 -- paged by the legacy pager, see ADR-7
  Legacy:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/SQS
      MetricName: Age
      Statistic: Maximum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanThreshold
  Orders:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmActions: []  # opsgate:ignore OPS-EVT-001 -- routed by EventBridge instead
      Namespace: AWS/SQS
      MetricName: Age
      Statistic: Maximum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanThreshold
  Payments:  # opsgate:ignore OPS-TEL-001 -- nothing to trace here
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/SQS
      MetricName: Age
      Statistic: Maximum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanThreshold
      # opsgate:ignore OPS-HLT-006
"#;

#[test]
fn inline_ignores_in_yaml() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("alarms.yaml"), ALARMS_YAML).unwrap();
    let r = scan(dir.path(), &[], 1);
    assert_eq!(
        of_rule(&r, "OPS-EVT-001"),
        [
            // Resource-level ignore on the line above the resource.
            ("Legacy".to_string(), 4, "inline".to_string()),
            // Property-level ignore on the property's line.
            ("Orders".to_string(), 17, "inline".to_string()),
            ("Payments".to_string(), 25, String::new()),
        ]
    );
    let suppressed = &r["findings"].as_array().unwrap()[0]["suppressed"];
    assert_eq!(suppressed["reason"], "paged by the legacy pager, see ADR-7");
    // The ignore for a rule that has nothing to say there, and the one without a
    // reason, are reported.
    let meta = of_rule(&r, "OPS-META-001");
    assert_eq!(meta.len(), 2, "{meta:?}");
    assert_eq!(meta[0].1, 25);
    assert_eq!(meta[1].1, 35);
    let messages: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "OPS-META-001")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages[0].contains("OPS-TEL-001 matches no finding"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("OPS-HLT-006 has no reason"),
        "{messages:?}"
    );
}

#[test]
fn inline_ignores_in_hcl_and_json_metadata() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tf")).unwrap();
    std::fs::write(
        dir.path().join("tf/main.tf"),
        r#"# opsgate:ignore OPS-EVT-007 -- replayed from S3, no DLQ needed
resource "aws_sqs_queue" "replay" {
  name = "replay"
  tags = { Owner = "team" }
}

resource "aws_sqs_queue" "jobs" { // opsgate:ignore OPS-EVT-007 -- consumer retries forever
  name = "jobs"
  tags = { Owner = "team" }
}

resource "aws_sqs_queue" "mail" {
  name = "mail"
  tags = { Owner = "team" }
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("queue.json"),
        r#"{
  "Resources": {
    "Replay": {
      "Type": "AWS::SQS::Queue",
      "Metadata": {"opsgate": {"ignore": [{"rule": "OPS-EVT-007", "reason": "replayed from S3"}]}},
      "Properties": {"Tags": [{"Key": "Owner", "Value": "team"}]}
    },
    "Mail": {
      "Type": "AWS::SQS::Queue",
      "Properties": {"Tags": [{"Key": "Owner", "Value": "team"}]}
    }
  }
}
"#,
    )
    .unwrap();
    let r = scan(dir.path(), &[], 1);
    assert_eq!(
        of_rule(&r, "OPS-EVT-007"),
        [
            ("Replay".to_string(), 3, "inline".to_string()),
            ("Mail".to_string(), 8, String::new()),
            ("aws_sqs_queue.replay".to_string(), 2, "inline".to_string()),
            ("aws_sqs_queue.jobs".to_string(), 7, "inline".to_string()),
            ("aws_sqs_queue.mail".to_string(), 12, String::new()),
        ]
    );
    assert!(of_rule(&r, "OPS-META-001").is_empty());
}

#[test]
fn config_disables_overrides_excludes_and_forbids_inline_ignores() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("alarms.yaml"), ALARMS_YAML).unwrap();
    std::fs::create_dir_all(dir.path().join("examples")).unwrap();
    std::fs::write(dir.path().join("examples/x.yaml"), ALARMS_YAML).unwrap();
    std::fs::write(
        dir.path().join("opsgate.toml"),
        r#"fail_on = "high"
exclude = ["examples/**"]
forbid_inline_ignores = ["OPS-EVT-001"]

[rules]
disable = ["OPS-EVT-002"]
severity = { "OPS-HLT-006" = "info" }
"#,
    )
    .unwrap();
    let r = scan(dir.path(), &[], 1);
    let all = summary(&r);
    assert!(all.iter().all(|(_, _, _, _)| true));
    assert!(!all.iter().any(|(rule, ..)| rule == "OPS-EVT-002"));
    let files: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(files.iter().all(|f| *f == "alarms.yaml"), "{files:?}");
    // Inline ignores of OPS-EVT-001 no longer count, and are reported.
    assert!(of_rule(&r, "OPS-EVT-001")
        .iter()
        .all(|(_, _, kind)| kind.is_empty()));
    let meta = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "OPS-META-001")
        .filter(|f| f["message"].as_str().unwrap().contains("not allowed here"))
        .count();
    assert_eq!(meta, 2);
    let hlt: Vec<&J> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "OPS-HLT-006")
        .collect();
    assert!(hlt.iter().all(|f| f["severity"] == "info"));
    // Only high findings fail (fail_on = "high"); --soft-fail always exits 0.
    let only_low = tempfile::tempdir().unwrap();
    std::fs::write(only_low.path().join("opsgate.toml"), "fail_on = \"high\"\n").unwrap();
    std::fs::copy(
        "fixtures/policies/OPS-HLT-006/fail.yaml",
        only_low.path().join("t.yaml"),
    )
    .unwrap();
    scan(only_low.path(), &[], 0);
    scan(dir.path(), &["--soft-fail"], 0);
}

#[test]
fn config_errors_point_at_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.yaml"), ALARMS_YAML).unwrap();
    for (toml, line, says) in [
        (
            "fail_on = \"high\"\nfail_onn = 1\n",
            2,
            "unknown key `fail_onn`; did you mean `fail_on`?",
        ),
        (
            "\n[rules]\ndisable = [\"OPS-NOPE-001\"]\n",
            3,
            "unknown rule `OPS-NOPE-001`; `opsgate rules` lists them",
        ),
        (
            "\n[rules]\ndisable = [\"OPS-EVT-01\"]\n",
            3,
            "unknown rule `OPS-EVT-01`; did you mean `OPS-EVT-001`?",
        ),
        (
            "[rules.\"OPS-EVO-001\"]\nmin_days = 30\n",
            2,
            "has no parameter `min_days`; its parameters are min_retention_days",
        ),
        (
            "[[exceptions]]\nrule = \"OPS-EVT-001\"\nresource = \"*\"\nreason = \"x\"\nowner = \"y\"\nexpires = \"someday\"\n",
            6,
            "expected a TOML datetime",
        ),
    ] {
        std::fs::write(dir.path().join("opsgate.toml"), toml).unwrap();
        let out = opsgate(dir.path())
            .args(["scan", "."])
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        let err = String::from_utf8(out).unwrap();
        assert!(err.contains(says), "{err}");
        assert!(err.contains(&format!("[opsgate.toml:{line}:")), "{err}");
    }
}

const EXCEPTIONS: &str = r#"[[exceptions]]
rule = "OPS-EVT-001"
resource = "Pay*"
path = "*.yaml"
reason = "alarms routed through the payments pager"
owner = "team-payments"
expires = 2026-12-31
"#;

#[test]
fn exceptions_active_then_expired() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("alarms.yaml"), ALARMS_YAML).unwrap();
    std::fs::write(dir.path().join("opsgate.toml"), EXCEPTIONS).unwrap();
    let r = scan(dir.path(), &[], 1);
    let payments = &r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "OPS-EVT-001" && f["resource"] == "Payments")
        .unwrap()
        .clone();
    assert_eq!(payments["suppressed"]["kind"], "exception");
    assert!(payments["suppressed"]["reason"]
        .as_str()
        .unwrap()
        .contains("owner team-payments, expires 2026-12-31"));
    let list = opsgate(dir.path())
        .args(["exceptions"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(list)
        .unwrap()
        .starts_with("active    opsgate.toml:1  OPS-EVT-001 Pay* in *.yaml  owner team-payments"));

    // Within 30 days of its date it is expiring; one that covers nothing is unused.
    std::fs::write(
        dir.path().join("opsgate.toml"),
        format!("{EXCEPTIONS}\n{}", EXCEPTIONS.replace("Pay*", "Nothing*")),
    )
    .unwrap();
    let list = opsgate(dir.path())
        .env("OPSGATE_TODAY", "2026-12-15")
        .args(["exceptions"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let states: Vec<String> = String::from_utf8(list)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(states, ["expiring", "unused"]);
    std::fs::write(dir.path().join("opsgate.toml"), EXCEPTIONS).unwrap();

    // Past the date the finding is back, naming the exception and its owner.
    let out = opsgate(dir.path())
        .env("OPSGATE_TODAY", "2027-01-01")
        .args(["scan", ".", "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let r: J = serde_json::from_slice(&out).unwrap();
    let payments = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "OPS-EVT-001" && f["resource"] == "Payments")
        .unwrap()
        .clone();
    assert!(payments["suppressed"].is_null());
    assert!(payments["message"].as_str().unwrap().ends_with(
        "(the exception in opsgate.toml:1 owned by team-payments expired on 2026-12-31)"
    ));
    let list = opsgate(dir.path())
        .env("OPSGATE_TODAY", "2027-01-01")
        .args(["exceptions"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(list).unwrap().starts_with("expired "));
}

#[test]
fn baseline_survives_moved_lines_and_catches_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let template = "fixtures/policies/OPS-EVT-001/fail.yaml";
    let text = std::fs::read_to_string(template).unwrap();
    std::fs::write(dir.path().join("stack.yaml"), &text).unwrap();
    opsgate(dir.path())
        .args(["baseline", ".", "--output", "baseline.json"])
        .assert()
        .code(0);
    let baseline: J =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("baseline.json")).unwrap())
            .unwrap();
    let entries = baseline["findings"].as_array().unwrap().len();
    assert!(entries > 5);

    // Lines move (comments added above the resources): nothing new, exit 0.
    let moved = text.replacen(
        "\nResources:\n",
        "\n# moved\n# down\n# three lines\nResources:\n",
        1,
    );
    std::fs::write(dir.path().join("stack.yaml"), &moved).unwrap();
    let r = scan(dir.path(), &["--baseline", "baseline.json"], 0);
    assert_eq!(r["summary"]["findings"], 0);
    assert_eq!(
        r["summary"]["baseline"],
        serde_json::json!({"entries": entries, "stale": 0})
    );
    assert!(summary(&r).iter().all(|(.., kind)| kind == "baseline"));

    // One new alarm without actions: only it counts.
    let new_alarm = "  NewAlarm:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      Tags: [{Key: Owner, Value: team}]\n      AlarmDescription: \"Runbook: https://wiki/x\"\n      TreatMissingData: notBreaching\n      OKActions: [arn:aws:sns:eu-west-1:1:t]\n      Namespace: AWS/SQS\n      MetricName: Age\n      Statistic: Maximum\n      Period: 60\n      EvaluationPeriods: 1\n      Threshold: 1\n      ComparisonOperator: GreaterThanThreshold\n";
    let with_new = moved.replacen("\nResources:\n", &format!("\nResources:\n{new_alarm}"), 1);
    std::fs::write(dir.path().join("stack.yaml"), with_new).unwrap();
    let r = scan(dir.path(), &["--baseline", "baseline.json"], 1);
    let open: Vec<(String, String, u64, String)> = summary(&r)
        .into_iter()
        .filter(|(.., kind)| kind.is_empty())
        .collect();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(
        (open[0].0.as_str(), open[0].1.as_str()),
        ("OPS-EVT-001", "NewAlarm")
    );

    // A fixed finding: its baseline entry no longer occurs.
    std::fs::write(dir.path().join("stack.yaml"), moved.replacen(
            "      AlarmName: orders-api-latency-p99\n",
            "      AlarmName: orders-api-latency-p99\n      AlarmDescription: \"Runbook: https://wiki/latency\"\n",
            1,
        )).unwrap();
    let r = scan(dir.path(), &["--baseline", "baseline.json"], 0);
    assert_eq!(r["summary"]["baseline"]["stale"], 1);
    let human = opsgate(dir.path())
        .args(["scan", ".", "--baseline", "baseline.json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(human)
        .unwrap()
        .contains(&format!("baseline: {entries} entries, 1 no longer occurs")));
}
