//! `opsgate rules` and `opsgate explain`: the catalogue, from the policies' metadata.

use std::fmt::Write;

use crate::evaluate::Rule;

pub fn table(rules: &[Rule]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<13} {:<7} {:<40} {:<28} TITLE",
        "ID", "SEV", "AREA › SECTION", "FORMATS"
    );
    for r in rules {
        let m = &r.meta;
        let _ = writeln!(
            out,
            "{:<13} {:<7} {:<40} {:<28} {}",
            m.id,
            m.severity.as_str(),
            format!("{} › {}", m.area, m.section),
            m.formats.join(","),
            m.title
        );
    }
    out
}

pub fn json(rules: &[Rule]) -> String {
    let list: Vec<_> = rules
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(&r.meta).expect("metadata serialises");
            v["policy_file"] = serde_json::json!(r.file);
            v
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&list).expect("metadata serialises");
    out.push('\n');
    out
}

pub fn explain(rule: &Rule) -> String {
    let m = &rule.meta;
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", m.id, m.title);
    let _ = writeln!(
        out,
        "severity: {}   area: {} › {}",
        m.severity.as_str(),
        m.area,
        m.section
    );
    let _ = writeln!(out, "best practice: \"{}\"", m.best_practice);
    let _ = writeln!(out, "\n{}", m.description.trim());
    for (format, text) in &m.remediation {
        let _ = writeln!(out, "\nHow to fix ({format}):\n{}", indent(text.trim()));
    }
    if let Some(c) = &m.config_rule {
        let _ = writeln!(out, "\nAWS Config rule: {c}");
    }
    if !m.parameters.is_empty() {
        let _ = writeln!(out, "\nParameters (defaults):");
        for (k, v) in &m.parameters {
            let _ = writeln!(out, "  {k} = {v}");
        }
    }
    let _ = writeln!(out, "\nReads: {}", m.kinds.join(", "));
    let _ = writeln!(out, "Formats: {}", m.formats.join(", "));
    let _ = writeln!(out, "Policy: {}", rule.file);
    out
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
