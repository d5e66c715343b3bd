//! report: renders a scan result. One module per output format.

pub mod examples;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod outputs;
pub mod progress;
pub mod rules;
pub mod sarif;

use std::collections::HashMap;

use crate::finding::{Finding, Severity};
use crate::normalise::Format;
use crate::scan::ScanResult;

/// How loudly a finding is reported on GitHub (annotation command, SARIF `level`).
/// It follows the `--fail-on` threshold, so that what is red is what fails the step:
/// findings at or above it are errors, those below warnings, and info findings below
/// it notices (SARIF `note`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Notice,
    Warning,
    Error,
}

impl Level {
    pub fn of(severity: Severity, fail_on: Severity) -> Level {
        if severity >= fail_on {
            Level::Error
        } else if severity == Severity::Info {
            Level::Notice
        } else {
            Level::Warning
        }
    }

    /// The workflow command (`::error`, `::warning`, `::notice`).
    pub fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }

    /// SARIF's `level` (`error`, `warning`, `note`).
    pub fn sarif(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "note",
        }
    }
}

/// Counts of unsuppressed findings by severity, highest first.
pub fn counts(findings: &[Box<Finding>]) -> Vec<(Severity, usize)> {
    [
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ]
    .into_iter()
    .map(|s| {
        (
            s,
            findings
                .iter()
                .filter(|f| f.suppressed.is_none() && f.severity == s)
                .count(),
        )
    })
    .collect()
}

/// A finding as the human, markdown and GitHub outputs show it. Findings that
/// differ only in their unit (a module called by several root modules, a plan beside
/// its configuration) are shown once, with every unit; JSON, SARIF, JUnit and the
/// baseline keep each.
pub struct Shown<'a> {
    pub finding: &'a Finding,
    /// The units it was found in, in report order: more than one when merged.
    pub units: Vec<&'a str>,
}

/// The unsuppressed findings in report order, those that differ only in their unit
/// merged. (The scan orders the findings of one place by message and then unit, so
/// those to merge are neighbours.)
pub fn shown(result: &ScanResult) -> Vec<Shown<'_>> {
    let mut out: Vec<Shown> = Vec::new();
    for f in result.findings.iter().filter(|f| f.suppressed.is_none()) {
        if let Some(last) = out.last_mut() {
            let l = last.finding;
            if l.sort_key() == f.sort_key() && l.message == f.message && l.severity == f.severity {
                last.units.push(&f.unit);
                continue;
            }
        }
        out.push(Shown {
            finding: f,
            units: vec![&f.unit],
        });
    }
    out
}

/// The format of each unit of a result, by name (for `units_phrase`).
pub fn unit_formats(result: &ScanResult) -> HashMap<&str, Format> {
    result
        .units
        .iter()
        .map(String::as_str)
        .zip(result.unit_formats.iter().copied())
        .collect()
}

/// "root modules a and b", "root module a and plan a/plan.json": the units of a
/// merged finding by kind, at most `LISTED` names of each; `None` for one unit.
pub fn units_phrase(units: &[&str], formats: &HashMap<&str, Format>) -> Option<String> {
    const LISTED: usize = 5;
    if units.len() < 2 {
        return None;
    }
    let mut parts = Vec::new();
    for (kind, of) in [
        ("root module", Format::Terraform),
        ("template", Format::CloudFormation),
        ("plan", Format::TerraformPlan),
    ] {
        let names: Vec<&str> = units
            .iter()
            .copied()
            .filter(|u| formats.get(u) == Some(&of))
            .collect();
        if names.is_empty() {
            continue;
        }
        let listed: Vec<String> = names.iter().take(LISTED).map(|n| n.to_string()).collect();
        let listed = match names.len() - listed.len() {
            0 => join_and(&listed),
            more => format!("{} ({more} more)", listed.join(", ")),
        };
        let s = if names.len() == 1 { "" } else { "s" };
        parts.push(format!("{kind}{s} {listed}"));
    }
    Some(join_and(&parts))
}

/// "a", "a and b", "a, b and c".
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Findings that differ only in their unit are shown once with every unit, and
    /// the units are named by kind.
    #[test]
    fn a_finding_of_several_units_is_shown_once() {
        use crate::report::github::tests::finding;
        use crate::source::SourceFile;
        let file = std::sync::Arc::new(SourceFile::new("mod/main.tf".into(), ""));
        let of = |unit: &str, line: usize| {
            let mut f = finding(&file, line, "OPS-DEP-002", Severity::Medium);
            f.unit = unit.into();
            f
        };
        let units = ["a", "b", "c", "d", "e", "f", "g", "plan.json"];
        let mut result = ScanResult {
            findings: units.iter().map(|u| of(u, 1)).collect(),
            units: units.iter().map(|u| u.to_string()).collect(),
            unit_formats: units
                .iter()
                .map(|u| match *u {
                    "plan.json" => Format::TerraformPlan,
                    _ => Format::Terraform,
                })
                .collect(),
            ..Default::default()
        };
        result.findings.push(of("a", 2));
        let shown = shown(&result);
        assert_eq!(shown.len(), 2);
        assert_eq!(shown[0].units, units);
        assert_eq!(shown[1].units, ["a"]);
        let formats = unit_formats(&result);
        assert_eq!(
            units_phrase(&shown[0].units, &formats).as_deref(),
            Some("root modules a, b, c, d, e (2 more) and plan plan.json")
        );
        assert_eq!(
            units_phrase(&["a", "b"], &formats).as_deref(),
            Some("root modules a and b")
        );
        assert_eq!(units_phrase(&shown[1].units, &formats), None);
    }

    #[test]
    fn levels_follow_the_threshold() {
        use Severity::*;
        let table = |fail_on| {
            [High, Medium, Low, Info]
                .map(|s| Level::of(s, fail_on).command())
                .join(" ")
        };
        assert_eq!(table(High), "error warning warning notice");
        assert_eq!(table(Medium), "error error warning notice");
        assert_eq!(table(Low), "error error error notice");
        assert_eq!(table(Info), "error error error error");
        assert_eq!(Level::Notice.sarif(), "note");
    }
}
