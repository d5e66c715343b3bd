//! The policy set: built-in policies (embedded at build time) and a team's own
//! policy folders, compiled once per run: one prepared regorus engine per rule.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;
use regorus::rvm::{program::Program, RegoVM};
use regorus::utils::limits::ExecutionTimerConfig;
use regorus::{Engine, Value};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as J};

use super::{bytecode, Worker};
use crate::finding::Severity;
use crate::source::{SourceFile, Span};

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
    /// Native types without a canonical kind that the rule also reads and reports
    /// (CDK's `Custom::LogRetention`). With `kinds`, these decide which units the
    /// rule is evaluated on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
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
    /// The rule's own engine (the libraries and its package), prepared; `None` for
    /// the built-in OPS-META-001, which opsgate computes itself.
    pub engine: Option<CompiledRule>,
    /// The title and remediations every finding of the rule shares.
    pub texts: RuleTexts,
}

/// Texts of a rule that its findings point at rather than copy.
#[derive(Debug, Clone, Default)]
pub struct RuleTexts {
    pub id: std::sync::Arc<str>,
    pub title: std::sync::Arc<str>,
    /// By format (`cloudformation`, `terraform`, `terraform-plan`).
    pub remediation: BTreeMap<String, std::sync::Arc<str>>,
}

impl RuleTexts {
    fn of(meta: &RuleMeta) -> RuleTexts {
        RuleTexts {
            id: meta.id.as_str().into(),
            title: meta.title.as_str().into(),
            remediation: meta
                .remediation
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().into()))
                .collect(),
        }
    }

    /// The remediation for `format`, empty when the rule gives none.
    pub fn remediation(&self, format: &str) -> std::sync::Arc<str> {
        self.remediation
            .get(format)
            .cloned()
            .unwrap_or_else(|| "".into())
    }
}

/// A rule's prepared engine; workers evaluate clones of it (cheap: modules are
/// shared), kept between evaluations in a pool. Built-in rules are prepared on first use: preparing (regorus' analysis
/// of the libraries and the rule) is most of a small scan's time, and a scan of
/// one template needs only the rules whose kinds it has. A team's own policies are
/// prepared at load, so that a broken one is reported whether or not it runs.
#[derive(Clone)]
pub struct CompiledRule {
    prepared: Arc<OnceLock<Result<Prepared, String>>>,
    /// What the engine is prepared from, until it is.
    source: Option<Arc<RuleSource>>,
    /// Idle workers: an evaluation takes one (or makes one) and gives it back, so
    /// the rules of one unit run side by side and each worker is reused.
    pub(super) idle: Arc<Mutex<Vec<Worker>>>,
}

/// A prepared rule: its interpreter engine and, for built-in rules, the same rule
/// compiled to regorus' bytecode (about 2.4 times less CPU than the interpreter on
/// the corpus). Only built-in rules run as bytecode: their fixtures and the corpus
/// check them on it, while a team's own policies keep the interpreter, whose
/// semantics `opsgate test` checks them with.
pub(super) struct Prepared {
    pub(super) engine: Engine,
    pub(super) program: Option<Arc<Program>>,
    pub(super) timer: ExecutionTimerConfig,
}

impl Prepared {
    /// A virtual machine loaded with the rule's bytecode and the policy data (`None`
    /// for a rule that runs on the interpreter).
    pub(super) fn vm(&self) -> Option<Result<RegoVM, String>> {
        let program = self.program.as_ref()?;
        let mut vm = RegoVM::new();
        vm.load_program(program.clone());
        if let Err(e) = vm.set_data(self.engine.get_data()) {
            return Some(Err(e.to_string()));
        }
        // The time limit bounds a rule, not an instruction count.
        vm.set_max_instructions(usize::MAX);
        vm.set_execution_timer_config(Some(self.timer));
        Some(Ok(vm))
    }
}

struct RuleSource {
    base: Engine,
    package: String,
    modules: Vec<(String, String)>,
    /// The rule's program made at build time, when it is the one these modules
    /// and `base` give (see `precompiled`).
    program: Option<&'static [u8]>,
    timer: ExecutionTimerConfig,
}

impl CompiledRule {
    fn eager(engine: Engine, timer: ExecutionTimerConfig) -> CompiledRule {
        CompiledRule {
            prepared: Arc::new(OnceLock::from(Ok(Prepared {
                engine,
                program: None,
                timer,
            }))),
            source: None,
            idle: Default::default(),
        }
    }

    fn lazy(source: RuleSource) -> CompiledRule {
        CompiledRule {
            prepared: Arc::new(OnceLock::new()),
            source: Some(Arc::new(source)),
            idle: Default::default(),
        }
    }

    /// The prepared rule (prepared now, once, if it was not yet).
    pub(super) fn prepared(&self) -> Result<&Prepared, &str> {
        self.prepared
            .get_or_init(|| {
                let source = self.source.as_ref().ok_or("no policy source")?;
                let loaded = source.program.and_then(|b| bytecode::from_bytes(b).ok());
                if let Some(program) = loaded {
                    // The VM reads only the data of the engine.
                    return Ok(Prepared {
                        engine: source.base.clone(),
                        program: Some(Arc::new(program)),
                        timer: source.timer,
                    });
                }
                let (mut engine, _) =
                    prepare(&source.base, &source.package, &source.modules, source.timer)?;
                let program = bytecode::compile(&mut engine, &source.package).ok();
                Ok(Prepared {
                    engine,
                    program,
                    timer: source.timer,
                })
            })
            .as_ref()
            .map_err(String::as_str)
    }
}

impl std::fmt::Debug for CompiledRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CompiledRule")
    }
}

/// The rule-like id under which opsgate reports ignores that do not work: stale
/// ones that match no finding, ones without a reason, forbidden ones.
pub const META_RULE: &str = "OPS-META-001";

fn meta_rule() -> Rule {
    let text = |s: &str| s.to_string();
    let meta = RuleMeta {
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
            types: vec![],
            formats: vec![],
            parameters: BTreeMap::new(),
        };
    Rule {
        texts: RuleTexts::of(&meta),
        meta,
        file: text("(built in: inline ignores)"),
        findings_rule: String::new(),
        engine: None,
        builtin: true,
        severity_override: false,
    }
}

/// A policy that could not be loaded or that failed while evaluating.
#[derive(Debug, Clone, Default)]
pub struct PolicyError {
    pub file: String,
    pub message: String,
    /// The module's text, when the error points into it (a syntax error).
    pub source: Option<Arc<SourceFile>>,
    pub span: Option<Span>,
}

impl PolicyError {
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> PolicyError {
        PolicyError {
            file: file.into(),
            message: message.into(),
            ..Default::default()
        }
    }

    /// An error about one of `modules` (file, text), whose text holds a regorus
    /// error. Regorus writes its location into the text (`\n--> file:line:col\n…
    /// | ^\nerror: message`); that becomes the span, and the message is what came
    /// before it and regorus' own message, so the error is shown like every other
    /// input error.
    fn regorus(file: &str, error: &str, modules: &[(String, String)]) -> PolicyError {
        let located = regorus_location(error).and_then(|(at, message)| {
            let (module, text) = modules.iter().find(|(f, _)| *f == at.0)?;
            let offset = rego_offset(text, at.1, at.2)?;
            Some((module, text, offset, message))
        });
        let Some((module, text, offset, message)) = located else {
            return PolicyError::new(file, error.trim());
        };
        let (span, message) = rego_cause(text, offset, message);
        let before = error[..error.find("--> ").unwrap_or(0)].trim();
        PolicyError {
            file: module.clone(),
            message: if before.is_empty() {
                message
            } else {
                format!("{before} {message}")
            },
            source: Some(Arc::new(SourceFile::new(module.clone(), text.as_str()))),
            span: Some(span),
        }
    }
}

/// ((file, line, column), message) of a regorus error text.
fn regorus_location(error: &str) -> Option<((String, usize, usize), &str)> {
    let rest = &error[error.find("--> ")? + 4..];
    let (place, rest) = rest.split_once('\n')?;
    let mut parts = place.rsplitn(3, ':');
    let column = parts.next()?.trim().parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    let file = parts.next()?.to_string();
    let message = rest[rest.find("\nerror: ")? + 8..].trim();
    (!message.is_empty()).then_some(((file, line, column), message))
}

/// The byte offset of regorus' 1-based `line` and `column` (it counts a tab as four
/// columns, every other byte as one).
fn rego_offset(text: &str, line: usize, column: usize) -> Option<usize> {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let mut col = 1;
    let mut offset = text.len();
    for (i, b) in text[start..].bytes().enumerate() {
        if col >= column || b == b'\n' {
            offset = start + i;
            break;
        }
        col += if b == b'\t' { 4 } else { 1 };
    }
    // On a character boundary, whatever the column says.
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    Some(offset)
}

/// Where a Rego syntax error's cause is, and what to say. Regorus points at the
/// token where it gave up, which for a missing closer or operand is the first token
/// of a later line: a bracket left open to the end of the module is pointed at
/// itself; otherwise a token that starts its line moves back to just after the
/// previous token, where the expected text was missing.
fn rego_cause(text: &str, offset: usize, message: &str) -> (Span, String) {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    if message.starts_with("expecting") && text[line_start..offset].trim().is_empty() {
        let closer = message
            .strip_prefix("expecting `")
            .and_then(|m| m.chars().next());
        let open = rego_unclosed(text);
        let innermost = open.iter().rev().find(|(at, _)| *at < offset);
        if let Some((at, c)) = innermost.filter(|(_, c)| Some(*c) == closer) {
            let opener = match c {
                '}' => '{',
                ']' => '[',
                _ => '(',
            };
            return (
                Span::new(*at, at + 1),
                format!("this `{opener}` is never closed ({message})"),
            );
        }
        if let Some(end) = previous_token_end(text, line_start) {
            return (Span::new(end, end), message.to_string());
        }
    }
    let end = text[offset..]
        .chars()
        .next()
        .map_or(offset, |c| offset + c.len_utf8());
    (Span::new(offset, end), message.to_string())
}

/// The end of the last code before the line that starts at `line_start` (comments
/// and blank lines skipped).
fn previous_token_end(text: &str, line_start: usize) -> Option<usize> {
    let mut line_end = line_start.checked_sub(1)?;
    loop {
        let start = text[..line_end].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[start..line_end];
        let code = line_comment_start(line).map_or(line, |c| &line[..c]);
        let code = code.trim_end();
        if !code.is_empty() {
            return Some(start + code.len());
        }
        line_end = start.checked_sub(1)?;
    }
}

/// Where a `#` comment starts in one line of Rego (not inside a string).
fn line_comment_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => return Some(i),
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'`' => {
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Brackets of a Rego module still open at its end: (offset, the closer expected).
/// Strings, raw strings and comments are skipped.
fn rego_unclosed(text: &str) -> Vec<(usize, char)> {
    let b = text.as_bytes();
    let mut open: Vec<(usize, char)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                i = text[i..].find('\n').map_or(b.len(), |n| i + n);
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'`' => {
                i = text[i + 1..].find('`').map_or(b.len(), |n| i + 1 + n);
            }
            b'{' => open.push((i, '}')),
            b'[' => open.push((i, ']')),
            b'(' => open.push((i, ')')),
            c @ (b'}' | b']' | b')')
                if open.last().is_some_and(|(_, closer)| *closer as u8 == c) =>
            {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    open
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
    pub rules: Vec<Rule>,
    /// Problems loading policies; the rest of the set is usable.
    pub errors: Vec<PolicyError>,
    /// With `include_tests`: every module in one engine, for the Rego unit tests.
    test_engine: Option<Engine>,
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
        let data = Value::from(config);
        let packages = group_packages(modules);
        let (libraries, rule_packages): (Vec<Package>, Vec<Package>) = packages
            .into_iter()
            .partition(|p| !p.is_rule() && !p.is_test());
        let (tests, rule_packages): (Vec<Package>, Vec<Package>) =
            rule_packages.into_iter().partition(Package::is_test);
        let base = library_engine(&libraries, data, &mut errors);
        // The built-in rules' programs were compiled with the built-in libraries only.
        let builtin_libraries = libraries
            .iter()
            .all(|p| p.modules.iter().all(|m| m.builtin));
        let timer = ExecutionTimerConfig {
            limit: options.eval_timeout.unwrap_or(DEFAULT_EVAL_TIMEOUT),
            check_interval: std::num::NonZeroU32::new(64).expect("non-zero"),
        };
        // Each rule compiled into its own engine (the libraries and its own package):
        // regorus resolves every cross-package reference by walking all modules, so
        // evaluating a rule costs less the fewer modules its engine holds, and a rule
        // that fails cannot disturb the others.
        let compiled: Vec<Result<Option<Rule>, PolicyError>> = rule_packages
            .par_iter()
            .map(|p| compile_rule(&base, builtin_libraries, p, timer))
            .collect();
        let mut rules: Vec<Rule> = Vec::new();
        for c in compiled {
            match c {
                Ok(Some(rule)) => {
                    if let Some(other) = rules.iter().find(|r| r.meta.id == rule.meta.id) {
                        errors.push(PolicyError::new(
                            &rule.file,
                            format!(
                                "rule id {} is already defined by {}",
                                rule.meta.id, other.file
                            ),
                        ));
                        continue;
                    }
                    rules.push(rule);
                }
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
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
        // `opsgate test`: the tests reach into any package, so they run in one
        // engine that holds everything.
        let (test_engine, tests) = if tests.is_empty() {
            (None, Vec::new())
        } else {
            let mut engine = base.clone();
            for p in rule_packages.iter().chain(&tests) {
                for m in &p.modules {
                    // Problems in rule modules were reported above.
                    let _ = engine.add_policy(m.file.clone(), m.text.clone());
                }
            }
            let tests = tests
                .iter()
                .flat_map(|p| {
                    p.modules.iter().flat_map(move |m| {
                        test_rule_names(&m.text)
                            .into_iter()
                            .map(move |name| RegoTest {
                                file: m.file.clone(),
                                rule: format!("{}.{name}", p.name),
                                name,
                            })
                    })
                })
                .collect();
            (Some(engine), tests)
        };
        PolicySet {
            test_engine,
            rules,
            errors,
            tests,
            inline: Default::default(),
            disabled,
        }
    }

    /// Runs one Rego unit test: it passes when its rule evaluates to true.
    pub fn run_test(&self, test: &RegoTest) -> Result<(), String> {
        let Some(engine) = &self.test_engine else {
            return Err("no test modules were loaded".into());
        };
        let mut engine = engine.clone();
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
}

/// The modules of one Rego package (a package may span several files).
struct Package {
    /// `data.opsgate.rules.tel_001`
    name: String,
    modules: Vec<Module>,
}

impl Package {
    /// A rule package declares `metadata` or `findings`; the rest are libraries.
    fn is_rule(&self) -> bool {
        self.modules
            .iter()
            .any(|m| bytecode::declares_rule(&m.text))
    }

    /// (file, text) of each module.
    fn sources(&self) -> Vec<(String, String)> {
        self.modules
            .iter()
            .map(|m| (m.file.clone(), m.text.clone()))
            .collect()
    }

    fn is_test(&self) -> bool {
        self.modules.iter().all(|m| m.file.ends_with("_test.rego"))
    }
}

/// Groups the modules by the package they declare, in load order. (Syntax errors
/// are reported when the modules are compiled.)
fn group_packages(modules: Vec<Module>) -> Vec<Package> {
    let mut packages: Vec<Package> = Vec::new();
    for m in modules {
        let name = bytecode::declared_package(&m.text);
        match packages.iter_mut().find(|p| p.name == name) {
            Some(p) => p.modules.push(m),
            None => packages.push(Package {
                name,
                modules: vec![m],
            }),
        }
    }
    packages
}

/// The engine every rule starts from: the data and the helper libraries. A library
/// that breaks the engine's analysis (a call to a built-in regorus lacks, such as
/// `walk`) is left out and reported with its file.
fn library_engine(libraries: &[Package], data: Value, errors: &mut Vec<PolicyError>) -> Engine {
    let mut engine = Engine::new();
    engine.set_rego_v0(false);
    if let Err(e) = engine.add_data(data) {
        errors.push(PolicyError::new("data", e.to_string()));
    }
    for p in libraries {
        let mut candidate = engine.clone();
        let added = p.modules.iter().try_for_each(|m| {
            candidate
                .add_policy(m.file.clone(), m.text.clone())
                .map(drop)
        });
        match added.and_then(|_| candidate.eval_query("true".into(), false).map(drop)) {
            Ok(()) => engine = candidate,
            Err(e) => errors.push(PolicyError::regorus(
                &p.modules[0].file,
                &format!("left out, it cannot be compiled: {e}"),
                &p.sources(),
            )),
        }
    }
    engine
}

/// One rule: its metadata and its engine. `None` for a package without `metadata`
/// and `findings`. Built-in rules read their metadata from an engine that holds only
/// their own package (their metadata is constant) and are prepared on first use, from
/// the program made at build time while `base` holds only the built-in libraries;
/// the others are prepared here.
fn compile_rule(
    base: &Engine,
    builtin_libraries: bool,
    package: &Package,
    timer: ExecutionTimerConfig,
) -> Result<Option<Rule>, PolicyError> {
    let file = package.modules[0].file.clone();
    let error = |message: String| PolicyError::regorus(&file, &message, &package.sources());
    let modules = package.sources();
    let builtin = package.modules.iter().all(|m| m.builtin);
    let known = builtin
        .then(|| known_metadata(&package.name, &modules).or_else(|| metadata_alone(package)))
        .flatten();
    let (engine, meta) = match known {
        Some(meta) => {
            let program = builtin_libraries
                .then(|| precompiled(&package.name, &modules))
                .flatten();
            let source = RuleSource {
                base: base.clone(),
                package: package.name.clone(),
                modules,
                program,
                timer,
            };
            (CompiledRule::lazy(source), meta)
        }
        None => {
            let (engine, meta) = prepare(base, &package.name, &modules, timer).map_err(error)?;
            let meta = serde_json::to_value(&meta)
                .map_err(|e| error(format!("invalid `metadata`: {e}")))?;
            (CompiledRule::eager(engine, timer), meta)
        }
    };
    let meta: RuleMeta =
        serde_json::from_value(meta).map_err(|e| error(format!("invalid `metadata`: {e}")))?;
    Ok(Some(Rule {
        texts: RuleTexts::of(&meta),
        meta,
        file,
        findings_rule: format!("{}.findings", package.name),
        builtin,
        severity_override: false,
        engine: Some(engine),
    }))
}

/// The bytes of the built-in rule's program compiled at build time from these very
/// modules (`build.rs`).
fn precompiled(package: &str, modules: &[(String, String)]) -> Option<&'static [u8]> {
    let (_, hash, bytes) = embedded::PROGRAMS.iter().find(|(p, ..)| *p == package)?;
    (*hash == bytecode::modules_hash(modules)).then_some(*bytes)
}

/// The built-in rules' metadata, generated from the policies (a test keeps it current:
/// `OPSGATE_BLESS=1 cargo test --test docs`): package → {hash of its modules, metadata}.
/// Reading it spares every run evaluating each rule's `metadata`.
const BUILTIN_METADATA: &str = include_str!("builtin_metadata.json");

/// The metadata of a built-in package from `BUILTIN_METADATA`, if it was generated
/// from these very modules (otherwise it is evaluated: a stale table costs time,
/// never correctness).
fn known_metadata(package: &str, modules: &[(String, String)]) -> Option<J> {
    static TABLE: OnceLock<BTreeMap<String, J>> = OnceLock::new();
    let table = TABLE.get_or_init(|| serde_json::from_str(BUILTIN_METADATA).unwrap_or_default());
    let entry = table.get(package)?;
    (entry.get("hash")?.as_str()? == bytecode::modules_hash(modules))
        .then(|| entry.get("metadata").cloned())?
}

/// A rule's metadata from an engine with only its own package (metadata is constant).
fn metadata_alone(package: &Package) -> Option<J> {
    let modules = package.sources();
    let timer = ExecutionTimerConfig {
        limit: DEFAULT_EVAL_TIMEOUT,
        check_interval: std::num::NonZeroU32::new(64).expect("non-zero"),
    };
    let (_, meta) = prepare(&Engine::new(), &package.name, &modules, timer).ok()?;
    serde_json::to_value(&meta).ok()
}

/// `BUILTIN_METADATA` as the embedded policies give it now (pretty JSON).
pub fn builtin_metadata_table() -> String {
    let mut modules = Vec::new();
    let mut data = serde_json::Map::new();
    let mut errors = Vec::new();
    for (path, text) in embedded::EMBEDDED {
        add_source(path, text, false, &mut modules, &mut data, &mut errors);
    }
    let table: BTreeMap<String, J> = group_packages(modules)
        .into_iter()
        .filter(|p| p.is_rule() && !p.is_test())
        .filter_map(|p| {
            let meta = metadata_alone(&p)?;
            let hash = bytecode::modules_hash(&p.sources());
            Some((p.name, json!({"hash": hash, "metadata": meta})))
        })
        .collect();
    serde_json::to_string_pretty(&table).unwrap_or_default() + "\n"
}

/// `base` plus the package's modules, prepared: evaluating `metadata` runs regorus'
/// analysis (which rejects, e.g., an unknown function), so clones skip it. Returns
/// the engine and the metadata.
fn prepare(
    base: &Engine,
    package: &str,
    modules: &[(String, String)],
    timer: ExecutionTimerConfig,
) -> Result<(Engine, Value), String> {
    let mut engine = base.clone();
    engine.set_rego_v0(false);
    for (file, text) in modules {
        engine
            .add_policy(file.clone(), text.clone())
            .map_err(|e| format!("left out, it cannot be parsed: {e}"))?;
    }
    engine.set_input(Value::from(empty_input()));
    let meta = match engine.eval_rule(format!("{package}.metadata")) {
        Ok(Value::Undefined) => {
            return Err(format!(
                "{package} defines `findings` but no `metadata` object"
            ))
        }
        Ok(v) => v,
        Err(e) => return Err(format!("left out, it cannot be compiled: {e}")),
    };
    engine.set_execution_timer_config(timer);
    Ok((engine, meta))
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
            Err(e) => errors.push(PolicyError::new(path, format!("invalid JSON: {e}"))),
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
        errors.push(PolicyError::new(
            dir.display().to_string(),
            "policy directory does not exist or is not a directory",
        ));
        return;
    }
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| match e {
            Ok(e) => Some(e),
            Err(err) => {
                errors.push(PolicyError::new(dir.display().to_string(), err.to_string()));
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
            Err(e) => errors.push(PolicyError::new(display, format!("cannot read: {e}"))),
        }
    }
}

#[cfg(test)]
mod location_tests {
    use super::*;

    #[test]
    fn regorus_positions_become_byte_offsets_and_causes() {
        let error = "prefix:\n--> p.rego:2:9\n  |\n2 | \tx := 1 1\n  |        ^\nerror: expecting identifier";
        assert_eq!(
            regorus_location(error),
            Some((("p.rego".to_string(), 2, 9), "expecting identifier"))
        );
        // A tab is four columns.
        assert_eq!(rego_offset("package p\n\tx := 1 1\n", 2, 12), Some(18));
        let text = "package p\n\nx := [1, # open\n  2\n\ny := 3\n";
        let (span, message) = rego_cause(
            text,
            text.find("y :=").unwrap(),
            "expecting `]` while parsing array",
        );
        assert_eq!(span, Span::new(16, 17));
        assert_eq!(
            message,
            "this `[` is never closed (expecting `]` while parsing array)"
        );
        let text = "package p\n\nx if {\n  input.a == # what?\n\n}\n";
        let (span, message) = rego_cause(text, text.rfind('}').unwrap(), "expecting expression");
        assert_eq!(span, Span::new(30, 30));
        assert_eq!(&text[..30], "package p\n\nx if {\n  input.a ==");
        assert_eq!(message, "expecting expression");
        let set = PolicyError::regorus(
            "p.rego",
            "left out: \n--> other.rego:1:1\nerror: x",
            &[("p.rego".into(), "package p\n".into())],
        );
        assert_eq!(
            (set.span, set.message.as_str()),
            (None, "left out: \n--> other.rego:1:1\nerror: x")
        );
    }
}

#[cfg(test)]
mod metadata_table_tests {
    use super::*;

    /// The generated table answers only for the modules it was generated from: an
    /// edited policy has its metadata evaluated instead.
    #[test]
    fn a_stale_table_entry_is_not_used() {
        let mut modules = Vec::new();
        let (mut data, mut errors) = (serde_json::Map::new(), Vec::new());
        for (path, text) in embedded::EMBEDDED {
            add_source(path, text, false, &mut modules, &mut data, &mut errors);
        }
        let package = group_packages(modules)
            .into_iter()
            .find(|p| p.name == "data.opsgate.rules.tel_001")
            .expect("OPS-TEL-001 is built in");
        let mut sources = package.sources();
        let meta = known_metadata(&package.name, &sources).expect("current entry");
        assert_eq!(meta["id"], "OPS-TEL-001");
        sources[0].1.push_str("\n# edited\n");
        assert_eq!(known_metadata(&package.name, &sources), None);
    }
}

#[cfg(test)]
mod bytecode_tests {
    use super::*;

    fn load(builtins: bool, policy_dirs: Vec<std::path::PathBuf>) -> PolicySet {
        PolicySet::load(&PolicyOptions {
            builtins,
            policy_dirs,
            today: "2026-11-25".into(),
            eval_timeout: Some(std::time::Duration::from_millis(100)),
            ..Default::default()
        })
    }

    /// A built-in rule that the bytecode compiler rejected would quietly run on the
    /// interpreter, slower and with the semantics its fixtures were not checked on.
    #[test]
    fn every_builtin_rule_runs_as_bytecode() {
        let set = load(true, vec![]);
        assert!(set.errors.is_empty(), "{:?}", set.errors);
        let mut checked = 0;
        for rule in &set.rules {
            let Some(compiled) = &rule.engine else {
                continue;
            };
            let prepared = compiled.prepared().expect("built-in rules prepare");
            assert!(
                prepared.program.is_some(),
                "{} is not bytecode",
                rule.meta.id
            );
            assert!(
                matches!(prepared.vm(), Some(Ok(_))),
                "{} has no VM",
                rule.meta.id
            );
            checked += 1;
        }
        assert!(checked > 60, "only {checked} rules");
    }

    /// The programs build.rs made are the ones a run compiles from the same modules,
    /// byte for byte, and a run uses them unless a team's library joins the built-in
    /// ones (it could add to their packages); then the rules are compiled at run time.
    #[test]
    fn build_time_bytecode_is_what_a_run_compiles() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("lib.rego"),
            "package acme.lib\n\nanswer := 42\n",
        )
        .unwrap();
        let with_team_library = load(true, vec![dir.path().to_path_buf()]);
        assert!(
            with_team_library.errors.is_empty(),
            "{:?}",
            with_team_library.errors
        );
        let mut checked = 0;
        for rule in &with_team_library.rules {
            let Some(compiled) = rule.engine.as_ref() else {
                continue; // OPS-META-001
            };
            let source = compiled.source.as_ref().expect("built-in rules are lazy");
            assert!(
                source.program.is_none(),
                "{}: build-time program with a team library",
                rule.meta.id
            );
            let program = compiled
                .prepared()
                .expect("prepares")
                .program
                .as_ref()
                .expect("bytecode");
            let at_run_time = bytecode::to_bytes(program).expect("serialises");
            let at_build_time =
                precompiled(&source.package, &source.modules).expect("made at build time");
            assert!(
                at_run_time == at_build_time,
                "{}: the programs differ",
                rule.meta.id
            );
            checked += 1;
        }
        assert_eq!(checked, embedded::PROGRAMS.len());

        let builtin_only = load(true, vec![]);
        for rule in builtin_only.rules.iter().filter(|r| r.engine.is_some()) {
            let source = rule
                .engine
                .as_ref()
                .and_then(|c| c.source.as_ref())
                .expect("lazy");
            assert!(
                source.program.is_some(),
                "{} has no build-time program",
                rule.meta.id
            );
        }
    }

    const SLOW_POLICY: &str = "package acme.slow\n\nmetadata := {\"id\": \"ACME-SLOW\", \"title\": \"t\", \"severity\": \"low\", \"area\": \"a\", \"section\": \"s\", \"best_practice\": \"b\", \"description\": \"d\", \"remediation\": {}, \"kinds\": [], \"formats\": [\"cloudformation\"]}\n\nfindings contains f if {\n\tsome r in input.resources\n\tn := count([x | some x in numbers.range(1, 3000); some y in numbers.range(1, 3000); x == y])\n\tn > 0\n\tf := {\"resource\": r.address, \"path\": [], \"message\": \"slow\"}\n}\n";

    /// The time limit that stops a team's policy on the interpreter stops bytecode
    /// too (the VM's instruction limit is lifted, so the timer is all that bounds it).
    #[test]
    fn bytecode_stops_at_the_time_limit_and_team_policies_stay_interpreted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("slow.rego"), SLOW_POLICY).unwrap();
        let set = load(false, vec![dir.path().to_path_buf()]);
        assert!(set.errors.is_empty(), "{:?}", set.errors);
        let rule = set.rule("ACME-SLOW").expect("loaded");
        let prepared = rule.engine.as_ref().unwrap().prepared().unwrap();
        assert!(
            prepared.program.is_none(),
            "a team's policy stays interpreted"
        );

        let mut engine = prepared.engine.clone();
        let program = bytecode::compile(&mut engine, "data.acme.slow").expect("compiles");
        let bytecode = Prepared {
            engine,
            program: Some(program),
            timer: prepared.timer,
        };
        let mut vm = bytecode.vm().unwrap().unwrap();
        vm.set_input(Value::from(json!({
            "format": "cloudformation",
            "resources": {"Q": {"address": "Q", "type": "AWS::SQS::Queue"}},
        })));
        let started = std::time::Instant::now();
        let result = vm.execute_entry_point_by_index(0);
        let error = result.expect_err("stopped").to_string();
        assert!(error.contains("time limit"), "{error}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
    }
}
