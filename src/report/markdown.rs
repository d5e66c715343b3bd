//! A pull-request-sized readiness summary in Markdown (the job summary of the GitHub
//! Action): counts by severity, findings grouped by Operational Excellence area and
//! best practice, and the top findings with links to the lines. Beside GitHub
//! annotations, also the findings over GitHub's annotation caps (report::github).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Level, Shown};
use crate::evaluate::Rule;
use crate::finding::{Finding, Severity};
use crate::normalise::Format;
use crate::scan::ScanResult;

/// How many findings the summary lists one by one.
const TOP: usize = 20;

/// How many of the findings left out of the annotations it lists (the summary is
/// limited to 1 MiB per step).
const NOT_ANNOTATED: usize = 100;

const AREAS: [&str; 4] = ["Organization", "Prepare", "Operate", "Evolve"];

#[derive(Debug, Clone, Default)]
pub struct MarkdownOptions {
    /// Base for links to source lines, e.g. `https://github.com/o/r/blob/<sha>`;
    /// paths are shown without links when absent.
    pub link_base: Option<String>,
    /// The `--fail-on` threshold of GitHub annotations written by the same run: the
    /// summary then lists the findings they leave out.
    pub annotations: Option<Severity>,
}

impl MarkdownOptions {
    /// Links to the commit under test when running in GitHub Actions.
    pub fn from_env() -> MarkdownOptions {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let link_base = match (
            var("GITHUB_SERVER_URL"),
            var("GITHUB_REPOSITORY"),
            var("GITHUB_SHA"),
        ) {
            (Some(server), Some(repo), Some(sha)) => Some(format!(
                "{}/{repo}/blob/{sha}",
                server.trim_end_matches('/')
            )),
            _ => None,
        };
        MarkdownOptions {
            link_base,
            annotations: None,
        }
    }
}

/// Markdown table cell text: no line breaks, pipes escaped.
fn cell(s: &str) -> String {
    s.replace('\n', " ").replace('|', "\\|")
}

fn place(f: &Finding, opts: &MarkdownOptions) -> String {
    let shown = format!("{}:{}", f.file.display, f.start.line);
    let relative = !f.file.display.starts_with('/') && !f.file.display.starts_with("../");
    match &opts.link_base {
        Some(base) if relative => format!(
            "[`{}`]({base}/{}#L{})",
            cell(&shown),
            f.file.display,
            f.start.line
        ),
        _ => format!("`{}`", cell(&shown)),
    }
}

pub fn render(result: &ScanResult, rules: &[Rule], opts: &MarkdownOptions) -> String {
    let mut out = String::from("## opsgate: operational readiness\n\n");
    let open: Vec<&Finding> = result
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| &**f)
        .collect();
    let suppressed = result.findings.len() - open.len();
    let s = &result.stats;
    let mut scanned = Vec::new();
    for (n, what) in [
        (s.templates, "CloudFormation template"),
        (s.modules, "Terraform module"),
        (s.plans, "Terraform plan"),
    ] {
        if n > 0 {
            scanned.push(format!("{n} {what}{}", if n == 1 { "" } else { "s" }));
        }
    }
    let scanned = if scanned.is_empty() {
        "nothing to scan".to_string()
    } else {
        scanned.join(", ")
    };
    if open.is_empty() {
        let _ = writeln!(
            out,
            "**No findings** ({} resources in {scanned}).",
            s.resources
        );
    } else {
        let _ = writeln!(
            out,
            "**{} finding{}** ({} resources in {scanned}).\n",
            open.len(),
            if open.len() == 1 { "" } else { "s" },
            s.resources
        );
        out.push_str("| severity | findings |\n|---|---:|\n");
        for (sev, n) in super::counts(&result.findings) {
            if n > 0 {
                let _ = writeln!(out, "| {} | {n} |", sev.as_str());
            }
        }
    }
    if suppressed > 0 {
        let _ = writeln!(
            out,
            "\n{suppressed} more suppressed (inline ignores, exceptions or the baseline)."
        );
    }
    if !result.errors.is_empty() {
        let _ = writeln!(
            out,
            "\n**{} input{} could not be read**; the scan is incomplete:\n",
            result.errors.len(),
            if result.errors.len() == 1 { "" } else { "s" }
        );
        for e in &result.errors {
            let at = e
                .position()
                .map(|(l, c)| format!(":{l}:{c}"))
                .unwrap_or_default();
            let _ = writeln!(out, "- `{}{at}`: {}", cell(&e.file), cell(&e.message));
        }
    }
    if open.is_empty() {
        return out;
    }

    // Area → best practice → rule → count, in the pillar's order.
    // (area order, area, best practice) → [(rule, findings)]
    type Group<'a> = BTreeMap<(usize, &'a str, &'a str), Vec<(&'a Rule, usize)>>;
    let mut grouped: Group = BTreeMap::new();
    let mut per_rule: BTreeMap<usize, usize> = BTreeMap::new();
    for f in &open {
        *per_rule.entry(f.rule_index).or_default() += 1;
    }
    for (&i, &n) in &per_rule {
        let r = &rules[i];
        let area = AREAS
            .iter()
            .position(|a| *a == r.meta.area)
            .unwrap_or(AREAS.len());
        grouped
            .entry((area, r.meta.area.as_str(), r.meta.best_practice.as_str()))
            .or_default()
            .push((r, n));
    }
    out.push_str("\n### By best practice\n\n| area | best practice | rule | findings |\n|---|---|---|---:|\n");
    for ((_, area, practice), list) in &grouped {
        for (r, n) in list {
            let _ = writeln!(
                out,
                "| {} | {} | {} {} | {n} |",
                cell(area),
                cell(practice),
                r.meta.id,
                cell(&r.meta.title)
            );
        }
    }

    // The most severe first; the report order within a severity; the same finding
    // of several units or instances once.
    let mut top = super::shown(result);
    top.sort_by_key(|s| std::cmp::Reverse(s.finding.severity));
    let formats = super::unit_formats(result);
    let _ = writeln!(out, "\n### Top findings\n");
    if top.len() < open.len() {
        // The header counts every finding; the rows merge those that several units or
        // instances share.
        let _ = writeln!(
            out,
            "{} findings at {} place{}: a finding that several units or instances share is one row.\n",
            open.len(),
            top.len(),
            if top.len() == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(
        out,
        "| severity | rule | resource | where | what |\n|---|---|---|---|---|"
    );
    for s in top.iter().take(TOP) {
        row(&mut out, s, &formats, opts);
    }
    if top.len() > TOP {
        let _ = writeln!(
            out,
            "\n{} more: see the annotations on the diff, code scanning, or `opsgate scan` locally.",
            top.len() - TOP
        );
    }
    if let Some(fail_on) = opts.annotations {
        not_annotated(&mut out, result, fail_on, opts);
    }
    out.push_str("\n`opsgate explain <RULE>` shows why a rule matters and how to fix it.\n");
    out
}

fn row(
    out: &mut String,
    s: &Shown,
    formats: &std::collections::HashMap<&str, Format>,
    opts: &MarkdownOptions,
) {
    let f = s.finding;
    let units = s
        .alike(formats)
        .map(|u| format!(" (in {})", cell(&u)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "| {} | {} | `{}` | {}{units} | {} |",
        f.severity.as_str(),
        f.rule,
        cell(&f.resource),
        place(f, opts),
        cell(&f.message)
    );
}

/// The findings over GitHub's annotation caps, which the diff does not show.
fn not_annotated(out: &mut String, result: &ScanResult, fail_on: Severity, opts: &MarkdownOptions) {
    let a = super::github::select(result, fail_on);
    if a.left_out.is_empty() {
        return;
    }
    let mut levels = Vec::new();
    for level in [Level::Error, Level::Warning, Level::Notice] {
        let n = a
            .shown
            .iter()
            .filter(|s| Level::of(s.finding.severity, fail_on) == level)
            .count()
            + if level == Level::Error { a.errors } else { 0 };
        if n > 0 {
            levels.push(format!("{n} {}", level.command()));
        }
    }
    let n = a.left_out.len();
    let _ = writeln!(
        out,
        "\n### Not annotated\n\nGitHub shows {} annotations of each level per step, so the diff \
         has the most severe {} ({}; errors are the findings at or above `--fail-on {}`). \
         {}:\n\n| severity | rule | resource | where | what |\n|---|---|---|---|---|",
        super::github::CAP,
        a.shown.len() + a.errors,
        levels.join(", "),
        fail_on.as_str(),
        if n == 1 {
            "This finding is not annotated".to_string()
        } else {
            format!("These {n} findings are not annotated")
        },
    );
    let formats = super::unit_formats(result);
    for s in a.left_out.iter().take(NOT_ANNOTATED) {
        row(out, s, &formats, opts);
    }
    if n > NOT_ANNOTATED {
        let _ = writeln!(
            out,
            "\n{} more: see code scanning (SARIF) or `opsgate scan` locally.",
            n - NOT_ANNOTATED
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity::*;
    use crate::report::github::tests::result;

    /// The findings the annotations leave out, by name, with links; nothing when
    /// every finding is annotated.
    #[test]
    fn lists_the_findings_not_annotated() {
        // At fail-on medium 13 errors (3 left out), 11 warnings (1 left out), 1 notice.
        let mut list: Vec<(usize, crate::finding::Severity)> =
            (1..=12).map(|l| (l, Medium)).collect();
        list.extend((13..=23).map(|l| (l, Low)));
        list.extend([(24, High), (25, Info)]);
        let r = result(&list);
        let opts = MarkdownOptions {
            link_base: Some("https://github.com/o/r/blob/abc".into()),
            annotations: Some(Medium),
        };
        let mut out = String::new();
        not_annotated(&mut out, &r, Medium, &opts);
        assert_eq!(
            out,
            "\n### Not annotated\n\n\
             GitHub shows 10 annotations of each level per step, so the diff has the most \
             severe 21 (10 error, 10 warning, 1 notice; errors are the findings at or above \
             `--fail-on medium`). These 4 findings are not annotated:\n\n\
             | severity | rule | resource | where | what |\n|---|---|---|---|---|\n\
             | medium | OPS-medium | `R10` | [`t.yaml:10`](https://github.com/o/r/blob/abc/t.yaml#L10) | R10 is not ready |\n\
             | medium | OPS-medium | `R11` | [`t.yaml:11`](https://github.com/o/r/blob/abc/t.yaml#L11) | R11 is not ready |\n\
             | medium | OPS-medium | `R12` | [`t.yaml:12`](https://github.com/o/r/blob/abc/t.yaml#L12) | R12 is not ready |\n\
             | low | OPS-low | `R23` | [`t.yaml:23`](https://github.com/o/r/blob/abc/t.yaml#L23) | R23 is not ready |\n"
        );
        // At fail-on high: 1 error, 23 warnings (13 left out), 1 notice.
        let mut out = String::new();
        not_annotated(&mut out, &r, High, &opts);
        assert!(out.contains("the most severe 12 (1 error, 10 warning, 1 notice; errors are the findings at or above `--fail-on high`). These 13 findings"), "{out}");
        // Within the caps: no section.
        let r = result(&list[2..20]);
        let mut out = String::new();
        not_annotated(&mut out, &r, Medium, &opts);
        assert_eq!(out, "");
    }

    /// Past `NOT_ANNOTATED` rows the summary counts the rest.
    #[test]
    fn a_long_list_is_cut() {
        let list: Vec<(usize, crate::finding::Severity)> = (1..=150).map(|l| (l, High)).collect();
        let r = result(&list);
        let mut out = String::new();
        not_annotated(&mut out, &r, Low, &MarkdownOptions::default());
        assert_eq!(out.matches("\n| high | OPS-high |").count(), 100);
        assert!(
            out.contains("| high | OPS-high | `R11` | `t.yaml:11` |"),
            "{out}"
        );
        assert!(
            out.ends_with("\n40 more: see code scanning (SARIF) or `opsgate scan` locally.\n"),
            "{out}"
        );
    }
}
