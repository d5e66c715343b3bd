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
/// its configuration) or in the instance of one block (`count`, `for_each`) are shown
/// once, with every unit and instance; JSON, SARIF, JUnit and the baseline keep each.
pub struct Shown<'a> {
    pub finding: &'a Finding,
    /// The units it was found in, in report order: more than one when merged.
    pub units: Vec<&'a str>,
    /// The resources it was found on, in report order: more than one when instances
    /// of one block share it.
    pub instances: Vec<&'a str>,
}

impl Shown<'_> {
    /// "instances [\"b\"] and [\"c\"] of x.y; root modules a and b": where else the
    /// finding is, after "found alike in"; `None` when nowhere else.
    pub fn alike(&self, formats: &HashMap<&str, Format>) -> Option<String> {
        let parts: Vec<String> = [
            instances_phrase(&self.instances),
            units_phrase(&self.units, formats),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// The unsuppressed findings in report order, merged where they differ only in their
/// unit or instance: the same rule at the same place with the same message once the
/// instance's address is read as its block's. (The scan orders the findings of one
/// place by resource, message and unit, so those to merge are in one run.)
pub fn shown(result: &ScanResult) -> Vec<Shown<'_>> {
    let mut out: Vec<Shown> = Vec::new();
    // Where the current run of one place starts in `out`, and its shown findings by
    // block and normalised message (a hash: a block may have thousands of instances).
    let mut run_start = 0;
    let mut keys: HashMap<(std::borrow::Cow<str>, std::borrow::Cow<str>), usize> = HashMap::new();
    for f in result.findings.iter().filter(|f| f.suppressed.is_none()) {
        let same_place = out.get(run_start).is_some_and(|s| {
            let (a, b) = (s.finding.sort_key(), f.sort_key());
            (a.0, a.1, a.2, a.3) == (b.0, b.1, b.2, b.3)
        });
        if !same_place {
            run_start = out.len();
            keys.clear();
        }
        let block = crate::finding::block_address(&f.resource);
        let message = if block.len() == f.resource.len() {
            std::borrow::Cow::Borrowed(&*f.message)
        } else {
            std::borrow::Cow::Owned(f.message.replace(&*f.resource, &block))
        };
        let key = (block, message);
        match keys.get(&key).map(|&i| &mut out[i]) {
            Some(s) if s.finding.severity == f.severity => {
                if !s.units.contains(&&*f.unit) {
                    s.units.push(&f.unit);
                }
                // One resource's findings are neighbours (the order is by resource).
                if s.instances.last() != Some(&&*f.resource) {
                    s.instances.push(&f.resource);
                }
            }
            _ => {
                keys.insert(key, out.len());
                out.push(Shown {
                    finding: f,
                    units: vec![&f.unit],
                    instances: vec![&f.resource],
                });
            }
        }
    }
    out
}

/// The instances of a merged finding: `["a"] and ["b"] of x.y` when they are
/// instances of one resource block, else their addresses; at most `LISTED`. `None`
/// for one instance.
pub fn instances_phrase(instances: &[&str]) -> Option<String> {
    const LISTED: usize = 5;
    if instances.len() < 2 {
        return None;
    }
    let block = crate::finding::block_address(instances[0]);
    let keys: Option<Vec<String>> = instances
        .iter()
        .map(|r| {
            r.strip_prefix(&*block)
                .filter(|k| k.starts_with('['))
                .map(str::to_string)
        })
        .collect();
    let (names, of) = match keys {
        Some(keys) => (keys, format!(" of {block}")),
        None => (
            instances.iter().map(|r| r.to_string()).collect(),
            String::new(),
        ),
    };
    let listed: Vec<String> = names.iter().take(LISTED).cloned().collect();
    let listed = match names.len() - listed.len() {
        0 => join_and(&listed),
        more => format!("{} ({more} more)", listed.join(", ")),
    };
    Some(format!("instances {listed}{of}"))
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
