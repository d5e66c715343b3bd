//! The JSON report of DESIGN.md: stable and versioned; other tools rely on it.
//!
//! Serialised straight from borrowed views of the findings (no intermediate
//! `serde_json::Value` tree, which cost three times the report's size in memory), in
//! pieces on all cores, a window of findings at a time, each written while the next
//! is serialised (`write_array`).

use rayon::prelude::*;
use serde::Serialize;

use crate::finding::{Finding, Suppression};
use crate::scan::{InputError, ScanResult};

/// Bump only with a migration note: consumers parse this.
pub const REPORT_VERSION: u32 = 1;

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
    /// The template, root module directory or plan the finding belongs to.
    unit: &'a str,
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
            unit: &f.unit,
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

/// Writes the report to `w`: the same text as `serde_json::to_writer_pretty` of
/// the whole report, with the findings serialised on all cores a window at a time
/// (on a large scan they were the last step on one core; the window bounds memory).
pub fn write(result: &ScanResult, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let summary = Summary {
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
    };
    let tool = Tool {
        name: "opsgate",
        version: env!("CARGO_PKG_VERSION"),
    };
    write!(w, "{{\n  \"version\": {REPORT_VERSION},\n  \"tool\": ")?;
    w.write_all(&pretty(&tool, 1))?;
    w.write_all(b",\n  \"findings\": ")?;
    write_array(w, &result.findings, |f| pretty(&FindingView::from(&**f), 2))?;
    w.write_all(b",\n  \"errors\": ")?;
    write_array(w, &result.errors, |e| pretty(&ErrorView::from(e), 2))?;
    w.write_all(b",\n  \"summary\": ")?;
    w.write_all(&pretty(&summary, 1))?;
    w.write_all(b"\n}\n")
}

/// `value` pretty-printed as if nested `depth` levels deep: every line after the
/// first indented by two spaces per level. (JSON strings escape their line breaks,
/// so each `\n` in the output starts a line of the structure.)
fn pretty<T: Serialize>(value: &T, depth: usize) -> Vec<u8> {
    let text = serde_json::to_vec_pretty(value).expect("report values serialise");
    let mut out = Vec::with_capacity(text.len() + text.len() / 8);
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
            out.extend(std::iter::repeat_n(b' ', 2 * depth));
        }
        out.extend_from_slice(line);
    }
    out
}

/// Items per window, and per piece of a window serialised on one core.
const WINDOW: usize = 4 * 1024;
const PIECE: usize = 512;

/// An array of `items` in the report's top-level object, as `to_writer_pretty`
/// writes it (`render` gives an item's text at that depth), serialised a window at
/// a time on all cores while the window before is written.
fn write_array<T: Sync>(
    w: &mut dyn std::io::Write,
    items: &[T],
    render: impl Fn(&T) -> Vec<u8> + Sync,
) -> std::io::Result<()> {
    if items.is_empty() {
        return w.write_all(b"[]");
    }
    let serialise = |nth_window: usize, window: &[T]| -> Vec<Vec<u8>> {
        window
            .par_chunks(PIECE)
            .enumerate()
            .map(|(nth_piece, piece)| {
                let mut out = Vec::new();
                for (nth, item) in piece.iter().enumerate() {
                    if nth_window + nth_piece + nth > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(b"\n    ");
                    out.extend(render(item));
                }
                out
            })
            .collect()
    };
    let write_pieces = |w: &mut dyn std::io::Write, pieces: &[Vec<u8>]| {
        pieces.iter().try_for_each(|piece| w.write_all(piece))
    };
    w.write_all(b"[")?;
    let mut written: Vec<Vec<u8>> = Vec::new();
    for (nth_window, window) in items.chunks(WINDOW).enumerate() {
        let mut next = Vec::new();
        let mut wrote = Ok(());
        // `in_place_scope`: the writer stays on this thread (a locked stdout cannot
        // move to another one).
        rayon::in_place_scope(|s| {
            s.spawn(|_| next = serialise(nth_window, window));
            wrote = write_pieces(w, &written);
        });
        wrote?;
        written = next;
    }
    write_pieces(w, &written)?;
    w.write_all(b"\n  ]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value as J};

    /// Arrays written a window at a time on all cores read exactly as serde_json
    /// writes them, across windows and pieces, nested values and escaped line breaks.
    #[test]
    fn arrays_in_windows_are_serde_jsons_text() {
        for n in [0, 1, PIECE + 1, WINDOW + PIECE + 3] {
            let items: Vec<J> = (0..n)
                .map(|i| {
                    json!({"i": i, "text": "a\nb \"q\"", "nested": {"list": [i, {"x": null}], "empty": {}, "none": []}})
                })
                .collect();
            let mut out = b"{\n  \"items\": ".to_vec();
            write_array(&mut out, &items, |v| pretty(v, 2)).unwrap();
            out.extend_from_slice(b",\n  \"tool\": ");
            out.extend(pretty(&json!({"name": "opsgate", "list": [1, 2]}), 1));
            out.extend_from_slice(b"\n}");
            let expected = serde_json::to_string_pretty(
                &json!({"items": items, "tool": {"name": "opsgate", "list": [1, 2]}}),
            )
            .unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{n} items");
        }
    }
}
