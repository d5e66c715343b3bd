//! filter: which findings count. Today: the severity threshold (suppressed findings
//! never count); inline ignores, exceptions and baselines plug in here.

use crate::finding::{Finding, Severity};
use crate::scan::ScanResult;

/// Exit codes of `opsgate scan`.
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERRORS: i32 = 2;

/// Findings that count toward the exit code at threshold `fail_on`.
pub fn failing(findings: &[Finding], fail_on: Severity) -> impl Iterator<Item = &Finding> {
    findings
        .iter()
        .filter(move |f| f.suppressed.is_none() && f.severity >= fail_on)
}

/// 2 when something could not be read or evaluated (the scan is incomplete),
/// else 1 when findings reach the threshold, else 0.
pub fn exit_code(result: &ScanResult, fail_on: Severity) -> i32 {
    if !result.errors.is_empty() {
        EXIT_ERRORS
    } else if failing(&result.findings, fail_on).next().is_some() {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}
