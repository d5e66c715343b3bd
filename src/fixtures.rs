//! The fixture harness: runs each rule's fixtures (`<dir>/<RULE-ID>/`) and compares
//! the rule's findings with `expected.json`. The built-in test suite uses it, and
//! so will `opsgate test` for a team's own policies.
//!
//! CloudFormation fixtures are template files in the rule directory; Terraform
//! fixtures are module directories under its `terraform/`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::evaluate::PolicySet;
use crate::scan;

/// One expected finding of the rule under test.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub resource: String,
    pub line: usize,
    /// The file, relative to a Terraform fixture directory (modules span several
    /// files); compared only when given.
    #[serde(default)]
    pub file: Option<String>,
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

/// Fixtures every rule must have, per format it covers. A plan fixture is a
/// `terraform show -json` file without configuration beside it, so its findings
/// point into the plan.
pub fn required_files(format: &str) -> &'static [&'static str] {
    match format {
        "cloudformation" => &[
            "fail.yaml",
            "fail.json",
            "pass.yaml",
            "pass.json",
            "unknown.yaml",
        ],
        "terraform" => &[
            "terraform/fail",
            "terraform/pass",
            "terraform/unknown",
            "terraform/module",
        ],
        "terraform-plan" => &["plan.json"],
        _ => &[],
    }
}

/// Runs every rule's fixtures under `dir`; an empty result means all passed.
/// `checked` counts the fixtures compared.
pub fn run(policies: &PolicySet, dir: &Path, checked: &mut usize) -> Vec<Failure> {
    run_for(policies, dir, |_| true, checked)
}

/// Like `run`, for the rules `select` picks (`opsgate test` picks a team's own).
pub fn run_for(
    policies: &PolicySet,
    dir: &Path,
    select: impl Fn(&crate::evaluate::Rule) -> bool,
    checked: &mut usize,
) -> Vec<Failure> {
    let mut failures = Vec::new();
    // Rules opsgate reports itself (OPS-META-001) have no policy to run fixtures on.
    for rule in policies
        .rules
        .iter()
        .filter(|r| !r.findings_rule.is_empty() && select(r))
    {
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
        for name in fixture_names(&rule_dir) {
            if !expected.contains_key(&name) {
                failures.push(fail(&name, "fixture is not listed in expected.json".into()));
            }
        }
        for (name, want) in &expected {
            *checked += 1;
            let path = rule_dir.join(name);
            if !path.exists() {
                failures.push(fail(name, format!("{} does not exist", path.display())));
                continue;
            }
            let result = scan::scan(std::slice::from_ref(&path), policies);
            if result.stats.units != 1 {
                failures.push(fail(
                    name,
                    format!("{} units scanned, expected 1", result.stats.units),
                ));
            }
            for e in &result.errors {
                failures.push(fail(name, format!("error: {}: {}", e.file, e.message)));
            }
            let prefix = format!("{}/", crate::discover::display_path(&path));
            let mut got: Vec<Expected> = result
                .findings
                .iter()
                .filter(|f| *f.rule == **id)
                .map(|f| Expected {
                    resource: f.resource.to_string(),
                    line: f.start.line,
                    file: Some(
                        f.file
                            .display
                            .strip_prefix(&prefix)
                            .unwrap_or(&f.file.display)
                            .to_string(),
                    ),
                    severity: Some(f.severity.as_str().to_string()),
                })
                .collect();
            let mut want = want.clone();
            // Compare files and severities only where the expectation names them.
            for g in &mut got {
                let same = |w: &&Expected| w.resource == g.resource && w.line == g.line;
                if !want.iter().filter(same).any(|w| w.severity.is_some()) {
                    g.severity = None;
                }
                if !want.iter().filter(same).any(|w| w.file.is_some()) {
                    g.file = None;
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
        .map(|e| {
            let at = match &e.file {
                Some(f) => format!("{f}:{}", e.line),
                None => e.line.to_string(),
            };
            match &e.severity {
                Some(s) => format!("{}@{at} ({s})", e.resource),
                None => format!("{}@{at}", e.resource),
            }
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// Fixture names: template files of the rule directory and module directories
/// under its `terraform/`, relative to the rule directory.
fn fixture_names(dir: &Path) -> Vec<String> {
    let list = |d: &Path, dirs: bool| -> Vec<String> {
        std::fs::read_dir(d)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| if dirs { p.is_dir() } else { p.is_file() })
                    .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut names: Vec<String> = list(dir, false)
        .into_iter()
        .filter(|n| n != "expected.json")
        .collect();
    names.extend(
        list(&dir.join("terraform"), true)
            .into_iter()
            .map(|n| format!("terraform/{n}")),
    );
    names.sort();
    names
}
