//! Smoke test over ../shared/corpus (real public templates nobody here wrote):
//! no crash, every template either scanned or reported as an error with a
//! location, and nothing that is not a template reported at all.
//! Skipped with a message when the corpus is absent.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use opsgate::evaluate::{PolicyOptions, PolicySet};

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("OPSGATE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping the corpus smoke test: {} does not exist",
            dir.display()
        );
        None
    }
}

#[test]
fn the_binary_survives_the_whole_corpus() {
    let Some(dir) = corpus() else { return };
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
fn every_template_is_scanned_or_reported() {
    let Some(dir) = corpus() else { return };
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
        result.stats.units > 2400,
        "only {} templates scanned",
        result.stats.units
    );
    assert!(result.errors.len() < 60, "{} errors", result.errors.len());
}
