//! `.pre-commit-hooks.yaml` exercised with the real pre-commit client (installed from
//! PyPI by .ci/run): `pre-commit try-repo` builds opsgate from this checkout with
//! cargo, as a user's pre-commit would, and runs it on the files given — a failing
//! template blocks the commit, a clean one and files that are not templates pass,
//! and a staged .tf file of a child module is checked through the root module that
//! calls it, with the same findings as a scan of the whole repository.
//! It needs the pre-commit client, which the repository does not have, so `cargo
//! test` ignores it and `scripts/external-tests` (which `.ci/run` calls) runs it;
//! there it fails, not passes, when pre-commit is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn pre_commit() -> Option<PathBuf> {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/bin")));
    candidates
        .map(|d| d.join("pre-commit"))
        .find(|p| p.is_file())
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .status()
        .expect("git runs")
        .success();
    assert!(ok, "git {args:?}");
}

const CLEAN: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      Tags:
        - Key: Owner
          Value: team-orders
"#;

const BAD: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  ErrorsAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmDescription: errors
      Namespace: AWS/Lambda
      MetricName: Errors
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
"#;

// A child module: scanned alone, its queue would lack the Owner tag that the
// calling root's provider `default_tags` gives it.
const BAD_TF: &str = r#"resource "aws_sqs_queue" "jobs" {
  name = var.name
}
"#;

const TF_VARS: &str = r#"variable "name" {
  type    = string
  default = "jobs"
}
"#;

const ROOT_TF: &str = r#"provider "aws" {
  default_tags {
    tags = { Owner = "team-jobs" }
  }
}

module "queue" {
  source = "../queue"
  name   = "jobs-prod"
}
"#;

#[test]
#[ignore = "needs the pre-commit client (pip install pre-commit): scripts/external-tests"]
fn hook_blocks_bad_templates_and_passes_clean_ones() {
    let pre_commit =
        pre_commit().expect("pre-commit is not on PATH (pip install pre-commit, or .ci/run)");
    let this_repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    std::fs::create_dir_all(repo.join("infra/queue")).unwrap();
    std::fs::create_dir_all(repo.join("infra/app")).unwrap();
    std::fs::write(repo.join("clean.yaml"), CLEAN).unwrap();
    std::fs::write(repo.join("bad.yaml"), BAD).unwrap();
    std::fs::write(repo.join("notes.yaml"), "just: some\nconfig: [1, 2]\n").unwrap();
    std::fs::write(repo.join("README.md"), "# shop\n").unwrap();
    std::fs::write(repo.join("infra/queue/main.tf"), BAD_TF).unwrap();
    std::fs::write(repo.join("infra/queue/variables.tf"), TF_VARS).unwrap();
    std::fs::write(repo.join("infra/app/main.tf"), ROOT_TF).unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);

    // Reuse one pre-commit cache across the runs (and across test runs locally), and
    // this test's own cargo target folder and profile (release), so that pre-commit's
    // `cargo install` compiles only opsgate's own crates, not every dependency again.
    let home = this_repo.join("target/pre-commit-test/home");
    let target = std::env::current_exe()
        .unwrap()
        .ancestors()
        .nth(3)
        .expect("<target>/<profile>/deps/<test binary>")
        .to_path_buf();
    let run = |files: &[&str]| {
        let out = Command::new(&pre_commit)
            .arg("try-repo")
            .arg(&this_repo)
            .arg("opsgate")
            .arg("--files")
            .args(files)
            .current_dir(&repo)
            .env("PRE_COMMIT_HOME", &home)
            .env("CARGO_TARGET_DIR", &target)
            .env("OPSGATE_TODAY", "2026-11-25")
            .env_remove("GITHUB_ACTIONS")
            .env("NO_COLOR", "1")
            .output()
            .expect("pre-commit runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    };

    let (code, out) = run(&["bad.yaml", "clean.yaml"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("OPS-EVT-001"), "{out}");
    assert!(out.contains("bad.yaml"), "{out}");
    assert!(!out.contains("clean.yaml:"), "{out}");

    let (code, out) = run(&["clean.yaml", "notes.yaml", "README.md"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Passed"), "{out}");

    // Only a child module's file staged: checked through its caller, as a scan of
    // the whole repository checks it — the same findings at the same places, and no
    // OPS-ORG-001 (the caller's default_tags set Owner).
    let full = std::process::Command::new(env!("CARGO_BIN_EXE_opsgate"))
        .args(["scan", "--format", "json", "."])
        .current_dir(&repo)
        .env("OPSGATE_TODAY", "2026-11-25")
        .output()
        .unwrap();
    let full: serde_json::Value = serde_json::from_slice(&full.stdout).unwrap();
    let expected: Vec<(String, String)> = full["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"].as_str().unwrap().starts_with("infra/queue/"))
        .map(|f| {
            let place = format!("{}:{}:", f["file"].as_str().unwrap(), f["line"]);
            (f["rule"].as_str().unwrap().to_string(), place)
        })
        .collect();
    assert!(
        expected.iter().any(|(rule, _)| rule == "OPS-EVT-007"),
        "{expected:?}"
    );
    let (code, out) = run(&["infra/queue/variables.tf"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("module.queue.aws_sqs_queue.jobs"), "{out}");
    for (rule, place) in &expected {
        assert!(
            out.contains(rule.as_str()) && out.contains(place.as_str()),
            "{rule} at {place}: {out}"
        );
    }
    assert!(!out.contains("OPS-ORG-001"), "{out}");
    let count = format!("{} finding", expected.len());
    assert!(out.contains(&count), "{count}: {out}");
}
