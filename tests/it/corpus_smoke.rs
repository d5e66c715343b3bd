//! Smoke test over the corpus of real public templates nobody here wrote:
//! no crash, every template either scanned or reported as an error with a
//! location, and nothing that is not a template reported at all.
//! The corpus is not part of the repository, so these tests are ignored by
//! `cargo test` and run by `scripts/external-tests` (which `.ci/run` calls); there
//! they fail, not pass, when the corpus is missing.

use std::collections::HashSet;
use std::path::PathBuf;

use assert_cmd::Command;
use opsgate::evaluate::{PolicyOptions, PolicySet};

/// The corpus folder, from OPSGATE_CORPUS (scripts/external-tests sets it); the
/// repository has no corpus of its own, so a test that needs it fails without it.
pub(crate) fn corpus() -> PathBuf {
    let dir = std::env::var_os("OPSGATE_CORPUS")
        .map(PathBuf::from)
        .expect("OPSGATE_CORPUS is not set: run scripts/external-tests");
    assert!(
        dir.is_dir(),
        "the corpus {} (OPSGATE_CORPUS) does not exist",
        dir.display()
    );
    dir
}

#[test]
#[ignore = "needs the corpus (OPSGATE_CORPUS): scripts/external-tests"]
fn the_binary_survives_the_whole_corpus() {
    let dir = corpus();
    let out = Command::cargo_bin("opsgate")
        .unwrap()
        .env("OPSGATE_TODAY", "2026-11-25")
        .args(["scan", "--format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    let code = out.status.code().expect("exited, not killed by a signal");
    assert!([0, 1, 2].contains(&code), "exit code {code}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    for e in report["errors"].as_array().unwrap() {
        let file = e["file"].as_str().unwrap();
        assert!(
            !file.contains("/not-templates/"),
            "a non-template reported as an error: {e}"
        );
        let is_policy = file.ends_with(".rego");
        assert!(!is_policy, "a built-in policy failed: {e}");
        assert!(e["line"].is_u64(), "an error without a location: {e}");
    }
}

#[test]
#[ignore = "needs the corpus (OPSGATE_CORPUS): scripts/external-tests"]
fn every_template_is_scanned_or_reported() {
    let dir = corpus();
    let policies = PolicySet::load(&PolicyOptions {
        today: "2026-11-25".into(),
        builtins: true,
        ..Default::default()
    });
    let result = opsgate::scan::scan(std::slice::from_ref(&dir), &policies);
    let discovered = opsgate::discover::discover(std::slice::from_ref(&dir));
    let units: HashSet<&str> = result.units.iter().map(String::as_str).collect();
    let errors: HashSet<&str> = result.errors.iter().map(|e| e.file.as_str()).collect();
    let skipped: HashSet<&str> = result.skipped.iter().map(|(f, _)| f.as_str()).collect();
    for c in &discovered.files {
        let f = c.display.as_str();
        // A template with one bad resource is both scanned and reported.
        let places = [units.contains(f) || errors.contains(f), skipped.contains(f)];
        assert_eq!(
            places.iter().filter(|x| **x).count(),
            1,
            "{f} is in {places:?} (scanned or reported, skipped)"
        );
        if f.contains("/not-templates/") {
            assert!(
                skipped.contains(f),
                "{f} is not a template but was not skipped"
            );
        } else if skipped.contains(f) {
            let text = std::fs::read(&c.path).unwrap();
            assert!(
                !String::from_utf8_lossy(&text).contains("AWSTemplateFormatVersion"),
                "{f} declares AWSTemplateFormatVersion but was skipped as {:?}",
                result.skipped.iter().find(|(s, _)| s == f)
            );
        }
    }
    // The corpus holds about 2,500 CloudFormation templates; almost all must load.
    assert!(
        result.stats.templates > 2400,
        "only {} templates scanned",
        result.stats.templates
    );
    let template_errors = result
        .errors
        .iter()
        .filter(|e| !is_terraform(&e.file))
        .count();
    assert!(template_errors < 50, "{template_errors} template errors");
    // The plan files, all readable (UTF-16 ones included).
    assert_eq!(result.stats.plans, 44, "plans scanned");
}

fn is_terraform(file: &str) -> bool {
    file.ends_with(".tf") || file.ends_with(".tf.json") || file.ends_with(".tfvars")
}

/// Terraform files in the corpus that are not valid HCL (checked by hand: each
/// is a parser test of its project, or a deliberately broken example).
const INVALID_HCL: &[&str] = &[
    "aws+aws-sam-cli/tests/integration/testdata/buildcmd/terraform/broken_tf/main.tf",
    "bridgecrewio+checkov/tests/terraform/parser/resources/hcl_timeout/main.tf",
    "bridgecrewio+checkov/tests/terraform/parser/resources/parser_scenarios/bad_tf_nested_modules_enable/skip_bad_tf_example.tf",
    "bridgecrewio+checkov/tests/terraform/parser/resources/parser_scenarios/maze_of_variables/maze.tf",
    "bridgecrewio+checkov/tests/terraform/parser/skip_bad_tf_example.tf",
    "bridgecrewio+checkov/tests/terraform/runner/resources/example/example.tf",
    "bridgecrewio+checkov/tests/terraform/runner/resources/example/invalid.tf",
    "bridgecrewio+checkov/tests/terraform/runner/resources/hcl_timeout/main.tf",
    "bridgecrewio+checkov/tests/terraform/runner/resources/invalid_terraform_syntax/bad_tf_1.tf",
    "bridgecrewio+checkov/tests/terraform/runner/resources/invalid_terraform_syntax/bad_tf_2.tf",
    "bridgecrewio+checkov/tests/terraform/runner/resources/unbalanced_eval_brackets/main.tf",
];

/// Valid Terraform whose local module `source` names a directory that is not there
/// (`terraform init` fails on it too): an error on its `source` line.
const MISSING_MODULE_SOURCE: &[&str] = &[
    "bridgecrewio+checkov/tests/terraform/module_loading/data/tf_module_downloader/public_modules/main.tf",
];

/// A module that calls itself (`source = "./"`; Terraform rejects it): an error on
/// its `source` line, and its resources checked once.
const SELF_CALLING_MODULE: &[&str] =
    &["bridgecrewio+checkov/tests/terraform/runner/resources/resource_ids_nested_modules/main.tf"];

#[test]
#[ignore = "needs the corpus (OPSGATE_CORPUS): scripts/external-tests"]
fn every_terraform_module_is_scanned_and_valid_hcl_loads() {
    let dir = corpus();
    let policies = PolicySet::load(&PolicyOptions {
        today: "2026-11-25".into(),
        builtins: true,
        ..Default::default()
    });
    let result = opsgate::scan::scan(std::slice::from_ref(&dir), &policies);
    let prefix = format!("{}/", opsgate::discover::display_path(&dir));
    let terraform_errors: Vec<(String, &str)> = result
        .errors
        .iter()
        .filter(|e| is_terraform(&e.file))
        .map(|e| {
            let file = e.file.strip_prefix(&prefix).unwrap_or(&e.file);
            (file.to_string(), e.message.as_str())
        })
        .collect();
    for (f, message) in &terraform_errors {
        if MISSING_MODULE_SOURCE.contains(&f.as_str()) {
            assert!(
                message.starts_with("module source `") && message.contains("does not exist"),
                "{f}: {message}"
            );
        } else if SELF_CALLING_MODULE.contains(&f.as_str()) {
            assert!(
                message.contains("calls the module it is in"),
                "{f}: {message}"
            );
        } else {
            assert!(
                INVALID_HCL.contains(&f.as_str()),
                "valid Terraform reported as an error: {f}: {message}"
            );
        }
    }
    assert_eq!(
        terraform_errors.len(),
        INVALID_HCL.len() + MISSING_MODULE_SOURCE.len() + SELF_CALLING_MODULE.len(),
        "{terraform_errors:?}"
    );
    // Every module directory is a unit, or is called (as a local module) by one.
    let discovered = opsgate::discover::discover(std::slice::from_ref(&dir));
    let loader = opsgate::normalise::terraform::Loader::default();
    let roots = opsgate::scan::terraform_roots(&discovered.terraform_dirs, &loader);
    let dirs: Vec<std::path::PathBuf> = discovered
        .terraform_dirs
        .iter()
        .map(|c| c.path.clone())
        .collect();
    let called = loader.called_dirs(&dirs);
    let units: HashSet<&str> = result.units.iter().map(String::as_str).collect();
    for d in &discovered.terraform_dirs {
        if roots.iter().any(|r| r.path == d.path) {
            assert!(
                units.contains(d.display.as_str()),
                "{} not scanned",
                d.display
            );
        } else {
            assert!(
                called.contains(&d.path.canonicalize().unwrap()),
                "{} neither scanned nor called",
                d.display
            );
        }
    }
    assert!(
        result.stats.modules > 300,
        "only {} Terraform root modules",
        result.stats.modules
    );
}
