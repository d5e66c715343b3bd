//! evaluate: every policy on every unit, in parallel (one engine clone per worker).

mod policies;

pub use policies::{
    embedded_examples, PolicyError, PolicyOptions, PolicySet, RegoTest, Rule, RuleMeta, META_RULE,
};

use regorus::{Engine, Value};
use serde_json::Value as J;

use crate::finding::{RawFinding, Severity};
use crate::normalise::Unit;

impl PolicySet {
    /// Evaluates the rules that cover the unit's format. A policy that fails is
    /// reported and the others still run.
    pub fn evaluate(
        &self,
        engine: &mut Engine,
        unit: &mut Unit,
    ) -> (Vec<RawFinding>, Vec<PolicyError>) {
        let input = std::mem::take(&mut unit.input);
        let input = Value::from(input);
        engine.set_input(input.clone());
        let format = unit.format.as_str();
        let mut findings = Vec::new();
        let mut errors = Vec::new();
        // Fast path: all rules in one evaluation. If any rule fails, evaluate them
        // one by one so that the failure is reported with its policy file.
        if let Some((rule, indexes)) = self.aggregates.get(format) {
            if let Ok(v) = engine.eval_rule(rule.clone()) {
                let all = serde_json::to_value(&v).unwrap_or(J::Null);
                for (k, &index) in indexes.iter().enumerate() {
                    match parse_findings(index, all.get(k).cloned().unwrap_or(J::Null)) {
                        Ok(mut f) => findings.append(&mut f),
                        Err(message) => errors.push(PolicyError {
                            file: self.rules[index].file.clone(),
                            message,
                        }),
                    }
                }
                return (findings, errors);
            }
        }
        // A fresh clone of the prepared engine: a failed evaluation can leave
        // state behind that makes the next rule fail too.
        let mut engine = self.engine();
        engine.set_input(input);
        for (index, rule) in self.rules.iter().enumerate() {
            if !rule.meta.formats.iter().any(|f| f == format) {
                continue;
            }
            match engine.eval_rule(rule.findings_rule.clone()) {
                Ok(Value::Undefined) => {}
                Ok(v) => match parse_findings(index, serde_json::to_value(&v).unwrap_or(J::Null)) {
                    Ok(mut f) => findings.append(&mut f),
                    Err(message) => errors.push(PolicyError {
                        file: rule.file.clone(),
                        message,
                    }),
                },
                Err(e) => errors.push(PolicyError {
                    file: rule.file.clone(),
                    message: format!("{} failed on {}: {e}", rule.meta.id, unit.name),
                }),
            }
        }
        (findings, errors)
    }
}

fn parse_findings(rule_index: usize, json: J) -> Result<Vec<RawFinding>, String> {
    let items = match json {
        J::Array(items) => items,
        other => return Err(format!("`findings` must be a set of objects, got {other}")),
    };
    items
        .into_iter()
        .map(|f| {
            let resource = f
                .get("resource")
                .and_then(J::as_str)
                .ok_or_else(|| format!("a finding has no `resource`: {f}"))?;
            let message = f
                .get("message")
                .and_then(J::as_str)
                .ok_or_else(|| format!("a finding has no `message`: {f}"))?;
            let path = match f.get("path") {
                None | Some(J::Null) => vec![],
                Some(J::Array(p)) => p.clone(),
                Some(other) => {
                    return Err(format!("a finding's `path` must be an array, got {other}"))
                }
            };
            let severity = match f.get("severity").and_then(J::as_str) {
                None => None,
                Some(s) => Some(
                    Severity::parse(s)
                        .ok_or_else(|| format!("unknown severity `{s}` in a finding"))?,
                ),
            };
            Ok(RawFinding {
                rule_index,
                resource: resource.to_string(),
                path,
                message: message.to_string(),
                fix: f.get("fix").and_then(J::as_str).map(str::to_string),
                severity,
            })
        })
        .collect()
}
