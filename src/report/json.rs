//! The JSON report of DESIGN.md: stable and versioned; other tools rely on it.

use serde_json::{json, Value as J};

use crate::scan::ScanResult;

/// Bump only with a migration note: consumers parse this.
pub const REPORT_VERSION: u32 = 1;

pub fn render(result: &ScanResult) -> String {
    let findings: Vec<J> = result
        .findings
        .iter()
        .map(|f| {
            json!({
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "title": f.title,
                "message": f.message,
                "file": f.file.display,
                "line": f.start.line,
                "column": f.start.column,
                "end_line": f.end.line,
                "end_column": f.end.column,
                "resource": f.resource,
                "resource_type": f.resource_type,
                "cdk_path": f.cdk_path,
                "fingerprint": f.fingerprint,
                "suppressed": f.suppressed,
            })
        })
        .collect();
    let errors: Vec<J> = result
        .errors
        .iter()
        .map(|e| {
            let (line, column) = e
                .position()
                .map_or((J::Null, J::Null), |(l, c)| (json!(l), json!(c)));
            json!({"file": e.file, "line": line, "column": column, "message": e.message})
        })
        .collect();
    let counted = result
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .count();
    let mut summary = json!({
        "files": result.stats.files,
        "units": result.stats.units,
        "resources": result.stats.resources,
        "skipped": result.stats.skipped,
        "findings": counted,
        "errors": result.errors.len(),
    });
    // Added in version 1 without breaking it: present only with --baseline.
    if let Some((entries, stale)) = result.baseline {
        summary["baseline"] = json!({"entries": entries, "stale": stale});
    }
    let report = json!({
        "version": REPORT_VERSION,
        "tool": {"name": "opsgate", "version": env!("CARGO_PKG_VERSION")},
        "findings": findings,
        "errors": errors,
        "summary": summary,
    });
    let mut out = serde_json::to_string_pretty(&report).expect("JSON values serialise");
    out.push('\n');
    out
}
