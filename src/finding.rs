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
    /// Shared with the rule, like `title`.
    pub rule: Arc<str>,
    pub rule_index: usize,
    pub severity: Severity,
    /// Shared with the rule (and `fix` with the rule's remediation unless the policy
    /// gave this finding its own): a large scan holds hundreds of thousands.
    pub title: Arc<str>,
    pub message: Box<str>,
    pub fix: Arc<str>,
    pub file: Arc<SourceFile>,
    pub span: Span,
    pub start: Position,
    pub end: Position,
    pub unit: Arc<str>,
    /// Shared by the findings of one resource (`resource_type`, `cdk_path` too).
    pub resource: Arc<str>,
    pub resource_type: Arc<str>,
    pub cdk_path: Option<Arc<str>>,
    pub fingerprint: Fingerprint,
    pub suppressed: Option<Box<Suppression>>,
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

/// The address of the block an instance belongs to: `module.a["x"].aws_s3_bucket.b[0]`
/// → `module.a.aws_s3_bucket.b` (`count` and `for_each` keys removed). Other
/// addresses are returned as they are.
pub fn block_address(address: &str) -> std::borrow::Cow<'_, str> {
    if !address.contains('[') {
        return std::borrow::Cow::Borrowed(address);
    }
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for c in address.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' if depth > 0 => in_string = !in_string,
            '[' if !in_string => depth += 1,
            ']' if !in_string => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A stable identity for a finding that does not change when lines move:
/// rule + unit + resource + path, hashed (FNV-1a, two seeds, 128 bits as hex).
pub fn fingerprint(rule: &str, unit: &str, resource: &str, path: &[J]) -> Fingerprint {
    let text = format!(
        "{rule}\u{0}{unit}\u{0}{resource}\u{0}{}",
        J::Array(path.to_vec())
    );
    let mut out = [0u8; 32];
    for (half, seed) in [0xcbf2_9ce4_8422_2325u64, 0x6c62_272e_07bb_0142u64]
        .into_iter()
        .enumerate()
    {
        let mut h = seed;
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        out[half * 16..(half + 1) * 16].copy_from_slice(format!("{h:016x}").as_bytes());
    }
    Fingerprint(out)
}

/// A finding's fingerprint: 32 lower-case hex digits, held inline (a large scan
/// holds hundreds of thousands; a `String` cost 72 bytes each).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hex digits are ASCII")
    }
}

impl std::ops::Deref for Fingerprint {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl PartialEq<&str> for Fingerprint {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
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
