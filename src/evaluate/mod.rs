//! evaluate: the rules that apply to each unit, in parallel (a pool of workers per rule).

mod bytecode;
mod indexes;
mod policies;
mod value;

use policies::Prepared;
pub use policies::{
    builtin_metadata_table, embedded_examples, CompiledRule, PolicyError, PolicyOptions, PolicySet,
    RegoTest, Rule, RuleMeta, RuleTexts, META_RULE,
};

use std::collections::HashSet;

use rayon::prelude::*;
use regorus::rvm::RegoVM;
use regorus::{Engine, Value};
use serde_json::Value as J;

use crate::finding::{RawFinding, Severity};
use crate::normalise::Unit;

/// How one worker runs one rule: its bytecode on a virtual machine, or the
/// interpreter (a team's own policies).
enum Worker {
    Vm(Box<RegoVM>),
    Interpreter(Box<Engine>),
}

impl Worker {
    fn of(prepared: &Prepared) -> Result<Worker, String> {
        match prepared.vm() {
            Some(vm) => Ok(Worker::Vm(Box::new(vm?))),
            None => Ok(Worker::Interpreter(Box::new(prepared.engine.clone()))),
        }
    }

    /// The rule's findings on this input.
    fn findings(&mut self, rule: &Rule, input: &Value) -> Result<Value, String> {
        match self {
            Worker::Vm(vm) => {
                vm.set_input(input.clone());
                vm.execute_entry_point_by_index(0)
                    .map_err(|e| e.to_string())
            }
            Worker::Interpreter(engine) => {
                engine.set_input(input.clone());
                engine
                    .eval_rule(rule.findings_rule.clone())
                    .map_err(|e| e.to_string())
            }
        }
    }
}

impl CompiledRule {
    /// An idle worker of the rule, or a new one (the rule is prepared on first use).
    fn take_worker(&self) -> Result<Worker, String> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match idle {
            Some(worker) => Ok(worker),
            None => Worker::of(self.prepared()?),
        }
    }

    fn give_back(&self, worker: Worker) {
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(worker);
    }
}

impl PolicySet {
    /// Evaluates the rules that apply to the unit: those that cover its format and
    /// read a kind of resource it has (`metadata.kinds`; a rule without kinds applies
    /// to every unit). The rules of a large unit, or with `spread` of any unit, run
    /// side by side, so one unit still uses every core; findings and errors come in
    /// rule order. A policy that fails is reported and the others still run.
    pub fn evaluate(&self, unit: &mut Unit, spread: bool) -> (Vec<RawFinding>, Vec<PolicyError>) {
        let input = std::mem::take(&mut unit.input);
        let present = kinds_present(&input);
        let size = input
            .get("resources")
            .and_then(J::as_object)
            .map_or(0, |r| r.len());
        let format = unit.format.as_str();
        let applicable: Vec<(usize, &Rule, &CompiledRule)> = self
            .rules
            .iter()
            .enumerate()
            .filter_map(|(index, rule)| {
                let compiled = rule.engine.as_ref()?;
                if !rule.meta.formats.iter().any(|f| f == format) {
                    return None;
                }
                let reads = |k: &String| present.contains(k.as_str());
                let applies = rule.meta.kinds.is_empty()
                    || rule.meta.kinds.iter().chain(&rule.meta.types).any(reads);
                applies.then_some((index, rule, compiled))
            })
            .collect();
        drop(present);
        let started = std::time::Instant::now();
        let mut input = value::to_rego(input);
        indexes::add_indexes(&mut input);
        if profiling() {
            eprintln!(
                "opsgate profile: {:>9.3} ms  (input conversion)  {}",
                started.elapsed().as_secs_f64() * 1e3,
                unit.name
            );
        }
        let run = |&(index, rule, compiled): &(usize, &Rule, &CompiledRule)| {
            let mut worker = compiled
                .take_worker()
                .map_err(|e| PolicyError::new(&rule.file, e))?;
            let t0 = std::time::Instant::now();
            let result = worker.findings(rule, &input);
            if profiling() {
                eprintln!(
                    "opsgate profile: {:>9.3} ms  {}  {}",
                    t0.elapsed().as_secs_f64() * 1e3,
                    rule.meta.id,
                    unit.name
                );
            }
            // A failed evaluation can leave state behind: its worker is dropped.
            if result.is_ok() {
                compiled.give_back(worker);
            }
            match result {
                Ok(Value::Undefined) => Ok(vec![]),
                Ok(v) => parse_findings(index, serde_json::to_value(&v).unwrap_or(J::Null)),
                Err(e) => Err(format!("{} failed on {}: {e}", rule.meta.id, unit.name)),
            }
            .map_err(|message| PolicyError::new(&rule.file, message))
        };
        // The rules of a large unit, or of one of fewer units than cores, side by
        // side; a small unit among many is one task of the scan, and splitting it
        // would cost more than it gains.
        let side_by_side = spread || size >= PARALLEL_RULES_FROM;
        let results: Vec<Result<Vec<RawFinding>, PolicyError>> = if side_by_side {
            applicable.par_iter().map(run).collect()
        } else {
            applicable.iter().map(run).collect()
        };
        let mut findings = Vec::new();
        let mut errors = Vec::new();
        for ((_, rule, _), result) in applicable.iter().zip(results) {
            match result {
                Ok(mut f) => {
                    if let Some(e) = outside_kinds(rule, &f, &input) {
                        errors.push(e);
                    }
                    findings.append(&mut f);
                }
                Err(e) => errors.push(e),
            }
        }
        // The input of a large or lone unit is freed on another thread (tens of
        // milliseconds); among many units, freeing inline keeps memory flat.
        if side_by_side {
            rayon::spawn(move || drop(input));
        }
        (findings, errors)
    }
}

/// Units with at least this many resources have their rules evaluated in parallel.
const PARALLEL_RULES_FROM: usize = 200;

/// `OPSGATE_PROFILE=1`: each rule's evaluation time per unit on standard error, for
/// finding the rule that makes a large unit slow (bench/large_unit.py).
pub fn profiling() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("OPSGATE_PROFILE").is_some_and(|v| v != "0"))
}

/// The canonical kinds and native types of the input's resources.
fn kinds_present(input: &J) -> HashSet<&str> {
    let Some(resources) = input.get("resources").and_then(J::as_object) else {
        return HashSet::new();
    };
    resources
        .values()
        .flat_map(|r| ["kind", "type"].map(|name| r.get(name).and_then(J::as_str)))
        .flatten()
        .collect()
}

/// A rule is skipped on units without any of its `kinds`, which is only right if
/// it never reports a resource of another kind: say so when it does.
fn outside_kinds(rule: &Rule, findings: &[RawFinding], input: &Value) -> Option<PolicyError> {
    if rule.meta.kinds.is_empty() {
        return None;
    }
    let (f, (kind, ty)) = findings.iter().find_map(|f| {
        let resource = &input["resources"][f.resource.as_str()];
        if resource == &Value::Undefined {
            return None;
        }
        let field = |name: &str| match &resource[name] {
            Value::String(s) => s.to_string(),
            _ => String::new(),
        };
        let (kind, ty) = (field("kind"), field("type"));
        let listed = rule.meta.kinds.contains(&kind) || rule.meta.types.contains(&ty);
        (!listed).then_some((f, (kind, ty)))
    })?;
    let what = if kind.is_empty() {
        format!("type {ty}, which its metadata `types` does not list")
    } else {
        format!("kind {kind}, which its metadata `kinds` does not list")
    };
    Some(PolicyError::new(
        &rule.file,
        format!(
            "{} reported `{}` of {what}; opsgate evaluates a rule only on units that \
             have one of its kinds or types, so add it",
            rule.meta.id, f.resource
        ),
    ))
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
