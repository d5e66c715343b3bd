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

use crate::finding::{Finding, Severity};

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
