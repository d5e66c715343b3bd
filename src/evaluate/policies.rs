//! The policy set: built-in policies (embedded at build time) and a team's own
//! policy folders, compiled once per run into one regorus engine.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use regorus::{Engine, Value};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as J};

use crate::finding::Severity;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_policies.rs"));
}

/// The embedded fixture files of built-in rule `id` that examples quote, by path
/// relative to its fixture directory (`fail.yaml`, `terraform/fail/main.tf`).
pub fn embedded_examples(id: &str) -> BTreeMap<String, String> {
    let prefix = format!("{id}/");
    embedded::EXAMPLES
        .iter()
        .filter_map(|(path, text)| {
            Some((path.strip_prefix(&prefix)?.to_string(), text.to_string()))
        })
        .collect()
}

/// A rule's metadata, as its policy declares it in `metadata := {...}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub area: String,
    pub section: String,
    pub best_practice: String,
    pub description: String,
    pub remediation: BTreeMap<String, String>,
    #[serde(default)]
    pub config_rule: Option<String>,
    pub kinds: Vec<String>,
    pub formats: Vec<String>,
    /// Default values of the rule's configurable parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, J>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub meta: RuleMeta,
    /// The policy file, as shown to users (`policies/telemetry/OPS-TEL-001.rego`).
    pub file: String,
    /// `data.<package>.findings`
    pub findings_rule: String,
    /// Shipped with opsgate (not from a --policy-dir).
    pub builtin: bool,
    /// The configured severity replaces the one a policy gives a finding.
    pub severity_override: bool,
}

/// The rule-like id under which opsgate reports ignores that do not work: stale
/// ones that match no finding, ones without a reason, forbidden ones.
pub const META_RULE: &str = "OPS-META-001";

fn meta_rule() -> Rule {
    let text = |s: &str| s.to_string();
    Rule {
        meta: RuleMeta {
            id: text(META_RULE),
            title: text("Ignores are justified and still needed"),
            severity: Severity::Low,
            area: text("Organization"),
            section: text("Operating Model"),
            best_practice: text("Mechanisms exist to request additions, changes, and exceptions to standards"),
            description: text("An inline ignore (`# opsgate:ignore RULE -- reason`, or a JSON template's `Metadata.opsgate.ignore`) is an exception to a standard, recorded next to the code. It must say why, and it must still be needed: an ignore that matches no finding hides the next real problem on that line, so opsgate reports it. Where the configuration forbids inline ignores for a rule, the exception belongs in the config file's `[[exceptions]]`, with an owner and an expiry date."),
            remediation: [
                (text("cloudformation"), text("Remove the stale ignore, add a reason after ` -- `, or move the exception to `[[exceptions]]` in opsgate.toml with an owner and `expires`.")),
                (text("terraform"), text("Remove the stale ignore, add a reason after ` -- `, or move the exception to `[[exceptions]]` in opsgate.toml with an owner and `expires`.")),
            ]
            .into(),
            config_rule: None,
            kinds: vec![],
            formats: vec![],
            parameters: BTreeMap::new(),
        },
        file: text("(built in: inline ignores)"),
        findings_rule: String::new(),
        builtin: true,
        severity_override: false,
    }
}

/// A policy that could not be loaded or that failed while evaluating.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyError {
    pub file: String,
    pub message: String,
}

/// Where policies come from, besides the built-ins.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    pub policy_dirs: Vec<std::path::PathBuf>,
    /// `YYYY-MM-DD`, exposed to policies as `data.opsgate.config.today`.
    pub today: String,
    /// Per-rule parameters (`data.opsgate.config.rules`), from the config file.
    pub rule_params: BTreeMap<String, J>,
    /// Rule ids not to evaluate (config `[rules] disable`).
    pub disabled: Vec<String>,
    /// Severity overrides by rule id (config `[rules] severity`).
    pub severity: BTreeMap<String, Severity>,
    pub builtins: bool,
    /// How long one policy may run on one unit (default `DEFAULT_EVAL_TIMEOUT`).
    pub eval_timeout: Option<std::time::Duration>,
    /// Also load `*_test.rego` modules of the policy folders (`opsgate test`).
    pub include_tests: bool,
}

/// A Rego unit test: a rule named `test_*` in a `*_test.rego` module.
#[derive(Debug, Clone)]
pub struct RegoTest {
    pub file: String,
    pub name: String,
    /// `data.<package>.<name>`
    pub rule: String,
}

/// A policy that runs longer than this on one unit is stopped and reported.
pub const DEFAULT_EVAL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub struct PolicySet {
    /// Compiled and prepared (evaluated once), so clones skip analysis.
    pub(super) engine: Engine,
    pub rules: Vec<Rule>,
    /// Problems loading policies; the rest of the set is usable.
    pub errors: Vec<PolicyError>,
    /// Per format: one generated rule that evaluates every rule covering the format
    /// in a single pass (shared helper indexes are built once, not once per rule),
    /// and the rule indexes of its elements.
    pub(super) aggregates: BTreeMap<String, (String, Vec<usize>)>,
    /// Rego unit tests found in the policy folders (with `include_tests`).
    pub tests: Vec<RegoTest>,
    /// Which rules may be ignored inline (config); all by default.
    pub inline: crate::config::InlinePolicy,
    /// Rules loaded but not evaluated (`PolicyOptions::disabled`): the config
    /// names them, so they must stay known.
    pub disabled: Vec<RuleMeta>,
}

struct Module {
    file: String,
    text: String,
    builtin: bool,
}

impl PolicySet {
    pub fn load(options: &PolicyOptions) -> PolicySet {
        let mut errors = Vec::new();
        let mut modules = Vec::new();
        let mut data = serde_json::Map::new();
        if options.builtins {
            for (path, text) in embedded::EMBEDDED {
                add_source(path, text, false, &mut modules, &mut data, &mut errors);
            }
            modules.iter_mut().for_each(|m| m.builtin = true);
        }
        for dir in &options.policy_dirs {
            read_policy_dir(
                dir,
                options.include_tests,
                &mut modules,
                &mut data,
                &mut errors,
            );
        }
        Self::compile(modules, data, options, errors)
    }

    fn compile(
        modules: Vec<Module>,
        data: serde_json::Map<String, J>,
        options: &PolicyOptions,
        mut errors: Vec<PolicyError>,
    ) -> PolicySet {
        let config = json!({
            "opsgate": {
                "config": {"today": options.today, "rules": options.rule_params},
                "data": data,
            }
        });
        let (mut engine, packages) = build_engine(modules, Value::from(config), &mut errors);
        engine.set_input(Value::from(empty_input()));

        let mut rules: Vec<Rule> = Vec::new();
        let mut seen_packages = HashMap::new();
        for (pkg, file, text, builtin) in &packages {
            if pkg.starts_with("data.opsgate.lib")
                || seen_packages.insert(pkg.clone(), ()).is_some()
            {
                continue;
            }
            let declares_findings = text
                .lines()
                .any(|l| l.trim_start().starts_with("findings "));
            let meta = match engine.eval_rule(format!("{pkg}.metadata")) {
                Ok(v) if v != Value::Undefined => v,
                _ => {
                    if declares_findings {
                        errors.push(PolicyError {
                            file: file.clone(),
                            message: format!("{pkg} defines `findings` but no `metadata` object"),
                        });
                    }
                    continue;
                }
            };
            let meta: RuleMeta = match serde_json::to_value(&meta).and_then(serde_json::from_value)
            {
                Ok(m) => m,
                Err(e) => {
                    errors.push(PolicyError {
                        file: file.clone(),
                        message: format!("invalid `metadata`: {e}"),
                    });
                    continue;
                }
            };
            if let Some(other) = rules.iter().find(|r| r.meta.id == meta.id) {
                errors.push(PolicyError {
                    file: file.clone(),
                    message: format!("rule id {} is already defined by {}", meta.id, other.file),
                });
                continue;
            }
            rules.push(Rule {
                meta,
                file: file.clone(),
                findings_rule: format!("{pkg}.findings"),
                builtin: *builtin,
                severity_override: false,
            });
        }
        let (off, mut rules): (Vec<Rule>, Vec<Rule>) = rules
            .into_iter()
            .partition(|r| options.disabled.contains(&r.meta.id));
        let disabled: Vec<RuleMeta> = off.into_iter().map(|r| r.meta).collect();
        for r in rules.iter_mut() {
            if let Some(s) = options.severity.get(&r.meta.id) {
                r.meta.severity = *s;
                r.severity_override = true;
            }
        }
        if options.builtins && !options.disabled.iter().any(|d| d == META_RULE) {
            rules.push(meta_rule());
        }
        rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        let aggregates = add_aggregates(&mut engine, &rules, &mut errors);
        // Evaluate once so that clones of the engine start prepared.
        for r in rules.iter().filter(|r| !r.findings_rule.is_empty()) {
            let _ = engine.eval_rule(r.findings_rule.clone());
        }
        for (rule, _) in aggregates.values() {
            let _ = engine.eval_rule(rule.clone());
        }
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit: options.eval_timeout.unwrap_or(DEFAULT_EVAL_TIMEOUT),
            check_interval: std::num::NonZeroU32::new(64).expect("non-zero"),
        });
        let tests = packages
            .iter()
            .filter(|(_, file, _, _)| file.ends_with("_test.rego"))
            .flat_map(|(pkg, file, text, _)| {
                test_rule_names(text).into_iter().map(move |name| RegoTest {
                    file: file.clone(),
                    rule: format!("{pkg}.{name}"),
                    name,
                })
            })
            .collect();
        PolicySet {
            engine,
            rules,
            errors,
            aggregates,
            tests,
            inline: Default::default(),
            disabled,
        }
    }

    /// Runs one Rego unit test: it passes when its rule evaluates to true.
    pub fn run_test(&self, test: &RegoTest) -> Result<(), String> {
        let mut engine = self.engine();
        engine.set_input(Value::from(empty_input()));
        match engine.eval_rule(test.rule.clone()) {
            Ok(Value::Bool(true)) => Ok(()),
            Ok(Value::Undefined) => Err("undefined (a condition did not hold)".into()),
            Ok(v) => Err(format!(
                "evaluated to {}",
                serde_json::to_string(&v).unwrap_or_default()
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.meta.id.eq_ignore_ascii_case(id))
    }

    /// An engine for one worker thread (cheap: modules are shared).
    pub fn engine(&self) -> Engine {
        self.engine.clone()
    }
}

/// Compiles the modules into one engine. A module that parses but breaks the
/// engine's analysis (a call to a built-in regorus lacks, such as `walk`) would
/// make every rule fail; then the modules are added one by one, helper libraries
/// first, and each that breaks the engine is left out and reported with its file.
fn build_engine(
    modules: Vec<Module>,
    data: Value,
    errors: &mut Vec<PolicyError>,
) -> (Engine, Vec<(String, String, String, bool)>) {
    let mut base = Engine::new();
    base.set_rego_v0(false);
    if let Err(e) = base.add_data(data) {
        errors.push(PolicyError {
            file: "data".into(),
            message: e.to_string(),
        });
    }
    let mut engine = base.clone();
    let mut packages = Vec::new();
    let mut parsed = Vec::new();
    for m in modules {
        match engine.add_policy(m.file.clone(), m.text.clone()) {
            Ok(pkg) => {
                packages.push((pkg, m.file.clone(), m.text.clone(), m.builtin));
                parsed.push(m);
            }
            Err(e) => errors.push(PolicyError {
                file: m.file,
                message: e.to_string(),
            }),
        }
    }
    if prepares(&mut engine) {
        return (engine, packages);
    }
    // Helper libraries first: the rules import them.
    parsed.sort_by_key(|m| {
        !m.text
            .lines()
            .any(|l| l.trim_start().starts_with("package") && l.contains(".lib"))
    });
    let mut engine = base;
    let mut packages = Vec::new();
    for m in parsed {
        let mut candidate = engine.clone();
        let pkg = match candidate.add_policy(m.file.clone(), m.text.clone()) {
            Ok(pkg) => pkg,
            Err(e) => {
                errors.push(PolicyError {
                    file: m.file,
                    message: e.to_string(),
                });
                continue;
            }
        };
        match candidate.eval_query("true".into(), false) {
            Ok(_) => {
                engine = candidate;
                packages.push((pkg, m.file, m.text, m.builtin));
            }
            Err(e) => errors.push(PolicyError {
                file: m.file,
                message: format!("left out, it cannot be compiled: {e}"),
            }),
        }
    }
    (engine, packages)
}

/// Whether the engine's analysis of all its modules succeeds.
fn prepares(engine: &mut Engine) -> bool {
    engine.eval_query("true".into(), false).is_ok()
}

/// Adds `package opsgate_aggregate` with one array per format whose i-th element
/// is the findings of the i-th rule covering that format (`[]` when undefined).
fn add_aggregates(
    engine: &mut Engine,
    rules: &[Rule],
    errors: &mut Vec<PolicyError>,
) -> BTreeMap<String, (String, Vec<usize>)> {
    let mut by_format: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in rules.iter().enumerate() {
        for f in &r.meta.formats {
            by_format.entry(f.clone()).or_default().push(i);
        }
    }
    let mut module = String::from("package opsgate_aggregate\n");
    let mut out = BTreeMap::new();
    for (n, (format, indexes)) in by_format.into_iter().enumerate() {
        let name = format!("format_{n}");
        module.push_str(&format!("\n{name} := [\n"));
        for &i in &indexes {
            module.push_str(&format!("\t[f | some f in {}],\n", rules[i].findings_rule));
        }
        module.push_str("]\n");
        out.insert(format, (format!("data.opsgate_aggregate.{name}"), indexes));
    }
    match engine.add_policy("<aggregate>".into(), module) {
        Ok(_) => out,
        Err(e) => {
            errors.push(PolicyError {
                file: "<aggregate>".into(),
                message: e.to_string(),
            });
            BTreeMap::new()
        }
    }
}

/// Names of the `test_*` rules a module defines (one per distinct name).
fn test_rule_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .lines()
        .filter_map(|l| {
            let name: String = l
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (name.starts_with("test_")
                && l[name.len()..]
                    .trim_start()
                    .starts_with(['i', ':', '{', '=']))
            .then_some(name)
        })
        .collect();
    names.dedup();
    names
}

fn empty_input() -> J {
    json!({"format": "", "unit": "", "resources": {}, "by_kind": {}, "edges": [], "parameters": {}, "variables": {}})
}

/// `*.rego` modules (tests excluded) and `data/*.json` files: a JSON file at
/// `data/<name>.json` becomes `data.opsgate.data.<name>`.
fn add_source(
    path: &str,
    text: &str,
    include_tests: bool,
    modules: &mut Vec<Module>,
    data: &mut serde_json::Map<String, J>,
    errors: &mut Vec<PolicyError>,
) {
    if path.ends_with("_test.rego") && !include_tests {
        return;
    }
    if path.ends_with(".rego") {
        modules.push(Module {
            file: path.to_string(),
            text: text.to_string(),
            builtin: false,
        });
    } else if path.ends_with(".json") && path.contains("data/") {
        let stem = Path::new(path)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("");
        match serde_json::from_str::<J>(text) {
            Ok(v) => {
                data.insert(stem.to_string(), v);
            }
            Err(e) => errors.push(PolicyError {
                file: path.to_string(),
                message: format!("invalid JSON: {e}"),
            }),
        }
    }
}

fn read_policy_dir(
    dir: &Path,
    include_tests: bool,
    modules: &mut Vec<Module>,
    data: &mut serde_json::Map<String, J>,
    errors: &mut Vec<PolicyError>,
) {
    if !dir.is_dir() {
        errors.push(PolicyError {
            file: dir.display().to_string(),
            message: "policy directory does not exist or is not a directory".into(),
        });
        return;
    }
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| match e {
            Ok(e) => Some(e),
            Err(err) => {
                errors.push(PolicyError {
                    file: dir.display().to_string(),
                    message: err.to_string(),
                });
                None
            }
        })
        .filter(|e| e.file_type().is_file())
        .collect();
    files.sort_by(|a, b| a.path().cmp(b.path()));
    for f in files {
        let display = crate::discover::display_path(f.path());
        let is_policy_file = display.ends_with(".rego") || display.ends_with(".json");
        if !is_policy_file {
            continue;
        }
        match std::fs::read_to_string(f.path()) {
            Ok(text) => add_source(&display, &text, include_tests, modules, data, errors),
            Err(e) => errors.push(PolicyError {
                file: display,
                message: format!("cannot read: {e}"),
            }),
        }
    }
}
