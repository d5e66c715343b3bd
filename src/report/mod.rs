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

#[cfg(test)]
mod tests {
    use super::*;

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
