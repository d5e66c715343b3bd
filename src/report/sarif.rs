//! SARIF 2.1.0 for GitHub code scanning and other SARIF viewers: every rule with its
//! documentation, every finding as a result with a region and the stable fingerprint,
//! suppressed findings with their suppression, unreadable inputs as tool notifications.
//! Levels follow `--fail-on` as the annotations do (`Level`): `error` at or above it,
//! `warning` below, `note` for info. Kept to the subset GitHub documents, so an upload
//! raises no warnings.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{json, Value as J};

use super::Level;
use crate::evaluate::Rule;
use crate::finding::{Finding, Severity};
use crate::scan::ScanResult;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/opsgate/opsgate";

/// SARIF `level` of a severity at threshold `fail_on` (also the rule's default
/// configuration).
pub fn level(s: Severity, fail_on: Severity) -> &'static str {
    Level::of(s, fail_on).sarif()
}

/// GitHub ranks alerts by `security-severity` (a CVSS-like score as a string:
/// 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low). Info rules carry none: they are notes.
fn security_severity(s: Severity) -> Option<&'static str> {
    match s {
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

/// A readable identifier for the rule (`LambdaFunctionsTraceTransactions`).
fn rule_name(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(c) => c.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn descriptor(r: &Rule, fail_on: Severity) -> J {
    let m = &r.meta;
    let mut help_text = format!("{}\n", m.description.trim());
    for (format, text) in &m.remediation {
        help_text.push_str(&format!("\nFix ({format}): {}\n", text.trim()));
    }
    let mut tags = vec![
        "operational-excellence".to_string(),
        m.area.to_lowercase(),
        m.section.to_lowercase(),
    ];
    tags.dedup();
    let mut properties = json!({
        "tags": tags,
        "precision": "high",
        "problem.severity": match Level::of(m.severity, fail_on) {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "recommendation",
        },
        "opsgate/severity": m.severity.as_str(),
        "opsgate/best-practice": m.best_practice,
    });
    if let Some(s) = security_severity(m.severity) {
        properties["security-severity"] = json!(s);
    }
    json!({
        "id": m.id,
        "name": rule_name(&m.title),
        "shortDescription": {"text": m.title},
        "fullDescription": {"text": m.description.trim()},
        "help": {
            "text": help_text,
            "markdown": format!("## {}\n\n{}", m.id, super::rules::rule_markdown(r)),
        },
        "defaultConfiguration": {"level": level(m.severity, fail_on)},
        "properties": properties,
    })
}

fn sarif_result(f: &Finding, fail_on: Severity) -> J {
    let mut region = json!({
        "startLine": f.start.line,
        "startColumn": f.start.column,
    });
    // A region ends after its last character; SARIF's endColumn is exclusive.
    if f.end.line > f.start.line || f.end.column > f.start.column {
        region["endLine"] = json!(f.end.line);
        region["endColumn"] = json!(f.end.column);
    }
    let mut logical = json!({"name": f.resource, "kind": "resource",
        "fullyQualifiedName": format!("{}#{}", f.unit, f.resource)});
    if let Some(p) = &f.cdk_path {
        logical["decoratedName"] = json!(p);
    }
    let mut out = json!({
        "ruleId": f.rule,
        "ruleIndex": f.rule_index,
        "level": level(f.severity, fail_on),
        "message": {"text": format!("{}\n{}", f.message, f.fix)},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri(&f.file.display), "uriBaseId": "%SRCROOT%"},
                "region": region,
            },
            "logicalLocations": [logical],
        }],
        "partialFingerprints": {"opsgate/v1": f.fingerprint},
        "properties": {
            "severity": f.severity.as_str(),
            "resourceType": f.resource_type,
            "unit": f.unit,
        },
    });
    if let Some(s) = &f.suppressed {
        out["suppressions"] = json!([{
            // An ignore comment lives in the source; exceptions and baselines outside it.
            "kind": if s.kind == "inline" { "inSource" } else { "external" },
            "status": "accepted",
            "justification": format!("{}: {}", s.kind, s.reason),
        }]);
    }
    out
}

/// A relative path as a URI reference: '/'-separated, with characters outside the
/// URI grammar percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            b'+' | b'@' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b',' | b';' | b'=' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The SARIF log as text (`write` into a string).
pub fn render(result: &ScanResult, rules: &[Rule], fail_on: Severity) -> String {
    let mut out = Vec::new();
    write(result, rules, fail_on, &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Writes the SARIF log to `w`. The results are serialised one at a time as they are
/// written, not gathered into one JSON tree first: a large scan has hundreds of
/// thousands, and the tree cost several times the report's size in memory.
pub fn write(
    result: &ScanResult,
    rules: &[Rule],
    fail_on: Severity,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let notifications: Vec<J> = result
        .errors
        .iter()
        .map(|e| {
            let mut n = json!({
                "level": "error",
                "message": {"text": e.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri(&e.file), "uriBaseId": "%SRCROOT%"}}}],
            });
            if let Some((line, column)) = e.position() {
                n["locations"][0]["physicalLocation"]["region"] =
                    json!({"startLine": line, "startColumn": column});
            }
            n
        })
        .collect();
    let root = std::env::current_dir()
        .ok()
        .map(|d| {
            let s = d.to_string_lossy().replace('\\', "/");
            let s = if s.starts_with('/') {
                s
            } else {
                format!("/{s}")
            };
            format!("file://{}/", uri(s.trim_end_matches('/')))
        })
        .unwrap_or_else(|| "file:///".into());
    let sarif = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "opsgate",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules.iter().map(|r| descriptor(r, fail_on)).collect::<Vec<_>>(),
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root}},
            "invocations": [{
                "executionSuccessful": result.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
        }],
    });
    let log = Log {
        head: &sarif,
        findings: &result.findings,
        fail_on,
    };
    let mut serializer = serde_json::Serializer::pretty(&mut *w);
    log.serialize(&mut serializer)?;
    w.write_all(b"\n")
}

/// `head` (the log with one run, less its results), with the run's `results`
/// appended from `findings` as they are serialised.
struct Log<'a> {
    head: &'a J,
    findings: &'a [Box<Finding>],
    fail_on: Severity,
}

impl Serialize for Log<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let empty = serde_json::Map::new();
        let log = self.head.as_object().unwrap_or(&empty);
        let mut map = serializer.serialize_map(Some(log.len()))?;
        for (key, value) in log {
            if key == "runs" {
                let run = value.get(0).and_then(J::as_object).unwrap_or(&empty);
                map.serialize_entry(
                    key,
                    &[Run {
                        head: run,
                        findings: self.findings,
                        fail_on: self.fail_on,
                    }],
                )?;
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

struct Run<'a> {
    head: &'a serde_json::Map<String, J>,
    findings: &'a [Box<Finding>],
    fail_on: Severity,
}

impl Serialize for Run<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.head.len() + 1))?;
        for (key, value) in self.head {
            map.serialize_entry(key, value)?;
        }
        map.serialize_entry("results", &Results(self.findings, self.fail_on))?;
        map.end()
    }
}

/// Each finding's result, built and serialised one at a time.
struct Results<'a>(&'a [Box<Finding>], Severity);

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|f| sarif_result(f, self.1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(
            rule_name("Lambda functions trace transactions"),
            "LambdaFunctionsTraceTransactions"
        );
        assert_eq!(
            rule_name("Each alarm names its runbook (or playbook)"),
            "EachAlarmNamesItsRunbookOrPlaybook"
        );
        assert_eq!(uri("stacks/my stack#1.yaml"), "stacks/my%20stack%231.yaml");
        assert_eq!(uri("../a/ü.tf"), "../a/%C3%BC.tf");
    }
}
