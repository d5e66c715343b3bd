//! What policies report, before and after `locate` places it in the source.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value as J;

use crate::source::{Position, SourceFile, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            _ => None,
        }
    }
}

/// A finding as a policy yields it: a resource address and a path into it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawFinding {
    pub rule_index: usize,
    pub resource: String,
    pub path: Vec<J>,
    pub message: String,
    pub fix: Option<String>,
    pub severity: Option<Severity>,
}

/// Why a finding does not count (set by `filter`; reported, not hidden, in JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suppression {
    pub kind: String,
    pub reason: String,
}

/// A finding placed in the source.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: String,
    pub rule_index: usize,
    pub severity: Severity,
    /// Shared with the rule (and `fix` with the rule's remediation unless the policy
    /// gave this finding its own): a large scan holds hundreds of thousands.
    pub title: Arc<str>,
    pub message: String,
    pub fix: Arc<str>,
    pub file: Arc<SourceFile>,
    pub span: Span,
    pub start: Position,
    pub end: Position,
    pub unit: Arc<str>,
    pub resource: String,
    pub resource_type: String,
    pub cdk_path: Option<String>,
    pub path: Vec<J>,
    pub fingerprint: String,
    pub suppressed: Option<Suppression>,
}

impl Finding {
    /// The report order: file, line, column, rule, resource.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        (
            &self.file.display,
            self.start.line,
            self.start.column,
            &self.rule,
            &self.resource,
        )
    }
}

/// A stable identity for a finding that does not change when lines move:
/// rule + unit + resource + path, hashed (FNV-1a, two seeds, 128 bits as hex).
pub fn fingerprint(rule: &str, unit: &str, resource: &str, path: &[J]) -> String {
    let text = format!(
        "{rule}\u{0}{unit}\u{0}{resource}\u{0}{}",
        J::Array(path.to_vec())
    );
    let mut out = String::with_capacity(32);
    for seed in [0xcbf2_9ce4_8422_2325u64, 0x6c62_272e_07bb_0142u64] {
        let mut h = seed;
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        out.push_str(&format!("{h:016x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        let a = fingerprint("OPS-TEL-001", "a.yaml", "Fn", &[J::from("properties")]);
        assert_eq!(
            a,
            fingerprint("OPS-TEL-001", "a.yaml", "Fn", &[J::from("properties")])
        );
        assert_ne!(
            a,
            fingerprint("OPS-TEL-001", "a.yaml", "Fn2", &[J::from("properties")])
        );
        assert_eq!(a.len(), 32);
    }
}
