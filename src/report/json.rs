//! The JSON report of DESIGN.md: stable and versioned; other tools rely on it.
//!
//! Serialised straight from borrowed views of the findings, one at a time (no
//! intermediate `serde_json::Value` tree, which cost three times the report's size
//! in memory, nor a vector of views: 200 bytes per finding on a large scan).

use serde::Serialize;

use crate::finding::{Finding, Suppression};
use crate::scan::{InputError, ScanResult};

/// Bump only with a migration note: consumers parse this.
pub const REPORT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool,
    findings: Findings<'a>,
    errors: Errors<'a>,
    summary: Summary,
}

/// The findings, serialised as an array of views made one at a time.
struct Findings<'a>(&'a [Box<Finding>]);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|f| FindingView::from(&**f)))
    }
}

/// The errors, likewise.
struct Errors<'a>(&'a [InputError]);

impl Serialize for Errors<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(ErrorView::from))
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct FindingView<'a> {
    rule: &'a str,
    severity: &'static str,
    title: &'a str,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    resource: &'a str,
    resource_type: &'a str,
    cdk_path: Option<&'a str>,
    fingerprint: &'a str,
    suppressed: Option<&'a Suppression>,
}

impl<'a> From<&'a Finding> for FindingView<'a> {
    fn from(f: &'a Finding) -> Self {
        FindingView {
            rule: &f.rule,
            severity: f.severity.as_str(),
            title: &f.title,
            message: &f.message,
            file: &f.file.display,
            line: f.start.line,
            column: f.start.column,
            end_line: f.end.line,
            end_column: f.end.column,
            resource: &f.resource,
            resource_type: &f.resource_type,
            cdk_path: f.cdk_path.as_deref(),
            fingerprint: &f.fingerprint,
            suppressed: f.suppressed.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct ErrorView<'a> {
    file: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    message: &'a str,
}

impl<'a> From<&'a InputError> for ErrorView<'a> {
    fn from(e: &'a InputError) -> Self {
        let position = e.position();
        ErrorView {
            file: &e.file,
            line: position.map(|(l, _)| l),
            column: position.map(|(_, c)| c),
            message: &e.message,
        }
    }
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    units: usize,
    resources: usize,
    skipped: usize,
    findings: usize,
    errors: usize,
    /// Added in version 1 without breaking it: present only with --baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<BaselineSummary>,
}

#[derive(Serialize)]
struct BaselineSummary {
    entries: usize,
    stale: usize,
}

pub fn render(result: &ScanResult) -> String {
    let mut out = Vec::new();
    write(result, &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Writes the report to `w` as it is serialised.
pub fn write(result: &ScanResult, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let report = Report {
        version: REPORT_VERSION,
        tool: Tool {
            name: "opsgate",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings: Findings(&result.findings),
        errors: Errors(&result.errors),
        summary: Summary {
            files: result.stats.files,
            units: result.stats.units,
            resources: result.stats.resources,
            skipped: result.stats.skipped,
            findings: result
                .findings
                .iter()
                .filter(|f| f.suppressed.is_none())
                .count(),
            errors: result.errors.len(),
            baseline: result
                .baseline
                .map(|(entries, stale)| BaselineSummary { entries, stale }),
        },
    };
    serde_json::to_writer_pretty(&mut *w, &report)?;
    w.write_all(b"\n")
}
