//! Human output: one miette diagnostic per finding (the source lines, a label on
//! the offending value, the fix and the best practice as help), then a summary.

use std::fmt::Write;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic};

use crate::evaluate::Rule;
use crate::finding::{Finding, Severity};
use crate::scan::{InputError, ScanResult};
use crate::source::IndexedSource;

pub struct HumanOptions {
    pub color: bool,
    pub quiet: bool,
    pub verbose: bool,
    /// Terminal width for wrapping.
    pub width: usize,
}

fn handler(opts: &HumanOptions) -> GraphicalReportHandler {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(opts.width)
        .with_context_lines(2)
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::High | Severity::Medium => miette::Severity::Error,
        Severity::Low => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

pub fn render(result: &ScanResult, rules: &[Rule], opts: &HumanOptions) -> String {
    let handler = handler(opts);
    let mut out = String::new();
    let shown = super::shown(result);
    let formats = super::unit_formats(result);
    for s in &shown {
        let units = s.alike(&formats);
        render_finding(
            &mut out,
            &handler,
            s.finding,
            units,
            &rules[s.finding.rule_index],
        );
    }
    for e in &result.errors {
        render_error(&mut out, &handler, e);
    }
    if opts.verbose {
        for (file, why) in &result.skipped {
            let _ = writeln!(out, "skipped {file}: {why}");
        }
        for note in &result.notes {
            let _ = writeln!(out, "note: {note}");
        }
    }
    if !opts.quiet {
        out.push_str(&summary(result, shown.len()));
    }
    out
}

/// One diagnostic; `units` names the other units and instances that have it alike.
fn render_finding(
    out: &mut String,
    handler: &GraphicalReportHandler,
    f: &Finding,
    units: Option<String>,
    rule: &Rule,
) {
    let mut help = String::new();
    if !f.fix.is_empty() {
        help.push_str(&f.fix);
        help.push('\n');
    }
    if let Some(units) = units {
        let _ = writeln!(help, "found alike in {units}");
    }
    let _ = write!(
        help,
        "best practice: {} › {} › \"{}\" (opsgate explain {})",
        rule.meta.area, rule.meta.section, rule.meta.best_practice, f.rule
    );
    let diag = MietteDiagnostic::new(format!("{} [{}]: {}", f.rule, f.severity.as_str(), f.title))
        .with_severity(miette_severity(f.severity))
        .with_help(help)
        .with_label(LabeledSpan::new_primary_with_span(
            Some(f.message.to_string()),
            f.span,
        ));
    let report = miette::Report::new(diag).with_source_code(IndexedSource(f.file.clone()));
    let _ = handler.render_report(out, report.as_ref());
    out.push('\n');
}

fn render_error(out: &mut String, handler: &GraphicalReportHandler, e: &InputError) {
    match (&e.source, e.span) {
        (Some(src), Some(span)) => {
            let mut labels = vec![LabeledSpan::new_primary_with_span(
                Some(e.message.clone()),
                span,
            )];
            labels.extend(
                e.related
                    .iter()
                    .map(|(s, m)| LabeledSpan::new_with_span(Some(m.clone()), *s)),
            );
            let diag = MietteDiagnostic::new(format!("error: {}: {}", e.file, e.message))
                .with_severity(miette::Severity::Error)
                .with_labels(labels);
            let report = miette::Report::new(diag).with_source_code(IndexedSource(src.clone()));
            let _ = handler.render_report(out, report.as_ref());
            out.push('\n');
        }
        _ => {
            let _ = writeln!(out, "error: {}: {}", e.file, e.message);
        }
    }
}

/// The summary line; `shown` diagnostics stand for the findings (fewer when some
/// are the same finding of several units or instances).
fn summary(result: &ScanResult, shown: usize) -> String {
    let counts = super::counts(&result.findings);
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let by_sev: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    let s = &result.stats;
    let mut scanned = Vec::new();
    if s.templates > 0 || s.modules + s.plans == 0 {
        scanned.push(format!("{} template{}", s.templates, plural(s.templates)));
    }
    if s.modules > 0 {
        scanned.push(format!(
            "{} Terraform module{}",
            s.modules,
            plural(s.modules)
        ));
    }
    if s.plans > 0 {
        scanned.push(format!("{} Terraform plan{}", s.plans, plural(s.plans)));
    }
    let mut line = format!(
        "{} finding{}{} in {} resource{} ({} scanned, {} other file{} skipped)",
        total,
        plural(total),
        if by_sev.is_empty() {
            String::new()
        } else {
            format!(" ({})", by_sev.join(", "))
        },
        s.resources,
        plural(s.resources),
        super::join_and(&scanned),
        s.skipped,
        plural(s.skipped),
    );
    if !result.errors.is_empty() {
        let _ = write!(
            line,
            "; {} error{}",
            result.errors.len(),
            plural(result.errors.len())
        );
    }
    let _ = writeln!(line, " in {:.2}s", result.elapsed.as_secs_f64());
    if shown < total {
        let _ = writeln!(
            line,
            "shown: {shown}, each finding that several units or instances share once"
        );
    }
    let suppressed: Vec<String> = ["inline", "exception", "baseline"]
        .iter()
        .filter_map(|kind| {
            let n = result
                .findings
                .iter()
                .filter(|f| f.suppressed.as_ref().is_some_and(|s| s.kind == *kind))
                .count();
            (n > 0).then(|| format!("{n} by {kind}"))
        })
        .collect();
    if !suppressed.is_empty() {
        let _ = writeln!(line, "suppressed: {}", suppressed.join(", "));
    }
    if let Some((entries, stale)) = result.baseline {
        let _ = writeln!(
            line,
            "baseline: {entries} entr{}, {stale} no longer occur{}",
            if entries == 1 { "y" } else { "ies" },
            if stale == 1 { "s" } else { "" }
        );
    }
    line
}

/// A diagnostic for one input error (a config file error, for instance).
pub fn render_input_error(e: &InputError, opts: &HumanOptions) -> String {
    let mut out = String::new();
    render_error(&mut out, &handler(opts), e);
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
