//! suppress: inline ignores, next to the code. `# opsgate:ignore RULE[,RULE] -- reason`
//! (YAML and HCL; `//` too in HCL) on a finding's line, on its resource's line, or
//! on the line above either; in JSON templates, the resource's
//! `Metadata.opsgate.ignore: [{"rule": ..., "reason": ...}]`. A resource-level ignore
//! covers all of the resource's findings of that rule.
//!
//! Ignores that do not work are findings of OPS-META-001: one that matches no
//! finding (stale), one without a reason, one the configuration forbids.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::evaluate::{PolicySet, META_RULE};
use crate::finding::{fingerprint, Finding, Suppression};
use crate::load::Node;
use crate::normalise::{Layout, Unit};
use crate::source::{SourceFile, Span};

/// One inline ignore, for one rule.
#[derive(Debug)]
struct Ignore {
    file: Arc<SourceFile>,
    /// 1-based line of the comment (or of the Metadata entry).
    line: usize,
    span: Span,
    rule: String,
    reason: Option<String>,
    /// JSON Metadata ignores belong to one resource.
    resource: Option<String>,
    used: bool,
}

const MARKER: &str = "opsgate:ignore";

/// The ignore comments of one file.
fn comment_ignores(file: &Arc<SourceFile>, out: &mut Vec<Ignore>) {
    let text = &file.text;
    if !text.contains(MARKER) {
        return;
    }
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        // Only in a comment: `#` (YAML, HCL) or `//` (HCL) before the marker.
        let before = &line[..at];
        if !(before.contains('#') || before.contains("//")) {
            continue;
        }
        let rest = line[at + MARKER.len()..].trim_end();
        let (rules, reason) = match rest.split_once("--") {
            Some((r, why)) => (r, Some(why.trim()).filter(|w| !w.is_empty())),
            None => (rest, None),
        };
        let span = Span {
            start: start + at,
            end: start + line.trim_end().len(),
        };
        for rule in rules
            .split([',', ' '])
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            out.push(Ignore {
                file: file.clone(),
                line: i + 1,
                span,
                rule: rule.to_ascii_uppercase(),
                reason: reason.map(str::to_string),
                resource: None,
                used: false,
            });
        }
    }
}

/// `Metadata.opsgate.ignore` of a CloudFormation resource.
fn metadata_ignores(addr: &str, node: &Node, file: &Arc<SourceFile>, out: &mut Vec<Ignore>) {
    let Some(list) = node
        .get("Metadata")
        .and_then(|m| m.get("opsgate"))
        .and_then(|o| o.get("ignore"))
        .and_then(Node::as_seq)
    else {
        return;
    };
    for item in list {
        let Some(rule) = item.get("rule").and_then(Node::as_str) else {
            continue;
        };
        out.push(Ignore {
            file: file.clone(),
            line: file.position(item.span.start).line,
            span: item.span,
            rule: rule.to_ascii_uppercase(),
            reason: item
                .get("reason")
                .and_then(Node::as_str)
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string),
            resource: Some(addr.to_string()),
            used: false,
        });
    }
}

/// Marks the findings of `unit` that inline ignores cover as suppressed, and adds
/// an OPS-META-001 finding for each ignore that does not work.
pub fn apply(unit: &Unit, findings: &mut Vec<Box<Finding>>, policies: &PolicySet) {
    let mut ignores = Vec::new();
    let mut files: BTreeMap<&str, &Arc<SourceFile>> = BTreeMap::new();
    for (addr, res) in &unit.resources {
        files.insert(res.file.display.as_str(), &res.file);
        if res.layout == Layout::CloudFormation {
            metadata_ignores(addr, &res.node, &res.file, &mut ignores);
        }
    }
    for file in files.values() {
        comment_ignores(file, &mut ignores);
    }
    if ignores.is_empty() {
        return;
    }
    for f in findings.iter_mut() {
        let Some(res) = unit.resources.get(&*f.resource) else {
            continue;
        };
        let res_line = res.file.position(res.name_span.start).line;
        let near = |line: usize, target: usize| line == target || line + 1 == target;
        for ig in ignores.iter_mut() {
            let applies = *ig.rule == *f.rule
                && match &ig.resource {
                    Some(r) => **r == *f.resource,
                    None => {
                        Arc::ptr_eq(&ig.file, &f.file)
                            && (near(ig.line, f.start.line) || near(ig.line, res_line))
                    }
                };
            if !applies {
                continue;
            }
            ig.used = true;
            if let (Some(reason), true) = (&ig.reason, policies.inline.allows(&f.rule)) {
                if f.suppressed.is_none() {
                    f.suppressed = Some(Box::new(Suppression {
                        kind: "inline".into(),
                        reason: reason.clone(),
                    }));
                }
            }
        }
    }
    let Some(meta_index) = policies.rules.iter().position(|r| r.meta.id == META_RULE) else {
        return;
    };
    let meta = &policies.rules[meta_index];
    let format = unit.format.as_str();
    for ig in &ignores {
        let rule = policies.rule(&ig.rule);
        let message = if rule.is_none() {
            let hint = crate::suggest::hint(
                &ig.rule,
                policies.rules.iter().map(|r| r.meta.id.as_str()),
                " (`opsgate rules` lists them)",
            );
            format!(
                "opsgate:ignore names `{}`, which is not a rule{hint}",
                ig.rule
            )
        } else if ig.reason.is_none() {
            format!(
                "opsgate:ignore {} has no reason: write why after ` -- `, so the exception is recorded",
                ig.rule
            )
        } else if ig.used && !policies.inline.allows(&ig.rule) {
            format!(
                "inline ignores of {} are not allowed here (opsgate.toml): request an exception in [[exceptions]] with an owner and an expiry date",
                ig.rule
            )
        } else if !ig.used && rule.is_some_and(|r| r.meta.formats.iter().any(|f| f == format)) {
            format!(
                "opsgate:ignore {} matches no finding here: remove it, so that it cannot hide the next real one",
                ig.rule
            )
        } else {
            continue;
        };
        let resource = ig.resource.clone().unwrap_or_default();
        let path = vec![serde_json::json!(ig.line)];
        let start = ig.file.position(ig.span.start);
        findings.push(Box::new(Finding {
            rule: META_RULE.into(),
            rule_index: meta_index,
            severity: meta.meta.severity,
            title: meta.texts.title.clone(),
            fix: meta.texts.remediation(format),
            message: message.into(),
            file: ig.file.clone(),
            span: ig.span,
            start,
            end: ig.file.end_position(ig.span),
            // Fingerprinted by the ignored rule and its line: there is no resource.
            fingerprint: fingerprint(META_RULE, &ig.file.display, &ig.rule, &path),
            unit: unit.name.as_str().into(),
            resource: resource.into(),
            resource_type: "".into(),
            cdk_path: None,
            suppressed: None,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ignore_comments() {
        let file = Arc::new(SourceFile::new(
            "t.yaml".into(),
            "a: 1 # opsgate:ignore OPS-TEL-001,ops-tel-002 -- not traced on purpose\n# opsgate:ignore OPS-EVT-001\nb: \"opsgate:ignore OPS-X\"\n",
        ));
        let mut out = Vec::new();
        comment_ignores(&file, &mut out);
        let got: Vec<(usize, &str, Option<&str>)> = out
            .iter()
            .map(|i| (i.line, i.rule.as_str(), i.reason.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (1, "OPS-TEL-001", Some("not traced on purpose")),
                (1, "OPS-TEL-002", Some("not traced on purpose")),
                (2, "OPS-EVT-001", None),
            ]
        );
    }
}
