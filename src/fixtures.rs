//! The fixture harness: runs each rule's fixtures (`<dir>/<RULE-ID>/`) and compares
//! the rule's findings with `expected.json`. The built-in test suite uses it, and
//! so will `opsgate test` for a team's own policies.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::evaluate::PolicySet;
use crate::scan;

/// One expected finding of the rule under test.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub resource: String,
    pub line: usize,
    /// Compared only when given.
    #[serde(default)]
    pub severity: Option<String>,
}

/// A mismatch, described for a person.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub rule: String,
    pub file: String,
    pub message: String,
}

/// Fixture files every rule must have, per format it covers.
pub fn required_files(format: &str) -> &'static [&'static str] {
    match format {
        "cloudformation" => &[
            "fail.yaml",
            "fail.json",
            "pass.yaml",
            "pass.json",
            "unknown.yaml",
        ],
        _ => &[],
    }
}

/// Runs every rule's fixtures under `dir`; an empty result means all passed.
/// `checked` counts the fixture files compared.
pub fn run(policies: &PolicySet, dir: &Path, checked: &mut usize) -> Vec<Failure> {
    let mut failures = Vec::new();
    for rule in &policies.rules {
        let id = &rule.meta.id;
        let rule_dir = dir.join(id);
        let fail = |file: &str, message: String| Failure {
            rule: id.clone(),
            file: file.to_string(),
            message,
        };
        let expected_path = rule_dir.join("expected.json");
        let expected: BTreeMap<String, Vec<Expected>> =
            match std::fs::read_to_string(&expected_path)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
            {
                Ok(e) => e,
                Err(e) => {
                    failures.push(fail(
                        "expected.json",
                        format!("cannot read {}: {e}", expected_path.display()),
                    ));
                    continue;
                }
            };
        for format in &rule.meta.formats {
            for required in required_files(format) {
                if !expected.contains_key(*required) {
                    failures.push(fail(
                        required,
                        format!(
                            "{id} covers {format} but has no fixture {required} in expected.json"
                        ),
                    ));
                }
            }
        }
        for file in fixture_files(&rule_dir) {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            if !expected.contains_key(&name) {
                failures.push(fail(
                    &name,
                    "fixture file is not listed in expected.json".into(),
                ));
            }
        }
        for (name, want) in &expected {
            *checked += 1;
            let path = rule_dir.join(name);
            if !path.is_file() {
                failures.push(fail(name, format!("{} does not exist", path.display())));
                continue;
            }
            let result = scan::scan(std::slice::from_ref(&path), policies);
            if result.stats.units != 1 {
                failures.push(fail(name, "is not scanned as a template".into()));
            }
            for e in &result.errors {
                failures.push(fail(name, format!("error: {}: {}", e.file, e.message)));
            }
            let mut got: Vec<Expected> = result
                .findings
                .iter()
                .filter(|f| &f.rule == id)
                .map(|f| Expected {
                    resource: f.resource.clone(),
                    line: f.start.line,
                    severity: Some(f.severity.as_str().to_string()),
                })
                .collect();
            let mut want = want.clone();
            // Compare severities only where the expectation names one.
            for g in &mut got {
                let named = want
                    .iter()
                    .any(|w| w.resource == g.resource && w.line == g.line && w.severity.is_some());
                if !named {
                    g.severity = None;
                }
            }
            got.sort();
            want.sort();
            if got != want {
                failures.push(fail(
                    name,
                    format!("expected {}\n       got {}", show(&want), show(&got)),
                ));
            }
        }
    }
    failures
}

fn show(list: &[Expected]) -> String {
    let items: Vec<String> = list
        .iter()
        .map(|e| match &e.severity {
            Some(s) => format!("{}@{} ({s})", e.resource, e.line),
            None => format!("{}@{}", e.resource, e.line),
        })
        .collect();
    format!("[{}]", items.join(", "))
}

fn fixture_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "expected.json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}
