//! The command line as users run it: exit codes, formats, subcommands.

use assert_cmd::Command;
use serde_json::Value as J;

fn opsgate() -> Command {
    let mut c = Command::cargo_bin("opsgate").unwrap();
    c.env("OPSGATE_TODAY", "2026-11-25")
        .env_remove("NO_COLOR")
        .env("COLUMNS", "100");
    c
}

/// Runs opsgate with `args`, asserts the exit code, returns stdout.
fn run(args: &[&str], code: i32) -> Vec<u8> {
    opsgate()
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone()
}

fn json_of(out: &[u8]) -> J {
    serde_json::from_slice(out).expect("valid JSON on stdout")
}

#[test]
fn clean_template_exits_0() {
    opsgate()
        .args([
            "scan",
            "fixtures/policies/OPS-TEL-001/pass.yaml",
            "--fail-on",
            "high",
        ])
        .assert()
        .code(0);
}

#[test]
fn findings_exit_1_and_threshold_applies() {
    opsgate()
        .args(["scan", "examples/orders-service"])
        .assert()
        .code(1);
    // The example has high findings, so --fail-on high still fails ...
    opsgate()
        .args(["scan", "examples/orders-service", "--fail-on", "high"])
        .assert()
        .code(1);
    // ... and a file with only medium findings passes at --fail-on high.
    opsgate()
        .args([
            "scan",
            "fixtures/policies/OPS-TEL-001/fail.yaml",
            "--fail-on",
            "high",
        ])
        .assert()
        .code(0);
}

#[test]
fn input_errors_exit_2_and_other_files_are_still_scanned() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: [1, 2\n",
    )
    .unwrap();
    std::fs::copy(
        "fixtures/policies/OPS-TEL-001/fail.yaml",
        dir.path().join("good.yaml"),
    )
    .unwrap();
    let out = opsgate()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let report = json_of(&out);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(errors[0]["file"].as_str().unwrap().ends_with("bad.yaml"));
    // At the `[` left open, not past the end of the file.
    assert_eq!(
        (&errors[0]["line"], &errors[0]["column"]),
        (&J::from(3), &J::from(6))
    );
    assert_eq!(
        errors[0]["message"],
        "invalid YAML: this flow sequence is never closed; expected `,` or `]` before the end of the file"
    );
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "OPS-TEL-001"));
    assert_eq!(report["summary"]["units"], 1);
}

#[test]
fn missing_path_and_bad_usage_exit_2() {
    opsgate().args(["scan", "does/not/exist"]).assert().code(2);
    opsgate().args(["scan", "--format", "xml"]).assert().code(2);
    opsgate()
        .args(["scan", "--fail-on", "critical"])
        .assert()
        .code(2);
    opsgate().args(["explain", "OPS-NOPE-999"]).assert().code(2);
}

#[test]
fn non_templates_are_skipped_quietly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("workflow.yml"), "on: push\njobs: {}\n").unwrap();
    std::fs::write(dir.path().join("package.json"), "{\"name\": \"x\"}").unwrap();
    std::fs::write(dir.path().join("broken.yml"), "key: [unclosed\n").unwrap();
    let out = opsgate()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let report = json_of(&out);
    assert_eq!(report["summary"]["skipped"], 3);
    assert_eq!(report["summary"]["units"], 0);
    assert_eq!(report["errors"], serde_json::json!([]));
    // --verbose names them
    let out = opsgate()
        .args(["scan", "--verbose", "--no-color"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("workflow.yml: not a CloudFormation template"),
        "{text}"
    );
}

#[test]
fn json_report_follows_the_design_schema() {
    let out = run(
        &[
            "scan",
            "--format",
            "json",
            "fixtures/policies/OPS-TEL-001/fail.yaml",
        ],
        1,
    );
    let report = json_of(&out);
    assert_eq!(report["version"], 1);
    assert_eq!(report["tool"]["name"], "opsgate");
    let f = &report["findings"][0];
    let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "rule",
        "severity",
        "title",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "resource",
        "resource_type",
        "cdk_path",
        "fingerprint",
        "suppressed",
    ] {
        assert!(keys.contains(&k), "finding lacks {k}: {f}");
    }
    assert_eq!(f["file"], "fixtures/policies/OPS-TEL-001/fail.yaml");
    assert!(f["suppressed"].is_null());
    for k in [
        "files",
        "units",
        "resources",
        "skipped",
        "findings",
        "errors",
    ] {
        assert!(report["summary"][k].is_u64(), "summary lacks {k}");
    }
}

#[test]
fn output_is_identical_on_one_and_many_threads() {
    let run = |threads: &str| {
        opsgate()
            .args([
                "scan",
                "--format",
                "json",
                "--threads",
                threads,
                "fixtures",
                "examples",
            ])
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run("1"), run("4"));
}

#[test]
fn rules_lists_complete_metadata() {
    let out = run(&["rules", "--format", "json"], 0);
    let rules = json_of(&out);
    let rules = rules.as_array().unwrap();
    assert!(rules.len() >= 8);
    for r in rules {
        for k in [
            "id",
            "title",
            "severity",
            "area",
            "section",
            "best_practice",
            "description",
            "remediation",
            "formats",
            "kinds",
        ] {
            assert!(!r[k].is_null(), "rule {} lacks {k}", r["id"]);
        }
        assert!(
            r["remediation"]["cloudformation"].is_string(),
            "rule {} has no CloudFormation remediation",
            r["id"]
        );
    }
    let table = run(&["rules"], 0);
    let table = String::from_utf8(table).unwrap();
    assert!(table.starts_with("ID "));
    assert!(table.contains("OPS-TEL-001"));
}

/// The table's columns start at the header's offsets on every row, two spaces after
/// the widest cell of the column before, and each cell is the rule's metadata.
#[test]
fn rules_table_columns_are_aligned() {
    let args = ["rules", "--policy-dir", "examples/custom-policies/policies"];
    let rules = json_of(&run(&[&args[..], &["--format", "json"]].concat(), 0));
    let rules = rules.as_array().unwrap();
    let table = String::from_utf8(run(&args, 0)).unwrap();
    let lines: Vec<Vec<char>> = table.lines().map(|l| l.chars().collect()).collect();
    let header: String = lines[0].iter().collect();
    // Character offsets (`›` is one column) of each column in the header.
    let starts: Vec<usize> = ["ID", "SEV", "AREA › SECTION", "FORMATS", "TITLE"]
        .iter()
        .map(|h| header.find(h).map(|b| header[..b].chars().count()).unwrap())
        .collect();
    assert_eq!(starts[0], 0);
    assert_eq!(lines.len(), rules.len() + 1);
    for (row, rule) in lines[1..].iter().zip(rules) {
        let text: String = row.iter().collect();
        assert!(!text.ends_with(' '), "trailing space: {text:?}");
        let cell = |i: usize| -> String {
            let end = starts.get(i + 1).copied().unwrap_or(row.len());
            if i + 1 < starts.len() {
                // Two spaces end every cell but the last, and the next starts right after.
                assert_eq!(&row[end - 2..end], &[' ', ' '], "{text:?}");
                assert_ne!(row[end], ' ', "{text:?}");
            }
            row[starts[i]..end]
                .iter()
                .collect::<String>()
                .trim_end()
                .to_string()
        };
        assert_eq!(cell(0), rule["id"].as_str().unwrap());
        assert_eq!(cell(1), rule["severity"].as_str().unwrap());
        assert_eq!(
            cell(2),
            format!(
                "{} › {}",
                rule["area"].as_str().unwrap(),
                rule["section"].as_str().unwrap()
            )
        );
        let formats: Vec<&str> = rule["formats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        let formats = if formats.is_empty() {
            "-".to_string()
        } else {
            formats.join(",")
        };
        assert_eq!(cell(3), formats);
        assert_eq!(cell(4), rule["title"].as_str().unwrap());
    }
    // Each column is as wide as its widest cell: some row fills it up to the two spaces.
    for i in 0..starts.len() - 1 {
        assert!(
            lines.iter().any(|l| l[starts[i + 1] - 3] != ' '),
            "column {i} is wider than its widest cell"
        );
    }
    assert!(rules.iter().any(|r| r["id"] == "ACME-001"));
}

#[test]
fn explain_prints_the_best_practice_and_the_fix() {
    let out = run(&["explain", "ops-tel-001"], 0);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("OPS-TEL-001 — "), "{text}");
    assert!(
        text.contains("best practice: \"Implement transaction traceability\""),
        "{text}"
    );
    assert!(text.contains("How to fix (cloudformation):"), "{text}");
    // Examples quoted from the rule's fixtures: the first failing resource and a
    // passing one of its type, for each format.
    assert!(
        text.contains("Example (cloudformation), fails (fail.yaml):\n  # No TracingConfig at all"),
        "{text}"
    );
    assert!(
        text.contains("      TracingConfig:\n        Mode: Active"),
        "{text}"
    );
    assert!(
        text.contains("Example (terraform), fails (terraform/fail/main.tf):"),
        "{text}"
    );
    assert!(
        text.contains("    tracing_config {\n      mode = \"Active\""),
        "{text}"
    );
}

#[test]
fn explain_quotes_a_custom_rules_own_fixtures() {
    let out = run(
        &[
            "explain",
            "ACME-001",
            "--policy-dir",
            "examples/custom-policies/policies",
        ],
        0,
    );
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("Example (cloudformation), fails (fail.yaml):"),
        "{text}"
    );
}

#[test]
fn version() {
    let out = opsgate()
        .arg("--version")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!("opsgate {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn custom_policy_dir_adds_rules_and_reports_broken_policies() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bucket_names.rego"),
        r#"package acme.bucket_names

import data.opsgate.lib

metadata := {
	"id": "ACME-001", "title": "Buckets are named by team", "severity": "low",
	"area": "Organization", "section": "Organization Culture", "best_practice": "Resources have identified owners",
	"description": "d", "remediation": {"cloudformation": "prefix the name"}, "kinds": ["aws_s3_bucket"],
	"formats": ["cloudformation"],
}

findings contains f if {
	some b in lib.resources("aws_s3_bucket")
	name := lib.get(b, ["properties", "BucketName"])
	is_string(name)
	not regex.match(`(?i)^team-\w+`, name)
	f := lib.finding(b, ["properties", "BucketName"], sprintf("bucket %s is not named team-*", [b.address]))
}
"#,
    )
    .unwrap();
    let template = dir.path().join("t.yaml");
    std::fs::write(&template, "Resources:\n  Good:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: TEAM-orders\n  Bad:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: orders\n").unwrap();
    let out = opsgate()
        .args(["scan", "--format", "json", "--policy-dir"])
        .arg(dir.path())
        .arg(&template)
        .output()
        .unwrap();
    let report = json_of(&out.stdout);
    let acme: Vec<&J> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "ACME-001")
        .collect();
    assert_eq!(acme.len(), 1, "{report}");
    assert_eq!(acme[0]["resource"], "Bad");
    assert_eq!(acme[0]["line"], 9);
    assert_eq!(report["errors"], serde_json::json!([]));

    // A policy that fails at run time is reported with its file; the scan goes on.
    std::fs::write(
        dir.path().join("broken.rego"),
        "package acme.broken\n\nmetadata := {\"id\": \"ACME-002\", \"title\": \"t\", \"severity\": \"low\", \"area\": \"a\", \"section\": \"s\", \"best_practice\": \"b\", \"description\": \"d\", \"remediation\": {}, \"kinds\": [], \"formats\": [\"cloudformation\"]}\n\nfindings contains f if {\n\tsome r in input.resources\n\tf := {\"resource\": r.address, \"message\": 1 / 0}\n}\n",
    )
    .unwrap();
    let out = opsgate()
        .args(["scan", "--format", "json", "--policy-dir"])
        .arg(dir.path())
        .arg(&template)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report = json_of(&out.stdout);
    let errors = report["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["file"].as_str().unwrap().ends_with("broken.rego")),
        "{report}"
    );
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "ACME-001"));
}

#[test]
fn input_prints_the_policy_input() {
    let out = run(&["input", "examples/orders-service/template.yaml"], 0);
    let input = json_of(&out);
    assert_eq!(input["format"], "cloudformation");
    assert_eq!(
        input["resources"]["FulfilmentWorker"]["kind"],
        "aws_lambda_function"
    );
    assert_eq!(
        input["resources"]["FulfilmentWorker"]["properties"]["Timeout"],
        10
    );
}

/// `input` reads what `scan` reads: --var-file values, the config's excludes and
/// limits (flags win), and with --data the config's rule parameters.
#[test]
fn input_takes_the_input_flags_of_scan() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("fn");
    std::fs::create_dir(&module).unwrap();
    std::fs::write(
        module.join("main.tf"),
        "variable \"timeout\" {}\n\nresource \"aws_lambda_function\" \"f\" {\n  function_name = \"f\"\n  timeout       = var.timeout\n}\n",
    )
    .unwrap();
    let vars = dir.path().join("prod.tfvars");
    std::fs::write(&vars, "timeout = 42\n").unwrap();
    let input = |extra: &[&str], code: i32| {
        let out = opsgate()
            .arg("input")
            .arg(&module)
            .args(extra)
            .assert()
            .code(code)
            .get_output()
            .stdout
            .clone();
        if code == 0 {
            json_of(&out)
        } else {
            J::Null
        }
    };
    let f = |i: &J| i["resources"]["aws_lambda_function.f"]["properties"]["timeout"].clone();
    assert_eq!(
        f(&input(&[], 0)),
        serde_json::json!({"$unknown": "var.timeout"})
    );
    let with_vars = input(&["--var-file", vars.to_str().unwrap()], 0);
    assert_eq!(f(&with_vars), 42);
    assert_eq!(with_vars["variables"], serde_json::json!({"timeout": 42}));
    input(&["--var-file", "no/such.tfvars"], 2);
    // baseline shares the definition, and so the check.
    opsgate()
        .arg("baseline")
        .arg(&module)
        .arg("--output")
        .arg(dir.path().join("b.json"))
        .args(["--var-file", "no/such.tfvars"])
        .assert()
        .code(2);
    assert!(!dir.path().join("b.json").exists());

    // The config: stack_tags reach OPS-ORG-001's parameters in data.opsgate.config,
    // excluded files are left out, and its limits apply unless a flag overrides them.
    let template = dir.path().join("t.yaml");
    std::fs::write(&template, "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n").unwrap();
    let config = dir.path().join("opsgate.toml");
    std::fs::write(
        &config,
        "exclude = [\"fn\"]\n\n[cloudformation]\nstack_tags = [\"Owner\"]\n\n[limits]\nmax_file_size = 10\n",
    )
    .unwrap();
    let run_in = |args: &[&str], code: i32| {
        let out = opsgate()
            .current_dir(dir.path())
            .args(args)
            .assert()
            .code(code)
            .get_output()
            .stdout
            .clone();
        json_of(&out)
    };
    // Found beside the scanned folder: t.yaml is over its 10-byte limit ...
    let over = run_in(&["input", "."], 2);
    assert_eq!(over, serde_json::json!([]));
    // ... which --max-file-size raises; fn/ is excluded, so t.yaml is the one unit.
    let doc = run_in(&["input", ".", "--max-file-size", "1KB", "--data"], 0);
    assert_eq!(doc["input"]["unit"], "t.yaml");
    assert_eq!(
        doc["data"],
        serde_json::json!({"opsgate": {"config": {
            "today": "2026-11-25",
            "rules": {"OPS-ORG-001": {"stack_tags": ["Owner"]}},
        }}})
    );
    // --config names the file explicitly, also for a path elsewhere.
    let other = tempfile::tempdir().unwrap();
    std::fs::copy(&template, other.path().join("t.yaml")).unwrap();
    let out = opsgate()
        .arg("input")
        .arg(other.path())
        .arg("--config")
        .arg(&config)
        .args(["--max-file-size", "1KB", "--data"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        json_of(&out)["data"]["opsgate"]["config"]["rules"]["OPS-ORG-001"]["stack_tags"],
        serde_json::json!(["Owner"])
    );
    opsgate()
        .args(["input", ".", "--config", "no/such.toml"])
        .assert()
        .code(2);
}

/// The help of the commands policy authors use names the authoring guide.
#[test]
fn help_points_policy_authors_at_the_guide() {
    for cmd in ["explain", "test", "input"] {
        let out = run(&[cmd, "--help"], 0);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("docs/policy-authoring.md"), "{cmd}: {text}");
    }
    // And the tool says what it reads.
    for args in [&["--help"][..], &["scan", "--help"]] {
        let text = String::from_utf8(run(args, 0)).unwrap();
        assert!(text.contains("CloudFormation"), "{text}");
        assert!(text.contains("Terraform"), "{text}");
        assert!(text.contains("plans"), "{text}");
    }
}

#[test]
fn test_runs_a_teams_fixtures_and_rego_tests() {
    let out = run(&["test", "examples/custom-policies"], 0);
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("ok    ACME-001 fixtures"), "{text}");
    assert!(
        text.contains("ok    test_unknown_timeout_is_silent"),
        "{text}"
    );
    assert!(text.ends_with("4 passed, 0 failed\n"), "{text}");

    // A wrong expectation and a failing Rego test both fail the run.
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &std::path::Path, to: &std::path::Path| {
        for e in walkdir::WalkDir::new(from) {
            let e = e.unwrap();
            let target = to.join(e.path().strip_prefix(from).unwrap());
            if e.file_type().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
            } else {
                std::fs::copy(e.path(), &target).unwrap();
            }
        }
    };
    copy(std::path::Path::new("examples/custom-policies"), dir.path());
    let expected = dir.path().join("fixtures/policies/ACME-001/expected.json");
    let text = std::fs::read_to_string(&expected)
        .unwrap()
        .replace("\"line\": 11", "\"line\": 12");
    std::fs::write(&expected, text).unwrap();
    let test = dir.path().join("policies/lambda_timeout_test.rego");
    let text = std::fs::read_to_string(&test)
        .unwrap()
        .replace("{\"Timeout\": 30}", "{}");
    std::fs::write(&test, text).unwrap();
    let out = opsgate()
        .arg("test")
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("FAIL  ACME-001 fixtures"), "{text}");
    assert!(
        text.contains("fail.yaml: expected [Billing@12, Orders@3]"),
        "{text}"
    );
    assert!(text.contains("FAIL  test_timeout_passes"), "{text}");
    assert!(text.ends_with("2 passed, 2 failed\n"), "{text}");
    opsgate().args(["test", "does/not/exist"]).assert().code(2);
}
