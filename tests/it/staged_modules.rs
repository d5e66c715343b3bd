//! pre-commit passes only the staged files. A staged file of a child module is
//! checked through the root modules of its repository that call it (their inputs,
//! providers and default_tags): its findings and fingerprints are exactly those a
//! scan of the whole repository reports for it. A baseline summary and `opsgate
//! exceptions` judge only the entries that such a partial scan covered.
//!
//! The opsgate binary is run as the hook runs it (`opsgate scan FILE...` from the
//! repository's root); the pre-commit client itself is tested in tests/pre_commit.rs.

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

/// `opsgate scan ARGS --format json`: the report (exit code 0, 1 or 2 checked by the caller).
fn scan(dir: &Path, args: &[&str]) -> (i32, J) {
    let out = opsgate(dir)
        .arg("scan")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), report)
}

/// (rule, resource, file, line, fingerprint) of every finding, sorted.
type Row = (String, String, String, u64, String);

fn rows(report: &J) -> Vec<Row> {
    let mut rows: Vec<Row> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["resource"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn in_dir(rows: &[Row], dir: &str) -> Vec<Row> {
    rows.iter()
        .filter(|r| Path::new(&r.2).parent() == Some(Path::new(dir)))
        .cloned()
        .collect()
}

/// Without fingerprints, to assert the findings themselves.
fn short(rows: &[Row]) -> Vec<(&str, &str, &str, u64)> {
    rows.iter()
        .map(|r| (r.0.as_str(), r.1.as_str(), r.2.as_str(), r.3))
        .collect()
}

const ROOT: &str = r#"provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = { Owner = "team-orders" }
  }
}

module "worker" {
  source  = "./modules/worker"
  name    = "fulfilment"
  runtime = "nodejs16.x"
}

module "jobs" {
  source  = "./modules/worker"
  name    = "jobs"
  runtime = "python3.12"
}
"#;

const WORKER: &str = r#"resource "aws_lambda_function" "this" {
  function_name = var.name
  role          = "arn:aws:iam::123456789012:role/worker"
  runtime       = var.runtime
  handler       = "index.handler"
  filename      = "worker.zip"
}

module "queue" {
  source = "../queue"
  name   = "${var.name}-dlq"
}
"#;

const WORKER_VARS: &str = r#"variable "name" {}
variable "runtime" {}
"#;

const QUEUE: &str = r#"variable "name" {}

resource "aws_sqs_queue" "this" {
  name = var.name
}
"#;

/// A second root calling the same module, without default tags.
const STAGING: &str = r#"module "worker" {
  source  = "../../terraform/modules/worker"
  name    = "staging-worker"
  runtime = "python3.8"
}
"#;

/// A `source` that is not a module call: the text search finds it, parsing drops it.
const TOOLS: &str = r#"resource "null_resource" "upload" {
  provisioner "file" {
    source      = "../terraform/modules/worker"
    destination = "/tmp/worker"
  }
}
"#;

const ALARM: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Errors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: Errors
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
"#;

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("terraform/main.tf", ROOT),
        ("terraform/modules/worker/main.tf", WORKER),
        ("terraform/modules/worker/variables.tf", WORKER_VARS),
        ("terraform/modules/queue/main.tf", QUEUE),
        ("envs/staging/main.tf", STAGING),
        ("tools/main.tf", TOOLS),
        ("stacks/a.yaml", ALARM),
        ("stacks/b.yaml", ALARM),
    ];
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    // The repository root that callers are looked for in (what `git init` makes).
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    dir
}

#[test]
fn a_staged_child_module_gets_the_full_scans_findings() {
    let repo = repo();
    let (code, full) = scan(repo.path(), &["."]);
    assert_eq!(code, 1);
    let full = rows(&full);
    let worker = in_dir(&full, "terraform/modules/worker");
    let w = "terraform/modules/worker/main.tf";
    // Through `terraform` (two instances, Owner from the provider's default_tags)
    // and through `envs/staging` (no default tags: OPS-ORG-001). A finding that both
    // units report alike at one place is reported once, as the first unit's.
    assert_eq!(
        short(&worker),
        [
            (
                "OPS-FLOW-001",
                "module.worker.aws_lambda_function.this",
                w,
                4
            ),
            (
                "OPS-FLOW-001",
                "module.worker.aws_lambda_function.this",
                w,
                4
            ),
            ("OPS-HLT-001", "module.jobs.aws_lambda_function.this", w, 1),
            (
                "OPS-HLT-001",
                "module.worker.aws_lambda_function.this",
                w,
                1
            ),
            (
                "OPS-ORG-001",
                "module.worker.aws_lambda_function.this",
                w,
                1
            ),
            ("OPS-TEL-001", "module.jobs.aws_lambda_function.this", w, 1),
            (
                "OPS-TEL-001",
                "module.worker.aws_lambda_function.this",
                w,
                1
            ),
            ("OPS-TEL-002", "module.jobs.aws_lambda_function.this", w, 1),
            (
                "OPS-TEL-002",
                "module.worker.aws_lambda_function.this",
                w,
                1
            ),
            (
                "OPS-TEL-002",
                "module.worker.aws_lambda_function.this",
                w,
                1
            ),
        ]
    );

    // Either file of the module, or both, staged: exactly those findings.
    for staged in [
        &[w][..],
        &["terraform/modules/worker/variables.tf"],
        &[w, "terraform/modules/worker/variables.tf"],
    ] {
        let (code, report) = scan(repo.path(), staged);
        assert_eq!(code, 1, "{staged:?}");
        assert_eq!(rows(&report), worker, "{staged:?}");
        assert_eq!(report["summary"]["units"], 2, "{staged:?}");
        assert_eq!(report["summary"]["resources"], 3, "{staged:?}");
    }

    // Called through another module (terraform -> worker -> queue, and from staging).
    let queue = in_dir(&full, "terraform/modules/queue");
    let q = "terraform/modules/queue/main.tf";
    assert_eq!(
        short(&queue),
        [
            (
                "OPS-EVT-007",
                "module.jobs.module.queue.aws_sqs_queue.this",
                q,
                3
            ),
            (
                "OPS-EVT-007",
                "module.worker.module.queue.aws_sqs_queue.this",
                q,
                3
            ),
            (
                "OPS-ORG-001",
                "module.worker.module.queue.aws_sqs_queue.this",
                q,
                3
            ),
        ]
    );
    let (_, report) = scan(repo.path(), &["terraform/modules/queue/main.tf"]);
    assert_eq!(rows(&report), queue);

    // A root module staged: its unit in full, as before (its modules' findings too).
    let root: Vec<Row> = {
        let (_, report) = scan(repo.path(), &["terraform"]);
        rows(&report)
    };
    let (_, report) = scan(repo.path(), &["terraform/main.tf"]);
    assert_eq!(rows(&report), root);
    // With a child of it: the root in full, and the child through its other root.
    let (_, report) = scan(repo.path(), &["terraform/main.tf", w]);
    let mut expected = worker.clone();
    expected.extend(in_dir(&root, "terraform/modules/queue"));
    expected.extend(in_dir(&root, "terraform"));
    expected.sort();
    assert_eq!(rows(&report), expected);

    // A module that no root calls stays its own root (the `source` in tools/ is a
    // file provisioner's); so does a child module outside any repository.
    let (_, report) = scan(repo.path(), &["tools/main.tf"]);
    assert_eq!(rows(&report), in_dir(&full, "tools"));
    std::fs::remove_dir(repo.path().join(".git")).unwrap();
    let (_, report) = scan(&repo.path().join("terraform/modules/worker"), &["main.tf"]);
    let own: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["resource"].as_str().unwrap()))
        .collect();
    assert!(
        own.contains(&("OPS-ORG-001", "aws_lambda_function.this")),
        "{own:?}"
    );
}

#[test]
fn the_configs_excludes_hide_callers_as_in_a_full_scan() {
    let repo = repo();
    std::fs::write(
        repo.path().join("opsgate.toml"),
        "exclude = [\"envs/**\"]\n",
    )
    .unwrap();
    let (_, full) = scan(repo.path(), &["."]);
    let worker = in_dir(&rows(&full), "terraform/modules/worker");
    assert_eq!(worker.len(), 7, "{worker:?}");
    let (_, report) = scan(repo.path(), &["terraform/modules/worker/main.tf"]);
    assert_eq!(rows(&report), worker);
    assert_eq!(report["summary"]["units"], 1);
}

fn baseline(dir: &Path) -> J {
    opsgate(dir)
        .args(["baseline", ".", "--output", "baseline.json"])
        .assert()
        .code(0);
    serde_json::from_str(&std::fs::read_to_string(dir.join("baseline.json")).unwrap()).unwrap()
}

#[test]
fn a_partial_scan_judges_only_the_baseline_entries_it_covered() {
    let repo = repo();
    let recorded = baseline(repo.path());
    let entries = recorded["findings"].as_array().unwrap();
    let of_file = |file: &str| entries.iter().filter(|e| e["file"] == file).count();
    assert_eq!(of_file("terraform/modules/worker/main.tf"), 10);
    assert_eq!(of_file("stacks/a.yaml"), 4);
    // Each entry names its unit.
    assert!(entries
        .iter()
        .any(|e| e["unit"] == "envs/staging" && e["file"] == "terraform/modules/worker/main.tf"));

    let summary = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--baseline", "baseline.json"]);
        let (code, report) = scan(repo.path(), &all);
        (code, report["summary"]["baseline"].clone())
    };
    let counts =
        |entries: usize, stale: usize| serde_json::json!({"entries": entries, "stale": stale});
    assert_eq!(summary(&["."]), (0, counts(entries.len(), 0)));
    // Staged files: only their entries (and, for a module, those of the units it
    // was checked through).
    assert_eq!(
        summary(&["terraform/modules/worker/main.tf"]),
        (0, counts(10, 0))
    );
    assert_eq!(summary(&["stacks/a.yaml"]), (0, counts(4, 0)));
    assert_eq!(
        summary(&["stacks/a.yaml", "terraform/modules/queue/main.tf"]),
        (0, counts(7, 0))
    );
    // The child module scanned as a folder is its own root, a unit the baseline
    // never saw: its findings are new, and the entries of the units that call it
    // are not judged.
    let (code, report) = scan(
        repo.path(),
        &["terraform/modules/queue", "--baseline", "baseline.json"],
    );
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["baseline"], counts(0, 0));

    // A fix in the staged module: its entries in every unit no longer occur.
    std::fs::write(
        repo.path().join("terraform/modules/worker/main.tf"),
        WORKER.replace(
            "  filename      = \"worker.zip\"\n",
            "  filename      = \"worker.zip\"\n  tracing_config {\n    mode = \"Active\"\n  }\n",
        ),
    )
    .unwrap();
    assert_eq!(
        summary(&["terraform/modules/worker/main.tf"]),
        (0, counts(10, 2))
    );
    let human = opsgate(repo.path())
        .args([
            "scan",
            "terraform/modules/worker/main.tf",
            "--baseline",
            "baseline.json",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(human)
        .unwrap()
        .contains("baseline: 10 entries, 2 no longer occur"));

    // A deleted template under a folder scanned is covered: its entries are stale.
    std::fs::remove_file(repo.path().join("stacks/b.yaml")).unwrap();
    assert_eq!(summary(&["stacks"]), (0, counts(8, 4)));

    // A baseline written before entries named their unit: judged by file.
    let mut old = recorded.clone();
    for e in old["findings"].as_array_mut().unwrap() {
        e.as_object_mut().unwrap().remove("unit");
    }
    std::fs::write(repo.path().join("baseline.json"), old.to_string()).unwrap();
    assert_eq!(summary(&["stacks/a.yaml"]), (0, counts(4, 0)));
    assert_eq!(
        summary(&["terraform/modules/worker/main.tf"]),
        (0, counts(10, 2))
    );
}

const EXCEPTIONS: &str = r#"[[exceptions]]
rule = "OPS-FLOW-001"
resource = "module.worker.*"
path = "terraform/modules/worker/*.tf"
reason = "upgrade planned"
owner = "team-orders"
expires = 2027-06-30

[[exceptions]]
rule = "OPS-EVT-001"
resource = "Errors"
path = "stacks/*.yaml"
reason = "paged by the legacy pager"
owner = "team-ops"
expires = 2027-06-30

[[exceptions]]
rule = "OPS-TEL-001"
resource = "module.old.*"
reason = "a module that was removed"
owner = "team-orders"
expires = 2027-06-30

[[exceptions]]
rule = "OPS-DEP-001"
resource = "module.jobs.*"
path = "terraform/modules/worker/main.tf"
reason = "a rule that has nothing to say there"
owner = "team-orders"
expires = 2027-06-30
"#;

/// (state, where) of each exception `opsgate exceptions PATHS` lists.
fn states(dir: &Path, paths: &[&str]) -> Vec<(String, String)> {
    let out = opsgate(dir)
        .arg("exceptions")
        .args(paths)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| {
            let mut words = l.split_whitespace();
            let state = words.next().unwrap().to_string();
            let at = words.next().unwrap().to_string();
            (state, at)
        })
        .collect()
}

#[test]
fn exceptions_are_unused_only_where_they_could_have_matched() {
    let repo = repo();
    std::fs::write(repo.path().join("opsgate.toml"), EXCEPTIONS).unwrap();
    let state = |s: &str, line: usize| (s.to_string(), format!("opsgate.toml:{line}"));
    // The whole repository: what covers nothing is unused.
    assert_eq!(
        states(repo.path(), &["."]),
        [
            state("active", 1),
            state("active", 9),
            state("unused", 17),
            state("unused", 24)
        ]
    );
    // The staged module: the stacks' exception and the one for a resource that was
    // not scanned are not judged; the one whose path and resource were scanned is.
    assert_eq!(
        states(repo.path(), &["terraform/modules/worker/main.tf"]),
        [
            state("active", 1),
            state("unscanned", 9),
            state("unscanned", 17),
            state("unused", 24)
        ]
    );
    // One template: the Terraform exceptions were not in reach.
    assert_eq!(
        states(repo.path(), &["stacks/a.yaml"]),
        [
            state("unscanned", 1),
            state("active", 9),
            state("unscanned", 17),
            state("unscanned", 24)
        ]
    );
    let out = opsgate(repo.path())
        .args(["exceptions", "stacks/a.yaml"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(out).unwrap().starts_with(
        "unscanned opsgate.toml:1  OPS-FLOW-001 module.worker.* in terraform/modules/worker/*.tf  owner team-orders  expires 2027-06-30  covers 0 finding(s)"
    ));
}
