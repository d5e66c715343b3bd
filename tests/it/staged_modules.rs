//! pre-commit passes only the staged files. A staged file of a child module is
//! checked through the root modules of its repository that call it (their inputs,
//! providers and default_tags): its findings and fingerprints are exactly those a
//! scan of the whole repository reports for it. A baseline summary and `opsgate
//! exceptions` judge only the entries that such a partial scan covered. A module
//! that several roots call gives each root its own findings (units are part of a
//! finding), so a baseline of the whole repository matches a scan of one root.
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

/// (unit, rule, resource, file, line, fingerprint) of every finding, sorted.
type Row = (String, String, String, String, u64, String);

fn rows(report: &J) -> Vec<Row> {
    let mut rows: Vec<Row> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["unit"].as_str().unwrap().to_string(),
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
        .filter(|r| Path::new(&r.3).parent() == Some(Path::new(dir)))
        .cloned()
        .collect()
}

/// (unit, rule, resource, line), to assert the findings of one file themselves.
fn short(rows: &[Row]) -> Vec<(&str, &str, &str, u64)> {
    rows.iter()
        .map(|r| (r.0.as_str(), r.1.as_str(), r.2.as_str(), r.4))
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
    // and through `envs/staging` (no default tags: OPS-ORG-001); each unit has its
    // own findings, also where both report the same at one place.
    let (fun, jobs) = (
        "module.worker.aws_lambda_function.this",
        "module.jobs.aws_lambda_function.this",
    );
    let staging = "envs/staging";
    assert_eq!(
        short(&worker),
        [
            (staging, "OPS-FLOW-001", fun, 4),
            (staging, "OPS-HLT-001", fun, 1),
            (staging, "OPS-ORG-001", fun, 1),
            (staging, "OPS-TEL-001", fun, 1),
            (staging, "OPS-TEL-002", fun, 1),
            ("terraform", "OPS-FLOW-001", fun, 4),
            ("terraform", "OPS-HLT-001", jobs, 1),
            ("terraform", "OPS-HLT-001", fun, 1),
            ("terraform", "OPS-TEL-001", jobs, 1),
            ("terraform", "OPS-TEL-001", fun, 1),
            ("terraform", "OPS-TEL-002", jobs, 1),
            ("terraform", "OPS-TEL-002", fun, 1),
        ]
    );
    assert!(worker.iter().all(|r| r.3 == w));

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
    let queue_of = |m: &'static str| -> &'static str {
        if m == "jobs" {
            "module.jobs.module.queue.aws_sqs_queue.this"
        } else {
            "module.worker.module.queue.aws_sqs_queue.this"
        }
    };
    assert_eq!(
        short(&queue),
        [
            (staging, "OPS-EVT-007", queue_of("worker"), 3),
            (staging, "OPS-ORG-001", queue_of("worker"), 3),
            ("terraform", "OPS-EVT-007", queue_of("jobs"), 3),
            ("terraform", "OPS-EVT-007", queue_of("worker"), 3),
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
    assert_eq!(of_file("terraform/modules/worker/main.tf"), 12);
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
        (0, counts(12, 0))
    );
    assert_eq!(summary(&["stacks/a.yaml"]), (0, counts(4, 0)));
    assert_eq!(
        summary(&["stacks/a.yaml", "terraform/modules/queue/main.tf"]),
        (0, counts(8, 0))
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

    // A fix in the staged module: its entries in every unit no longer occur (the
    // function's TEL-001 in both instances of `terraform` and in `envs/staging`).
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
        (0, counts(12, 3))
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
        .contains("baseline: 12 entries, 3 no longer occur"));

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
        (0, counts(12, 3))
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

/// The repro of issue 17: a module that two root modules call, with findings.
fn two_roots() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let db = "resource \"aws_db_instance\" \"this\" {\n  engine                  = \"postgres\"\n  instance_class          = \"db.t4g.large\"\n  backup_retention_period = 1\n}\n";
    let call = "module \"db\" {\n  source = \"../mod\"\n}\n";
    for (path, text) in [
        ("mod/main.tf", db),
        ("a/main.tf", call),
        ("b/main.tf", call),
    ] {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// (unit, rule, file, line, fingerprint) of every finding, sorted.
fn by_unit(report: &J) -> Vec<(String, String, String, u64, String)> {
    let mut rows: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (
                s("unit"),
                s("rule"),
                s("file"),
                f["line"].as_u64().unwrap(),
                s("fingerprint"),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// Units are part of a finding: the module's findings are reported once per root
/// that calls it, each with its unit and fingerprint, as a scan of that root alone
/// reports them.
#[test]
fn a_module_of_two_roots_gives_each_root_its_findings() {
    let repo = two_roots();
    let (code, a) = scan(repo.path(), &["a"]);
    assert_eq!(code, 1);
    let (_, b) = scan(repo.path(), &["b"]);
    let (_, all) = scan(repo.path(), &["."]);
    let (a, b, all) = (by_unit(&a), by_unit(&b), by_unit(&all));
    assert_eq!(a.len(), 7, "{a:?}");
    assert!(a.iter().all(|r| r.0 == "a" && r.2 == "mod/main.tf"));
    assert!(b.iter().all(|r| r.0 == "b"));
    let mut both = [a.clone(), b.clone()].concat();
    both.sort();
    assert_eq!(all, both, "a scan of both roots is the scans of each");
    // Same places, distinct fingerprints.
    assert!(a.iter().zip(&b).all(|(x, y)| x.1 == y.1 && x.4 != y.4));
}

/// A baseline of the whole repository matches a scan of one root (nothing new,
/// nothing stale); a baseline of one root leaves the other root's findings new.
#[test]
fn a_baseline_of_the_repository_matches_a_scan_of_one_root_and_back() {
    let repo = two_roots();
    let whole = baseline(repo.path());
    assert_eq!(
        whole["findings"].as_array().map(Vec::len),
        Some(14),
        "{whole}"
    );
    let (code, b) = scan(repo.path(), &["--baseline", "baseline.json", "b"]);
    assert_eq!(code, 0, "{b}");
    assert_eq!(b["summary"]["findings"], 0);
    // (The entries that a scan of `b` covers.)
    assert_eq!(
        b["summary"]["baseline"],
        serde_json::json!({"entries": 7, "stale": 0})
    );

    opsgate(repo.path())
        .args(["baseline", "b", "--output", "b.json"])
        .assert()
        .code(0);
    let (code, all) = scan(repo.path(), &["--baseline", "b.json", "."]);
    assert_eq!(code, 1);
    let open: Vec<&J> = all["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"].is_null())
        .collect();
    assert_eq!(open.len(), 7);
    assert!(open.iter().all(|f| f["unit"] == "a"), "{open:?}");
    assert_eq!(
        all["summary"]["baseline"],
        serde_json::json!({"entries": 7, "stale": 0})
    );
}

/// The human output shows a finding the roots share once, naming them; the
/// summary counts each unit's.
#[test]
fn human_output_shows_a_shared_finding_once_with_its_root_modules() {
    let repo = two_roots();
    let out = opsgate(repo.path()).args(["scan", "."]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches("[mod/main.tf:").count(), 7, "{text}");
    assert_eq!(
        text.matches("found alike in root modules a and b").count(),
        7,
        "{text}"
    );
    assert!(
        text.contains("\n14 findings (8 medium, 6 low) in 2 resources"),
        "{text}"
    );
    assert!(
        text.contains("\nshown: 7, each finding that several units or instances share once\n"),
        "{text}"
    );
}
