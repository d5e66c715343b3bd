//! A pull-request-sized readiness summary in Markdown (the job summary of the GitHub
//! Action): counts by severity, findings grouped by Operational Excellence area and
//! best practice, and the top findings with links to the lines.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::evaluate::Rule;
use crate::finding::Finding;
use crate::scan::ScanResult;

/// How many findings the summary lists one by one.
const TOP: usize = 20;

const AREAS: [&str; 4] = ["Organization", "Prepare", "Operate", "Evolve"];

#[derive(Debug, Clone, Default)]
pub struct MarkdownOptions {
    /// Base for links to source lines, e.g. `https://github.com/o/r/blob/<sha>`;
    /// paths are shown without links when absent.
    pub link_base: Option<String>,
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
        MarkdownOptions { link_base }
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

    // The most severe first; the report order within a severity.
    let mut top = open.clone();
    top.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let _ = writeln!(
        out,
        "\n### Top findings\n\n| severity | rule | resource | where | what |\n|---|---|---|---|---|"
    );
    for f in top.iter().take(TOP) {
        let _ = writeln!(
            out,
            "| {} | {} | `{}` | {} | {} |",
            f.severity.as_str(),
            f.rule,
            cell(&f.resource),
            place(f, opts),
            cell(&f.message)
        );
    }
    if open.len() > TOP {
        let _ = writeln!(
            out,
            "\n{} more: see the annotations on the diff, code scanning, or `opsgate scan` locally.",
            open.len() - TOP
        );
    }
    out.push_str("\n`opsgate explain <RULE>` shows why a rule matters and how to fix it.\n");
    out
}
