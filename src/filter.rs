//! filter: which findings count. Today: the severity threshold (suppressed findings
//! never count); inline ignores, exceptions and baselines plug in here.

use crate::finding::{Finding, Severity};
use crate::scan::ScanResult;

/// Exit codes of `opsgate scan`.
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERRORS: i32 = 2;

/// Findings that count toward the exit code at threshold `fail_on`.
pub fn failing(findings: &[Box<Finding>], fail_on: Severity) -> impl Iterator<Item = &Finding> {
    findings
        .iter()
        .filter(move |f| f.suppressed.is_none() && f.severity >= fail_on)
        .map(|f| &**f)
}

/// 2 when something could not be read or evaluated (the scan is incomplete),
/// else 1 when findings reach the threshold, else 0.
pub fn exit_code(result: &ScanResult, fail_on: Severity) -> i32 {
    if !result.errors.is_empty() {
        EXIT_ERRORS
    } else if failing(&result.findings, fail_on).next().is_some() {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Exceptions of the config file: a finding an active exception covers is
/// suppressed; past its `expires` date the finding counts again, and its message
/// names the expired exception and its owner. Returns, per exception (in config
/// order), how many findings it covered (active or expired).
pub fn apply_exceptions(
    result: &mut ScanResult,
    config: &crate::config::Config,
    today: &str,
) -> Vec<usize> {
    let mut used = vec![0; config.exceptions.len()];
    // `relative` touches the file system: skip the walk when there is nothing to match.
    if config.exceptions.is_empty() {
        return used;
    }
    let file = config
        .file
        .as_ref()
        .map(|f| f.display.clone())
        .unwrap_or_default();
    for f in result.findings.iter_mut() {
        if f.suppressed.is_some() {
            continue;
        }
        let relative = config.relative(&f.file.display);
        let Some((i, x)) = config
            .exceptions
            .iter()
            .enumerate()
            .find(|(_, x)| x.covers(&f.rule, &f.resource, &relative))
        else {
            continue;
        };
        used[i] += 1;
        if x.expires.as_str() >= today {
            f.suppressed = Some(Box::new(crate::finding::Suppression {
                kind: "exception".into(),
                reason: format!(
                    "{} (owner {}, expires {}, {file}:{})",
                    x.reason, x.owner, x.expires, x.line
                ),
            }));
        } else {
            f.message = format!(
                "{} (the exception in {file}:{} owned by {} expired on {})",
                f.message, x.line, x.owner, x.expires
            )
            .into();
        }
    }
    used
}

/// Per exception (in config order): could it have matched in what was scanned? When
/// the scan covered the config file's whole folder, each could; after a partial scan
/// only those whose `resource` and `path` globs match a resource scanned. Needs
/// `ScanOptions::collect_resources`.
pub fn exceptions_in_reach(result: &ScanResult, config: &crate::config::Config) -> Vec<bool> {
    let root = config
        .root
        .canonicalize()
        .unwrap_or_else(|_| config.root.clone());
    if result.coverage.covers_folder(&root) {
        return vec![true; config.exceptions.len()];
    }
    let mut relative: std::collections::HashMap<&str, String> = Default::default();
    config
        .exceptions
        .iter()
        .map(|x| {
            result.coverage.resources.iter().any(|(resource, file)| {
                let rel = relative
                    .entry(file.as_str())
                    .or_insert_with(|| config.relative(file));
                x.could_match(resource, rel)
            })
        })
        .collect()
}

/// A baseline: the fingerprints of the findings a team has accepted for now
/// (`opsgate baseline`), so that only new findings fail.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule: String,
    pub resource: String,
    pub file: String,
    /// The unit the finding came from (a template, or a Terraform root module): a
    /// partial scan judges only the entries of the units it scanned. Absent in
    /// baselines written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

impl Baseline {
    /// The baseline of a scan: every finding not already suppressed otherwise.
    pub fn of(result: &ScanResult) -> Baseline {
        let mut findings: Vec<BaselineEntry> = result
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.to_string(),
                rule: f.rule.to_string(),
                resource: f.resource.to_string(),
                file: f.file.display.clone(),
                unit: Some(f.unit.to_string()),
            })
            .collect();
        findings.sort_by(|a, b| {
            (&a.file, &a.rule, &a.resource, &a.fingerprint).cmp(&(
                &b.file,
                &b.rule,
                &b.resource,
                &b.fingerprint,
            ))
        });
        findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Baseline {
            version: 1,
            findings,
        }
    }

    pub fn read(path: &std::path::Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}:{}: not an opsgate baseline: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if b.version != 1 {
            return Err(format!(
                "{}: baseline version {} is not supported (this opsgate writes version 1)",
                path.display(),
                b.version
            ));
        }
        Ok(b)
    }

    /// Marks findings in the baseline as suppressed; records how many baseline
    /// entries the scan covered (`Coverage`: their file and unit were scanned) and
    /// how many of those no longer occur.
    pub fn apply(&self, result: &mut ScanResult, name: &str) {
        let known: std::collections::HashSet<&str> = self
            .findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        let mut seen = std::collections::HashSet::new();
        for f in result.findings.iter_mut() {
            if known.contains(f.fingerprint.as_str()) {
                seen.insert(f.fingerprint);
                if f.suppressed.is_none() {
                    f.suppressed = Some(Box::new(crate::finding::Suppression {
                        kind: "baseline".into(),
                        reason: format!("in the baseline {name}"),
                    }));
                }
            }
        }
        let covered: std::collections::HashSet<&str> = self
            .findings
            .iter()
            .filter(|e| result.coverage.covers(&e.file, e.unit.as_deref()))
            .map(|e| e.fingerprint.as_str())
            .collect();
        let seen: std::collections::HashSet<&str> = seen.iter().map(|f| f.as_str()).collect();
        let stale = covered.iter().filter(|f| !seen.contains(**f)).count();
        result.baseline = Some((covered.len(), stale));
    }
}
